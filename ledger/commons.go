package ledger

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"
)

// A moderator may pay community work from the commons, but not to
// themselves alone: such a payment is held, and nothing moves until another
// moderator, who is not paid by it, approves it. The approval is the gift's
// operation, with the approver as its actor; the request keeps who asked.

// PaymentState is where a held commons payment stands.
type PaymentState string

const (
	PaymentPending  PaymentState = "pending"
	PaymentApproved PaymentState = "approved"
	PaymentRejected PaymentState = "rejected"
)

// CommonsPayment is a payment from the commons held for approval.
type CommonsPayment struct {
	ID         int64
	Community  CommunityID
	Number     int
	Requester  Voter
	Recipients []Voter
	Minutes    int64 // for each recipient
	Category   string
	Note       string
	Group      GroupID
	CreatedAt  time.Time

	State     PaymentState
	Decider   *Voter // who approved or rejected it
	Reason    string // a rejection's reason
	DecidedAt time.Time
	Operation OperationID // the gift, once approved
}

// Pays reports whether the payment pays account a.
func (p CommonsPayment) Pays(a AccountID) bool {
	return slices.ContainsFunc(p.Recipients, func(v Voter) bool { return v.Account == a })
}

// CommonsPaymentReceipt is what a payment command returns, the same on a
// replay of its key.
type CommonsPaymentReceipt struct {
	Payment  CommonsPayment
	Gift     *Receipt // the gift an approval recorded
	Replayed bool
}

const (
	opCommonsRequest = "request"
	opCommonsApprove = "approve"
	opCommonsReject  = "reject"
)

