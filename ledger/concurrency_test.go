package ledger

import (
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
)

// TestConcurrentGives hammers tight limits from many goroutines: limits are
// checked inside the write transaction, so no interleaving may breach them,
// and nothing is lost or counted twice.
func TestConcurrentGives(t *testing.T) {
	const (
		workers = 32
		gives   = 50
	)
	e := newEnv(t)
	e.limits = Limits{Floor: -60, Ceiling: 120, MaxAmount: 30}
	var members []Identity
	for i := 0; i < 10; i++ {
		members = append(members, person(fmt.Sprintf("m%02d", i)))
	}

	var (
		accepted, refused atomic.Int64
		entries           atomic.Int64
		wg                sync.WaitGroup
		errs              = make(chan error, workers)
	)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(w), 42))
			for i := 0; i < gives; i++ {
				perm := rng.Perm(len(members))
				actor := members[perm[0]]
				// One to three recipients, so all-or-nothing is raced too.
				to := []Identity{}
				for _, p := range perm[1 : 2+rng.IntN(3)] {
					to = append(to, members[p])
				}
				req := e.giveReq(actor, 1+rng.Int64N(30), to...)
				if w%4 == 0 && i%5 == 0 {
					req.Actor, req.FromCommons = mod, true
				}
				r, err := e.db.Give(e.ctx, req)
				switch {
				case err == nil:
					accepted.Add(1)
					entries.Add(int64(len(r.Exchanges)))
					if len(r.Exchanges) != len(to) {
						errs <- fmt.Errorf("%d exchanges for %d recipients", len(r.Exchanges), len(to))
						return
					}
				case ErrorCode(err) == ELIMIT:
					refused.Add(1)
				default:
					errs <- err
					return
				}
				// Readers run beside the writer on their own pool.
				if i%10 == 0 {
					if _, err := e.db.History(e.ctx, e.community, actor, 1, 5); err != nil {
						errs <- err
						return
					}
				}
			}
		}(w)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if accepted.Load()+refused.Load() != workers*gives {
		t.Fatalf("%d accepted + %d refused != %d", accepted.Load(), refused.Load(), workers*gives)
	}
	// Both outcomes must have happened, or the limits were not exercised.
	if accepted.Load() == 0 || refused.Load() == 0 {
		t.Fatalf("%d accepted, %d refused: the workload did not reach the limits", accepted.Load(), refused.Load())
	}
	t.Logf("%d accepted (%d entries), %d refused", accepted.Load(), entries.Load(), refused.Load())

	accts, err := e.db.Accounts(e.ctx, e.community)
	if err != nil {
		t.Fatal(err)
	}
	// Racing first gifts created no duplicate account: at most 10 members,
	// mod and the commons, each name once, each member with its identity.
	names := map[string]bool{}
	for _, a := range accts {
		if names[a.Name] {
			t.Errorf("two accounts named %s", a.Name)
		}
		names[a.Name] = true
	}
	if len(accts) > 12 || e.count("identities") != len(accts)-1 {
		t.Errorf("%d accounts for %d identities", len(accts), e.count("identities"))
	}
	for _, a := range accts {
		if a.Kind == KindMember && (a.Balance < e.limits.Floor || a.Balance > e.limits.Ceiling) {
			t.Errorf("%s at %d, outside [%d, %d]", a.Name, a.Balance, e.limits.Floor, e.limits.Ceiling)
		}
	}
	rep := e.verifyOK()
	if int64(rep.Exchanges) != entries.Load() {
		t.Errorf("%d exchanges in the journal, %d acknowledged", rep.Exchanges, entries.Load())
	}
	if ops := e.count("operations"); int64(ops) != accepted.Load() {
		t.Errorf("%d operations, %d gifts accepted", ops, accepted.Load())
	}
}

// TestConcurrentRedelivery: the same event delivered many times at once
// (a platform retrying while the first delivery is still in flight) records
// one operation, and every delivery gets its receipt.
func TestConcurrentRedelivery(t *testing.T) {
	e := newEnv(t)
	req := e.giveReq(ana, 20, bob, cleo)
	const n = 16
	receipts := make([]*Receipt, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			receipts[i], errs[i] = e.db.Give(e.ctx, req)
		}(i)
	}
	wg.Wait()
	fresh := 0
	for i := 0; i < n; i++ {
		if errs[i] != nil {
			t.Fatalf("delivery %d: %v", i, errs[i])
		}
		if !receipts[i].Replayed {
			fresh++
		}
		if receipts[i].Operation != receipts[0].Operation || receipts[i].Exchanges[1].ID != receipts[0].Exchanges[1].ID {
			t.Errorf("delivery %d got operation %d, delivery 0 got %d", i, receipts[i].Operation, receipts[0].Operation)
		}
	}
	if fresh != 1 {
		t.Fatalf("%d deliveries recorded, want 1", fresh)
	}
	e.wantBalances(map[Identity]int64{ana: -40, bob: 20, cleo: 20})
	if ops := e.count("operations"); ops != 1 {
		t.Fatalf("%d operations, want 1", ops)
	}
}

// TestConcurrentUndo: two undo commands sent at once by the same giver take
// the gift back once.
func TestConcurrentUndo(t *testing.T) {
	e := newEnv(t)
	e.mustGive(ana, 30, bob)
	const n = 8
	var ok, reversed atomic.Int64
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := e.db.Undo(e.ctx, e.undoReq(ana))
			switch ErrorCode(err) {
			case EREVERSED:
				reversed.Add(1)
			default:
				if err == nil {
					ok.Add(1)
				} else {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	if ok.Load() != 1 || reversed.Load() != n-1 {
		t.Fatalf("%d undos succeeded and %d were refused as reversed, want 1 and %d", ok.Load(), reversed.Load(), n-1)
	}
	e.wantBalances(map[Identity]int64{ana: 0, bob: 0})
	e.verifyOK()
}
