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

// opLog is one feature's table of operations, with the two statements
// every command runs on it, made once rather than at each command.
type opLog struct {
	findSQL, insertSQL string
	refIsActor         bool // the journal's: no ref column but the actor's
}

// newOpLog is the opLog of table. ref is the column a replay needs
// besides the operation's ID: what the command acted on, or for the
// journal's operations, which have no other, their actor.
func newOpLog(table, ref string) opLog {
	cols, marks := "community_id, idem_key, fingerprint, kind, actor_id, source, created_at", "?, ?, ?, ?, ?, ?, ?"
	if ref != "actor_id" {
		cols, marks = cols+", "+ref, marks+", ?"
	}
	return opLog{
		findSQL:    "SELECT id, " + ref + ", fingerprint, kind FROM " + table + " WHERE idem_key = ?",
		insertSQL:  "INSERT INTO " + table + " (" + cols + ") VALUES (" + marks + ")",
		refIsActor: ref == "actor_id",
	}
}

var (
	journalOps  = newOpLog("operations", "actor_id")
	caseOps     = newOpLog("case_ops", "target")
	decisionOps = newOpLog("decision_ops", "proposal_id")
	groupOps    = newOpLog("group_ops", "target")
	aidOps      = newOpLog("aid_ops", "target")
	commonsOps  = newOpLog("commons_ops", "target")
)

// priorOp is an operation already recorded under a key.
type priorOp struct {
	id   int64
	ref  int64 // the opLog's ref column
	fp   string
	kind string
}

// find reads the operation recorded under key; found is false when there
// is none. It is lookup without the check of the request, for a caller
// that must know before it writes (the core, before it makes a platform
// room for a command that may be a redelivery).
func (l opLog) find(ctx context.Context, q queryer, key string) (op priorOp, found bool, err error) {
	err = q.QueryRowContext(ctx, l.findSQL, key).
		Scan(&op.id, &op.ref, &op.fp, &op.kind)
	if errors.Is(err, sql.ErrNoRows) {
		return priorOp{}, false, nil
	}
	return op, err == nil, err
}

// lookup finds the operation recorded under key: found is false when the
// key is new, and the error is ECONFLICT when the key was recorded for
// another request (another kind, or other content).
func (l opLog) lookup(ctx context.Context, tx *Tx, key, fp, kind string) (priorOp, bool, error) {
	op, found, err := l.find(ctx, tx, key)
	if err != nil || !found {
		return priorOp{}, false, err
	}
	if op.fp != fp || op.kind != kind {
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

// op is the row that records command h, of kind and content fp, acting
// on ref, with actor's account.
func (h Header) op(fp, kind string, ref int64, actor AccountID) opRow {
	return opRow{community: h.Community, key: h.Key, fp: fp, kind: kind, ref: ref, actor: actor, source: h.Source}
}

// insert records an operation and returns its ID. The caller wraps the
// error with what it recorded.
func (l opLog) insert(ctx context.Context, tx *Tx, r opRow) (int64, error) {
	args := []any{r.community, r.key, r.fp, r.kind, r.actor, r.source, tx.now.Unix()}
	if !l.refIsActor {
		args = append(args, r.ref)
	}
	res, err := tx.ExecContext(ctx, l.insertSQL, args...)
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
