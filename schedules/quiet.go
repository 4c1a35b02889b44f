package schedules

import (
	"fmt"
	"runtime/debug"
	"time"
)

// AddQuiet is Add for frequent work, such as the decisions' tick every
// minute: a run that succeeds is logged at debug level only, so the logs
// keep what an operator needs. Failures and panics are logged as by Add.
func (s *Scheduler) AddQuiet(name, spec string, job Job) error {
	if _, err := s.cron.AddFunc(spec, s.wrapQuiet(name, job)); err != nil {
		return fmt.Errorf("schedules: %s: %w", name, err)
	}
	return nil
}

func (s *Scheduler) wrapQuiet(name string, job Job) func() {
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
		log.Debug("scheduled job done", "took", time.Since(start))
	}
}
