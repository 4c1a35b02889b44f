package ledger

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/entraide/entraide/internal/testutil"
)

func newClock() *testutil.Clock {
	return testutil.NewClock(time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC))
}

// testLimits are tight enough that tests reach every bound with small numbers.
var testLimits = Limits{Floor: -120, Ceiling: 180, MaxAmount: 90}

// env is one ledger file with one community, a fake clock and a key counter.
type env struct {
	t         testing.TB
	ctx       context.Context
	db        *DB
	path      string
	clock     *testutil.Clock
	community CommunityID
	limits    Limits
}

var keySeq atomic.Int64

// nextKey returns a fresh idempotency key, unique across the test binary.
func nextKey() string { return fmt.Sprintf("evt-%d", keySeq.Add(1)) }

// openFile opens a ledger at path and closes it when the test ends.
func openFile(t testing.TB, path string, opts Options) *DB {
	t.Helper()
	db, err := Open(context.Background(), path, opts)
	if err != nil {
		t.Fatalf("Open(%s): %v", path, err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// restarted opens a fresh ledger file under opts with a community "c", lets
// write fill it, then closes the file and opens it again, as a restart does.
func restarted(t *testing.T, opts Options, write func(db *DB, c CommunityID)) (*DB, CommunityID) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "l.db")
	db, err := Open(context.Background(), path, opts)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := db.EnsureCommunity(context.Background(), "c")
	write(db, c)
	db.Close()
	return openFile(t, path, opts), c
}

// newEnv opens a fresh ledger in t.TempDir(). Durability is normal because
// fsync per commit makes tests slow and proves nothing more here; the full
// mode has its own tests.
func newEnv(t testing.TB) *env {
	t.Helper()
	clock := newClock()
	path := filepath.Join(t.TempDir(), "ledger.db")
	db := openFile(t, path, Options{Durability: DurabilityNormal, Now: clock.Now})
	e := &env{t: t, ctx: context.Background(), db: db, path: path, clock: clock, limits: testLimits}
	e.community = e.ensure("test")
	return e
}

func (e *env) ensure(slug string) CommunityID {
	e.t.Helper()
	id, err := e.db.EnsureCommunity(e.ctx, slug)
	if err != nil {
		e.t.Fatalf("EnsureCommunity(%q): %v", slug, err)
	}
	return id
}

// person is a console identity named after its user; the display name is
// capitalised so tests can tell it from the user ID.
func person(name string) Identity {
	return Identity{Platform: "console", UserID: "u-" + name, Name: strings.ToUpper(name[:1]) + name[1:]}
}

var (
	ana  = person("ana")
	bob  = person("bob")
	cleo = person("cleo")
	dan  = person("dan")
	mod  = person("mod")
)

// header is the header of a command actor types on the console.
func (e *env) header(actor Identity) Header {
	return Header{Community: e.community, Key: nextKey(), Source: "console", Actor: actor}
}

func (e *env) giveReq(actor Identity, minutes int64, to ...Identity) GiveRequest {
	return GiveRequest{
		Header:     e.header(actor),
		Recipients: to,
		Minutes:    minutes,
		Limits:     e.limits,
	}
}

func (e *env) give(actor Identity, minutes int64, to ...Identity) (*Receipt, error) {
	return e.db.Give(e.ctx, e.giveReq(actor, minutes, to...))
}

func (e *env) mustGive(actor Identity, minutes int64, to ...Identity) *Receipt {
	e.t.Helper()
	r, err := e.give(actor, minutes, to...)
	if err != nil {
		e.t.Fatalf("give %d from %s to %v: %v", minutes, actor.UserID, to, err)
	}
	return r
}

// mustPay pays from the commons, mod acting.
func (e *env) mustPay(minutes int64, to ...Identity) *Receipt {
	e.t.Helper()
	req := e.giveReq(mod, minutes, to...)
	req.FromCommons = true
	r, err := e.db.Give(e.ctx, req)
	if err != nil {
		e.t.Fatalf("commons pays %d to %v: %v", minutes, to, err)
	}
	return r
}

func (e *env) undoReq(actor Identity) UndoRequest {
	return UndoRequest{Header: e.header(actor), Window: 5 * time.Minute, Limits: e.limits}
}

func (e *env) reverseReq(id ExchangeID, reason string) ReverseRequest {
	return ReverseRequest{Header: e.header(mod), Exchange: id, Reason: reason}
}

func (e *env) balance(id Identity) int64 {
	e.t.Helper()
	a, _, err := e.db.Member(e.ctx, e.community, id)
	if err != nil {
		e.t.Fatalf("Member(%s): %v", id.UserID, err)
	}
	return a.Balance
}

func (e *env) commons() int64 {
	e.t.Helper()
	a, err := e.db.Commons(e.ctx, e.community)
	if err != nil {
		e.t.Fatalf("Commons: %v", err)
	}
	return a.Balance
}

func (e *env) wantBalances(want map[Identity]int64) {
	e.t.Helper()
	for id, w := range want {
		if got := e.balance(id); got != w {
			e.t.Errorf("balance of %s = %d, want %d", id.UserID, got, w)
		}
	}
}

// exchange reads one entry back from the journal, with its ReversedBy.
func (e *env) exchange(id ExchangeID) Exchange {
	e.t.Helper()
	ex, err := scanExchange(e.db.reader.QueryRowContext(e.ctx, exchangeSelect+" WHERE e.id = ?", id))
	if err != nil {
		e.t.Fatalf("exchange %d: %v", id, err)
	}
	return ex
}

// state is everything a refused request must leave as it was.
type state struct {
	balances   map[AccountID]int64
	accounts   int
	identities int
	operations int
	exchanges  int
}

func (e *env) state() state {
	e.t.Helper()
	s := state{balances: map[AccountID]int64{}}
	accts, err := e.db.Accounts(e.ctx, 0)
	if err != nil {
		e.t.Fatalf("Accounts: %v", err)
	}
	for _, a := range accts {
		s.balances[a.ID] = a.Balance
	}
	s.accounts = len(accts)
	s.identities = e.count("identities")
	s.operations = e.count("operations")
	s.exchanges = e.count("exchanges")
	return s
}

func (e *env) count(table string) int {
	e.t.Helper()
	var n int
	if err := e.db.reader.QueryRowContext(e.ctx, "SELECT COUNT(*) FROM "+table).Scan(&n); err != nil {
		e.t.Fatalf("count %s: %v", table, err)
	}
	return n
}

func (e *env) wantUnchanged(before state) {
	e.t.Helper()
	after := e.state()
	if after.accounts != before.accounts || after.identities != before.identities ||
		after.operations != before.operations || after.exchanges != before.exchanges {
		e.t.Errorf("counts changed: accounts %d→%d identities %d→%d operations %d→%d exchanges %d→%d",
			before.accounts, after.accounts, before.identities, after.identities,
			before.operations, after.operations, before.exchanges, after.exchanges)
	}
	for id, b := range before.balances {
		if after.balances[id] != b {
			e.t.Errorf("balance of account %d changed: %d → %d", id, b, after.balances[id])
		}
	}
}

func (e *env) verifyOK() Report {
	e.t.Helper()
	rep, err := e.db.Verify(e.ctx)
	if err != nil {
		e.t.Fatalf("Verify: %v", err)
	}
	if !rep.OK() {
		e.t.Fatalf("Verify found problems: %v", rep.Problems)
	}
	return rep
}

// wantCode fails unless err carries code.
func wantCode(t testing.TB, err error, code Code) {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want %s", code)
	}
	if got := ErrorCode(err); got != code {
		t.Fatalf("ErrorCode = %s (%v), want %s", got, err, code)
	}
}

