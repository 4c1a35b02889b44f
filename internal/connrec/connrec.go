// Package connrec records what an adapter reports of its connection
// (bot.ConnectionObserver), for the adapters' tests.
package connrec

import (
	"slices"
	"sync"
	"time"
)

// Recorder keeps the reports in order: "up:PLATFORM", "down:PLATFORM",
// "limited:PLATFORM", and the waits asked for.
type Recorder struct {
	mu     sync.Mutex
	events []string
	waits  []time.Duration
}

func (r *Recorder) add(ev string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, ev)
}

// Connected records "up:platform".
func (r *Recorder) Connected(platform string) { r.add("up:" + platform) }

// Disconnected records "down:platform".
func (r *Recorder) Disconnected(platform string) { r.add("down:" + platform) }

// RateLimited records "limited:platform" and the wait.
func (r *Recorder) RateLimited(platform string, wait time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, "limited:"+platform)
	r.waits = append(r.waits, wait)
}

// Events are the reports so far.
func (r *Recorder) Events() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.events)
}

// Waits are the rate-limit waits so far.
func (r *Recorder) Waits() []time.Duration {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.waits)
}

// Reconnected says whether a loss was followed by a new connection.
func (r *Recorder) Reconnected(platform string) bool {
	ev := r.Events()
	down := slices.Index(ev, "down:"+platform)
	return down >= 0 && slices.Contains(ev[down:], "up:"+platform)
}
