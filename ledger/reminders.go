package ledger

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Reminders: a text posted in a group's room on a schedule. The ledger
// keeps each reminder with its next due time; the bot computes the
// occurrences (schedules package) and claims each one here, in the
// transaction that advances next_due, before it posts it.

type (
	ReminderID int64
	DeliveryID int64
)

// ReminderKind is a recurring (cron) or a one-time reminder.
type ReminderKind string

const (
	ReminderCron ReminderKind = "cron"
	ReminderOnce ReminderKind = "once"
)

const (
	// MaxReminderLength is the longest reminder text, in characters.
	MaxReminderLength = 500
	// MaxRemindersPerGroup bounds a group's active reminders.
	MaxRemindersPerGroup = 50
)

// Reminder is one reminder with its group's room and settings.
type Reminder struct {
	ID        ReminderID
	Community CommunityID
	Group     GroupID
	GroupName string
	Platform  string // the group's room
	Room      string
	Timezone  string // the group's zone, "" for the community's
	Pings     bool   // the group asked for its members to be mentioned
	Kind      ReminderKind
	Spec      string // the cron line of a recurring reminder
	Input     string // the schedule as typed
	Text      string
	NextDue   time.Time // zero once it will never be due again
	PausedAt  time.Time
	Cancelled time.Time
	CreatedBy Voter
	CreatedAt time.Time
}

// Paused is true while the reminder is paused.
func (r Reminder) Paused() bool { return !r.PausedAt.IsZero() }

// Active is true until the reminder is cancelled or has nothing more to post.
func (r Reminder) Active() bool { return r.Cancelled.IsZero() && !r.NextDue.IsZero() }

// ReminderRequest adds a reminder to a group. NextDue is its first
// occurrence, which the caller computed from Kind and Spec.
type ReminderRequest struct {
	Header
	Moderator bool
	Group     GroupID
	Kind      ReminderKind
	Spec      string
	Input     string
	Text      string
	NextDue   time.Time
}

// ReminderReceipt is what a reminder command returns.
type ReminderReceipt struct {
	Reminder Reminder // as it is after the command (now, on a replay)
	Replayed bool
	Changed  bool      // false when it was already so (pausing a paused reminder)
	Skipped  time.Time // the occurrence a skip skipped
	Expired  bool      // a one-time reminder resumed after its time: it is finished
}

// Operation kinds of group_ops for reminders.
const (
	opRemindAdd   = "remind_add"
	opRemindPrefx = "remind_"
)