func wantLimit(t testing.TB, err error, want LimitError) {
	t.Helper()
	var lerr *LimitError
	if !errors.As(err, &lerr) {
		t.Fatalf("got %v, want *LimitError %+v", err, want)
	}
	if *lerr != want {
		t.Fatalf("LimitError = %+v, want %+v", *lerr, want)
	}
}

// wantRefused checks a write the ledger refused: no receipt, the error's
// code and, when given, its limit, and nothing recorded since before.
func wantRefused[R any](t testing.TB, e *env, r *R, err error, code Code, limit *LimitError, before state) {
	t.Helper()
	if r != nil {
		t.Errorf("a refused write returned a receipt: %+v", r)
	}
	wantCode(t, err, code)
	if limit != nil {
		wantLimit(t, err, *limit)
	}
	e.wantUnchanged(before)
}

func TestOpenRefusesPathsThatAreNotFiles(t *testing.T) {
	// A regression must not leave a stray file in the package directory.
	dir := t.TempDir()
	for _, path := range []string{"", ":memory:", ":memory:?cache=shared", filepath.Join(dir, "l.db?mode=memory")} {
		t.Run(fmt.Sprintf("%q", path), func(t *testing.T) {
			db, err := Open(context.Background(), path, Options{})
			if err == nil {
				db.Close()
				t.Fatalf("Open(%q) succeeded, want an error", path)
			}
		})
	}
}

