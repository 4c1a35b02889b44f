package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/entraide/entraide/internal/testutil"
	"github.com/entraide/entraide/ledger"
)

func TestGiveAndProposeNameAGroup(t *testing.T) {
	com := testCommunity("c")
	mentions := []Mention{{Text: "@ana", User: User{ID: "ana"}}}
	g, err := parseGiveArgs(testCatalog(t), strings.Fields("2h @ana for weeding group:Garden #production"), mentions, com, "en")
	if err != nil || g.group != "garden" || g.note != "weeding" || g.category != "production" {
		t.Fatalf("%+v, %v", g, err)
	}
	if g, err = parseGiveArgs(testCatalog(t), strings.Fields("groupe:jardin 2h @ana"), mentions, com, "fr"); err != nil || g.group != "jardin" {
		t.Fatalf("%+v, %v", g, err)
	}
	var ref *refusal
	if _, err := parseGiveArgs(testCatalog(t), strings.Fields("2h @ana group:a group:b"), mentions, com, "en"); !errors.As(err, &ref) || ref.id != msgGiveTwoGroups {
		t.Errorf("two groups: %v", err)
	}

	e := newGroupEnv(t, time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC))
	ctx := context.Background()
	for _, tc := range []struct{ text, body, group string }{
		{"/propose Buy seeds group:garden", "Buy seeds", "garden"},
		{"/propose Buy seeds until friday group:garden", "Buy seeds", "garden"},
		{"/propose Buy seeds, group garden until friday", "Buy seeds", "garden"},
		{"/propose Create a group kitchen", "Create a group kitchen", ""}, // not a group: words of the text
	} {
		e.say("ana", tc.text)
		ps, _ := e.db.Proposals(ctx, e.com.LedgerID(), ledger.ProposalsOpen)
		if p := ps[0]; p.Text() != tc.body || p.GroupName != tc.group {
			t.Errorf("%q: text %q group %q", tc.text, p.Text(), p.GroupName)
		}
	}
	if r := e.say("ana", "/propose Buy seeds group:kitchen"); !strings.Contains(r.Text, "There is no group “kitchen”") {
		t.Errorf("unknown group: %q", r.Text)
	}
}

// groupEnv is a community in Paris with a group "garden" (bound to room r
// of platform test, asking for pings) whose members are ana and bob, a
// ledger, a clock and an adapter a restart keeps.
type groupEnv struct {
	*decisionEnv
	b    *Bot
	a    *richAdapter
	logs *testutil.Buffer
	n    int
}

func newGroupEnv(t *testing.T, start time.Time) *groupEnv {
	t.Helper()
	de := newDecisionEnv(t)
	de.clock.Set(start)
	for _, m := range []string{"bob", "chloe"} {
		if _, err := de.db.EnsureMember(de.ctx, de.com.LedgerID(), ledger.Identity{Platform: "test", UserID: m, Name: m}); err != nil {
			t.Fatal(err)
		}
	}
	de.com.Location = testutil.Paris(t)
	on := true
	de.com.Groups = GroupSettings{Declared: []DeclaredGroup{{Name: "garden", Room: "test:r", Pings: &on}}}
	e := &groupEnv{decisionEnv: de, a: &richAdapter{}, logs: &testutil.Buffer{}}
	e.restart()
	e.say("ana", "/group join garden")
	e.say("bob", "/group join garden")
	return e
}

// restart starts a new bot on the same ledger, as after a crash.
func (e *groupEnv) restart() {
	e.t.Helper()
	e.b = newTestBot(e.t, Options{Ledger: e.db, Communities: []*Community{e.com}, Now: e.clock.Now,
		Logger: slog.New(slog.NewTextHandler(e.logs, nil))})
	e.b.Attach(e.a)
}

