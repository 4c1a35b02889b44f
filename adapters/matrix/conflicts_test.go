package matrix

import (
	"log/slog"
	"strings"
	"testing"
	"time"

	"maunium.net/go/mautrix/id"

	"github.com/entraide/entraide/bot"
	"github.com/entraide/entraide/internal/fakematrix"
	"github.com/entraide/entraide/ledger"
)

// A moderator's !conflict open makes a new room for the case: invite-only,
// encrypted, history from one's invite, power levels under which only the
// bot may invite or kick, and exactly the parties and mediators invited.
// The welcome states the rules there; a party's command in the room is
// answered in the right community, though no config names the room (the
// bot serves two communities here).
func TestConflictOpenMakesAPrivateRoom(t *testing.T) {
	e := newEnv(t)
	carol := e.hs.AddUser("carol", "Carol", "")
	dave := e.hs.AddUser("dave", "Dave", "")
	e.hs.AddMembers(e.room, e.ana, carol, dave)
	e.displayNames[carol], e.displayNames[dave] = "Carol", "Dave"
	other := &bot.Community{Slug: "other", Name: "Other", Language: "fr", Location: time.UTC, Limits: bot.DefaultLimits(),
		Categories: bot.DefaultCategories(), Rooms: []string{Platform + ":!elsewhere:" + e.hs.Name()}}
	core, err := bot.New(e.ctx, bot.Options{Ledger: e.db, Communities: []*bot.Community{e.com, other}, Logger: slog.New(e.logs)})
	if err != nil {
		t.Fatal(err)
	}
	e.core = core
	e.start(e.config())

	e.sayPills(e.ana, e.room, "!conflict open "+e.bob+" "+carol+" mediator "+dave+" about the shed keys", nil)
	welcome := e.nextInNewRoom("welcome")
	room := welcome.Room
	if !strings.Contains(body(welcome), "Mediation #1 — the shed keys") || !strings.Contains(body(welcome), "Confidentiality") {
		t.Errorf("welcome = %q", body(welcome))
	}
	if users, _ := fakematrix.Pinged(welcome.Content); !sameSet(users, []string{e.bob, carol, dave}) {
		t.Errorf("the welcome pings %v, want the parties and the mediator", users)
	}
	if reply := e.nextPrivate(e.ana); !strings.Contains(body(reply), "Mediation #1 is open") {
		t.Errorf("the moderator's answer = %q, want it in her direct chat", body(reply))
	}

	e.checkPrivateRoom(room, "Mediation #1", e.bob, carol, dave)
	c, err := e.db.Case(e.ctx, e.com.LedgerID(), 1)
	if err != nil {
		t.Fatal(err)
	}
	if c.Room != room || c.Platform != Platform || len(c.WithRole(ledger.RoleParty)) != 2 || len(c.WithRole(ledger.RoleMediator)) != 1 {
		t.Errorf("case %+v", c)
	}

	// Bob joins and asks where things stand: answered in the room, in
	// the case's community (English), though the room is in no config.
	e.hs.Join(e.bob, room)
	if !readsWelcome(e, e.bob, room) {
		t.Error("Bob, once joined, does not see the welcome in his client")
	}
	e.say(e.bob, room, "!conflict status")
	if m := e.next(room); !strings.Contains(body(m), "Mediation #1 — open — the shed keys") {
		t.Errorf("status in the case's room = %q", body(m))
	}

	// The moderator adds herself as a mediator, and takes Dave out: the
	// bot invites and kicks (nobody else may), and says so in the room.
	e.sayPills(e.ana, e.room, "!conflict add #1 "+e.ana+" mediator", nil)
	if m := e.next(room); !strings.Contains(body(m), "joins mediation #1 (mediator)") {
		t.Errorf("announcement = %q", body(m))
	}
	if m := e.next(room); !strings.Contains(body(m), "Welcome @Bob and @Carol. Mediation: @Ana and @Dave.") {
		t.Errorf("the welcome said again for Ana = %q", body(m))
	}
	e.nextPrivate(e.ana)
	if m := e.hs.Membership(room, e.ana); m != "invite" {
		t.Errorf("Ana is %q in the case's room, want invited", m)
	}
	e.hs.Join(e.ana, room)
	if !readsWelcome(e, e.ana, room) {
		t.Error("Ana, added later, does not see the welcome in her client")
	}
	e.sayPills(e.ana, e.room, "!conflict remove #1 "+dave, nil)
	if m := e.next(room); !strings.Contains(body(m), "Dave leaves mediation #1 (mediator)") {
		t.Errorf("announcement = %q", body(m))
	}
	e.nextPrivate(e.ana)
	if m := e.hs.Membership(room, dave); m != "leave" {
		t.Errorf("Dave is %q in the case's room, want gone", m)
	}
	c, _ = e.db.Case(e.ctx, e.com.LedgerID(), 1)
	if names := memberNames(c); names != "Bob:party Carol:party Ana:mediator" {
		t.Errorf("case members %s", names)
	}
	// Nothing was said in the community room.
	if got := botMessagesIn(e, e.room, 0); len(got) != 0 {
		t.Errorf("the bot wrote %q in the community room", body(got[0]))
	}
}

func memberNames(c ledger.Case) string {
	var out []string
	for _, m := range c.Members {
		out = append(out, m.Name+":"+string(m.Role))
	}
	return strings.Join(out, " ")
}

// readsWelcome tells whether user's client shows the case's welcome and
// rules in room.
func readsWelcome(e *env, user, room string) bool {
	for _, ev := range e.hs.Timeline(user, room) {
		if ev.Sender == id.UserID(e.botID) && strings.Contains(ev.Content.AsMessage().Body, "Our rules:") {
			return true
		}
	}
	return false
}
