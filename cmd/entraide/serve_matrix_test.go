package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/entraide/entraide/internal/fakematrix"
)

// lockedBuffer is an output written by serve's goroutines and read by the
// test.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// The real serve wiring with the console and Matrix (a fake homeserver) on
// one ledger: Ana links her console account to her Matrix account, gives
// from Matrix, and sees the balance on the console.
func TestServeConsoleAndMatrix(t *testing.T) {
	hs := fakematrix.New(t)
	ana := hs.AddUser("ana", "Ana", "")
	bob := hs.AddUser("bob", "Bob", "")
	botID := hs.AddUser("entraide", "Entraide", "")
	room := hs.CreateRoom(ana, "Garden", bob, botID)

	dir := t.TempDir()
	cfg := filepath.Join(dir, "config.yaml")
	yaml := fmt.Sprintf(`database: %q
log: {level: warn}
communities:
  - id: coop
    language: en
    moderators: ["console:ana"]
    rooms: ["console:*", "matrix:%s"]
console:
  as: ana
  members: [ana, bob]
matrix:
  homeserver: %s
  user_id: "%s"
  access_token: %s
  device_name: Entraide
`, filepath.Join(dir, "ledger.db"), room, hs.URL(), botID, hs.Token(botID))
	if err := os.WriteFile(cfg, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	in, typed := io.Pipe()
	out, errs := &lockedBuffer{}, &lockedBuffer{}
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"run", "--console", "--config", cfg}, stdio{in: in, out: out, err: errs,
			lookupEnv: func(string) (string, bool) { return "", false }})
	}()
	defer func() {
		cancel()
		typed.Close()
		if code := <-done; code != 0 {
			t.Errorf("run ended with %d: %s", code, errs.String())
		}
	}()
	console := func(line string, want *regexp.Regexp) []string {
		t.Helper()
		start := len(out.String())
		fmt.Fprintln(typed, line)
		for {
			if m := want.FindStringSubmatch(out.String()[start:]); m != nil {
				return m
			}
			if ctx.Err() != nil {
				t.Fatalf("the console did not answer %q with %v; it printed:\n%s\nstderr:\n%s", line, want, out.String()[start:], errs.String())
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	cursor := hs.StreamLen()
	matrix := func(text, want string) {
		t.Helper()
		pills := strings.ReplaceAll(text, bob, `<a href="https://matrix.to/#/`+bob+`">Bob</a>`)
		content := map[string]any{"msgtype": "m.text", "body": strings.ReplaceAll(text, bob, "Bob")}
		if pills != text {
			content["format"], content["formatted_body"] = "org.matrix.custom.html", pills
			content["m.mentions"] = map[string]any{"user_ids": []any{bob}}
		}
		hs.Send(ana, room, "m.room.message", content)
		for {
			ev, err := hs.Next(ctx, &cursor, func(ev *fakematrix.Event) bool { return ev.Sender == botID && ev.Type == "m.room.message" })
			if err != nil {
				t.Fatalf("no answer to %q on Matrix containing %q: %v", text, want, err)
			}
			if body, _ := ev.Content["body"].(string); strings.Contains(body, want) {
				return
			}
		}
	}

	code := console("/link", regexp.MustCompile(`link code: (\S+)\.`))[1]
	matrix("!link "+code, "Linked")
	matrix("!give 2h "+bob+" for the garden", "gave 2h")
	console("/balance", regexp.MustCompile(`Your balance: -2h`))
}
