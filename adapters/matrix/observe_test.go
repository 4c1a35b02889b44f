package matrix

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/entraide/entraide/internal/connrec"
	"github.com/entraide/entraide/internal/fakematrix"
)

// A sync that goes through reports the connection, lost syncs its loss,
// the next good one the reconnection, and M_LIMIT_EXCEEDED the wait the
// homeserver asked for.
func TestConnectionIsReported(t *testing.T) {
	e := newEnv(t)
	rec := &connrec.Recorder{}
	e.adapterTunables = func(a *Adapter) { a.Observe(rec) }
	e.start(e.config())
	if ev := rec.Events(); len(ev) == 0 || ev[0] != "up:matrix" {
		t.Fatalf("after the first sync: %v, want up:matrix first", ev)
	}

	e.hs.Fail(fakematrix.Fault{User: e.botID, Method: "GET", Path: "/sync", Times: 2, Drop: true})
	e.waitFor("a loss, then a reconnection", func() bool { return rec.Reconnected(Platform) })

	e.hs.Fail(fakematrix.Fault{User: e.botID, Method: "PUT", Path: "/send/m.room.message/", Times: 1, Status: 429, RetryAfter: 300 * time.Millisecond})
	e.sayPills(e.ana, e.room, "!give 1h "+e.bob, nil)
	if reply := e.next(e.room); !strings.Contains(body(reply), "gave 1h") {
		t.Fatalf("reply %q", body(reply))
	}
	if !slices.Contains(rec.Events(), "limited:matrix") || !slices.Contains(rec.Waits(), 300*time.Millisecond) {
		t.Errorf("reported %v with waits %v; want the 300ms the homeserver asked for", rec.Events(), rec.Waits())
	}
}
