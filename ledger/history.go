package ledger

import (
	"context"
	"fmt"
	"math"
	"strings"
)

// HistoryPage is one page of an account's entries, newest first.
type HistoryPage struct {
	Account Account
	Found   bool // false when the identity has never been seen: no entries
	Entries []Exchange
	Page    int
	HasMore bool
}

// maxPage bounds page numbers and sizes so that page*size+1 fits an int64.
const maxPage = math.MaxInt32

// History returns page (from 1) of an identity's entries, size per page.
// Its cost grows with the page number, not with the size of the journal.
func (db *DB) History(ctx context.Context, community CommunityID, id Identity, page, size int) (HistoryPage, error) {
	if page < 1 || size < 1 {
		return HistoryPage{}, errorf(EINVALID, "page %d of size %d", page, size)
	}
	acct, found, err := db.Member(ctx, community, id)
	if err != nil || !found {
		return HistoryPage{Account: acct, Page: page}, err
	}
	return db.accountHistory(ctx, acct, page, size)
}

// CommonsHistory is History for the commons account.
func (db *DB) CommonsHistory(ctx context.Context, community CommunityID, page, size int) (HistoryPage, error) {
	if page < 1 || size < 1 {
		return HistoryPage{}, errorf(EINVALID, "page %d of size %d", page, size)
	}
	acct, err := db.Commons(ctx, community)
	if err != nil {
		return HistoryPage{}, err
	}
	return db.accountHistory(ctx, acct, page, size)
}

func (db *DB) accountHistory(ctx context.Context, acct Account, page, size int) (HistoryPage, error) {
	// A page number comes from what a user typed. Past maxPage it is past
	// any journal, and page*size could wrap negative, which SQLite reads as
	// no LIMIT and OFFSET 0: the first entries would show under a false page.
	if size > maxPage {
		size = maxPage
	}
	if page > maxPage {
		return HistoryPage{Account: acct, Found: true, Page: page}, nil
	}
	// Each arm walks its own index backwards and stops after the rows this
	// page can need, so a long past costs nothing.
	// The limits, numbers computed here, are written into the text, and
	// unlikely() gives each seek its own estimate, so that SQLite runs the
	// statement as prepared instead of preparing it again: see dsn.
	need := int64(page)*int64(size) + 1
	entries, err := queryExchanges(ctx, db.reader, exchangeSelect+fmt.Sprintf(`
		WHERE e.id IN (
			SELECT id FROM (SELECT id FROM exchanges WHERE unlikely(from_id = ?1) ORDER BY id DESC LIMIT %[1]d)
			UNION ALL
			SELECT id FROM (SELECT id FROM exchanges WHERE unlikely(to_id = ?1) ORDER BY id DESC LIMIT %[1]d))
		ORDER BY e.id DESC LIMIT %[2]d OFFSET %[3]d`, need, int64(size)+1, int64(page-1)*int64(size)),
		acct.ID)
	if err != nil {
		return HistoryPage{}, fmt.Errorf("ledger: history: %w", err)
	}
	hp := HistoryPage{Account: acct, Found: true, Page: page}
	if len(entries) > size {
		hp.HasMore = true
		entries = entries[:size]
	}
	hp.Entries = entries
	return hp, nil
}

// Statement returns every entry of an identity, oldest first, each with
// its chain hash: a member's copy of their own history can then be checked
// against the ledger's chain, or against a later copy.
func (db *DB) Statement(ctx context.Context, community CommunityID, id Identity) (Account, []Exchange, error) {
	acct, found, err := db.Member(ctx, community, id)
	if err != nil || !found {
		return acct, nil, err
	}
	entries, err := queryRows(ctx, db.reader, scanHashedExchange, hashedExchangeSelect+`
		WHERE e.id IN (SELECT id FROM exchanges WHERE from_id = ? UNION ALL SELECT id FROM exchanges WHERE to_id = ?)
		ORDER BY e.id`, acct.ID, acct.ID)
	return acct, entries, err
}

// EachExchange calls fn for every entry of the journal, oldest first, from
// one consistent snapshot.
func (db *DB) EachExchange(ctx context.Context, fn func(Exchange) error) error {
	tx, err := db.read(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	rows, err := tx.QueryContext(ctx, hashedExchangeSelect+" ORDER BY e.id")
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		e, err := scanHashedExchange(rows)
		if err != nil {
			return err
		}
		if err := fn(e); err != nil {
			return err
		}
	}
	return rows.Err()
}

// hashedExchangeSelect is exchangeSelect with each entry's chain hash in
// front, for scanHashedExchange.
var hashedExchangeSelect = "SELECT h.hash, " + strings.TrimPrefix(exchangeSelect, "SELECT ") +
	" LEFT JOIN chain h ON h.tbl = 'exchanges' AND h.row_id = e.id"

func scanHashedExchange(row rowScanner) (Exchange, error) {
	var hash []byte
	e, err := scanExchange(hashedRow{row, &hash})
	e.Hash = hash
	return e, err
}

// hashedRow scans a row whose first column is a record's chain hash.
type hashedRow struct {
	row  rowScanner
	hash *[]byte
}

func (h hashedRow) Scan(dest ...any) error { return h.row.Scan(append([]any{h.hash}, dest...)...) }
