package discord

import (
	"slices"
	"strings"
	"testing"
)

// A need's card carries an "I can help" button; Bob's press introduces
// him to Ana in a private thread holding exactly the two of them and the
// bot, with the need quoted, and Bob alone is told.
func TestNeedCardButtonIntroducesPrivately(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	e.slash(e.ana, "need post", opt("text", "Repair my bike"))
	var card *fakeMessage
	for card == nil {
		if m := e.f.Next(); strings.Contains(m.Content, "Need #1 by") {
			card = m
		}
	}
	if !strings.Contains(card.Content, "Repair my bike") {
		t.Fatalf("card = %q", card.Content)
	}
	help := button(t, card, "I can help")
	if len(help) > 100 {
		t.Fatalf("custom_id of %d characters", len(help))
	}

	press := e.f.Press(e.bob, card.ID, help)
	var intro *fakeMessage
	for intro == nil {
		if m := e.f.Next(); strings.Contains(m.Content, "can help with") {
			intro = m
		}
	}
	e.privateThreadStarted("")
	e.f.Locked(func() {
		th := e.f.Channels[intro.ChannelID]
		if th == nil || th.Type != 12 {
			t.Fatalf("the introduction went to %s: %+v", intro.ChannelID, th)
		}
		want := slices.Sorted(slices.Values([]string{e.f.Bot.ID, e.ana.ID, e.bob.ID}))
		if got := slices.Sorted(slices.Values(th.Members)); !slices.Equal(got, want) {
			t.Errorf("thread members %v, want exactly Ana, Bob and the bot %v", got, want)
		}
	})
	if !strings.Contains(intro.Content, "“Repair my bike”") {
		t.Errorf("introduction = %q", intro.Content)
	}
	if got := slices.Sorted(slices.Values(intro.Pinged())); !slices.Equal(got, slices.Sorted(slices.Values([]string{e.ana.ID, e.bob.ID}))) {
		t.Errorf("the introduction pings %v, want Ana and Bob", got)
	}
	e.f.Wait("the answer to the press", func() bool {
		in := e.f.Interactions[press]
		return in.Original != nil && !in.Original.Placeholder
	})
	if m := e.f.Interaction(press).Original; m.Flags&64 == 0 || !strings.Contains(m.Content, "You are introduced to") {
		t.Errorf("Bob's answer %q (flags %d), want a private one", m.Content, m.Flags)
	}
}
