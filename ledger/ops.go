package ledger

import (
	"context"
	"database/sql"
	"errors"
	"strings"
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
	aidOps      = opLog{table: "aid_ops", ref: "target"}
	commonsOps  = opLog{table: "commons_ops", ref: "target"}
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
	err = q.QueryRowContext(ctx, "SELECT id, "+l.ref+", fingerprint, kind FROM "+l.table+" WHERE idem_key = ?", key).
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

// insert records an operation and returns its ID. The journal's
// operations have no ref column besides their actor. The caller wraps
// the error with what it recorded.
func (l opLog) insert(ctx context.Context, tx *Tx, r opRow) (int64, error) {
	cols, args := "community_id, idem_key, fingerprint, kind, actor_id, source, created_at, ",
		[]any{r.community, r.key, r.fp, r.kind, r.actor, r.source, tx.now.Unix()}
	if l.ref != "actor_id" {
		cols, args = cols+l.ref+", ", append(args, r.ref)
	}
	marks := strings.Repeat("?, ", len(args))
	res, err := tx.ExecContext(ctx, "INSERT INTO "+l.table+" ("+cols[:len(cols)-2]+") VALUES ("+marks[:len(marks)-2]+")", args...)
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
