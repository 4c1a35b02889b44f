package schedules

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"
)

func TestQuietJobsLogOnlyTheirTrouble(t *testing.T) {
	var buf bytes.Buffer
	s := New(slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelInfo})), time.UTC)
	if err := s.AddQuiet("bad", "every minute", func(context.Context) error { return nil }); err == nil {
		t.Error("a bad spec was accepted")
	}
	if err := s.AddQuiet("tick", "* * * * *", func(context.Context) error { return nil }); err != nil {
		t.Fatal(err)
	}
	ran := false
	s.wrapQuiet("fine", func(context.Context) error { ran = true; return nil })()
	if !ran || buf.Len() != 0 {
		t.Fatalf("ran %v, logged %q: a successful quiet job logs nothing at info", ran, buf.String())
	}
	s.wrapQuiet("fails", func(context.Context) error { return errors.New("disk full") })()
	s.wrapQuiet("boom", func(context.Context) error { panic("kaboom") })()
	for _, want := range []string{"job=fails", "disk full", "job=boom", "kaboom"} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("log lacks %q:\n%s", want, buf.String())
		}
	}
}
