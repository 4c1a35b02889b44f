package discord

import (
	"slices"
	"testing"
	"time"

	"github.com/entraide/entraide/bot"
	"github.com/entraide/entraide/internal/connrec"
)

// READY reports the connection, a dropped gateway its loss, RESUMED the
// reconnection, and a 429 the wait Discord asked for.
func TestConnectionIsReported(t *testing.T) {
	t.Parallel()
	rec := &connrec.Recorder{}
	e := newEnv(t, envOptions{before: func(e *env) { e.a.Observe(rec) }})
	if ev := rec.Events(); len(ev) == 0 || ev[0] != "up:discord" {
		t.Fatalf("once ready: %v, want up:discord first", ev)
	}
	e.f.Drop()
	// Discord may refuse to resume (see reconnect_test.go): a new session
	// is a reconnection too.
	eventually(t, "a reconnection", func() bool { return rec.Reconnected(Platform) })

	e.f.RateLimit("POST", `^/channels/`+e.general+`/messages$`, 1, 0.25, false)
	if _, err := e.a.Send(e.ctx, bot.Target{Room: e.general}, bot.Reply{Text: "Hello"}); err != nil {
		t.Fatal(err)
	}
	e.f.Next()
	if !slices.Contains(rec.Events(), "limited:discord") || !slices.Contains(rec.Waits(), 250*time.Millisecond) {
		t.Errorf("reported %v with waits %v; want the 250ms Discord asked for", rec.Events(), rec.Waits())
	}
}
