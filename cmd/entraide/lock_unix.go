//go:build unix

package main

import (
	"errors"
	"fmt"
	"os"
	"syscall"
)

// errLedgerBusy says another process serves the ledger.
var errLedgerBusy = errors.New("ledger in use")

// lockLedger takes the lock a serving bot holds on its ledger (a file
// beside it, locked with flock): restore refuses to replace a ledger
// under a running bot, and two bots never serve one ledger. The kernel
// releases the lock when the process dies, even by SIGKILL.
func lockLedger(database string) (release func() error, err error) {
	path := database + ".lock"
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("%w: an entraide process is serving %s (balances, export, verify and backup work beside it)", errLedgerBusy, database)
		}
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	return f.Close, nil
}
