package ledger

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

// members makes the identities known to the ledger, as a first exchange
// would.
func (e *env) members(ids ...Identity) {
	e.t.Helper()
	for _, id := range ids {
		if _, err := e.db.EnsureMember(e.ctx, e.community, id); err != nil {
			e.t.Fatalf("EnsureMember(%s): %v", id.UserID, err)
		}
	}
}

func (e *env) proposeReq(actor Identity, text string) ProposeRequest {
	return ProposeRequest{
		Header: e.header(actor), Room: "room",
		Text: text, Deadline: e.clock.Now().Add(7 * 24 * time.Hour),
	}
}

func (e *env) mustPropose(actor Identity, text string) Proposal {
	e.t.Helper()
	r, err := e.db.Propose(e.ctx, e.proposeReq(actor, text))
	if err != nil {
		e.t.Fatalf("propose %q: %v", text, err)
	}
	return r.Proposal
}

func (e *env) respond(actor Identity, number int, kind ResponseKind, text string) (*DecisionReceipt, error) {
	return e.db.Respond(e.ctx, RespondRequest{Header: e.header(actor), Number: number, Kind: kind, Text: text})
}

func (e *env) mustRespond(actor Identity, number int, kind ResponseKind, text string) *DecisionReceipt {
	e.t.Helper()
	r, err := e.respond(actor, number, kind, text)
	if err != nil {
		e.t.Fatalf("%s responds %s to #%d: %v", actor.UserID, kind, number, err)
	}
	return r
}

func (e *env) proposal(number int) Proposal {
	e.t.Helper()
	p, err := e.db.Proposal(e.ctx, e.community, number)
	if err != nil {
		e.t.Fatalf("Proposal(%d): %v", number, err)
	}
	return p
}

func wantDecisionCode(t *testing.T, what string, err error, code Code) {
	t.Helper()
	if ErrorCode(err) != code {
		t.Fatalf("%s: err = %v, want %s", what, err, code)
	}
}

func names(vs []Voter) string {
	var out []string
	for _, v := range vs {
		out = append(out, v.Name)
	}
	return strings.Join(out, ",")
}

func TestProposeNumbersAndSnapshotsEligibility(t *testing.T) {
	e := newEnv(t)
	e.members(bob, cleo)
	p := e.mustPropose(ana, "  Buy a trailer  ")
	if p.Number != 1 || p.Version() != 1 || p.Text() != "Buy a trailer" || p.Proposer.Name != "Ana" || p.Proposer.UserID != "u-ana" {
		t.Fatalf("proposal = %+v", p)
	}
	// The proposer is created with it; the commons never votes.
	if got := names(p.Eligible); got != "Ana,Bob,Cleo" {
		t.Fatalf("eligible = %s, want Ana,Bob,Cleo", got)
	}
	if !p.Open() || p.Deadline != e.clock.Now().Add(7*24*time.Hour).Truncate(time.Second) {
		t.Fatalf("open %v deadline %v", p.Open(), p.Deadline)
	}

	// Dan arrives after #1 opened: he may respond to #2, not to #1.
	e.members(dan)
	if _, err := e.respond(dan, 1, Consent, ""); ErrorCode(err) != ENOTELIGIBLE {
		t.Fatalf("dan on #1: %v, want not eligible", err)
	}
	if _, err := e.respond(person("zoe"), 1, Consent, ""); ErrorCode(err) != ENOTELIGIBLE {
		t.Fatalf("unknown zoe on #1: %v, want not eligible", err)
	}
	// Refusing zoe did not create her.
	if _, found, _ := e.db.Member(e.ctx, e.community, person("zoe")); found {
		t.Fatal("a refused response created an account")
	}
	p2 := e.mustPropose(bob, "Paint the shed")
	if p2.Number != 2 || names(p2.Eligible) != "Ana,Bob,Cleo,Dan" {
		t.Fatalf("#2 = %d eligible %s", p2.Number, names(p2.Eligible))
	}
	e.mustRespond(dan, 2, Consent, "")

	// Numbers are per community.
	other := e.ensure("other")
	r, err := e.db.Propose(e.ctx, ProposeRequest{Header: Header{Community: other, Key: nextKey(), Source: "console", Actor: ana}, Room: "r",
		Text: "x", Deadline: e.clock.Now().Add(time.Hour)})
	if err != nil || r.Proposal.Number != 1 || names(r.Proposal.Eligible) != "Ana" {
		t.Fatalf("other community: %+v, %v", r, err)
	}
}

