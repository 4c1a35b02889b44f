package ledger

import (
	"context"
	"database/sql"
	"errors"
)

// Idempotent commands. Every command is keyed by the platform event that
// carried it, and each feature records its commands in an append-only
// table of operations under that key: a redelivered event then finds its
// operation and gets the original result back instead of acting twice, and
// a key reused for another request is refused.

// Header is what every command carries, the same for every write: the
// community it acts in, its idempotency key (the platform event that
// carried it), the platform it came from, and who sent it. A command of
// the bot's scheduler (a scheduled newsletter) has a zero Actor.
type Header struct {
	Community CommunityID
	Key       string // idempotency key: the platform event ID
	Source    string // the platform the command came from
	Actor     Identity
}

// opLog is one feature's table of operations.
type opLog struct {
	table string
	// ref is the column a replay needs besides the operation's ID: what
	// the command acted on, or for the journal's operations, their actor.
	ref string
}

var (
	journalOps  = opLog{table: "operations", ref: "actor_id"}
	caseOps     = opLog{table: "case_ops", ref: "target"}
	decisionOps = opLog{table: "decision_ops", ref: "proposal_id"}
	groupOps    = opLog{table: "group_ops", ref: "target"}
)

// priorOp is an operation already recorded under a key.
type priorOp struct {
	id  int64
	ref int64 // the opLog's ref column
}

// lookup finds the operation recorded under key: found is false when the
// key is new, and the error is ECONFLICT when the key was recorded for
// another request (another kind, or other content).
func (l opLog) lookup(ctx context.Context, tx *Tx, key, fp, kind string) (op priorOp, found bool, err error) {
	var prior, priorKind string
	err = tx.QueryRowContext(ctx, "SELECT id, "+l.ref+", fingerprint, kind FROM "+l.table+" WHERE idem_key = ?", key).
		Scan(&op.id, &op.ref, &prior, &priorKind)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return priorOp{}, false, nil
	case err != nil:
		return priorOp{}, false, err
	case prior != fp || priorKind != kind:
		return priorOp{}, false, errorf(ECONFLICT, "key %q was recorded for another request", key)
	}
	return op, true, nil
}

// opRow is an operation to record in a feature's opLog.
type opRow struct {
	community CommunityID
	key, fp   string
	kind      string
	ref       int64 // what the command acted on
	actor     any   // an AccountID, or nil for the bot's scheduler
	source    string
}

// insert records an operation and returns its ID. The journal's
// operations, which have no ref column besides their actor, are recorded
// by insertOperation. The caller wraps the error with what it recorded.
func (l opLog) insert(ctx context.Context, tx *Tx, r opRow) (int64, error) {
	res, err := tx.ExecContext(ctx, `INSERT INTO `+l.table+` (community_id, idem_key, fingerprint, kind, `+l.ref+`, actor_id, source, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, r.community, r.key, r.fp, r.kind, r.ref, r.actor, r.source, tx.now.Unix())
	if err != nil {
		return 0, err
	}
	return res.LastInsertId()
}

// keyed runs one command, keyed by key in log, in a group commit (its own
// savepoint of a write transaction). A key already recorded for the same
// request gets replay's result, and nothing is written; a new key gets
// write's, returned once what write recorded is committed.
func keyed[R any](ctx context.Context, db *DB, log opLog, key, fp, kind string,
	replay func(tx *Tx, prior priorOp) (R, error), write func(tx *Tx) (R, error)) (R, error) {
	var zero R
	if key == "" {
		return zero, errorf(EINVALID, "missing idempotency key")
	}
	var r R
	err := db.update(ctx, func(tx *Tx) error {
		prior, found, err := log.lookup(ctx, tx, key, fp, kind)
		if err != nil {
			return err
		}
		if found {
			r, err = replay(tx, prior)
			return err
		}
		r, err = write(tx)
		return err
	})
	if err != nil {
		return zero, err
	}
	return r, nil
}
