package discord

import (
	"context"
	"net/url"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/bwmarrin/discordgo"
)

// Catching up after a reconnection. Discord replays a resumed session's
// events, but discordgo resumes at the gateway's usual URL instead of the
// session's resume_gateway_url, and closes with code 1000 when heartbeat
// ACKs stop, which ends the session: Discord then refuses the RESUME and
// the events of the gap are gone. After every reconnection (resumed or
// not) the adapter therefore reads the messages it missed in the served
// guilds' channels (GET /channels/{id}/messages?after=…) and handles the
// commands among them; a message already handled is skipped by its ID.
// Interactions of the gap are not lost either: Discord never delivered
// them, so the member saw them fail and nothing was acknowledged.
const (
	// catchUpMargin reaches back before the last event heard, for messages
	// sent while the connection was already failing unnoticed.
	catchUpMargin = 30 * time.Second
	// catchUpPages bounds the pages read per channel (100 messages each).
	catchUpPages = 20
	historyPage  = 100
	discordEpoch = 1420070400000
)

// tracker remembers what catching up needs: when the gateway was last
// heard, the last message handled per channel and the IDs of the messages
// handled (so none is handled twice).
type tracker struct {
	mu        sync.Mutex
	heard     time.Time
	lostAt    time.Time // when the gateway was last heard before the connection was lost
	connected bool      // a session was ready before: the next READY is a reconnection
	last      map[string]uint64
	handled   map[string]bool
	order     []string
}

func newTracker() *tracker {
	return &tracker{last: map[string]uint64{}, handled: map[string]bool{}}
}

// hear notes that the gateway spoke.
func (t *tracker) hear() {
	t.mu.Lock()
	t.heard = time.Now()
	t.mu.Unlock()
}

// lose notes that the connection is gone.
func (t *tracker) lose() {
	t.mu.Lock()
	if t.lostAt.IsZero() {
		t.lostAt = t.heard
	}
	t.mu.Unlock()
}

// ready notes a READY or RESUMED; it says whether it follows an earlier
// session (a reconnection) and since when to catch up.
func (t *tracker) ready() (reconnected bool, since time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	reconnected, since = t.connected, t.lostAt
	if since.IsZero() {
		since = t.heard
	}
	t.connected, t.lostAt = true, time.Time{}
	return reconnected, since
}

// claim marks a message as handled; false when it was already.
func (t *tracker) claim(channel, id string) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.handled[id] {
		return false
	}
	t.handled[id] = true
	t.order = append(t.order, id)
	if len(t.order) > 10000 {
		delete(t.handled, t.order[0])
		t.order = t.order[1:]
	}
	if n, err := strconv.ParseUint(id, 10, 64); err == nil && n > t.last[channel] {
		t.last[channel] = n
	}
	return true
}

// after is the message ID to read channel from: the last handled there,
// or the first of the moment since, whichever is later.
func (t *tracker) after(channel string, since time.Time) uint64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	from := uint64(0)
	if ms := since.Add(-catchUpMargin).UnixMilli() - discordEpoch; ms > 0 {
		from = uint64(ms) << 22
	}
	return max(from, t.last[channel])
}

// catchUp reads what the served channels received since the last event
// heard, oldest first, and handles it as if it had come through the
// gateway.
func (a *Adapter) catchUp(ctx context.Context, since time.Time) {
	if !a.cfg.MessageContent || since.IsZero() {
		return // without message text there are no commands to miss
	}
	channels := a.channels.served(a.guilds)
	handled := 0
	for _, ch := range channels {
		after := a.seen.after(ch, since)
		for page := 0; page < catchUpPages; page++ {
			q := url.Values{"after": {strconv.FormatUint(after, 10)}, "limit": {strconv.Itoa(historyPage)}}
			var msgs []*discordgo.Message
			endpoint := discordgo.EndpointChannelMessages(ch)
			if err := a.requestJSON(ctx, "GET", endpoint+"?"+q.Encode(), endpoint, nil, nil, &msgs); err != nil {
				a.log.Warn("could not read the messages missed in a channel", "channel", ch, "err", err)
				break
			}
			// Discord answers newest first.
			slices.Reverse(msgs)
			for _, m := range msgs {
				if n, err := strconv.ParseUint(m.ID, 10, 64); err == nil && n > after {
					after = n
				}
				if m.GuildID == "" {
					if info, ok := a.channels.get(ch); ok {
						m.GuildID = info.guild
					}
				}
				if a.handleMessage(ctx, m, true) {
					handled++
				}
			}
			if len(msgs) < historyPage {
				break
			}
		}
	}
	a.log.Info("caught up after a reconnection", "channels", len(channels), "commands", handled)
}
