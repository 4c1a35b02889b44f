package ledger

import (
	"errors"
	"sync"
	"testing"
)

// One batch, four commands: a refusal and a failure after a write roll
// back their own savepoint only; the others commit, chained in order.
func TestGroupCommitIsolatesEachCommand(t *testing.T) {
	e := newEnv(t)
	e.mustGive(ana, 1, bob) // ana, bob exist
	give := func(from Identity, minutes int64, to Identity) *write {
		req := e.giveReq(from, minutes, to)
		return &write{ctx: e.ctx, done: make(chan error, 1), fn: func(tx *Tx) error {
			_, err := giveTx(e.ctx, tx, "fp-"+req.Key, req)
			return err
		}}
	}
	boom := errors.New("boom")
	partial := &write{ctx: e.ctx, done: make(chan error, 1), fn: func(tx *Tx) error {
		if _, err := giveTx(e.ctx, tx, "fp-partial", e.giveReq(bob, 3, cleo)); err != nil {
			return err
		}
		return boom // after writing an operation, two entries' worth of balance and chain entries
	}}
	batch := []*write{give(ana, 10, bob), give(ana, 5000, bob), partial, give(bob, 5, cleo)}
	e.db.commitBatch(batch)
	var errs []error
	for _, w := range batch {
		errs = append(errs, <-w.done)
	}
	var le *LimitError
	if errs[0] != nil || !errors.As(errs[1], &le) || !errors.Is(errs[2], boom) || errs[3] != nil {
		t.Fatalf("errors %v", errs)
	}
	rep := e.verifyOK()
	if rep.Exchanges != 3 || rep.Records != 6 {
		t.Fatalf("%d entries and %d chained records, want 3 and 6", rep.Exchanges, rep.Records)
	}
	if got := e.balance(cleo); got != 5 {
		t.Fatalf("cleo holds %d, want 5: the failed command's gift was kept", got)
	}
}

// A command alone in its batch that fails after writing leaves nothing:
// the batch is rolled back and the writer's connection is left outside
// any transaction, so the next command commits on its own. A command
// cannot end the batch's transaction itself.
func TestGroupCommitAloneRollsBack(t *testing.T) {
	e := newEnv(t)
	e.mustGive(ana, 1, bob)
	boom := errors.New("boom")
	run := func(fn func(tx *Tx) error) error {
		w := &write{ctx: e.ctx, done: make(chan error, 1), fn: fn}
		e.db.commitBatch([]*write{w})
		return <-w.done
	}
	err := run(func(tx *Tx) error {
		if _, err := giveTx(e.ctx, tx, "fp-alone", e.giveReq(bob, 1, cleo)); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("lone failing command: %v", err)
	}
	if err := run(func(tx *Tx) error {
		if err := tx.Commit(); !errors.Is(err, errBatchEnd) {
			t.Errorf("Commit inside a batch: %v", err)
		}
		if err := tx.Rollback(); !errors.Is(err, errBatchEnd) {
			t.Errorf("Rollback inside a batch: %v", err)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	e.mustGive(bob, 1, cleo)
	if rep := e.verifyOK(); rep.Exchanges != 2 {
		t.Fatalf("%d entries, want 2: the failed command's gift was kept", rep.Exchanges)
	}
	if got := e.balance(cleo); got != 1 {
		t.Fatalf("cleo holds %d, want 1", got)
	}
}

// Members giving at the same moment share commits, and every gift is
// recorded once.
func TestGroupCommitUnderConcurrentGifts(t *testing.T) {
	e := newEnv(t)
	e.limits = NoLimits()
	people := []Identity{ana, bob, cleo, dan}
	for _, p := range people {
		e.mustGive(p, 1, mod)
	}
	before := e.db.CommitStats()
	const each = 50
	var wg sync.WaitGroup
	errs := make(chan error, len(people)*each)
	for i, p := range people {
		wg.Go(func() {
			for range each {
				if _, err := e.give(p, 1, people[(i+1)%len(people)]); err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	rep := e.verifyOK()
	if rep.Exchanges != 4+len(people)*each {
		t.Fatalf("%d entries, want %d", rep.Exchanges, 4+len(people)*each)
	}
	st := e.db.CommitStats()
	if n := st.Commands - before.Commands; n != int64(len(people)*each) {
		t.Fatalf("%d commands went through the writer, want %d", n, len(people)*each)
	}
	if st.WriterBusy <= before.WriterBusy {
		t.Fatalf("the writer's busy time did not grow: %s, then %s", before.WriterBusy, st.WriterBusy)
	}
	t.Logf("%d gifts in %d commits", st.Commands-before.Commands, st.Commits-before.Commits)
}

// A write asked of a closed ledger is refused, not lost in a queue.
func TestWriteAfterClose(t *testing.T) {
	e := newEnv(t)
	e.db.Close()
	if _, err := e.give(ana, 1, bob); !errors.Is(err, ErrClosed) {
		t.Fatalf("give after Close: %v", err)
	}
}
