package ledger

import (
	"bytes"
	"cmp"
	"context"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"strconv"
	"strings"
)

// ApplicationID marks an SQLite file as an Entraide ledger ("Entr"), in
// the header field SQLite keeps for that purpose.
const ApplicationID int32 = 0x456e7472

// chainMigration is the migration that creates the chain: applying it
// chains the records made before it.
const chainMigration = 9

// NotLedgerError says a file is not an Entraide ledger, or cannot be read
// as one; nothing was written to it.
type NotLedgerError struct {
	Path   string
	Reason string
}

func (e *NotLedgerError) Error() string {
	return fmt.Sprintf("%s is not an Entraide ledger: %s", e.Path, e.Reason)
}

// Problem is one broken invariant found by Verify.
type Problem string

// Report is the result of Verify.
type Report struct {
	Accounts  int
	Exchanges int
	Records   int         // entries of the hash chain, every community
	Heads     []ChainHead // each community's chain head, by slug
	Witnessed []Witness   // the witnesses given that the chain matches
	Problems  []Problem
}

// OK is true when every invariant holds.
func (r Report) OK() bool { return len(r.Problems) == 0 }

// maxListed is how many problems one check lists before it counts the rest.
const maxListed = 20

// Verify checks the open ledger from one read snapshot (see verifyTx),
// and the chain against each witness given.
func (db *DB) Verify(ctx context.Context, witnesses ...Witness) (Report, error) {
	tx, err := db.read(ctx)
	if err != nil {
		return Report{}, err
	}
	defer tx.Rollback()
	return verifyTx(ctx, tx, witnesses)
}

// VerifyFile checks the ledger at path without writing anything: the file
// is opened read-only, never migrated. It returns *NotLedgerError when
// the file does not exist, cannot be read, or is not an Entraide ledger
// whose migrations include the hash chain, and *SchemaError when a newer
// binary wrote it.
func VerifyFile(ctx context.Context, path string, witnesses ...Witness) (Report, error) {
	st, err := os.Stat(path)
	if err != nil {
		return Report{}, &NotLedgerError{Path: path, Reason: err.Error()}
	}
	if !st.Mode().IsRegular() {
		return Report{}, &NotLedgerError{Path: path, Reason: "not a regular file"}
	}
	pool := openPool(readOnlyDSN(path))
	defer pool.Close()
	pool.SetMaxOpenConns(1)
	if err := identify(ctx, pool, path, true); err != nil {
		return Report{}, err
	}
	tx, err := pool.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return Report{}, &NotLedgerError{Path: path, Reason: err.Error()}
	}
	defer tx.Rollback()
	return verifyTx(ctx, tx, witnesses)
}

// readOnlyDSN opens path read-only: no journal mode is set, nothing is
// created beside it.
func readOnlyDSN(path string) string {
	esc := strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(path)
	return "file:" + esc + "?mode=ro&_query_only=1&_busy_timeout=10000"
}

// checkLedgerFile refuses, before Open writes anything, a file that holds
// another program's database. A missing or empty file is a new ledger.
func checkLedgerFile(ctx context.Context, path string) error {
	st, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) || err == nil && st.Size() == 0 {
		return nil
	}
	if err != nil {
		return fmt.Errorf("ledger: %w", err)
	}
	pool := openPool(readOnlyDSN(path))
	defer pool.Close()
	return identify(ctx, pool, path, false)
}

