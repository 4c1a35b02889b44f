package ledger

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// The hash chain. Every append-only record gets, in the same statement
// that writes it (an AFTER INSERT trigger, migration 0009), an entry in
// the table chain: its community's next position, what it is, and a
// SHA-256 of the previous entry's hash and of the record's content. The
// single writer makes positions follow commit order. Verify recomputes
// every hash from the records as they are, so a record rewritten or
// deleted behind the ledger's back breaks the chain where it stands; the
// head printed in each newsletter and by `entraide verify` is what
// members keep outside, so that a chain recomputed wholesale does not
// match what they hold either.

// chainFunc is the SQL function the triggers call:
// entraide_chain(previous hash, table, content).
const chainFunc = "entraide_chain"

// chainSpec is one kind of chained record: the columns its hash covers, in
// the order its trigger passes them, and how to find its community.
type chainSpec struct {
	table string
	// key identifies a record, as an expression over its table "t": its
	// INTEGER PRIMARY KEY, or for proposal_versions (whose rowid VACUUM
	// may renumber) its operation.
	key string
	// cols are hashed in this order, after the table's name.
	cols []string
	// join and community say how a record's community is found, for the
	// tables that do not carry it: "t" is the record's table.
	join      string
	community string
	// where selects the records that are chained: news is chained once
	// it is decided, not when it is submitted.
	where string
	// timeCol orders records chained when migration 0009 first ran
	// (t.created_at when empty).
	timeCol string
	// event is what chains a record: its insert, or for records chained
	// once decided an update (with when, in OLD and NEW terms).
	event, when string
}

// chainSpecs are the chained records, in the order that breaks ties
// between records of one transaction when existing records are chained
// for the first time (operations before what they record).
var chainSpecs = []chainSpec{
	{table: "operations", key: "t.id", cols: []string{"id", "community_id", "idem_key", "fingerprint", "kind", "actor_id", "source", "created_at"}},
	{table: "exchanges", key: "t.id", cols: []string{"id", "operation_id", "community_id", "from_id", "to_id", "minutes", "category", "note",
		"actor_id", "source", "reverses", "reason", "created_at", "group_id"}},
	{table: "identity_links", key: "t.id", cols: []string{"id", "operation_id", "community_id", "kind", "platform", "user_id",
		"from_account", "to_account", "transfer_id", "undoes", "created_at"}},
	{table: "decision_ops", key: "t.id", cols: []string{"id", "community_id", "idem_key", "fingerprint", "kind", "proposal_id", "actor_id", "source", "created_at"}},
	{table: "proposal_versions", key: "t.op_id", cols: []string{"proposal_id", "version", "text", "op_id", "created_at"},
		join: "JOIN proposals p ON p.id = t.proposal_id", community: "p.community_id"},
	{table: "responses", key: "t.id", cols: []string{"id", "proposal_id", "version", "account_id", "kind", "text", "op_id", "created_at"},
		join: "JOIN proposals p ON p.id = t.proposal_id", community: "p.community_id"},
	{table: "objection_resolutions", key: "t.response_id", cols: []string{"response_id", "kind", "reason", "actor_id", "op_id", "created_at"},
		join: "JOIN responses r ON r.id = t.response_id JOIN proposals p ON p.id = r.proposal_id", community: "p.community_id"},
	{table: "proposals", key: "t.id", cols: []string{"id", "community_id", "number", "proposer_id", "opened_at", "closed_at", "outcome",
		"closed_by", "close_reason"}, where: "t.closed_at IS NOT NULL", timeCol: "t.closed_at",
		event: "UPDATE OF closed_at", when: "OLD.closed_at IS NULL AND NEW.closed_at IS NOT NULL"},
	{table: "group_ops", key: "t.id", cols: []string{"id", "community_id", "idem_key", "fingerprint", "kind", "target", "actor_id", "source", "created_at"}},
	{table: "news", key: "t.id", cols: []string{"id", "community_id", "author_id", "text", "status", "submitted_at", "decided_by", "decided_at"},
		where: "t.status <> 'pending'", timeCol: "t.decided_at",
		event: "UPDATE OF status", when: "OLD.status = 'pending' AND NEW.status <> 'pending'"},
	{table: "case_ops", key: "t.id", cols: []string{"id", "community_id", "idem_key", "fingerprint", "kind", "target", "actor_id", "source", "created_at"}},
	{table: "case_log", key: "t.id", cols: []string{"id", "case_id", "op_id", "kind", "actor_id", "subject_id", "role", "from_state", "to_state", "text", "created_at"},
		join: "JOIN cases k ON k.id = t.case_id", community: "k.community_id"},
	{table: "council_draws", key: "t.id", cols: []string{"id", "community_id", "number", "seed", "algorithm", "seats", "eligible", "result",
		"excluded", "active_since", "actor_id", "op_id", "created_at", "reason"}},
	{table: "commons_ops", key: "t.id", cols: []string{"id", "community_id", "idem_key", "fingerprint", "kind", "target", "actor_id", "source", "created_at"}},
	{table: "commons_payments", key: "t.id", cols: []string{"id", "community_id", "number", "op_id", "requester_id", "minutes", "category", "note",
		"group_id", "created_at"}},
	// A payment's recipients have no key of their own: its payment and
	// their position make one.
	{table: "commons_payment_recipients", key: "t.payment_id * 65536 + t.position", cols: []string{"payment_id", "position", "account_id"},
		join: "JOIN commons_payments cp ON cp.id = t.payment_id", community: "cp.community_id", timeCol: "cp.created_at"},
	{table: "commons_payment_decisions", key: "t.payment_id", cols: []string{"payment_id", "kind", "actor_id", "reason", "op_id", "operation_id", "created_at"},
		join: "JOIN commons_payments cp ON cp.id = t.payment_id", community: "cp.community_id"},
	// Editorials (migration 0011) are chained when written; their issue
	// is set later and left out.
	{table: "newsletter_editorials", key: "t.id", cols: []string{"id", "community_id", "author_id", "text", "created_at"}},
	// Offers and needs (migration 0010): a post's card and reminder mark,
	// and a contact's space, are set later and left out.
	{table: "aid_ops", key: "t.id", cols: []string{"id", "community_id", "idem_key", "fingerprint", "kind", "target", "actor_id", "source", "created_at"}},
	{table: "aid_posts", key: "t.id", cols: []string{"id", "community_id", "kind", "number", "author_id", "category", "discreet", "expires_at",
		"platform", "room", "op_id", "created_at"}},
	{table: "aid_versions", key: "t.op_id", cols: []string{"post_id", "version", "text", "op_id", "created_at"},
		join: "JOIN aid_posts ap ON ap.id = t.post_id", community: "ap.community_id"},
	{table: "aid_closures", key: "t.post_id", cols: []string{"post_id", "kind", "actor_id", "reason", "operation_id", "op_id", "created_at"},
		join: "JOIN aid_posts ap ON ap.id = t.post_id", community: "ap.community_id"},
	{table: "aid_contacts", key: "t.id", cols: []string{"id", "post_id", "account_id", "message", "platform", "op_id", "created_at"},
		join: "JOIN aid_posts ap ON ap.id = t.post_id", community: "ap.community_id"},
	{table: "aid_gifts", key: "t.operation_id", cols: []string{"operation_id", "post_id"},
		join: "JOIN aid_posts ap ON ap.id = t.post_id", community: "ap.community_id", timeCol: "ap.created_at"},
}

