package ledger

import (
	"strings"
	"testing"
	"time"
)

func TestUndoWholeGift(t *testing.T) {
	e := newEnv(t)
	e.mustGive(ana, 10, dan) // an earlier gift that must stay
	e.clock.Advance(time.Minute)
	gift := e.mustGive(ana, 30, bob, cleo)
	e.clock.Advance(time.Minute)

	req := e.undoReq(ana)
	r, err := e.db.Undo(e.ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if r.Kind != OpUndo || r.Replayed || r.ActorBalance != -10 || len(r.Exchanges) != 2 {
		t.Fatalf("receipt = %+v", r)
	}
	for i, ex := range r.Exchanges {
		orig := gift.Exchanges[i]
		if ex.Reverses != orig.ID || ex.From != orig.To || ex.To != orig.From || ex.Minutes != orig.Minutes ||
			ex.Actor != orig.From || ex.ID <= orig.ID {
			t.Errorf("undo entry %+v does not mirror %+v", ex, orig)
		}
		// The original stays as it was, now pointing at its correction.
		now := e.exchange(orig.ID)
		if now.ReversedBy != ex.ID || now.Minutes != orig.Minutes || now.From != orig.From || now.To != orig.To {
			t.Errorf("original after undo = %+v, want ReversedBy %d", now, ex.ID)
		}
	}
	e.wantBalances(map[Identity]int64{ana: -10, bob: 0, cleo: 0, dan: 10})
	if n := e.count("exchanges"); n != 5 {
		t.Errorf("%d exchanges, want 5: corrections are new entries", n)
	}

	// The same event redelivered is a replay, not a second undo.
	before := e.state()
	again, err := e.db.Undo(e.ctx, req)
	if err != nil || !again.Replayed || again.Operation != r.Operation {
		t.Fatalf("replayed undo = %+v, %v", again, err)
	}
	e.wantUnchanged(before)
	e.verifyOK()
}

func TestUndoCommonsPayment(t *testing.T) {
	e := newEnv(t)
	e.mustPay(60, bob)
	r, err := e.db.Undo(e.ctx, e.undoReq(mod))
	if err != nil {
		t.Fatal(err)
	}
	if r.CommonsBalance != 0 || r.ActorBalance != 0 || r.Exchanges[0].ToKind != KindCommons {
		t.Fatalf("receipt = %+v", r)
	}
	e.wantBalances(map[Identity]int64{bob: 0, mod: 0})
	e.verifyOK()
}

// TestUndoWindowIsInclusive: exactly at the window's end is still in time.
func TestUndoWindowIsInclusive(t *testing.T) {
	e := newEnv(t)
	e.mustGive(ana, 30, bob)
	e.clock.Advance(5 * time.Minute)
	if _, err := e.db.Undo(e.ctx, e.undoReq(ana)); err != nil {
		t.Fatalf("undo at the end of the window: %v", err)
	}
}

func TestUndoRefusals(t *testing.T) {
	for _, tc := range []struct {
		name  string
		setup func(e *env)
		actor Identity
		edit  func(*UndoRequest)
		code  Code
		limit *LimitError
	}{
		{
			name:  "nothing given",
			setup: func(e *env) { e.mustGive(bob, 10, ana) }, // ana only received
			actor: ana, code: ENOTHING,
		},
		{
			name:  "unknown member",
			setup: func(e *env) {},
			actor: dan, code: ENOTHING,
		},
		{
			name: "window passed",
			setup: func(e *env) {
				e.mustGive(ana, 30, bob)
				e.clock.Advance(5*time.Minute + time.Second)
			},
			actor: ana, code: EEXPIRED,
		},
		{
			name: "twice",
			setup: func(e *env) {
				e.mustGive(ana, 30, bob)
				if _, err := e.db.Undo(e.ctx, e.undoReq(ana)); err != nil {
					e.t.Fatal(err)
				}
			},
			actor: ana, code: EREVERSED,
		},
		{
			name: "a moderator reversed part of it",
			setup: func(e *env) {
				r := e.mustGive(ana, 30, bob, cleo)
				if _, err := e.db.Reverse(e.ctx, e.reverseReq(r.Exchanges[1].ID, "cleo was not there")); err != nil {
					e.t.Fatal(err)
				}
			},
			actor: ana, code: EREVERSED,
		},
		{
			name: "a receiver spent it",
			setup: func(e *env) {
				e.limits.Floor = -30
				e.mustPay(60, ana)
				e.mustGive(ana, 30, bob, cleo)
				e.mustGive(cleo, 40, dan) // cleo at -10; taking 30 back would put her at -40
			},
			actor: ana, code: ELIMIT,
			limit: &LimitError{Kind: LimitFloor, Account: "Cleo", Limit: -30, Balance: -10, Amount: 30},
		},
		{
			name:  "no key",
			setup: func(e *env) { e.mustGive(ana, 30, bob) },
			actor: ana, edit: func(r *UndoRequest) { r.Key = "" }, code: EINVALID,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			tc.setup(e)
			before := e.state()
			req := e.undoReq(tc.actor)
			if tc.edit != nil {
				tc.edit(&req)
			}
			r, err := e.db.Undo(e.ctx, req)
			wantRefused(t, e, r, err, tc.code, tc.limit, before)
			e.verifyOK()
		})
	}
}