func (e *groupEnv) say(from, text string) Reply {
	e.t.Helper()
	e.n++
	before, _ := e.a.counts()
	var mentions []string
	for _, w := range strings.Fields(text) {
		if strings.HasPrefix(w, "@") && len(w) > 1 {
			mentions = append(mentions, strings.TrimPrefix(w, "@"))
		}
	}
	replies := e.b.Handle(context.Background(), msg(fmt.Sprintf("g%d", e.n), from, text, mentions...))
	switch posts, _ := e.a.counts(); {
	case len(replies) == 1:
		return replies[0]
	case len(replies) == 0 && posts > before:
		return e.a.last().Reply // posted in the room (a proposal's card)
	}
	e.t.Fatalf("%s: %q: %d replies %+v", from, text, len(replies), replies)
	return Reply{}
}

// tick runs the bot's timed work and returns what it posted.
func (e *groupEnv) tick() []posted {
	e.t.Helper()
	before, _ := e.a.counts()
	if err := e.b.Tick(context.Background()); err != nil {
		e.t.Fatalf("tick: %v", err)
	}
	e.a.mu.Lock()
	defer e.a.mu.Unlock()
	return append([]posted(nil), e.a.posts[before:]...)
}

// runUntil ticks every step until the clock reaches end, as serve's
// every-minute job does, and returns what was posted with when.
func (e *groupEnv) runUntil(end time.Time, step time.Duration) map[time.Time][]posted {
	e.t.Helper()
	out := map[time.Time][]posted{}
	for e.clock.Now().Before(end) {
		e.clock.Advance(step)
		if ps := e.tick(); len(ps) > 0 {
			out[e.clock.Now()] = ps
		}
	}
	return out
}

// A reminder every day at 18:00 posts at 18:00 Paris time on each side of
// both daylight-saving changes (17:00 UTC in winter, 16:00 in summer),
// once a day, never late.
func TestRemindersKeepLocalTimeAcrossDST(t *testing.T) {
	for _, c := range []struct {
		start time.Time
		want  []string
	}{
		{time.Date(2026, 3, 27, 9, 0, 0, 0, time.UTC), []string{"2026-03-27T17:00:00Z", "2026-03-28T17:00:00Z", "2026-03-29T16:00:00Z", "2026-03-30T16:00:00Z"}},
		{time.Date(2026, 10, 23, 9, 0, 0, 0, time.UTC), []string{"2026-10-23T16:00:00Z", "2026-10-24T16:00:00Z", "2026-10-25T17:00:00Z", "2026-10-26T17:00:00Z"}},
	} {
		e := newGroupEnv(t, c.start)
		r := e.say("ana", "/remind garden every day 18:00 Water the seedlings")
		if !strings.Contains(r.Text, "(Europe/Paris). Next:") {
			t.Fatalf("confirmation %q", r.Text)
		}
		// One more in the weekly form: Sunday 18:00, across the change.
		e.say("ana", "/remind garden every sunday 18:00 Weekly round")
		posts := e.runUntil(c.start.Add(4*24*time.Hour), 5*time.Minute)
		var got []string
		for at, ps := range posts {
			for _, p := range ps {
				if strings.Contains(p.Reply.Text, "Water the seedlings") {
					got = append(got, at.Format(time.RFC3339))
				}
				if strings.Contains(p.Reply.Text, "late") || p.Target.Room != "r" {
					t.Errorf("post %+v", p)
				}
				if strings.Contains(p.Reply.Text, "Weekly round") && at.Format(time.RFC3339) != c.want[2] {
					t.Errorf("weekly round at %s, want %s", at.Format(time.RFC3339), c.want[2])
				}
			}
		}
		slices.Sort(got)
		if !slices.Equal(got, c.want) {
			t.Errorf("posted at %v, want %v", got, c.want)
		}
	}
}

