package matrix

import (
	"slices"
	"strings"
	"testing"

	"github.com/entraide/entraide/internal/fakematrix"
)

// A need's card carries its "I can help" button as a reaction; Bob's
// click introduces him to Ana in a new private room holding exactly the
// two of them and the bot, with the need quoted; Ana's gift naming the
// need meets it.
func TestNeedCardReactionIntroducesPrivately(t *testing.T) {
	e := newEnv(t)
	e.start(e.config())

	e.sayPills(e.ana, e.room, "!need Repair my bike #support", nil)
	card := e.next(e.room)
	if !strings.Contains(body(card), "Need #1 by @Ana") || !strings.Contains(body(card), "Repair my bike") {
		t.Fatalf("card = %q", body(card))
	}
	// The reactions follow the card.
	e.waitFor("the card's 🤝 reaction", func() bool {
		var keys []string
		for _, ev := range e.hs.EventsIn(e.room) {
			if rel := relatesTo(ev); ev.Sender == e.botID && ev.Type == "m.reaction" && rel["event_id"] == card.ID {
				keys = append(keys, rel["key"].(string))
			}
		}
		return slices.Equal(keys, []string{"🤝"})
	})

	e.hs.Send(e.bob, e.room, "m.reaction", map[string]any{"m.relates_to": map[string]any{
		"rel_type": "m.annotation", "event_id": card.ID, "key": "🤝"}})
	intro := e.nextInNewRoom("introduction")
	room := intro.Room
	if !strings.Contains(body(intro), "can help with") || !strings.Contains(body(intro), "“Repair my bike”") {
		t.Errorf("introduction = %q", body(intro))
	}
	if users, _ := fakematrix.Pinged(intro.Content); !sameSet(users, []string{e.ana, e.bob}) {
		t.Errorf("the introduction pings %v, want Ana and Bob", users)
	}
	e.checkPrivateRoom(room, "Mutual aid — need #1", e.ana, e.bob)
	if reply := e.nextPrivate(e.bob); !strings.Contains(body(reply), "You are introduced to @Ana about need #1") {
		t.Errorf("Bob's answer = %q", body(reply))
	}

	e.sayPills(e.ana, e.room, "!give 1h "+e.bob+" need:1 for the chain", nil)
	// The card is edited to say who helped, then the gift is answered.
	edit := e.next(e.room)
	if !strings.Contains(body(edit), "Met on") || !strings.Contains(body(edit), "thanks to Bob") || relatesTo(edit)["rel_type"] != "m.replace" {
		t.Errorf("card edit = %q (%v)", body(edit), relatesTo(edit))
	}
	gift := e.next(e.room)
	if !strings.Contains(body(gift), "gave 1h to @Bob") || !strings.Contains(body(gift), "This meets need #1") {
		t.Errorf("gift = %q", body(gift))
	}
}
