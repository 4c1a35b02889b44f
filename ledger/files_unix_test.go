//go:build unix

package ledger

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// The database, its WAL and SHM and backups are private whatever the umask.
func TestFilesArePrivate(t *testing.T) {
	old := syscall.Umask(0o022)
	defer syscall.Umask(old)
	e := newEnv(t)
	e.mustGive(ana, 10, bob)
	backup := filepath.Join(t.TempDir(), "backup.db")
	if err := e.db.Backup(e.ctx, backup); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{e.path, e.path + "-wal", e.path + "-shm", backup} {
		st, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm() != 0o600 {
			t.Errorf("%s has mode %v, want 0600", filepath.Base(p), st.Mode().Perm())
		}
	}
	// A ledger made readable by others before this rule is tightened.
	e.db.Close()
	if err := os.Chmod(e.path, 0o644); err != nil {
		t.Fatal(err)
	}
	db := openFile(t, e.path, Options{Durability: DurabilityNormal})
	db.Close()
	if st, _ := os.Stat(e.path); st.Mode().Perm() != 0o600 {
		t.Errorf("reopened ledger has mode %v, want 0600", st.Mode().Perm())
	}
}
