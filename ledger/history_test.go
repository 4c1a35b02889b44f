package ledger

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"testing"
)

// seedHistory gives ana 26 entries in both directions, interleaved with
// entries she has no part in, and returns her entry IDs oldest first.
func seedHistory(e *env) []ExchangeID {
	e.t.Helper()
	var ids []ExchangeID
	for i := 1; i <= 26; i++ {
		e.mustGive(cleo, 1, dan) // noise: not ana's
		var r *Receipt
		if i%3 == 0 {
			r = e.mustGive(bob, int64(i), ana)
		} else {
			r = e.mustGive(ana, 1, bob)
		}
		ids = append(ids, r.Exchanges[0].ID)
	}
	return ids
}

func TestHistoryPages(t *testing.T) {
	e := newEnv(t)
	e.limits = NoLimits()
	oldest := seedHistory(e)
	newest := make([]ExchangeID, len(oldest))
	for i, id := range oldest {
		newest[len(oldest)-1-i] = id
	}

	for _, tc := range []struct{ page, size int }{
		{1, 10}, {2, 10}, {3, 10}, {4, 10},
		{1, 1}, {26, 1}, {27, 1},
		{1, 13}, {2, 13}, {3, 13},
		{1, 25}, {2, 25}, {1, 26}, {1, 100},
	} {
		t.Run(fmt.Sprintf("page %d of %d", tc.page, tc.size), func(t *testing.T) {
			hp, err := e.db.History(e.ctx, e.community, ana, tc.page, tc.size)
			if err != nil {
				t.Fatal(err)
			}
			lo := min((tc.page-1)*tc.size, len(newest))
			hi := min(lo+tc.size, len(newest))
			want := newest[lo:hi]
			var got []ExchangeID
			for _, ex := range hp.Entries {
				got = append(got, ex.ID)
			}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("entries %v, want %v", got, want)
			}
			if wantMore := hi < len(newest); hp.HasMore != wantMore {
				t.Errorf("HasMore = %v, want %v", hp.HasMore, wantMore)
			}
			if !hp.Found || hp.Page != tc.page || hp.Account.Name != "Ana" {
				t.Errorf("page = %+v", hp)
			}
		})
	}
}

func TestHistoryUnknownMember(t *testing.T) {
	e := newEnv(t)
	e.mustGive(ana, 10, bob)
	other := e.ensure("other")
	before := e.state()
	hp, err := e.db.History(e.ctx, e.community, dan, 1, 10)
	if err != nil {
		t.Fatal(err)
	}
	if hp.Found || len(hp.Entries) != 0 || hp.HasMore || hp.Account.Balance != 0 || hp.Account.Name != "Dan" {
		t.Fatalf("history of an unknown member = %+v", hp)
	}
	// A member of another community is unknown here.
	if hp, err := e.db.History(e.ctx, other, ana, 1, 10); err != nil || hp.Found {
		t.Fatalf("ana in another community = %+v, %v", hp, err)
	}
	e.wantUnchanged(before)
}

func TestHistoryRefusesBadPages(t *testing.T) {
	e := newEnv(t)
	e.mustGive(ana, 10, bob)
	for _, tc := range []struct{ page, size int }{{0, 10}, {-1, 10}, {1, 0}, {1, -5}} {
		if _, err := e.db.History(e.ctx, e.community, ana, tc.page, tc.size); ErrorCode(err) != EINVALID {
			t.Errorf("History page %d size %d: %v, want EINVALID", tc.page, tc.size, err)
		}
		if _, err := e.db.CommonsHistory(e.ctx, e.community, tc.page, tc.size); ErrorCode(err) != EINVALID {
			t.Errorf("CommonsHistory page %d size %d: %v, want EINVALID", tc.page, tc.size, err)
		}
	}
}

// TestHistoryHugePage: a page number typed by a user can be anything; far
// past the end is an empty page, never page 1 under another number.
func TestHistoryHugePage(t *testing.T) {
	e := newEnv(t)
	seedHistory(e)
	for _, tc := range []struct{ page, size int }{
		{1 << 40, 10}, {math.MaxInt64 / 10, 10}, {math.MaxInt64/10 + 1, 10}, {math.MaxInt64, 10}, {math.MaxInt64, math.MaxInt64},
	} {
		hp, err := e.db.History(e.ctx, e.community, ana, tc.page, tc.size)
		if err != nil {
			t.Fatalf("page %d size %d: %v", tc.page, tc.size, err)
		}
		if len(hp.Entries) != 0 || hp.HasMore {
			t.Errorf("page %d size %d: %d entries, HasMore %v; want none", tc.page, tc.size, len(hp.Entries), hp.HasMore)
		}
	}
	// A huge size on page 1 is everything.
	hp, err := e.db.History(e.ctx, e.community, ana, 1, math.MaxInt64)
	if err != nil || len(hp.Entries) != 26 || hp.HasMore {
		t.Fatalf("page 1 of size MaxInt64: %d entries, HasMore %v, %v", len(hp.Entries), hp.HasMore, err)
	}
}