// identify tells an Entraide ledger by its application_id or, for a
// ledger made before the ID was set, by its table of migrations. With
// chained, the ledger must also have the hash chain.
func identify(ctx context.Context, pool *sql.DB, path string, chained bool) error {
	var app int32
	if err := pool.QueryRowContext(ctx, "PRAGMA application_id").Scan(&app); err != nil {
		return &NotLedgerError{Path: path, Reason: err.Error()}
	}
	var objects, migrations int
	if err := pool.QueryRowContext(ctx, `SELECT COUNT(*), COUNT(*) FILTER (WHERE name = 'schema_migrations')
		FROM sqlite_schema`).Scan(&objects, &migrations); err != nil {
		return &NotLedgerError{Path: path, Reason: err.Error()}
	}
	switch {
	case app != ApplicationID && app != 0:
		return &NotLedgerError{Path: path, Reason: fmt.Sprintf("its application_id is %#x, not Entraide's %#x", uint32(app), ApplicationID)}
	case objects == 0 && !chained:
		return nil // an empty database
	case app == 0 && migrations == 0 || objects == 0:
		return &NotLedgerError{Path: path, Reason: "it has no Entraide application_id and no ledger tables"}
	case !chained:
		return nil
	}
	var latest int
	if err := pool.QueryRowContext(ctx, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations").Scan(&latest); err != nil {
		return &NotLedgerError{Path: path, Reason: err.Error()}
	}
	if known := KnownSchemaVersion(); latest > known {
		return &SchemaError{File: latest, Known: known}
	}
	if latest < chainMigration {
		return &NotLedgerError{Path: path, Reason: fmt.Sprintf("a ledger at migration %d, made before the hash chain: start the bot on it once to migrate it", latest)}
	}
	return nil
}

// verifier collects the problems of one verification.
type verifier struct {
	ctx context.Context
	tx  *sql.Tx
	rep Report
}

func (v *verifier) add(format string, args ...any) {
	v.rep.Problems = append(v.rep.Problems, Problem(fmt.Sprintf(format, args...)))
}

// check runs a query whose rows each describe one problem (one text
// column), and lists them.
func (v *verifier) check(what, query string) error {
	rows, err := v.tx.QueryContext(v.ctx, query)
	if err != nil {
		return fmt.Errorf("ledger: verify %s: %w", what, err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return err
		}
		if n++; n <= maxListed {
			v.add("%s: %s", what, s)
		}
	}
	if n > maxListed {
		v.add("%s: %d more", what, n-maxListed)
	}
	return rows.Err()
}

// verifyTx recomputes what the ledger keeps, from one snapshot: SQLite
// finds the file sound and every reference resolves; every balance equals
// the sum of its entries and every community sums to zero; each
// operation, link, decision, case, reminder and council draw agrees with
// the records it made; and the hash chain, recomputed from the records as
// they are, matches entry by entry. It writes nothing.
func verifyTx(ctx context.Context, tx *sql.Tx, witnesses []Witness) (Report, error) {
	v := &verifier{ctx: ctx, tx: tx}
	if err := v.integrity(); err != nil {
		return v.rep, err
	}
	if err := tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM accounts").Scan(&v.rep.Accounts); err != nil {
		return v.rep, err
	}
	if err := tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM exchanges").Scan(&v.rep.Exchanges); err != nil {
		return v.rep, err
	}
	for _, c := range crossChecks {
		if err := v.check(c.what, c.query); err != nil {
			return v.rep, err
		}
	}
	if err := v.council(); err != nil {
		return v.rep, err
	}
	if err := v.chain(); err != nil {
		return v.rep, err
	}
	for _, w := range witnesses {
		if err := v.witness(w); err != nil {
			return v.rep, err
		}
	}
	return v.rep, nil
}

// integrity runs SQLite's own checks of the file and of foreign keys.
func (v *verifier) integrity() error {
	checks, err := queryRows(v.ctx, v.tx, scanString, "PRAGMA integrity_check")
	if err != nil {
		return err
	}
	var msgs []string
	for _, s := range checks {
		if s != "ok" {
			msgs = append(msgs, s)
		}
	}
	for i, m := range msgs {
		if i == maxListed {
			v.add("sqlite integrity_check: %d more", len(msgs)-i)
			break
		}
		v.add("sqlite integrity_check: %s", m)
	}
	rows, err := v.tx.QueryContext(v.ctx, "PRAGMA foreign_key_check")
	if err != nil {
		return err
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var table, parent string
		var rowid sql.NullInt64
		var fk int
		if err := rows.Scan(&table, &rowid, &parent, &fk); err != nil {
			return err
		}
		if n++; n <= maxListed {
			v.add("foreign key: %s row %d refers to a missing %s", table, rowid.Int64, parent)
		}
	}
	if n > maxListed {
		v.add("foreign key: %d more", n-maxListed)
	}
	return rows.Err()
}

