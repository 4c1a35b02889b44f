package ledger

import (
	"context"
	"database/sql"
	"errors"
	"time"
)

// MaxEditorialLength is the longest editorial, in characters.
const MaxEditorialLength = 1500

// Editorial is a moderator's text that opens a newsletter issue.
type Editorial struct {
	ID        int64
	Author    Voter
	Text      string
	CreatedAt time.Time
}

// EditorialReceipt is what WriteEditorial returns, the same on a replay.
type EditorialReceipt struct {
	Editorial Editorial
	Replayed  bool
}

const opEditorial = "newsletter_editorial"

// WriteEditorial records an editorial for the community's next issue (the
// caller checks the actor is a moderator); a later one written before the
// issue replaces it, and both are kept. It returns *Error with EINVALID
// (empty, or too long).
func (db *DB) WriteEditorial(ctx context.Context, req NewsRequest) (*EditorialReceipt, error) {
	text, err := requiredText(lines("editorial", req.Text), "an editorial", MaxEditorialLength)
	if err != nil {
		return nil, err
	}
	fp := fingerprint(opEditorial, req.Community, req.Actor, text)
	return groupOp(ctx, db, req.Header, fp, opEditorial, authored(ctx, req.Header, "newsletter_editorials", "created_at", text), func(tx *Tx, target int64, replayed, _ bool) (*EditorialReceipt, error) {
		e, err := scanEditorial(tx.QueryRowContext(ctx, editorialSelect+" WHERE e.id = ?", target))
		if err != nil {
			return nil, err
		}
		return &EditorialReceipt{Editorial: e, Replayed: replayed}, nil
	})
}

// NextEditorial is the editorial of the community's next issue: the latest
// written since the last published one.
func (db *DB) NextEditorial(ctx context.Context, community CommunityID) (Editorial, bool, error) {
	e, err := scanEditorial(db.reader.QueryRowContext(ctx, editorialSelect+` WHERE e.community_id = ? AND e.issue_id IS NULL
		AND e.id > (SELECT COALESCE(MAX(p.id), 0) FROM newsletter_editorials p WHERE p.community_id = ? AND p.issue_id IS NOT NULL)
		ORDER BY e.id DESC LIMIT 1`, community, community))
	if errors.Is(err, sql.ErrNoRows) {
		return Editorial{}, false, nil
	}
	return e, err == nil, err
}

const editorialSelect = `SELECT e.id, e.author_id, a.display_name, e.text, e.created_at
	FROM newsletter_editorials e JOIN accounts a ON a.id = e.author_id`

func scanEditorial(row rowScanner) (Editorial, error) {
	var e Editorial
	var created int64
	err := row.Scan(&e.ID, &e.Author.Account, &e.Author.Name, &e.Text, &created)
	e.CreatedAt = unixUTC(created)
	return e, err
}
