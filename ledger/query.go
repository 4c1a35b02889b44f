package ledger

import (
	"context"
	"database/sql"
	"errors"
)

// Reading lists. Every feature lists its rows the same way: a query, each
// row scanned into a value, and for the records that own other rows (a
// case and its members, a proposal and its history), a query selecting IDs
// whose records are then loaded one by one from the same read snapshot, so
// that a list never mixes two states of the ledger.

// querier runs a query returning rows: a *sql.DB, a *sql.Tx or a *Tx.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// queryer is a querier that also reads single rows, as loaders need.
type queryer interface {
	querier
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

type rowScanner interface{ Scan(dest ...any) error }

// queryRows runs query and scans every row with scan, in order.
func queryRows[T any](ctx context.Context, q querier, scan func(rowScanner) (T, error), query string, args ...any) ([]T, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// scanIDs runs a query selecting one ID column and returns the IDs, in order.
func scanIDs[ID ~int64](ctx context.Context, q querier, query string, args ...any) ([]ID, error) {
	return queryRows(ctx, q, func(row rowScanner) (ID, error) {
		var id ID
		err := row.Scan(&id)
		return id, err
	}, query, args...)
}

// loadAll loads with load, from one read snapshot, the records whose IDs
// query selects, in the query's order. The IDs are all read, and their rows
// closed, before the first record is loaded, so that a loader's queries
// never run beside an open result set on the snapshot's one connection.
func loadAll[ID ~int64, T any](ctx context.Context, db *DB, load func(context.Context, queryer, ID) (T, error), query string, args ...any) ([]T, error) {
	tx, err := db.read(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	return loadIDs(ctx, tx, load, query, args...)
}

// loadIDs is loadAll in a transaction already open (q).
func loadIDs[ID ~int64, T any](ctx context.Context, q queryer, load func(context.Context, queryer, ID) (T, error), query string, args ...any) ([]T, error) {
	ids, err := scanIDs[ID](ctx, q, query, args...)
	if err != nil {
		return nil, err
	}
	out := make([]T, 0, len(ids))
	for _, id := range ids {
		v, err := load(ctx, q, id)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// scanString scans a row of one text column.
func scanString(row rowScanner) (string, error) {
	var s string
	err := row.Scan(&s)
	return s, err
}

// scanVoter scans a member as account ID, display name and user ID.
func scanVoter(row rowScanner) (Voter, error) {
	var v Voter
	err := row.Scan(&v.Account, &v.Name, &v.UserID)
	return v, err
}

// nullIfZero is v, or NULL when v is zero: optional references (an
// actor, a group, the entry a correction reverses) are stored as NULL so
// that their foreign keys hold.
func nullIfZero[T comparable](v T) any {
	var zero T
	if v == zero {
		return nil
	}
	return v
}

// nextNumber is the number the next record of a community in table gets:
// cases, proposals and draws are numbered from 1 in each community.
func nextNumber(ctx context.Context, q queryer, table string, community CommunityID) (int, error) {
	var n int
	err := q.QueryRowContext(ctx, "SELECT COALESCE(MAX(number), 0) + 1 FROM "+table+" WHERE community_id = ?", community).Scan(&n)
	return n, err
}

// byNumber loads the record a community numbered number in table, with
// load; ENOTFOUND ("no <what> #<number>") when there is none.
func byNumber[ID ~int64, T any](ctx context.Context, q queryer, table, what string, community CommunityID, number int,
	load func(context.Context, queryer, ID) (T, error)) (T, error) {
	var id ID
	err := q.QueryRowContext(ctx, "SELECT id FROM "+table+" WHERE community_id = ? AND number = ?", community, number).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		var zero T
		return zero, errorf(ENOTFOUND, "no %s #%d", what, number)
	}
	if err != nil {
		var zero T
		return zero, err
	}
	return load(ctx, q, id)
}

// readOne loads one record from one read snapshot.
func readOne[T any](ctx context.Context, db *DB, load func(queryer) (T, error)) (T, error) {
	tx, err := db.read(ctx)
	if err != nil {
		var zero T
		return zero, err
	}
	defer tx.Rollback()
	return load(tx)
}

// inTx runs fn as one write transaction of its own, committed when fn
// returns no error: the writes of the scheduler and the adapters, which
// are not commands of a member and need no group commit.
func inTx[T any](ctx context.Context, db *DB, fn func(tx *Tx) (T, error)) (T, error) {
	var zero T
	tx, err := db.begin(ctx)
	if err != nil {
		return zero, err
	}
	defer tx.Rollback()
	v, err := fn(tx)
	if err != nil {
		return zero, err
	}
	if err := tx.Commit(); err != nil {
		return zero, err
	}
	return v, nil
}

// exec runs one statement as one write transaction.
func (db *DB) exec(ctx context.Context, query string, args ...any) error {
	_, err := inTx(ctx, db, func(tx *Tx) (sql.Result, error) { return tx.ExecContext(ctx, query, args...) })
	return err
}

// execNow is exec for a statement whose first argument is the
// transaction's time (a mark set once).
func (db *DB) execNow(ctx context.Context, query string, args ...any) error {
	_, err := inTx(ctx, db, func(tx *Tx) (sql.Result, error) {
		return tx.ExecContext(ctx, query, append([]any{tx.now.Unix()}, args...)...)
	})
	return err
}
