package fakematrix

import (
	"math"
	"time"
)

// bucket is one user's rate limit: burst requests at once, then one per
// every, as a homeserver's leaky-bucket limits allow.
type bucket struct {
	burst  int
	every  time.Duration
	tokens float64
	last   time.Time
}

// LimitRate lets user make burst limited requests (sends, state changes,
// redactions, room creations, invites) at once, then one per every; past
// that the server answers 429 M_LIMIT_EXCEEDED with retry_after_ms, as
// Synapse's rc_message does. Users have no limit until this is called.
func (hs *Server) LimitRate(user string, burst int, every time.Duration) {
	hs.mu.Lock()
	defer hs.mu.Unlock()
	hs.limits[user] = &bucket{burst: burst, every: every, tokens: float64(burst), last: time.Now()}
}

// take spends one of user's requests, or says how long to wait for one.
func (hs *Server) take(user string) (time.Duration, bool) {
	hs.mu.Lock()
	defer hs.mu.Unlock()
	b := hs.limits[user]
	if b == nil {
		return 0, true
	}
	now := time.Now()
	b.tokens = min(float64(b.burst), b.tokens+float64(now.Sub(b.last))/float64(b.every))
	b.last = now
	if b.tokens >= 1 {
		b.tokens--
		return 0, true
	}
	// Whole milliseconds, rounded up: waiting that long is enough.
	wait := time.Duration(math.Ceil((1-b.tokens)*float64(b.every)/float64(time.Millisecond))) * time.Millisecond
	return max(wait, time.Millisecond), false
}