func TestProposeQuorumPercentIsRoundedUpOnTheSnapshot(t *testing.T) {
	e := newEnv(t)
	e.members(bob, cleo, dan, mod) // with ana: 5 members
	req := e.proposeReq(ana, "x")
	req.QuorumPercent = 50
	r, err := e.db.Propose(e.ctx, req)
	if err != nil || r.Proposal.Quorum != 3 {
		t.Fatalf("quorum = %d (%v), want 3 of 5", r.Proposal.Quorum, err)
	}
	req = e.proposeReq(ana, "y")
	req.QuorumCount = 2
	if r, err = e.db.Propose(e.ctx, req); err != nil || r.Proposal.Quorum != 2 {
		t.Fatalf("quorum = %d (%v), want 2", r.Proposal.Quorum, err)
	}
}

func TestProposeRefusals(t *testing.T) {
	e := newEnv(t)
	now := e.clock.Now()
	for _, c := range []struct {
		name string
		edit func(*ProposeRequest)
		code Code
	}{
		{"no text", func(r *ProposeRequest) { r.Text = "  " }, EINVALID},
		{"too long", func(r *ProposeRequest) { r.Text = strings.Repeat("a", MaxProposalLength+1) }, EINVALID},
		{"no key", func(r *ProposeRequest) { r.Key = "" }, EINVALID},
		{"past", func(r *ProposeRequest) { r.Deadline = now.Add(-time.Minute) }, EDEADLINE},
		{"now", func(r *ProposeRequest) { r.Deadline = now }, EDEADLINE},
		{"too far", func(r *ProposeRequest) { r.Deadline = now.Add(MaxDeadlineAhead + time.Minute) }, EDEADLINE},
		{"bad quorum", func(r *ProposeRequest) { r.QuorumPercent = 101 }, EINVALID},
	} {
		req := e.proposeReq(ana, "text")
		c.edit(&req)
		_, err := e.db.Propose(e.ctx, req)
		wantDecisionCode(t, c.name, err, c.code)
	}
	req := e.proposeReq(ana, "text")
	req.Deadline = now.Add(MaxDeadlineAhead)
	if _, err := e.db.Propose(e.ctx, req); err != nil {
		t.Fatalf("a deadline exactly %s away: %v", MaxDeadlineAhead, err)
	}
}

func TestRespondKeepsHistoryAndCurrentResponse(t *testing.T) {
	e := newEnv(t)
	e.members(bob, cleo)
	e.mustPropose(ana, "Buy a trailer")
	e.mustRespond(bob, 1, Objection, "no storage")
	r := e.mustRespond(bob, 1, Consent, "")
	if r.Previous == nil || r.Previous.Kind != Objection || r.Response.Kind != Consent {
		t.Fatalf("changed vote: response %+v previous %+v", r.Response, r.Previous)
	}
	// The same response again writes nothing.
	again := e.mustRespond(bob, 1, Consent, "")
	if !again.Unchanged || again.Response.Kind != Consent {
		t.Fatalf("repeat: %+v", again)
	}
	e.mustRespond(cleo, 1, Concern, "  the cost ")
	p := e.proposal(1)
	if len(p.Responses) != 3 {
		t.Fatalf("%d responses in the history, want 3", len(p.Responses))
	}
	tl := p.Tally()
	if len(tl.Consent) != 1 || len(tl.Concern) != 1 || tl.Concern[0].Text != "the cost" || len(tl.Standing) != 0 ||
		tl.Responded != 2 || names(tl.Waiting) != "Ana" {
		t.Fatalf("tally = %+v", tl)
	}
	if st, next := p.ObjectionState(p.Objections()[0]); st != ObjectionChanged || next.Kind != Consent {
		t.Fatalf("bob's objection: %s", st)
	}
}

