// Package adaptertest is the conformance suite every adapter runs: the same
// scenarios, through the real core and a real ledger, against the adapter
// driven as its platform would drive it.
package adaptertest

import (
	"bytes"
	"context"
	"encoding/csv"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/entraide/entraide/bot"
	"github.com/entraide/entraide/ledger"
)

// Harness plays the platform around one adapter.
type Harness interface {
	// Adapter is the adapter under test, not yet running.
	Adapter() bot.Adapter
	// Members are at least two platform users of the community room.
	Members() []bot.User
	// Mention writes u the way the platform's clients write a mention.
	Mention(u bot.User) string
	// Say makes u say text in the community room and returns its event ID.
	Say(ctx context.Context, u bot.User, text string) (eventID string, err error)
	// Redeliver delivers an event again, as a platform does after a
	// reconnect or a retried webhook.
	Redeliver(ctx context.Context, eventID string) error
	// Next is the next message the bot posted, waiting until ctx ends.
	Next(ctx context.Context) (Posted, error)
	// Room is where proactive messages to the community room go.
	Room() bot.Target
	// SpaceMembers is who the platform says can read a private space.
	SpaceMembers(ctx context.Context, room string) ([]string, error)
}

// Posted is a message as the platform shows it.
type Posted struct {
	Text    string   // what a member reads
	Thread  string   // the thread it was posted in, if any
	Private bool     // only the addressee sees it
	Pinged  []string // user IDs the platform notifies
	Buttons []bot.Button
	File    *bot.File
}