func TestOpenRefusesUnknownDurability(t *testing.T) {
	path := filepath.Join(t.TempDir(), "l.db")
	db, err := Open(context.Background(), path, Options{Durability: "fast"})
	if err == nil {
		db.Close()
		t.Fatal("Open accepted durability \"fast\"")
	}
}

// TestOpenPragmas checks every connection of both pools, not only the first
// one: pragmas set once on a connection would be missing on the next.
func TestOpenPragmas(t *testing.T) {
	for _, tc := range []struct {
		durability Durability
		sync       int
	}{
		{"", 2}, // the default is full
		{DurabilityFull, 2},
		{DurabilityNormal, 1},
	} {
		t.Run(fmt.Sprintf("durability=%q", tc.durability), func(t *testing.T) {
			ctx := context.Background()
			db := openFile(t, filepath.Join(t.TempDir(), "l.db"), Options{Durability: tc.durability})
			for _, pool := range []struct {
				name      string
				db        *sql.DB
				conns     int
				queryOnly int
			}{
				{"writer", db.writer, 1, 0},
				{"reader", db.reader, 3, 1},
			} {
				// Hold several connections at once so the pool must open new ones.
				var held []*sql.Conn
				for i := 0; i < pool.conns; i++ {
					c, err := pool.db.Conn(ctx)
					if err != nil {
						t.Fatalf("%s conn: %v", pool.name, err)
					}
					held = append(held, c)
				}
				for i, c := range held {
					var mode string
					var fk, sync, qo, busy int
					for _, p := range []struct {
						pragma string
						dest   any
					}{
						{"journal_mode", &mode}, {"foreign_keys", &fk}, {"synchronous", &sync},
						{"query_only", &qo}, {"busy_timeout", &busy},
					} {
						if err := c.QueryRowContext(ctx, "PRAGMA "+p.pragma).Scan(p.dest); err != nil {
							t.Fatalf("%s conn %d: PRAGMA %s: %v", pool.name, i, p.pragma, err)
						}
					}
					if mode != "wal" || fk != 1 || sync != tc.sync || qo != pool.queryOnly || busy != 10000 {
						t.Errorf("%s conn %d: journal_mode=%s foreign_keys=%d synchronous=%d query_only=%d busy_timeout=%d; want wal 1 %d %d 10000",
							pool.name, i, mode, fk, sync, qo, busy, tc.sync, pool.queryOnly)
					}
				}
				for _, c := range held {
					c.Close()
				}
			}
		})
	}
}

func TestReaderPoolCannotWrite(t *testing.T) {
	e := newEnv(t)
	if _, err := e.db.reader.ExecContext(e.ctx, "INSERT INTO communities (slug, created_at) VALUES ('x', 0)"); err == nil {
		t.Fatal("the reader pool wrote a row")
	}
}

