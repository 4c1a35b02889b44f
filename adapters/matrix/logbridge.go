package matrix

import (
	"context"
	"encoding/json"
	"log/slog"
	"sort"

	"github.com/rs/zerolog"
)

// zerologTo makes mautrix (which logs with zerolog) log through slog, so
// the operator reads one log. Only warnings and errors pass: mautrix logs
// every request at debug level, with message bodies.
func zerologTo(log *slog.Logger) zerolog.Logger {
	return zerolog.New(slogWriter{log: log}).Level(zerolog.WarnLevel)
}

// expected tells the mautrix warnings that describe what the adapter does
// on purpose; they would only worry the operator.
func expected(msg string) bool {
	switch msg {
	case "Request canceled": // every shutdown cancels the long poll
		return true
	case "Request failed": // the adapter logs its retries, or returns the error
		return true
	case "Client syncer does not implement DispatchableSyncer. Events will not be decrypted automatically.":
		return true // the adapter decrypts room events itself (see hookSyncer)
	}
	return false
}

// slogWriter re-emits zerolog's JSON lines as slog records.
type slogWriter struct{ log *slog.Logger }

func (w slogWriter) Write(p []byte) (int, error) {
	return w.WriteLevel(zerolog.NoLevel, p)
}

func (w slogWriter) WriteLevel(level zerolog.Level, p []byte) (int, error) {
	var fields map[string]any
	if err := json.Unmarshal(p, &fields); err != nil {
		w.log.Warn(string(p))
		return len(p), nil
	}
	msg, _ := fields[zerolog.MessageFieldName].(string)
	// Request bodies can hold members' messages; they are not logged.
	for _, k := range []string{zerolog.MessageFieldName, zerolog.LevelFieldName, zerolog.TimestampFieldName, "req_body"} {
		delete(fields, k)
	}
	keys := make([]string, 0, len(fields))
	for k := range fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	attrs := make([]any, 0, 2*len(keys))
	for _, k := range keys {
		attrs = append(attrs, k, fields[k])
	}
	lvl := slogLevel(level)
	if expected(msg) {
		lvl = slog.LevelDebug
	}
	w.log.Log(context.Background(), lvl, msg, attrs...)
	return len(p), nil
}

func slogLevel(l zerolog.Level) slog.Level {
	switch {
	case l >= zerolog.ErrorLevel && l != zerolog.NoLevel:
		return slog.LevelError
	case l == zerolog.WarnLevel:
		return slog.LevelWarn
	case l == zerolog.InfoLevel, l == zerolog.NoLevel:
		return slog.LevelInfo
	}
	return slog.LevelDebug
}
