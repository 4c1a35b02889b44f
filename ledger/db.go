// Package ledger is the only package that opens SQLite. It keeps the time
// bank's accounts and its append-only journal of exchanges, and every other
// record the bot needs to survive a restart.
package ledger

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"runtime"
	"sort"
	"strings"
	"sync/atomic"
	"time"

	"github.com/mattn/go-sqlite3"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Durability says when a commit is acknowledged.
type Durability string

const (
	// DurabilityFull survives a power cut: every commit is fsynced (the default).
	DurabilityFull Durability = "full"
	// DurabilityNormal survives a crash of the process but may lose the last
	// commits on a power cut; it is faster on slow disks.
	DurabilityNormal Durability = "normal"
)

// Options tune Open. The zero value is a durable ledger on the real clock.
type Options struct {
	Durability Durability
	// Now is the clock; each write transaction reads it once. Tests inject one.
	Now func() time.Time
	// BusyTimeout is how long a connection waits for a lock before failing.
	BusyTimeout time.Duration
}

// DB is an open ledger: one writer connection, because SQLite serializes
// writers anyway and a single connection makes BEGIN IMMEDIATE queue in Go
// rather than spin on SQLITE_BUSY, plus a pool of readers that WAL lets run
// beside the writer.
type DB struct {
	path   string
	opts   Options // as completed by Open, for the connections Backup opens
	writer *sql.DB
	reader *sql.DB
	now    func() time.Time
	// writes feeds the group-commit writer (commit.go) until quit closes;
	// loopDone closes when it has stopped.
	writes   chan *write
	quit     chan struct{}
	loopDone chan struct{}
	// commits and batched count group commits and their commands.
	commits, batched atomic.Int64
	// writerBusy is the writer's time in batches, in nanoseconds.
	writerBusy atomic.Int64
	// ckptWake wakes the background checkpointer (checkpoint.go), which
	// closes ckptDone when it has stopped; it counts its checkpoints.
	ckptWake                        chan struct{}
	ckptDone                        chan struct{}
	checkpoints, checkpointFailures atomic.Int64
}

// Open opens (creating if needed) the ledger at path, applies pending
// migrations and confirms the pragmas every connection must carry.
func Open(ctx context.Context, path string, opts Options) (*DB, error) {
	if path == "" || strings.Contains(path, "?") || strings.HasPrefix(path, ":memory:") {
		// :memory: would give each pooled connection its own empty database.
		return nil, fmt.Errorf("ledger: a file path is required, got %q", path)
	}
	if opts.Durability == "" {
		opts.Durability = DurabilityFull
	}
	if opts.Durability != DurabilityFull && opts.Durability != DurabilityNormal {
		return nil, fmt.Errorf("ledger: durability must be %q or %q, got %q", DurabilityFull, DurabilityNormal, opts.Durability)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.BusyTimeout == 0 {
		opts.BusyTimeout = 10 * time.Second
	}

	// A file that is some other program's database is refused before
	// anything is written to it; a new one is created private.
	if err := checkLedgerFile(ctx, path); err != nil {
		return nil, err
	}
	if err := createPrivate(path); err != nil {
		return nil, err
	}
	writer := openPool(dsn(path, opts, roleWriter), fmt.Sprintf("PRAGMA wal_autocheckpoint = %d", writerCheckpointPages))
	writer.SetMaxOpenConns(1)
	writer.SetMaxIdleConns(1)
	writer.SetConnMaxLifetime(0)
	writer.SetConnMaxIdleTime(0)

	db := &DB{path: path, opts: opts, writer: writer, now: opts.Now}
	if err := db.confirmPragmas(ctx, writer, opts); err != nil {
		writer.Close()
		return nil, err
	}
	if err := db.migrate(ctx); err != nil {
		writer.Close()
		return nil, err
	}

	// Readers are opened after migrations so they never see a half-made file.
	reader := openPool(dsn(path, opts, roleReader))
	reader.SetMaxOpenConns(2 * runtime.GOMAXPROCS(0))
	reader.SetMaxIdleConns(2 * runtime.GOMAXPROCS(0))
	db.reader = reader
	if err := db.confirmPragmas(ctx, reader, opts); err != nil {
		db.Close()
		return nil, err
	}
	db.writes, db.quit, db.loopDone = make(chan *write), make(chan struct{}), make(chan struct{})
	db.startCheckpointer()
	go db.writeLoop()
	return db, nil
}

// openPool is a pool of connections to dsn, each with the functions the
// ledger's triggers call. A connector rather than a registered driver
// name: nothing global is set up.
// Pragmas the driver has no DSN key for are run on each new connection.
func openPool(dsn string, pragmas ...string) *sql.DB {
	drv := &sqlite3.SQLiteDriver{ConnectHook: func(conn *sqlite3.SQLiteConn) error {
		// A statement that fires a trigger keeps a statement journal to
		// undo itself on a failed constraint; in a temporary file,
		// opening it cost more than the rest of a gift. It stays small:
		// one command's rows.
		for _, p := range append([]string{"PRAGMA temp_store = MEMORY"}, pragmas...) {
			if _, err := conn.Exec(p, nil); err != nil {
				return err
			}
		}
		return conn.RegisterFunc(chainFunc, chainSQLFunc, true)
	}}
	return sql.OpenDB(connector{dsn: dsn, drv: drv})
}

type connector struct {
	dsn string
	drv *sqlite3.SQLiteDriver
}

func (c connector) Connect(context.Context) (driver.Conn, error) { return c.drv.Open(c.dsn) }
func (c connector) Driver() driver.Driver                        { return c.drv }

// createPrivate makes sure the database file exists and only its owner
// may read it, whatever the umask: it holds mediation notes. SQLite
// gives the -wal and -shm files it creates the database file's mode.
// Files made before this rule are tightened too.
func createPrivate(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	switch {
	case err == nil:
		if err := f.Chmod(0o600); err != nil {
			f.Close()
			return fmt.Errorf("ledger: %w", err)
		}
		return f.Close()
	case !errors.Is(err, fs.ErrExist):
		return fmt.Errorf("ledger: create %s: %w", path, err)
	}
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		st, err := os.Stat(p)
		if err != nil {
			continue // no -wal or -shm yet
		}
		if st.Mode().Perm()&0o077 != 0 {
			if err := os.Chmod(p, st.Mode().Perm()&0o700); err != nil {
				return fmt.Errorf("ledger: make %s private: %w", p, err)
			}
		}
	}
	return nil
}