// crossChecks are the invariants between tables, each a query listing
// what breaks it.
var crossChecks = []struct{ what, query string }{
	{"balance", `WITH moves AS (
			SELECT to_id AS id, SUM(minutes) AS m FROM exchanges GROUP BY to_id
			UNION ALL
			SELECT from_id, -SUM(minutes) FROM exchanges GROUP BY from_id),
		sums AS (SELECT id, SUM(m) AS total FROM moves GROUP BY id)
		SELECT format('account %d (%s): balance %d but its entries sum to %d', a.id, a.display_name, a.balance, COALESCE(s.total, 0))
		FROM accounts a LEFT JOIN sums s ON s.id = a.id
		WHERE a.balance <> COALESCE(s.total, 0) ORDER BY a.id`},
	{"community", `SELECT format('community %s: balances sum to %d, not 0', c.slug, SUM(a.balance))
		FROM accounts a JOIN communities c ON c.id = a.community_id GROUP BY c.id HAVING SUM(a.balance) <> 0 ORDER BY c.slug`},
	{"correction", `SELECT format('exchange %d does not mirror the entry %d it reverses', r.id, o.id)
		FROM exchanges r JOIN exchanges o ON o.id = r.reverses
		WHERE r.from_id <> o.to_id OR r.to_id <> o.from_id OR r.minutes <> o.minutes
		   OR r.community_id <> o.community_id OR o.reverses IS NOT NULL ORDER BY r.id`},
	{"exchange", `SELECT format('exchange %d moves time between accounts of another community', e.id)
		FROM exchanges e JOIN accounts f ON f.id = e.from_id JOIN accounts t ON t.id = e.to_id
		WHERE f.community_id <> e.community_id OR t.community_id <> e.community_id ORDER BY e.id`},
	{"operation", `SELECT format('operation %d (%s) has no entry', o.id, o.kind) FROM operations o
		WHERE o.kind IN ('give', 'commons', 'undo', 'reverse')
		  AND NOT EXISTS (SELECT 1 FROM exchanges e WHERE e.operation_id = o.id) ORDER BY o.id`},
	{"operation", `SELECT format('exchange %d does not match its operation %d (%s): community, actor, time or correction', e.id, o.id, o.kind)
		FROM exchanges e JOIN operations o ON o.id = e.operation_id
		WHERE e.community_id <> o.community_id OR e.created_at <> o.created_at
		   OR (o.kind IN ('give', 'commons', 'undo', 'reverse') AND e.actor_id <> o.actor_id)
		   OR (o.kind IN ('give', 'commons') AND e.reverses IS NOT NULL)
		   OR (o.kind IN ('undo', 'reverse') AND e.reverses IS NULL)
		   OR (o.kind = 'reverse' AND trim(e.reason) = '') ORDER BY e.id`},
	{"identity", `SELECT format('identity %s:%s belongs to account %d of another community or to a commons', i.platform, i.user_id, a.id)
		FROM identities i JOIN accounts a ON a.id = i.account_id
		WHERE a.community_id <> i.community_id OR a.kind <> 'member' ORDER BY a.id`},
	{"link", `SELECT format('link record %d does not match its operation %d', l.id, o.id)
		FROM identity_links l JOIN operations o ON o.id = l.operation_id
		WHERE o.kind <> l.kind OR o.community_id <> l.community_id OR o.created_at <> l.created_at
		   OR (l.transfer_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM exchanges e WHERE e.id = l.transfer_id AND e.operation_id = o.id))
		   OR (l.kind = 'unlink') <> (l.undoes IS NOT NULL) ORDER BY l.id`},
	{"link", `SELECT format('link or unlink %d of operation %d is not recorded', o.id, o.id) FROM operations o
		WHERE o.kind IN ('link', 'unlink') AND NOT EXISTS (SELECT 1 FROM identity_links l WHERE l.operation_id = o.id) ORDER BY o.id`},
	{"link", `SELECT format('identity %s:%s is in account %d, but its last link record put it in %d', i.platform, i.user_id, i.account_id, l.to_account)
		FROM identities i JOIN identity_links l ON l.id = (SELECT MAX(id) FROM identity_links x
			WHERE x.community_id = i.community_id AND x.platform = i.platform AND x.user_id = i.user_id)
		WHERE l.to_account <> i.account_id ORDER BY l.id`},
	{"decision", `SELECT format('proposal %d (#%d) has no first version or a gap in its versions', p.id, p.number) FROM proposals p
		WHERE NOT EXISTS (SELECT 1 FROM proposal_versions v WHERE v.proposal_id = p.id AND v.version = 1)
		   OR (SELECT MAX(version) FROM proposal_versions v WHERE v.proposal_id = p.id)
		      <> (SELECT COUNT(*) FROM proposal_versions v WHERE v.proposal_id = p.id) ORDER BY p.id`},
	{"decision", `SELECT format('operation %d is of community %d, its proposal %d of %d', o.id, o.community_id, p.id, p.community_id)
		FROM decision_ops o JOIN proposals p ON p.id = o.proposal_id WHERE o.community_id <> p.community_id ORDER BY o.id`},
	{"decision", `SELECT format('version %d of proposal %d was not recorded by a proposal or amendment of it', v.version, v.proposal_id)
		FROM proposal_versions v JOIN decision_ops o ON o.id = v.op_id
		WHERE o.proposal_id <> v.proposal_id OR o.kind NOT IN ('propose', 'amend') ORDER BY v.op_id`},
	{"decision", `SELECT format('response %d was not recorded by a response to its proposal %d', r.id, r.proposal_id)
		FROM responses r JOIN decision_ops o ON o.id = r.op_id
		WHERE o.proposal_id <> r.proposal_id OR o.kind NOT IN ('respond', 'propose', 'amend', 'close') ORDER BY r.id`},
	{"decision", `SELECT format('resolution of response %d does not resolve an objection of its proposal', x.response_id)
		FROM objection_resolutions x JOIN responses r ON r.id = x.response_id JOIN decision_ops o ON o.id = x.op_id
		WHERE r.kind <> 'objection' OR o.kind <> 'resolve' OR o.proposal_id <> r.proposal_id ORDER BY x.response_id`},
	{"case", `SELECT format('case %d (#%d) has no request or opening in its log', c.id, c.number) FROM cases c
		WHERE NOT EXISTS (SELECT 1 FROM case_log l WHERE l.case_id = c.id AND l.kind IN ('requested', 'opened')) ORDER BY c.id`},
	{"case", `SELECT format('case %d (#%d) is closed but its log does not say so', c.id, c.number) FROM cases c
		WHERE c.closed_at IS NOT NULL AND NOT EXISTS (SELECT 1 FROM case_log l WHERE l.case_id = c.id AND l.kind = 'closed') ORDER BY c.id`},
	{"case", `SELECT format('case log entry %d of case %d was recorded by an operation of another community', l.id, c.id)
		FROM case_log l JOIN cases c ON c.id = l.case_id JOIN case_ops o ON o.id = l.op_id
		WHERE o.community_id <> c.community_id ORDER BY l.id`},
	{"case", `SELECT format('case %d has member account %d of another community', m.case_id, m.account_id)
		FROM case_members m JOIN cases c ON c.id = m.case_id JOIN accounts a ON a.id = m.account_id
		WHERE a.community_id <> c.community_id ORDER BY m.case_id`},
	{"reminder", `SELECT format('reminder %d belongs to a group of another community', r.id)
		FROM reminders r JOIN groups g ON g.id = r.group_id WHERE g.community_id <> r.community_id ORDER BY r.id`},
	{"reminder", `SELECT format('reminder %d was created by an account of another community', r.id)
		FROM reminders r JOIN accounts a ON a.id = r.created_by WHERE a.community_id <> r.community_id ORDER BY r.id`},
	{"reminder", `SELECT format('occurrence %d of reminder %d ends before it begins', d.id, d.reminder_id)
		FROM reminder_deliveries d WHERE d.last_due < d.due ORDER BY d.id`},
	{"council", `SELECT format('draw %d (#%d) was recorded by an operation of another community', d.id, d.number)
		FROM council_draws d JOIN case_ops o ON o.id = d.op_id WHERE o.community_id <> d.community_id ORDER BY d.id`},
}