func TestRespondRefusals(t *testing.T) {
	e := newEnv(t)
	e.members(bob)
	e.mustPropose(ana, "x")
	_, err := e.respond(bob, 1, Objection, "  ")
	wantDecisionCode(t, "reasonless objection", err, ENOREASON)
	_, err = e.respond(bob, 1, Concern, "")
	wantDecisionCode(t, "textless concern", err, ENOREASON)
	_, err = e.respond(bob, 1, Withdrawn, "")
	wantDecisionCode(t, "withdraw without objection", err, ENOTHING)
	_, err = e.respond(bob, 9, Consent, "")
	wantDecisionCode(t, "no such proposal", err, ENOTFOUND)
	_, err = e.respond(bob, 1, "maybe", "")
	wantDecisionCode(t, "bad kind", err, EINVALID)
	_, err = e.respond(bob, 1, Objection, strings.Repeat("a", MaxResponseLength+1))
	wantDecisionCode(t, "long reason", err, EINVALID)
	if p := e.proposal(1); len(p.Responses) != 0 {
		t.Fatalf("refusals wrote %d responses", len(p.Responses))
	}
	// After the deadline, before any tick closed it: voting has ended.
	e.clock.Advance(7 * 24 * time.Hour)
	_, err = e.respond(bob, 1, Consent, "")
	wantDecisionCode(t, "after the deadline", err, ECLOSED)
}

func TestObjectionLifecycle(t *testing.T) {
	e := newEnv(t)
	e.members(bob, cleo, dan)
	e.mustPropose(ana, "Buy a trailer")
	e.mustRespond(bob, 1, Objection, "no storage")
	e.mustRespond(cleo, 1, Objection, "too expensive")
	e.mustRespond(dan, 1, Objection, "wrong model")
	if p := e.proposal(1); p.Decide() != NotAdopted || len(p.Tally().Standing) != 3 {
		t.Fatalf("three objections: %s %+v", p.Decide(), p.Tally().Standing)
	}

	// Bob withdraws his; cleo's stays.
	e.mustRespond(bob, 1, Withdrawn, "")

	// A facilitator resolves dan's.
	res, err := e.db.Resolve(e.ctx, ResolveRequest{Header: e.header(mod),
		Number: 1, Member: dan, Kind: NotParamount, Reason: "the model can change later"})
	if err != nil || res.Response == nil || res.Response.Voter.Name != "Dan" || res.Response.Resolution.Kind != NotParamount ||
		res.Response.Resolution.Actor.Name != "Mod" {
		t.Fatalf("resolve: %+v, %v", res, err)
	}
	_, err = e.db.Resolve(e.ctx, ResolveRequest{Header: e.header(mod),
		Number: 1, Member: dan, Kind: Integrated, Reason: "again"})
	wantDecisionCode(t, "resolve twice", err, ENOTHING)
	_, err = e.db.Resolve(e.ctx, ResolveRequest{Header: e.header(mod),
		Number: 1, Member: ana, Kind: Integrated, Reason: "x"})
	wantDecisionCode(t, "resolve a non-objection", err, ENOTHING)
	_, err = e.db.Resolve(e.ctx, ResolveRequest{Header: e.header(mod),
		Number: 1, Member: dan, Kind: Integrated, Reason: " "})
	wantDecisionCode(t, "resolve without reason", err, ENOREASON)

	p := e.proposal(1)
	states := map[string]ObjectionState{}
	for _, o := range p.Objections() {
		st, _ := p.ObjectionState(o)
		states[o.Voter.Name] = st
	}
	want := map[string]ObjectionState{"Bob": ObjectionWithdrawn, "Cleo": ObjectionStanding, "Dan": ObjectionResolved}
	if fmt.Sprint(states) != fmt.Sprint(want) {
		t.Fatalf("states = %v, want %v", states, want)
	}
	if p.Decide() != NotAdopted {
		t.Fatal("cleo's objection stands, yet adopted")
	}
	e.mustRespond(cleo, 1, Withdrawn, "")
	if p := e.proposal(1); p.Decide() != Adopted {
		t.Fatalf("every objection withdrawn or resolved: %s", p.Decide())
	}
}

