package ledger

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"math/big"
	"time"
)

// Link error codes, beyond the common ones.
const (
	ESAMEPLATFORM Code = "same_platform" // both identities are on one platform
	EALREADY      Code = "already"       // the identities already share an account
	ENOTLINKED    Code = "not_linked"    // the identity was never linked in
	EBUSY         Code = "busy"          // the account to join holds other identities
)

// LinkCode issues a one-time code for id to enter on another platform
// within ttl. Asking again issues a new code; earlier ones stay valid until
// they expire.
func (db *DB) LinkCode(ctx context.Context, community CommunityID, id Identity, ttl time.Duration) (string, time.Time, error) {
	tx, err := db.begin(ctx)
	if err != nil {
		return "", time.Time{}, err
	}
	defer tx.Rollback()
	acct, err := memberAccount(ctx, tx, community, id)
	if err != nil {
		return "", time.Time{}, err
	}
	expires := tx.now.Add(ttl)
	for attempt := 0; attempt < 5; attempt++ {
		n, err := rand.Int(rand.Reader, big.NewInt(1_000_000))
		if err != nil {
			return "", time.Time{}, err
		}
		code := fmt.Sprintf("%06d", n.Int64())
		// An expired or used code may be issued again.
		res, err := tx.ExecContext(ctx, `INSERT INTO link_codes (code, community_id, account_id, platform, user_id, created_at, expires_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (code) DO UPDATE SET community_id = excluded.community_id, account_id = excluded.account_id,
				platform = excluded.platform, user_id = excluded.user_id, created_at = excluded.created_at,
				expires_at = excluded.expires_at, used_at = NULL
			WHERE link_codes.used_at IS NOT NULL OR link_codes.expires_at < excluded.created_at`,
			code, community, acct.ID, id.Platform, id.UserID, tx.now.Unix(), expires.Unix())
		if err != nil {
			return "", time.Time{}, fmt.Errorf("ledger: link code: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 1 {
			return code, expires, tx.Commit()
		}
	}
	return "", time.Time{}, errors.New("ledger: no free link code")
}

// LinkRequest joins Actor's identity to the account of the code's owner.
type LinkRequest struct {
	Header
	Code string
}

// LinkResult says what a link or unlink did.
type LinkResult struct {
	*Receipt
	Account Account // the account the actor's identity now belongs to
	Other   Identity
	// Other is the identity the code belonged to (unset on a replay).
	// Moved is the balance carried by the receipt's entry, positive when
	// it went into Account, zero when there was none.
	Moved int64
}

// Link joins the actor's identity to the account that asked for the code.
// The rule when the actor's account already has history: its balance moves
// into the joined account with one new entry (so every balance stays
// exact and no entry is rewritten), its old entries stay where they are,
// and Unlink reverses both. It returns *Error with ENOTFOUND (no such code
// in this community), EEXPIRED, ESAMEPLATFORM, EALREADY, or EBUSY (the
// actor's account holds other identities: unlink them first).
func (db *DB) Link(ctx context.Context, req LinkRequest) (*LinkResult, error) {
	fp := fingerprint(OpLink, req.Community, req.Actor, req.Code)
	return db.linkOp(ctx, req.Header, fp, OpLink, func(tx *Tx, res *LinkResult) (*Receipt, error) {
		var owner AccountID
		var expires int64
		var used sql.NullInt64
		err := tx.QueryRowContext(ctx, `SELECT account_id, platform, user_id, expires_at, used_at FROM link_codes
			WHERE code = ? AND community_id = ?`, req.Code, req.Community).
			Scan(&owner, &res.Other.Platform, &res.Other.UserID, &expires, &used)
		if errors.Is(err, sql.ErrNoRows) || used.Valid {
			return nil, errorf(ENOTFOUND, "no live code %q", req.Code)
		}
		if err != nil {
			return nil, err
		}
		if tx.now.Unix() > expires {
			return nil, errorf(EEXPIRED, "code %q expired", req.Code)
		}
		if res.Other.Platform == req.Actor.Platform {
			return nil, errorf(ESAMEPLATFORM, "both identities are on %s", req.Actor.Platform)
		}
		actor, err := memberAccount(ctx, tx, req.Community, req.Actor)
		if err != nil {
			return nil, err
		}
		if actor.ID == owner {
			return nil, errorf(EALREADY, "already one account")
		}
		var others int
		if err := tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM identities WHERE account_id = ?", actor.ID).Scan(&others); err != nil {
			return nil, err
		}
		if others > 1 {
			return nil, errorf(EBUSY, "account %d holds %d identities", actor.ID, others)
		}
		op, err := insertOperation(ctx, tx, req.Header, fp, OpLink, actor.ID)
		if err != nil {
			return nil, err
		}
		transfer, err := moveBalance(ctx, tx, op, req.Community, actor, owner, req.Source, 0)
		if err != nil {
			return nil, err
		}
		if _, err := tx.ExecContext(ctx, "UPDATE identities SET account_id = ? WHERE community_id = ? AND platform = ? AND user_id = ?",
			owner, req.Community, req.Actor.Platform, req.Actor.UserID); err != nil {
			return nil, err
		}
		if _, err := tx.ExecContext(ctx, "UPDATE link_codes SET used_at = ? WHERE code = ?", tx.now.Unix(), req.Code); err != nil {
			return nil, err
		}
		if err := logLink(ctx, tx, op, req.Community, "link", req.Actor, actor.ID, owner, transfer, 0); err != nil {
			return nil, err
		}
		return loadReceipt(ctx, tx, op, owner)
	})
}

