package ledger

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// EnsureCommunity returns the community with this slug, creating it and its
// commons account on first use.
func (db *DB) EnsureCommunity(ctx context.Context, slug string) (CommunityID, error) {
	if slug == "" {
		return 0, errorf(EINVALID, "empty community slug")
	}
	var id CommunityID
	err := db.reader.QueryRowContext(ctx, "SELECT id FROM communities WHERE slug = ?", slug).Scan(&id)
	if err == nil {
		return id, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return 0, err
	}
	tx, err := db.begin(ctx)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	if err := tx.QueryRowContext(ctx, "SELECT id FROM communities WHERE slug = ?", slug).Scan(&id); err == nil {
		return id, nil
	}
	res, err := tx.ExecContext(ctx, "INSERT INTO communities (slug, created_at) VALUES (?, ?)", slug, tx.now.Unix())
	if err != nil {
		return 0, fmt.Errorf("ledger: create community: %w", err)
	}
	n, _ := res.LastInsertId()
	id = CommunityID(n)
	if _, err := tx.ExecContext(ctx,
		"INSERT INTO accounts (community_id, kind, display_name, created_at) VALUES (?, 'commons', 'commons', ?)",
		id, tx.now.Unix()); err != nil {
		return 0, fmt.Errorf("ledger: create commons: %w", err)
	}
	return id, tx.Commit()
}

// Member returns the account of an identity in a community. An identity the
// ledger has never seen has found == false and a zero balance; reading does
// not create it.
func (db *DB) Member(ctx context.Context, community CommunityID, id Identity) (acct Account, found bool, err error) {
	return member(ctx, db.reader, community, id)
}

func member(ctx context.Context, q queryer, community CommunityID, id Identity) (acct Account, found bool, err error) {
	acct, err = scanAccount(q.QueryRowContext(ctx, identityAccountQuery, community, id.Platform, id.UserID))
	if errors.Is(err, sql.ErrNoRows) {
		return Account{Community: community, Kind: KindMember, Name: id.Name}, false, nil
	}
	return acct, err == nil, err
}

// Commons returns the community's commons account.
func (db *DB) Commons(ctx context.Context, community CommunityID) (Account, error) {
	acct, err := scanAccount(db.reader.QueryRowContext(ctx, commonsAccountQuery, community))
	if errors.Is(err, sql.ErrNoRows) {
		return Account{}, errorf(ENOTFOUND, "community %d has no commons", community)
	}
	return acct, err
}

// Accounts lists every account of a community (all communities when
// community is 0), commons first, then by name.
func (db *DB) Accounts(ctx context.Context, community CommunityID) ([]Account, error) {
	return queryRows(ctx, db.reader, scanAccount, `
		SELECT id, community_id, kind, display_name, balance, created_at
		FROM accounts WHERE ? = 0 OR community_id = ?
		ORDER BY community_id, kind = 'member', display_name COLLATE NOCASE, id`, community, community)
}

// Communities maps every community slug to its ID.
func (db *DB) Communities(ctx context.Context) (map[CommunityID]string, error) {
	rows, err := db.reader.QueryContext(ctx, "SELECT id, slug FROM communities")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[CommunityID]string{}
	for rows.Next() {
		var id CommunityID
		var slug string
		if err := rows.Scan(&id, &slug); err != nil {
			return nil, err
		}
		out[id] = slug
	}
	return out, rows.Err()
}

// Identities lists the user IDs known on one platform in a community.
func (db *DB) Identities(ctx context.Context, community CommunityID, platform string) ([]string, error) {
	return queryRows(ctx, db.reader, scanString, "SELECT user_id FROM identities WHERE community_id = ? AND platform = ? ORDER BY user_id", community, platform)
}

const (
	// Two lookups by unique key rather than a join, which SQLite prepared
	// again at every run (twice per gift): see dsn.
	identityAccountQuery = `SELECT id, community_id, kind, display_name, balance, created_at FROM accounts
		WHERE id = (SELECT account_id FROM identities WHERE community_id = ? AND platform = ? AND user_id = ?)`
	commonsAccountQuery = `SELECT id, community_id, kind, display_name, balance, created_at
		FROM accounts WHERE community_id = ? AND kind = 'commons'`
)

func scanAccount(row rowScanner) (Account, error) {
	var a Account
	var created int64
	if err := row.Scan(&a.ID, &a.Community, &a.Kind, &a.Name, &a.Balance, &created); err != nil {
		return Account{}, err
	}
	a.CreatedAt = unixUTC(created)
	return a, nil
}

// memberAccount finds or creates the account of an identity inside a write
// transaction, so that a first gift creates its members atomically with it.
func memberAccount(ctx context.Context, tx *Tx, community CommunityID, id Identity) (Account, error) {
	if id.Platform == "" || id.UserID == "" {
		return Account{}, errorf(EINVALID, "identity needs a platform and a user ID")
	}
	a, err := scanAccount(tx.QueryRowContext(ctx, identityAccountQuery, community, id.Platform, id.UserID))
	if err == nil {
		return a, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return Account{}, err
	}
	name := cleanName(id.Name, id.UserID)
	res, err := tx.ExecContext(ctx,
		"INSERT INTO accounts (community_id, kind, display_name, created_at) VALUES (?, 'member', ?, ?)",
		community, name, tx.now.Unix())
	if err != nil {
		return Account{}, fmt.Errorf("ledger: create account: %w", err)
	}
	n, _ := res.LastInsertId()
	if _, err := tx.ExecContext(ctx,
		"INSERT INTO identities (community_id, platform, user_id, account_id, created_at) VALUES (?, ?, ?, ?, ?)",
		community, id.Platform, id.UserID, n, tx.now.Unix()); err != nil {
		return Account{}, fmt.Errorf("ledger: create identity: %w", err)
	}
	return Account{ID: AccountID(n), Community: community, Kind: KindMember, Name: name, CreatedAt: tx.now}, nil
}

func commonsAccount(ctx context.Context, tx *Tx, community CommunityID) (Account, error) {
	a, err := scanAccount(tx.QueryRowContext(ctx, commonsAccountQuery, community))
	if errors.Is(err, sql.ErrNoRows) {
		return Account{}, errorf(ENOTFOUND, "community %d has no commons", community)
	}
	return a, err
}

// cleanName keeps display names printable and short; the user ID stands in
// when a platform gives none. A name is the platform's, not typed in a
// command: what a display would act on (control characters, bidi
// overrides, bytes that are not UTF-8) is dropped rather than refused.
func cleanName(name, fallback string) string {
	name = strings.Map(func(r rune) rune {
		if UnsafeRune(r) {
			return ' '
		}
		return r
	}, strings.ToValidUTF8(name, ""))
	name = strings.Join(strings.Fields(name), " ")
	if name == "" {
		name = fallback
	}
	if utf8.RuneCountInString(name) > 64 {
		name = string([]rune(name)[:64])
	}
	return name
}