// AddReminder records a reminder. Members of the group and moderators may.
// It returns *Error with ENOTFOUND (no such group), EFORBIDDEN, ETOOMANY or
// EINVALID.
func (db *DB) AddReminder(ctx context.Context, req ReminderRequest) (*ReminderReceipt, error) {
	text, err := requiredText(lines("reminder", req.Text), "a reminder", MaxReminderLength)
	if err != nil {
		return nil, err
	}
	if err := checkTexts(line("schedule", strings.TrimSpace(req.Input))); err != nil {
		return nil, err
	}
	switch {
	case req.Kind != ReminderCron && req.Kind != ReminderOnce:
		return nil, errorf(EINVALID, "reminder kind %q", req.Kind)
	case req.Kind == ReminderCron && req.Spec == "":
		return nil, errorf(EINVALID, "a recurring reminder needs its specification")
	case req.NextDue.IsZero():
		return nil, errorf(EINVALID, "a reminder needs its first occurrence")
	}
	fp := fingerprint(opRemindAdd, req.Community, req.Actor, req.Group, req.Kind, req.Spec, req.Input, text)
	return groupOp(ctx, db, req.Header, fp, opRemindAdd, func(tx *Tx) (int64, AccountID, bool, error) {
		g, err := loadGroup(ctx, tx, req.Group)
		if err != nil || g.Community != req.Community {
			return 0, 0, false, errorf(ENOTFOUND, "no group %d", req.Group)
		}
		actor, err := mayChangeGroup(ctx, tx, g, req.Community, req.Actor, req.Moderator)
		if err != nil {
			return 0, 0, false, err
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM reminders
			WHERE group_id = ? AND cancelled_at IS NULL AND next_due IS NOT NULL`, g.ID).Scan(&n); err != nil {
			return 0, 0, false, err
		}
		if n >= MaxRemindersPerGroup {
			return 0, 0, false, errorf(ETOOMANY, "group %q has %d reminders", g.Name, n)
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO reminders (community_id, group_id, kind, spec, input, text, next_due, created_by, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, req.Community, g.ID, req.Kind, req.Spec, req.Input, text, req.NextDue.Unix(), actor, tx.now.Unix())
		if err != nil {
			return 0, 0, false, fmt.Errorf("ledger: insert reminder: %w", err)
		}
		id, _ := res.LastInsertId()
		return id, actor, true, nil
	}, func(tx *Tx, target int64, replayed, _ bool) (*ReminderReceipt, error) {
		r, err := reminderByID(ctx, tx, req.Community, ReminderID(target))
		if err != nil {
			return nil, err
		}
		return &ReminderReceipt{Reminder: r, Replayed: replayed, Changed: true}, nil
	})
}

// ReminderAction is what /remind cancel|pause|resume|skip does.
type ReminderAction string

const (
	RemindCancel ReminderAction = "cancel"
	RemindPause  ReminderAction = "pause"
	RemindResume ReminderAction = "resume"
	RemindSkip   ReminderAction = "skip" // the next occurrence only
)

// ReminderActionRequest acts on reminder ID. Next computes occurrences for
// resume and skip.
type ReminderActionRequest struct {
	Header
	Moderator bool
	ID        ReminderID
	Action    ReminderAction
	Next      NextFunc
}

// ActOnReminder cancels, pauses, resumes or skips the next occurrence of a
// reminder. Members of its group and moderators may. Resuming recomputes
// the next occurrence from now: what fell due during the pause is not
// owed. It returns *Error with ENOTFOUND, EFORBIDDEN, ECLOSED (cancelled,
// or finished), EPAUSED (skipping a paused reminder) or ENOTREPEAT
// (skipping a one-time reminder).
func (db *DB) ActOnReminder(ctx context.Context, req ReminderActionRequest) (*ReminderReceipt, error) {
	switch req.Action {
	case RemindCancel, RemindPause, RemindResume, RemindSkip:
	default:
		return nil, errorf(EINVALID, "reminder action %q", req.Action)
	}
	rec := &ReminderReceipt{}
	kind := opRemindPrefx + string(req.Action)
	fp := fingerprint(kind, req.Community, req.Actor, req.ID)
	return groupOp(ctx, db, req.Header, fp, kind, func(tx *Tx) (int64, AccountID, bool, error) {
		r, err := reminderByID(ctx, tx, req.Community, req.ID)
		if err != nil {
			return 0, 0, false, err
		}
		g, err := loadGroup(ctx, tx, r.Group)
		if err != nil {
			return 0, 0, false, err
		}
		actor, err := mayChangeGroup(ctx, tx, g, req.Community, req.Actor, req.Moderator)
		if err != nil {
			return 0, 0, false, err
		}
		if !r.Active() {
			return 0, 0, false, errorf(ECLOSED, "reminder %d is cancelled or finished", r.ID)
		}
		now := tx.now
		target := int64(r.ID)
		switch req.Action {
		case RemindCancel:
			_, err = tx.ExecContext(ctx, "UPDATE reminders SET cancelled_at = ? WHERE id = ?", now.Unix(), r.ID)
		case RemindPause:
			if r.Paused() {
				return target, actor, false, nil
			}
			_, err = tx.ExecContext(ctx, "UPDATE reminders SET paused_at = ? WHERE id = ?", now.Unix(), r.ID)
		case RemindResume:
			if !r.Paused() {
				return target, actor, false, nil
			}
			var due any
			switch {
			case r.Kind == ReminderOnce && r.NextDue.After(now):
				due = r.NextDue.Unix()
			case r.Kind == ReminderOnce:
				rec.Expired = true // its time passed during the pause
			default:
				n, ok := req.Next(r, now)
				if ok {
					due = n.Unix()
				}
			}
			_, err = tx.ExecContext(ctx, "UPDATE reminders SET paused_at = NULL, next_due = ? WHERE id = ?", due, r.ID)
		case RemindSkip:
			if r.Kind == ReminderOnce {
				return 0, 0, false, errorf(ENOTREPEAT, "reminder %d happens once", r.ID)
			}
			if r.Paused() {
				return 0, 0, false, errorf(EPAUSED, "reminder %d is paused", r.ID)
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO reminder_deliveries (reminder_id, due, last_due, kind, state, claimed_at)
				VALUES (?, ?, ?, 'skipped', 'skipped', ?) ON CONFLICT (reminder_id, due) DO NOTHING`,
				r.ID, r.NextDue.Unix(), r.NextDue.Unix(), now.Unix()); err != nil {
				return 0, 0, false, fmt.Errorf("ledger: skip: %w", err)
			}
			rec.Skipped = r.NextDue
			var due any
			if n, ok := req.Next(r, r.NextDue); ok {
				due = n.Unix()
			}
			_, err = tx.ExecContext(ctx, "UPDATE reminders SET next_due = ? WHERE id = ?", due, r.ID)
		}
		if err != nil {
			return 0, 0, false, fmt.Errorf("ledger: %s reminder: %w", req.Action, err)
		}
		return target, actor, true, nil
	}, func(tx *Tx, _ int64, replayed, changed bool) (*ReminderReceipt, error) {
		r, err := reminderByID(ctx, tx, req.Community, req.ID)
		if err != nil {
			return nil, err
		}
		rec.Reminder, rec.Replayed, rec.Changed = r, replayed, changed
		return rec, nil
	})
}

