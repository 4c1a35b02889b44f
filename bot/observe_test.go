package bot

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/entraide/entraide/ledger"
)

type seenCommand struct{ name, outcome string }

type recordingObserver struct {
	mu   sync.Mutex
	seen []seenCommand
}

func (o *recordingObserver) ObserveCommand(name, outcome string, took time.Duration) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.seen = append(o.seen, seenCommand{name, outcome})
}

// Logs above debug name no member and no topic of a case; refusals are
// logged at debug with their code only; the observer hears every outcome.
func TestLogsAndObservedOutcomes(t *testing.T) {
	for _, level := range []slog.Level{slog.LevelInfo, slog.LevelDebug} {
		e := newCaseEnv(t)
		var logs bytes.Buffer
		obs := &recordingObserver{}
		e.b = newTestBot(t, Options{Ledger: e.db, Communities: e.coms, Now: e.clock.Now, Observer: obs,
			Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: level}))})
		a := &spaceAdapter{}
		e.b.Attach(a)
		for _, u := range []string{"zoé", "yann"} {
			if _, err := e.db.EnsureMember(e.ctx, e.coms[1].id, ledger.Identity{Platform: "test", UserID: u, Name: u}); err != nil {
				t.Fatal(err)
			}
		}
		e.clock.Advance(10 * 24 * time.Hour)
		n := 0
		receive := func(from, text string, mentions ...string) {
			n++
			m := msg("ev-"+string(rune('0'+n)), from, text, mentions...)
			m.Room = "room-b"
			e.b.Receive(context.Background(), a, m)
		}
		receive("zoé", "/conflict request Yann keeps borrowing my ladder")
		receive("zoé", "/give 0h @yann", "yann")

		got := logs.String()
		if level == slog.LevelInfo {
			for _, secret := range []string{"zoé", "ladder", "Yann"} {
				if strings.Contains(got, secret) {
					t.Errorf("logs at info name %q:\n%s", secret, got)
				}
			}
			if strings.Contains(got, "refused") {
				t.Errorf("a refusal is logged above debug:\n%s", got)
			}
		} else if !strings.Contains(got, "command refused") || !strings.Contains(got, "code=duration.zero") {
			t.Errorf("debug logs lack the refusal with its code:\n%s", got)
		}
		want := []seenCommand{{"request", OutcomeOK}, {"give", OutcomeRefused}}
		if len(obs.seen) != 2 || obs.seen[0] != want[0] || obs.seen[1] != want[1] {
			t.Errorf("observed %+v, want %+v", obs.seen, want)
		}
	}
}
