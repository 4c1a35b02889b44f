package ledger

import (
	"context"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestGiveSingle(t *testing.T) {
	e := newEnv(t)
	req := e.giveReq(ana, 45, bob)
	req.Category = "production"
	req.Note = "garden"
	r, err := e.db.Give(e.ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if r.Replayed || r.Kind != OpGive || r.Key != req.Key || r.ActorBalance != -45 || !r.CreatedAt.Equal(e.clock.Now()) {
		t.Errorf("receipt = %+v", r)
	}
	if len(r.Exchanges) != 1 {
		t.Fatalf("%d exchanges, want 1", len(r.Exchanges))
	}
	ex := r.Exchanges[0]
	if ex.Operation != r.Operation || ex.Community != e.community || ex.FromName != "Ana" || ex.ToName != "Bob" ||
		ex.FromKind != KindMember || ex.ToKind != KindMember || ex.Minutes != 45 || ex.Category != "production" ||
		ex.Note != "garden" || ex.Actor != ex.From || ex.ActorName != "Ana" || ex.Source != "console" ||
		ex.Reverses != 0 || ex.ReversedBy != 0 || !ex.CreatedAt.Equal(e.clock.Now()) {
		t.Errorf("exchange = %+v", ex)
	}
	e.wantBalances(map[Identity]int64{ana: -45, bob: 45})
	if e.commons() != 0 {
		t.Errorf("commons moved on a member gift")
	}
	e.verifyOK()
}

func TestGiveMultiRecipient(t *testing.T) {
	e := newEnv(t)
	r := e.mustGive(ana, 30, bob, cleo, dan)
	if len(r.Exchanges) != 3 || r.ActorBalance != -90 {
		t.Fatalf("receipt = %+v", r)
	}
	for i, want := range []string{"Bob", "Cleo", "Dan"} {
		ex := r.Exchanges[i]
		if ex.Operation != r.Operation || ex.ToName != want || ex.Minutes != 30 || ex.FromName != "Ana" {
			t.Errorf("exchange %d = %+v, want 30 to %s", i, ex, want)
		}
	}
	e.wantBalances(map[Identity]int64{ana: -90, bob: 30, cleo: 30, dan: 30})
	if n := e.count("operations"); n != 1 {
		t.Errorf("%d operations, want 1", n)
	}
	e.verifyOK()
}

// TestGiveAtTheLimits accepts every transfer that lands exactly on a bound:
// the limits are inclusive.
func TestGiveAtTheLimits(t *testing.T) {
	e := newEnv(t)
	e.mustGive(ana, 90, bob)  // MaxAmount exactly
	e.mustGive(ana, 30, bob)  // ana at the floor: -120
	e.mustGive(cleo, 60, bob) // bob at the ceiling: 180
	e.wantBalances(map[Identity]int64{ana: -120, bob: 180, cleo: -60})
	e.verifyOK()
}

func TestGiveRefusals(t *testing.T) {
	e := newEnv(t)
	// cleo near the ceiling (180), dan at 0, ana at -60 (floor -120).
	e.mustPay(90, cleo)
	e.mustPay(60, cleo)
	e.mustGive(ana, 60, bob)

	long := strings.Repeat("é", MaxNoteLength+1) // 281 runes but 562 bytes
	zoe := person("zoe")
	for _, tc := range []struct {
		name  string
		edit  func(*GiveRequest)
		code  Code
		limit *LimitError
	}{
		{"zero minutes", func(r *GiveRequest) { r.Minutes = 0 }, EINVALID, nil},
		{"negative minutes", func(r *GiveRequest) { r.Minutes = -30 }, EINVALID, nil},
		{"no recipient", func(r *GiveRequest) { r.Recipients = nil }, EINVALID, nil},
		{"no key", func(r *GiveRequest) { r.Key = "" }, EINVALID, nil},
		{"to oneself", func(r *GiveRequest) { r.Recipients = []Identity{ana} }, ESELF, nil},
		{"oneself among others", func(r *GiveRequest) { r.Recipients = []Identity{zoe, bob, ana} }, ESELF, nil},
		{"recipient twice", func(r *GiveRequest) { r.Recipients = []Identity{bob, dan, bob} }, EINVALID, nil},
		{"new recipient twice", func(r *GiveRequest) { r.Recipients = []Identity{zoe, zoe} }, EINVALID, nil},
		{"note too long", func(r *GiveRequest) { r.Note = long }, EINVALID, nil},
		{"recipient without user ID", func(r *GiveRequest) { r.Recipients = []Identity{{Platform: "console"}} }, EINVALID, nil},
		{"actor without platform", func(r *GiveRequest) { r.Actor = Identity{UserID: "x"} }, EINVALID, nil},
		{"over max amount", func(r *GiveRequest) { r.Minutes = 91 }, ELIMIT,
			&LimitError{Kind: LimitMaxAmount, Limit: 90, Amount: 91}},
		{"below floor", func(r *GiveRequest) { r.Minutes = 61 }, ELIMIT,
			&LimitError{Kind: LimitFloor, Account: "Ana", Limit: -120, Balance: -60, Amount: 61}},
		{"below floor with several recipients", func(r *GiveRequest) { r.Minutes = 31; r.Recipients = []Identity{dan, zoe} }, ELIMIT,
			&LimitError{Kind: LimitFloor, Account: "Ana", Limit: -120, Balance: -60, Amount: 62}},
		{"one recipient over the ceiling", func(r *GiveRequest) { r.Actor, r.Minutes, r.Recipients = bob, 31, []Identity{zoe, dan, cleo} }, ELIMIT,
			&LimitError{Kind: LimitCeiling, Account: "Cleo", Limit: 180, Balance: 150, Amount: 31}},
		{"commons to a recipient over the ceiling", func(r *GiveRequest) {
			r.Actor, r.FromCommons, r.Minutes, r.Recipients = mod, true, 31, []Identity{dan, cleo}
		}, ELIMIT, &LimitError{Kind: LimitCeiling, Account: "Cleo", Limit: 180, Balance: 150, Amount: 31}},
		{"commons over max amount", func(r *GiveRequest) { r.Actor, r.FromCommons, r.Minutes = mod, true, 91 }, ELIMIT,
			&LimitError{Kind: LimitMaxAmount, Limit: 90, Amount: 91}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := e.state()
			req := e.giveReq(ana, 10, dan)
			tc.edit(&req)
			r, err := e.db.Give(e.ctx, req)
			wantRefused(t, e, r, err, tc.code, tc.limit, before)
			if _, found, _ := e.db.Member(e.ctx, e.community, zoe); found {
				t.Error("a refused gift created the account of a new recipient")
			}
		})
	}
	e.verifyOK()
}

// TestGiveNoteCountsCharacters: the note limit is in characters, so a note of
// 280 two-byte characters fits and comes back intact.
func TestGiveNoteCountsCharacters(t *testing.T) {
	e := newEnv(t)
	for _, note := range []string{strings.Repeat("é", MaxNoteLength), strings.Repeat("🌱", MaxNoteLength)} {
		req := e.giveReq(ana, 1, bob)
		req.Note = note
		r, err := e.db.Give(e.ctx, req)
		if err != nil {
			t.Fatalf("note of %d runes (%d bytes): %v", MaxNoteLength, len(note), err)
		}
		if got := e.exchange(r.Exchanges[0].ID).Note; got != note {
			t.Fatalf("note came back as %q", got)
		}
	}
}

func TestCommonsGift(t *testing.T) {
	e := newEnv(t)
	e.mustGive(mod, 20, ana) // mod has a balance of their own: -20
	r := e.mustPay(90, bob, cleo)
	if r.Kind != OpCommons || r.ActorBalance != -20 || r.CommonsBalance != -180 || len(r.Exchanges) != 2 {
		t.Fatalf("receipt = %+v", r)
	}
	commons, err := e.db.Commons(e.ctx, e.community)
	if err != nil {
		t.Fatal(err)
	}
	for _, ex := range r.Exchanges {
		if ex.From != commons.ID || ex.FromKind != KindCommons || ex.ActorName != "Mod" || ex.Minutes != 90 {
			t.Errorf("exchange = %+v, want 90 from the commons by Mod", ex)
		}
	}
	// The commons went below the members' floor (-120): it is allowed to.
	e.wantBalances(map[Identity]int64{mod: -20, ana: 20, bob: 90, cleo: 90})
	if got := e.commons(); got != -180 {
		t.Errorf("commons = %d, want -180", got)
	}
	e.verifyOK()
}

func TestGiveIdempotentReplay(t *testing.T) {
	e := newEnv(t)
	req := e.giveReq(ana, 20, bob, cleo)
	req.Note = "soup"
	first, err := e.db.Give(e.ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	e.mustGive(dan, 5, ana) // ana's balance moves between the two deliveries
	before := e.state()
	for i := 0; i < 3; i++ {
		again, err := e.db.Give(e.ctx, req)
		if err != nil {
			t.Fatalf("replay %d: %v", i, err)
		}
		if !again.Replayed || first.Replayed {
			t.Fatalf("Replayed = %v then %v, want false then true", first.Replayed, again.Replayed)
		}
		if again.Operation != first.Operation || len(again.Exchanges) != len(first.Exchanges) {
			t.Fatalf("replay returned operation %d with %d exchanges, want %d with %d",
				again.Operation, len(again.Exchanges), first.Operation, len(first.Exchanges))
		}
		for j := range first.Exchanges {
			if again.Exchanges[j].ID != first.Exchanges[j].ID {
				t.Errorf("exchange %d: ID %d on replay, %d first", j, again.Exchanges[j].ID, first.Exchanges[j].ID)
			}
		}
		// ActorBalance is the balance now, not at the first delivery.
		if again.ActorBalance != -35 {
			t.Errorf("replay ActorBalance = %d, want -35", again.ActorBalance)
		}
	}
	e.wantUnchanged(before)
}

func TestGiveKeyReusedForOtherContent(t *testing.T) {
	e := newEnv(t)
	orig := e.giveReq(ana, 20, bob)
	orig.Category = "support"
	if _, err := e.db.Give(e.ctx, orig); err != nil {
		t.Fatal(err)
	}
	before := e.state()
	for _, tc := range []struct {
		name string
		edit func(*GiveRequest)
	}{
		{"other amount", func(r *GiveRequest) { r.Minutes = 21 }},
		{"other recipient", func(r *GiveRequest) { r.Recipients = []Identity{cleo} }},
		{"extra recipient", func(r *GiveRequest) { r.Recipients = []Identity{bob, cleo} }},
		{"other actor", func(r *GiveRequest) { r.Actor = dan }},
		{"other category", func(r *GiveRequest) { r.Category = "joy" }},
		{"other note", func(r *GiveRequest) { r.Note = "x" }},
		{"from the commons", func(r *GiveRequest) { r.FromCommons = true }},
		{"other platform", func(r *GiveRequest) { r.Recipients = []Identity{{Platform: "matrix", UserID: bob.UserID}} }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := orig
			tc.edit(&req)
			_, err := e.db.Give(e.ctx, req)
			wantCode(t, err, ECONFLICT)
			e.wantUnchanged(before)
		})
	}
	t.Run("undo", func(t *testing.T) {
		req := e.undoReq(ana)
		req.Key = orig.Key
		_, err := e.db.Undo(e.ctx, req)
		wantCode(t, err, ECONFLICT)
		e.wantUnchanged(before)
	})
	t.Run("reverse", func(t *testing.T) {
		req := e.reverseReq(1, "typo")
		req.Key = orig.Key
		_, err := e.db.Reverse(e.ctx, req)
		wantCode(t, err, ECONFLICT)
		e.wantUnchanged(before)
	})
}

// TestReplayAcrossRestart: a platform redelivers an event after the bot
// restarted; the key is in the file, not in memory.
func TestReplayAcrossRestart(t *testing.T) {
	ctx := context.Background()
	var req GiveRequest
	var first *Receipt
	db, c := restarted(t, Options{Durability: DurabilityNormal}, func(db *DB, c CommunityID) {
		req = GiveRequest{Header: Header{Community: c, Key: "$event:matrix", Source: "matrix", Actor: ana}, Recipients: []Identity{bob, cleo}, Minutes: 25, Limits: testLimits}
		var err error
		if first, err = db.Give(ctx, req); err != nil {
			t.Fatal(err)
		}
	})
	again, err := db.Give(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if !again.Replayed || again.Operation != first.Operation || again.Exchanges[1].ID != first.Exchanges[1].ID {
		t.Fatalf("after restart: %+v, want a replay of %+v", again, first)
	}
	other := req
	other.Minutes = 26
	_, err = db.Give(ctx, other)
	wantCode(t, err, ECONFLICT)
	a, _, _ := db.Member(ctx, c, ana)
	if a.Balance != -50 {
		t.Fatalf("ana = %d, want -50", a.Balance)
	}
}

// TestGiveHugeAmountsDoNotOverflow: under NoLimits, MaxAmount times several
// recipients passes int64. The ledger must refuse rather than let SQLite
// turn a balance into a floating-point number.
func TestGiveHugeAmountsDoNotOverflow(t *testing.T) {
	e := newEnv(t)
	e.limits = NoLimits()
	many := []Identity{bob, cleo, dan, person("eve"), person("fay")}
	for _, tc := range []struct {
		name    string
		commons bool
	}{{"member", false}, {"commons", true}} {
		t.Run(tc.name, func(t *testing.T) {
			before := e.state()
			req := e.giveReq(ana, e.limits.MaxAmount, many...)
			if tc.commons {
				req.Actor, req.FromCommons = mod, true
			}
			_, err := e.db.Give(e.ctx, req)
			wantCode(t, err, ELIMIT)
			if lerr := err.(*LimitError); lerr.Kind != LimitFloor || lerr.Amount != math.MaxInt64 {
				t.Errorf("LimitError = %+v, want a floor with a saturated amount", lerr)
			}
			e.wantUnchanged(before)
		})
	}
	// Amounts that fit still go through.
	e.mustGive(ana, e.limits.MaxAmount, bob)
	e.verifyOK()
}

// TestGiveTimestampsFollowTheClock: each write reads the injected clock.
func TestGiveTimestampsFollowTheClock(t *testing.T) {
	e := newEnv(t)
	r1 := e.mustGive(ana, 1, bob)
	e.clock.Advance(90 * time.Second)
	r2 := e.mustGive(ana, 1, bob)
	if d := r2.CreatedAt.Sub(r1.CreatedAt); d != 90*time.Second {
		t.Fatalf("second gift %s after the first, want 1m30s", d)
	}
	if r2.Exchanges[0].CreatedAt != r2.CreatedAt || r2.CreatedAt.Location() != time.UTC {
		t.Fatalf("exchange at %v, operation at %v", r2.Exchanges[0].CreatedAt, r2.CreatedAt)
	}
}

// TestReplayAfterLimitsChanged: a community lowered its limits (config
// reload, restart) while a platform was redelivering an event recorded under
// the old ones. The redelivery must get the original receipt, not a refusal
// for a gift that did happen.
func TestReplayAfterLimitsChanged(t *testing.T) {
	e := newEnv(t)
	req := e.giveReq(ana, 80, bob)
	first, err := e.db.Give(e.ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	for _, limits := range []Limits{
		{Floor: -120, Ceiling: 180, MaxAmount: 30}, // the amount is now too large
		{Floor: -60, Ceiling: 180, MaxAmount: 90},  // ana is now below the floor
		{Floor: -120, Ceiling: 60, MaxAmount: 90},  // bob is now above the ceiling
	} {
		before := e.state()
		req.Limits = limits
		again, err := e.db.Give(e.ctx, req)
		if err != nil {
			t.Fatalf("replay under %+v: %v", limits, err)
		}
		if !again.Replayed || again.Operation != first.Operation {
			t.Fatalf("replay under %+v = %+v", limits, again)
		}
		e.wantUnchanged(before)
	}
}

// A gift's receipt is built inside its transaction; a replay reads it back
// from the tables. Both must say the same, or a redelivered command would
// be answered with other numbers.
func TestFreshReceiptEqualsReplayedReceipt(t *testing.T) {
	e := newEnv(t)
	e.mustGive(bob, 30, ana)
	for name, req := range map[string]GiveRequest{
		"one recipient": e.giveReq(ana, 20, bob),
		"several":       e.giveReq(ana, 10, bob, cleo, dan),
		"commons":       func() GiveRequest { r := e.giveReq(mod, 15, bob, cleo); r.FromCommons = true; return r }(),
	} {
		req.Category, req.Note = "joy", "n"
		fresh, err := e.db.Give(e.ctx, req)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		again, err := e.db.Give(e.ctx, req)
		if err != nil || !again.Replayed {
			t.Fatalf("%s: replay %v, replayed=%v", name, err, again != nil && again.Replayed)
		}
		again.Replayed = false
		if !reflect.DeepEqual(fresh, again) {
			t.Errorf("%s:\nfresh  %+v\nreplay %+v", name, fresh, again)
		}
		if want := e.balance(req.Actor); fresh.ActorBalance != want {
			t.Errorf("%s: receipt says actor balance %d, ledger %d", name, fresh.ActorBalance, want)
		}
		if req.FromCommons && fresh.CommonsBalance != e.commons() {
			t.Errorf("%s: receipt says commons %d, ledger %d", name, fresh.CommonsBalance, e.commons())
		}
	}
	e.verifyOK()
}
