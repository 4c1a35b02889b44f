package ledger

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// This file holds tools for benchmarks (`entraide bench`, `go test -bench`):
// Seed fills a community with a large, realistic journal quickly, and
// MeasureRawInserts measures what SQLite alone can commit on the same disk,
// the ceiling the ledger's own writes are compared with. Neither is used by
// the bot.

// SeedOptions describe the ledger Seed makes.
type SeedOptions struct {
	Community CommunityID
	Platform  string // platform of the members' identities
	Members   int    // member accounts to create, at least 2 when Exchanges > 0
	Exchanges int    // gifts between random distinct members
	Seed      int64  // same seed, same ledger
	// Start is when the last exchange happens (default: now); the others are
	// spread evenly over Span before it (default: one year).
	Start time.Time
	Span  time.Duration
}

// SeedResult is what Seed made.
type SeedResult struct {
	Members   int
	Exchanges int
	// FirstAccount is the account of member 1; member n is FirstAccount+n-1.
	FirstAccount AccountID
	Took         time.Duration
}

// SeedCategories are the category IDs seeded exchanges carry: the wealth
// matrix of bot.DefaultCategories, which the ledger cannot import.
var SeedCategories = []string{"production", "documentation", "communication", "support", "research", "joy"}

// SeedUserID is the platform user ID Seed gives member n (from 1).
func SeedUserID(n int) string { return fmt.Sprintf("m%05d", n) }

// SeedUserName is the display name Seed gives member n (from 1).
func SeedUserName(n int) string { return fmt.Sprintf("member%05d", n) }

// seedNotes are short notes like the ones members type; "" leaves one out.
var seedNotes = []string{"", "", "garden", "moving boxes", "repair café", "minutes of the meeting",
	"newsletter", "childcare", "bread oven", "bike repair", "translation", "accounts", "soup night"}

// seedBatch is how many exchanges one transaction writes: large enough
// that commits cost nothing, small enough that the WAL stays modest.
const seedBatch = 50_000

// seedCacheKiB is SQLite's page cache while seeding, as PRAGMA cache_size
// takes it: negative numbers are KiB. 64 MiB seeds a million exchanges
// about 15% faster than 16 MiB, but the C allocator keeps what SQLite
// frees, so a benchmark process would carry it into its serving-time
// memory figures.
const seedCacheKiB = -16 * 1024

// Seed creates Members member accounts, each with one identity, and
// Exchanges gifts between them, as fast as SQLite allows: transactions of
// seedBatch gifts, multi-row INSERTs prepared once per transaction, rows
// written in giver order, and balances added up in memory and written once
// per transaction (a million exchanges take about half a minute on a small
// server). Each gift is its own
// 'give' operation with key "seed:<community>:<n>", so that every index and
// join the bot uses is as full as in a real ledger of that size. No limit
// is applied. Every committed transaction leaves balances exact, so Verify
// is clean even if seeding stops halfway.
//
// It is a tool for benchmarks; the identities it creates (SeedUserID) must
// not exist yet in the community.
func (db *DB) Seed(ctx context.Context, opts SeedOptions) (SeedResult, error) {
	switch {
	case opts.Community == 0:
		return SeedResult{}, errorf(EINVALID, "seed: no community")
	case opts.Platform == "":
		return SeedResult{}, errorf(EINVALID, "seed: no platform")
	case opts.Members < 0 || opts.Exchanges < 0:
		return SeedResult{}, errorf(EINVALID, "seed: negative count")
	case opts.Exchanges > 0 && opts.Members < 2:
		return SeedResult{}, errorf(EINVALID, "seed: exchanges need at least 2 members, got %d", opts.Members)
	case opts.Span < 0:
		return SeedResult{}, errorf(EINVALID, "seed: negative span")
	}
	if err := ctx.Err(); err != nil {
		return SeedResult{}, err
	}
	if opts.Start.IsZero() {
		opts.Start = db.now()
	}
	if opts.Span == 0 {
		opts.Span = 365 * 24 * time.Hour
	}
	begin := time.Now()
	// The driver runs every statement under a cancellable context in a
	// goroutine of its own; a million of them would cost more than the
	// inserts. Statements get a context that cannot be cancelled, and
	// cancellation is checked between transactions instead.
	sctx := context.WithoutCancel(ctx)
	rng := rand.New(rand.NewPCG(uint64(opts.Seed), 0x656e747261696465)) // "entraide"
	first := opts.Start.Add(-opts.Span)

	// The journal's indexes keyed by receiver are filled at random places;
	// with SQLite's default 2 MiB page cache many inserts would fetch
	// their page again from the OS. A larger cache while seeding keeps
	// more of them in memory; the writer's usual setting is restored
	// afterwards.
	var cacheSize int64
	if err := db.writer.QueryRowContext(sctx, "PRAGMA cache_size").Scan(&cacheSize); err != nil {
		return SeedResult{}, err
	}
	if _, err := db.writer.ExecContext(sctx, fmt.Sprintf("PRAGMA cache_size = %d", seedCacheKiB)); err != nil {
		return SeedResult{}, err
	}
	defer db.writer.ExecContext(sctx, fmt.Sprintf("PRAGMA cache_size = %d", cacheSize))

	res := SeedResult{}
	if opts.Members > 0 {
		id, err := db.seedMembers(sctx, opts, first.Unix())
		if err != nil {
			return res, err
		}
		res.FirstAccount = id
		res.Members = opts.Members
	}

	for done := 0; done < opts.Exchanges; {
		if err := ctx.Err(); err != nil {
			return res, err
		}
		n := min(seedBatch, opts.Exchanges-done)
		if err := db.seedExchanges(sctx, opts, rng, res.FirstAccount, done, n, first); err != nil {
			return res, err
		}
		done += n
		res.Exchanges = done
	}
	res.Took = time.Since(begin)
	return res, nil
}

