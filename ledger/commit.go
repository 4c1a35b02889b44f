package ledger

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"time"

	"github.com/mattn/go-sqlite3"
)

// Group commit. Commands that write go to one goroutine that owns the
// writer connection: it takes every command waiting for it into one
// transaction, runs each in a savepoint of its own, so that a refusal or
// a failure rolls back that command only, commits once, and only then
// answers each command. One commit (and, at full durability, one fsync)
// then serves every member who typed at the same moment; each command
// still sees the ones before it in the batch, so idempotency keys and
// limits hold as if they ran one by one, and the hash chain follows the
// order in which they ran, which is the commit order.

// maxBatch bounds how many commands one commit carries, so that a burst
// does not delay the first command of it for long.
const maxBatch = 64

// ErrClosed is returned for a write asked of a closed ledger.
var ErrClosed = errors.New("ledger: closed")

// write is one command waiting for the writer.
type write struct {
	ctx  context.Context
	fn   func(tx *Tx) error
	done chan error
}

// CommitStats counts the group commits since Open, the commands they
// carried, refused ones included, and the background checkpoints.
// WriterBusy is the time the writer spent running batches, from their
// BEGIN to their last answer: beside the wall time, it tells whether the
// single writer is what limits throughput.
type CommitStats struct {
	Commits, Commands               int64
	Checkpoints, CheckpointFailures int64
	WriterBusy                      time.Duration
}

// CommitStats is what the writer and the checkpointer have done so far.
func (db *DB) CommitStats() CommitStats {
	return CommitStats{Commits: db.commits.Load(), Commands: db.batched.Load(),
		Checkpoints: db.checkpoints.Load(), CheckpointFailures: db.checkpointFailures.Load(),
		WriterBusy: time.Duration(db.writerBusy.Load())}
}

// update runs fn as part of the next group commit and returns its error,
// or the commit's: fn's writes are durable when update returns nil. fn
// must not call update itself.
func (db *DB) update(ctx context.Context, fn func(tx *Tx) error) error {
	w := &write{ctx: ctx, fn: fn, done: make(chan error, 1)}
	select {
	case db.writes <- w:
	case <-db.quit:
		return ErrClosed
	case <-ctx.Done():
		return ctx.Err()
	}
	// Once taken, a command is always answered, after its batch commits
	// or rolls back: a caller that stopped waiting would not know which.
	return <-w.done
}

// writeLoop is the writer: it runs until Close.
func (db *DB) writeLoop() {
	defer close(db.loopDone)
	batch := make([]*write, 0, maxBatch)
	for {
		select {
		case w := <-db.writes:
			batch = append(batch[:0], w)
		case <-db.quit:
			return
		}
	fill:
		for len(batch) < maxBatch {
			select {
			case w := <-db.writes:
				batch = append(batch, w)
			default:
				break fill
			}
		}
		start := time.Now()
		db.commitBatch(batch)
		db.writerBusy.Add(int64(time.Since(start)))
		clear(batch)
	}
}

// commitBatch runs a batch in one transaction and answers each command.
func (db *DB) commitBatch(batch []*write) {
	errs := make([]error, len(batch))
	fail := func(err error) {
		for _, w := range batch {
			w.done <- err
		}
	}
	tx, release, err := db.beginBatch()
	if err != nil {
		fail(err)
		return
	}
	// Whatever happens, the connection goes back to the pool with no
	// transaction open: a batch not committed is rolled back there.
	defer release()
	// Alone, a command needs no savepoint: its failure is the batch's.
	savepoints := len(batch) > 1
	for i, w := range batch {
		if err := w.ctx.Err(); err != nil {
			errs[i] = err // its caller gave up before it ran: it is not run
			continue
		}
		if savepoints {
			if _, err := tx.conn.ExecContext(context.Background(), "SAVEPOINT command"); err != nil {
				fail(fmt.Errorf("ledger: savepoint: %w", err))
				return
			}
		}
		errs[i] = w.fn(tx)
		if !savepoints {
			continue
		}
		end := "RELEASE command"
		if errs[i] != nil {
			end = "ROLLBACK TO command; RELEASE command"
		}
		if _, err := tx.conn.ExecContext(context.Background(), end); err != nil {
			// The transaction itself is gone (an I/O error aborts it):
			// nothing of the batch is committed.
			fail(fmt.Errorf("ledger: end of command in batch: %w", err))
			return
		}
	}
	if !savepoints && errs[0] != nil {
		fail(errs[0])
		return
	}
	if _, err := tx.conn.ExecContext(context.Background(), "COMMIT"); err != nil {
		fail(fmt.Errorf("ledger: commit: %w", err))
		return
	}
	db.commits.Add(1)
	db.batched.Add(int64(len(batch)))
	db.wakeCheckpointer()
	for i, w := range batch {
		w.done <- errs[i]
	}
}

// beginBatch starts a group commit's transaction on the writer's
// connection, held for the batch. It is begun and ended by statements on
// the connection rather than as a *sql.Tx: database/sql watches every
// query of a *sql.Tx from a goroutine of its own, started and woken for
// each one, which cost the single writer more than some of its
// statements. release rolls back whatever was not committed and gives the
// connection back; a connection whose transaction would not end is
// closed rather than reused.
func (db *DB) beginBatch() (tx *Tx, release func(), err error) {
	ctx := context.Background()
	conn, err := db.writer.Conn(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("ledger: begin: %w", err)
	}
	release = func() {
		conn.Raw(func(dc any) error {
			c, ok := dc.(*sqlite3.SQLiteConn)
			if !ok || c.AutoCommit() {
				return nil
			}
			if _, err := c.Exec("ROLLBACK", nil); err != nil {
				return driver.ErrBadConn
			}
			return nil
		})
		conn.Close()
	}
	if _, err := conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		release()
		return nil, nil, fmt.Errorf("ledger: begin: %w", err)
	}
	return &Tx{conn: conn, now: db.now().UTC()}, release, nil
}

// Statements of a write transaction ignore the cancellation of the
// context they are given: SQLite answers an interrupted write inside a
// transaction by rolling the whole transaction back, which would undo
// every other command of a group commit. Commands are short; a caller
// who gives up waits for its batch instead.

// ExecContext runs a statement of the transaction.
func (tx *Tx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return tx.conn.ExecContext(context.WithoutCancel(ctx), query, args...)
}

// QueryContext runs a query of the transaction.
func (tx *Tx) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return tx.conn.QueryContext(context.WithoutCancel(ctx), query, args...)
}

// QueryRowContext runs a one-row query of the transaction.
func (tx *Tx) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	return tx.conn.QueryRowContext(context.WithoutCancel(ctx), query, args...)
}