// Reminder returns one of a community's reminders. It returns *Error with
// ENOTFOUND.
func (db *DB) Reminder(ctx context.Context, community CommunityID, id ReminderID) (Reminder, error) {
	return reminderByID(ctx, db.reader, community, id)
}

// Reminders lists a community's reminders that are still active (of one
// group when group is not 0), the soonest first, paused ones last.
func (db *DB) Reminders(ctx context.Context, community CommunityID, group GroupID) ([]Reminder, error) {
	return queryReminders(ctx, db.reader, reminderSelect+`
		WHERE r.community_id = ? AND (? = 0 OR r.group_id = ?) AND r.cancelled_at IS NULL AND r.next_due IS NOT NULL
		ORDER BY r.paused_at IS NOT NULL, r.next_due, r.id`, community, group, group)
}

// UpcomingReminders lists the community's active, unpaused reminders (of
// one group when group is not 0) due before until, the soonest first.
func (db *DB) UpcomingReminders(ctx context.Context, community CommunityID, group GroupID, until time.Time) ([]Reminder, error) {
	return queryReminders(ctx, db.reader, reminderSelect+`
		WHERE r.community_id = ? AND (? = 0 OR r.group_id = ?) AND r.cancelled_at IS NULL AND r.paused_at IS NULL
		  AND r.next_due IS NOT NULL AND r.next_due < ?
		ORDER BY r.next_due, r.id`, community, group, group, until.Unix())
}

// RemindersDue lists the community's active, unpaused reminders whose
// next occurrence is at or before asOf.
func (db *DB) RemindersDue(ctx context.Context, community CommunityID, asOf time.Time) ([]Reminder, error) {
	return queryReminders(ctx, db.reader, reminderSelect+`
		WHERE r.community_id = ? AND r.cancelled_at IS NULL AND r.paused_at IS NULL
		  AND r.next_due IS NOT NULL AND r.next_due <= ?
		ORDER BY r.next_due, r.id`, community, asOf.Unix())
}

// ReminderClaim claims what fell due of a reminder whose next occurrence
// is Due: Post, the occurrence to post now (zero for none), and Missed,
// the occurrences told in a "missed while offline" summary (MissedCount
// of them, from the first to the last listed). Next is the occurrence
// after them (zero when the reminder is finished).
type ReminderClaim struct {
	Reminder    ReminderID
	Due         time.Time
	Next        time.Time
	Post        time.Time
	MissedFirst time.Time
	MissedLast  time.Time
	MissedCount int
}

// ClaimResult says what ClaimReminder recorded: the delivery rows to mark
// once posted (0 when there is nothing, or when that occurrence was
// already delivered).
type ClaimResult struct {
	Claimed bool // false when the reminder changed meanwhile: nothing was written
	Post    DeliveryID
	Missed  DeliveryID
}

