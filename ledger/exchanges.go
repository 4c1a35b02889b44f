package ledger

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"
	"unicode/utf8"
)

// GiveRequest moves Minutes to each recipient from the actor, or from the
// commons when FromCommons is set (the caller checks the actor may).
type GiveRequest struct {
	Header
	FromCommons bool
	Recipients  []Identity
	Minutes     int64 // received by each recipient
	Category    string
	Note        string
	Limits      Limits
	// Group is the working group the time was given for, 0 for none.
	Group GroupID
	// Answers is the need or offer the gift answers, if any: a gift from
	// a need's author meets the need.
	Answers *PostRef
}

// Give records a gift to one or more members as one operation: all of it or
// nothing. It returns *LimitError when a limit would be crossed and *Error
// with EINVALID (no recipient, duplicate, bad amount or note), ECONFLICT
// (key reused for other content) or ESELF (a recipient is the actor's own account).
func (db *DB) Give(ctx context.Context, req GiveRequest) (*Receipt, error) {
	if err := validateGive(req); err != nil {
		return nil, err
	}
	fp := fingerprint(req.kind(), req.Community, req.Actor, req.FromCommons, req.Recipients, req.Minutes, req.Category, req.Note)
	if req.Group != 0 {
		// Only then, so that gifts recorded before groups keep their fingerprint.
		fp = fingerprint(fp, req.Group)
	}
	if req.Answers != nil {
		fp = fingerprint(fp, *req.Answers)
	}

	return db.record(ctx, req.Key, fp, req.kind(), func(tx *Tx) (*Receipt, error) { return giveTx(ctx, tx, fp, req) })
}

func (req GiveRequest) kind() OperationKind {
	if req.FromCommons {
		return OpCommons
	}
	return OpGive
}

// hardFloor is the lowest balance any account may reach, whatever the
// limits: far beyond any real use, and far enough from int64's end that
// balance arithmetic never wraps.
const hardFloor = math.MinInt64 / 2

func validateGive(req GiveRequest) error {
	switch {
	case req.Key == "":
		return errorf(EINVALID, "missing idempotency key")
	case len(req.Recipients) == 0:
		return errorf(EINVALID, "no recipient")
	case req.Minutes <= 0:
		return errorf(EINVALID, "amount must be positive, got %d", req.Minutes)
	case utf8.RuneCountInString(req.Note) > MaxNoteLength:
		return tooLong("note", req.Note, MaxNoteLength)
	}
	return checkTexts(line("note", strings.TrimSpace(req.Note)), line("category", strings.TrimSpace(req.Category)))
}

// UndoRequest takes back the actor's last gift if it is recent enough.
type UndoRequest struct {
	Header
	Window time.Duration
	Limits Limits
}

// Undo reverses every entry of the actor's most recent gift (or commons
// payment) with new entries. It returns *Error with ENOTHING (no gift),
// EREVERSED (already reversed), EEXPIRED (older than the window), or
// *LimitError when a receiver has already spent what they would give back.
func (db *DB) Undo(ctx context.Context, req UndoRequest) (*Receipt, error) {
	fp := fingerprint(OpUndo, req.Community, req.Actor)
	return db.record(ctx, req.Key, fp, OpUndo, func(tx *Tx) (*Receipt, error) { return undoTx(ctx, tx, fp, req) })
}

// ReverseRequest cancels one entry with a new one, with who and why.
type ReverseRequest struct {
	Header
	Exchange ExchangeID
	Reason   string
}

// Reverse records the opposite of an entry. Corrections are not bound by
// limits: an unjust entry must always be correctable. It returns *Error with
// ENOTFOUND, EREVERSED, ECORRECTION (the entry is itself a correction) or
// EINVALID (no reason, or one too long).
func (db *DB) Reverse(ctx context.Context, req ReverseRequest) (*Receipt, error) {
	reason, err := optionalText(line("reason", req.Reason), MaxNoteLength)
	if err != nil {
		return nil, err
	}
	switch {
	case req.Key == "":
		return nil, errorf(EINVALID, "missing idempotency key")
	case reason == "":
		return nil, errorf(EINVALID, "a reversal needs a reason")
	}
	fp := fingerprint(OpReverse, req.Community, req.Actor, req.Exchange, reason)
	return db.record(ctx, req.Key, fp, OpReverse, func(tx *Tx) (*Receipt, error) { return reverseTx(ctx, tx, fp, req, reason) })
}

