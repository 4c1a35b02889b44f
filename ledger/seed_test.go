package ledger

import (
	"context"
	"os"
	"testing"
	"time"
)

func TestSeedVerifiesClean(t *testing.T) {
	e := newEnv(t)
	start := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	// More exchanges than one batch holds, so that balances are proven
	// exact across transactions, not only within one.
	const members, exchanges = 40, seedBatch + 1234
	res, err := e.db.Seed(e.ctx, SeedOptions{
		Community: e.community, Platform: "bench", Members: members, Exchanges: exchanges,
		Seed: 7, Start: start, Span: 30 * 24 * time.Hour,
	})
	if err != nil {
		t.Fatalf("Seed: %v", err)
	}
	if res.Members != members || res.Exchanges != exchanges {
		t.Fatalf("Seed made %d members and %d exchanges, want %d and %d", res.Members, res.Exchanges, members, exchanges)
	}

	rep, err := e.db.Verify(e.ctx)
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	if !rep.OK() {
		t.Fatalf("Verify found problems: %v", rep.Problems)
	}
	// The commons of the community, plus the members.
	if rep.Accounts != members+1 || rep.Exchanges != exchanges {
		t.Errorf("Verify counted %d accounts and %d exchanges, want %d and %d", rep.Accounts, rep.Exchanges, members+1, exchanges)
	}

	// Seeded members are ordinary members: the bot finds them by identity
	// and their history reads like any other.
	id := Identity{Platform: "bench", UserID: SeedUserID(3)}
	acct, found, err := e.db.Member(e.ctx, e.community, id)
	if err != nil || !found {
		t.Fatalf("Member(%s) = found %v, err %v", SeedUserID(3), found, err)
	}
	if acct.Name != SeedUserName(3) || acct.ID != res.FirstAccount+2 {
		t.Errorf("member 3 is %q (account %d), want %q (account %d)", acct.Name, acct.ID, SeedUserName(3), res.FirstAccount+2)
	}
	hp, err := e.db.History(e.ctx, e.community, id, 1, 10)
	if err != nil || len(hp.Entries) != 10 {
		t.Fatalf("History: %d entries, err %v", len(hp.Entries), err)
	}
	for _, x := range hp.Entries {
		if x.Minutes < 15 || x.Minutes > 240 || x.From == x.To || x.Category == "" {
			t.Errorf("implausible seeded entry %+v", x)
		}
		if x.CreatedAt.After(start) || x.CreatedAt.Before(start.Add(-30*24*time.Hour)) {
			t.Errorf("entry #%d at %s, outside the span", x.ID, x.CreatedAt)
		}
	}
	var firstAt, lastAt int64
	if err := e.db.reader.QueryRow("SELECT MIN(created_at), MAX(created_at) FROM exchanges").Scan(&firstAt, &lastAt); err != nil {
		t.Fatal(err)
	}
	if lastAt != start.Unix() || firstAt < start.Add(-30*24*time.Hour).Unix() || firstAt > start.Add(-29*24*time.Hour).Unix() {
		t.Errorf("entries run from %s to %s, want the 30 days up to %s", unixUTC(firstAt), unixUTC(lastAt), start)
	}

	// Gifts after seeding land beside the seeded journal and verify clean.
	// Seeded balances ignore limits, so the gift must too.
	e.limits = NoLimits()
	if _, err := e.give(id, 30, Identity{Platform: "bench", UserID: SeedUserID(4)}); err != nil {
		t.Fatalf("give after seed: %v", err)
	}
	if rep, err := e.db.Verify(e.ctx); err != nil || !rep.OK() {
		t.Fatalf("Verify after a gift: %v %v", rep.Problems, err)
	}

	// Seeding the same members twice is refused, and the refusal leaves
	// the ledger as it was.
	if _, err := e.db.Seed(e.ctx, SeedOptions{Community: e.community, Platform: "bench", Members: 2, Exchanges: 1}); err == nil {
		t.Error("seeding the same identities twice succeeded")
	}
	if rep, err := e.db.Verify(e.ctx); err != nil || !rep.OK() || rep.Exchanges != exchanges+1 {
		t.Fatalf("Verify after a refused seed: %d exchanges, %v %v", rep.Exchanges, rep.Problems, err)
	}
}