// Ledger opens a new ledger in the test's directory, closed when the test
// ends.
func Ledger(t testing.TB, ctx context.Context) *ledger.DB {
	t.Helper()
	db, err := ledger.Open(ctx, filepath.Join(t.TempDir(), "entraide.db"), ledger.Options{Durability: ledger.DurabilityNormal})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// Community is an English community on UTC, with the default limits and
// categories and a minute to undo a gift, served in room ("platform:room")
// and moderated by moderator ("platform:user").
func Community(slug, name, room, moderator string) *bot.Community {
	return &bot.Community{
		Slug: slug, Name: name, Language: "en", Location: time.UTC,
		Limits: bot.DefaultLimits(), UndoWindow: time.Minute,
		Categories: bot.DefaultCategories(),
		Moderators: []string{moderator},
		Rooms:      []string{room},
	}
}

// Run runs the suite against a fresh harness.
func Run(t *testing.T, newHarness func(t *testing.T) Harness) {
	h := newHarness(t)
	a := h.Adapter()
	members := h.Members()
	if len(members) < 2 {
		t.Fatal("the harness needs at least two members")
	}
	ana, bob := members[0], members[1]

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	db := Ledger(t, ctx)
	com := Community("suite", "Suite", a.Platform()+":*", a.Platform()+":"+ana.ID)
	b, err := bot.New(ctx, bot.Options{Ledger: db, Communities: []*bot.Community{com}})
	if err != nil {
		t.Fatal(err)
	}
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- a.Run(runCtx, b) }()
	t.Cleanup(func() {
		stop()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Error("adapter did not stop within 10s of its context ending")
		}
	})

	say := func(t *testing.T, u bot.User, text string) string {
		t.Helper()
		id, err := h.Say(ctx, u, text)
		if err != nil {
			t.Fatalf("say %q: %v", text, err)
		}
		return id
	}
	next := func(t *testing.T) Posted {
		t.Helper()
		wait, cancel := context.WithTimeout(ctx, 15*time.Second)
		defer cancel()
		p, err := h.Next(wait)
		if err != nil {
			t.Fatalf("no message from the bot: %v", err)
		}
		return p
	}
	balance := func(t *testing.T, u bot.User) int64 {
		t.Helper()
		acct, _, err := db.Member(ctx, com.LedgerID(), ledger.Identity{Platform: a.Platform(), UserID: u.ID})
		if err != nil {
			t.Fatal(err)
		}
		return acct.Balance
	}
	entries := func(t *testing.T) int {
		t.Helper()
		rep, err := db.Verify(ctx)
		if err != nil || !rep.OK() {
			t.Fatalf("verify: %v %v", err, rep.Problems)
		}
		return rep.Exchanges
	}
	_, private := a.(bot.PrivateSender)

	var giveID string
	t.Run("give records once and pings exactly the recipient", func(t *testing.T) {
		giveID = say(t, ana, "/give 2h "+h.Mention(bob)+" for the garden #production")
		p := next(t)
		if !strings.Contains(p.Text, "gave 2h to") || !strings.Contains(p.Text, "the garden") {
			t.Errorf("reply %q does not confirm the gift", p.Text)
		}
		if p.Private {
			t.Error("a gift is announced in the room, not privately")
		}
		if !slices.Equal(p.Pinged, []string{bob.ID}) {
			t.Errorf("pinged %v, want exactly [%s]", p.Pinged, bob.ID)
		}
		if got := balance(t, bob); got != 120 {
			t.Errorf("bob's balance = %d, want 120", got)
		}
		if n := entries(t); n != 1 {
			t.Errorf("%d entries, want 1", n)
		}
	})

	t.Run("a redelivered event records nothing new", func(t *testing.T) {
		if err := h.Redeliver(ctx, giveID); err != nil {
			t.Fatal(err)
		}
		if p := next(t); !strings.Contains(p.Text, "Already recorded") {
			t.Errorf("reply to a redelivery = %q, want it to say it was already recorded", p.Text)
		}
		if n := entries(t); n != 1 {
			t.Errorf("%d entries after redelivery, want 1", n)
		}
	})

	t.Run("balance answers privately where the platform can", func(t *testing.T) {
		say(t, ana, "/balance")
		p := next(t)
		if !strings.Contains(p.Text, "-2h") {
			t.Errorf("balance reply %q lacks -2h", p.Text)
		}
		if p.Private != private {
			t.Errorf("private = %v, want %v (adapter implements PrivateSender: %v)", p.Private, private, private)
		}
	})

	t.Run("bad input is refused and changes nothing", func(t *testing.T) {
		for _, c := range []struct{ text, want string }{
			{"/give 0h " + h.Mention(bob), "no time at all"},
			{"/give 2h", "Who receives it?"},
			{"/give lots " + h.Mention(bob), "as an amount of time"},
			{"/give 2h " + h.Mention(ana), "yourself"},
			{"/give 11h " + h.Mention(bob), "at most 10h"},
			{"/frobnicate", "I don't know the command"},
		} {
			say(t, ana, c.text)
			if p := next(t); !strings.Contains(p.Text, c.want) {
				t.Errorf("%q: reply %q, want it to contain %q", c.text, p.Text, c.want)
			}
		}
		if n := entries(t); n != 1 {
			t.Errorf("%d entries after refusals, want 1", n)
		}
		if got := balance(t, bob); got != 120 {
			t.Errorf("bob's balance = %d after refusals, want 120", got)
		}
	})

	t.Run("moderator-only commands refuse members", func(t *testing.T) {
		say(t, bob, "/reverse 1 mistake")
		if p := next(t); !strings.Contains(p.Text, "Only moderators") {
			t.Errorf("reply %q, want a refusal for non-moderators", p.Text)
		}
		if n := entries(t); n != 1 {
			t.Errorf("%d entries, want 1", n)
		}
	})

	t.Run("buttons are native or spelled out", func(t *testing.T) {
		buttons := []bot.Button{{Label: "Consent", Payload: "/consent 1"}, {Label: "Object", Payload: "/object 1"}}
		if _, err := b.Deliver(ctx, a, h.Room(), bot.Reply{Text: "Proposal #1", Buttons: buttons}); err != nil {
			t.Fatal(err)
		}
		p := next(t)
		if _, ok := a.(bot.ButtonSender); ok {
			if !slices.Equal(p.Buttons, buttons) {
				t.Errorf("buttons = %v, want %v", p.Buttons, buttons)
			}
			return
		}
		for _, btn := range buttons {
			if !strings.Contains(p.Text, btn.Payload) {
				t.Errorf("fallback text %q lacks %q", p.Text, btn.Payload)
			}
		}
	})

	t.Run("export sends the statement as a file or says how to get it", func(t *testing.T) {
		say(t, ana, "/export")
		p := next(t)
		if _, ok := a.(bot.FileSender); !ok {
			if !strings.Contains(p.Text, "entraide export") {
				t.Errorf("fallback %q does not point to the export command", p.Text)
			}
			return
		}
		if p.File == nil {
			t.Fatalf("no file in %+v", p)
		}
		rows, err := csv.NewReader(bytes.NewReader(p.File.Data)).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != 2 || rows[0][0] != "id" || rows[1][4] != "120" {
			t.Errorf("statement rows = %v, want a header and the 120-minute gift", rows)
		}
		if p.Private != private {
			t.Errorf("statement private = %v, want %v", p.Private, private)
		}
	})

	t.Run("threads hold what is sent to them", func(t *testing.T) {
		opener, ok := a.(bot.ThreadOpener)
		if !ok {
			t.Fatal("the adapter does not implement bot.ThreadOpener")
		}
		if _, err := b.Deliver(ctx, a, h.Room(), bot.Reply{Text: "Proposal #2"}); err != nil {
			t.Fatal(err)
		}
		card := next(t)
		if card.Thread != "" {
			t.Errorf("the card landed in thread %q", card.Thread)
		}
		thread, err := opener.OpenThread(ctx, h.Room(), "Proposal #2: discussion")
		if err != nil || thread == "" {
			t.Fatalf("open thread: %q, %v", thread, err)
		}
		target := h.Room()
		target.Thread = thread
		if _, err := b.Deliver(ctx, a, target, bot.Reply{Text: "First reply"}); err != nil {
			t.Fatal(err)
		}
		for {
			p := next(t)
			if p.Thread != thread {
				t.Fatalf("message %q in thread %q, want %q", p.Text, p.Thread, thread)
			}
			if p.Text == "First reply" {
				break
			}
		}
	})

	t.Run("private spaces hold exactly the named members", func(t *testing.T) {
		// Mediation needs them on every platform: no text fallback can
		// stand in for privacy.
		pc, ok := a.(bot.PrivateSpaceCreator)
		if !ok {
			t.Fatal("the adapter does not implement bot.PrivateSpaceCreator")
		}
		room, err := pc.CreatePrivateSpace(ctx, "mediation 1", []bot.User{ana, bob})
		if err != nil {
			t.Fatal(err)
		}
		got, err := h.SpaceMembers(ctx, room)
		if err != nil {
			t.Fatal(err)
		}
		slices.Sort(got)
		want := []string{ana.ID, bob.ID}
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("space members = %v, want %v", got, want)
		}
	})
}