// council re-runs every draw by lot from its recorded seed.
func (v *verifier) council() error {
	rows, err := v.tx.QueryContext(v.ctx, "SELECT id, number, seed, algorithm, seats, eligible, result FROM council_draws ORDER BY id")
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id, number int64
		var seedHex, algorithm, eligible, result string
		var seats int
		if err := rows.Scan(&id, &number, &seedHex, &algorithm, &seats, &eligible, &result); err != nil {
			return err
		}
		var seed [SeedSize]byte
		raw, err := hex.DecodeString(seedHex)
		elig, err1 := parseIDList(eligible)
		drawn, err2 := parseIDList(result)
		if err != nil || len(raw) != SeedSize || err1 != nil || err2 != nil {
			v.add("council: draw %d (#%d) has an unreadable seed or list", id, number)
			continue
		}
		copy(seed[:], raw)
		if algorithm != DrawAlgorithm || !slices.Equal(DrawLots(seed, elig, seats), drawn) {
			v.add("council: draw %d (#%d) does not re-run to its recorded result", id, number)
		}
	}
	return rows.Err()
}

func parseIDList(s string) ([]AccountID, error) {
	if s == "" {
		return nil, nil
	}
	var out []AccountID
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.ParseInt(f, 10, 64)
		if err != nil {
			return nil, err
		}
		out = append(out, AccountID(n))
	}
	return out, nil
}

