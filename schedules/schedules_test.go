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

func TestAddRefusesBadSpec(t *testing.T) {
	s := New(slog.New(slog.DiscardHandler), time.UTC)
	for _, spec := range []string{"", "every day", "61 * * * *", "* * * *"} {
		if err := s.Add("bad", spec, func(context.Context) error { return nil }); err == nil {
			t.Errorf("spec %q accepted", spec)
		}
	}
	for _, spec := range []string{"@daily", "30 3 * * *", "0 18 * * MON"} {
		if err := s.Add("good", spec, func(context.Context) error { return nil }); err != nil {
			t.Errorf("spec %q refused: %v", spec, err)
		}
	}
}

func TestWrapRecoversAndLogs(t *testing.T) {
	var buf bytes.Buffer
	s := New(slog.New(slog.NewTextHandler(&buf, nil)), time.UTC)
	s.wrap("boom", func(context.Context) error { panic("kaboom") })()
	s.wrap("fails", func(context.Context) error { return errors.New("disk full") })()
	ran := false
	s.wrap("fine", func(context.Context) error { ran = true; return nil })()
	out := buf.String()
	for _, want := range []string{"job=boom", "kaboom", "job=fails", "disk full", "job=fine"} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q:\n%s", want, out)
		}
	}
	if !ran {
		t.Error("job did not run")
	}
}
