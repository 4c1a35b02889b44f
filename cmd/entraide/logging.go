package main

import (
	"io"
	"log/slog"
)

// newLogger writes the logs as config.yaml's log section says. In JSON,
// durations are milliseconds under a key ending in _ms ("took_ms": 1.25),
// which log tools can sum and compare; slog would write nanoseconds.
func newLogger(lc LogConfig, w io.Writer) *slog.Logger {
	level, _ := parseLevel(lc.Level)
	hopts := &slog.HandlerOptions{Level: level}
	if lc.Format != "json" {
		return slog.New(slog.NewTextHandler(w, hopts))
	}
	hopts.ReplaceAttr = func(_ []string, a slog.Attr) slog.Attr {
		if a.Value.Kind() == slog.KindDuration {
			return slog.Float64(a.Key+"_ms", float64(a.Value.Duration().Microseconds())/1000)
		}
		return a
	}
	return slog.New(slog.NewJSONHandler(w, hopts))
}