func TestAmendStartsANewRound(t *testing.T) {
	e := newEnv(t)
	e.members(bob, cleo)
	e.mustPropose(ana, "Buy a trailer")
	e.mustRespond(bob, 1, Objection, "no storage")
	e.mustRespond(cleo, 1, Consent, "")

	amend := func(actor Identity, text string) (*DecisionReceipt, error) {
		return e.db.Amend(e.ctx, AmendRequest{Header: e.header(actor), Number: 1, Text: text})
	}
	_, err := amend(bob, "Buy a trailer and a shed")
	wantDecisionCode(t, "amend by another", err, EFORBIDDEN)
	_, err = amend(ana, "Buy a trailer")
	wantDecisionCode(t, "amend to the same text", err, EUNCHANGED)
	r, err := amend(ana, "Buy a trailer and rent storage")
	if err != nil || r.Version != 2 || r.Proposal.Version() != 2 || r.Proposal.Text() != "Buy a trailer and rent storage" {
		t.Fatalf("amend: %+v, %v", r, err)
	}
	p := r.Proposal
	tl := p.Tally()
	if tl.Responded != 0 || len(tl.Waiting) != 3 || p.Decide() != Adopted {
		t.Fatalf("new round tally %+v, outcome %s", tl, p.Decide())
	}
	if st, _ := p.ObjectionState(p.Objections()[0]); st != ObjectionSuperseded {
		t.Fatalf("bob's v1 objection is %s, want superseded", st)
	}
	if old := p.TallyOf(1); len(old.Standing) != 1 || len(old.Consent) != 1 {
		t.Fatalf("v1 tally %+v", old)
	}
	e.mustRespond(bob, 1, Consent, "")
	if got := e.proposal(1).Tally(); got.Version != 2 || len(got.Consent) != 1 {
		t.Fatalf("v2 tally %+v", got)
	}
}

// TestCloseProposal is the rule of an early close: nobody decides alone.
// Before its deadline a proposal closes when every eligible member has
// responded, or when a moderator who did not propose it gives a reason.
func TestCloseProposal(t *testing.T) {
	e := newEnv(t)
	e.members(bob, cleo, mod)
	e.mustPropose(ana, "x")
	e.mustRespond(bob, 1, Concern, "cost")
	closeReq := func(actor Identity, moderator bool, reason string) CloseRequest {
		return CloseRequest{Header: e.header(actor), Number: 1,
			Moderator: moderator, Reason: reason}
	}
	deadline := e.proposal(1).Deadline
	for _, tc := range []struct {
		name string
		req  CloseRequest
		want *EarlyCloseError // nil: EFORBIDDEN
	}{
		{"another member", closeReq(bob, false, "enough"), nil},
		{"the proposer, members waiting", closeReq(ana, false, ""), &EarlyCloseError{Number: 1, Deadline: deadline, Waiting: 3, Proposer: true}},
		{"the proposer with a reason", closeReq(ana, false, "urgent"), &EarlyCloseError{Number: 1, Deadline: deadline, Waiting: 3, Proposer: true}},
		{"a moderator without a reason", closeReq(mod, true, "  "), &EarlyCloseError{Number: 1, Deadline: deadline, Waiting: 3, Moderator: true}},
		{"a moderator who proposed it", closeReq(ana, true, "urgent"), &EarlyCloseError{Number: 1, Deadline: deadline, Waiting: 3, Proposer: true, Moderator: true}},
	} {
		before := e.count("decision_ops")
		_, err := e.db.CloseProposal(e.ctx, tc.req)
		if tc.want == nil {
			wantDecisionCode(t, tc.name, err, EFORBIDDEN)
		} else {
			var got *EarlyCloseError
			if !errors.As(err, &got) || *got != *tc.want {
				t.Errorf("%s: %v (%+v), want %+v", tc.name, err, got, tc.want)
			}
		}
		if e.count("decision_ops") != before || !e.proposal(1).Open() {
			t.Errorf("%s: the refusal changed the ledger", tc.name)
		}
	}
	r, err := e.db.CloseProposal(e.ctx, closeReq(mod, true, " the room is booked tomorrow "))
	if err != nil || r.Proposal.Open() || r.Proposal.Outcome != Adopted || r.Proposal.ClosedBy == nil || r.Proposal.ClosedBy.Name != "Mod" ||
		r.Proposal.CloseReason != "the room is booked tomorrow" {
		t.Fatalf("close by a moderator with a reason: %+v, %v", r, err)
	}
	if p := e.proposal(1); p.CloseReason != "the room is booked tomorrow" {
		t.Fatalf("reason read back %q", p.CloseReason)
	}
	_, err = e.db.CloseProposal(e.ctx, closeReq(ana, false, ""))
	wantDecisionCode(t, "close twice", err, ECLOSED)
	_, err = e.respond(cleo, 1, Consent, "")
	wantDecisionCode(t, "respond after close", err, ECLOSED)
	_, err = e.db.Amend(e.ctx, AmendRequest{Header: e.header(ana), Number: 1, Text: "y"})
	wantDecisionCode(t, "amend after close", err, ECLOSED)
	if _, err := e.db.CloseProposal(e.ctx, CloseRequest{Header: e.header(ana), Number: 2}); ErrorCode(err) != ENOTFOUND {
		t.Fatalf("close #2: %v", err)
	}
	if _, err := e.db.writer.ExecContext(e.ctx, "UPDATE proposals SET close_reason = 'other' WHERE number = 1"); err == nil || !strings.Contains(err.Error(), "close reason") {
		t.Fatalf("a close reason rewritten: %v", err)
	}

	// Once everyone has responded, the proposer may close without a reason.
	e.mustPropose(ana, "y")
	for _, m := range []Identity{ana, bob, cleo, mod} {
		e.mustRespond(m, 2, Consent, "")
	}
	r, err = e.db.CloseProposal(e.ctx, CloseRequest{Header: e.header(ana), Number: 2})
	if err != nil || r.Proposal.Open() || r.Proposal.CloseReason != "" || r.Proposal.ClosedBy.Name != "Ana" {
		t.Fatalf("close when everyone responded: %+v, %v", r, err)
	}
}