// chainSpecFor is the spec of a chained table.
func chainSpecFor(table string) (chainSpec, bool) {
	for _, s := range chainSpecs {
		if s.table == table {
			return s, true
		}
	}
	return chainSpec{}, false
}

// content is the SQL expression of a record's content as hashed: each
// column as SQLite's quote() writes it (integers as digits, text quoted
// with its quotes doubled, NULL as NULL), comma-separated: one string that
// tells every value and its type apart, built by SQLite itself, so that
// the trigger hands the hash function one argument rather than a dozen.
// row is the record's name in the expression: t, or NEW in a trigger.
func (s chainSpec) content(row string) string {
	parts := make([]string, len(s.cols))
	for i, c := range s.cols {
		parts[i] = "quote(" + row + "." + c + ")"
	}
	return strings.Join(parts, " || ',' || ")
}

// selectSQL reads the spec's records: community, key, then content.
func (s chainSpec) selectSQL(cond string) string {
	community := s.community
	if community == "" {
		community = "t.community_id"
	}
	q := "SELECT " + community + ", " + s.key + ", " + s.content("t")
	q += " FROM " + s.table + " t " + s.join
	where := s.where
	if cond != "" {
		if where != "" {
			where += " AND "
		}
		where += cond
	}
	if where != "" {
		q += " WHERE " + where
	}
	return q
}

// newRow turns an expression over the record "t" into one over the
// trigger's NEW row.
var newRow = regexp.MustCompile(`\bt\.`)

