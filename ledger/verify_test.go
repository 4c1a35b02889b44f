package ledger

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// mixedWorkload touches every kind of write in two communities.
func mixedWorkload(e *env) {
	e.t.Helper()
	e.mustGive(ana, 30, bob, cleo)
	e.mustPay(60, dan)
	e.mustGive(bob, 15, ana)
	r := e.mustGive(cleo, 20, dan)
	if _, err := e.db.Reverse(e.ctx, e.reverseReq(r.Exchanges[0].ID, "wrong member")); err != nil {
		e.t.Fatal(err)
	}
	e.mustGive(dan, 45, ana, bob)
	if _, err := e.db.Undo(e.ctx, e.undoReq(dan)); err != nil {
		e.t.Fatal(err)
	}
	e.mustGive(dan, 10, cleo)
	// Refusals in the middle must leave no trace either.
	if _, err := e.give(ana, 500, bob); err == nil {
		e.t.Fatal("an over-limit gift was accepted")
	}
	other := e.ensure("other")
	if _, err := e.db.Give(e.ctx, GiveRequest{Header: Header{Community: other, Key: nextKey(), Source: "discord", Actor: ana}, Recipients: []Identity{bob}, Minutes: 25, Limits: testLimits}); err != nil {
		e.t.Fatal(err)
	}
}

