package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/entraide/entraide/ledger"
)

// checkedFile is what opening and verifying a ledger file found.
type checkedFile struct {
	report ledger.Report
	schema int
}

// verifyFile opens a ledger file (a backup, a file about to be restored),
// checks every invariant and closes it. Opening brings an older schema up
// to date and refuses a newer one.
func verifyFile(ctx context.Context, path string) (checkedFile, error) {
	db, err := ledger.Open(ctx, path, ledger.Options{})
	if err != nil {
		return checkedFile{}, err
	}
	defer db.Close()
	var cf checkedFile
	if cf.schema, err = db.SchemaVersion(ctx); err != nil {
		return cf, err
	}
	if cf.report, err = db.Verify(ctx); err != nil {
		return cf, err
	}
	if !cf.report.OK() {
		return cf, fmt.Errorf("%s: %d broken invariant(s): %v", path, len(cf.report.Problems), cf.report.Problems)
	}
	return cf, db.Close()
}

// backupsFolder is where scheduled backups go: the config's folder, else
// "backups" beside the database.
func (cfg Config) backupsFolder() string {
	if cfg.Backups.Folder != "" {
		return cfg.Backups.Folder
	}
	return filepath.Join(filepath.Dir(cfg.Database), "backups")
}

const backupPrefix, backupSuffix = "entraide-", ".db"

// scheduledBackup writes a backup named after its time, verifies it, and
// removes the oldest beyond the number to keep. A backup that fails its
// check is removed and reported: it would mislead whoever restores it.
func (e *env) scheduledBackup(ctx context.Context, now time.Time) (string, error) {
	dir := e.cfg.backupsFolder()
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", err
	}
	path := filepath.Join(dir, backupPrefix+now.UTC().Format("20060102-150405")+backupSuffix)
	if err := e.db.Backup(ctx, path); err != nil {
		return "", err
	}
	cf, err := verifyFile(ctx, path)
	if err != nil {
		os.Remove(path)
		return "", fmt.Errorf("backup %s failed its check and was removed: %w", path, err)
	}
	e.log.Info("backup written and verified", "file", path, "accounts", cf.report.Accounts, "entries", cf.report.Exchanges)
	return path, pruneBackups(dir, e.cfg.Backups.Keep)
}

// pruneBackups keeps the newest keep scheduled backups of dir (their
// names sort by time) and removes the others; files it did not name are
// left alone.
func pruneBackups(dir string, keep int) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	var names []string
	for _, d := range entries {
		if n := d.Name(); d.Type().IsRegular() && strings.HasPrefix(n, backupPrefix) && strings.HasSuffix(n, backupSuffix) {
			names = append(names, n)
		}
	}
	slices.Sort(names)
	for len(names) > keep {
		if err := os.Remove(filepath.Join(dir, names[0])); err != nil {
			return err
		}
		names = names[1:]
	}
	return nil
}