// ClaimReminder writes the delivery rows of a claim and advances the
// reminder's next_due, in one transaction, before anything is posted: a
// crash after it posts nothing twice (an occurrence whose row exists is
// never claimed again). The claim holds only if the reminder is still
// active, unpaused and due at c.Due.
func (db *DB) ClaimReminder(ctx context.Context, c ReminderClaim) (ClaimResult, error) {
	tx, err := db.begin(ctx)
	if err != nil {
		return ClaimResult{}, err
	}
	defer tx.Rollback()
	var next any
	if !c.Next.IsZero() {
		next = c.Next.Unix()
	}
	res, err := tx.ExecContext(ctx, `UPDATE reminders SET next_due = ?
		WHERE id = ? AND next_due = ? AND cancelled_at IS NULL AND paused_at IS NULL`, next, c.Reminder, c.Due.Unix())
	if err != nil {
		return ClaimResult{}, fmt.Errorf("ledger: advance reminder: %w", err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return ClaimResult{}, nil
	}
	out := ClaimResult{Claimed: true}
	insert := func(due, last time.Time, count int, kind string) (DeliveryID, error) {
		var id DeliveryID
		err := tx.QueryRowContext(ctx, `INSERT INTO reminder_deliveries (reminder_id, due, last_due, occurrences, kind, state, claimed_at)
			VALUES (?, ?, ?, ?, ?, 'claimed', ?) ON CONFLICT (reminder_id, due) DO NOTHING RETURNING id`,
			c.Reminder, due.Unix(), last.Unix(), count, kind, tx.now.Unix()).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			return 0, nil // already delivered: never again
		}
		return id, err
	}
	if c.MissedCount > 0 {
		if out.Missed, err = insert(c.MissedFirst, c.MissedLast, c.MissedCount, "missed"); err != nil {
			return ClaimResult{}, fmt.Errorf("ledger: claim missed: %w", err)
		}
	}
	if !c.Post.IsZero() {
		if out.Post, err = insert(c.Post, c.Post, 1, "post"); err != nil {
			return ClaimResult{}, fmt.Errorf("ledger: claim occurrence: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return ClaimResult{}, fmt.Errorf("ledger: commit: %w", err)
	}
	return out, nil
}

// DeliveryState is what became of a claimed delivery.
type DeliveryState string

const (
	DeliveryClaimed     DeliveryState = "claimed"
	DeliveryPosted      DeliveryState = "posted"
	DeliveryFailed      DeliveryState = "failed"      // the post failed; retried
	DeliveryAbandoned   DeliveryState = "abandoned"   // failed until too late
	DeliveryUnconfirmed DeliveryState = "unconfirmed" // claimed before a crash: maybe posted, never again
	DeliverySkipped     DeliveryState = "skipped"
)

// Delivery is one row of a reminder's delivery log, with its reminder.
type Delivery struct {
	ID          DeliveryID
	Reminder    Reminder
	Kind        string // post, missed or skipped
	State       DeliveryState
	Due         time.Time
	LastDue     time.Time
	Occurrences int
	Attempts    int
	ClaimedAt   time.Time
	PostedAt    time.Time
}

// MarkDeliveries records that claimed (or failed) deliveries were posted,
// failed again (attempts grow), or are abandoned.
func (db *DB) MarkDeliveries(ctx context.Context, ids []DeliveryID, state DeliveryState) error {
	if len(ids) == 0 {
		return nil
	}
	_, err := inTx(ctx, db, func(tx *Tx) (struct{}, error) { return struct{}{}, markDeliveries(ctx, tx, ids, state) })
	return err
}

func markDeliveries(ctx context.Context, tx *Tx, ids []DeliveryID, state DeliveryState) error {
	for _, id := range ids {
		var err error
		switch state {
		case DeliveryPosted:
			_, err = tx.ExecContext(ctx, "UPDATE reminder_deliveries SET state = 'posted', posted_at = ? WHERE id = ? AND state IN ('claimed', 'failed')", tx.now.Unix(), id)
		case DeliveryFailed:
			_, err = tx.ExecContext(ctx, "UPDATE reminder_deliveries SET state = 'failed', attempts = attempts + 1 WHERE id = ? AND state IN ('claimed', 'failed')", id)
		case DeliveryAbandoned:
			_, err = tx.ExecContext(ctx, "UPDATE reminder_deliveries SET state = 'abandoned' WHERE id = ? AND state IN ('claimed', 'failed')", id)
		default:
			return errorf(EINVALID, "delivery state %q", state)
		}
		if err != nil {
			return fmt.Errorf("ledger: mark delivery %d: %w", id, err)
		}
	}
	return nil
}

// FailedDeliveries lists the community's deliveries whose post failed, to
// retry, oldest first.
func (db *DB) FailedDeliveries(ctx context.Context, community CommunityID) ([]Delivery, error) {
	return db.deliveries(ctx, "WHERE r.community_id = ? AND d.state = 'failed' ORDER BY d.due, d.id", community)
}

// ConfirmUnknown marks 'unconfirmed' every delivery still 'claimed' — the
// bot stopped between claiming and confirming them — and returns them. It
// is meant for start-up, before anything is claimed: such an occurrence
// may or may not have been posted, and it is never posted again.
func (db *DB) ConfirmUnknown(ctx context.Context) ([]Delivery, error) {
	out, err := db.deliveries(ctx, "WHERE d.state = 'claimed' ORDER BY d.id")
	if err != nil || len(out) == 0 {
		return out, err
	}
	return inTx(ctx, db, func(tx *Tx) ([]Delivery, error) {
		for i, d := range out {
			if _, err := tx.ExecContext(ctx, "UPDATE reminder_deliveries SET state = 'unconfirmed' WHERE id = ? AND state = 'claimed'", d.ID); err != nil {
				return nil, err
			}
			out[i].State = DeliveryUnconfirmed
		}
		return out, nil
	})
}

// Deliveries lists a reminder's delivery log, oldest first.
func (db *DB) Deliveries(ctx context.Context, community CommunityID, id ReminderID) ([]Delivery, error) {
	return db.deliveries(ctx, "WHERE r.community_id = ? AND d.reminder_id = ? ORDER BY d.due, d.id", community, id)
}

func (db *DB) deliveries(ctx context.Context, where string, args ...any) ([]Delivery, error) {
	rows, err := db.reader.QueryContext(ctx, `SELECT d.id, d.reminder_id, d.kind, d.state, d.due, d.last_due, d.occurrences,
		d.attempts, d.claimed_at, d.posted_at, r.community_id FROM reminder_deliveries d JOIN reminders r ON r.id = d.reminder_id `+where, args...)
	if err != nil {
		return nil, err
	}
	var out []Delivery
	var refs []CommunityID
	for rows.Next() {
		var d Delivery
		var due, last, claimed int64
		var posted sql.NullInt64
		var com CommunityID
		if err := rows.Scan(&d.ID, &d.Reminder.ID, &d.Kind, &d.State, &due, &last, &d.Occurrences, &d.Attempts, &claimed, &posted, &com); err != nil {
			rows.Close()
			return nil, err
		}
		d.Due, d.LastDue, d.ClaimedAt, d.PostedAt = unixUTC(due), unixUTC(last), unixUTC(claimed), nullTime(posted)
		out = append(out, d)
		refs = append(refs, com)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for i := range out {
		r, err := db.Reminder(ctx, refs[i], out[i].Reminder.ID)
		if err != nil {
			return nil, err
		}
		out[i].Reminder = r
	}
	return out, nil
}

// rescheduleGroup recomputes from now the next occurrence of a group's
// active recurring reminders, after its zone changed.
func rescheduleGroup(ctx context.Context, tx *Tx, group GroupID, next NextFunc) error {
	if next == nil {
		return nil
	}
	rs, err := queryReminders(ctx, tx, reminderSelect+` WHERE r.group_id = ? AND r.kind = 'cron'
		AND r.cancelled_at IS NULL AND r.next_due IS NOT NULL`, group)
	if err != nil {
		return err
	}
	for _, r := range rs {
		var due any
		if n, ok := next(r, tx.now); ok {
			due = n.Unix()
		}
		if _, err := tx.ExecContext(ctx, "UPDATE reminders SET next_due = ? WHERE id = ?", due, r.ID); err != nil {
			return fmt.Errorf("ledger: reschedule reminder %d: %w", r.ID, err)
		}
	}
	return nil
}

const reminderSelect = `SELECT r.id, r.community_id, r.group_id, g.name, g.platform, g.room, g.timezone, g.pings,
	r.kind, r.spec, r.input, r.text, r.next_due, r.paused_at, r.cancelled_at, r.created_by, a.display_name, r.created_at
	FROM reminders r JOIN groups g ON g.id = r.group_id JOIN accounts a ON a.id = r.created_by`

func scanReminder(row rowScanner) (Reminder, error) {
	var r Reminder
	var next, paused, cancelled sql.NullInt64
	var created int64
	err := row.Scan(&r.ID, &r.Community, &r.Group, &r.GroupName, &r.Platform, &r.Room, &r.Timezone, &r.Pings,
		&r.Kind, &r.Spec, &r.Input, &r.Text, &next, &paused, &cancelled, &r.CreatedBy.Account, &r.CreatedBy.Name, &created)
	if err != nil {
		return Reminder{}, err
	}
	r.NextDue, r.PausedAt, r.Cancelled, r.CreatedAt = nullTime(next), nullTime(paused), nullTime(cancelled), unixUTC(created)
	return r, nil
}

func reminderByID(ctx context.Context, q queryer, community CommunityID, id ReminderID) (Reminder, error) {
	r, err := scanReminder(q.QueryRowContext(ctx, reminderSelect+" WHERE r.id = ? AND r.community_id = ?", id, community))
	if errors.Is(err, sql.ErrNoRows) {
		return Reminder{}, errorf(ENOTFOUND, "no reminder %d", id)
	}
	return r, err
}

func queryReminders(ctx context.Context, q querier, query string, args ...any) ([]Reminder, error) {
	return queryRows(ctx, q, scanReminder, query, args...)
}