func TestVerifyCleanAfterMixedWorkload(t *testing.T) {
	e := newEnv(t)
	mixedWorkload(e)
	rep := e.verifyOK()
	accts, err := e.db.Accounts(e.ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	// test: commons, ana, bob, cleo, dan, mod; other: commons, ana, bob.
	if rep.Accounts != len(accts) || rep.Accounts != 9 {
		t.Errorf("report counts %d accounts, Accounts lists %d, want 9", rep.Accounts, len(accts))
	}
	n := 0
	if err := e.db.EachExchange(e.ctx, func(Exchange) error { n++; return nil }); err != nil {
		t.Fatal(err)
	}
	if rep.Exchanges != n || n != 12 {
		t.Errorf("report counts %d exchanges, the journal has %d, want 12", rep.Exchanges, n)
	}
	if accts[0].Kind != KindCommons || accts[0].Community != e.community {
		t.Errorf("Accounts does not list the commons first: %+v", accts[0])
	}
}

// TestVerifyDetectsTampering edits balances behind the ledger's back: the
// accounts table is a cache of the journal and is not append-only.
func TestVerifyDetectsTampering(t *testing.T) {
	for _, tc := range []struct {
		name   string
		tamper []string
		want   []string // one substring per expected problem
	}{
		{
			name:   "one balance off by one",
			tamper: []string{"UPDATE accounts SET balance = balance + 1 WHERE display_name = 'Bob' AND community_id = 1"},
			want:   []string{"(Bob): balance 16 but its entries sum to 15", "community test: balances sum to 1"},
		},
		{
			name: "minutes moved between two accounts",
			tamper: []string{
				"UPDATE accounts SET balance = balance + 5 WHERE display_name = 'Bob' AND community_id = 1",
				"UPDATE accounts SET balance = balance - 5 WHERE display_name = 'Cleo' AND community_id = 1",
			},
			// Every community still sums to zero: only the per-account check sees it.
			want: []string{"(Bob): balance 20 but its entries sum to 15", "(Cleo): balance 35 but its entries sum to 40"},
		},
		{
			name:   "every balance",
			tamper: []string{"UPDATE accounts SET balance = balance + 1"},
			want: []string{"(commons)", "(Ana)", "(Bob)", "(Cleo)", "(Dan)", "(Mod)", "(commons)", "(Ana)", "(Bob)",
				"community test: balances sum to 6", "community other: balances sum to 3"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			mixedWorkload(e)
			e.verifyOK()
			for _, stmt := range tc.tamper {
				res, err := e.db.writer.ExecContext(e.ctx, stmt)
				if err != nil {
					t.Fatal(err)
				}
				if n, _ := res.RowsAffected(); n == 0 {
					t.Fatalf("%s changed nothing", stmt)
				}
			}
			rep, err := e.db.Verify(e.ctx)
			if err != nil {
				t.Fatal(err)
			}
			if rep.OK() || len(rep.Problems) != len(tc.want) {
				t.Fatalf("problems %q, want %d", rep.Problems, len(tc.want))
			}
			all := strings.Join(func() []string {
				var s []string
				for _, p := range rep.Problems {
					s = append(s, string(p))
				}
				return s
			}(), "\n")
			for _, w := range tc.want {
				if !strings.Contains(all, w) {
					t.Errorf("no problem mentions %q in:\n%s", w, all)
				}
			}
		})
	}
}

func TestBackup(t *testing.T) {
	e := newEnv(t)
	mixedWorkload(e)
	rep := e.verifyOK()
	target := filepath.Join(t.TempDir(), "backup.db")
	if err := e.db.Backup(e.ctx, target); err != nil {
		t.Fatal(err)
	}
	// The live ledger goes on after the backup; the copy must not follow it.
	e.mustGive(ana, 1, bob)

	// The copy is one self-contained file: nothing it needs sits in a -wal.
	if _, err := os.Stat(target + "-wal"); err == nil {
		t.Fatal("the backup has a -wal file before it was opened")
	}
	copyDB := openFile(t, target, Options{})
	got, err := copyDB.Verify(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !got.OK() || got.Accounts != rep.Accounts || got.Exchanges != rep.Exchanges {
		t.Fatalf("backup verifies as %+v, want OK with %d accounts and %d exchanges", got, rep.Accounts, rep.Exchanges)
	}
	live, _ := e.db.Accounts(e.ctx, 0)
	copied, _ := copyDB.Accounts(e.ctx, 0)
	for i := range copied {
		want := live[i].Balance
		if live[i].Name == "Ana" && live[i].Community == e.community {
			want++ // the gift made after the backup
		} else if live[i].Name == "Bob" && live[i].Community == e.community {
			want--
		}
		if copied[i].ID != live[i].ID || copied[i].Balance != want {
			t.Errorf("backup account %+v, live %+v", copied[i], live[i])
		}
	}
	// The copy keeps the idempotency keys: a replay there records nothing.
	if n := countOps(t, copyDB); n != e.count("operations")-1 {
		t.Errorf("backup has %d operations, want %d", n, e.count("operations")-1)
	}
}

func countOps(t *testing.T, db *DB) int {
	t.Helper()
	var n int
	if err := db.reader.QueryRow("SELECT COUNT(*) FROM operations").Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestBackupRefusesExistingTarget(t *testing.T) {
	e := newEnv(t)
	e.mustGive(ana, 10, bob)
	dir := t.TempDir()
	for _, tc := range []struct {
		name    string
		path    string
		content string
	}{
		{"a file", filepath.Join(dir, "exists.db"), "precious"},
		{"an empty file", filepath.Join(dir, "empty.db"), ""},
		{"the live ledger itself", e.path, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.path != e.path {
				if err := os.WriteFile(tc.path, []byte(tc.content), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			before, _ := os.Stat(tc.path)
			if err := e.db.Backup(e.ctx, tc.path); err == nil {
				t.Fatal("Backup overwrote an existing file")
			}
			after, _ := os.Stat(tc.path)
			if after.Size() != before.Size() {
				t.Fatalf("target size %d → %d", before.Size(), after.Size())
			}
			if tc.content != "" {
				if b, _ := os.ReadFile(tc.path); string(b) != tc.content {
					t.Fatalf("target now holds %q", b)
				}
			}
		})
	}
	e.verifyOK()
}

// TestBackupWhileWriting takes a backup while gifts go on: the copy is one
// consistent snapshot, so it verifies clean whatever it caught.
func TestBackupWhileWriting(t *testing.T) {
	e := newEnv(t)
	e.limits = NoLimits()
	ctx, cancel := context.WithTimeout(e.ctx, 30*time.Second)
	defer cancel()
	done := make(chan error, 1)
	stop := make(chan struct{})
	go func() {
		for {
			select {
			case <-stop:
				done <- nil
				return
			default:
			}
			if _, err := e.db.Give(ctx, e.giveReq(ana, 1, bob, cleo)); err != nil {
				done <- err
				return
			}
		}
	}()
	dir := t.TempDir()
	for i := 0; i < 5; i++ {
		target := filepath.Join(dir, "b"+string(rune('0'+i))+".db")
		if err := e.db.Backup(ctx, target); err != nil {
			t.Fatal(err)
		}
		b := openFile(t, target, Options{Durability: DurabilityNormal})
		rep, err := b.Verify(ctx)
		if err != nil || !rep.OK() {
			t.Fatalf("backup %d: %+v, %v", i, rep, err)
		}
		if rep.Exchanges%2 != 0 {
			t.Fatalf("backup %d caught half an operation: %d exchanges", i, rep.Exchanges)
		}
		b.Close()
	}
	close(stop)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	e.verifyOK()
}
