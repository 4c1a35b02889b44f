package matrix

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/entraide/entraide/bot"
	"github.com/entraide/entraide/bot/adaptertest"
	"github.com/entraide/entraide/internal/fakematrix"
)

// harness plays Matrix around the adapter for the conformance suite: Ana
// and Bob write in Element (mentions are pills), and what the bot posts is
// read back from the homeserver as a member's client shows it.
type harness struct {
	e      *env
	a      *Adapter
	cursor int
}

func newHarness(t *testing.T) adaptertest.Harness {
	e := newEnv(t)
	a, err := New(e.config(), e.db, slog.New(e.logs))
	if err != nil {
		t.Fatal(err)
	}
	fast(a)
	t.Cleanup(func() { a.Close() })
	return &harness{e: e, a: a, cursor: e.hs.StreamLen()}
}

func (h *harness) Adapter() bot.Adapter { return h.a }

func (h *harness) Members() []bot.User {
	return []bot.User{{ID: h.e.ana, Name: "Ana"}, {ID: h.e.bob, Name: "Bob"}}
}

// Mention is the user's Matrix ID; Say turns it into a pill.
func (h *harness) Mention(u bot.User) string { return u.ID }

func (h *harness) Room() bot.Target { return bot.Target{Room: h.e.room} }

// Say waits until the bot is online (a member would see it joined and
// synced), then writes as Element does.
func (h *harness) Say(ctx context.Context, u bot.User, text string) (string, error) {
	for {
		if _, ok, err := h.e.db.State(ctx, Platform, keyNextBatch); err != nil || ok {
			if err != nil {
				return "", err
			}
			break
		}
		select {
		case <-ctx.Done():
			return "", ctx.Err()
		case <-time.After(5 * time.Millisecond):
		}
	}
	return h.e.sayPills(u.ID, h.e.room, text, nil), nil
}

func (h *harness) Redeliver(ctx context.Context, eventID string) error {
	return h.e.hs.Redeliver(h.e.room, eventID)
}

func (h *harness) SpaceMembers(ctx context.Context, room string) ([]string, error) {
	var out []string
	for _, u := range h.e.hs.Members(room) {
		if u != h.e.botID {
			out = append(out, u)
		}
	}
	return out, nil
}

// Next reads the bot's next message, in any room, as a client renders it:
// its body, its thread (a thread's root belongs to it), whether it is
// private (posted in a direct chat between the bot and one member), who
// m.mentions pings, its file, and its buttons: the choices stored for it,
// each of which the bot must have put under the message as a reaction.
func (h *harness) Next(ctx context.Context) (adaptertest.Posted, error) {
	ev, err := h.e.hs.Next(ctx, &h.cursor, func(ev *fakematrix.Event) bool {
		return ev.Sender == h.e.botID && ev.Type == "m.room.message"
	})
	if err != nil {
		return adaptertest.Posted{}, err
	}
	p := adaptertest.Posted{Text: body(ev), Thread: threadOf(ev), Private: h.e.isDirectChat(ev.Room)}
	reactions := map[string]bool{}
	for _, other := range h.e.hs.EventsIn(ev.Room) {
		rel, _ := other.Content["m.relates_to"].(map[string]any)
		if rel["event_id"] != ev.ID {
			continue
		}
		switch rel["rel_type"] {
		case "m.thread":
			if p.Thread == "" {
				p.Thread = ev.ID
			}
		case "m.annotation":
			if other.Sender == h.e.botID {
				reactions[fmt.Sprint(rel["key"])] = true
			}
		}
	}
	p.Pinged, _ = fakematrix.Pinged(ev.Content)
	if mt := ev.Content["msgtype"]; mt == "m.file" || mt == "m.image" {
		url, _ := ev.Content["url"].(string)
		m, ok := h.e.hs.MediaFor(url)
		if !ok {
			return p, fmt.Errorf("file %q not in the media repository", url)
		}
		name, _ := ev.Content["filename"].(string)
		p.File = &bot.File{Name: name, MIME: m.MIME, Data: m.Data}
	}
	raw, ok, err := h.e.db.State(ctx, Platform, keyCardPrefix+ev.ID)
	if err != nil {
		return p, err
	}
	if ok {
		var c card
		if err := json.Unmarshal([]byte(raw), &c); err != nil {
			return p, err
		}
		for _, b := range c.Buttons {
			if !reactions[b.Key] {
				return p, fmt.Errorf("the bot did not react with %s for %q", b.Key, b.Label)
			}
			p.Buttons = append(p.Buttons, bot.Button{Label: b.Label, Payload: b.Payload, Emoji: b.Emoji, Ask: b.Ask})
		}
	}
	return p, nil
}

func TestConformance(t *testing.T) {
	adaptertest.Run(t, newHarness)
}