// seedMembers creates the members with consecutive account IDs and
// returns the first. The IDs are chosen under the write lock, so they are
// known without reading each one back.
func (db *DB) seedMembers(ctx context.Context, opts SeedOptions, created int64) (AccountID, error) {
	tx, err := db.begin(ctx)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	var last AccountID
	if err := tx.QueryRowContext(ctx, "SELECT COALESCE(MAX(id), 0) FROM accounts").Scan(&last); err != nil {
		return 0, err
	}
	firstID := last + 1
	insAcct, err := tx.PrepareContext(ctx,
		"INSERT INTO accounts (id, community_id, kind, display_name, created_at) VALUES (?, ?, 'member', ?, ?)")
	if err != nil {
		return 0, err
	}
	defer insAcct.Close()
	insIdent, err := tx.PrepareContext(ctx,
		"INSERT INTO identities (community_id, platform, user_id, account_id, created_at) VALUES (?, ?, ?, ?, ?)")
	if err != nil {
		return 0, err
	}
	defer insIdent.Close()
	for i := 1; i <= opts.Members; i++ {
		id := firstID + AccountID(i-1)
		if _, err := insAcct.ExecContext(ctx, id, opts.Community, SeedUserName(i), created); err != nil {
			return 0, fmt.Errorf("ledger: seed account: %w", err)
		}
		if _, err := insIdent.ExecContext(ctx, opts.Community, opts.Platform, SeedUserID(i), id, created); err != nil {
			return 0, fmt.Errorf("ledger: seed identity %s (already seeded?): %w", SeedUserID(i), err)
		}
	}
	return firstID, tx.Commit()
}

