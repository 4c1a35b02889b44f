package discord

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/entraide/entraide/bot"
	"github.com/entraide/entraide/bot/adaptertest"
)

// Two guilds, each with its community and its mediation channel, and the
// same people in both: a case opened in the second guild gets its private
// thread in the second guild's channel, never in the first's.
func TestTwoGuildsEachWithItsMediationChannel(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	f := newFakeDiscord(t)
	ana, bob, carol := f.AddUser("ana", "Ana"), f.AddUser("bob", "Bob"), f.AddUser("carol", "Carol")
	g1, general1 := f.AddGuild("Coop", ana, bob, carol)
	g2, general2 := f.AddGuild("Réseau", ana, bob, carol)
	med1, med2 := f.AddChannel(g1.ID, "médiation"), f.AddChannel(g2.ID, "mediation")
	db := adaptertest.Ledger(t, ctx)
	a, _ := newAdapter(t, f, Config{Guilds: []string{g1.ID, g2.ID}, Components: db,
		Channels: []GuildChannels{{Guild: g1.ID, Mediation: med1}, {Guild: g2.ID, Mediation: med2}}})
	coop, reseau := guildCommunity("coop", "en", g1.ID, ana), guildCommunity("reseau", "en", g2.ID, ana)
	run(t, ctx, a, newCore(t, ctx, db, coop, reseau))
	f.Wait("both guilds registered", func() bool { return f.CommandPuts[g1.ID] == 1 && f.CommandPuts[g2.ID] == 1 })

	for _, c := range []struct {
		com                       *bot.Community
		general, mediation, other string
	}{{reseau, general2, med2, med1}, {coop, general1, med1, med2}} {
		before := len(f.CallsTo("POST", `^/channels/`+c.other+`/threads$`))
		id, err := f.Slash(ana, c.general, "conflict open", opt("parties", "<@"+bob.ID+"> <@"+carol.ID+">"), opt("topic", "the keys"))
		if err != nil {
			t.Fatal(err)
		}
		f.Wait("the case to open", func() bool { return f.Interactions[id].Acked })
		cs, err := db.Case(ctx, c.com.LedgerID(), 1)
		if err != nil {
			t.Fatal(err)
		}
		thread := cs.Room
		f.Locked(func() {
			th := f.Channels[thread]
			if th.ParentID != c.mediation {
				t.Errorf("the case's thread is in %s, want its guild's mediation channel %s", th.ParentID, c.mediation)
			}
			if !slices.Contains(th.Members, bob.ID) || !slices.Contains(th.Members, carol.ID) {
				t.Errorf("thread members %v", th.Members)
			}
		})
		if n := len(f.CallsTo("POST", `^/channels/`+c.other+`/threads$`)) - before; n != 0 {
			t.Errorf("%d threads made in the other guild's channel", n)
		}
	}
}

// A mediation thread archived after a week without activity still takes
// /conflict add: the bot unarchives it first, since Discord refuses member
// changes in an archived thread.
func TestConflictAddInAnArchivedThread(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	id := e.slash(e.ana, "conflict open", opt("parties", "<@"+e.bob.ID+"> <@"+e.carol.ID+">"), opt("topic", "the keys"))
	e.f.Wait("the case to open", func() bool { return e.f.Interactions[id].Acked })
	c, err := e.db.Case(e.ctx, e.com.LedgerID(), 1)
	if err != nil {
		t.Fatal(err)
	}
	e.f.Idle(8 * 24 * time.Hour)
	e.f.Locked(func() {
		if th := e.f.Channels[c.Room]; !th.Archived || th.AutoArchive != 10080 {
			t.Fatalf("thread archived %v after %d minutes, want archived after a week", th.Archived, th.AutoArchive)
		}
	})
	rm := e.slash(e.ana, "conflict remove", opt("number", "1"), opt("member", "<@"+e.bob.ID+">"))
	e.f.Wait("Bob out of the case", func() bool { return e.f.Interactions[rm].Acked })
	e.f.Locked(func() {
		if slices.Contains(e.f.Channels[c.Room].Members, e.bob.ID) {
			t.Error("Bob is still in the thread")
		}
	})
	e.f.Idle(8 * 24 * time.Hour)
	e.slash(e.ana, "conflict add", opt("number", "1"), opt("member", "<@"+e.bob.ID+">"), opt("role", "mediator"))
	e.f.Wait("Bob back in the thread", func() bool { return slices.Contains(e.f.Channels[c.Room].Members, e.bob.ID) })
	var refused, unarchived int
	for _, call := range e.f.CallsTo("", `^/channels/`+c.Room+`(/thread-members/.*)?$`) {
		switch {
		case call.Method == "PATCH" && strings.Contains(string(call.Body), `"archived":false`):
			unarchived++
		case call.Status == 400:
			refused++
		}
	}
	if refused != 2 || unarchived != 2 {
		t.Errorf("%d member changes refused and %d unarchivings, want each of both twice", refused, unarchived)
	}
}

// A check-in in a mediation thread archived for a week arrives, and the
// thread is active again: posting keeps a case's thread alive.
func TestCheckInInAnArchivedThread(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	room, err := e.a.CreatePrivateSpace(e.ctx, "Mediation #1", []bot.User{{ID: e.bob.ID}, {ID: e.carol.ID}})
	if err != nil {
		t.Fatal(err)
	}
	e.f.Idle(8 * 24 * time.Hour)
	if _, err := e.a.Send(e.ctx, bot.Target{Room: room}, bot.Reply{Text: "Check-in: how are things going?"}); err != nil {
		t.Fatal(err)
	}
	if m := e.f.Next(); m.ChannelID != room {
		t.Errorf("the check-in went to %s", m.ChannelID)
	}
	e.f.Locked(func() {
		if e.f.Channels[room].Archived {
			t.Error("the thread is still archived after the check-in")
		}
	})
	e.f.Idle(6 * 24 * time.Hour)
	e.f.Locked(func() {
		if e.f.Channels[room].Archived {
			t.Error("the thread archived less than a week after the check-in")
		}
	})
}

// The bot refuses to start when a configured channel does not suit its
// role, and says which channel and what is missing.
func TestStartUpChecksTheChannels(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name  string
		setup func(f *fakeDiscord, channel string)
		want  []string
	}{
		{"missing permission", func(f *fakeDiscord, ch string) { f.Deny(ch, 1<<36) },
			[]string{"Create Private Threads", "#mediation", "mediation channel"}},
		{"voice channel", func(f *fakeDiscord, ch string) { f.Locked(func() { f.Channels[ch].Type = 2 }) },
			[]string{"must be a text channel", "#mediation"}},
		{"unknown channel", func(f *fakeDiscord, ch string) { f.Locked(func() { delete(f.Channels, ch) }) },
			[]string{"does not exist"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := newFakeDiscord(t)
			g, _ := f.AddGuild("Coop")
			med := f.AddChannel(g.ID, "mediation")
			c.setup(f, med)
			a, _ := newAdapter(t, f, Config{Guilds: []string{g.ID}, Channels: []GuildChannels{{Guild: g.ID, Mediation: med}}})
			err := a.Run(t.Context(), idle{})
			for _, w := range c.want {
				if err == nil || !strings.Contains(err.Error(), w) {
					t.Errorf("Run = %v, want it to say %q", err, w)
				}
			}
			if n := len(f.Identifies); n != 0 {
				t.Errorf("the bot connected %d times despite the channel", n)
			}
		})
	}
}
