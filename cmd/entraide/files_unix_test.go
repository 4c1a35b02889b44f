//go:build unix

package main

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// Under the usual umask 022, what the bot creates is still private: the
// data directory, the database with its WAL and SHM, a backup, and the
// statements /export saves.
func TestFilesArePrivateUnderUmask022(t *testing.T) {
	old := syscall.Umask(0o022)
	defer syscall.Umask(old)
	e := newToolsEnv(t)
	out, errs, code := e.run(t, "ana: /give 1h @bob for soup\nbob: /export\n", "console", "--run-id", "modes")
	if code != 0 || !strings.Contains(out, "📎") {
		t.Fatalf("console (exit %d): %s %s", code, out, errs)
	}
	backup := filepath.Join(e.dir, "backup.db")
	if _, errs, code := e.run(t, "", "backup", backup); code != 0 {
		t.Fatalf("backup: %s", errs)
	}
	exports, _ := filepath.Glob(filepath.Join(e.dir, "exports", "*"))
	if len(exports) == 0 {
		t.Fatal("no export was saved")
	}
	want := map[string]os.FileMode{filepath.Dir(e.db): 0o700, e.db: 0o600, backup: 0o600, filepath.Join(e.dir, "exports"): 0o700}
	for _, p := range exports {
		want[p] = 0o600
	}
	for _, side := range []string{"-wal", "-shm"} {
		if _, err := os.Stat(e.db + side); err == nil {
			want[e.db+side] = 0o600
		}
	}
	for p, mode := range want {
		st, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm() != mode {
			t.Errorf("%s has mode %v, want %v", p, st.Mode().Perm(), mode)
		}
	}
}
