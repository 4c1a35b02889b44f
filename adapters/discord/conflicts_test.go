package discord

import (
	"slices"
	"strings"
	"testing"

	"github.com/entraide/entraide/ledger"
)

// A moderator's /conflict open makes a private thread in the mediation
// channel, closed to invitations, holding exactly the parties, the
// mediators and the bot; the welcome with the rules is posted there, and
// the case records the thread. A party's command typed in the thread is
// answered there.
func TestConflictOpenMakesAPrivateThread(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{messageContent: true})
	mention := func(u *fakeUser) string { return "<@" + u.ID + ">" }
	id := e.slash(e.ana, "conflict open", opt("parties", mention(e.bob)+" "+mention(e.carol)),
		opt("mediators", mention(e.ana)), opt("topic", "the shed keys"))

	var welcome, reply *fakeMessage
	for welcome == nil || reply == nil {
		m := e.f.Next()
		switch {
		case m.InteractionID == id || m.ChannelID == e.general:
			reply = m
		default:
			welcome = m
		}
	}
	e.privateThreadStarted("Mediation #1")
	thread := welcome.ChannelID
	e.f.Locked(func() {
		th := e.f.Channels[thread]
		if th == nil || th.Type != 12 || th.ParentID != e.private || th.Invitable == nil || *th.Invitable {
			t.Fatalf("the welcome went to %s: %+v", thread, th)
		}
		want := slices.Sorted(slices.Values([]string{e.f.Bot.ID, e.ana.ID, e.bob.ID, e.carol.ID}))
		if got := slices.Sorted(slices.Values(th.Members)); !slices.Equal(got, want) {
			t.Errorf("thread members %v, want exactly the parties, the mediator and the bot %v", got, want)
		}
	})
	if !strings.Contains(welcome.Content, "Mediation #1 — the shed keys") || !strings.Contains(welcome.Content, "Confidentiality") ||
		!strings.Contains(welcome.Content, mention(e.bob)) || !strings.Contains(welcome.Content, mention(e.carol)) {
		t.Errorf("welcome = %q", welcome.Content)
	}
	if got := slices.Sorted(slices.Values(welcome.Pinged())); !slices.Equal(got, slices.Sorted(slices.Values([]string{e.ana.ID, e.bob.ID, e.carol.ID}))) {
		t.Errorf("the welcome pings %v, want the parties and the mediator", got)
	}
	if reply.Flags&64 == 0 || !strings.Contains(reply.Content, "Mediation #1 is open") {
		t.Errorf("reply %q (flags %d), want an ephemeral confirmation: the general channel is not the moderators' room", reply.Content, reply.Flags)
	}
	c, err := e.db.Case(e.ctx, e.com.LedgerID(), 1)
	if err != nil {
		t.Fatal(err)
	}
	if c.Platform != Platform || c.Room != thread || c.Topic != "the shed keys" || len(c.Members) != 3 || c.Role(memberID(t, e, e.ana)) != ledger.RoleMediator {
		t.Errorf("case %+v", c)
	}

	// In the thread, a party reads where the case stands, openly.
	if _, delivered := e.f.Say(e.bob, thread, "!conflict status"); !delivered {
		t.Fatal("Bob's message in the thread was not delivered")
	}
	m := e.f.Next()
	if m.ChannelID != thread || m.Flags&64 != 0 || !strings.Contains(m.Content, "Mediation #1 — open — the shed keys") {
		t.Errorf("status in the thread: %q in %s", m.Content, m.ChannelID)
	}
	// Carol is taken out, then comes back as a mediator: the bot changes
	// the thread's members (members cannot: it is closed to invitations).
	e.slash(e.ana, "conflict remove", opt("number", "1"), opt("member", mention(e.carol)))
	for m := e.f.Next(); m.ChannelID != thread || !strings.Contains(m.Content, "leaves mediation #1 (party)"); m = e.f.Next() {
	}
	e.slash(e.ana, "conflict add", opt("number", "1"), opt("member", mention(e.carol)), opt("role", "mediator"))
	for m := e.f.Next(); m.ChannelID != thread || !strings.Contains(m.Content, "joins mediation #1 (mediator)"); m = e.f.Next() {
	}
	if n := len(e.f.CallsTo("DELETE", `^/channels/`+thread+`/thread-members/`+e.carol.ID+`$`)); n != 1 {
		t.Errorf("%d removals of Carol from the thread", n)
	}
	e.f.Locked(func() {
		if !slices.Contains(e.f.Channels[thread].Members, e.carol.ID) {
			t.Errorf("Carol is not back in the thread: %v", e.f.Channels[thread].Members)
		}
	})
	c, _ = e.db.Case(e.ctx, e.com.LedgerID(), 1)
	if c.Role(memberID(t, e, e.carol)) != ledger.RoleMediator {
		t.Errorf("Carol's role: %+v", c.Members)
	}
	// Nothing was said in the general channel.
	e.f.Locked(func() {
		for _, msg := range e.f.Messages {
			if msg.ChannelID == e.general && msg.InteractionID == "" {
				t.Errorf("the bot wrote %q in the general channel", msg.Content)
			}
		}
	})
}

// A member who is not a moderator cannot open a case: a clear refusal, and
// no thread.
func TestConflictOpenRefusedToAMember(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	e.slash(e.bob, "conflict open", opt("parties", "<@"+e.ana.ID+"> <@"+e.carol.ID+">"), opt("topic", "x"))
	m := e.f.Next()
	if m.Flags&64 == 0 || !strings.Contains(m.Content, "Only moderators can use /conflict open") {
		t.Errorf("reply %q (flags %d)", m.Content, m.Flags)
	}
	if n := len(e.f.CallsTo("POST", `/threads$`)); n != 0 {
		t.Errorf("%d threads made", n)
	}
}

func memberID(t *testing.T, e *env, u *fakeUser) ledger.AccountID {
	t.Helper()
	a, found, err := e.db.Member(e.ctx, e.com.LedgerID(), ledger.Identity{Platform: Platform, UserID: u.ID})
	if err != nil || !found {
		t.Fatalf("no account for %s: %v", u.ID, err)
	}
	return a.ID
}