// chain recomputes the hash chain: each entry's hash from the stored hash
// before it and the record as it is now. A rewritten record breaks its
// own entry; a deleted record or entry is named; a record without an
// entry (written with the triggers dropped) is named too. Only the first
// break of each community is told in full: after it, members compare
// heads.
func (v *verifier) chain() error {
	cursors := map[string]*chainCursor{}
	defer func() {
		for _, c := range cursors {
			c.close()
		}
	}()
	rows, err := v.tx.QueryContext(v.ctx, `SELECT c.community_id, m.slug, c.seq, c.tbl, c.row_id, c.hash
		FROM chain c LEFT JOIN communities m ON m.id = c.community_id ORDER BY c.community_id, c.seq`)
	if err != nil {
		return err
	}
	defer rows.Close()
	var (
		community        CommunityID = -1
		slug             sql.NullString
		prev             []byte
		lastSeq          int64
		broken, problems int
	)
	entries := map[string]int{}
	endCommunity := func() {
		if broken > 1 {
			v.add("chain: community %s: %d entries in all do not match their records", slug.String, broken)
		}
	}
	for rows.Next() {
		var c CommunityID
		var seq, rowID int64
		var table string
		var hash []byte
		if err := rows.Scan(&c, &slug, &seq, &table, &rowID, &hash); err != nil {
			return err
		}
		v.rep.Records++
		entries[table]++
		if c != community {
			endCommunity()
			community, prev, lastSeq, broken = c, nil, 0, 0
		}
		fail := func(format string, args ...any) {
			broken++
			if broken == 1 && problems < maxListed {
				problems++
				v.add("chain: community %s breaks at entry %d, %s #%d: %s", slug.String, seq, table, rowID, fmt.Sprintf(format, args...))
			}
		}
		switch {
		case seq != lastSeq+1:
			fail("entries %d to %d are missing", lastSeq+1, seq-1)
		default:
			spec, ok := chainSpecFor(table)
			if !ok {
				fail("the ledger does not chain %s", table)
				break
			}
			cur := cursors[table]
			if cur == nil {
				cur = &chainCursor{spec: spec, v: v}
				cursors[table] = cur
			}
			rec, found, err := cur.find(rowID)
			if err != nil {
				return err
			}
			switch {
			case !found:
				fail("the record was deleted")
			case rec.community != c:
				fail("the record belongs to another community")
			case !bytes.Equal(chainHash(prev, table, rec.content), hash):
				fail("the record was changed since it was written")
			}
		}
		prev, lastSeq = hash, seq
	}
	if err := rows.Err(); err != nil {
		return err
	}
	endCommunity()
	rows.Close()
	// Every chained record has its entry: compare the counts, and name
	// the first records without one.
	for _, spec := range chainSpecs {
		var n int
		if err := v.tx.QueryRowContext(v.ctx, "SELECT COUNT(*) FROM ("+spec.selectSQL("")+")").Scan(&n); err != nil {
			return err
		}
		if n > entries[spec.table] {
			if err := v.check("chain", fmt.Sprintf(`SELECT format('%s #%%d has no entry in the chain', %s) FROM %s t
				WHERE %s NOT EXISTS (SELECT 1 FROM chain c WHERE c.tbl = '%s' AND c.row_id = %s) ORDER BY %s`,
				spec.table, spec.key, spec.table, andWhere(spec.where), spec.table, spec.key, spec.key)); err != nil {
				return err
			}
		}
	}
	heads, err := chainHeads(v.ctx, v.tx)
	v.rep.Heads = heads
	return err
}