func TestDecisionIdempotency(t *testing.T) {
	e := newEnv(t)
	e.members(bob)
	req := e.proposeReq(ana, "Buy a trailer")
	first, err := e.db.Propose(e.ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	// Redelivered later: the deadline computed again differs, the typed
	// request does not.
	e.clock.Advance(time.Minute)
	req.Deadline = req.Deadline.Add(time.Minute)
	again, err := e.db.Propose(e.ctx, req)
	if err != nil || !again.Replayed || again.Proposal.Number != first.Proposal.Number {
		t.Fatalf("replayed propose: %+v, %v", again, err)
	}
	other := req
	other.Text = "Buy two trailers"
	_, err = e.db.Propose(e.ctx, other)
	wantDecisionCode(t, "propose key reused", err, ECONFLICT)

	rr := RespondRequest{Header: e.header(bob), Number: 1, Kind: Objection, Text: "no storage"}
	if _, err := e.db.Respond(e.ctx, rr); err != nil {
		t.Fatal(err)
	}
	e.mustRespond(bob, 1, Consent, "")
	// The objection redelivered after bob changed his mind is not counted again.
	rep, err := e.db.Respond(e.ctx, rr)
	if err != nil || !rep.Replayed || rep.Response == nil || rep.Response.Kind != Objection || rep.Proposal.Tally().Consent == nil {
		t.Fatalf("replayed response: %+v, %v", rep, err)
	}
	if p := e.proposal(1); len(p.Responses) != 2 || len(p.Tally().Standing) != 0 {
		t.Fatalf("after a replay: %d responses, standing %v", len(p.Responses), p.Tally().Standing)
	}
	rr.Text = "other reason"
	_, err = e.db.Respond(e.ctx, rr)
	wantDecisionCode(t, "respond key reused", err, ECONFLICT)
	// A key of one kind of command cannot be replayed as another.
	_, err = e.db.Amend(e.ctx, AmendRequest{Header: Header{Community: e.community, Key: rr.Key, Source: "console", Actor: ana}, Number: 1, Text: "y"})
	wantDecisionCode(t, "key reused by another command", err, ECONFLICT)

	// A replay after the close still gets its receipt, not a refusal.
	e.mustRespond(ana, 1, Consent, "")
	cr := CloseRequest{Header: e.header(ana), Number: 1}
	if _, err := e.db.CloseProposal(e.ctx, cr); err != nil {
		t.Fatal(err)
	}
	if r, err := e.db.CloseProposal(e.ctx, cr); err != nil || !r.Replayed {
		t.Fatalf("replayed close: %+v, %v", r, err)
	}
	rr.Text = "no storage"
	if r, err := e.db.Respond(e.ctx, rr); err != nil || !r.Replayed {
		t.Fatalf("replayed response after close: %+v, %v", r, err)
	}
}

// TestOutcomeRule is the rule of consent as a table: adopted when no
// objection stands in the current round and the quorum is met.
func TestOutcomeRule(t *testing.T) {
	v := func(n int) Voter { return Voter{Account: AccountID(n), Name: fmt.Sprint("m", n)} }
	resp := func(id, version, who int, kind ResponseKind) Response {
		return Response{ID: ResponseID(id), Version: version, Voter: v(who), Kind: kind, Text: "t"}
	}
	resolved := func(r Response) Response {
		r.Resolution = &Resolution{Kind: Integrated, Reason: "r"}
		return r
	}
	eligible := []Voter{v(1), v(2), v(3), v(4)}
	for _, c := range []struct {
		name      string
		versions  int
		quorum    int
		responses []Response
		want      Outcome
	}{
		{"nobody responded, no quorum", 1, 0, nil, Adopted},
		{"all consent", 1, 0, []Response{resp(1, 1, 1, Consent), resp(2, 1, 2, Consent)}, Adopted},
		{"concerns and stand asides pass", 1, 0, []Response{resp(1, 1, 1, Concern), resp(2, 1, 2, StandAside)}, Adopted},
		{"one objection blocks", 1, 0, []Response{resp(1, 1, 1, Consent), resp(2, 1, 2, Objection)}, NotAdopted},
		{"withdrawn objection", 1, 0, []Response{resp(1, 1, 2, Objection), resp(2, 1, 2, Withdrawn)}, Adopted},
		{"objection changed to consent", 1, 0, []Response{resp(1, 1, 2, Objection), resp(2, 1, 2, Consent)}, Adopted},
		{"consent changed to objection", 1, 0, []Response{resp(1, 1, 2, Consent), resp(2, 1, 2, Objection)}, NotAdopted},
		{"objection resolved", 1, 0, []Response{resolved(resp(1, 1, 2, Objection))}, Adopted},
		{"resolved, then objecting again", 1, 0, []Response{resolved(resp(1, 1, 2, Objection)), resp(2, 1, 2, Objection)}, NotAdopted},
		{"objection superseded by an amendment", 2, 0, []Response{resp(1, 1, 2, Objection)}, Adopted},
		{"objection raised again on the amendment", 2, 0, []Response{resp(1, 1, 2, Objection), resp(2, 2, 2, Objection)}, NotAdopted},
		{"quorum met", 1, 2, []Response{resp(1, 1, 1, Consent), resp(2, 1, 2, StandAside)}, Adopted},
		{"quorum not met", 1, 3, []Response{resp(1, 1, 1, Consent), resp(2, 1, 2, Consent)}, NotAdopted},
		{"one member responding twice counts once", 1, 2, []Response{resp(1, 1, 1, Consent), resp(2, 1, 1, Concern)}, NotAdopted},
		{"responses to an old version don't count for the quorum", 2, 1, []Response{resp(1, 1, 1, Consent)}, NotAdopted},
		{"a withdrawn objector responded", 1, 1, []Response{resp(1, 1, 1, Objection), resp(2, 1, 1, Withdrawn)}, Adopted},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := Proposal{Quorum: c.quorum, Eligible: eligible, Responses: c.responses}
			for i := 1; i <= c.versions; i++ {
				p.Versions = append(p.Versions, Version{Number: i, Text: fmt.Sprint("v", i)})
			}
			if got := p.Decide(); got != c.want {
				t.Errorf("outcome = %s, want %s (tally %+v)", got, c.want, p.Tally())
			}
		})
	}
}

