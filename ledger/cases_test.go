package ledger

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
)

func (e *env) caseActor(actor Identity, moderator bool) CaseActor {
	return CaseActor{Header: e.header(actor), Moderator: moderator}
}

func (e *env) openReq(actor Identity, parties, mediators []Identity, topic string) OpenCaseRequest {
	return OpenCaseRequest{CaseActor: e.caseActor(actor, true), Parties: parties, Mediators: mediators, Topic: topic,
		Platform: "console", Room: "private-" + nextKey(), CheckIn: 7 * 24 * time.Hour}
}

func (e *env) mustOpen(parties, mediators []Identity, topic string) Case {
	e.t.Helper()
	r, err := e.db.OpenCase(e.ctx, e.openReq(mod, parties, mediators, topic))
	if err != nil {
		e.t.Fatalf("open: %v", err)
	}
	return r.Case
}

func logKinds(t *testing.T, e *env, c Case) string {
	t.Helper()
	entries, err := e.db.CaseLog(e.ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, x := range entries {
		k := string(x.Kind)
		if x.To != "" {
			k += ">" + string(x.To)
		}
		kinds = append(kinds, k)
	}
	return strings.Join(kinds, " ")
}

func memberNames(c Case) string {
	var out []string
	for _, m := range c.Members {
		out = append(out, m.Name+":"+string(m.Role))
	}
	return strings.Join(out, " ")
}

// A request becomes a case, which goes through mediation to an agreement;
// every step is in the log, with who did it.
func TestCaseLifecycle(t *testing.T) {
	e := newEnv(t)
	req, err := e.db.RequestCase(e.ctx, e.caseActor(bob, false), "  Ana and I can't agree on the tool shed  ")
	if err != nil {
		t.Fatal(err)
	}
	c := req.Case
	if c.Number != 1 || c.State != CaseRequested || memberNames(c) != "Bob:party" || c.Room != "" {
		t.Fatalf("request: %+v", c)
	}
	open := e.openReq(mod, []Identity{ana}, []Identity{cleo}, "the  tool shed")
	open.Request = 1
	r, err := e.db.OpenCase(e.ctx, open)
	if err != nil {
		t.Fatal(err)
	}
	c = r.Case
	if c.Number != 1 || c.State != CaseOpen || c.Topic != "the tool shed" || c.Room != open.Room ||
		memberNames(c) != "Ana:party Bob:party Cleo:mediator" || !c.NextCheckIn.Equal(e.clock.Now().Add(7*24*time.Hour)) {
		t.Fatalf("opened: %+v", c)
	}
	// Replayed: the same case, nothing new.
	if again, err := e.db.OpenCase(e.ctx, open); err != nil || !again.Replayed || again.Case.ID != c.ID {
		t.Fatalf("replay: %+v %v", again, err)
	}
	e.clock.Advance(time.Hour)
	if _, err := e.db.SetCaseState(e.ctx, e.caseActor(cleo, false), 1, CaseInMediation, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := e.db.NoteCase(e.ctx, e.caseActor(cleo, false), 1, "met both; calmer"); err != nil {
		t.Fatal(err)
	}
	_, err = e.db.SetCaseState(e.ctx, e.caseActor(cleo, false), 1, CaseAgreement, " ")
	wantDecisionCode(t, "agreement without a summary", err, EINVALID)
	r, err = e.db.SetCaseState(e.ctx, e.caseActor(cleo, false), 1, CaseAgreement, "shared key, rota on the door")
	if err != nil {
		t.Fatal(err)
	}
	c = r.Case
	if c.State != CaseAgreement || c.Summary != "shared key, rota on the door" || c.ClosedAt.IsZero() || !c.NextCheckIn.IsZero() {
		t.Fatalf("closed: %+v", c)
	}
	if got := logKinds(t, e, c); got != "requested>requested opened>open member_added member_added state>in_mediation note closed>agreement" {
		t.Errorf("log: %s", got)
	}
	entries, _ := e.db.CaseLog(e.ctx, c.ID)
	if entries[0].Actor.Name != "Bob" || entries[0].Text != "Ana and I can't agree on the tool shed" || entries[1].Actor.Name != "Mod" ||
		entries[2].Subject.Name != "Ana" || entries[3].Role != RoleMediator || entries[5].Actor.Name != "Cleo" || entries[5].Text != "met both; calmer" {
		t.Errorf("entries: %+v", entries)
	}
	// A closed case stays closed.
	_, err = e.db.SetCaseState(e.ctx, e.caseActor(mod, true), 1, CaseEscalated, "")
	wantDecisionCode(t, "escalate a closed case", err, ECASESTATE)
	_, err = e.db.AddCaseMember(e.ctx, CaseMemberRequest{CaseActor: e.caseActor(mod, true), Number: 1, Member: dan, Role: RoleParty})
	wantDecisionCode(t, "add to a closed case", err, ECASESTATE)
}

// Only moderators and the case's mediators act on it; a party, or a
// mediator of another case, is refused, and nothing is written.
func TestCasePermissions(t *testing.T) {
	e := newEnv(t)
	c := e.mustOpen([]Identity{ana, bob}, []Identity{cleo}, "noise")
	e.mustOpen([]Identity{ana, dan}, []Identity{bob}, "fence")
	before := logKinds(t, e, c)
	for _, who := range []Identity{ana, bob, dan} {
		a := e.caseActor(who, false)
		_, err := e.db.NoteCase(e.ctx, a, c.Number, "x")
		wantDecisionCode(t, who.UserID+" note", err, EFORBIDDEN)
		_, err = e.db.SetCaseState(e.ctx, a, c.Number, CaseEscalated, "")
		wantDecisionCode(t, who.UserID+" escalate", err, EFORBIDDEN)
		_, err = e.db.AddCaseMember(e.ctx, CaseMemberRequest{CaseActor: a, Number: c.Number, Member: dan, Role: RoleParty})
		wantDecisionCode(t, who.UserID+" add", err, EFORBIDDEN)
		_, err = e.db.RemoveCaseMember(e.ctx, CaseMemberRequest{CaseActor: a, Number: c.Number, Member: bob})
		wantDecisionCode(t, who.UserID+" remove", err, EFORBIDDEN)
	}
	_, err := e.db.OpenCase(e.ctx, OpenCaseRequest{CaseActor: e.caseActor(cleo, false), Parties: []Identity{ana, bob},
		Platform: "console", Room: "r", CheckIn: time.Hour})
	wantDecisionCode(t, "a mediator opens", err, EFORBIDDEN)
	if after := logKinds(t, e, c); after != before {
		t.Errorf("a refusal wrote to the log: %s", after)
	}
	if _, err := e.db.NoteCase(e.ctx, e.caseActor(cleo, false), c.Number, "ok"); err != nil {
		t.Errorf("the mediator's note: %v", err)
	}
	// A moderator who is a party acts on their case like any party, and
	// does not open a case they are a party to.
	_, err = e.db.SetCaseState(e.ctx, e.caseActor(ana, true), c.Number, CaseAgreement, "I decide")
	wantDecisionCode(t, "a moderator closes their own case", err, EFORBIDDEN)
	_, err = e.db.OpenCase(e.ctx, OpenCaseRequest{CaseActor: e.caseActor(ana, true), Parties: []Identity{ana, bob},
		Platform: "console", Room: "r2", CheckIn: time.Hour})
	wantDecisionCode(t, "a moderator opens their own case", err, EFORBIDDEN)
}

// Opening checks who is named: at least two people and one party, nobody
// twice or in both roles, and the number the space was named after.
func TestOpenCaseRefusals(t *testing.T) {
	e := newEnv(t)
	for _, c := range []struct {
		name       string
		parties    []Identity
		mediators  []Identity
		want       Code
		wantNumber int
	}{
		{"alone", []Identity{ana}, nil, EINVALID, 0},
		{"mediators only", nil, []Identity{ana, bob}, EINVALID, 0},
		{"twice", []Identity{ana, ana}, nil, EINVALID, 0},
		{"both roles", []Identity{ana, bob}, []Identity{bob}, EINVALID, 0},
		{"wrong number", []Identity{ana, bob}, nil, ECONFLICT, 7},
	} {
		req := e.openReq(mod, c.parties, c.mediators, "t")
		req.Number = c.wantNumber
		_, err := e.db.OpenCase(e.ctx, req)
		wantDecisionCode(t, c.name, err, c.want)
	}
	if cs, _ := e.db.Cases(e.ctx, e.community, CasesAll); len(cs) != 0 {
		t.Fatalf("refused opens made cases: %+v", cs)
	}
	req := e.openReq(mod, []Identity{ana, bob}, nil, "t")
	req.Number = 1
	if _, err := e.db.OpenCase(e.ctx, req); err != nil {
		t.Fatal(err)
	}
	// A request opened twice.
	r, _ := e.db.RequestCase(e.ctx, e.caseActor(dan, false), "help")
	open := e.openReq(mod, []Identity{ana}, nil, "")
	open.Request = r.Case.Number
	if _, err := e.db.OpenCase(e.ctx, open); err != nil {
		t.Fatal(err)
	}
	open2 := e.openReq(mod, []Identity{bob}, nil, "")
	open2.Request = r.Case.Number
	_, err := e.db.OpenCase(e.ctx, open2)
	wantDecisionCode(t, "opened twice", err, ECASESTATE)
	open2.Request = 99
	_, err = e.db.OpenCase(e.ctx, open2)
	wantDecisionCode(t, "no such request", err, ENOTFOUND)
}

// Members come and go, each change logged; adding someone already in the
// case changes nothing.
func TestCaseMembers(t *testing.T) {
	e := newEnv(t)
	c := e.mustOpen([]Identity{ana, bob}, nil, "t")
	add := CaseMemberRequest{CaseActor: e.caseActor(mod, true), Number: c.Number, Member: cleo, Role: RoleMediator}
	r, err := e.db.AddCaseMember(e.ctx, add)
	if err != nil || !r.Changed || memberNames(r.Case) != "Ana:party Bob:party Cleo:mediator" {
		t.Fatalf("add: %+v %v", r, err)
	}
	if again, err := e.db.AddCaseMember(e.ctx, add); err != nil || !again.Replayed {
		t.Fatalf("replay: %+v %v", again, err)
	}
	add.Key = nextKey()
	if same, err := e.db.AddCaseMember(e.ctx, add); err != nil || same.Changed {
		t.Fatalf("added twice: %+v %v", same, err)
	}
	add.Key, add.Role = nextKey(), RoleParty
	_, err = e.db.AddCaseMember(e.ctx, add)
	wantDecisionCode(t, "other role", err, EINVALID)
	// The new mediator may act now.
	r, err = e.db.RemoveCaseMember(e.ctx, CaseMemberRequest{CaseActor: e.caseActor(cleo, false), Number: c.Number, Member: bob})
	if err != nil || memberNames(r.Case) != "Ana:party Cleo:mediator" {
		t.Fatalf("remove: %+v %v", r, err)
	}
	_, err = e.db.RemoveCaseMember(e.ctx, CaseMemberRequest{CaseActor: e.caseActor(cleo, false), Number: c.Number, Member: dan})
	wantDecisionCode(t, "remove a stranger", err, ENOTFOUND)
	if got := logKinds(t, e, c); got != "opened>open member_added member_added member_added member_removed" {
		t.Errorf("log: %s", got)
	}
}

// The log, the operations and the draws are append-only, and a case's
// number, space and close are set once.
func TestCaseRecordsAreAppendOnly(t *testing.T) {
	e := newEnv(t)
	c := e.mustOpen([]Identity{ana, bob}, nil, "t")
	if _, err := e.db.SetCaseState(e.ctx, e.caseActor(mod, true), c.Number, CaseClosedNoAgreement, "no"); err != nil {
		t.Fatal(err)
	}
	var seed [SeedSize]byte
	if _, err := e.db.RecordCouncilDraw(e.ctx, CouncilDrawRequest{CaseActor: e.caseActor(mod, true), Seed: seed, Seats: 1}); err != nil {
		t.Fatal(err)
	}
	for _, stmt := range []string{
		"UPDATE case_log SET text = 'changed'",
		"DELETE FROM case_log",
		"UPDATE case_ops SET kind = 'x'",
		"DELETE FROM case_ops",
		"UPDATE council_draws SET result = ''",
		"DELETE FROM council_draws",
		"DELETE FROM cases",
		"UPDATE cases SET number = 9",
		"UPDATE cases SET room = 'elsewhere'",
		"UPDATE cases SET state = 'open', closed_at = NULL",
		"UPDATE cases SET summary = 'other'",
	} {
		if _, err := e.db.writer.ExecContext(context.Background(), stmt); err == nil {
			t.Errorf("%s succeeded", stmt)
		}
	}
}

// A check-in is recorded once per due date, whatever the number of ticks
// that post it; inactivity is flagged once per spell.
func TestCheckInsAndInactivity(t *testing.T) {
	e := newEnv(t)
	c := e.mustOpen([]Identity{ana, bob}, []Identity{cleo}, "t")
	e.clock.Advance(6 * 24 * time.Hour)
	if due, _ := e.db.DueCheckIns(e.ctx, e.community, e.clock.Now()); len(due) != 0 {
		t.Fatalf("due after 6 days: %+v", due)
	}
	e.clock.Advance(30 * 24 * time.Hour) // down for a month
	due, err := e.db.DueCheckIns(e.ctx, e.community, e.clock.Now())
	if err != nil || len(due) != 1 {
		t.Fatalf("due: %+v %v", due, err)
	}
	next := e.clock.Now().Add(7 * 24 * time.Hour)
	if done, err := e.db.RecordCheckIn(e.ctx, c.ID, due[0].NextCheckIn, next); err != nil || !done {
		t.Fatalf("record: %v %v", done, err)
	}
	if done, err := e.db.RecordCheckIn(e.ctx, c.ID, due[0].NextCheckIn, next); err != nil || done {
		t.Fatalf("recorded twice: %v %v", done, err)
	}
	if due, _ := e.db.DueCheckIns(e.ctx, e.community, e.clock.Now()); len(due) != 0 {
		t.Fatalf("still due: %+v", due)
	}
	inactive, err := e.db.InactiveCases(e.ctx, e.community, e.clock.Now().Add(-14*24*time.Hour))
	if err != nil || len(inactive) != 1 {
		t.Fatalf("inactive: %+v %v", inactive, err)
	}
	if done, _ := e.db.FlagInactive(e.ctx, c.ID, inactive[0].LastActivity); !done {
		t.Fatal("not flagged")
	}
	if again, _ := e.db.InactiveCases(e.ctx, e.community, e.clock.Now().Add(-14*24*time.Hour)); len(again) != 0 {
		t.Fatalf("flagged twice: %+v", again)
	}
	// A note starts a new spell; check-ins, being the bot's, do not.
	if _, err := e.db.NoteCase(e.ctx, e.caseActor(cleo, false), c.Number, "still talking"); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(15 * 24 * time.Hour)
	if again, _ := e.db.InactiveCases(e.ctx, e.community, e.clock.Now().Add(-14*24*time.Hour)); len(again) != 1 {
		t.Fatalf("a new spell was not flagged: %+v", again)
	}
	if got := logKinds(t, e, c); got != "opened>open member_added member_added member_added check_in flagged note" {
		t.Errorf("log: %s", got)
	}
}

// The newsletter's counts: opened and closed in the period, open at its end;
// requests never opened are not counted.
func TestConflictCounts(t *testing.T) {
	e := newEnv(t)
	start := e.clock.Now()
	e.db.RequestCase(e.ctx, e.caseActor(dan, false), "help")
	e.mustOpen([]Identity{ana, bob}, nil, "a")
	c2 := e.mustOpen([]Identity{ana, cleo}, nil, "b")
	e.clock.Advance(time.Hour)
	e.db.SetCaseState(e.ctx, e.caseActor(mod, true), c2.Number, CaseAgreement, "done")
	e.clock.Advance(time.Hour)
	got, err := e.db.ConflictCounts(e.ctx, e.community, start.Add(-time.Second), e.clock.Now())
	if err != nil || got != (ConflictCounts{Opened: 2, Closed: 1, Open: 1}) {
		t.Errorf("counts = %+v, %v", got, err)
	}
	later, _ := e.db.ConflictCounts(e.ctx, e.community, e.clock.Now(), e.clock.Now().Add(time.Hour))
	if later != (ConflictCounts{Open: 1}) {
		t.Errorf("next period = %+v", later)
	}
	var _ ConflictCounter = e.db
}

// A draw is reproducible from its record: the seed and the eligible
// accounts give the result, whatever order they come in; a replayed key
// gets its draw back even with another seed.
func TestCouncilDrawIsReproducible(t *testing.T) {
	e := newEnv(t)
	for _, p := range []Identity{ana, bob, cleo, dan, person("eve"), person("fay")} {
		if _, err := e.db.EnsureMember(e.ctx, e.community, p); err != nil {
			t.Fatal(err)
		}
	}
	seed, _ := ParseSeed("000102030405060708090a0b0c0d0e0f")
	req := CouncilDrawRequest{CaseActor: e.caseActor(mod, true), Seed: seed, Seats: 3, Exclude: []Identity{ana, person("nobody")}, Platform: "console"}
	r, err := e.db.RecordCouncilDraw(e.ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	d := r.Draw
	if len(d.Drawn) != 3 || len(d.Eligible) != 6 || len(d.Excluded) != 1 || d.Excluded[0].Name != "Ana" || d.SeedHex() != "000102030405060708090a0b0c0d0e0f" ||
		d.Algorithm != DrawAlgorithm || d.Number != 1 || d.Drawn[0].UserID == "" {
		t.Fatalf("draw: %+v", d)
	}
	for _, v := range d.Eligible {
		if v.Name == "Ana" {
			t.Error("a named member was eligible")
		}
	}
	if !d.Reproduces() {
		t.Error("the draw does not reproduce")
	}
	ids := voterIDs(d.Eligible)
	reversed := slices.Clone(ids)
	slices.Reverse(reversed)
	if !slices.Equal(DrawLots(seed, reversed, 3), voterIDs(d.Drawn)) {
		t.Error("the order of the eligible list changes the draw")
	}
	// A fixed vector, so that the algorithm cannot drift unnoticed.
	if got := DrawLots(seed, []AccountID{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, 3); !slices.Equal(got, drawVector) {
		t.Errorf("DrawLots(vector) = %v, want %v", got, drawVector)
	}
	other := seed
	other[0] = 0xff
	if slices.Equal(DrawLots(other, ids, 6), DrawLots(seed, ids, 6)) {
		t.Error("another seed gave the same order")
	}
	req.Seed = other
	again, err := e.db.RecordCouncilDraw(e.ctx, req)
	if err != nil || !again.Replayed || again.Draw.SeedHex() != d.SeedHex() {
		t.Fatalf("replay: %+v %v", again, err)
	}
	latest, ok, err := e.db.LatestCouncilDraw(e.ctx, e.community, "console")
	if err != nil || !ok || latest.ID != d.ID || !latest.Reproduces() {
		t.Fatalf("latest: %+v %v %v", latest, ok, err)
	}
	_, err = e.db.RecordCouncilDraw(e.ctx, CouncilDrawRequest{CaseActor: e.caseActor(ana, false), Seed: seed, Seats: 3})
	wantDecisionCode(t, "a member draws", err, EFORBIDDEN)
	// Members active lately only: those who gave or received time.
	e.mustGive(bob, 30, cleo)
	e.clock.Advance(time.Hour)
	r2, err := e.db.RecordCouncilDraw(e.ctx, CouncilDrawRequest{CaseActor: e.caseActor(mod, true), Seed: seed, Seats: 3,
		ActiveSince: e.clock.Now().Add(-24 * time.Hour)})
	if err != nil || len(r2.Draw.Eligible) != 2 || len(r2.Draw.Drawn) != 2 || r2.Draw.Number != 2 || !r2.Draw.Reproduces() {
		t.Fatalf("active draw: %+v %v", r2, err)
	}
}

// drawVector is DrawLots(000102…0f, 1…10, 3), computed once: if it
// changes, past draws no longer reproduce.
var drawVector = []AccountID{7, 8, 5}

// While the council sits on an escalated case, a new draw needs a
// moderator's reason; the draw's council for a case passes over the
// case's parties and mediators, and the next in the draw order sits.
func TestCouncilSittingAndStepAside(t *testing.T) {
	e := newEnv(t)
	people := []Identity{ana, bob, cleo, dan, person("eve"), person("fay")}
	e.members(people...)
	seed, _ := ParseSeed("000102030405060708090a0b0c0d0e0f")
	c := e.mustOpen([]Identity{ana, bob}, []Identity{cleo}, "the shared tools")
	if _, err := e.db.SetCaseState(e.ctx, e.caseActor(mod, true), c.Number, CaseEscalated, "no agreement in sight"); err != nil {
		t.Fatal(err)
	}
	before := e.count("council_draws")
	_, err := e.db.RecordCouncilDraw(e.ctx, CouncilDrawRequest{CaseActor: e.caseActor(mod, true), Seed: seed, Seats: 3})
	var sitting *CouncilSittingError
	if !errors.As(err, &sitting) || !slices.Equal(sitting.Cases, []int{c.Number}) {
		t.Fatalf("draw while the council sits: %v", err)
	}
	if e.count("council_draws") != before {
		t.Fatal("a refused draw was recorded")
	}
	r, err := e.db.RecordCouncilDraw(e.ctx, CouncilDrawRequest{CaseActor: e.caseActor(mod, true), Seed: seed, Seats: 3,
		Reason: " a drawn member moved away "})
	if err != nil || r.Draw.Reason != "a drawn member moved away" || !r.Draw.Reproduces() {
		t.Fatalf("draw with a reason: %+v, %v", r, err)
	}
	d := r.Draw
	if got := d.SeatsFor(nil); !slices.Equal(voterIDs(got), voterIDs(d.Drawn)) {
		t.Fatalf("SeatsFor(nil) = %v, drawn %v", voterIDs(got), voterIDs(d.Drawn))
	}
	// The whole order, from which replacements come, by DrawLots itself.
	order := DrawLots(d.Seed, voterIDs(d.Eligible), len(d.Eligible))
	c, err = e.db.Case(e.ctx, e.community, c.Number)
	if err != nil {
		t.Fatal(err)
	}
	var want []AccountID
	for _, id := range order {
		if c.Role(id) == "" && len(want) < 3 {
			want = append(want, id)
		}
	}
	got := d.SeatsFor(func(a AccountID) bool { return c.Role(a) != "" })
	if !slices.Equal(voterIDs(got), want) {
		t.Fatalf("council for the case %v, want %v (order %v)", voterIDs(got), want, order)
	}
	for _, v := range got {
		if v.Name == "" {
			t.Errorf("seat without a name: %+v", v)
		}
	}
	// Someone of the case was drawn, or the test shows nothing.
	if slices.Equal(want, voterIDs(d.Drawn)) {
		t.Fatalf("the seed drew nobody of the case: pick another (drawn %v)", voterIDs(d.Drawn))
	}
}

// Who acts on a case is one rule, used by the ledger and the edge: a
// moderator or one of its mediators, never one of its parties.
func TestCaseMayAct(t *testing.T) {
	c := Case{Number: 4, Members: []CaseMember{{Account: 1, Role: RoleParty}, {Account: 2, Role: RoleMediator}}}
	for _, tc := range []struct {
		name      string
		acct      AccountID
		moderator bool
		want      *CaseActError // nil: may act
	}{
		{"its mediator", 2, false, nil},
		{"a moderator outside it", 3, true, nil},
		{"a moderator unknown to the ledger", 0, true, nil},
		{"a party, even a moderator", 1, true, &CaseActError{Number: 4, Party: true}},
		{"a member outside it", 3, false, &CaseActError{Number: 4}},
		{"someone unknown", 0, false, &CaseActError{Number: 4}},
	} {
		err := c.MayAct(tc.acct, tc.moderator)
		var got *CaseActError
		if tc.want == nil && err != nil || tc.want != nil && (!errors.As(err, &got) || *got != *tc.want || ErrorCode(err) != EFORBIDDEN) {
			t.Errorf("%s: %v, want %+v", tc.name, err, tc.want)
		}
	}
}
