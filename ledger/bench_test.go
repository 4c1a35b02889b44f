package ledger

import (
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"runtime"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// benchEnv is newEnv with a chosen durability and the real clock, so that
// BenchmarkGive measures what a deployment would see.
func benchEnv(b *testing.B, d Durability) *env {
	b.Helper()
	path := filepath.Join(b.TempDir(), "ledger.db")
	db := openFile(b, path, Options{Durability: d, Now: time.Now})
	e := &env{t: b, ctx: b.Context(), db: db, path: path, clock: newClock(), limits: NoLimits()}
	e.community = e.ensure("bench")
	return e
}

// people are n members, m0 to m(n-1), as the benchmarks give between.
func people(n int) []Identity {
	members := make([]Identity, n)
	for i := range members {
		members[i] = person(fmt.Sprintf("m%d", i))
	}
	return members
}

func BenchmarkGive(b *testing.B) {
	for _, d := range []Durability{DurabilityNormal, DurabilityFull} {
		b.Run(string(d), func(b *testing.B) {
			e := benchEnv(b, d)
			members := people(10)
			i := 0
			cpu := processCPU()
			for b.Loop() {
				if _, err := e.give(members[i%10], 1+int64(i%60), members[(i+1)%10]); err != nil {
					b.Fatal(err)
				}
				i++
			}
			// CPU time tells the work done even when the machine is shared
			// and the wall clock measures the neighbours too.
			b.ReportMetric(float64(processCPU()-cpu)/float64(b.N), "cpu-ns/op")
		})
	}
}

// BenchmarkGiveConcurrent gives from 8 goroutines at once (4 per core
// on 2 cores), as members typing together: group commit lets them share
// commits. Compare with BenchmarkRawInsert of the same run.
func BenchmarkGiveConcurrent(b *testing.B) {
	for _, d := range []Durability{DurabilityNormal, DurabilityFull} {
		b.Run(string(d), func(b *testing.B) {
			e := benchEnv(b, d)
			members := people(16)
			var next atomic.Int64
			before, cpu := e.db.CommitStats(), processCPU()
			b.SetParallelism(max(1, 8/runtime.GOMAXPROCS(0)))
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					i := int(next.Add(1))
					if _, err := e.give(members[i%16], 1+int64(i%60), members[(i+1)%16]); err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.ReportMetric(float64(processCPU()-cpu)/float64(b.N), "cpu-ns/op")
			st := e.db.CommitStats()
			if n := st.Commits - before.Commits; n > 0 {
				b.ReportMetric(float64(st.Commands-before.Commands)/float64(n), "gifts/commit")
			}
		})
	}
}

// BenchmarkRawInsert is the raw SQLite ceiling: one single-row insert per
// transaction, committed the same way as the ledger's.
func BenchmarkRawInsert(b *testing.B) {
	for _, d := range []Durability{DurabilityNormal, DurabilityFull} {
		b.Run(string(d), func(b *testing.B) {
			dir := b.TempDir()
			b.ResetTimer()
			if _, err := MeasureRawInserts(b.Context(), dir, b.N, d); err != nil {
				b.Fatal(err)
			}
		})
	}
}

// processCPU is the CPU time the process used so far, user and system.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// seedJournal writes n single-entry gifts among 100 members in one
// transaction, through the same inserts Give uses, so that a large journal
// costs a second to build instead of a minute.
func seedJournal(b *testing.B, e *env, n int) []Identity {
	b.Helper()
	tx, err := e.db.begin(e.ctx)
	if err != nil {
		b.Fatal(err)
	}
	defer tx.Rollback()
	ids := make([]Identity, 100)
	accts := make([]Account, 100)
	for i := range ids {
		ids[i] = person(fmt.Sprintf("p%03d", i))
		if accts[i], err = memberAccount(e.ctx, tx, e.community, ids[i]); err != nil {
			b.Fatal(err)
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < n; i++ {
		f := rng.IntN(len(accts))
		t := (f + 1 + rng.IntN(len(accts)-1)) % len(accts)
		op, err := insertOperation(e.ctx, tx, Header{Community: e.community, Key: fmt.Sprint("seed-", i), Source: "bench"}, "seed", OpGive, accts[f].ID)
		if err != nil {
			b.Fatal(err)
		}
		if err := insertExchange(e.ctx, tx, op, e.community, accts[f].ID, accts[t].ID, 1+rng.Int64N(60), "", "", accts[f].ID, "bench", 0, ""); err != nil {
			b.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
	// A benchmark on a broken journal would measure nothing useful.
	if rep := e.verifyOK(); rep.Exchanges != n {
		b.Fatalf("seeded %d exchanges, want %d", rep.Exchanges, n)
	}
	return ids
}

// BenchmarkHistory reads pages of one member's history in a 50k-entry
// journal (the member has about 1,000 entries). The parent runs once, so
// the journal is built once for all sub-benchmarks.
func BenchmarkHistory(b *testing.B) {
	e := benchEnv(b, DurabilityNormal)
	ids := seedJournal(b, e, 50_000)
	for _, page := range []int{1, 10, 50} {
		b.Run(fmt.Sprintf("page%d", page), func(b *testing.B) {
			for b.Loop() {
				hp, err := e.db.History(e.ctx, e.community, ids[7], page, 10)
				if err != nil || len(hp.Entries) != 10 {
					b.Fatalf("%d entries, %v", len(hp.Entries), err)
				}
			}
		})
	}
}

func BenchmarkBalance(b *testing.B) {
	e := benchEnv(b, DurabilityNormal)
	ids := seedJournal(b, e, 5_000)
	b.Run("known", func(b *testing.B) {
		for b.Loop() {
			if _, found, err := e.db.Member(e.ctx, e.community, ids[42]); err != nil || !found {
				b.Fatal(found, err)
			}
		}
	})
	b.Run("unknown", func(b *testing.B) {
		for b.Loop() {
			if _, found, err := e.db.Member(e.ctx, e.community, person("nobody")); err != nil || found {
				b.Fatal(found, err)
			}
		}
	})
}