func giveTx(ctx context.Context, tx *Tx, fp string, req GiveRequest) (*Receipt, error) {
	actor, to, err := giveParties(ctx, tx, req)
	if err != nil {
		return nil, err
	}
	from := actor
	if req.FromCommons {
		if from, err = commonsAccount(ctx, tx, req.Community); err != nil {
			return nil, err
		}
	}
	for _, a := range to {
		if a.ID != actor.ID {
			continue
		}
		if !req.FromCommons {
			return nil, errorf(ESELF, "cannot give to oneself")
		}
		// Nobody pays themselves alone: RequestCommonsPayment holds it for
		// another moderator.
		return nil, errorf(EAPPROVAL, "a commons payment to its actor needs another moderator's approval")
	}
	r, err := moveTx(ctx, tx, fp, req, actor, from, to)
	if err != nil || req.Answers == nil {
		return r, err
	}
	r.Answered, err = answerPost(ctx, tx, req.Community, *req.Answers, r.Operation, actor.ID)
	return r, err
}

// giveParties checks what a gift is checked against before its balances
// (its amount, its group) and finds the actor's account and each
// recipient's, each named once.
func giveParties(ctx context.Context, tx *Tx, req GiveRequest) (actor Account, to []Account, err error) {
	// Limits are checked after the replay, never before: they come from
	// configuration that may have changed since the first delivery, and a
	// redelivered gift that was recorded must get its receipt, not a refusal.
	if req.Minutes > req.Limits.MaxAmount {
		return Account{}, nil, &LimitError{Kind: LimitMaxAmount, Limit: req.Limits.MaxAmount, Amount: req.Minutes}
	}
	if req.Group != 0 {
		if err := checkGroup(ctx, tx, req.Community, req.Group); err != nil {
			return Account{}, nil, err
		}
	}
	if actor, err = memberAccount(ctx, tx, req.Community, req.Actor); err != nil {
		return Account{}, nil, err
	}
	to = make([]Account, 0, len(req.Recipients))
	seen := map[AccountID]bool{}
	for _, rid := range req.Recipients {
		a, err := memberAccount(ctx, tx, req.Community, rid)
		if err != nil {
			return Account{}, nil, err
		}
		if seen[a.ID] {
			return Account{}, nil, errorf(EINVALID, "recipient %s named twice", a.Name)
		}
		seen[a.ID] = true
		to = append(to, a)
	}
	return actor, to, nil
}

