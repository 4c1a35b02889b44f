package ledger

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"strings"
)

// SchemaError says the file was written by a newer binary: its schema has
// migrations this one does not know, and writing to it could corrupt what
// they added.
type SchemaError struct {
	File  int // the newest migration applied to the file
	Known int // the newest migration this binary carries
}

func (e *SchemaError) Error() string {
	return fmt.Sprintf("ledger: the database's schema is version %d, newer than this binary's %d: run a newer entraide (or restore a backup made by this version)", e.File, e.Known)
}

// KnownSchemaVersion is the newest migration this binary carries.
func KnownSchemaVersion() int {
	names, _ := fs.Glob(migrationFiles, "migrations/*.sql")
	known := 0
	for _, name := range names {
		var v int
		if _, err := fmt.Sscanf(strings.TrimPrefix(name, "migrations/"), "%d_", &v); err == nil && v > known {
			known = v
		}
	}
	return known
}

// checkSchema refuses a file migrated by a newer binary, before any
// migration of this one runs on it.
func (db *DB) checkSchema(ctx context.Context) error {
	var applied int
	if err := db.writer.QueryRowContext(ctx, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations").Scan(&applied); err != nil {
		return fmt.Errorf("ledger: read the schema version: %w", err)
	}
	if known := KnownSchemaVersion(); applied > known {
		return &SchemaError{File: applied, Known: known}
	}
	return nil
}

// SchemaVersion is the newest migration applied to the file.
func (db *DB) SchemaVersion(ctx context.Context) (int, error) {
	var v int
	err := db.reader.QueryRowContext(ctx, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations").Scan(&v)
	return v, err
}

// Writable checks that a write transaction can start now: the file is not
// read-only and no lock is stuck. It writes nothing.
func (db *DB) Writable(ctx context.Context) error {
	tx, err := db.begin(ctx)
	if err != nil {
		return err
	}
	return tx.Rollback()
}

// Stats are the ledger's size for monitoring.
type Stats struct {
	Entries int64 // exchanges in the journal
	Bytes   int64 // the database file and its write-ahead log
}

// Stats reads the number of entries (the journal is append-only, so its
// last ID is its length, read from the index) and the files' size.
func (db *DB) Stats(ctx context.Context) (Stats, error) {
	var s Stats
	if err := db.reader.QueryRowContext(ctx, "SELECT COALESCE(MAX(id), 0) FROM exchanges").Scan(&s.Entries); err != nil {
		return s, fmt.Errorf("ledger: stats: %w", err)
	}
	for _, p := range []string{db.path, db.path + "-wal"} {
		if st, err := os.Stat(p); err == nil {
			s.Bytes += st.Size()
		}
	}
	return s, nil
}
