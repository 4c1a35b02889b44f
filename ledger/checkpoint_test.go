package ledger

import (
	"fmt"
	"os"
	"sync"
	"testing"
)

// Under a steady load of gifts from members typing at once, the background
// checkpointer copies pages while the writer serves, and the WAL still
// starts again from its beginning instead of growing with the load.
func TestCheckpointsKeepTheWALSmall(t *testing.T) {
	e := newEnv(t)
	e.limits = NoLimits()
	members := make([]Identity, 64)
	for i := range members {
		members[i] = person(fmt.Sprintf("m%02d", i))
	}
	const senders, gifts = 8, 800
	var wg sync.WaitGroup
	errs := make(chan error, senders)
	for s := range senders {
		wg.Go(func() {
			for i := range gifts {
				from, to := members[(s*7+i)%64], members[(s*7+i*13+1)%64]
				if from == to {
					continue
				}
				if _, err := e.give(from, 1+int64(i%60), to); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}

	st := e.db.CommitStats()
	if st.Checkpoints == 0 || st.CheckpointFailures != 0 {
		t.Errorf("background checkpoints: %d, failures %d; want some and none failed", st.Checkpoints, st.CheckpointFailures)
	}
	// The writer's threshold starts the WAL again; a WAL that never
	// restarted would hold every page these gifts wrote, about 200 MB.
	wal, err := os.Stat(e.path + "-wal")
	if err != nil {
		t.Fatal(err)
	}
	if max := int64(writerCheckpointPages*4096) + 8<<20; wal.Size() > max {
		t.Errorf("WAL is %d bytes after %d gifts, want at most %d: it did not start again", wal.Size(), senders*gifts, max)
	}
	if rep, err := e.db.Verify(e.ctx); err != nil || !rep.OK() {
		t.Fatalf("verify after the load: %v %v", err, rep.Problems)
	}
}