func TestCloseDueRemindersAndAnnouncements(t *testing.T) {
	e := newEnv(t)
	e.members(bob)
	start := e.clock.Now()
	e.mustPropose(ana, "long") // 7 days
	short := e.proposeReq(ana, "short")
	short.Deadline = start.Add(2 * time.Hour)
	if _, err := e.db.Propose(e.ctx, short); err != nil {
		t.Fatal(err)
	}
	e.mustRespond(bob, 1, Objection, "no")

	due := func(at time.Time) []int {
		ps, err := e.db.DueReminders(e.ctx, e.community, at)
		if err != nil {
			t.Fatal(err)
		}
		var out []int
		for _, p := range ps {
			out = append(out, p.Number)
		}
		return out
	}
	// #2 opened less than a day before its deadline: no reminder.
	if got := due(start.Add(time.Hour)); len(got) != 0 {
		t.Fatalf("reminders due after 1h: %v", got)
	}
	if got := due(start.Add(6*24*time.Hour - time.Second)); len(got) != 0 {
		t.Fatalf("reminders due before the lead: %v", got)
	}
	if got := due(start.Add(6 * 24 * time.Hour)); fmt.Sprint(got) != "[1]" {
		t.Fatalf("reminders due at the lead: %v, want [1]", got)
	}
	if err := e.db.MarkReminded(e.ctx, e.proposal(1).ID); err != nil {
		t.Fatal(err)
	}
	if got := due(start.Add(6*24*time.Hour + time.Hour)); len(got) != 0 {
		t.Fatalf("reminded twice: %v", got)
	}

	closed, err := e.db.CloseDue(e.ctx, e.community, start.Add(2*time.Hour))
	if err != nil || len(closed) != 1 || closed[0].Number != 2 || closed[0].Outcome != Adopted || closed[0].ClosedBy != nil {
		t.Fatalf("close due at 2h: %+v, %v", closed, err)
	}
	// Long after both deadlines, as after a bot that was down.
	e.clock.Advance(10 * 24 * time.Hour)
	closed, err = e.db.CloseDue(e.ctx, e.community, e.clock.Now())
	if err != nil || len(closed) != 1 || closed[0].Number != 1 || closed[0].Outcome != NotAdopted {
		t.Fatalf("close due after downtime: %+v, %v", closed, err)
	}
	if closed, _ := e.db.CloseDue(e.ctx, e.community, e.clock.Now()); len(closed) != 0 {
		t.Fatalf("closed again: %+v", closed)
	}
	pending, err := e.db.Unannounced(e.ctx, e.community)
	if err != nil || len(pending) != 2 {
		t.Fatalf("unannounced: %d, %v", len(pending), err)
	}
	for _, p := range pending {
		if err := e.db.MarkAnnounced(e.ctx, p.ID); err != nil {
			t.Fatal(err)
		}
		if err := e.db.MarkAnnounced(e.ctx, p.ID); err != nil {
			t.Fatalf("marking twice: %v", err)
		}
	}
	if pending, _ := e.db.Unannounced(e.ctx, e.community); len(pending) != 0 {
		t.Fatalf("still unannounced: %d", len(pending))
	}

	all, err := e.db.Proposals(e.ctx, e.community, ProposalsAll)
	if err != nil || len(all) != 2 || all[0].Number != 2 {
		t.Fatalf("all: %d, %v", len(all), err)
	}
	adopted, _ := e.db.Proposals(e.ctx, e.community, ProposalsAdopted)
	open, _ := e.db.Proposals(e.ctx, e.community, ProposalsOpen)
	if len(adopted) != 1 || adopted[0].Number != 2 || len(open) != 0 {
		t.Fatalf("adopted %d open %d", len(adopted), len(open))
	}
}