// UnlinkRequest detaches the actor's identity from the account it was
// linked into.
type UnlinkRequest struct {
	Header
}

// Unlink gives the actor's identity its own account back, with the balance
// the link moved, by a new entry mirroring the link's. It returns *Error
// with ENOTLINKED when the identity was not linked into another account.
func (db *DB) Unlink(ctx context.Context, req UnlinkRequest) (*LinkResult, error) {
	fp := fingerprint(OpUnlink, req.Community, req.Actor)
	return db.linkOp(ctx, req.Header, fp, OpUnlink, func(tx *Tx, _ *LinkResult) (*Receipt, error) {
		var link int64
		var from, to AccountID
		var transfer sql.NullInt64
		err := tx.QueryRowContext(ctx, `SELECT l.id, l.from_account, l.to_account, l.transfer_id FROM identity_links l
			WHERE l.community_id = ? AND l.platform = ? AND l.user_id = ? AND l.kind = 'link'
			  AND NOT EXISTS (SELECT 1 FROM identity_links u WHERE u.undoes = l.id)
			ORDER BY l.id DESC LIMIT 1`, req.Community, req.Actor.Platform, req.Actor.UserID).Scan(&link, &from, &to, &transfer)
		if errors.Is(err, sql.ErrNoRows) {
			return nil, errorf(ENOTLINKED, "%s:%s was not linked", req.Actor.Platform, req.Actor.UserID)
		}
		if err != nil {
			return nil, err
		}
		joined, op, err := actorOperation(ctx, tx, req.Header, fp, OpUnlink)
		if err != nil {
			return nil, err
		}
		var back ExchangeID
		if transfer.Valid {
			orig, err := scanExchange(tx.QueryRowContext(ctx, exchangeSelect+" WHERE e.id = ?", transfer.Int64))
			if err != nil {
				return nil, err
			}
			if err := insertExchange(ctx, tx, op, req.Community, orig.To, orig.From, orig.Minutes, "", "", joined.ID, req.Source, orig.ID, ""); err != nil {
				return nil, err
			}
			if err := tx.QueryRowContext(ctx, "SELECT id FROM exchanges WHERE reverses = ?", orig.ID).Scan(&back); err != nil {
				return nil, err
			}
		}
		if _, err := tx.ExecContext(ctx, "UPDATE identities SET account_id = ? WHERE community_id = ? AND platform = ? AND user_id = ?",
			from, req.Community, req.Actor.Platform, req.Actor.UserID); err != nil {
			return nil, err
		}
		if err := logLink(ctx, tx, op, req.Community, "unlink", req.Actor, to, from, back, link); err != nil {
			return nil, err
		}
		return loadReceipt(ctx, tx, op, from)
	})
}

// moveBalance empties account a into account to with one entry, whichever
// way the balance points. Linking is not a gift: limits do not apply.
func moveBalance(ctx context.Context, tx *Tx, op OperationID, community CommunityID, a Account, to AccountID, source string, reverses ExchangeID) (ExchangeID, error) {
	if a.Balance == 0 {
		return 0, nil
	}
	from, into, minutes := a.ID, to, a.Balance
	if minutes < 0 {
		from, into, minutes = to, a.ID, -minutes
	}
	if err := insertExchange(ctx, tx, op, community, from, into, minutes, "", "", a.ID, source, reverses, ""); err != nil {
		return 0, err
	}
	var id ExchangeID
	err := tx.QueryRowContext(ctx, "SELECT MAX(id) FROM exchanges WHERE operation_id = ?", op).Scan(&id)
	return id, err
}

func logLink(ctx context.Context, tx *Tx, op OperationID, community CommunityID, kind string, id Identity, from, to AccountID, transfer ExchangeID, undoes int64) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO identity_links
		(operation_id, community_id, kind, platform, user_id, from_account, to_account, transfer_id, undoes, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, op, community, kind, id.Platform, id.UserID, from, to, nullIfZero(transfer), nullIfZero(undoes), tx.now.Unix())
	if err != nil {
		return fmt.Errorf("ledger: log %s: %w", kind, err)
	}
	return nil
}

// linkOp runs a link or an unlink, keyed in the journal's operations, and
// completes its result in the same transaction with the account the
// actor's identity now belongs to and the balance the receipt's entry
// moved. write fills what only it knows (the code's owner).
func (db *DB) linkOp(ctx context.Context, h Header, fp string, kind OperationKind,
	write func(tx *Tx, res *LinkResult) (*Receipt, error)) (*LinkResult, error) {
	replayLink := func(tx *Tx, prior priorOp) (*LinkResult, error) {
		r, err := replay(ctx, tx, prior)
		if err != nil {
			return nil, err
		}
		return linkResult(ctx, tx, h, &LinkResult{Receipt: r})
	}
	return keyed(ctx, db, journalOps, h.Key, fp, string(kind), replayLink, func(tx *Tx) (*LinkResult, error) {
		res := &LinkResult{}
		r, err := write(tx, res)
		if err != nil {
			return nil, err
		}
		res.Receipt = r
		return linkResult(ctx, tx, h, res)
	})
}

// linkResult completes res with the account the actor's identity belongs
// to and the balance the receipt's entry moved.
func linkResult(ctx context.Context, tx *Tx, h Header, res *LinkResult) (*LinkResult, error) {
	acct, _, err := member(ctx, tx, h.Community, h.Actor)
	if err != nil {
		return nil, err
	}
	res.Account = acct
	for _, e := range res.Exchanges {
		if e.To == acct.ID {
			res.Moved += e.Minutes
		} else if e.From == acct.ID {
			res.Moved -= e.Minutes
		}
	}
	return res, nil
}