// RequestCommonsPayment holds a payment from the commons (req.FromCommons)
// until another moderator approves it: what Give refuses with EAPPROVAL.
// It checks what Give would check before anything moves, except the
// balances, which the approval checks. It returns *Error with EINVALID
// or ECONFLICT, or *LimitError (max_amount).
func (db *DB) RequestCommonsPayment(ctx context.Context, req GiveRequest) (*CommonsPaymentReceipt, error) {
	if err := validateGive(req); err != nil {
		return nil, err
	}
	if !req.FromCommons {
		return nil, errorf(EINVALID, "only payments from the commons are held")
	}
	fp := fingerprint(opCommonsRequest, req.Community, req.Actor, req.Recipients, req.Minutes, req.Category, req.Note, req.Group)
	return keyed(ctx, db, commonsOps, req.Key, fp, opCommonsRequest, db.replayPayment(ctx, req.Community), func(tx *Tx) (*CommonsPaymentReceipt, error) {
		actor, to, err := giveParties(ctx, tx, req)
		if err != nil {
			return nil, err
		}
		number, err := nextNumber(ctx, tx, "commons_payments", req.Community)
		if err != nil {
			return nil, err
		}
		op, err := commonsOps.insert(ctx, tx, req.op(fp, opCommonsRequest, int64(number), actor.ID))
		if err != nil {
			return nil, fmt.Errorf("ledger: record commons request: %w", err)
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO commons_payments
			(community_id, number, op_id, requester_id, minutes, category, note, group_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			req.Community, number, op, actor.ID, req.Minutes, req.Category, req.Note, nullIfZero(req.Group), tx.now.Unix())
		if err != nil {
			return nil, fmt.Errorf("ledger: insert commons payment: %w", err)
		}
		id, _ := res.LastInsertId()
		for i, a := range to {
			if _, err := tx.ExecContext(ctx, "INSERT INTO commons_payment_recipients (payment_id, position, account_id) VALUES (?, ?, ?)",
				id, i, a.ID); err != nil {
				return nil, fmt.Errorf("ledger: insert commons payment recipient: %w", err)
			}
		}
		p, err := loadPayment(ctx, tx, id)
		if err != nil {
			return nil, err
		}
		return &CommonsPaymentReceipt{Payment: p}, nil
	})
}

// PaymentDecision approves or rejects held payment #Number.
type PaymentDecision struct {
	Header
	Number  int
	Approve bool
	// Moderator says the actor is a moderator: only moderators approve,
	// and moderators or the requester reject.
	Moderator bool
	Reason    string // why it is rejected
	Limits    Limits
}

// DecideCommonsPayment approves payment #Number (the gift is recorded now,
// with the approver as its actor, within the limits as they are now) or
// rejects it. It returns *Error with ENOTFOUND, ECLOSED (already decided),
// EFORBIDDEN, ESAMEPERSON (an approver who asked for it or is paid by it),
// EINVALID (a reason too long) or ECONFLICT, or *LimitError.
func (db *DB) DecideCommonsPayment(ctx context.Context, req PaymentDecision) (*CommonsPaymentReceipt, error) {
	reason, err := optionalText(line("reason", req.Reason), MaxNoteLength)
	if err != nil {
		return nil, err
	}
	kind := opCommonsReject
	if req.Approve {
		kind, reason = opCommonsApprove, ""
	}
	fp := fingerprint(kind, req.Community, req.Actor, req.Number, reason)
	return keyed(ctx, db, commonsOps, req.Key, fp, kind, db.replayPayment(ctx, req.Community), func(tx *Tx) (*CommonsPaymentReceipt, error) {
		p, err := byNumber(ctx, tx, "commons_payments", "commons payment", req.Community, req.Number, loadPayment)
		if err != nil {
			return nil, err
		}
		if p.State != PaymentPending {
			return nil, errorf(ECLOSED, "commons payment #%d is %s", p.Number, p.State)
		}
		actor, err := memberAccount(ctx, tx, req.Community, req.Actor)
		if err != nil {
			return nil, err
		}
		switch {
		case req.Approve && !req.Moderator:
			return nil, errorf(EFORBIDDEN, "only moderators approve commons payments")
		case req.Approve && (actor.ID == p.Requester.Account || p.Pays(actor.ID)):
			return nil, errorf(ESAMEPERSON, "commons payment #%d cannot be approved by %s", p.Number, actor.Name)
		case !req.Approve && !req.Moderator && actor.ID != p.Requester.Account:
			return nil, errorf(EFORBIDDEN, "only moderators or the requester reject a commons payment")
		}
		op, err := commonsOps.insert(ctx, tx, req.op(fp, kind, int64(p.Number), actor.ID))
		if err != nil {
			return nil, fmt.Errorf("ledger: record commons decision: %w", err)
		}
		rec := &CommonsPaymentReceipt{}
		var gift any
		decision := PaymentRejected
		if req.Approve {
			decision = PaymentApproved
			if rec.Gift, err = payTx(ctx, tx, fp, req, actor, p); err != nil {
				return nil, err
			}
			gift = rec.Gift.Operation
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO commons_payment_decisions
			(payment_id, kind, actor_id, reason, op_id, operation_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			p.ID, decision, actor.ID, reason, op, gift, tx.now.Unix()); err != nil {
			return nil, fmt.Errorf("ledger: insert commons decision: %w", err)
		}
		if rec.Payment, err = loadPayment(ctx, tx, p.ID); err != nil {
			return nil, err
		}
		return rec, nil
	})
}

// payTx records an approved payment's gift, from the commons to its
// recipients as they are now, under the approval's key.
func payTx(ctx context.Context, tx *Tx, fp string, req PaymentDecision, approver Account, p CommonsPayment) (*Receipt, error) {
	from, err := commonsAccount(ctx, tx, req.Community)
	if err != nil {
		return nil, err
	}
	to := make([]Account, len(p.Recipients))
	for i, v := range p.Recipients {
		if to[i], err = scanAccount(tx.QueryRowContext(ctx, `SELECT id, community_id, kind, display_name, balance, created_at
			FROM accounts WHERE id = ?`, v.Account)); err != nil {
			return nil, fmt.Errorf("ledger: commons payment recipient: %w", err)
		}
	}
	gift := GiveRequest{
		Header:      req.Header, // the approval's: its actor is the approver
		FromCommons: true,
		Minutes:     p.Minutes,
		Category:    p.Category,
		Note:        p.Note,
		Limits:      req.Limits,
		Group:       p.Group,
	}
	return moveTx(ctx, tx, fp, gift, approver, from, to)
}

// replayPayment returns, for a key already recorded, the payment it acted
// on as it is now and the gift its approval recorded.
func (db *DB) replayPayment(ctx context.Context, community CommunityID) func(tx *Tx, prior priorOp) (*CommonsPaymentReceipt, error) {
	return func(tx *Tx, prior priorOp) (*CommonsPaymentReceipt, error) {
		p, err := byNumber(ctx, tx, "commons_payments", "commons payment", community, int(prior.ref), loadPayment)
		if err != nil {
			return nil, err
		}
		rec := &CommonsPaymentReceipt{Payment: p, Replayed: true}
		var approval sql.NullInt64
		err = tx.QueryRowContext(ctx, "SELECT operation_id FROM commons_payment_decisions WHERE op_id = ?", prior.id).Scan(&approval)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return nil, err
		}
		if approval.Valid {
			var actor AccountID
			if err := tx.QueryRowContext(ctx, "SELECT actor_id FROM operations WHERE id = ?", approval.Int64).Scan(&actor); err != nil {
				return nil, err
			}
			if rec.Gift, err = loadReceipt(ctx, tx, OperationID(approval.Int64), actor); err != nil {
				return nil, err
			}
			rec.Gift.Replayed = true
		}
		return rec, nil
	}
}

// CommonsPayment is held payment #number.
func (db *DB) CommonsPayment(ctx context.Context, community CommunityID, number int) (CommonsPayment, error) {
	return readOne(ctx, db, func(q queryer) (CommonsPayment, error) {
		return byNumber(ctx, q, "commons_payments", "commons payment", community, number, loadPayment)
	})
}

// CommonsPayments lists a community's held payments, oldest first: those
// still pending, or all of them.
func (db *DB) CommonsPayments(ctx context.Context, community CommunityID, pendingOnly bool) ([]CommonsPayment, error) {
	return loadAll(ctx, db, loadPayment, `SELECT p.id FROM commons_payments p WHERE p.community_id = ?
		AND (? = 0 OR NOT EXISTS (SELECT 1 FROM commons_payment_decisions d WHERE d.payment_id = p.id))
		ORDER BY p.number`, community, pendingOnly)
}

func loadPayment(ctx context.Context, q queryer, id int64) (CommonsPayment, error) {
	var p CommonsPayment
	var created int64
	var kind, reason, deciderName sql.NullString
	var decider, decided, operation sql.NullInt64
	err := q.QueryRowContext(ctx, `SELECT p.id, p.community_id, p.number, p.requester_id, ra.display_name, p.minutes, p.category, p.note,
		COALESCE(p.group_id, 0), p.created_at, d.kind, d.actor_id, da.display_name, d.reason, d.created_at, d.operation_id
		FROM commons_payments p JOIN accounts ra ON ra.id = p.requester_id
		LEFT JOIN commons_payment_decisions d ON d.payment_id = p.id LEFT JOIN accounts da ON da.id = d.actor_id
		WHERE p.id = ?`, id).Scan(&p.ID, &p.Community, &p.Number, &p.Requester.Account, &p.Requester.Name, &p.Minutes, &p.Category, &p.Note,
		&p.Group, &created, &kind, &decider, &deciderName, &reason, &decided, &operation)
	if err != nil {
		return CommonsPayment{}, fmt.Errorf("ledger: load commons payment %d: %w", id, err)
	}
	p.CreatedAt = unixUTC(created)
	p.State = PaymentPending
	if kind.Valid {
		p.State = PaymentState(kind.String)
		p.Decider = &Voter{Account: AccountID(decider.Int64), Name: deciderName.String}
		p.Reason, p.DecidedAt, p.Operation = reason.String, unixUTC(decided.Int64), OperationID(operation.Int64)
	}
	p.Recipients, err = queryRows(ctx, q, scanVoter, `SELECT r.account_id, a.display_name, ''
		FROM commons_payment_recipients r JOIN accounts a ON a.id = r.account_id WHERE r.payment_id = ? ORDER BY r.position`, id)
	return p, err
}