// moveTx checks the limits and records one operation moving req.Minutes
// from from to each of to, with its receipt.
func moveTx(ctx context.Context, tx *Tx, fp string, req GiveRequest, actor, from Account, to []Account) (*Receipt, error) {
	// The commons issues community work and may go as low as it needs; a
	// member's floor is what keeps one person from taking without giving.
	// No account goes below hardFloor: under NoLimits, MaxAmount times a few
	// recipients passes int64, and SQLite would silently turn the balance
	// into a REAL. Dividing instead of multiplying keeps the test exact.
	floor := max(req.Limits.Floor, hardFloor)
	if from.Kind == KindCommons {
		floor = hardFloor
	}
	n := int64(len(to))
	if req.Minutes > (from.Balance-floor)/n {
		total := req.Minutes * n
		if req.Minutes > math.MaxInt64/n {
			total = math.MaxInt64
		}
		return nil, &LimitError{Kind: LimitFloor, Account: from.Name, Limit: floor, Balance: from.Balance, Amount: total}
	}
	for _, a := range to {
		if a.Balance+req.Minutes > req.Limits.Ceiling {
			return nil, &LimitError{Kind: LimitCeiling, Account: a.Name, Limit: req.Limits.Ceiling, Balance: a.Balance, Amount: req.Minutes}
		}
	}

	op, err := insertOperation(ctx, tx, req.Header, fp, req.kind(), actor.ID)
	if err != nil {
		return nil, err
	}
	// The receipt is built from what this transaction holds rather than read
	// back: a gift is the hot path, and the re-reads were a third of it.
	r := &Receipt{Operation: op, Kind: req.kind(), Key: req.Key, CreatedAt: unixUTC(tx.now.Unix()), ActorBalance: actor.Balance}
	if from.ID == actor.ID {
		r.ActorBalance -= req.Minutes * n
	}
	if from.Kind == KindCommons {
		r.CommonsBalance = from.Balance - req.Minutes*n
	}
	for _, a := range to {
		id, err := insertGroupExchange(ctx, tx, op, req.Community, from.ID, a.ID, req.Minutes, req.Category, req.Note, actor.ID, req.Source, 0, "", req.Group)
		if err != nil {
			return nil, err
		}
		if a.ID == actor.ID {
			r.ActorBalance += req.Minutes // never for a gift: the approver of a commons payment paid to them
		}
		r.Exchanges = append(r.Exchanges, Exchange{
			ID: id, Operation: op, Kind: req.kind(), Community: req.Community,
			From: from.ID, To: a.ID, FromName: from.Name, ToName: a.Name, FromKind: from.Kind, ToKind: a.Kind,
			Minutes: req.Minutes, Category: req.Category, Note: req.Note,
			Actor: actor.ID, ActorName: actor.Name, Source: req.Source, CreatedAt: r.CreatedAt,
		})
	}
	return r, nil
}

func undoTx(ctx context.Context, tx *Tx, fp string, req UndoRequest) (*Receipt, error) {
	actor, err := memberAccount(ctx, tx, req.Community, req.Actor)
	if err != nil {
		return nil, err
	}
	var last OperationID
	var created int64
	err = tx.QueryRowContext(ctx, `SELECT id, created_at FROM operations
		WHERE actor_id = ? AND kind IN ('give', 'commons') ORDER BY id DESC LIMIT 1`, actor.ID).Scan(&last, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errorf(ENOTHING, "no gift to undo")
	}
	if err != nil {
		return nil, err
	}
	entries, err := operationExchanges(ctx, tx, last)
	if err != nil {
		return nil, err
	}
	for _, e := range entries {
		if e.ReversedBy != 0 {
			return nil, errorf(EREVERSED, "operation %d already reversed", last)
		}
	}
	if tx.now.Sub(unixUTC(created)) > req.Window {
		return nil, errorf(EEXPIRED, "operation %d is older than %s", last, req.Window)
	}
	for _, e := range entries {
		if e.ToKind == KindMember {
			var bal int64
			if err := tx.QueryRowContext(ctx, "SELECT balance FROM accounts WHERE id = ?", e.To).Scan(&bal); err != nil {
				return nil, err
			}
			if bal-e.Minutes < req.Limits.Floor {
				return nil, &LimitError{Kind: LimitFloor, Account: e.ToName, Limit: req.Limits.Floor, Balance: bal, Amount: e.Minutes}
			}
		}
	}
	op, err := insertOperation(ctx, tx, req.Header, fp, OpUndo, actor.ID)
	if err != nil {
		return nil, err
	}
	for _, e := range entries {
		if err := insertExchange(ctx, tx, op, req.Community, e.To, e.From, e.Minutes, e.Category, e.Note, actor.ID, req.Source, e.ID, ""); err != nil {
			return nil, err
		}
	}
	return loadReceipt(ctx, tx, op, actor.ID)
}