func andWhere(w string) string {
	if w == "" {
		return ""
	}
	return w + " AND"
}

// chainRecord is a chained record as read for its hash.
type chainRecord struct {
	community CommunityID
	key       int64
	content   string
}

// chainCursor reads one table's records in key order, as the chain names
// them: within a community, a table's records are chained in key order,
// so one forward pass finds them all; it starts again only where the
// chain goes back (the next community, or a chain out of order).
type chainCursor struct {
	spec chainSpec
	v    *verifier
	rows *sql.Rows
	cur  *chainRecord
}

func (c *chainCursor) find(key int64) (chainRecord, bool, error) {
	if c.rows == nil || c.cur != nil && c.cur.key > key {
		if err := c.open(key); err != nil {
			return chainRecord{}, false, err
		}
	}
	for c.cur != nil && c.cur.key < key {
		if err := c.next(); err != nil {
			return chainRecord{}, false, err
		}
	}
	if c.cur == nil || c.cur.key != key {
		return chainRecord{}, false, nil
	}
	return *c.cur, true, nil
}

func (c *chainCursor) open(from int64) error {
	c.close()
	rows, err := c.v.tx.QueryContext(c.v.ctx, c.spec.selectSQL(c.spec.key+" >= ?")+" ORDER BY "+c.spec.key, from)
	if err != nil {
		return fmt.Errorf("ledger: verify chain of %s: %w", c.spec.table, err)
	}
	c.rows = rows
	return c.next()
}

func (c *chainCursor) next() error {
	if !c.rows.Next() {
		c.cur = nil
		return c.rows.Err()
	}
	var r chainRecord
	if err := c.rows.Scan(&r.community, &r.key, &r.content); err != nil {
		return err
	}
	c.cur = &r
	return nil
}

func (c *chainCursor) close() {
	if c.rows != nil {
		c.rows.Close()
		c.rows = nil
	}
	c.cur = nil
}