// seedExchanges writes exchanges [from, from+n) of the seed in one
// transaction, with the balance changes they make.
func (db *DB) seedExchanges(ctx context.Context, opts SeedOptions, rng *rand.Rand, firstAcct AccountID, from, n int, first time.Time) error {
	tx, err := db.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	// Explicit operation IDs let each exchange name its operation without
	// a LastInsertId round trip; the write lock makes MAX(id) safe.
	var lastOp OperationID
	if err := tx.QueryRowContext(ctx, "SELECT COALESCE(MAX(id), 0) FROM operations").Scan(&lastOp); err != nil {
		return err
	}
	ops := newSeedInserter(tx, `INSERT INTO operations (id, community_id, idem_key, fingerprint, kind, actor_id, source, created_at) VALUES `,
		"(?, ?, ?, 'seed', 'give', ?, ?, ?)", 6)
	defer ops.close()
	exs := newSeedInserter(tx, `INSERT INTO exchanges
		(operation_id, community_id, from_id, to_id, minutes, category, note, actor_id, source, created_at) VALUES `,
		"(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", 10)
	defer exs.close()

	// The batch is drawn first, then written in giver order: the journal
	// is as random as drawn, but the (from_id, id) indexes of exchanges and
	// operations are then filled front to back, each page visited once per
	// batch instead of once per row.
	type gift struct {
		from, to AccountID
		minutes  int64
		category string
		note     string
	}
	gifts := make([]gift, n)
	for i := range gifts {
		giver := rng.IntN(opts.Members)
		receiver := rng.IntN(opts.Members - 1)
		if receiver >= giver {
			receiver++ // distinct from the giver, still uniform
		}
		gifts[i] = gift{
			from:     firstAcct + AccountID(giver),
			to:       firstAcct + AccountID(receiver),
			minutes:  int64(15 + 5*rng.IntN(46)), // 15 min to 4 h, in steps of 5
			category: SeedCategories[rng.IntN(len(SeedCategories))],
			note:     seedNotes[rng.IntN(len(seedNotes))],
		}
	}
	slices.SortFunc(gifts, func(a, b gift) int { return cmp.Or(cmp.Compare(a.from, b.from), cmp.Compare(a.to, b.to)) })

	deltas := make(map[AccountID]int64, min(opts.Members, 2*n))
	span := float64(opts.Span.Nanoseconds())
	for base := 0; base < n; base += seedRows {
		chunk := gifts[base:min(base+seedRows, n)]
		// Foreign keys are checked row by row, so a chunk's operations go
		// in before the exchanges that name them.
		for j, g := range chunk {
			i := from + base + j // entry number in the whole seed, from 0
			// Zero-padded so that keys, like IDs, grow in index order.
			key := fmt.Sprintf("seed:%d:%09d", opts.Community, i+1)
			ops.add(lastOp+OperationID(base+j+1), opts.Community, key, g.from, opts.Platform, seedTime(first, span, i, opts.Exchanges))
		}
		if err := ops.flush(ctx); err != nil {
			return fmt.Errorf("ledger: seed operations: %w", err)
		}
		for j, g := range chunk {
			i := from + base + j
			exs.add(lastOp+OperationID(base+j+1), opts.Community, g.from, g.to, g.minutes, g.category, g.note, g.from,
				opts.Platform, seedTime(first, span, i, opts.Exchanges))
			deltas[g.from] -= g.minutes
			deltas[g.to] += g.minutes
		}
		if err := exs.flush(ctx); err != nil {
			return fmt.Errorf("ledger: seed exchanges: %w", err)
		}
	}

	upd, err := tx.PrepareContext(ctx, "UPDATE accounts SET balance = balance + ? WHERE id = ?")
	if err != nil {
		return err
	}
	defer upd.Close()
	// In ID order, so the accounts table's pages are visited once each.
	ids := make([]AccountID, 0, len(deltas))
	for id := range deltas {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		if deltas[id] == 0 {
			continue
		}
		if _, err := upd.ExecContext(ctx, deltas[id], id); err != nil {
			return fmt.Errorf("ledger: seed balance: %w", err)
		}
	}
	return tx.Commit()
}

// seedTime is when entry i (from 0) of total happens: times grow with the
// entry number, as in a real journal, so the created_at index is appended
// to rather than scattered, and the last entry is at the end of the span.
func seedTime(first time.Time, span float64, i, total int) int64 {
	return first.Add(time.Duration(span * float64(i+1) / float64(total))).Unix()
}

// seedRows is how many rows one INSERT statement carries. Each statement
// costs a trip through database/sql, cgo and SQLite's VDBE set-up; sharing
// it among many rows saves about a fifth of seeding's CPU time. 64 rows of
// 10 values stay far below SQLite's limit of 32766 parameters.
const seedRows = 64

// seedInserter writes rows through one multi-row INSERT prepared for
// seedRows rows, and one prepared for the last, shorter chunk.
type seedInserter struct {
	tx    *Tx
	head  string
	tuple string
	width int
	full  *sql.Stmt
	args  []any
}

func newSeedInserter(tx *Tx, head, tuple string, width int) *seedInserter {
	return &seedInserter{tx: tx, head: head, tuple: tuple, width: width, args: make([]any, 0, seedRows*width)}
}

func (s *seedInserter) add(values ...any) { s.args = append(s.args, values...) }

