package discord

import (
	"slices"
	"strings"
	"testing"

	"github.com/entraide/entraide/bot"
)

// A private space is a private thread in the configured channel, closed
// to invitations, holding exactly the named members (and the bot).
func TestPrivateThreadHasExactlyTheNamedMembers(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	room, err := e.a.CreatePrivateSpace(e.ctx, "Médiation : Ana & Bob", []bot.User{{ID: e.ana.ID}, {ID: e.bob.ID}, {ID: e.ana.ID}})
	if err != nil {
		t.Fatal(err)
	}
	e.privateThreadStarted("Médiation : Ana & Bob")
	var added []string
	for _, c := range e.f.CallsTo("PUT", `^/channels/`+room+`/thread-members/`) {
		added = append(added, c.Path[strings.LastIndex(c.Path, "/")+1:])
	}
	if !slices.Equal(added, []string{e.ana.ID, e.bob.ID}) {
		t.Errorf("added %v, want exactly Ana and Bob, once each", added)
	}
	e.f.Locked(func() {
		th := e.f.Channels[room]
		if th.Type != 12 || th.ParentID != e.private || *th.Invitable {
			t.Errorf("thread %+v", th)
		}
		if got := slices.Sorted(slices.Values(th.Members)); !slices.Equal(got, slices.Sorted(slices.Values([]string{e.f.Bot.ID, e.ana.ID, e.bob.ID}))) {
			t.Errorf("members %v", got)
		}
	})
	if _, err := e.b.Deliver(e.ctx, e.a, bot.Target{Room: room}, bot.Reply{Text: "Welcome"}); err != nil {
		t.Fatal(err)
	}
	if m := e.f.Next(); m.ChannelID != room {
		t.Errorf("the welcome went to %s", m.ChannelID)
	}
}

// Without a private channel configured the space cannot be made, and the
// error says why; a member who cannot be added undoes the thread.
func TestPrivateThreadFailures(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	stranger := e.f.AddUser("stranger", "")
	if _, err := e.a.CreatePrivateSpace(e.ctx, "x", []bot.User{{ID: e.ana.ID}, {ID: stranger.ID}}); err == nil {
		t.Error("a private space was made without a member")
	}
	e.f.Locked(func() {
		for _, c := range e.f.Channels {
			if c.Type == 12 {
				t.Errorf("the incomplete thread %s is still there", c.ID)
			}
		}
	})
	e.a.cfg.Channels = nil
	if _, err := e.a.CreatePrivateSpace(e.ctx, "x", nil); err == nil || !strings.Contains(err.Error(), "mediation channel") {
		t.Errorf("err = %v", err)
	}
}

// OpenThread starts a public thread on a message the bot posted, and a
// command typed in the thread says it came from there.
func TestThreadOnMessage(t *testing.T) {
	t.Parallel()
	rec := &recorder{}
	e := newEnv(t, envOptions{inbox: func(b *bot.Bot) bot.Inbox { rec.Bot = b; return rec }})
	card, err := e.a.Send(e.ctx, bot.Target{Room: e.general}, bot.Reply{Text: "Proposal #1"})
	if err != nil {
		t.Fatal(err)
	}
	e.f.Next()
	thread, err := e.a.OpenThread(e.ctx, bot.Target{Room: e.general, ReplyTo: string(card)}, "Proposal #1: discussion")
	if err != nil {
		t.Fatal(err)
	}
	if thread != string(card) {
		t.Errorf("thread %s, want the card's ID (a thread on a message has its ID)", thread)
	}
	if calls := e.f.CallsTo("POST", `^/channels/`+e.general+`/messages/`+string(card)+`/threads$`); len(calls) != 1 {
		t.Errorf("%d thread starts on the card", len(calls))
	}
	// A thread on an ID Discord knows no message by is opened anyway.
	other, err := e.a.OpenThread(e.ctx, bot.Target{Room: e.general, ReplyTo: "123"}, "Loose")
	if err != nil || other == "" {
		t.Fatalf("open a thread without its message: %q, %v", other, err)
	}
	e.f.Locked(func() {
		if th := e.f.Channels[other]; th.Type != 11 {
			t.Errorf("thread type %d, want public (11)", th.Type)
		}
	})

	id, err := e.f.Slash(e.ana, thread, "balance")
	if err != nil {
		t.Fatal(err)
	}
	m := e.f.Next()
	if m.ChannelID != thread {
		t.Errorf("the reply went to %s", m.ChannelID)
	}
	got := rec.messages()[0]
	if got.ID != id || got.Room != thread || got.Thread != thread {
		t.Errorf("the core got room %q thread %q", got.Room, got.Thread)
	}
	// A thread opened from inside a thread opens beside it.
	beside, err := e.a.OpenThread(e.ctx, bot.Target{Room: thread, Thread: thread}, "Beside")
	if err != nil {
		t.Fatal(err)
	}
	e.f.Locked(func() {
		if th := e.f.Channels[beside]; th.ParentID != e.general {
			t.Errorf("thread opened in %s", th.ParentID)
		}
	})
}