// Backup writes a consistent copy of the live database to path, which must
// not exist yet, readable by its owner only. Writers go on while it runs.
func (db *DB) Backup(ctx context.Context, path string) error {
	// Created here, private and empty, which VACUUM INTO accepts: SQLite
	// would otherwise create it readable by all.
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("ledger: backup target %s already exists", path)
	}
	if err != nil {
		return fmt.Errorf("ledger: backup: %w", err)
	}
	if err := errors.Join(f.Chmod(0o600), f.Close()); err != nil {
		os.Remove(path)
		return fmt.Errorf("ledger: backup: %w", err)
	}
	// VACUUM INTO reads one snapshot and writes a compact, self-contained
	// file (no -wal beside it), which is what a backup should be. It needs a
	// connection of its own: the readers are query_only, which forbids
	// writing even another file, and the single writer must stay free for
	// gifts while a large backup runs.
	conn := openPool(dsn(db.path, db.opts, roleMaintenance))
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "VACUUM INTO ?", path); err != nil {
		os.Remove(path)
		return fmt.Errorf("ledger: backup: %w", err)
	}
	return conn.Close()
}

// chainExisting chains the records made before the chain existed, in
// time order (ties: operations before what they recorded, then key
// order), when migration 0009 is applied.
func chainExisting(ctx context.Context, tx *Tx) error {
	type pending struct {
		community CommunityID
		at        int64
		spec      int
		key       int64
	}
	var all []pending
	for i, spec := range chainSpecs {
		// A table that a later migration makes does not exist yet: it
		// starts empty, with its own trigger.
		var exists int
		if err := tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM sqlite_schema WHERE type = 'table' AND name = ?", spec.table).Scan(&exists); err != nil {
			return err
		}
		if exists == 0 {
			continue
		}
		at := spec.timeCol
		if at == "" {
			at = "t.created_at"
		}
		community := spec.community
		if community == "" {
			community = "t.community_id"
		}
		rows, err := tx.QueryContext(ctx, "SELECT "+community+", "+at+", "+spec.key+" FROM "+spec.table+" t "+spec.join+
			" WHERE "+andWhere(spec.where)+" 1")
		if err != nil {
			return err
		}
		for rows.Next() {
			p := pending{spec: i}
			var at sql.NullInt64
			if err := rows.Scan(&p.community, &at, &p.key); err != nil {
				rows.Close()
				return err
			}
			p.at = at.Int64
			all = append(all, p)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
	}
	if len(all) == 0 {
		return nil
	}
	sortPending := func(a, b pending) int {
		switch {
		case a.community != b.community:
			return cmp.Compare(int64(a.community), int64(b.community))
		case a.at != b.at:
			return cmp.Compare(a.at, b.at)
		case a.spec != b.spec:
			return cmp.Compare(int64(a.spec), int64(b.spec))
		}
		return cmp.Compare(a.key, b.key)
	}
	slices.SortFunc(all, sortPending)
	var prev []byte
	var seq int64
	community := CommunityID(-1)
	for _, p := range all {
		if p.community != community {
			community, prev, seq = p.community, nil, 0
		}
		spec := chainSpecs[p.spec]
		var r chainRecord
		if err := tx.QueryRowContext(ctx, spec.selectSQL(spec.key+" = ?"), p.key).Scan(&r.community, &r.key, &r.content); err != nil {
			return fmt.Errorf("chain %s #%d: %w", spec.table, p.key, err)
		}
		seq++
		prev = chainHash(prev, spec.table, r.content)
		if _, err := tx.ExecContext(ctx, "INSERT INTO chain (community_id, seq, tbl, row_id, hash) VALUES (?, ?, ?, ?, ?)",
			p.community, seq, spec.table, p.key, prev); err != nil {
			return fmt.Errorf("chain %s #%d: %w", spec.table, p.key, err)
		}
	}
	return nil
}