func TestReopenAppliesNoMigration(t *testing.T) {
	ctx := context.Background()
	clock := newClock()
	path := filepath.Join(t.TempDir(), "l.db")
	migrations, err := fs.Glob(migrationFiles, "migrations/*.sql")
	if err != nil || len(migrations) == 0 {
		t.Fatalf("no embedded migrations: %v", err)
	}

	type applied struct {
		version int
		at      int64
	}
	read := func(db *DB) []applied {
		rows, err := db.reader.QueryContext(ctx, "SELECT version, applied_at FROM schema_migrations ORDER BY version")
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var out []applied
		for rows.Next() {
			var a applied
			if err := rows.Scan(&a.version, &a.at); err != nil {
				t.Fatal(err)
			}
			out = append(out, a)
		}
		return out
	}

	db, err := Open(ctx, path, Options{Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	first := read(db)
	if len(first) != len(migrations) {
		t.Fatalf("%d migrations recorded, want %d", len(first), len(migrations))
	}
	c, err := db.EnsureCommunity(ctx, "c")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Give(ctx, GiveRequest{Header: Header{Community: c, Key: "k1", Source: "console", Actor: ana}, Recipients: []Identity{bob}, Minutes: 30, Limits: testLimits}); err != nil {
		t.Fatal(err)
	}
	db.Close()

	// A later clock would show in applied_at if a migration ran again; a
	// migration that ran again would also fail on CREATE TABLE.
	for i := 0; i < 2; i++ {
		clock.Advance(time.Hour)
		db, err = Open(ctx, path, Options{Now: clock.Now})
		if err != nil {
			t.Fatalf("reopen %d: %v", i, err)
		}
		again := read(db)
		if fmt.Sprint(again) != fmt.Sprint(first) {
			t.Fatalf("schema_migrations changed on reopen: %v → %v", first, again)
		}
		a, found, err := db.Member(ctx, c, bob)
		if err != nil || !found || a.Balance != 30 {
			t.Fatalf("after reopen bob = %+v found=%v err=%v, want balance 30", a, found, err)
		}
		db.Close()
	}
}

// TestDurabilityModesRecordAlike runs the same writes under both modes: the
// mode changes when a commit is acknowledged, never what is recorded.
func TestDurabilityModesRecordAlike(t *testing.T) {
	for _, d := range []Durability{DurabilityNormal, DurabilityFull} {
		t.Run(string(d), func(t *testing.T) {
			ctx := context.Background()
			db, c := restarted(t, Options{Durability: d}, func(db *DB, c CommunityID) {
				for i := 0; i < 5; i++ {
					if _, err := db.Give(ctx, GiveRequest{Header: Header{Community: c, Key: fmt.Sprint("k", i), Source: "console", Actor: ana}, Recipients: []Identity{bob}, Minutes: 10, Limits: testLimits}); err != nil {
						t.Fatal(err)
					}
				}
			})
			a, _, err := db.Member(ctx, c, bob)
			if err != nil || a.Balance != 50 {
				t.Fatalf("bob = %d (%v), want 50", a.Balance, err)
			}
		})
	}
}

// TestAppendOnly goes through the writer, which may write anything: only the
// schema's triggers stand between it and the journal.
func TestAppendOnly(t *testing.T) {
	e := newEnv(t)
	e.mustGive(ana, 30, bob)
	e.mustGive(bob, 10, cleo)
	before := e.state()
	for _, stmt := range []string{
		"UPDATE exchanges SET minutes = minutes + 1",
		"UPDATE exchanges SET note = 'rewritten' WHERE id = 1",
		"DELETE FROM exchanges",
		"DELETE FROM exchanges WHERE id = 1",
		"UPDATE operations SET actor_id = actor_id",
		"UPDATE operations SET idem_key = 'other' WHERE id = 1",
		"DELETE FROM operations",
		"DELETE FROM operations WHERE id = 1",
	} {
		t.Run(stmt, func(t *testing.T) {
			_, err := e.db.writer.ExecContext(e.ctx, stmt)
			if err == nil || !strings.Contains(err.Error(), "append-only") {
				t.Fatalf("%s: err = %v, want an append-only refusal", stmt, err)
			}
		})
	}
	e.wantUnchanged(before)
	e.verifyOK()
}

// TestSchemaRefusesBrokenEntries shows the schema keeps the invariants even
// for a writer that skips the Go checks.
func TestSchemaRefusesBrokenEntries(t *testing.T) {
	e := newEnv(t)
	r := e.mustGive(ana, 30, bob)
	ex := r.Exchanges[0]
	rev, err := e.db.Reverse(e.ctx, e.reverseReq(ex.ID, "test"))
	if err != nil {
		t.Fatal(err)
	}
	before := e.state()
	insert := `INSERT INTO exchanges (operation_id, community_id, from_id, to_id, minutes, note, actor_id, source, reverses, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, 'test', ?, 0)`
	for _, tc := range []struct {
		name string
		args []any
	}{
		{"zero minutes", []any{r.Operation, e.community, ex.From, ex.To, 0, "", ex.Actor, nil}},
		{"negative minutes", []any{r.Operation, e.community, ex.From, ex.To, -5, "", ex.Actor, nil}},
		{"to oneself", []any{r.Operation, e.community, ex.From, ex.From, 5, "", ex.Actor, nil}},
		{"unknown account", []any{r.Operation, e.community, ex.From, 9999, 5, "", ex.Actor, nil}},
		{"unknown operation", []any{9999, e.community, ex.From, ex.To, 5, "", ex.Actor, nil}},
		{"note too long", []any{r.Operation, e.community, ex.From, ex.To, 5, strings.Repeat("é", MaxNoteLength+1), ex.Actor, nil}},
		{"second reversal", []any{rev.Operation, e.community, ex.To, ex.From, ex.Minutes, "", ex.Actor, ex.ID}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := e.db.writer.ExecContext(e.ctx, insert, tc.args...); err == nil {
				t.Fatal("the schema accepted it")
			}
		})
	}
	e.wantUnchanged(before)
}

func TestErrorCode(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want Code
	}{
		{errorf(ENOTFOUND, "x"), ENOTFOUND},
		{fmt.Errorf("wrapped: %w", errorf(ECONFLICT, "x")), ECONFLICT},
		{&LimitError{Kind: LimitFloor}, ELIMIT},
		{fmt.Errorf("wrapped: %w", &LimitError{Kind: LimitCeiling}), ELIMIT},
		{errors.New("disk on fire"), EINTERNAL},
		{nil, EINTERNAL},
	} {
		if got := ErrorCode(tc.err); got != tc.want {
			t.Errorf("ErrorCode(%v) = %s, want %s", tc.err, got, tc.want)
		}
	}
}

