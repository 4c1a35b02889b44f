package schedules

import "log/slog"

// AddQuiet is Add for frequent work, such as the decisions' tick every
// minute: a run that succeeds is logged at debug level only, so the logs
// keep what an operator needs. Failures and panics are logged as by Add.
func (s *Scheduler) AddQuiet(name, spec string, job Job) error {
	return s.add(name, spec, s.wrapQuiet(name, job))
}

func (s *Scheduler) wrapQuiet(name string, job Job) func() {
	return s.wrapAt(name, job, slog.LevelDebug)
}