func reverseTx(ctx context.Context, tx *Tx, fp string, req ReverseRequest, reason string) (*Receipt, error) {
	orig, err := scanExchange(tx.QueryRowContext(ctx, exchangeSelect+" WHERE e.id = ? AND e.community_id = ?", req.Exchange, req.Community))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errorf(ENOTFOUND, "exchange %d", req.Exchange)
	}
	if err != nil {
		return nil, err
	}
	if orig.Reverses != 0 {
		return nil, errorf(ECORRECTION, "exchange %d is a correction", orig.ID)
	}
	if orig.ReversedBy != 0 {
		return nil, errorf(EREVERSED, "exchange %d already reversed by %d", orig.ID, orig.ReversedBy)
	}
	actor, op, err := actorOperation(ctx, tx, req.Header, fp, OpReverse)
	if err != nil {
		return nil, err
	}
	if err := insertExchange(ctx, tx, op, req.Community, orig.To, orig.From, orig.Minutes, orig.Category, orig.Note, actor.ID, req.Source, orig.ID, reason); err != nil {
		return nil, err
	}
	return loadReceipt(ctx, tx, op, actor.ID)
}

// record runs one write in a group commit (keyed): a key already recorded
// gets its original receipt back and write is not called; otherwise write
// records the operation and returns its receipt, built in its savepoint
// and committed with it.
func (db *DB) record(ctx context.Context, key, fp string, kind OperationKind, write func(tx *Tx) (*Receipt, error)) (*Receipt, error) {
	return keyed(ctx, db, journalOps, key, fp, string(kind), func(tx *Tx, prior priorOp) (*Receipt, error) {
		return replay(ctx, tx, prior)
	}, write)
}

// fingerprint identifies the content of a request, so that a reused key can
// be told from a redelivery.
func fingerprint(parts ...any) string {
	h := sha256.New()
	for _, p := range parts {
		switch v := p.(type) {
		case Identity:
			fmt.Fprintf(h, "%s:%s\x1f", v.Platform, v.UserID)
		case []Identity:
			for _, id := range v {
				fmt.Fprintf(h, "%s:%s,", id.Platform, id.UserID)
			}
			h.Write([]byte{0x1f})
		default:
			fmt.Fprintf(h, "%v\x1f", v)
		}
	}
	return hex.EncodeToString(h.Sum(nil))
}

// replay returns the original receipt of an operation already recorded.
func replay(ctx context.Context, tx *Tx, prior priorOp) (*Receipt, error) {
	r, err := loadReceipt(ctx, tx, OperationID(prior.id), AccountID(prior.ref))
	if err != nil {
		return nil, err
	}
	r.Replayed = true
	return r, nil
}

// actorOperation is the account of h's actor (made if new) and the
// journal's operation recording command h, with that actor.
func actorOperation(ctx context.Context, tx *Tx, h Header, fp string, kind OperationKind) (Account, OperationID, error) {
	actor, err := memberAccount(ctx, tx, h.Community, h.Actor)
	if err != nil {
		return Account{}, 0, err
	}
	op, err := insertOperation(ctx, tx, h, fp, kind, actor.ID)
	return actor, op, err
}

// insertOperation records command h in the journal's operations.
func insertOperation(ctx context.Context, tx *Tx, h Header, fp string, kind OperationKind, actor AccountID) (OperationID, error) {
	id, err := journalOps.insert(ctx, tx, h.op(fp, string(kind), 0, actor))
	if err != nil {
		return 0, fmt.Errorf("ledger: insert operation: %w", err)
	}
	return OperationID(id), nil
}

func insertExchange(ctx context.Context, tx *Tx, op OperationID, community CommunityID, from, to AccountID, minutes int64,
	category, note string, actor AccountID, source string, reverses ExchangeID, reason string) error {
	_, err := insertGroupExchange(ctx, tx, op, community, from, to, minutes, category, note, actor, source, reverses, reason, 0)
	return err
}

