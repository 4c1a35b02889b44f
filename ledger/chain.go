package ledger

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math"
	"strconv"
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
// entraide_chain(previous hash, table, column values…).
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
		"closed_by", "close_reason"}, where: "t.closed_at IS NOT NULL", timeCol: "t.closed_at"},
	{table: "group_ops", key: "t.id", cols: []string{"id", "community_id", "idem_key", "fingerprint", "kind", "target", "actor_id", "source", "created_at"}},
	{table: "news", key: "t.id", cols: []string{"id", "community_id", "author_id", "text", "status", "submitted_at", "decided_by", "decided_at"},
		where: "t.status <> 'pending'", timeCol: "t.decided_at"},
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

// selectSQL reads the spec's records: community, key, then its columns.
func (s chainSpec) selectSQL(cond string) string {
	community := s.community
	if community == "" {
		community = "t.community_id"
	}
	q := "SELECT " + community + ", " + s.key
	for _, c := range s.cols {
		q += ", t." + c
	}
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

// chainHash is the hash of a record chained after prev (nil for a
// community's first): SHA-256 over prev, the table's name and each value
// with its type, lengths prefixed, so that no two contents hash alike.
func chainHash(prev []byte, table string, vals []any) []byte {
	h := sha256.New()
	var buf []byte
	buf = binary.AppendUvarint(buf, uint64(len(prev)))
	buf = append(buf, prev...)
	buf = appendChainText(buf, 's', table)
	for _, v := range vals {
		switch v := v.(type) {
		case nil:
			buf = append(buf, 'n')
		case int64:
			buf = binary.BigEndian.AppendUint64(append(buf, 'i'), uint64(v))
		case float64:
			buf = binary.BigEndian.AppendUint64(append(buf, 'f'), math.Float64bits(v))
		case string:
			buf = appendChainText(buf, 's', v)
		case []byte:
			if v == nil {
				// The driver hands SQL functions NULL as a nil []byte.
				buf = append(buf, 'n')
				break
			}
			buf = appendChainText(buf, 'b', string(v))
		default:
			// SQLite has no other types; a driver change would show here.
			buf = appendChainText(buf, '?', fmt.Sprintf("%T:%v", v, v))
		}
	}
	h.Write(buf)
	return h.Sum(nil)
}

func appendChainText(buf []byte, tag byte, s string) []byte {
	buf = binary.AppendUvarint(append(buf, tag), uint64(len(s)))
	return append(buf, s...)
}

// chainSQLFunc is entraide_chain as SQLite calls it.
func chainSQLFunc(args ...any) ([]byte, error) {
	if len(args) < 2 {
		return nil, fmt.Errorf("%s: want the previous hash, a table and values", chainFunc)
	}
	var prev []byte
	switch p := args[0].(type) {
	case nil:
	case []byte:
		prev = p
	default:
		return nil, fmt.Errorf("%s: previous hash is a %T", chainFunc, p)
	}
	table, ok := args[1].(string)
	if !ok {
		return nil, fmt.Errorf("%s: table is a %T", chainFunc, args[1])
	}
	return chainHash(prev, table, args[2:]), nil
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
	err := q.QueryRowContext(ctx, `SELECT MAX(c.seq), c.hash, m.slug FROM communities m LEFT JOIN chain c ON c.community_id = m.id
		WHERE m.id = ?`, community).Scan(&pos, &h.Hash, &h.Slug)
	if err == sql.ErrNoRows {
		return h, errorf(ENOTFOUND, "community %d", community)
	}
	h.Position = pos.Int64
	return h, err
}

// chainHeads are the heads of every community's chain, by slug.
func chainHeads(ctx context.Context, q queryer) ([]ChainHead, error) {
	ids, err := scanIDs[CommunityID](ctx, q, "SELECT id FROM communities ORDER BY slug")
	if err != nil {
		return nil, err
	}
	out := make([]ChainHead, 0, len(ids))
	for _, id := range ids {
		h, err := chainHead(ctx, q, id)
		if err != nil {
			return nil, err
		}
		out = append(out, h)
	}
	return out, nil
}
