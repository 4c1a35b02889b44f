package fakediscord

import (
	"fmt"
	"math"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Discord limits each route per "major parameter" (the channel, the
// webhook or interaction token) in buckets it reports in headers, and
// every bot globally (50 requests a second); interaction endpoints are
// outside the global limit, callbacks outside both. The fake enforces
// such budgets once RateLimits is called.
type bucketRule struct {
	method string
	path   *regexp.Regexp // the first group is the major parameter
	name   string
	limit  int
	window time.Duration
}

var bucketRules = []bucketRule{
	{"POST", regexp.MustCompile(`^/channels/([0-9]+)/messages$`), "channel-messages-post", 5, 5 * time.Second},
	{"PATCH", regexp.MustCompile(`^/channels/([0-9]+)/messages/[0-9]+$`), "channel-messages-patch", 5, 5 * time.Second},
	{"", regexp.MustCompile(`^/webhooks/[0-9]+/([^/]+)`), "interaction-webhook", 5, 2 * time.Second},
	{"", regexp.MustCompile(`^/channels/([0-9]+)`), "channel", 10, 5 * time.Second},
}

// globalLimit is the per-second budget of everything but interaction
// callbacks.
const globalLimit = 50

type bucket struct {
	used  int
	reset time.Time
}

// RateLimits turns the per-route and global budgets on.
func (f *Server) RateLimits() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.perRoute = true
}

// limited applies the budgets to a call; it answers the 429 itself and
// returns true when the call is over budget, else it sets the bucket's
// headers for the answer.
func (f *Server) limited(w http.ResponseWriter, method, path string) bool {
	if !f.perRoute || strings.HasPrefix(path, "/interactions/") {
		return false
	}
	// Interaction endpoints (the callback, and the webhook of the
	// interaction's token) are outside the global limit.
	interaction := strings.HasPrefix(path, "/webhooks/"+f.AppID+"/")
	now := time.Now()
	take := func(key string, limit int, window time.Duration) (*bucket, bool) {
		b := f.buckets[key]
		if b == nil || now.After(b.reset) {
			b = &bucket{reset: now.Add(window)}
			f.buckets[key] = b
		}
		if b.used >= limit {
			return b, false
		}
		b.used++
		return b, true
	}
	if !interaction {
		if b, ok := take("global", globalLimit, time.Second); !ok {
			f.tooManyBucket(w, "global", globalLimit, b, true)
			return true
		}
	}
	for _, r := range bucketRules {
		if r.method != "" && r.method != method {
			continue
		}
		m := r.path.FindStringSubmatch(path)
		if m == nil {
			continue
		}
		key := r.name + ":" + m[1]
		b, ok := take(key, r.limit, r.window)
		if !ok {
			f.tooManyBucket(w, r.name, r.limit, b, false)
			return true
		}
		h := w.Header()
		h.Set("X-RateLimit-Limit", strconv.Itoa(r.limit))
		h.Set("X-RateLimit-Remaining", strconv.Itoa(r.limit-b.used))
		h.Set("X-RateLimit-Reset", resetAt(b.reset))
		h.Set("X-RateLimit-Reset-After", seconds(time.Until(b.reset)))
		h.Set("X-RateLimit-Bucket", r.name)
		return false
	}
	return false
}

func (f *Server) tooManyBucket(w http.ResponseWriter, name string, limit int, b *bucket, global bool) {
	f.TooMany++
	wait := time.Until(b.reset)
	h := w.Header()
	h.Set("Retry-After", strconv.Itoa(int(math.Ceil(wait.Seconds()))))
	h.Set("X-RateLimit-Limit", strconv.Itoa(limit))
	h.Set("X-RateLimit-Remaining", "0")
	h.Set("X-RateLimit-Reset", resetAt(b.reset))
	h.Set("X-RateLimit-Reset-After", seconds(wait))
	h.Set("X-RateLimit-Bucket", name)
	scope := "user"
	if global {
		scope = "global"
		h.Set("X-RateLimit-Global", "true")
	}
	h.Set("X-RateLimit-Scope", scope)
	writeJSON(w, 429, map[string]any{"message": "You are being rate limited.", "retry_after": wait.Seconds(), "global": global})
}

func resetAt(t time.Time) string {
	return strconv.FormatFloat(float64(t.UnixMilli())/1000, 'f', 3, 64)
}

func seconds(d time.Duration) string { return fmt.Sprintf("%.3f", max(d.Seconds(), 0)) }

// RateLimitHTML answers the next n matching calls with a 429 whose body is
// not JSON, as Discord's edge (Cloudflare) does when it blocks a client.
func (f *Server) RateLimitHTML(method, path string, n int, retryAfter float64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.rules = append(f.rules, &rule{method: method, path: regexp.MustCompile(path), left: n, status: 429, retryAfter: retryAfter, html: true})
}