func (s *seedInserter) flush(ctx context.Context) error {
	rows := len(s.args) / s.width
	if rows == 0 {
		return nil
	}
	stmt := s.full
	if rows != seedRows || stmt == nil {
		var err error
		if stmt, err = s.tx.PrepareContext(ctx, s.head+strings.Repeat(s.tuple+",", rows-1)+s.tuple); err != nil {
			return err
		}
		if rows == seedRows {
			s.full = stmt
		} else {
			defer stmt.Close()
		}
	}
	if _, err := stmt.ExecContext(ctx, s.args...); err != nil {
		return err
	}
	s.args = s.args[:0]
	return nil
}

func (s *seedInserter) close() {
	if s.full != nil {
		s.full.Close()
	}
}

// RawResult is the raw SQLite write ceiling measured by MeasureRawInserts.
type RawResult struct {
	Inserts   int
	Took      time.Duration
	PerSecond float64
	P50, P99  time.Duration
	// Latencies are every insert's, BEGIN to COMMIT, sorted, so that
	// several measurements can be pooled.
	Latencies []time.Duration
}

// MeasureRawInserts measures the most single-row write transactions per
// second SQLite can commit in dir: a scratch database with exactly the
// ledger's connection settings (WAL, synchronous per durability, immediate
// transactions, one connection), one table, and n INSERTs each committed on
// its own, as the ledger commits each command. The ledger's own write rate
// is judged against it. The scratch file is removed afterwards.
func MeasureRawInserts(ctx context.Context, dir string, n int, durability Durability) (RawResult, error) {
	if n < 1 {
		return RawResult{}, errorf(EINVALID, "raw inserts: n must be positive, got %d", n)
	}
	if durability == "" {
		durability = DurabilityFull
	}
	if durability != DurabilityFull && durability != DurabilityNormal {
		return RawResult{}, errorf(EINVALID, "raw inserts: durability must be %q or %q, got %q", DurabilityFull, DurabilityNormal, durability)
	}
	f, err := os.CreateTemp(dir, "raw-ceiling-*.db")
	if err != nil {
		return RawResult{}, err
	}
	path := f.Name()
	f.Close()
	defer func() {
		for _, p := range []string{path, path + "-wal", path + "-shm", path + "-journal"} {
			os.Remove(p)
		}
	}()

	opts := Options{Durability: durability, BusyTimeout: 10 * time.Second}
	pool, err := sql.Open("sqlite3", dsn(filepath.Clean(path), opts, roleWriter))
	if err != nil {
		return RawResult{}, err
	}
	defer pool.Close()
	pool.SetMaxOpenConns(1)
	pool.SetMaxIdleConns(1)
	// The same checks as a ledger connection: a ceiling measured in another
	// journal mode or sync level would compare nothing.
	if err := (&DB{}).confirmPragmas(ctx, pool, opts); err != nil {
		return RawResult{}, err
	}
	if _, err := pool.ExecContext(ctx, `CREATE TABLE raw (
		id         INTEGER PRIMARY KEY,
		idem_key   TEXT    NOT NULL,
		minutes    INTEGER NOT NULL,
		created_at INTEGER NOT NULL)`); err != nil {
		return RawResult{}, err
	}

	lat := make([]time.Duration, n)
	begin := time.Now()
	for i := range n {
		t := time.Now()
		tx, err := pool.BeginTx(ctx, nil)
		if err != nil {
			return RawResult{}, err
		}
		if _, err := tx.ExecContext(ctx, "INSERT INTO raw (idem_key, minutes, created_at) VALUES (?, ?, ?)",
			fmt.Sprintf("raw:%d", i), 15+i%226, t.Unix()); err != nil {
			tx.Rollback()
			return RawResult{}, err
		}
		if err := tx.Commit(); err != nil {
			return RawResult{}, err
		}
		lat[i] = time.Since(t)
	}
	took := time.Since(begin)
	if err := pool.Close(); err != nil && !errors.Is(err, sql.ErrConnDone) {
		return RawResult{}, err
	}
	slices.Sort(lat)
	return RawResult{
		Inserts:   n,
		Took:      took,
		PerSecond: float64(n) / took.Seconds(),
		P50:       percentile(lat, 0.50),
		P99:       percentile(lat, 0.99),
		Latencies: lat,
	}, nil
}

// percentile is the q-quantile (0 < q ≤ 1) of sorted latencies by the
// nearest-rank method: no interpolation, so it is always a measured value.
func percentile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(math.Ceil(float64(len(sorted))*q)) - 1
	return sorted[max(0, min(rank, len(sorted)-1))]
}
