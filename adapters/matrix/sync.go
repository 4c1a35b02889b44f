package matrix

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"maunium.net/go/mautrix"
	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"

	"github.com/entraide/entraide/bot"
)

// keyNextBatch is where the sync token is kept.
const keyNextBatch = "next_batch"

// hookSyncer runs mautrix's own hooks on each sync response (the crypto
// machine's to-device and device-list handling, the state store) but is
// deliberately not a mautrix.DispatchableSyncer: the crypto helper then
// leaves encrypted room events to the adapter, which decrypts them inside
// the batch, so the sync token never moves past an event it has not
// handled.
type hookSyncer struct {
	d *mautrix.DefaultSyncer
}

func newHookSyncer() *hookSyncer { return &hookSyncer{d: mautrix.NewDefaultSyncer()} }

var (
	_ mautrix.Syncer           = (*hookSyncer)(nil)
	_ mautrix.ExtensibleSyncer = (*hookSyncer)(nil)
)

func (s *hookSyncer) ProcessResponse(ctx context.Context, resp *mautrix.RespSync, since string) error {
	return s.d.ProcessResponse(ctx, resp, since)
}

func (s *hookSyncer) OnFailedSync(res *mautrix.RespSync, err error) (time.Duration, error) {
	return s.d.OnFailedSync(res, err)
}

func (s *hookSyncer) GetFilterJSON(userID id.UserID) *mautrix.Filter {
	return s.d.GetFilterJSON(userID)
}

func (s *hookSyncer) OnSync(callback mautrix.SyncHandler) { s.d.OnSync(callback) }

func (s *hookSyncer) OnEvent(callback mautrix.EventHandler) { s.d.OnEvent(callback) }

func (s *hookSyncer) OnEventType(t event.Type, callback mautrix.EventHandler) {
	s.d.OnEventType(t, callback)
}

// filter is sent inline with each /sync: no presence, and at most limit
// timeline events per room (older ones are fetched with /messages).
func filter(limit int) string {
	f := map[string]any{
		"presence": map[string]any{"not_types": []string{"*"}},
		"room":     map[string]any{"timeline": map[string]any{"limit": limit}},
	}
	data, _ := json.Marshal(f)
	return string(data)
}

// syncLoop long-polls /sync. The token is stored only after the events of
// a batch were handled (Receive returns once replies are delivered): a
// crash replays the batch, and the ledger's idempotency keys make the
// replay harmless.
func (a *Adapter) syncLoop(ctx context.Context, inbox bot.Inbox) error {
	since, found, err := a.state.State(ctx, Platform, keyNextBatch)
	if err != nil {
		return fmt.Errorf("matrix: read the sync token: %w", err)
	}
	initial := !found || since == ""
	if initial {
		a.log.Info("first start: skipping the rooms' history")
	}
	failures := 0
	for ctx.Err() == nil {
		limit := a.timelineLimit
		if initial {
			limit = 1 // history is skipped, so fetch as little as possible
		}
		resp, err := a.client.FullSyncRequest(ctx, mautrix.ReqSync{
			Since:    since,
			Timeout:  int(a.syncTimeout / time.Millisecond),
			FilterID: filter(limit),
		})
		if err == nil {
			err = a.finishBatch(ctx, inbox, resp, since, initial)
		}
		if ctx.Err() != nil {
			return nil
		}
		if err != nil {
			if errors.Is(err, mautrix.MUnknownToken) {
				return fmt.Errorf("matrix: the homeserver no longer accepts the bot's token: %w", err)
			}
			wait, ok := serverWait(err)
			if ok {
				a.reports.RateLimited(Platform, wait)
			} else {
				wait = a.backoff.delay(failures)
				a.reports.Disconnected(Platform)
			}
			failures++
			a.log.Warn("sync failed; retrying", "err", err, "retry_in", wait.Round(time.Millisecond), "failures", failures)
			if sleep(ctx, wait) != nil {
				return nil
			}
			continue
		}
		a.reports.Connected(Platform)
		if failures > 0 {
			a.log.Info("sync recovered", "failures", failures)
			failures = 0
		}
		since, initial = resp.NextBatch, false
	}
	return nil
}

// finishBatch handles a sync response and stores its token. Once started,
// a batch may finish after ctx ends, within shutdownGrace: replies already
// being written go out and the token is stored, so a restart does not
// answer the same commands again.
func (a *Adapter) finishBatch(ctx context.Context, inbox bot.Inbox, resp *mautrix.RespSync, since string, initial bool) error {
	bctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	defer cancel()
	stop := context.AfterFunc(ctx, func() {
		t := time.AfterFunc(a.shutdownGrace, cancel)
		context.AfterFunc(bctx, func() { t.Stop() })
	})
	defer stop()
	if err := a.processSync(bctx, inbox, resp, since, initial); err != nil {
		return err
	}
	if err := a.state.SetState(bctx, Platform, keyNextBatch, resp.NextBatch); err != nil {
		return fmt.Errorf("store the sync token: %w", err)
	}
	return nil
}

