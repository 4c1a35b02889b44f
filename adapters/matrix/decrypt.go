package matrix

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"
)

// e2ee is what the adapter needs from end-to-end encryption. crypto_goolm.go
// provides it; without the goolm tag there is none.
type e2ee interface {
	// decrypt returns errNoSession when the room key has not arrived yet.
	decrypt(ctx context.Context, evt *event.Event) (*event.Event, error)
	// requestKeys asks the sender's devices for a missing room key.
	requestKeys(ctx context.Context, evt *event.Event)
	close() error
}

// errNoSession: the event's room key is not here (yet).
var errNoSession = errors.New("no room key for this event yet")

// keyUndecrypted keeps the events waiting for their room keys.
const keyUndecrypted = "undecrypted"

// decrypt opens an encrypted event. One whose key has not arrived (keys
// travel as to-device messages and may come a sync later) is kept aside and
// retried after each sync: it is stored with the token, so a restart still
// handles it.
func (a *Adapter) decrypt(ctx context.Context, evt *event.Event) (*event.Event, bool) {
	log := a.log.With("room", evt.RoomID, "event", evt.ID)
	if a.e2ee == nil {
		if a.rooms.firstEncryptedWarning(evt.RoomID) {
			log.Warn("this room is encrypted but the bot's encryption is off: its messages can't be read (set encryption and build with -tags goolm)")
		}
		return nil, false
	}
	dec, err := a.e2ee.decrypt(ctx, evt)
	if errors.Is(err, errNoSession) {
		log.Info("waiting for the room key of an encrypted message")
		a.pending.add(evt, time.Now())
		a.e2ee.requestKeys(ctx, evt)
		return nil, false
	}
	if err != nil {
		log.Warn("cannot decrypt a message", "err", err)
		return nil, false
	}
	dec.RoomID = evt.RoomID
	return dec, true
}

// undecrypted are encrypted events waiting for their keys.
type undecrypted struct {
	mu      sync.Mutex
	events  []waiting
	changed bool
}

type waiting struct {
	Event *event.Event `json:"event"`
	Since time.Time    `json:"since"`
}

func (u *undecrypted) add(evt *event.Event, now time.Time) {
	u.mu.Lock()
	defer u.mu.Unlock()
	for _, w := range u.events {
		if w.Event.ID == evt.ID {
			return
		}
	}
	u.events = append(u.events, waiting{Event: evt, Since: now})
	u.changed = true
}

// ready takes out the waiting events that can now be decrypted, by room in
// their order, and drops those that waited too long.
func (u *undecrypted) ready(ctx context.Context, a *Adapter) map[id.RoomID][]*event.Event {
	u.mu.Lock()
	defer u.mu.Unlock()
	if len(u.events) == 0 || a.e2ee == nil {
		return nil
	}
	out := map[id.RoomID][]*event.Event{}
	kept := u.events[:0]
	for _, w := range u.events {
		dec, err := a.e2ee.decrypt(ctx, w.Event)
		switch {
		case err == nil:
			dec.RoomID = w.Event.RoomID
			out[dec.RoomID] = append(out[dec.RoomID], dec)
		case errors.Is(err, errNoSession) && time.Since(w.Since) < a.undecryptTTL:
			kept = append(kept, w)
			continue
		default:
			a.log.Warn("gave up on an encrypted message: its key never came", "room", w.Event.RoomID, "event", w.Event.ID, "err", err)
		}
		u.changed = true
	}
	u.events = kept
	return out
}

// save stores the waiting events when they changed.
func (u *undecrypted) save(ctx context.Context, a *Adapter) error {
	u.mu.Lock()
	defer u.mu.Unlock()
	if !u.changed {
		return nil
	}
	data, err := json.Marshal(u.events)
	if err != nil {
		return fmt.Errorf("matrix: %w", err)
	}
	if err := a.state.SetState(ctx, Platform, keyUndecrypted, string(data)); err != nil {
		return fmt.Errorf("matrix: store the events waiting for keys: %w", err)
	}
	u.changed = false
	return nil
}

// load reads the events that were waiting when the bot stopped.
func (u *undecrypted) load(ctx context.Context, a *Adapter) error {
	raw, ok, err := a.state.State(ctx, Platform, keyUndecrypted)
	if err != nil {
		return fmt.Errorf("matrix: read the events waiting for keys: %w", err)
	}
	if !ok || raw == "" {
		return nil
	}
	var ws []waiting
	if err := json.Unmarshal([]byte(raw), &ws); err != nil {
		a.log.Warn("the events waiting for keys are unreadable; dropping them", "err", err)
		return nil
	}
	kept := ws[:0]
	for _, w := range ws {
		if w.Event == nil {
			continue
		}
		w.Event.Type.Class = event.MessageEventType
		if err := w.Event.Content.ParseRaw(w.Event.Type); err != nil && !errors.Is(err, event.ErrContentAlreadyParsed) {
			continue
		}
		kept = append(kept, w)
	}
	u.mu.Lock()
	u.events = kept
	u.mu.Unlock()
	return nil
}