// After downtime: within the grace period the reminder is posted late,
// with a note; beyond it, the missed occurrences are told once, in one
// summary for the group, and nothing is posted twice.
func TestRemindersCatchUpAfterDowntime(t *testing.T) {
	start := time.Date(2026, 11, 23, 6, 0, 0, 0, time.UTC) // Monday 07:00 Paris
	for _, c := range []struct {
		name     string
		down     time.Duration // from 07:00 Paris
		summary  string        // "" for none
		late     string        // "" for no late post
		reminder string
	}{
		{"within grace", 3 * time.Hour, "", "(Posted 1h late: I was offline at Mon 23 Nov 09:00.)", "#1"},
		{"beyond grace", 5 * time.Hour, "• #1 “Water the seedlings” — Mon 23 Nov 09:00", "", ""},
		{"days, then within grace", 3*24*time.Hour + 3*time.Hour, "• #1 “Water the seedlings” — 3 times, from Mon 23 Nov 09:00 to Wed 25 Nov 09:00", "(Posted 1h late: I was offline at Thu 26 Nov 09:00.)", "#1"},
	} {
		t.Run(c.name, func(t *testing.T) {
			e := newGroupEnv(t, start)
			e.say("ana", "/remind garden every day 9:00 Water the seedlings")
			e.say("ana", "/remind garden cron \"30 9 * * MON\" Empty the compost bin")
			e.clock.Advance(c.down)
			e.restart()
			ps := e.tick()
			var summary, late *posted
			for i := range ps {
				switch {
				case strings.HasPrefix(ps[i].Reply.Text, "📭"):
					summary = &ps[i]
				case strings.Contains(ps[i].Reply.Text, "Water the seedlings"):
					late = &ps[i]
				}
			}
			if (summary != nil) != (c.summary != "") || (summary != nil && !strings.Contains(summary.Reply.Text, c.summary)) {
				t.Errorf("summary %+v, want %q", summary, c.summary)
			}
			if summary != nil && len(summary.Reply.Mentions) != 0 {
				t.Errorf("a summary pings: %+v", summary.Reply.Mentions)
			}
			if (late != nil) != (c.late != "") || (late != nil && !strings.Contains(late.Reply.Text, c.late)) {
				t.Errorf("late post %+v, want %q", late, c.late)
			}
			if summary != nil && late != nil && ps[0].Reply.Text != summary.Reply.Text {
				t.Error("the summary should come before the late post")
			}
			// Once only: another tick, another restart, post nothing.
			if again := e.tick(); len(again) != 0 {
				t.Errorf("posted again: %+v", again)
			}
			e.restart()
			if again := e.tick(); len(again) != 0 {
				t.Errorf("posted again after a restart: %+v", again)
			}
		})
	}
}

// crashAdapter posts, then "crashes": the context of the tick ends, so
// the bot cannot confirm what it posted.
type crashAdapter struct {
	*richAdapter
	crash context.CancelFunc
}

func (a *crashAdapter) Send(ctx context.Context, t Target, r Reply) (MessageID, error) {
	id, err := a.richAdapter.Send(ctx, t, r)
	if a.crash != nil {
		a.crash()
	}
	return id, err
}

// The bot stops right after posting, before confirming: on restart the
// occurrence is not posted again (at most once), the operator is told in
// the log, and the next occurrence is posted normally.
func TestReminderCrashAfterPostingIsNotPostedTwice(t *testing.T) {
	e := newGroupEnv(t, time.Date(2026, 11, 23, 7, 0, 0, 0, time.UTC))
	e.say("ana", "/remind garden every day 9:00 Water the seedlings")
	e.clock.Advance(time.Hour) // 09:00 Paris
	ctx, cancel := context.WithCancel(context.Background())
	crashing := &crashAdapter{richAdapter: e.a, crash: cancel}
	e.b.Attach(crashing)
	e.b.Tick(ctx) // fails after posting: the context is gone
	if posts, _ := e.a.counts(); posts != 1 {
		t.Fatalf("%d posts before the crash", posts)
	}
	ds, _ := e.db.Deliveries(context.Background(), e.com.LedgerID(), 1)
	if len(ds) != 1 || ds[0].State != ledger.DeliveryClaimed {
		t.Fatalf("deliveries after the crash: %+v", ds)
	}

	e.clock.Advance(time.Minute)
	e.restart()
	if again := e.tick(); len(again) != 0 {
		t.Fatalf("posted twice: %+v", again)
	}
	if !strings.Contains(e.logs.String(), "not posted again") {
		t.Errorf("the operator is not told:\n%s", e.logs.String())
	}
	ds, _ = e.db.Deliveries(context.Background(), e.com.LedgerID(), 1)
	if len(ds) != 1 || ds[0].State != ledger.DeliveryUnconfirmed {
		t.Fatalf("deliveries after the restart: %+v", ds)
	}
	e.clock.Advance(24*time.Hour - time.Minute)
	if next := e.tick(); len(next) != 1 || strings.Contains(next[0].Reply.Text, "late") {
		t.Fatalf("next day: %+v", next)
	}
}