// processSync handles one sync response: invites, then each room's new
// events, rooms in parallel and each room's events in order.
func (a *Adapter) processSync(ctx context.Context, inbox bot.Inbox, resp *mautrix.RespSync, since string, initial bool) error {
	if err := a.syncer.ProcessResponse(ctx, resp, since); err != nil {
		return fmt.Errorf("process sync: %w", err)
	}
	for room, inv := range resp.Rooms.Invite {
		if err := a.handleInvite(ctx, inbox, room, inv); err != nil {
			return err
		}
	}
	if initial {
		return nil
	}
	batches := map[id.RoomID][]*event.Event{}
	for room, jr := range resp.Rooms.Join {
		evts, joined := a.sinceOwnJoin(jr.Timeline.Events)
		if jr.Timeline.Limited && !joined && since != "" {
			older, err := a.fillGap(ctx, room, jr.Timeline.PrevBatch, since)
			if err != nil {
				return err
			}
			evts = append(older, evts...)
		}
		for _, evt := range evts {
			evt.RoomID = room
		}
		batches[room] = evts
	}
	// Events that waited for their keys go first: they are older.
	for room, evts := range a.pending.ready(ctx, a) {
		batches[room] = append(evts, batches[room]...)
	}
	var wg sync.WaitGroup
	for _, evts := range batches {
		wg.Go(func() {
			for _, evt := range evts {
				if ctx.Err() != nil {
					return
				}
				a.handleEvent(ctx, inbox, evt)
			}
		})
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return err
	}
	return a.pending.save(ctx, a)
}

// sinceOwnJoin drops what a room's timeline holds from before the bot
// joined: history is not for the bot to act on. joined tells whether the
// join is in this timeline.
func (a *Adapter) sinceOwnJoin(evts []*event.Event) ([]*event.Event, bool) {
	for i := len(evts) - 1; i >= 0; i-- {
		if a.isOwnJoin(evts[i]) {
			return evts[i+1:], true
		}
	}
	return evts, false
}

// isOwnJoin is the bot's membership becoming join (not a profile change).
func (a *Adapter) isOwnJoin(evt *event.Event) bool {
	if evt.Type != event.StateMember || evt.GetStateKey() != string(a.botID) {
		return false
	}
	m, _ := evt.Content.Raw["membership"].(string)
	if m != string(event.MembershipJoin) {
		return false
	}
	if evt.Unsigned.PrevContent != nil {
		if prev, _ := evt.Unsigned.PrevContent.Raw["membership"].(string); prev == string(event.MembershipJoin) {
			return false
		}
	}
	return true
}

// fillGap fetches what a limited timeline left out: the events between
// the previous sync token and the start of the timeline, oldest first. It
// stops at the bot's own join and after gapLimit events.
func (a *Adapter) fillGap(ctx context.Context, room id.RoomID, from, to string) ([]*event.Event, error) {
	var older []*event.Event // newest first while paginating
	for from != "" && len(older) < a.gapLimit {
		var resp *mautrix.RespMessages
		err := a.retry(ctx, opIdempotent, "messages", []any{"room", room}, func(ctx context.Context) error {
			var err error
			resp, err = a.client.Messages(ctx, room, from, to, mautrix.DirectionBackward, nil, min(100, a.gapLimit))
			return err
		})
		if err != nil {
			return nil, fmt.Errorf("fill the gap in %s: %w", room, err)
		}
		for _, evt := range resp.Chunk {
			if evt.StateKey != nil {
				evt.Type.Class = event.StateEventType
			} else {
				evt.Type.Class = event.MessageEventType
			}
			if err := evt.Content.ParseRaw(evt.Type); err != nil && !errors.Is(err, event.ErrUnsupportedContentType) && !errors.Is(err, event.ErrContentAlreadyParsed) {
				a.log.Warn("unreadable event", "room", room, "event", evt.ID, "err", err)
				continue
			}
			if a.isOwnJoin(evt) {
				from = ""
				break
			}
			older = append(older, evt)
		}
		if len(resp.Chunk) == 0 || resp.End == "" {
			break
		}
		if from != "" {
			from = resp.End
		}
	}
	if len(older) >= a.gapLimit {
		a.log.Warn("too many missed events in a room; the oldest are skipped", "room", room, "kept", len(older))
	}
	slices.Reverse(older)
	a.log.Info("fetched missed events", "room", room, "events", len(older))
	return older, nil
}

// handleEvent turns one timeline event into a message for the core, if it
// is one.
func (a *Adapter) handleEvent(ctx context.Context, inbox bot.Inbox, evt *event.Event) {
	if evt.Sender == a.botID {
		return
	}
	switch evt.Type {
	case event.EventEncrypted:
		dec, ok := a.decrypt(ctx, evt)
		if ok {
			a.handleEvent(ctx, inbox, dec)
		}
	case event.EventMessage:
		a.handleMessage(ctx, inbox, evt)
	case event.EventReaction:
		a.handleReaction(ctx, inbox, evt)
	}
}