// TestUndoTakesOnlyTheLastGift: undo is for the slip just made, not a way to
// walk back through one's history.
func TestUndoTakesOnlyTheLastGift(t *testing.T) {
	e := newEnv(t)
	e.mustGive(ana, 10, bob)
	e.mustGive(ana, 20, cleo)
	e.mustGive(bob, 5, ana) // received gifts are not ana's to undo
	if _, err := e.db.Undo(e.ctx, e.undoReq(ana)); err != nil {
		t.Fatal(err)
	}
	e.wantBalances(map[Identity]int64{ana: -5, bob: 5, cleo: 0})
	_, err := e.db.Undo(e.ctx, e.undoReq(ana))
	wantCode(t, err, EREVERSED)
	e.wantBalances(map[Identity]int64{ana: -5, bob: 5, cleo: 0})
}

func TestReverse(t *testing.T) {
	e := newEnv(t)
	gift := e.mustGive(ana, 45, bob, cleo)
	orig := gift.Exchanges[0]
	e.clock.Advance(48 * time.Hour) // long after any undo window

	req := e.reverseReq(orig.ID, "  counted twice  ")
	r, err := e.db.Reverse(e.ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if r.Kind != OpReverse || len(r.Exchanges) != 1 {
		t.Fatalf("receipt = %+v", r)
	}
	ex := r.Exchanges[0]
	if ex.Reverses != orig.ID || ex.From != orig.To || ex.To != orig.From || ex.Minutes != 45 ||
		ex.Reason != "counted twice" || ex.ActorName != "Mod" || !ex.CreatedAt.Equal(e.clock.Now()) {
		t.Fatalf("reversal = %+v", ex)
	}
	if got := e.exchange(orig.ID).ReversedBy; got != ex.ID {
		t.Fatalf("original ReversedBy = %d, want %d", got, ex.ID)
	}
	// Only the named entry is reversed, not its whole operation.
	e.wantBalances(map[Identity]int64{ana: -45, bob: 0, cleo: 45, mod: 0})

	before := e.state()
	again, err := e.db.Reverse(e.ctx, req)
	if err != nil || !again.Replayed || again.Exchanges[0].ID != ex.ID {
		t.Fatalf("replayed reverse = %+v, %v", again, err)
	}
	e.wantUnchanged(before)
	e.verifyOK()
}

func TestReverseRefusals(t *testing.T) {
	e := newEnv(t)
	gift := e.mustGive(ana, 30, bob)
	done := e.mustGive(ana, 20, cleo)
	rev, err := e.db.Reverse(e.ctx, e.reverseReq(done.Exchanges[0].ID, "mistake"))
	if err != nil {
		t.Fatal(err)
	}
	other := e.ensure("other")
	elsewhere, err := e.db.Give(e.ctx, GiveRequest{Header: Header{Community: other, Key: nextKey(), Source: "console", Actor: ana}, Recipients: []Identity{bob}, Minutes: 5, Limits: testLimits})
	if err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		name string
		edit func(*ReverseRequest)
		code Code
	}{
		{"no reason", func(r *ReverseRequest) { r.Reason = "" }, EINVALID},
		{"blank reason", func(r *ReverseRequest) { r.Reason = " \t\n" }, EINVALID},
		{"reason too long", func(r *ReverseRequest) { r.Reason = strings.Repeat("ü", MaxNoteLength+1) }, EINVALID},
		{"no key", func(r *ReverseRequest) { r.Key = "" }, EINVALID},
		{"unknown entry", func(r *ReverseRequest) { r.Exchange = 9999 }, ENOTFOUND},
		{"entry of another community", func(r *ReverseRequest) { r.Exchange = elsewhere.Exchanges[0].ID }, ENOTFOUND},
		{"already reversed", func(r *ReverseRequest) { r.Exchange = done.Exchanges[0].ID }, EREVERSED},
		{"a correction", func(r *ReverseRequest) { r.Exchange = rev.Exchanges[0].ID }, ECORRECTION},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := e.state()
			req := e.reverseReq(gift.Exchanges[0].ID, "wrong person")
			tc.edit(&req)
			r, err := e.db.Reverse(e.ctx, req)
			wantRefused(t, e, r, err, tc.code, nil, before)
		})
	}
	e.verifyOK()
}

// TestReverseIgnoresLimits: an unjust entry must stay correctable even when
// the correction pushes someone past a bound.
func TestReverseIgnoresLimits(t *testing.T) {
	e := newEnv(t)
	below := e.mustGive(ana, 90, bob)
	// bob spends everything and more: -60, so taking 90 back puts him at -150 < -120.
	e.mustGive(bob, 90, cleo)
	e.mustGive(bob, 60, dan)
	// ana earns 120, so giving 90 back puts her at 210 > 180.
	e.mustGive(dan, 90, ana)
	e.mustGive(cleo, 90, ana)
	e.mustGive(dan, 30, ana)
	e.wantBalances(map[Identity]int64{ana: 120, bob: -60})
	if _, err := e.db.Reverse(e.ctx, e.reverseReq(below.Exchanges[0].ID, "never happened")); err != nil {
		t.Fatalf("reverse past the limits: %v", err)
	}
	e.wantBalances(map[Identity]int64{ana: 210, bob: -150})
	e.verifyOK()
}