// A post the platform refuses is retried each tick within the grace
// period (late, with a note), then abandoned and logged.
func TestReminderPostFailuresAreRetried(t *testing.T) {
	e := newGroupEnv(t, time.Date(2026, 11, 23, 7, 0, 0, 0, time.UTC))
	e.say("ana", "/remind garden every day 9:00 Water the seedlings")
	e.clock.Advance(time.Hour)
	e.a.failSend = true
	if ps := e.tick(); len(ps) != 0 {
		t.Fatalf("posted %+v", ps)
	}
	e.clock.Advance(10 * time.Minute)
	e.a.failSend = false
	ps := e.tick()
	if len(ps) != 1 || !strings.Contains(ps[0].Reply.Text, "(Posted 10min late: I was offline at Mon 23 Nov 09:00.)") {
		t.Fatalf("retry: %+v", ps)
	}
	if ps := e.tick(); len(ps) != 0 {
		t.Fatalf("posted twice: %+v", ps)
	}

	// Refused until the grace period is over: abandoned, and logged.
	e.clock.Advance(24*time.Hour - 10*time.Minute)
	e.a.failSend = true
	for i := 0; i < 3; i++ {
		e.tick()
		e.clock.Advance(time.Hour)
	}
	e.a.failSend = false
	if ps := e.tick(); len(ps) != 0 {
		t.Fatalf("posted after the grace period: %+v", ps)
	}
	if !strings.Contains(e.logs.String(), "abandoned") {
		t.Errorf("not logged:\n%s", e.logs.String())
	}
}

func TestReminderPauseSkipCancel(t *testing.T) {
	e := newGroupEnv(t, time.Date(2026, 11, 23, 7, 0, 0, 0, time.UTC)) // Monday 08:00 Paris
	e.say("ana", "/remind garden every day 9:00 Water the seedlings")
	posts := func(d time.Duration) int {
		t.Helper()
		n := 0
		for _, ps := range e.runUntil(e.clock.Now().Add(d), 30*time.Minute) {
			n += len(ps)
		}
		return n
	}
	if r := e.say("bob", "/remind skip 1"); !strings.Contains(r.Text, "will skip Mon 23 Nov 09:00. Next: Tue 24 Nov 09:00") {
		t.Fatalf("skip: %q", r.Text)
	}
	if n := posts(26 * time.Hour); n != 1 { // Monday skipped, Tuesday posted
		t.Fatalf("%d posts with a skip", n)
	}
	e.say("ana", "/remind pause 1")
	if n := posts(48 * time.Hour); n != 0 {
		t.Fatalf("%d posts while paused", n)
	}
	// Resumed on Thursday 10:00: the paused days are not owed.
	if r := e.say("ana", "/remind resume 1"); !strings.Contains(r.Text, "Next: Fri 27 Nov 09:00") {
		t.Fatalf("resume: %q", r.Text)
	}
	if n := posts(24 * time.Hour); n != 1 {
		t.Fatalf("%d posts after resuming", n)
	}
	if r := e.say("chloe", "/remind cancel 1"); !r.Private || !strings.Contains(r.Text, "Only the members of garden") {
		t.Fatalf("a stranger cancels: %+v", r)
	}
	e.say("ana", "/remind cancel 1")
	if n := posts(72 * time.Hour); n != 0 {
		t.Fatalf("%d posts after cancelling", n)
	}
	ds, _ := e.db.Deliveries(context.Background(), e.com.LedgerID(), 1)
	var states []string
	for _, d := range ds {
		states = append(states, string(d.State))
	}
	if strings.Join(states, ",") != "skipped,posted,posted" {
		t.Errorf("delivery log %v", states)
	}
}

