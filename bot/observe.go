package bot

import "time"

// ConnectionObserver hears how an adapter's link to its platform fares;
// the health check and the metrics implement it.
type ConnectionObserver interface {
	// Connected: the platform answers (a sync went through, the gateway
	// is ready or resumed).
	Connected(platform string)
	// Disconnected: the link is lost and the adapter is retrying.
	Disconnected(platform string)
	// RateLimited: the platform asked the adapter to wait this long.
	RateLimited(platform string, wait time.Duration)
}

// Observable is an adapter that reports its connection; Observe is called
// before Run. An adapter without it counts as connected while Run runs.
type Observable interface {
	Observe(o ConnectionObserver)
}

// ConnectionReports is an adapter's handle on its observer. Its zero value
// reports to nobody, so an adapter nobody watches needs no check.
type ConnectionReports struct {
	o ConnectionObserver
}

// Observe sets where reports go.
func (r *ConnectionReports) Observe(o ConnectionObserver) { r.o = o }

// Connected reports that the platform answers.
func (r *ConnectionReports) Connected(platform string) {
	if r.o != nil {
		r.o.Connected(platform)
	}
}

// Disconnected reports that the link is lost.
func (r *ConnectionReports) Disconnected(platform string) {
	if r.o != nil {
		r.o.Disconnected(platform)
	}
}

// RateLimited reports a wait the platform asked for.
func (r *ConnectionReports) RateLimited(platform string, wait time.Duration) {
	if r.o != nil {
		r.o.RateLimited(platform, wait)
	}
}

// CommandObserver hears how each command ended (metrics). outcome is
// "ok", "refused" (the member is told why) or "failed" (an internal
// error, logged).
type CommandObserver interface {
	ObserveCommand(command, outcome string, took time.Duration)
}