// A connection's role says which settings its DSN carries besides the
// ones every connection shares.
type connRole int

const (
	// roleWriter writes: BEGIN IMMEDIATE, and a page cache large enough
	// for the hot pages of a community's accounts and indexes. Only the
	// writer's cache survives from one transaction to the next (a reader's
	// is dropped whenever another connection has committed), and with the
	// default 2 MiB a gift read back pages evicted by the previous ones.
	roleWriter connRole = iota
	// roleReader reads snapshots and never writes.
	roleReader
	// roleMaintenance runs checkpoints and backups beside the writer.
	roleMaintenance
)

// writerCacheKiB is the writer's page cache (SQLite's default is 2 MiB).
const writerCacheKiB = 32 << 10

// dsn puts every pragma in the connection string, so that each connection
// the pool opens carries them, not only the first one.
func dsn(path string, opts Options, role connRole) string {
	q := url.Values{}
	q.Set("_journal_mode", "WAL")
	q.Set("_busy_timeout", fmt.Sprint(opts.BusyTimeout.Milliseconds()))
	q.Set("_foreign_keys", "1")
	q.Set("_synchronous", strings.ToUpper(string(opts.Durability)))
	// Each connection keeps its prepared statements: a gift runs a dozen
	// statements, and preparing them anew every time was a third of its CPU.
	// The driver clears a kept statement's values before each run, and
	// SQLite then prepares again any statement whose plan weighed a bound
	// value: a bound LIMIT, or an equality the planner may filter on
	// rather than seek by (in a join, or beside an ORDER BY; unlikely()
	// gives such a term an estimate of its own). Statements run often are
	// written so that theirs never does (accounts.go, history.go).
	q.Set("_stmt_cache_size", "64")
	switch role {
	case roleWriter:
		q.Set("_txlock", "immediate")
		q.Set("_cache_size", fmt.Sprint(-writerCacheKiB))
	case roleReader:
		q.Set("_txlock", "deferred")
		q.Set("_query_only", "1")
	default:
		q.Set("_txlock", "deferred")
	}
	return path + "?" + q.Encode()
}

// confirmPragmas checks that the settings took effect instead of assuming
// it: a file on a filesystem without shared memory silently stays in
// rollback-journal mode, for instance.
func (db *DB) confirmPragmas(ctx context.Context, pool *sql.DB, opts Options) error {
	var mode string
	if err := pool.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
		return fmt.Errorf("ledger: read journal_mode: %w", err)
	}
	if !strings.EqualFold(mode, "wal") {
		return fmt.Errorf("ledger: journal_mode is %q, want wal", mode)
	}
	var fk int
	if err := pool.QueryRowContext(ctx, "PRAGMA foreign_keys").Scan(&fk); err != nil {
		return fmt.Errorf("ledger: read foreign_keys: %w", err)
	}
	if fk != 1 {
		return fmt.Errorf("ledger: foreign keys are off")
	}
	var sync int
	if err := pool.QueryRowContext(ctx, "PRAGMA synchronous").Scan(&sync); err != nil {
		return fmt.Errorf("ledger: read synchronous: %w", err)
	}
	want := map[Durability]int{DurabilityNormal: 1, DurabilityFull: 2}[opts.Durability]
	if sync != want {
		return fmt.Errorf("ledger: synchronous is %d, want %d (%s)", sync, want, opts.Durability)
	}
	return nil
}

