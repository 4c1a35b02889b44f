// Package schedules runs the bot's timed work on robfig/cron: today the
// nightly ledger check; reminders, deadlines and newsletters join it.
package schedules

import (
	"context"
	"fmt"
	"log/slog"
	"runtime/debug"
	"sync/atomic"
	"time"

	"github.com/robfig/cron/v3"
)

// Job is one piece of timed work. Its error is logged; the schedule goes on.
type Job func(ctx context.Context) error

// Scheduler runs jobs on cron specifications in one time zone.
type Scheduler struct {
	cron *cron.Cron
	log  *slog.Logger
	ctx  context.Context
	obs  Observer // nil when nobody watches
}

// Observer hears each run of a job: its name and how long after it fell
// due it started (metrics count the late ones).
type Observer interface {
	JobDue(job string, late time.Duration)
}

// Observe sets who hears the runs; call it before Run.
func (s *Scheduler) Observe(o Observer) { s.obs = o }

// New returns a scheduler whose specifications are read in loc.
func New(log *slog.Logger, loc *time.Location) *Scheduler {
	return &Scheduler{
		cron: cron.New(cron.WithLocation(loc)),
		log:  log,
		ctx:  context.Background(),
	}
}

// Add schedules job under a name for the logs. spec is a standard
// five-field cron line or a descriptor such as "@daily".
func (s *Scheduler) Add(name, spec string, job Job) error {
	return s.add(name, spec, s.wrap(name, job))
}

func (s *Scheduler) add(name, spec string, run func()) error {
	// The entry's ID is known once added, and a run reads it from another
	// goroutine; cron sets the entry's Prev to the time the run was due
	// before starting it.
	var id atomic.Int64
	added, err := s.cron.AddFunc(spec, func() {
		if s.obs != nil {
			late := time.Duration(0)
			if due := s.cron.Entry(cron.EntryID(id.Load())).Prev; !due.IsZero() {
				late = max(0, time.Since(due))
			}
			s.obs.JobDue(name, late)
		}
		run()
	})
	if err != nil {
		return fmt.Errorf("schedules: %s: %w", name, err)
	}
	id.Store(int64(added))
	return nil
}

// wrap gives every run a logger, a recover, and the scheduler's context.
func (s *Scheduler) wrap(name string, job Job) func() {
	return s.wrapAt(name, job, slog.LevelInfo)
}

// wrapAt is wrap with the level a run that succeeds is logged at;
// failures and panics are always errors.
func (s *Scheduler) wrapAt(name string, job Job, done slog.Level) func() {
	return func() {
		log := s.log.With("job", name)
		defer func() {
			if p := recover(); p != nil {
				log.Error("scheduled job panicked", "panic", p, "stack", string(debug.Stack()))
			}
		}()
		start := time.Now()
		if err := job(s.ctx); err != nil {
			log.Error("scheduled job failed", "err", err)
			return
		}
		log.Log(context.Background(), done, "scheduled job done", "took", time.Since(start))
	}
}

// Run starts the jobs and blocks until ctx ends, then waits for running
// jobs to finish.
func (s *Scheduler) Run(ctx context.Context) {
	s.ctx = ctx
	s.cron.Start()
	<-ctx.Done()
	<-s.cron.Stop().Done()
}
