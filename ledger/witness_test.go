package ledger

import (
	"errors"
	"strconv"
	"strings"
	"testing"
)

func TestParseWitness(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Witness
		err  string
	}{
		{in: "12:0123456789ab", want: Witness{Position: 12, Hash: "0123456789ab"}},
		{in: " coop:3:ABCDEF0123 ", want: Witness{Slug: "coop", Position: 3, Hash: "abcdef0123"}},
		{in: "1:" + strings.Repeat("f", 64), want: Witness{Position: 1, Hash: strings.Repeat("f", 64)}},
		{in: "0123456789ab", err: "position:hash"},
		{in: "a:b:c:d", err: "position:hash"},
		{in: "0:0123456789ab", err: "whole number from 1"},
		{in: "x:0123456789ab", err: "whole number from 1"},
		{in: "3:0123456", err: "8 to 64 hexadecimal digits"},
		{in: "3:" + strings.Repeat("f", 65), err: "8 to 64 hexadecimal digits"},
		{in: "3:0123456789ag", err: "8 to 64 hexadecimal digits"},
	} {
		got, err := ParseWitness(tc.in)
		switch {
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("ParseWitness(%q) error %v, want one saying %q", tc.in, err, tc.err)
		case tc.err == "" && (err != nil || got != tc.want):
			t.Errorf("ParseWitness(%q) = %+v, %v; want %+v", tc.in, got, err, tc.want)
		}
	}
}

// witnessOf is the head now, as a member would copy it from a newsletter,
// with the community in front.
func (e *env) witnessOf() Witness {
	e.t.Helper()
	h, err := e.db.ChainHead(e.ctx, e.community)
	if err != nil {
		e.t.Fatal(err)
	}
	w, err := ParseWitness(h.Slug + ":" + h.Short())
	if err != nil {
		e.t.Fatal(err)
	}
	return w
}

// rechain drops the chain and computes it again from the records as
// they are: what someone with the file does after rewriting a record so
// that the chain alone still holds.
func (e *env) rechain() {
	e.t.Helper()
	e.rawExec("DROP TRIGGER chain_append_only_delete", "DELETE FROM chain")
	tx, err := e.db.begin(e.ctx)
	if err != nil {
		e.t.Fatal(err)
	}
	if err := chainExisting(e.ctx, tx); err != nil {
		e.t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		e.t.Fatal(err)
	}
}

func TestWitnessesHoldOnAnHonestLedger(t *testing.T) {
	e := newEnv(t)
	mixedWorkload(e)
	early := e.witnessOf()
	e.mustGive(ana, 10, bob)
	now := e.witnessOf()
	rep, err := e.db.Verify(e.ctx, early, now, Witness{Slug: "test", Position: early.Position, Hash: early.Hash[:8]})
	if err != nil || !rep.OK() || len(rep.Witnessed) != 3 {
		t.Fatalf("verify with witnesses: %v, problems:\n%s\nwitnessed %v", err, problems(rep), rep.Witnessed)
	}
}

// The record is rewritten and the whole chain computed again: the chain
// holds by itself, and only a head a member kept from before tells.
func TestWitnessCatchesARechainedRewrite(t *testing.T) {
	e := newEnv(t)
	mixedWorkload(e)
	r := e.mustGive(ana, 10, bob)
	kept := e.witnessOf()
	e.mustGive(bob, 5, cleo)

	x := r.Exchanges[0]
	upd := e.triggerSQL("exchanges_append_only_update")
	e.rawExec("DROP TRIGGER exchanges_append_only_update",
		"UPDATE exchanges SET minutes = minutes + 50 WHERE id = "+strconv.FormatInt(int64(x.ID), 10),
		"UPDATE accounts SET balance = balance - 50 WHERE id = "+strconv.FormatInt(int64(x.From), 10),
		"UPDATE accounts SET balance = balance + 50 WHERE id = "+strconv.FormatInt(int64(x.To), 10),
		upd)
	e.rechain()
	e.verifyOK() // without a witness, nothing shows

	rep, err := e.db.Verify(e.ctx, kept)
	if err != nil {
		t.Fatal(err)
	}
	want := "chain: community test entry " + strconv.FormatInt(kept.Position, 10) + " has hash "
	if all := problems(rep); len(rep.Problems) != 1 || !strings.HasPrefix(all, want) || !strings.Contains(all, "the history up to it was rewritten") || len(rep.Witnessed) != 0 {
		t.Fatalf("problems:\n%s\nwant one starting %q", all, want)
	}
}

// The last gifts deleted, balances fixed, the chain computed again: it is
// shorter than a head a member kept.
func TestWitnessCatchesDeletedHistory(t *testing.T) {
	e := newEnv(t)
	e.limits = NoLimits()
	e.mustGive(ana, 10, bob)
	r := e.mustGive(bob, 5, cleo)
	kept := e.witnessOf()

	x := r.Exchanges[0]
	del := e.triggerSQL("exchanges_append_only_delete")
	opDel := e.triggerSQL("operations_append_only_delete")
	e.rawExec("DROP TRIGGER exchanges_append_only_delete", "DROP TRIGGER operations_append_only_delete",
		"DELETE FROM exchanges WHERE id = "+strconv.FormatInt(int64(x.ID), 10),
		"DELETE FROM operations WHERE id = "+strconv.FormatInt(int64(r.Operation), 10),
		"UPDATE accounts SET balance = balance + 5 WHERE id = "+strconv.FormatInt(int64(x.From), 10),
		"UPDATE accounts SET balance = balance - 5 WHERE id = "+strconv.FormatInt(int64(x.To), 10),
		del, opDel)
	e.rechain()
	e.verifyOK()

	rep, err := e.db.Verify(e.ctx, kept)
	if err != nil {
		t.Fatal(err)
	}
	if all := problems(rep); len(rep.Problems) != 1 || !strings.Contains(all, "but a witness kept entry "+strconv.FormatInt(kept.Position, 10)) ||
		!strings.Contains(all, "entries were deleted") {
		t.Fatalf("problems:\n%s\nwant one saying entries were deleted", all)
	}
}

func TestWitnessNamingNoCommunity(t *testing.T) {
	e := newEnv(t)
	e.mustGive(ana, 10, bob)
	w := e.witnessOf()
	w.Slug = ""
	// With one community, a head as the newsletter prints it is enough.
	if rep, err := e.db.Verify(e.ctx, w); err != nil || !rep.OK() || len(rep.Witnessed) != 1 {
		t.Fatalf("witness %s on a ledger of one community: %v %v %v", w, err, rep.Problems, rep.Witnessed)
	}
	for _, tc := range []struct {
		name   string
		w      Witness
		second bool
		reason string
	}{
		{"unknown community", Witness{Slug: "elsewhere", Position: w.Position, Hash: w.Hash}, false, `no community "elsewhere"`},
		{"two communities, none named", w, true, "the ledger holds 2 communities: write it community:"},
	} {
		if tc.second {
			e.ensure("other")
		}
		rep, err := e.db.Verify(e.ctx, tc.w)
		var we *WitnessError
		if !errors.As(err, &we) || !strings.Contains(err.Error(), tc.reason) || len(rep.Problems) != 0 {
			t.Errorf("%s: %v (problems %v), want a WitnessError saying %q", tc.name, err, rep.Problems, tc.reason)
		}
	}
}