func TestCommonsHistory(t *testing.T) {
	e := newEnv(t)
	p1 := e.mustPay(30, bob)
	e.mustGive(ana, 5, bob)
	p2 := e.mustPay(20, cleo, dan)
	hp, err := e.db.CommonsHistory(e.ctx, e.community, 1, 2)
	if err != nil {
		t.Fatal(err)
	}
	if hp.Account.Kind != KindCommons || hp.Account.Balance != -70 || !hp.HasMore || len(hp.Entries) != 2 ||
		hp.Entries[0].ID != p2.Exchanges[1].ID || hp.Entries[1].ID != p2.Exchanges[0].ID {
		t.Fatalf("commons page 1 = %+v", hp)
	}
	hp, err = e.db.CommonsHistory(e.ctx, e.community, 2, 2)
	if err != nil || hp.HasMore || len(hp.Entries) != 1 || hp.Entries[0].ID != p1.Exchanges[0].ID {
		t.Fatalf("commons page 2 = %+v, %v", hp, err)
	}
}

func TestStatement(t *testing.T) {
	e := newEnv(t)
	e.limits = NoLimits()
	ids := seedHistory(e)
	r := e.mustGive(ana, 7, bob)
	if _, err := e.db.Undo(e.ctx, e.undoReq(ana)); err != nil {
		t.Fatal(err)
	}
	ids = append(ids, r.Exchanges[0].ID, r.Exchanges[0].ID+1)

	acct, entries, err := e.db.Statement(e.ctx, e.community, ana)
	if err != nil {
		t.Fatal(err)
	}
	var got []ExchangeID
	var sum int64
	for _, ex := range entries {
		got = append(got, ex.ID)
		switch acct.ID {
		case ex.To:
			sum += ex.Minutes
		case ex.From:
			sum -= ex.Minutes
		default:
			t.Errorf("entry %d is not ana's", ex.ID)
		}
	}
	if fmt.Sprint(got) != fmt.Sprint(ids) {
		t.Fatalf("statement %v, want %v (oldest first)", got, ids)
	}
	// The undo pair is in the statement, linked both ways.
	if last := entries[len(entries)-1]; last.Reverses != entries[len(entries)-2].ID || entries[len(entries)-2].ReversedBy != last.ID {
		t.Errorf("undo pair not linked: %+v / %+v", entries[len(entries)-2], last)
	}
	if sum != acct.Balance {
		t.Errorf("statement sums to %d, balance is %d", sum, acct.Balance)
	}
	// Each entry carries the hash the chain holds for it, the one the
	// whole journal's export shows.
	chained := map[ExchangeID][]byte{}
	if err := e.db.EachExchange(e.ctx, func(ex Exchange) error { chained[ex.ID] = ex.Hash; return nil }); err != nil {
		t.Fatal(err)
	}
	for _, ex := range entries {
		if len(ex.Hash) != 32 || !bytes.Equal(ex.Hash, chained[ex.ID]) {
			t.Errorf("entry %d: hash %x, the chain has %x", ex.ID, ex.Hash, chained[ex.ID])
		}
	}

	acct, entries, err = e.db.Statement(e.ctx, e.community, person("zoe"))
	if err != nil || entries != nil || acct.ID != 0 {
		t.Fatalf("statement of an unknown member = %+v %v %v", acct, entries, err)
	}
}

func TestEachExchange(t *testing.T) {
	e := newEnv(t)
	e.mustGive(ana, 10, bob, cleo)
	e.mustPay(5, dan)
	other := e.ensure("other")
	if _, err := e.db.Give(e.ctx, GiveRequest{Header: Header{Community: other, Key: nextKey(), Source: "console", Actor: ana}, Recipients: []Identity{bob}, Minutes: 5, Limits: testLimits}); err != nil {
		t.Fatal(err)
	}
	r := e.mustGive(cleo, 3, ana)
	if _, err := e.db.Reverse(e.ctx, e.reverseReq(r.Exchanges[0].ID, "x")); err != nil {
		t.Fatal(err)
	}

	var seen []ExchangeID
	communities := map[CommunityID]int{}
	err := e.db.EachExchange(e.ctx, func(ex Exchange) error {
		seen = append(seen, ex.ID)
		communities[ex.Community]++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(seen) != "[1 2 3 4 5 6]" || communities[e.community] != 5 || communities[other] != 1 {
		t.Fatalf("visited %v in %v", seen, communities)
	}

	// fn's error stops the walk and comes back as is.
	stop := errors.New("stop")
	n := 0
	err = e.db.EachExchange(e.ctx, func(Exchange) error { n++; return stop })
	if !errors.Is(err, stop) || n != 1 {
		t.Fatalf("EachExchange returned %v after %d calls, want stop after 1", err, n)
	}
}
