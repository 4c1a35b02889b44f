package main

import (
	"bytes"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// Scheduled backups are written, verified, named after their time, and
// only the newest ones are kept; other files of the folder stay.
func TestScheduledBackups(t *testing.T) {
	te := newToolsEnv(t)
	te.seed(t)
	c := &common{config: te.cfg}
	e, err := c.open(t.Context(), stdio{err: &bytes.Buffer{}, lookupEnv: noEnv})
	if err != nil {
		t.Fatal(err)
	}
	defer e.db.Close()
	var logs bytes.Buffer
	e.log = slog.New(slog.NewTextHandler(&logs, nil))
	e.cfg.Backups.Keep = 2
	dir := filepath.Join(filepath.Dir(te.db), "backups")
	if err := os.MkdirAll(dir, 0o750); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("mine"), 0o600); err != nil {
		t.Fatal(err)
	}
	start := time.Date(2026, 12, 1, 3, 0, 0, 0, time.UTC)
	var written []string
	for day := range 3 {
		path, err := e.scheduledBackup(t.Context(), start.AddDate(0, 0, day))
		if err != nil {
			t.Fatalf("backup %d: %v", day, err)
		}
		written = append(written, filepath.Base(path))
	}
	if written[0] != "entraide-20261201-030000.db" {
		t.Errorf("first backup named %q", written[0])
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, d := range entries {
		names = append(names, d.Name())
	}
	if want := []string{written[1], written[2], "notes.txt"}; !slices.Equal(names, want) {
		t.Errorf("backups folder holds %v, want %v", names, want)
	}
	// Each kept backup is a sound ledger with the seeded entries.
	cf, err := verifyFile(t.Context(), filepath.Join(dir, written[2]))
	if err != nil || cf.report.Exchanges != 4 {
		t.Errorf("newest backup: %+v, %v; want the 4 seeded entries", cf.report, err)
	}
	if !bytes.Contains(logs.Bytes(), []byte("backup written and verified")) {
		t.Errorf("no log line for the backups:\n%s", logs.String())
	}
}
