package schedules

import (
	"context"
	"log/slog"
	"testing"
	"time"
)

type dueRecorder chan string

func (d dueRecorder) JobDue(job string, late time.Duration) {
	if late < 0 || late >= time.Minute {
		job += " (late)"
	}
	d <- job
}

// Each run is told to the observer, with how late it started: a job run
// on time is not late.
func TestObserverHearsRuns(t *testing.T) {
	s := New(slog.New(slog.DiscardHandler), time.UTC)
	seen := make(dueRecorder, 4)
	s.Observe(seen)
	ran := make(chan struct{}, 4)
	if err := s.Add("every-second", "@every 1s", func(context.Context) error { ran <- struct{}{}; return nil }); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { s.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()
	select {
	case job := <-seen:
		if job != "every-second" {
			t.Errorf("observer heard %q, want every-second on time", job)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the observer heard no run")
	}
	<-ran
}
