package ledger

import (
	"context"
	"errors"
	"testing"
	"time"
)

func (e *env) groupReq(actor Identity, name string) GroupRequest {
	return GroupRequest{Header: e.header(actor), Name: name, Room: "room"}
}

func (e *env) mustCreateGroup(actor Identity, name string) Group {
	e.t.Helper()
	r, err := e.db.CreateGroup(e.ctx, e.groupReq(actor, name))
	if err != nil {
		e.t.Fatalf("create group %q: %v", name, err)
	}
	return r.Group
}

func (e *env) mustJoin(actor Identity, name string) {
	e.t.Helper()
	if _, err := e.db.JoinGroup(e.ctx, e.groupReq(actor, name)); err != nil {
		e.t.Fatalf("%s joins %q: %v", actor.UserID, name, err)
	}
}

// everyMonday is a NextFunc for "0 18 * * MON" in UTC, without the
// schedules package: the ledger only stores what the bot computes.
func everyMonday(r Reminder, after time.Time) (time.Time, bool) {
	t := time.Date(after.Year(), after.Month(), after.Day(), 18, 0, 0, 0, time.UTC)
	for !t.After(after) || t.Weekday() != time.Monday {
		t = t.AddDate(0, 0, 1)
	}
	return t, true
}

func TestGroupLifecycle(t *testing.T) {
	e := newEnv(t)
	req := e.groupReq(ana, "Garden")
	r, err := e.db.CreateGroup(e.ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	g := r.Group
	if g.Name != "garden" || g.Platform != "console" || g.Room != "room" || names(g.Members) != "Ana" || !r.Changed || r.Replayed {
		t.Fatalf("created %+v (receipt %+v)", g, r)
	}
	// A redelivered event gets its receipt back; the key reused for
	// another request is a conflict.
	if again, err := e.db.CreateGroup(e.ctx, req); err != nil || !again.Replayed || again.Group.ID != g.ID {
		t.Fatalf("replay: %+v, %v", again, err)
	}
	other := req
	other.Name = "kitchen"
	_, err = e.db.CreateGroup(e.ctx, other)
	wantDecisionCode(t, "key reused", err, ECONFLICT)
	_, err = e.db.CreateGroup(e.ctx, e.groupReq(bob, "GARDEN"))
	wantDecisionCode(t, "same name", err, EEXISTS)
	for _, bad := range []string{"", "my garden", "🌱", "-x", "abcdefghijklmnopqrstuvwxyz0123456789"} {
		_, err = e.db.CreateGroup(e.ctx, e.groupReq(bob, bad))
		wantDecisionCode(t, "name "+bad, err, EINVALID)
	}

	j, err := e.db.JoinGroup(e.ctx, e.groupReq(bob, "garden"))
	if err != nil || !j.Changed || names(j.Group.Members) != "Ana,Bob" {
		t.Fatalf("join: %+v, %v", j, err)
	}
	if j, err = e.db.JoinGroup(e.ctx, e.groupReq(bob, "garden")); err != nil || j.Changed {
		t.Fatalf("join twice: %+v, %v", j, err)
	}
	if j, err = e.db.LeaveGroup(e.ctx, e.groupReq(cleo, "garden")); err != nil || j.Changed {
		t.Fatalf("a stranger leaves: %+v, %v", j, err)
	}
	_, err = e.db.JoinGroup(e.ctx, e.groupReq(bob, "kitchen"))
	wantDecisionCode(t, "join unknown", err, ENOTFOUND)

	// Settings: members and moderators only.
	_, err = e.db.SetGroupPings(e.ctx, e.groupReq(cleo, "garden"), true)
	wantDecisionCode(t, "pings by a stranger", err, EFORBIDDEN)
	if p, err := e.db.SetGroupPings(e.ctx, e.groupReq(bob, "garden"), true); err != nil || !p.Changed || !p.Group.Pings {
		t.Fatalf("pings: %+v, %v", p, err)
	}
	modReq := e.groupReq(mod, "garden")
	modReq.Moderator = true
	if p, err := e.db.SetGroupPings(e.ctx, modReq, false); err != nil || p.Group.Pings {
		t.Fatalf("pings by a moderator: %+v, %v", p, err)
	}
	_, err = e.db.SetGroupTimezone(e.ctx, e.groupReq(bob, "garden"), "Mars/Olympus", everyMonday)
	wantDecisionCode(t, "zone", err, EINVALID)

	if l, err := e.db.LeaveGroup(e.ctx, e.groupReq(bob, "garden")); err != nil || !l.Changed || names(l.Group.Members) != "Ana" {
		t.Fatalf("leave: %+v, %v", l, err)
	}
	gs, err := e.db.Groups(e.ctx, e.community)
	if err != nil || len(gs) != 1 || gs[0].Name != "garden" {
		t.Fatalf("groups %+v, %v", gs, err)
	}
}

func TestDeclareGroup(t *testing.T) {
	e := newEnv(t)
	on := true
	g, err := e.db.DeclareGroup(e.ctx, e.community, DeclaredGroup{Name: "Jardin", Timezone: "Europe/Paris", Pings: &on}, everyMonday)
	if err != nil || g.Name != "jardin" || g.Bound() || !g.Pings || !g.Declared || g.Timezone != "Europe/Paris" {
		t.Fatalf("declared %+v, %v", g, err)
	}
	// Declaring again what is so writes nothing; the clock moves so a
	// write would show.
	e.clock.Advance(time.Hour)
	var before, after int
	e.db.writer.QueryRow("SELECT total_changes()").Scan(&before)
	if again, err := e.db.DeclareGroup(e.ctx, e.community, DeclaredGroup{Name: "jardin"}, everyMonday); err != nil || again.ID != g.ID || !again.Pings {
		t.Fatalf("declared again %+v, %v", again, err)
	}
	e.db.writer.QueryRow("SELECT total_changes()").Scan(&after)
	if after != before {
		t.Errorf("declaring again wrote %d rows", after-before)
	}
	// A declared group without a room gets the one it is created in.
	r, err := e.db.CreateGroup(e.ctx, e.groupReq(bob, "jardin"))
	if err != nil || r.Group.ID != g.ID || r.Group.Room != "room" || names(r.Group.Members) != "Bob" {
		t.Fatalf("bind: %+v, %v", r, err)
	}
	_, err = e.db.DeclareGroup(e.ctx, e.community, DeclaredGroup{Name: "x", Room: "r"}, everyMonday)
	wantDecisionCode(t, "room without platform", err, EINVALID)

	// A zone change in the file reschedules the group's reminders.
	rm := e.mustRemind(bob, g.ID, time.Date(2025, 3, 3, 18, 0, 0, 0, time.UTC))
	moved := 0
	next := func(r Reminder, after time.Time) (time.Time, bool) {
		moved++
		if r.Timezone != "America/Montreal" {
			t.Errorf("rescheduled in %q", r.Timezone)
		}
		return after.Add(48 * time.Hour), true
	}
	if _, err := e.db.DeclareGroup(e.ctx, e.community, DeclaredGroup{Name: "jardin", Timezone: "America/Montreal"}, next); err != nil {
		t.Fatal(err)
	}
	got, _ := e.db.Reminder(e.ctx, e.community, rm.ID)
	if moved != 1 || !got.NextDue.Equal(e.clock.Now().Add(48*time.Hour)) {
		t.Errorf("rescheduled %d, next %v", moved, got.NextDue)
	}
}

func (e *env) remindReq(actor Identity, g GroupID, next time.Time) ReminderRequest {
	return ReminderRequest{Header: e.header(actor), Group: g,
		Kind: ReminderCron, Spec: "0 18 * * MON", Input: "every monday 18:00", Text: "Garden meeting", NextDue: next}
}

func (e *env) mustRemind(actor Identity, g GroupID, next time.Time) Reminder {
	e.t.Helper()
	r, err := e.db.AddReminder(e.ctx, e.remindReq(actor, g, next))
	if err != nil {
		e.t.Fatalf("remind: %v", err)
	}
	return r.Reminder
}

func (e *env) act(actor Identity, id ReminderID, a ReminderAction) (*ReminderReceipt, error) {
	return e.db.ActOnReminder(e.ctx, ReminderActionRequest{Header: e.header(actor), ID: id, Action: a, Next: everyMonday})
}

func TestReminderCommands(t *testing.T) {
	e := newEnv(t)
	g := e.mustCreateGroup(ana, "garden")
	monday := time.Date(2025, 3, 3, 18, 0, 0, 0, time.UTC) // the clock is Sat 1 March 10:00
	_, err := e.db.AddReminder(e.ctx, e.remindReq(bob, g.ID, monday))
	wantDecisionCode(t, "a stranger reminds", err, EFORBIDDEN)
	req := e.remindReq(ana, g.ID, monday)
	r, err := e.db.AddReminder(e.ctx, req)
	if err != nil || r.Reminder.GroupName != "garden" || !r.Reminder.NextDue.Equal(monday) || r.Reminder.CreatedBy.Name != "Ana" {
		t.Fatalf("remind: %+v, %v", r, err)
	}
	if again, err := e.db.AddReminder(e.ctx, req); err != nil || !again.Replayed || again.Reminder.ID != r.Reminder.ID {
		t.Fatalf("replay: %+v, %v", again, err)
	}
	id := r.Reminder.ID

	s, err := e.act(ana, id, RemindSkip)
	if err != nil || !s.Skipped.Equal(monday) || !s.Reminder.NextDue.Equal(monday.AddDate(0, 0, 7)) {
		t.Fatalf("skip: %+v, %v", s, err)
	}
	if p, err := e.act(ana, id, RemindPause); err != nil || !p.Changed || !p.Reminder.Paused() {
		t.Fatalf("pause: %+v, %v", p, err)
	}
	if p, err := e.act(ana, id, RemindPause); err != nil || p.Changed {
		t.Fatalf("pause twice: %+v, %v", p, err)
	}
	_, err = e.act(ana, id, RemindSkip)
	wantDecisionCode(t, "skip while paused", err, EPAUSED)
	e.clock.Advance(10 * 24 * time.Hour) // Tue 11 March: the paused Monday is not owed
	if p, err := e.act(ana, id, RemindResume); err != nil || p.Reminder.Paused() || !p.Reminder.NextDue.Equal(time.Date(2025, 3, 17, 18, 0, 0, 0, time.UTC)) {
		t.Fatalf("resume: %+v, %v", p, err)
	}
	if due, _ := e.db.RemindersDue(e.ctx, e.community, e.clock.Now()); len(due) != 0 {
		t.Errorf("due after resume: %+v", due)
	}
	_, err = e.act(bob, id, RemindCancel)
	wantDecisionCode(t, "a stranger cancels", err, EFORBIDDEN)
	if c, err := e.act(ana, id, RemindCancel); err != nil || c.Reminder.Cancelled.IsZero() || c.Reminder.Active() {
		t.Fatalf("cancel: %+v, %v", c, err)
	}
	_, err = e.act(ana, id, RemindCancel)
	wantDecisionCode(t, "cancel twice", err, ECLOSED)
	_, err = e.act(ana, 999, RemindCancel)
	wantDecisionCode(t, "no such reminder", err, ENOTFOUND)

	// A one-time reminder cannot skip, and finishes if its time passed
	// while it was paused.
	once := e.remindReq(ana, g.ID, e.clock.Now().Add(time.Hour))
	once.Kind, once.Spec = ReminderOnce, ""
	o, err := e.db.AddReminder(e.ctx, once)
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.act(ana, o.Reminder.ID, RemindSkip)
	wantDecisionCode(t, "skip once", err, ENOTREPEAT)
	e.act(ana, o.Reminder.ID, RemindPause)
	e.clock.Advance(2 * time.Hour)
	if p, err := e.act(ana, o.Reminder.ID, RemindResume); err != nil || !p.Expired || p.Reminder.Active() {
		t.Fatalf("resume an expired once: %+v, %v", p, err)
	}
	// A group holds at most MaxRemindersPerGroup active reminders.
	for i := 0; i < MaxRemindersPerGroup; i++ {
		e.mustRemind(ana, g.ID, monday.AddDate(0, 1, 0))
	}
	_, err = e.db.AddReminder(e.ctx, e.remindReq(ana, g.ID, monday))
	wantDecisionCode(t, "too many", err, ETOOMANY)
}

// Claiming writes the delivery rows and advances next_due in one
// transaction; an occurrence whose row exists is never claimed again.
func TestClaimReminderAtMostOnce(t *testing.T) {
	e := newEnv(t)
	g := e.mustCreateGroup(ana, "garden")
	monday := time.Date(2025, 3, 3, 18, 0, 0, 0, time.UTC)
	rm := e.mustRemind(ana, g.ID, monday)
	next := monday.AddDate(0, 0, 7)
	c := ReminderClaim{Reminder: rm.ID, Due: monday, Next: next, Post: monday}
	res, err := e.db.ClaimReminder(e.ctx, c)
	if err != nil || !res.Claimed || res.Post == 0 || res.Missed != 0 {
		t.Fatalf("claim: %+v, %v", res, err)
	}
	// The same claim again (a second tick, or a second process) finds
	// next_due moved on: nothing is written.
	if again, err := e.db.ClaimReminder(e.ctx, c); err != nil || again.Claimed {
		t.Fatalf("claimed twice: %+v, %v", again, err)
	}
	// Even a claim that reaches next_due again cannot deliver the same
	// occurrence twice: the row exists.
	if _, err := e.db.writer.Exec("UPDATE reminders SET next_due = ? WHERE id = ?", monday.Unix(), rm.ID); err != nil {
		t.Fatal(err)
	}
	if again, err := e.db.ClaimReminder(e.ctx, c); err != nil || !again.Claimed || again.Post != 0 {
		t.Fatalf("occurrence delivered twice: %+v, %v", again, err)
	}

	// The bot stops before confirming: at start-up the claim is
	// unconfirmed, logged once, never posted again.
	unknown, err := e.db.ConfirmUnknown(e.ctx)
	if err != nil || len(unknown) != 1 || unknown[0].ID != res.Post || unknown[0].Reminder.GroupName != "garden" {
		t.Fatalf("unconfirmed: %+v, %v", unknown, err)
	}
	if again, _ := e.db.ConfirmUnknown(e.ctx); len(again) != 0 {
		t.Errorf("unconfirmed twice: %+v", again)
	}

	// Failed posts are listed for a retry until they are posted.
	c2 := ReminderClaim{Reminder: rm.ID, Due: next, Next: next.AddDate(0, 0, 7), Post: next,
		MissedFirst: next.AddDate(0, 0, -7), MissedLast: next.AddDate(0, 0, -7), MissedCount: 1}
	e.db.writer.Exec("UPDATE reminders SET next_due = ? WHERE id = ?", next.Unix(), rm.ID)
	res2, err := e.db.ClaimReminder(e.ctx, c2)
	if err != nil || res2.Post == 0 || res2.Missed != 0 { // the missed Monday is the one already delivered
		t.Fatalf("claim 2: %+v, %v", res2, err)
	}
	if err := e.db.MarkDeliveries(e.ctx, []DeliveryID{res2.Post}, DeliveryFailed); err != nil {
		t.Fatal(err)
	}
	failed, err := e.db.FailedDeliveries(e.ctx, e.community)
	if err != nil || len(failed) != 1 || failed[0].Attempts != 1 || !failed[0].Due.Equal(next) {
		t.Fatalf("failed: %+v, %v", failed, err)
	}
	e.db.MarkDeliveries(e.ctx, []DeliveryID{res2.Post}, DeliveryPosted)
	if failed, _ := e.db.FailedDeliveries(e.ctx, e.community); len(failed) != 0 {
		t.Errorf("still failed: %+v", failed)
	}
	log, _ := e.db.Deliveries(e.ctx, e.community, rm.ID)
	if len(log) != 2 || log[0].State != DeliveryUnconfirmed || log[1].State != DeliveryPosted || log[1].PostedAt.IsZero() {
		t.Errorf("delivery log %+v", log)
	}
}

func TestGiveAndProposeForAGroup(t *testing.T) {
	e := newEnv(t)
	e.members(ana, bob, cleo)
	g := e.mustCreateGroup(ana, "garden")
	e.mustJoin(bob, "garden")
	req := e.giveReq(ana, 60, cleo)
	req.Group = g.ID
	r, err := e.db.Give(e.ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	var group GroupID
	e.db.reader.QueryRow("SELECT group_id FROM exchanges WHERE id = ?", r.Exchanges[0].ID).Scan(&group)
	if group != g.ID {
		t.Errorf("exchange group %d, want %d", group, g.ID)
	}
	// The group is part of what the key identifies; a gift without one
	// keeps the fingerprint it had before groups existed.
	plain := e.giveReq(ana, 30, cleo)
	if _, err := e.db.Give(e.ctx, plain); err != nil {
		t.Fatal(err)
	}
	if fp := fingerprint(plain.kind(), plain.Community, plain.Actor, plain.FromCommons, plain.Recipients, plain.Minutes, plain.Category, plain.Note); true {
		var stored string
		e.db.reader.QueryRow("SELECT fingerprint FROM operations WHERE idem_key = ?", plain.Key).Scan(&stored)
		if stored != fp {
			t.Error("a gift without a group changed fingerprint")
		}
	}
	other := req
	other.Group = 0
	_, err = e.db.Give(e.ctx, other)
	wantDecisionCode(t, "same key without the group", err, ECONFLICT)

	elsewhere := newEnv(t)
	foreign := elsewhere.mustCreateGroup(ana, "foreign")
	bad := e.giveReq(ana, 10, cleo)
	bad.Group = foreign.ID + 100
	_, err = e.db.Give(e.ctx, bad)
	wantDecisionCode(t, "unknown group", err, ENOTFOUND)

	// A group's proposal: its members when it opens decide it.
	p := e.proposeReq(ana, "Buy a second compost bin")
	p.Group, p.QuorumPercent = g.ID, 100
	rec, err := e.db.Propose(e.ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	if got := rec.Proposal; names(got.Eligible) != "Ana,Bob" || got.Quorum != 2 || got.Group != g.ID || got.GroupName != "garden" {
		t.Fatalf("group proposal %+v", got)
	}
	_, err = e.respond(cleo, rec.Proposal.Number, Consent, "")
	wantDecisionCode(t, "outside the group", err, ENOTELIGIBLE)
	e.mustJoin(cleo, "garden") // joining later does not change the snapshot
	_, err = e.respond(cleo, rec.Proposal.Number, Consent, "")
	wantDecisionCode(t, "joined later", err, ENOTELIGIBLE)
	if _, err := e.db.writer.Exec("UPDATE proposals SET group_id = NULL WHERE id = ?", rec.Proposal.ID); err == nil {
		t.Error("a proposal's group was changed")
	}
}

func TestNewsletterStats(t *testing.T) {
	e := newEnv(t)
	e.limits = NoLimits()
	start := e.clock.Now() // Sat 1 March 2025 10:00 UTC
	e.members(ana, bob)
	g := e.mustCreateGroup(ana, "garden")
	e.mustJoin(bob, "garden")
	gift := func(from Identity, minutes int64, cat string, group GroupID, to ...Identity) *Receipt {
		t.Helper()
		req := e.giveReq(from, minutes, to...)
		req.Category, req.Group = cat, group
		r, err := e.db.Give(e.ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	old := gift(ana, 50, "support", 0, bob) // before the period
	e.clock.Advance(time.Hour)
	from := e.clock.Now()
	e.clock.Advance(time.Hour)
	gift(ana, 120, "production", g.ID, bob, cleo) // two entries, cleo is new
	gift(bob, 30, "joy", 0, dan)
	pay := e.giveReq(mod, 45, cleo)
	pay.FromCommons, pay.Category = true, "documentation"
	if _, err := e.db.Give(e.ctx, pay); err != nil {
		t.Fatal(err)
	}
	// A correction of an earlier gift counts against this period.
	if _, err := e.db.Reverse(e.ctx, ReverseRequest{Header: e.header(mod),
		Exchange: old.Exchanges[0].ID, Reason: "entered twice"}); err != nil {
		t.Fatal(err)
	}
	// Undone in the period: it nets out.
	gift(dan, 20, "joy", g.ID, ana)
	if _, err := e.db.Undo(e.ctx, UndoRequest{Header: e.header(dan), Window: time.Hour, Limits: e.limits}); err != nil {
		t.Fatal(err)
	}
	// Linking accounts moves a balance, not time.
	code, _, err := e.db.LinkCode(e.ctx, e.community, dan, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	danMatrix := Identity{Platform: "matrix", UserID: "@dan:x", Name: "Dan"}
	gift(ana, 15, "", 0, danMatrix)
	if _, err := e.db.Link(e.ctx, LinkRequest{Header: Header{Community: e.community, Key: nextKey(), Source: "matrix", Actor: danMatrix}, Code: code}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.db.SetNewsletterOptOut(e.ctx, e.header(cleo), true); err != nil {
		t.Fatal(err)
	}
	to := e.clock.Now()

	weeks := []time.Time{start.AddDate(0, 0, -7), start, start.AddDate(0, 0, 7)}
	st, _, err := e.db.NewsletterStats(e.ctx, e.community, -1, from, to, weeks, "console")
	if err != nil {
		t.Fatal(err)
	}
	// The next issue counts what came after this one's last entry.
	e.clock.Advance(time.Hour)
	gift(bob, 999, "joy", 0, ana)
	next, wk, err := e.db.NewsletterStats(e.ctx, e.community, st.LastEntry, to, e.clock.Now(), weeks, "console")
	if err != nil {
		t.Fatal(err)
	}
	if next.Minutes != 999 || next.Exchanges != 1 || next.AfterEntry != st.LastEntry || next.LastEntry != st.LastEntry+1 {
		t.Errorf("next issue: %d minutes, %d exchanges, entries (%d, %d]", next.Minutes, next.Exchanges, next.AfterEntry, next.LastEntry)
	}
	// 240 + 30 + 45 - 50 (reversal) + 20 - 20 (undo) + 15 = 280; gifts 2+1+1+1+1 = 6,
	// corrections 2.
	if st.Minutes != 280 || st.Exchanges != 4 || st.Corrections != 2 {
		t.Errorf("minutes %d, exchanges %d, corrections %d", st.Minutes, st.Exchanges, st.Corrections)
	}
	cats := map[string]CategoryTotal{}
	for _, c := range st.Categories {
		cats[c.Category] = c
	}
	if cats["production"].Minutes != 240 || cats["production"].Exchanges != 2 || cats["support"].Minutes != -50 ||
		cats["joy"].Minutes != 30 || cats["joy"].Exchanges != 1 || cats["documentation"].Minutes != 45 || cats[""].Minutes != 15 {
		t.Errorf("categories %+v", st.Categories)
	}
	if st.Categories[0].Category != "production" {
		t.Errorf("categories not by time: %+v", st.Categories)
	}
	if len(st.Groups) != 2 || st.Groups[0].Name != "garden" || st.Groups[0].Minutes != 240 || st.Groups[0].Exchanges != 2 ||
		names(st.Groups[0].Members) != "Ana,Bob" || st.Groups[0].Active != 3 || st.Groups[1].Group != 0 {
		t.Errorf("groups %+v", st.Groups)
	}
	// Active: ana, bob, cleo, dan (by the gift he received; his own was
	// undone), and the matrix identity's first account; never the commons.
	if st.ActiveMembers != 5 {
		t.Errorf("active %d", st.ActiveMembers)
	}
	// New in the period: cleo (opted out, counted but not named), dan, mod,
	// and not dan's matrix account (linked into dan's: nobody new).
	if st.NewMembers != 3 || names(st.Newcomers) != "Dan,Mod" || st.Newcomers[0].UserID != "u-dan" {
		t.Errorf("new %d %+v", st.NewMembers, st.Newcomers)
	}
	if got := wk.Minutes["support"]; len(got) != 2 || got[0] != 0 || got[1] != 0 {
		t.Errorf("weekly support %v: the gift and its reversal are in one week", got)
	}
	if got := wk.Minutes["joy"]; got[1] != 30+999 {
		t.Errorf("weekly joy %v", got)
	}
}

func TestIssuesAndNews(t *testing.T) {
	e := newEnv(t)
	submit := func(who Identity, text string) NewsID {
		t.Helper()
		r, err := e.db.SubmitNews(e.ctx, NewsRequest{Header: e.header(who), Text: text})
		if err != nil {
			t.Fatal(err)
		}
		return r.News.ID
	}
	decide := func(id NewsID, s NewsStatus) error {
		_, err := e.db.DecideNews(e.ctx, NewsRequest{Header: e.header(mod), ID: id, Status: s})
		return err
	}
	n1, n2, n3 := submit(bob, "The oven is fixed"), submit(cleo, "Lost scarf"), submit(dan, "Soup night")
	if _, err := e.db.SubmitNews(e.ctx, NewsRequest{Header: e.header(bob), Text: "  "}); ErrorCode(err) != EINVALID {
		t.Errorf("empty news: %v", err)
	}
	if err := decide(n1, NewsApproved); err != nil {
		t.Fatal(err)
	}
	if err := decide(n2, NewsRejected); err != nil {
		t.Fatal(err)
	}
	wantDecisionCode(t, "decided twice", decide(n2, NewsApproved), ECLOSED)
	wantDecisionCode(t, "no such news", decide(99, NewsApproved), ENOTFOUND)
	pending, _ := e.db.PendingNews(e.ctx, e.community)
	approved, _ := e.db.UnpublishedNews(e.ctx, e.community)
	if len(pending) != 1 || pending[0].ID != n3 || len(approved) != 1 || approved[0].ID != n1 || approved[0].DecidedBy != "Mod" {
		t.Fatalf("pending %+v, approved %+v", pending, approved)
	}

	now := e.clock.Now()
	req := IssueRequest{Header: Header{Community: e.community, Key: "newsletter:test:1", Source: "console"}, From: now.Add(-7 * 24 * time.Hour), To: now,
		ScheduledFor: now, Platform: "console", Room: "room", Text: "issue one", News: []NewsID{n1}}
	r, err := e.db.RecordIssue(e.ctx, req)
	if err != nil || r.Issue.Number != 1 || r.Replayed {
		t.Fatalf("issue: %+v, %v", r, err)
	}
	if approved, _ := e.db.UnpublishedNews(e.ctx, e.community); len(approved) != 0 {
		t.Errorf("published news still unpublished: %+v", approved)
	}
	// The scheduler retrying the same occurrence finds it sent.
	if again, err := e.db.RecordIssue(e.ctx, req); err != nil || !again.Replayed || again.Issue.ID != r.Issue.ID {
		t.Fatalf("replay: %+v, %v", again, err)
	}
	// An issue composed before another was recorded is stale.
	e.clock.Advance(time.Hour)
	stale := IssueRequest{Header: Header{Community: e.community, Key: nextKey(), Source: "console"}, From: now.Add(-time.Minute), To: e.clock.Now(),
		Platform: "console", Room: "room", Text: "stale"}
	if _, err := e.db.RecordIssue(e.ctx, stale); !errors.Is(err, ErrStale) {
		t.Errorf("stale issue: %v", err)
	}
	// So is one publishing news no longer approved and unpublished.
	stale.From, stale.News = now, []NewsID{n1}
	if _, err := e.db.RecordIssue(e.ctx, stale); !errors.Is(err, ErrStale) {
		t.Errorf("news published twice: %v", err)
	}
	stale.News = nil
	stale.Actor = ana
	r2, err := e.db.RecordIssue(e.ctx, stale)
	if err != nil || r2.Issue.Number != 2 || !r2.Issue.ScheduledFor.IsZero() {
		t.Fatalf("issue 2: %+v, %v", r2, err)
	}
	if err := e.db.MarkIssuePosted(e.ctx, r2.Issue.ID); err != nil {
		t.Fatal(err)
	}
	last, ok, _ := e.db.LastIssue(e.ctx, e.community)
	sched, ok2, _ := e.db.LastScheduledIssue(e.ctx, e.community)
	if !ok || last.Number != 2 || last.PostedAt.IsZero() || !ok2 || sched.Number != 1 {
		t.Errorf("last %+v, scheduled %+v", last, sched)
	}

	// The schedule's anchor is set once per spec.
	since, err := e.db.NewsletterSince(e.ctx, e.community, "0 9 * * MON")
	e.clock.Advance(time.Hour)
	again, _ := e.db.NewsletterSince(e.ctx, e.community, "0 9 * * MON")
	changed, _ := e.db.NewsletterSince(e.ctx, e.community, "0 9 * * TUE")
	if err != nil || !since.Equal(again) || !changed.After(since) {
		t.Errorf("since %v, again %v, changed %v, %v", since, again, changed, err)
	}

	// Opting out and in.
	for _, c := range []struct {
		out, changed bool
	}{{true, true}, {true, false}, {false, true}, {false, false}} {
		ch, _, err := e.db.SetNewsletterOptOut(e.ctx, e.header(bob), c.out)
		if err != nil || ch != c.changed {
			t.Errorf("opt out %v: changed %v, %v", c.out, ch, err)
		}
	}
}

// The migration keeps the journal append-only and the old databases
// working: an exchange's group is set once, at insertion.
func TestGroupsMigrationKeepsExchangesAppendOnly(t *testing.T) {
	e := newEnv(t)
	g := e.mustCreateGroup(ana, "garden")
	r := e.mustGive(ana, 10, bob)
	if _, err := e.db.writer.ExecContext(context.Background(), "UPDATE exchanges SET group_id = ? WHERE id = ?", g.ID, r.Exchanges[0].ID); err == nil {
		t.Error("an exchange's group was changed")
	}
	if _, err := e.db.writer.Exec("DELETE FROM group_ops"); err == nil {
		t.Error("group_ops rows were deleted")
	}
}

// An entry recorded in the very second an issue was composed, after it,
// is in the next issue: issues count entries by ID, not by second.
func TestNewsletterEntryInTheCutOffSecond(t *testing.T) {
	e := newEnv(t)
	start := e.clock.Now()
	e.clock.Advance(time.Hour)
	e.mustGive(ana, 10, bob)
	now := e.clock.Now() // the clock stands still from here
	st, _, err := e.db.NewsletterStats(e.ctx, e.community, -1, start, now, nil, "console")
	if err != nil || st.Minutes != 10 || st.Exchanges != 1 {
		t.Fatalf("first issue: %+v, %v", st, err)
	}
	r, err := e.db.RecordIssue(e.ctx, IssueRequest{Header: Header{Community: e.community, Key: nextKey(), Source: "console"}, From: start, To: now,
		AfterEntry: st.AfterEntry, LastEntry: st.LastEntry, Platform: "console", Room: "room", Text: "one"})
	if err != nil || r.Issue.LastEntry != st.LastEntry {
		t.Fatalf("record: %+v, %v", r, err)
	}
	e.mustGive(bob, 25, cleo) // same second as the cut-off
	last, _, err := e.db.LastIssue(e.ctx, e.community)
	if err != nil {
		t.Fatal(err)
	}
	next, _, err := e.db.NewsletterStats(e.ctx, e.community, last.LastEntry, last.To, e.clock.Now(), nil, "console")
	if err != nil || next.Minutes != 25 || next.Exchanges != 1 {
		t.Fatalf("next issue: %+v, %v; the entry of the cut-off second is lost", next, err)
	}
	// An issue composed from an older last entry is stale.
	_, err = e.db.RecordIssue(e.ctx, IssueRequest{Header: Header{Community: e.community, Key: nextKey(), Source: "console"}, From: now, To: now,
		AfterEntry: 0, LastEntry: next.LastEntry, Platform: "console", Room: "room", Text: "two"})
	if !errors.Is(err, ErrStale) {
		t.Fatalf("issue from entry 0 after issue 1: %v", err)
	}
}
