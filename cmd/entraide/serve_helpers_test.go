package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/entraide/entraide/internal/testutil"
)

// served is `entraide run --console` running on a config, in this process,
// with the console typed into by the test.
type served struct {
	t         *testing.T
	ctx       context.Context
	dir       string
	out, errs *testutil.Buffer
	typed     *io.PipeWriter
}

// serveConfig writes a config with one English community, coop, where
// ana moderates and chats on the console with bob, completed by the
// community's settings (one per line, such as rooms: …) and the
// platforms' sections, and runs the bot on it until the test ends; with's
// in, out and err are the test's.
func serveConfig(t *testing.T, community []string, platforms string, with stdio) *served {
	t.Helper()
	dir := t.TempDir()
	cfg := filepath.Join(dir, "config.yaml")
	yaml := fmt.Sprintf("database: %q\nlog: {level: warn}\ncommunities:\n  - id: coop\n    language: en\n    moderators: [\"console:ana\"]\n",
		filepath.Join(dir, "ledger.db"))
	for _, line := range community {
		yaml += "    " + line + "\n"
	}
	yaml += "console:\n  as: ana\n  members: [ana, bob]\n" + platforms
	if err := os.WriteFile(cfg, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	in, typed := io.Pipe()
	s := &served{t: t, ctx: ctx, dir: dir, out: &testutil.Buffer{}, errs: &testutil.Buffer{}, typed: typed}
	with.in, with.out, with.err = in, s.out, s.errs
	if with.lookupEnv == nil {
		with.lookupEnv = func(string) (string, bool) { return "", false }
	}
	done := make(chan int, 1)
	go func() { done <- run(ctx, []string{"run", "--console", "--config", cfg}, with) }()
	t.Cleanup(func() {
		cancel()
		typed.Close()
		if code := <-done; code != 0 {
			t.Errorf("run ended with %d: %s", code, s.errs.String())
		}
	})
	return s
}

// console types line and waits for want in what the console prints after
// it; it returns want's submatches.
func (s *served) console(line string, want *regexp.Regexp) []string {
	s.t.Helper()
	start := len(s.out.String())
	fmt.Fprintln(s.typed, line)
	for {
		if m := want.FindStringSubmatch(s.out.String()[start:]); m != nil {
			return m
		}
		if s.ctx.Err() != nil {
			s.t.Fatalf("the console did not answer %q with %v; it printed:\n%s\nstderr:\n%s", line, want, s.out.String()[start:], s.errs.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
}