// triggerSQL is the trigger that chains the spec's records as they are
// written: the community's next position, the record's key, and the hash
// entraide_chain computes from the previous entry's and the content. The
// columns are listed once, here; migrations make the tables, and the
// ledger installs these triggers after each one (installChainTriggers).
func (s chainSpec) triggerSQL() string {
	event := s.event
	if event == "" {
		event = "INSERT"
	}
	key := newRow.ReplaceAllString(s.key, "NEW.")
	community := "NEW.community_id"
	if s.community != "" {
		// The record is written: its community is read through it.
		community = "(SELECT " + s.community + " FROM " + s.table + " t " + s.join + " WHERE " + s.key + " = " + key + ")"
	}
	q := "CREATE TRIGGER IF NOT EXISTS " + s.table + "_chain AFTER " + event + " ON " + s.table + "\n"
	if s.when != "" {
		q += "WHEN " + s.when + "\n"
	}
	return q + `BEGIN
    INSERT INTO chain (community_id, seq, tbl, row_id, hash)
    SELECT ` + community + `, COALESCE(MAX(c.seq), 0) + 1, '` + s.table + `', ` + key + `,
           ` + chainFunc + `(COALESCE(c.hash, X''), '` + s.table + `', ` + s.content("NEW") + `)
    FROM chain c WHERE c.community_id = ` + community + `;
END;`
}

// installChainTriggers makes sure every chained table that exists has its
// trigger, once the chain itself exists: after each migration, so that a
// table a migration adds is chained from its first record.
func installChainTriggers(ctx context.Context, tx *Tx) error {
	existing, err := queryRows(ctx, tx, func(row rowScanner) (string, error) {
		var name string
		err := row.Scan(&name)
		return name, err
	}, "SELECT name FROM sqlite_schema WHERE type = 'table'")
	if err != nil {
		return err
	}
	if !slices.Contains(existing, "chain") {
		return nil
	}
	for _, s := range chainSpecs {
		if !slices.Contains(existing, s.table) {
			continue
		}
		if _, err := tx.ExecContext(ctx, s.triggerSQL()); err != nil {
			return fmt.Errorf("ledger: chain trigger of %s: %w", s.table, err)
		}
	}
	return nil
}

// chainHash is the hash of a record chained after prev (empty for a
// community's first): SHA-256 over prev, the table's name and the
// record's content (chainSpec.content), each length-prefixed.
func chainHash(prev []byte, table, content string) []byte {
	h := sha256.New()
	var buf [2 * binary.MaxVarintLen64]byte
	h.Write(binary.AppendUvarint(buf[:0], uint64(len(prev))))
	h.Write(prev)
	h.Write(binary.AppendUvarint(buf[:0], uint64(len(table))))
	h.Write([]byte(table))
	h.Write([]byte(content))
	return h.Sum(nil)
}

// chainSQLFunc is entraide_chain(previous hash, table, content) as SQLite
// calls it. Its arguments are typed: the driver converts them without
// reflection over each value, which cost more than the rest of a gift.
func chainSQLFunc(prev []byte, table, content string) []byte {
	return chainHash(prev, table, content)
}

// ChainHead is the last entry of a community's chain: a member who notes
// it can later tell whether the history before it was rewritten.
type ChainHead struct {
	Community CommunityID
	Slug      string
	Position  int64 // entries in the chain
	Hash      []byte
}

// Short is the form printed in newsletters and by `entraide verify`:
// the position and the first 12 hexadecimal digits of the hash.
func (h ChainHead) Short() string {
	if h.Position == 0 {
		return "0"
	}
	return strconv.FormatInt(h.Position, 10) + ":" + hex.EncodeToString(h.Hash)[:12]
}

// ChainHead is the head of a community's chain now.
func (db *DB) ChainHead(ctx context.Context, community CommunityID) (ChainHead, error) {
	return chainHead(ctx, db.reader, community)
}

func chainHead(ctx context.Context, q queryer, community CommunityID) (ChainHead, error) {
	h := ChainHead{Community: community}
	var pos sql.NullInt64
	// The last entry by one seek of the chain's primary key.
	err := q.QueryRowContext(ctx, `SELECT h.seq, h.hash, m.slug FROM communities m
		LEFT JOIN (SELECT seq, hash FROM chain WHERE community_id = ? ORDER BY seq DESC LIMIT 1) h
		WHERE m.id = ?`, community, community).Scan(&pos, &h.Hash, &h.Slug)
	if err == sql.ErrNoRows {
		return h, errorf(ENOTFOUND, "community %d", community)
	}
	h.Position = pos.Int64
	return h, err
}

// chainHeads are the heads of every community's chain, by slug.
func chainHeads(ctx context.Context, q queryer) ([]ChainHead, error) {
	return loadIDs(ctx, q, chainHead, "SELECT id FROM communities ORDER BY slug")
}
