package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"
)

// cmdRestore puts a backup in place of the configured ledger: it refuses
// while a bot serves that ledger, verifies a copy of the backup beside the
// ledger, keeps the replaced files aside, then renames the copy in (one
// atomic step on the same filesystem).
func cmdRestore(ctx context.Context, args []string, io stdio) error {
	fs, c := newFlags("restore", io)
	backup, err := parseFileArg(fs, args, "Usage: entraide restore [flags] BACKUP\n"+
		"Replaces the configured ledger by BACKUP, once verified; the bot must be stopped.")
	if err != nil {
		return err
	}
	cfg, _, _, err := c.load(io)
	if err != nil {
		return err
	}
	target := cfg.Database
	if st, err := os.Stat(backup); err != nil || !st.Mode().IsRegular() {
		return fmt.Errorf("no backup file at %s", backup)
	}
	if same(backup, target) {
		return fmt.Errorf("%s is the ledger itself, not a backup of it", backup)
	}
	if err := makeDir(target); err != nil {
		return err
	}
	release, err := lockLedger(target)
	if errors.Is(err, errLedgerBusy) {
		return fmt.Errorf("%w: stop the bot first (docker compose stop, systemctl stop entraide), then restore; nothing was changed", err)
	}
	if err != nil {
		return err
	}
	defer release()

	staged := target + ".restoring"
	removeLedgerFiles(staged)
	if err := copyFile(backup, staged); err != nil {
		removeLedgerFiles(staged)
		return err
	}
	cf, err := verifyFile(ctx, staged)
	if err != nil {
		removeLedgerFiles(staged)
		return fmt.Errorf("the backup does not pass the ledger's checks; nothing was changed: %w", err)
	}
	aside := ""
	if _, err := os.Stat(target); err == nil {
		aside = target + ".replaced-" + time.Now().UTC().Format("20060102-150405")
		if err := moveLedgerFiles(target, aside); err != nil {
			removeLedgerFiles(staged)
			return fmt.Errorf("keep the current ledger aside: %w", err)
		}
	}
	if err := os.Rename(staged, target); err != nil {
		return fmt.Errorf("put the backup in place (the previous ledger is at %s): %w", aside, err)
	}
	fmt.Fprintf(io.out, "restored %s into %s: verified, %d accounts and %d entries, schema version %d\n",
		backup, target, cf.report.Accounts, cf.report.Exchanges, cf.schema)
	if aside != "" {
		fmt.Fprintf(io.out, "the replaced ledger is kept at %s (delete it once the restored one is right)\n", aside)
	}
	return nil
}

// ledgerFiles are the suffixes of a WAL database's files: the ledger and
// what SQLite keeps beside it, moved or removed together, or committed
// writes would be lost or misapplied.
func ledgerFiles() []string { return []string{"", "-wal", "-shm"} }

func moveLedgerFiles(from, to string) error {
	for _, s := range ledgerFiles() {
		if err := os.Rename(from+s, to+s); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
	}
	return nil
}

func removeLedgerFiles(path string) {
	for _, s := range ledgerFiles() {
		os.Remove(path + s)
	}
}

// same says whether a and b name one file.
func same(a, b string) bool {
	sa, errA := os.Stat(a)
	sb, errB := os.Stat(b)
	if errA == nil && errB == nil {
		return os.SameFile(sa, sb)
	}
	pa, _ := filepath.Abs(a)
	pb, _ := filepath.Abs(b)
	return pa == pb
}

// copyFile copies src to dst, synced to disk before it is renamed over
// anything.
func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	if err := out.Sync(); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
