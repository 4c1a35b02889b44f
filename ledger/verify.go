package ledger

import (
	"context"
	"database/sql"
	"fmt"
	"os"
)

// Problem is one broken invariant found by Verify.
type Problem string

// Report is the result of Verify.
type Report struct {
	Accounts  int
	Exchanges int
	Problems  []Problem
}

// OK is true when every invariant holds.
func (r Report) OK() bool { return len(r.Problems) == 0 }

// Verify recomputes what the ledger keeps, from one snapshot: every balance
// equals the sum of its entries, every community's balances sum to zero,
// every correction mirrors the entry it cancels, and SQLite finds the file
// sound. It writes nothing.
func (db *DB) Verify(ctx context.Context) (Report, error) {
	tx, err := db.read(ctx)
	if err != nil {
		return Report{}, err
	}
	defer tx.Rollback()
	var rep Report
	add := func(format string, args ...any) {
		rep.Problems = append(rep.Problems, Problem(fmt.Sprintf(format, args...)))
	}

	if err := tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM accounts").Scan(&rep.Accounts); err != nil {
		return rep, err
	}
	if err := tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM exchanges").Scan(&rep.Exchanges); err != nil {
		return rep, err
	}

	rows, err := tx.QueryContext(ctx, `
		WITH moves AS (
			SELECT to_id AS id, SUM(minutes) AS m FROM exchanges GROUP BY to_id
			UNION ALL
			SELECT from_id, -SUM(minutes) FROM exchanges GROUP BY from_id),
		sums AS (SELECT id, SUM(m) AS total FROM moves GROUP BY id)
		SELECT a.id, a.display_name, a.balance, COALESCE(s.total, 0)
		FROM accounts a LEFT JOIN sums s ON s.id = a.id
		WHERE a.balance <> COALESCE(s.total, 0)`)
	if err != nil {
		return rep, err
	}
	for rows.Next() {
		var id, bal, sum int64
		var name string
		if err := rows.Scan(&id, &name, &bal, &sum); err != nil {
			rows.Close()
			return rep, err
		}
		add("account %d (%s): balance %d but its entries sum to %d", id, name, bal, sum)
	}
	rows.Close()

	rows, err = tx.QueryContext(ctx, `SELECT c.slug, SUM(a.balance) FROM accounts a JOIN communities c ON c.id = a.community_id
		GROUP BY c.id HAVING SUM(a.balance) <> 0`)
	if err != nil {
		return rep, err
	}
	for rows.Next() {
		var slug string
		var sum int64
		if err := rows.Scan(&slug, &sum); err != nil {
			rows.Close()
			return rep, err
		}
		add("community %s: balances sum to %d, not 0", slug, sum)
	}
	rows.Close()

	rows, err = tx.QueryContext(ctx, `SELECT r.id, o.id FROM exchanges r JOIN exchanges o ON o.id = r.reverses
		WHERE r.from_id <> o.to_id OR r.to_id <> o.from_id OR r.minutes <> o.minutes
		   OR r.community_id <> o.community_id OR o.reverses IS NOT NULL`)
	if err != nil {
		return rep, err
	}
	for rows.Next() {
		var r, o int64
		if err := rows.Scan(&r, &o); err != nil {
			rows.Close()
			return rep, err
		}
		add("exchange %d does not mirror the entry %d it reverses", r, o)
	}
	rows.Close()

	var cross int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM exchanges e
		JOIN accounts f ON f.id = e.from_id JOIN accounts t ON t.id = e.to_id
		WHERE f.community_id <> e.community_id OR t.community_id <> e.community_id`).Scan(&cross); err != nil {
		return rep, err
	}
	if cross > 0 {
		add("%d exchanges cross community boundaries", cross)
	}

	var check string
	if err := tx.QueryRowContext(ctx, "PRAGMA quick_check").Scan(&check); err != nil {
		return rep, err
	}
	if check != "ok" {
		add("sqlite quick_check: %s", check)
	}
	return rep, nil
}

// Backup writes a consistent copy of the live database to path, which must
// not exist yet. Writers go on while it runs.
func (db *DB) Backup(ctx context.Context, path string) error {
	if _, err := os.Stat(path); err == nil {
		return fmt.Errorf("ledger: backup target %s already exists", path)
	}
	// VACUUM INTO reads one snapshot and writes a compact, self-contained
	// file (no -wal beside it), which is what a backup should be. It needs a
	// connection of its own: the readers are query_only, which forbids
	// writing even another file, and the single writer must stay free for
	// gifts while a large backup runs.
	conn, err := sql.Open("sqlite3", dsn(db.path, db.opts, "deferred", false))
	if err != nil {
		return fmt.Errorf("ledger: backup: %w", err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "VACUUM INTO ?", path); err != nil {
		return fmt.Errorf("ledger: backup: %w", err)
	}
	return conn.Close()
}
