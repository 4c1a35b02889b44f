package ledger

import (
	"reflect"
	"testing"
)

var (
	mod2 = person("mod2")
)

func (e *env) payReq(actor Identity, minutes int64, to ...Identity) GiveRequest {
	r := e.giveReq(actor, minutes, to...)
	r.FromCommons = true
	return r
}

func (e *env) decide(actor Identity, number int, approve, moderator bool, reason string) (*CommonsPaymentReceipt, error) {
	return e.db.DecideCommonsPayment(e.ctx, PaymentDecision{Header: e.header(actor), Number: number, Approve: approve, Moderator: moderator, Reason: reason, Limits: e.limits})
}

// A moderator paying themselves from the commons is held: Give refuses it,
// the request moves nothing, and only another moderator who is not paid
// by it approves it, once.
func TestCommonsPaymentToSelfWaitsForAnotherModerator(t *testing.T) {
	e := newEnv(t)
	e.members(mod, mod2, bob)
	_, err := e.db.Give(e.ctx, e.payReq(mod, 30, mod, bob))
	wantCode(t, err, EAPPROVAL)

	before := e.state()
	req := e.payReq(mod, 30, mod, bob)
	req.Note = "minutes of the assembly"
	held, err := e.db.RequestCommonsPayment(e.ctx, req)
	if err != nil || held.Payment.Number != 1 || held.Payment.State != PaymentPending || held.Gift != nil ||
		held.Payment.Requester.Name != "Mod" || names(held.Payment.Recipients) != "Mod,Bob" {
		t.Fatalf("request: %+v, %v", held, err)
	}
	e.wantUnchanged(before) // nothing moves
	again, err := e.db.RequestCommonsPayment(e.ctx, req)
	if err != nil || !again.Replayed || again.Payment.Number != 1 {
		t.Fatalf("replayed request: %+v, %v", again, err)
	}
	if ps, err := e.db.CommonsPayments(e.ctx, e.community, true); err != nil || len(ps) != 1 {
		t.Fatalf("pending: %+v, %v", ps, err)
	}

	for _, tc := range []struct {
		name      string
		actor     Identity
		approve   bool
		moderator bool
		want      Code
	}{
		{"the requester approves", mod, true, true, ESAMEPERSON},
		{"a member approves", cleo, true, false, EFORBIDDEN},
		{"a moderator paid by it approves", bob, true, true, ESAMEPERSON},
		{"a member rejects", cleo, false, false, EFORBIDDEN},
	} {
		_, err := e.decide(tc.actor, 1, tc.approve, tc.moderator, "")
		if ErrorCode(err) != tc.want {
			t.Errorf("%s: %v, want %s", tc.name, err, tc.want)
		}
	}
	e.wantUnchanged(before)
	if _, err := e.decide(mod2, 2, true, true, ""); ErrorCode(err) != ENOTFOUND {
		t.Errorf("approve #2: %v", err)
	}

	commons := e.commons()
	key := nextKey()
	approve := PaymentDecision{Header: Header{Community: e.community, Key: key, Source: "console", Actor: mod2}, Number: 1, Approve: true,
		Moderator: true, Limits: e.limits}
	fresh, err := e.db.DecideCommonsPayment(e.ctx, approve)
	if err != nil || fresh.Payment.State != PaymentApproved || fresh.Payment.Decider == nil || fresh.Payment.Decider.Name != "Mod2" ||
		fresh.Gift == nil || len(fresh.Gift.Exchanges) != 2 || fresh.Payment.Operation != fresh.Gift.Operation {
		t.Fatalf("approve: %+v, %v", fresh, err)
	}
	for _, x := range fresh.Gift.Exchanges {
		if x.ActorName != "Mod2" || x.FromKind != KindCommons || x.Minutes != 30 || x.Note != "minutes of the assembly" {
			t.Errorf("entry %+v", x)
		}
	}
	e.wantBalances(map[Identity]int64{mod: 30, bob: 30, mod2: 0})
	if e.commons() != commons-60 {
		t.Errorf("commons %d, want %d", e.commons(), commons-60)
	}
	replay, err := e.db.DecideCommonsPayment(e.ctx, approve)
	if err != nil || !replay.Replayed || replay.Gift == nil {
		t.Fatalf("replayed approval: %+v, %v", replay, err)
	}
	replay.Gift.Replayed = false
	if !reflect.DeepEqual(fresh.Gift, replay.Gift) {
		t.Errorf("approval receipt\nfresh  %+v\nreplay %+v", fresh.Gift, replay.Gift)
	}
	if _, err := e.decide(mod2, 1, true, true, ""); ErrorCode(err) != ECLOSED {
		t.Errorf("approved twice: %v", err)
	}
	if ps, _ := e.db.CommonsPayments(e.ctx, e.community, true); len(ps) != 0 {
		t.Errorf("still pending: %+v", ps)
	}
	e.verifyOK()
}

func TestCommonsPaymentRejected(t *testing.T) {
	e := newEnv(t)
	e.members(mod, mod2)
	if _, err := e.db.RequestCommonsPayment(e.ctx, e.payReq(mod, 20, mod)); err != nil {
		t.Fatal(err)
	}
	before := e.state()
	// The requester may take their own request back.
	rec, err := e.decide(mod, 1, false, false, "typed twice")
	if err != nil || rec.Payment.State != PaymentRejected || rec.Payment.Reason != "typed twice" || rec.Gift != nil {
		t.Fatalf("reject: %+v, %v", rec, err)
	}
	e.wantUnchanged(before)
	if _, err := e.decide(mod2, 1, true, true, ""); ErrorCode(err) != ECLOSED {
		t.Errorf("approve after reject: %v", err)
	}
	// A held payment is checked against the limits when it is approved.
	req := e.payReq(mod, 100, mod)
	_, err = e.db.RequestCommonsPayment(e.ctx, req)
	wantLimit(t, err, LimitError{Kind: LimitMaxAmount, Limit: 90, Amount: 100})
	e.wantUnchanged(before)
}