// Reminders mention the group's members only when the group asked, and
// name exactly them: never the room. They carry the group's open
// proposals.
func TestReminderPingsAndProposals(t *testing.T) {
	e := newGroupEnv(t, time.Date(2026, 11, 23, 7, 0, 0, 0, time.UTC))
	e.say("ana", "/remind garden every day 9:00 Water the seedlings")
	e.say("ana", "/propose Buy seeds group:garden")
	e.say("ana", "/propose Paint the shed")
	e.clock.Advance(time.Hour)
	ps := e.tick()
	if len(ps) != 1 {
		t.Fatalf("posts %+v", ps)
	}
	r := ps[0].Reply
	if !slices.Equal(mentioned(r), []string{"ana", "bob"}) || !strings.Contains(r.Text, "👥 @ana @bob") {
		t.Errorf("mentions %v in %q", mentioned(r), r.Text)
	}
	for _, m := range r.Mentions {
		if !strings.Contains(r.Text, m.Text) {
			t.Errorf("mention %q is not in the text", m.Text)
		}
	}
	if !strings.Contains(r.Text, "🗳️ Open proposals of garden:\n• #1 Buy seeds — until Mon 30 Nov 08:00, 2 members have not responded") ||
		strings.Contains(r.Text, "Paint the shed") {
		t.Errorf("proposals in %q", r.Text)
	}
	e.say("bob", "/group pings off")
	e.clock.Advance(24 * time.Hour)
	if ps := e.tick(); len(ps) != 1 || len(ps[0].Reply.Mentions) != 0 || strings.Contains(ps[0].Reply.Text, "👥") {
		t.Errorf("pings off: %+v", ps)
	}
}

// Refusals change nothing: no reminder is recorded.
func TestReminderRefusalsChangeNothing(t *testing.T) {
	e := newGroupEnv(t, time.Date(2026, 11, 23, 7, 0, 0, 0, time.UTC))
	for _, c := range []struct{ from, text, want string }{
		{"ana", "/remind kitchen every day 9:00 x", "There is no group called “kitchen”"},
		{"ana", "/remind garden every day x", "I don't understand when"},
		{"ana", "/remind garden every day 9:00", "What should I remind?"},
		{"chloe", "/remind garden every day 9:00 x", "Only the members of garden"},
		{"ana", "/remind garden on 2020-01-01 9:00 x", "has already passed"},
		{"ana", "/remind garden every day 9:00 " + strings.Repeat("x", 501), "at most 500"},
		{"ana", "/remind cancel x", "isn't a reminder number"},
		{"ana", "/remind cancel 7", "There is no reminder #7"},
	} {
		r := e.say(c.from, c.text)
		if !r.Private || !strings.Contains(r.Text, c.want) {
			t.Errorf("%q: %+v, want %q", c.text, r, c.want)
		}
	}
	if rs, _ := e.db.Reminders(context.Background(), e.com.LedgerID(), 0); len(rs) != 0 {
		t.Errorf("reminders recorded: %+v", rs)
	}
	// A group without a room has nowhere to post.
	e.com.Groups.Declared = append(e.com.Groups.Declared, DeclaredGroup{Name: "roomless"})
	e.restart()
	if r := e.say("ana", "/remind roomless every day 9:00 x"); !strings.Contains(r.Text, "has no room yet") {
		t.Errorf("roomless: %q", r.Text)
	}
}