// Close stops the writer, once the batch it runs is committed, and
// closes every connection. Writes asked afterwards get ErrClosed.
func (db *DB) Close() error {
	if db.quit != nil {
		select {
		case <-db.quit:
		default:
			close(db.quit)
		}
		<-db.loopDone
		<-db.ckptDone
	}
	var err error
	if db.reader != nil {
		err = db.reader.Close()
	}
	if werr := db.writer.Close(); werr != nil && err == nil {
		err = werr
	}
	return err
}

// Path is the database file.
func (db *DB) Path() string { return db.path }

func (db *DB) migrate(ctx context.Context) error {
	if _, err := db.writer.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    INTEGER PRIMARY KEY,
		name       TEXT    NOT NULL,
		applied_at INTEGER NOT NULL
	)`); err != nil {
		return fmt.Errorf("ledger: create schema_migrations: %w", err)
	}
	if err := db.checkSchema(ctx); err != nil {
		return err
	}
	names, err := fs.Glob(migrationFiles, "migrations/*.sql")
	if err != nil {
		return err
	}
	sort.Strings(names)
	for _, name := range names {
		var version int
		base := strings.TrimPrefix(name, "migrations/")
		if _, err := fmt.Sscanf(base, "%d_", &version); err != nil {
			return fmt.Errorf("ledger: migration %s has no numeric prefix", base)
		}
		if err := db.applyMigration(ctx, version, base); err != nil {
			return err
		}
	}
	var app int32
	if err := db.writer.QueryRowContext(ctx, "PRAGMA application_id").Scan(&app); err != nil {
		return fmt.Errorf("ledger: read application_id: %w", err)
	}
	if app != ApplicationID {
		if _, err := db.writer.ExecContext(ctx, fmt.Sprintf("PRAGMA application_id = %d", ApplicationID)); err != nil {
			return fmt.Errorf("ledger: set application_id: %w", err)
		}
	}
	return nil
}

func (db *DB) applyMigration(ctx context.Context, version int, name string) error {
	tx, err := db.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var n int
	if err := tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM schema_migrations WHERE version = ?", version).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return nil
	}
	body, err := migrationFiles.ReadFile("migrations/" + name)
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, string(body)); err != nil {
		return fmt.Errorf("ledger: migration %s: %w", name, err)
	}
	if err := installChainTriggers(ctx, tx); err != nil {
		return fmt.Errorf("ledger: migration %s: %w", name, err)
	}
	if version == chainMigration {
		if err := chainExisting(ctx, tx); err != nil {
			return fmt.Errorf("ledger: migration %s: %w", name, err)
		}
	}
	if _, err := tx.ExecContext(ctx, "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
		version, name, tx.now.Unix()); err != nil {
		return err
	}
	return tx.Commit()
}

// Tx is a write transaction with the one timestamp all its rows share:
// a group commit's (commit.go), or one of its own (begin).
type Tx struct {
	conn  txConn
	sqlTx *sql.Tx // nil in a group commit, which ends the transaction itself
	now   time.Time
}

// txConn is where a write transaction's statements run: its *sql.Tx, or
// the writer's connection held for a group commit.
type txConn interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	PrepareContext(ctx context.Context, query string) (*sql.Stmt, error)
}

// errBatchEnd refuses to end a group commit's transaction from inside
// one of its commands.
var errBatchEnd = errors.New("ledger: a command cannot end its group commit's transaction")

// begin starts a write transaction of its own. The writer's DSN makes it
// BEGIN IMMEDIATE, so the write lock is taken up front and a transaction
// never fails halfway through for want of it.
func (db *DB) begin(ctx context.Context) (*Tx, error) {
	tx, err := db.writer.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("ledger: begin: %w", err)
	}
	return &Tx{conn: tx, sqlTx: tx, now: db.now().UTC()}, nil
}

// Commit commits a transaction begun by begin.
func (tx *Tx) Commit() error {
	if tx.sqlTx == nil {
		return errBatchEnd
	}
	return tx.sqlTx.Commit()
}

// Rollback rolls back a transaction begun by begin.
func (tx *Tx) Rollback() error {
	if tx.sqlTx == nil {
		return errBatchEnd
	}
	return tx.sqlTx.Rollback()
}

// PrepareContext prepares a statement that runs in the transaction.
func (tx *Tx) PrepareContext(ctx context.Context, query string) (*sql.Stmt, error) {
	return tx.conn.PrepareContext(ctx, query)
}

// read starts a read-only snapshot on the reader pool.
func (db *DB) read(ctx context.Context) (*sql.Tx, error) {
	tx, err := db.reader.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("ledger: begin read: %w", err)
	}
	return tx, nil
}
