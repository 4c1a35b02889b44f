package ledger

import (
	"context"
	"errors"
	"testing"
)

// A binary refuses a file a newer one migrated, naming both versions, and
// leaves the file as it found it.
func TestSchemaNewerThanBinaryIsRefused(t *testing.T) {
	e := newEnv(t)
	known := KnownSchemaVersion()
	if v, err := e.db.SchemaVersion(e.ctx); err != nil || v != known {
		t.Fatalf("fresh ledger at schema %d (%v), want %d", v, err, known)
	}
	if _, err := e.db.writer.ExecContext(e.ctx, "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, 'future.sql', 0)", known+1); err != nil {
		t.Fatal(err)
	}
	e.db.Close()

	_, err := Open(context.Background(), e.path, Options{Durability: DurabilityNormal})
	var se *SchemaError
	if !errors.As(err, &se) || se.File != known+1 || se.Known != known {
		t.Fatalf("Open of a newer schema: %v; want a SchemaError naming %d and %d", err, known+1, known)
	}
}

func TestStatsAndWritable(t *testing.T) {
	e := newEnv(t)
	if err := e.db.Writable(e.ctx); err != nil {
		t.Fatalf("Writable on a fresh ledger: %v", err)
	}
	before, err := e.db.Stats(e.ctx)
	if err != nil || before.Entries != 0 || before.Bytes == 0 {
		t.Fatalf("stats of a fresh ledger: %+v, %v", before, err)
	}
	if _, err := e.db.Give(e.ctx, e.giveReq(ana, 30, bob, cleo)); err != nil {
		t.Fatal(err)
	}
	after, err := e.db.Stats(e.ctx)
	if err != nil || after.Entries != 2 {
		t.Fatalf("stats after a gift to two members: %+v, %v; want 2 entries", after, err)
	}
}