func TestSeedIsDeterministic(t *testing.T) {
	balances := func() []int64 {
		e := newEnv(t)
		if _, err := e.db.Seed(e.ctx, SeedOptions{Community: e.community, Platform: "bench", Members: 5, Exchanges: 300, Seed: 42}); err != nil {
			t.Fatal(err)
		}
		accts, err := e.db.Accounts(e.ctx, e.community)
		if err != nil {
			t.Fatal(err)
		}
		out := make([]int64, len(accts))
		for i, a := range accts {
			out[i] = a.Balance
		}
		return out
	}
	a, b := balances(), balances()
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("same seed, different balances: %v and %v", a, b)
		}
	}
}

func TestSeedRefusesBadOptions(t *testing.T) {
	e := newEnv(t)
	for _, opts := range []SeedOptions{
		{Platform: "bench", Members: 2},
		{Community: e.community, Members: 2},
		{Community: e.community, Platform: "bench", Members: 1, Exchanges: 1},
		{Community: e.community, Platform: "bench", Members: -1},
	} {
		if _, err := e.db.Seed(e.ctx, opts); ErrorCode(err) != EINVALID {
			t.Errorf("Seed(%+v) = %v, want an EINVALID error", opts, err)
		}
	}
}

func TestSeedStopsWhenCancelled(t *testing.T) {
	e := newEnv(t)
	ctx, cancel := context.WithCancel(e.ctx)
	cancel()
	_, err := e.db.Seed(ctx, SeedOptions{Community: e.community, Platform: "bench", Members: 3, Exchanges: 10})
	if err == nil {
		t.Fatal("Seed with a cancelled context succeeded")
	}
	if rep, err := e.db.Verify(e.ctx); err != nil || !rep.OK() {
		t.Fatalf("Verify after a cancelled seed: %v %v", rep.Problems, err)
	}
}

func TestMeasureRawInserts(t *testing.T) {
	for _, d := range []Durability{DurabilityNormal, DurabilityFull} {
		t.Run(string(d), func(t *testing.T) {
			dir := t.TempDir()
			res, err := MeasureRawInserts(context.Background(), dir, 50, d)
			if err != nil {
				t.Fatalf("MeasureRawInserts: %v", err)
			}
			if res.Inserts != 50 || res.Took <= 0 || res.PerSecond <= 0 {
				t.Errorf("implausible result %+v", res)
			}
			if res.P50 <= 0 || res.P99 < res.P50 || res.P99 > res.Took {
				t.Errorf("implausible latencies p50 %s, p99 %s in %s", res.P50, res.P99, res.Took)
			}
			// The scratch database is gone: nothing is left beside the ledger.
			if left, _ := os.ReadDir(dir); len(left) != 0 {
				t.Errorf("scratch files left behind: %v", left)
			}
		})
	}
	if _, err := MeasureRawInserts(context.Background(), t.TempDir(), 0, DurabilityFull); err == nil {
		t.Error("n = 0 was accepted")
	}
	if _, err := MeasureRawInserts(context.Background(), t.TempDir(), 5, "fast"); err == nil {
		t.Error("an unknown durability was accepted")
	}
}

func TestPercentile(t *testing.T) {
	var lat []time.Duration
	for i := 1; i <= 100; i++ {
		lat = append(lat, time.Duration(i))
	}
	if p := percentile(lat, 0.5); p != 50 {
		t.Errorf("p50 of 1..100 = %d, want 50", p)
	}
	if p := percentile(lat, 0.99); p != 99 {
		t.Errorf("p99 of 1..100 = %d, want 99", p)
	}
	if p := percentile(lat[:1], 0.99); p != 1 {
		t.Errorf("p99 of one value = %d, want it", p)
	}
	if p := percentile(nil, 0.5); p != 0 {
		t.Errorf("p50 of nothing = %d, want 0", p)
	}
}