func TestSetCardOnce(t *testing.T) {
	e := newEnv(t)
	p := e.mustPropose(ana, "x")
	if err := e.db.SetCard(e.ctx, p.ID, "m1", ""); err != nil {
		t.Fatal(err)
	}
	if err := e.db.SetCard(e.ctx, p.ID, "m2", "t1"); err != nil {
		t.Fatal(err)
	}
	if got := e.proposal(1); got.Card != "m1" || got.Thread != "t1" {
		t.Fatalf("card %q thread %q, want m1 t1", got.Card, got.Thread)
	}
}

// TestDecisionsAppendOnly goes through the writer: only the schema's
// triggers stand between it and the history.
func TestDecisionsAppendOnly(t *testing.T) {
	e := newEnv(t)
	e.members(bob)
	e.mustPropose(ana, "x")
	e.mustRespond(bob, 1, Objection, "no")
	if _, err := e.db.Resolve(e.ctx, ResolveRequest{Header: e.header(mod),
		Number: 1, Member: bob, Kind: Integrated, Reason: "taken in"}); err != nil {
		t.Fatal(err)
	}
	e.mustRespond(ana, 1, Consent, "")
	if _, err := e.db.CloseProposal(e.ctx, CloseRequest{Header: e.header(ana), Number: 1}); err != nil {
		t.Fatal(err)
	}
	if err := e.db.SetCard(e.ctx, e.proposal(1).ID, "m1", "t1"); err != nil {
		t.Fatal(err)
	}
	for stmt, want := range map[string]string{
		"UPDATE decision_ops SET kind = 'close'":                "append-only",
		"DELETE FROM decision_ops":                              "append-only",
		"UPDATE proposal_versions SET text = 'rewritten'":       "append-only",
		"DELETE FROM proposal_versions":                         "append-only",
		"UPDATE proposal_eligible SET account_id = account_id":  "append-only",
		"DELETE FROM proposal_eligible":                         "append-only",
		"UPDATE responses SET kind = 'consent'":                 "append-only",
		"DELETE FROM responses":                                 "append-only",
		"UPDATE objection_resolutions SET reason = 'other'":     "append-only",
		"DELETE FROM objection_resolutions":                     "append-only",
		"DELETE FROM proposals":                                 "append-only",
		"UPDATE proposals SET outcome = 'not_adopted'":          "only the card",
		"UPDATE proposals SET closed_at = NULL, outcome = NULL": "only the card",
		"UPDATE proposals SET deadline = deadline + 1":          "only the card",
		"UPDATE proposals SET number = 7":                       "only the card",
		"UPDATE proposals SET proposer_id = proposer_id + 1":    "only the card",
		"UPDATE proposals SET card = 'm2'":                      "only the card",
		"UPDATE proposals SET thread = 't2'":                    "only the card",
		"UPDATE proposals SET quorum = 3":                       "only the card",
		"INSERT INTO responses (proposal_id, version, account_id, kind, text, op_id, created_at) VALUES (1, 1, 1, 'objection', '', 1, 0)": "CHECK",
	} {
		t.Run(stmt, func(t *testing.T) {
			_, err := e.db.writer.ExecContext(e.ctx, stmt)
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Fatalf("%s: err = %v, want %q", stmt, err, want)
			}
		})
	}
	// The marks may be set once.
	if _, err := e.db.writer.ExecContext(e.ctx, "UPDATE proposals SET announced_at = 1"); err != nil {
		t.Fatalf("first announcement mark: %v", err)
	}
	if _, err := e.db.writer.ExecContext(e.ctx, "UPDATE proposals SET announced_at = 2"); err == nil {
		t.Fatal("announcement mark changed")
	}
	// A response from someone outside the snapshot is refused by the schema too.
	cleoAcct, err := e.db.EnsureMember(e.ctx, e.community, cleo)
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.db.writer.ExecContext(e.ctx, `INSERT INTO decision_ops (community_id, idem_key, fingerprint, kind, proposal_id, actor_id, source, created_at)
		VALUES (?, 'raw', '', 'respond', 1, ?, 'console', 0)`, e.community, cleoAcct.ID)
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.db.writer.ExecContext(e.ctx, `INSERT INTO responses (proposal_id, version, account_id, kind, text, op_id, created_at)
		VALUES (1, 1, ?, 'consent', '', (SELECT id FROM decision_ops WHERE idem_key = 'raw'), 0)`, cleoAcct.ID)
	if err == nil || !strings.Contains(err.Error(), "FOREIGN KEY") {
		t.Fatalf("response outside the snapshot: %v", err)
	}
	e.verifyOK()
}

// Refusals carry what their reply says, so that the edge does not read
// the proposal again: who decides it and since when, who may close it.
func TestDecisionRefusalsCarryTheirData(t *testing.T) {
	e := newEnv(t)
	e.members(bob)
	p := e.mustPropose(ana, "x")
	e.clock.Advance(time.Hour)
	e.members(cleo) // arrives after it opened
	_, err := e.respond(cleo, 1, Consent, "")
	var ne *NotEligibleError
	if !errors.As(err, &ne) || ErrorCode(err) != ENOTELIGIBLE || ne.Number != 1 || ne.Eligible != 2 ||
		!ne.OpenedAt.Equal(p.OpenedAt) || !ne.JoinedAt.Equal(p.OpenedAt.Add(time.Hour)) || ne.Group != "" {
		t.Fatalf("late member: %v (%+v)", err, ne)
	}
	_, err = e.db.CloseProposal(e.ctx, CloseRequest{Header: e.header(bob), Number: 1})
	var cf *CloseForbiddenError
	if !errors.As(err, &cf) || ErrorCode(err) != EFORBIDDEN || cf.Proposer != "Ana" || !cf.Deadline.Equal(p.Deadline) {
		t.Fatalf("close by another member: %v (%+v)", err, cf)
	}
}