func TestEnsureCommunity(t *testing.T) {
	e := newEnv(t)
	again := e.ensure("test")
	if again != e.community {
		t.Fatalf("EnsureCommunity twice gave %d then %d", e.community, again)
	}
	other := e.ensure("other")
	if other == e.community {
		t.Fatal("two slugs share one community")
	}
	for _, c := range []CommunityID{e.community, other} {
		a, err := e.db.Commons(e.ctx, c)
		if err != nil || a.Kind != KindCommons || a.Community != c || a.Balance != 0 {
			t.Fatalf("commons of %d = %+v, %v", c, a, err)
		}
	}
	comms, err := e.db.Communities(e.ctx)
	if err != nil || len(comms) != 2 || comms[e.community] != "test" || comms[other] != "other" {
		t.Fatalf("Communities = %v, %v", comms, err)
	}
	_, err = e.db.EnsureCommunity(e.ctx, "")
	wantCode(t, err, EINVALID)
	if _, err := e.db.Commons(e.ctx, 999); ErrorCode(err) != ENOTFOUND {
		t.Fatalf("Commons(999) = %v, want ENOTFOUND", err)
	}
}

func TestMemberDoesNotCreate(t *testing.T) {
	e := newEnv(t)
	before := e.state()
	a, found, err := e.db.Member(e.ctx, e.community, ana)
	if err != nil || found || a.Balance != 0 || a.Name != ana.Name || a.ID != 0 {
		t.Fatalf("Member(unknown) = %+v found=%v err=%v", a, found, err)
	}
	e.wantUnchanged(before)

	e.mustGive(ana, 15, bob)
	a, found, err = e.db.Member(e.ctx, e.community, bob)
	if err != nil || !found || a.Balance != 15 || a.Name != "Bob" || a.Kind != KindMember {
		t.Fatalf("Member(bob) = %+v found=%v err=%v", a, found, err)
	}
	// The same user ID on another platform is another identity.
	other := bob
	other.Platform = "matrix"
	if _, found, _ := e.db.Member(e.ctx, e.community, other); found {
		t.Fatal("an identity on another platform was found")
	}
	ids, err := e.db.Identities(e.ctx, e.community, "console")
	if err != nil || fmt.Sprint(ids) != "[u-ana u-bob]" {
		t.Fatalf("Identities = %v, %v", ids, err)
	}
}