// insertGroupExchange is insertExchange for time given for a working group.
func insertGroupExchange(ctx context.Context, tx *Tx, op OperationID, community CommunityID, from, to AccountID, minutes int64,
	category, note string, actor AccountID, source string, reverses ExchangeID, reason string, group GroupID) (ExchangeID, error) {
	res, err := tx.ExecContext(ctx, `INSERT INTO exchanges
		(operation_id, community_id, from_id, to_id, minutes, category, note, actor_id, source, reverses, reason, created_at, group_id)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		op, community, from, to, minutes, category, note, actor, source, nullIfZero(reverses), reason, tx.now.Unix(), nullIfZero(group))
	if err != nil {
		return 0, fmt.Errorf("ledger: insert exchange: %w", err)
	}
	id, err := res.LastInsertId()
	if err != nil {
		return 0, err
	}
	// Debit and credit in one statement: each statement is a round trip
	// through the driver, which costs more than SQLite's work here.
	res, err = tx.ExecContext(ctx, "UPDATE accounts SET balance = balance + CASE WHEN id = ?1 THEN -?3 ELSE ?3 END WHERE id IN (?1, ?2)",
		from, to, minutes)
	if err != nil {
		return 0, fmt.Errorf("ledger: debit and credit: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil || n != 2 {
		return 0, fmt.Errorf("ledger: debit and credit moved %d accounts: %v", n, err)
	}
	return ExchangeID(id), nil
}

func loadReceipt(ctx context.Context, tx *Tx, op OperationID, actor AccountID) (*Receipt, error) {
	r := &Receipt{Operation: op}
	var created int64
	if err := tx.QueryRowContext(ctx, "SELECT kind, idem_key, created_at FROM operations WHERE id = ?", op).Scan(&r.Kind, &r.Key, &created); err != nil {
		return nil, err
	}
	r.CreatedAt = unixUTC(created)
	var err error
	if r.Exchanges, err = operationExchanges(ctx, tx, op); err != nil {
		return nil, err
	}
	if err := tx.QueryRowContext(ctx, "SELECT balance FROM accounts WHERE id = ?", actor).Scan(&r.ActorBalance); err != nil {
		return nil, err
	}
	if r.Answered, err = answeredBy(ctx, tx, op); err != nil {
		return nil, err
	}
	if r.Kind == OpCommons && len(r.Exchanges) > 0 {
		err := tx.QueryRowContext(ctx, "SELECT balance FROM accounts WHERE community_id = ? AND kind = 'commons'",
			r.Exchanges[0].Community).Scan(&r.CommonsBalance)
		if err != nil {
			return nil, err
		}
	}
	return r, nil
}

func operationExchanges(ctx context.Context, q querier, op OperationID) ([]Exchange, error) {
	return queryExchanges(ctx, q, exchangeSelect+" WHERE e.operation_id = ? ORDER BY e.id", op)
}

const exchangeSelect = `SELECT e.id, e.operation_id, o.kind, e.community_id, e.from_id, e.to_id,
	fa.display_name, ta.display_name, fa.kind, ta.kind, e.minutes, e.category, e.note,
	e.actor_id, aa.display_name, e.source, COALESCE(e.reverses, 0), COALESCE(r.id, 0), e.reason, e.created_at
	FROM exchanges e
	JOIN operations o ON o.id = e.operation_id
	JOIN accounts fa ON fa.id = e.from_id
	JOIN accounts ta ON ta.id = e.to_id
	JOIN accounts aa ON aa.id = e.actor_id
	LEFT JOIN exchanges r ON r.reverses = e.id`

func scanExchange(row rowScanner) (Exchange, error) {
	var e Exchange
	var created int64
	err := row.Scan(&e.ID, &e.Operation, &e.Kind, &e.Community, &e.From, &e.To, &e.FromName, &e.ToName, &e.FromKind, &e.ToKind,
		&e.Minutes, &e.Category, &e.Note, &e.Actor, &e.ActorName, &e.Source, &e.Reverses, &e.ReversedBy, &e.Reason, &created)
	e.CreatedAt = unixUTC(created)
	return e, err
}

func queryExchanges(ctx context.Context, q querier, query string, args ...any) ([]Exchange, error) {
	return queryRows(ctx, q, scanExchange, query, args...)
}

func unixUTC(sec int64) time.Time { return time.Unix(sec, 0).UTC() }
