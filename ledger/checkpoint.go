package ledger

import (
	"database/sql"
	"time"
)

// Checkpoints. In WAL mode a commit appends pages to the -wal file, and a
// checkpoint copies them back into the database file. SQLite runs one
// itself in the committing connection once the WAL holds a thousand
// pages: the single writer then stops serving commands while it copies
// thousands of pages and waits for the database file's fsync, and the
// members whose commands came meanwhile wait with it.
//
// A checkpointer goroutine with a connection of its own copies the pages
// in the background instead, after commits, on the other core. The
// writer's own automatic checkpoint stays on, with a threshold ten times
// SQLite's: it then finds almost every page already copied, finishes the
// few left, and lets the next commit start the WAL again from its
// beginning, which a background checkpoint alone cannot do while commits
// keep coming. It still waits for the database file's fsync, so it comes
// rarely: once every few hundred commits, not every few dozen.

// writerCheckpointPages is the WAL size, in pages, at which the writer
// checkpoints (SQLite's default is 1,000): 40 MiB of 4 KiB pages.
const writerCheckpointPages = 10000

// checkpointPause is the least time between two background checkpoints:
// a page written many times over a short while is then copied once.
//
// Each checkpoint ends with an fsync of the database file. At full
// durability every commit waits for an fsync of the WAL on the same disk,
// and one of the database file in between holds it up: ten checkpoints a
// second rather than a hundred took /give's p99 from 8–11 ms to about
// 6 ms. At normal durability commits wait for no fsync, but the WAL
// fills ten times faster: with the longer pause the writer's own
// checkpoint did most of the copying, in members' time.
func checkpointPause(d Durability) time.Duration {
	if d == DurabilityFull {
		return 100 * time.Millisecond
	}
	return 10 * time.Millisecond
}

// startCheckpointer opens the checkpointer's connection and starts it.
// It stops when db.quit closes; db.ckptDone closes then.
func (db *DB) startCheckpointer() {
	pool := openPool(dsn(db.path, db.opts, roleMaintenance))
	pool.SetMaxOpenConns(1)
	pool.SetMaxIdleConns(1)
	pool.SetConnMaxLifetime(0)
	pool.SetConnMaxIdleTime(0)
	db.ckptWake, db.ckptDone = make(chan struct{}, 1), make(chan struct{})
	go db.checkpointLoop(pool)
}

// wakeCheckpointer tells the checkpointer a commit added pages; it never
// blocks the writer.
func (db *DB) wakeCheckpointer() {
	select {
	case db.ckptWake <- struct{}{}:
	default:
	}
}

func (db *DB) checkpointLoop(pool *sql.DB) {
	defer close(db.ckptDone)
	defer pool.Close()
	pause := time.NewTimer(0)
	for {
		select {
		case <-db.ckptWake:
		case <-db.quit:
			return
		}
		// PASSIVE never waits for the writer or the readers: it copies
		// what no reader still needs and leaves the rest for later.
		var busy, frames, copied int64
		if err := pool.QueryRow("PRAGMA wal_checkpoint(PASSIVE)").Scan(&busy, &frames, &copied); err != nil {
			// The writer's own checkpoints still run: a failure here
			// costs speed, not data. It is counted for the bench.
			db.checkpointFailures.Add(1)
		} else {
			db.checkpoints.Add(1)
		}
		pause.Reset(checkpointPause(db.opts.Durability))
		select {
		case <-pause.C:
		case <-db.quit:
			return
		}
	}
}
