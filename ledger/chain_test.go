package ledger

import (
	"bytes"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// problems joins a report's problems, one a line.
func problems(rep Report) string {
	var s []string
	for _, p := range rep.Problems {
		s = append(s, string(p))
	}
	return strings.Join(s, "\n")
}

// rawExec runs statements on the ledger's file behind its back, as
// someone with access to the file would.
func (e *env) rawExec(stmts ...string) {
	e.t.Helper()
	for _, s := range stmts {
		if _, err := e.db.writer.ExecContext(e.ctx, s); err != nil {
			e.t.Fatalf("%s: %v", s, err)
		}
	}
}

// triggerSQL is the definition of a trigger, to drop and restore it.
func (e *env) triggerSQL(name string) string {
	e.t.Helper()
	var s string
	if err := e.db.writer.QueryRowContext(e.ctx, "SELECT sql FROM sqlite_schema WHERE type = 'trigger' AND name = ?", name).Scan(&s); err != nil {
		e.t.Fatalf("trigger %s: %v", name, err)
	}
	return s
}

// The tamperer has the file: drops the append-only triggers, rewrites an
// amount and fixes the balances so that every sum still holds, restores
// the triggers. Only the chain can tell, and it names the entry.
func TestChainNamesARewrittenEntry(t *testing.T) {
	e := newEnv(t)
	mixedWorkload(e)
	e.verifyOK()
	r := e.mustGive(ana, 10, bob)
	id := r.Exchanges[0].ID
	e.mustGive(bob, 5, cleo)
	upd, del := e.triggerSQL("exchanges_append_only_update"), e.triggerSQL("exchanges_append_only_delete")
	e.rawExec("DROP TRIGGER exchanges_append_only_update", "DROP TRIGGER exchanges_append_only_delete")
	e.rawExec(
		"UPDATE exchanges SET minutes = minutes + 50 WHERE id = "+strconv.FormatInt(int64(id), 10),
		"UPDATE accounts SET balance = balance - 50 WHERE id = "+strconv.FormatInt(int64(r.Exchanges[0].From), 10),
		"UPDATE accounts SET balance = balance + 50 WHERE id = "+strconv.FormatInt(int64(r.Exchanges[0].To), 10),
	)
	e.rawExec(upd, del)

	rep, err := e.db.Verify(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	all := problems(rep)
	want := "chain: community test breaks at entry "
	if len(rep.Problems) != 1 || !strings.HasPrefix(all, want) || !strings.Contains(all, "exchanges #"+strconv.FormatInt(int64(id), 10)+": the record was changed") {
		t.Fatalf("problems:\n%s\nwant one naming exchanges #%d", all, id)
	}
}

// A mediator's note deleted from the case log, triggers dropped and
// restored: the chain names the missing record.
func TestChainNamesADeletedCaseNote(t *testing.T) {
	e := newEnv(t)
	c := e.mustOpen([]Identity{ana, bob}, []Identity{cleo}, "the tool shed")
	if _, err := e.db.NoteCase(e.ctx, e.caseActor(cleo, false), c.Number, "Ana was upset; talk again Monday"); err != nil {
		t.Fatal(err)
	}
	e.mustGive(ana, 10, bob)
	e.verifyOK()
	var note int64
	if err := e.db.writer.QueryRowContext(e.ctx, "SELECT id FROM case_log WHERE kind = 'note'").Scan(&note); err != nil {
		t.Fatal(err)
	}
	del := e.triggerSQL("case_log_append_only_delete")
	e.rawExec("DROP TRIGGER case_log_append_only_delete", "DELETE FROM case_log WHERE id = "+strconv.FormatInt(note, 10), del)

	rep, err := e.db.Verify(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	all := problems(rep)
	if len(rep.Problems) != 1 || !strings.Contains(all, "case_log #"+strconv.FormatInt(note, 10)+": the record was deleted") {
		t.Fatalf("problems:\n%s\nwant one naming case_log #%d", all, note)
	}
}

// Records written with the chain's trigger dropped have no entry, and an
// entry removed from the chain breaks the link after it.
func TestChainNamesUnchainedRecordsAndMissingEntries(t *testing.T) {
	t.Run("record without entry", func(t *testing.T) {
		e := newEnv(t)
		e.mustGive(ana, 10, bob)
		trig := e.triggerSQL("exchanges_chain")
		e.rawExec("DROP TRIGGER exchanges_chain")
		r := e.mustGive(bob, 5, cleo)
		e.rawExec(trig)
		rep, err := e.db.Verify(e.ctx)
		if err != nil {
			t.Fatal(err)
		}
		want := "chain: exchanges #" + strconv.FormatInt(int64(r.Exchanges[0].ID), 10) + " has no entry in the chain"
		if all := problems(rep); len(rep.Problems) != 1 || all != want {
			t.Fatalf("problems:\n%s\nwant %q", all, want)
		}
	})
	t.Run("entry removed", func(t *testing.T) {
		e := newEnv(t)
		e.mustGive(ana, 10, bob)
		r := e.mustGive(bob, 5, cleo)
		e.mustGive(cleo, 5, ana)
		e.rawExec("DROP TRIGGER chain_append_only_delete", "DELETE FROM chain WHERE tbl = 'exchanges' AND row_id = "+strconv.FormatInt(int64(r.Exchanges[0].ID), 10))
		rep, err := e.db.Verify(e.ctx)
		if err != nil {
			t.Fatal(err)
		}
		all := problems(rep)
		if !strings.Contains(all, "are missing") || !strings.Contains(all, "exchanges #"+strconv.FormatInt(int64(r.Exchanges[0].ID), 10)+" has no entry") {
			t.Fatalf("problems:\n%s", all)
		}
	})
}

// The head moves with every record, and is the same read from the ledger
// and from its report.
func TestChainHead(t *testing.T) {
	e := newEnv(t)
	h0, err := e.db.ChainHead(e.ctx, e.community)
	if err != nil {
		t.Fatal(err)
	}
	if h0.Position != 0 || h0.Short() != "0" || h0.Slug != "test" {
		t.Fatalf("empty chain head %+v %q", h0, h0.Short())
	}
	e.mustGive(ana, 10, bob, cleo) // one operation, two entries
	h1, err := e.db.ChainHead(e.ctx, e.community)
	if err != nil {
		t.Fatal(err)
	}
	if h1.Position != 3 || !regexp.MustCompile(`^3:[0-9a-f]{12}$`).MatchString(h1.Short()) {
		t.Fatalf("head after a gift to two: %+v %q", h1, h1.Short())
	}
	rep := e.verifyOK()
	if rep.Records != 3 || len(rep.Heads) != 1 || !bytes.Equal(rep.Heads[0].Hash, h1.Hash) {
		t.Fatalf("report %d records, heads %+v; want 3 and %x", rep.Records, rep.Heads, h1.Hash)
	}
}

// Each chain trigger passes exactly the columns chain.go hashes: verify
// recomputes from chainSpecs what the triggers computed.
func TestChainTriggersMatchSpecs(t *testing.T) {
	e := newEnv(t)
	call := regexp.MustCompile(`entraide_chain\(COALESCE\(c\.hash, X''\), '(\w+)', ([^;]*)\)\s*FROM chain c`)
	quoted := regexp.MustCompile(`quote\(NEW\.(\w+)\)`)
	for _, spec := range chainSpecs {
		sqlText := e.triggerSQL(spec.table + "_chain")
		m := call.FindStringSubmatch(sqlText)
		if m == nil || m[1] != spec.table {
			t.Errorf("%s: trigger does not call entraide_chain for its table:\n%s", spec.table, sqlText)
			continue
		}
		var cols []string
		for _, q := range quoted.FindAllStringSubmatch(m[2], -1) {
			cols = append(cols, q[1])
		}
		if !slices.Equal(cols, spec.cols) || m[2] != spec.content("NEW") {
			t.Errorf("%s: trigger hashes %v, chain.go %v", spec.table, cols, spec.cols)
		}
		if !strings.Contains(sqlText, "'"+spec.table+"', "+strings.ReplaceAll(spec.key, "t.", "NEW.")+",") {
			t.Errorf("%s: trigger does not key the entry by %s", spec.table, spec.key)
		}
	}
}

// notChained are the append-only tables outside the chain, and why.
var notChained = map[string]string{
	"chain":             "the chain itself",
	"cases":             "a lifecycle row; its log and operations are chained",
	"proposal_eligible": "the snapshot of who may respond, checked by the responses' foreign key",
}

// Every table the schema makes append-only is chained: a new one added
// by a later migration must join the chain (or say here why not).
func TestEveryAppendOnlyTableIsChained(t *testing.T) {
	e := newEnv(t)
	rows, err := e.db.writer.QueryContext(e.ctx, `SELECT DISTINCT tbl_name FROM sqlite_schema
		WHERE type = 'trigger' AND name LIKE '%append_only_delete' ORDER BY tbl_name`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var table string
		if err := rows.Scan(&table); err != nil {
			t.Fatal(err)
		}
		if _, ok := chainSpecFor(table); !ok && notChained[table] == "" {
			t.Errorf("%s is append-only but not chained", table)
		}
	}
}

// A ledger made before the chain gets its records chained when migration
// 0009 runs; the result verifies.
func TestChainExistingRecords(t *testing.T) {
	e := newEnv(t)
	mixedWorkload(e)
	c := e.mustOpen([]Identity{ana, bob}, []Identity{cleo}, "the tool shed")
	if _, err := e.db.NoteCase(e.ctx, e.caseActor(cleo, false), c.Number, "a note"); err != nil {
		t.Fatal(err)
	}
	e.rawExec("DROP TRIGGER chain_append_only_delete", "DELETE FROM chain")
	tx, err := e.db.begin(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := chainExisting(e.ctx, tx); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	rep := e.verifyOK()
	var n int
	if err := e.db.reader.QueryRowContext(e.ctx, "SELECT COUNT(*) FROM chain").Scan(&n); err != nil || n == 0 || rep.Records != n {
		t.Fatalf("%d entries, report %d, %v", n, rep.Records, err)
	}
}

// sqliteFile makes another program's SQLite database at path.
func sqliteFile(t *testing.T, path, stmts string) {
	t.Helper()
	db, err := sql.Open("sqlite3", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(stmts); err != nil {
		t.Fatal(err)
	}
}

// verify refuses what is not a ledger, and leaves it as it was.
func TestVerifyFileRefusesForeignFiles(t *testing.T) {
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty.db")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	foreign := filepath.Join(dir, "foreign.db")
	sqliteFile(t, foreign, "CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT); INSERT INTO notes (text) VALUES ('hello')")
	other := filepath.Join(dir, "other-app.db")
	sqliteFile(t, other, "PRAGMA application_id = 42; CREATE TABLE schema_migrations (version INTEGER)")
	text := filepath.Join(dir, "notes.txt")
	if err := os.WriteFile(text, []byte("not a database at all, just some text that is long enough\n"), 0o600); err != nil {
		t.Fatal(err)
	}

	for _, path := range []string{empty, foreign, other, text, filepath.Join(dir, "missing.db")} {
		before, _ := os.ReadFile(path)
		_, err := VerifyFile(t.Context(), path)
		var nl *NotLedgerError
		if !errors.As(err, &nl) {
			t.Errorf("%s: VerifyFile = %v, want *NotLedgerError", filepath.Base(path), err)
		}
		after, _ := os.ReadFile(path)
		if !bytes.Equal(before, after) {
			t.Errorf("%s: VerifyFile changed the file", filepath.Base(path))
		}
		for _, side := range []string{"-wal", "-shm", "-journal"} {
			if _, err := os.Stat(path + side); err == nil {
				t.Errorf("%s: VerifyFile created %s", filepath.Base(path), side)
			}
		}
		// Open refuses another program's database before writing to it.
		if path != empty && !strings.HasSuffix(path, "missing.db") {
			if _, err := Open(t.Context(), path, Options{}); !errors.As(err, &nl) {
				t.Errorf("%s: Open = %v, want *NotLedgerError", filepath.Base(path), err)
			}
			if after, _ := os.ReadFile(path); !bytes.Equal(before, after) {
				t.Errorf("%s: Open changed the file", filepath.Base(path))
			}
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "missing.db")); err == nil {
		t.Error("VerifyFile created the missing file")
	}
}

// VerifyFile reads a live ledger without writing to it, and finds what
// Verify finds.
func TestVerifyFileReadsALedger(t *testing.T) {
	e := newEnv(t)
	mixedWorkload(e)
	want := e.verifyOK()
	rep, err := VerifyFile(e.ctx, e.path)
	if err != nil || !rep.OK() || rep.Records != want.Records || rep.Exchanges != want.Exchanges {
		t.Fatalf("VerifyFile: %+v, %v; want %+v", rep, err, want)
	}
	var app int32
	if err := e.db.reader.QueryRowContext(e.ctx, "PRAGMA application_id").Scan(&app); err != nil || app != ApplicationID {
		t.Fatalf("application_id %#x, %v", app, err)
	}
}

// Records that disagree with each other, written behind the ledger's back,
// are each named by the check they break.
func TestVerifyCrossTableChecks(t *testing.T) {
	for _, tc := range []struct {
		name   string
		tamper func(e *env) []string
		want   []string
	}{
		{
			name: "operation without entries",
			tamper: func(e *env) []string {
				return []string{`INSERT INTO operations (id, community_id, idem_key, fingerprint, kind, actor_id, source, created_at)
					VALUES (900, 1, 'forged', 'x', 'give', 2, 'console', 0)`}
			},
			want: []string{"operation: operation 900 (give) has no entry"},
		},
		{
			name: "identity moved to the commons",
			tamper: func(e *env) []string {
				return []string{"UPDATE identities SET account_id = 1 WHERE user_id = 'u-cleo' AND community_id = 1"}
			},
			want: []string{"identity: identity console:u-cleo belongs to account 1 of another community or to a commons"},
		},
		{
			name: "council draw rewritten",
			tamper: func(e *env) []string {
				for _, p := range []Identity{dan, person("eve"), person("fay")} {
					if _, err := e.db.EnsureMember(e.ctx, e.community, p); err != nil {
						e.t.Fatal(err)
					}
				}
				seed, _ := ParseSeed("000102030405060708090a0b0c0d0e0f")
				r, err := e.db.RecordCouncilDraw(e.ctx, CouncilDrawRequest{CaseActor: e.caseActor(mod, true), Seed: seed, Seats: 2, Platform: "console"})
				if err != nil {
					e.t.Fatal(err)
				}
				ids := voterIDs(r.Draw.Eligible)
				return []string{"DROP TRIGGER council_draws_append_only_update",
					"UPDATE council_draws SET result = '" + strconv.FormatInt(int64(ids[0]), 10) + "," + strconv.FormatInt(int64(ids[1]), 10) + "'"}
			},
			want: []string{"council: draw 1 (#1) does not re-run to its recorded result", "chain: community test breaks at entry"},
		},
		{
			name: "case closed without its log",
			tamper: func(e *env) []string {
				e.mustOpen([]Identity{ana, bob}, []Identity{cleo}, "the shed")
				return []string{"UPDATE cases SET state = 'agreement', closed_at = 5, summary = 'done'"}
			},
			want: []string{"case: case 1 (#1) is closed but its log does not say so"},
		},
		{
			name: "balance moved to the commons",
			tamper: func(e *env) []string {
				return []string{"UPDATE accounts SET balance = balance + 7 WHERE id = 1", "UPDATE accounts SET balance = balance - 7 WHERE id = 2"}
			},
			want: []string{"balance: account 1 (commons): balance 7 but its entries sum to 0", "balance: account 2"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			e.mustGive(ana, 10, bob)
			e.mustGive(cleo, 10, bob)
			stmts := tc.tamper(e)
			e.verifyOK()
			e.rawExec(stmts...)
			rep, err := e.db.Verify(e.ctx)
			if err != nil {
				t.Fatal(err)
			}
			all := problems(rep)
			if len(rep.Problems) != len(tc.want) {
				t.Errorf("%d problems, want %d:\n%s", len(rep.Problems), len(tc.want), all)
			}
			for _, w := range tc.want {
				if !strings.Contains(all, w) {
					t.Errorf("no problem says %q in:\n%s", w, all)
				}
			}
		})
	}
}
