package ledger

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// Conflict cases: a member's request for mediation, and cases the
// moderators open in a private space, follow through mediation and close
// with an agreement, without one, or by escalating to the council. Every
// action is written to the case's append-only log with who and when.

// CaseID is a case's row.
type CaseID int64

// CaseState is where a case stands.
type CaseState string

const (
	CaseRequested         CaseState = "requested"           // a member asked for mediation
	CaseOpen              CaseState = "open"                // its private space exists
	CaseInMediation       CaseState = "in_mediation"        // the mediation has begun
	CaseAgreement         CaseState = "agreement"           // closed: an agreement was reached
	CaseClosedNoAgreement CaseState = "closed_no_agreement" // closed without an agreement
	CaseEscalated         CaseState = "escalated"           // sent to the council
)

// Closed reports whether the state is an outcome.
func (s CaseState) Closed() bool { return s == CaseAgreement || s == CaseClosedNoAgreement }

// Active reports whether a case in this state has a space to follow up.
func (s CaseState) Active() bool { return s == CaseOpen || s == CaseInMediation || s == CaseEscalated }

// CaseRole is a member's part in a case.
type CaseRole string

const (
	RoleParty    CaseRole = "party"
	RoleMediator CaseRole = "mediator"
)

// CaseLogKind is what one log entry records.
type CaseLogKind string

const (
	LogRequested     CaseLogKind = "requested"
	LogOpened        CaseLogKind = "opened"
	LogMemberAdded   CaseLogKind = "member_added"
	LogMemberRemoved CaseLogKind = "member_removed"
	LogNote          CaseLogKind = "note"
	LogState         CaseLogKind = "state"
	LogCheckIn       CaseLogKind = "check_in"
	LogFlagged       CaseLogKind = "flagged"
	LogEscalated     CaseLogKind = "escalated"
	LogClosed        CaseLogKind = "closed"
)

// Case error codes, beyond the common ones (ENOTFOUND: no such case;
// EFORBIDDEN: the actor is neither a moderator nor a mediator of it).
const (
	ECASESTATE Code = "case_state" // the case's state does not allow this
)

// Lengths of what cases keep, in characters.
const (
	MaxCaseText    = 500 // a request, a note, an escalation's reason
	MaxCaseTopic   = 200
	MaxCaseSummary = 500
)

// CaseMember is a party or mediator of a case. UserID is their identity on
// the case's platform.
type CaseMember struct {
	Account AccountID
	Name    string
	UserID  string
	Role    CaseRole
	AddedAt time.Time
}

// Case is one conflict case with its current members.
type Case struct {
	ID           CaseID
	Community    CommunityID
	Number       int
	State        CaseState
	Topic        string
	Platform     string // its private space, "" until opened
	Room         string
	NextCheckIn  time.Time // zero: none due
	LastActivity time.Time
	FlaggedAt    time.Time
	CreatedBy    Voter
	CreatedAt    time.Time
	OpenedAt     time.Time
	ClosedAt     time.Time
	Summary      string
	Members      []CaseMember // parties first, then mediators, by name
}

// Role is the account's role in the case, "" when it takes no part.
func (c Case) Role(a AccountID) CaseRole {
	for _, m := range c.Members {
		if m.Account == a {
			return m.Role
		}
	}
	return ""
}

// WithRole lists the members with a role.
func (c Case) WithRole(role CaseRole) []CaseMember {
	var out []CaseMember
	for _, m := range c.Members {
		if m.Role == role {
			out = append(out, m)
		}
	}
	return out
}

// CaseLogEntry is one action on a case.
type CaseLogEntry struct {
	ID        int64
	Case      CaseID
	Community CommunityID
	Number    int
	Kind      CaseLogKind
	Actor     Voter // Account 0: the bot
	Subject   Voter // the member added or removed
	Role      CaseRole
	From, To  CaseState
	Text      string
	Key       string // the operation's idempotency key
	CreatedAt time.Time
	Hash      []byte // the entry's hash in its community's chain
}

// CaseReceipt is what a case command returns, the same on a replay.
type CaseReceipt struct {
	Case     Case // as it is after the command (now, on a replay)
	Replayed bool
	// Changed is false when the command found things already so (adding
	// a member who is one): nothing was written.
	Changed bool
}

// CaseActor is who acts on a case: their identity, and whether they are a
// moderator of the community (who may act on any case).
type CaseActor struct {
	Header
	Moderator bool
}

// Operation kinds of case_ops.
const (
	opCaseRequest = "case_request"
	opCaseOpen    = "case_open"
	opCaseAdd     = "case_add"
	opCaseRemove  = "case_remove"
	opCaseNote    = "case_note"
	opCaseState   = "case_state"
	opCaseCheckIn = "case_check_in"
	opCaseFlag    = "case_flag"
	opCouncilDraw = "council_draw"
)

// CheckCaseTopic refuses a case's topic longer than MaxCaseTopic, with
// *TooLongError: OpenCase checks it, and the core asks before it makes a
// case's private space. Spaces in the topic count once.
func CheckCaseTopic(topic string) error {
	topic = strings.Join(strings.Fields(topic), " ")
	if utf8.RuneCountInString(topic) > MaxCaseTopic {
		return tooLong("topic", topic, MaxCaseTopic)
	}
	return nil
}

// RequestCase records a member's request for mediation as a case in the
// requested state, with the member as its first party. It returns *Error
// with EINVALID (no text, or one too long).
func (db *DB) RequestCase(ctx context.Context, a CaseActor, text string) (*CaseReceipt, error) {
	text, err := requiredText(lines("request", text), "a request", MaxCaseText)
	if err != nil {
		return nil, err
	}
	fp := fingerprint(opCaseRequest, a.Community, a.Actor, text)
	return db.caseCommand(ctx, a, fp, opCaseRequest, func(tx *Tx, op func(CaseID) (int64, error)) (CaseID, bool, error) {
		actor, err := memberAccount(ctx, tx, a.Community, a.Actor)
		if err != nil {
			return 0, false, err
		}
		number, err := nextCaseNumber(ctx, tx, a.Community)
		if err != nil {
			return 0, false, err
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO cases (community_id, number, state, last_activity, created_by, created_at)
			VALUES (?, ?, 'requested', ?, ?, ?)`, a.Community, number, tx.now.Unix(), actor.ID, tx.now.Unix())
		if err != nil {
			return 0, false, fmt.Errorf("ledger: insert case: %w", err)
		}
		n, _ := res.LastInsertId()
		id := CaseID(n)
		if err := addCaseMember(ctx, tx, id, actor.ID, RoleParty, a.Actor.UserID); err != nil {
			return 0, false, err
		}
		opID, err := op(id)
		if err != nil {
			return 0, false, err
		}
		return id, true, insertCaseLog(ctx, tx, caseLogRow{caseID: id, op: opID, kind: LogRequested, actor: actor.ID,
			to: CaseRequested, text: text})
	})
}

// OpenCaseRequest opens a case in its private space: a new one, or the
// request numbered Request. Parties and Mediators are identities on
// Platform, where Room is the space; a request's author is a party
// already. Number, for a new case, is the number the space was named
// after: the case gets it or the open is refused (ECONFLICT).
type OpenCaseRequest struct {
	CaseActor
	Request   int
	Number    int
	Parties   []Identity
	Mediators []Identity
	Topic     string
	Platform  string
	Room      string
	CheckIn   time.Duration // the first check-in is this long after opening
}

// OpenCase records an opened case. The actor must be a moderator. It
// returns *Error with EFORBIDDEN, ENOTFOUND (no such request), ECASESTATE
// (the request is no longer waiting), EINVALID (a member named twice, in
// both roles, too few people, a topic too long) or ECONFLICT.
func (db *DB) OpenCase(ctx context.Context, req OpenCaseRequest) (*CaseReceipt, error) {
	if err := checkTexts(lines("topic", strings.TrimSpace(req.Topic))); err != nil {
		return nil, err
	}
	topic := strings.Join(strings.Fields(req.Topic), " ")
	switch {
	case !req.Moderator:
		return nil, errorf(EFORBIDDEN, "only moderators open cases")
	case req.Platform == "" || req.Room == "":
		return nil, errorf(EINVALID, "a case needs its private space")
	}
	if err := CheckCaseTopic(topic); err != nil {
		return nil, err
	}
	if req.CheckIn <= 0 {
		return nil, errorf(EINVALID, "check-in interval must be positive")
	}
	fp := fingerprint(opCaseOpen, req.Community, req.Actor, req.Request, req.Number, req.Parties, req.Mediators, topic, req.Platform, req.Room)
	return db.caseCommand(ctx, req.CaseActor, fp, opCaseOpen, func(tx *Tx, op func(CaseID) (int64, error)) (CaseID, bool, error) {
		actor, err := memberAccount(ctx, tx, req.Community, req.Actor)
		if err != nil {
			return 0, false, err
		}
		var id CaseID
		from := CaseState("")
		if req.Request != 0 {
			c, err := caseByNumber(ctx, tx, req.Community, req.Request)
			if err != nil {
				return 0, false, err
			}
			if c.State != CaseRequested {
				return 0, false, &CaseStateError{Number: c.Number, State: c.State}
			}
			id, from = c.ID, CaseRequested
			if _, err := tx.ExecContext(ctx, `UPDATE cases SET state = 'open', topic = ?, platform = ?, room = ?, next_check_in = ?,
				last_activity = ?, opened_at = ? WHERE id = ?`, topic, req.Platform, req.Room, tx.now.Add(req.CheckIn).Unix(),
				tx.now.Unix(), tx.now.Unix(), id); err != nil {
				return 0, false, fmt.Errorf("ledger: open case: %w", err)
			}
		} else {
			number, err := nextCaseNumber(ctx, tx, req.Community)
			if err != nil {
				return 0, false, err
			}
			if req.Number != 0 && req.Number != number {
				return 0, false, errorf(ECONFLICT, "the next case is #%d, not #%d", number, req.Number)
			}
			res, err := tx.ExecContext(ctx, `INSERT INTO cases (community_id, number, state, topic, platform, room, next_check_in,
				last_activity, created_by, created_at, opened_at) VALUES (?, ?, 'open', ?, ?, ?, ?, ?, ?, ?, ?)`,
				req.Community, number, topic, req.Platform, req.Room, tx.now.Add(req.CheckIn).Unix(), tx.now.Unix(), actor.ID,
				tx.now.Unix(), tx.now.Unix())
			if err != nil {
				return 0, false, fmt.Errorf("ledger: insert case: %w", err)
			}
			n, _ := res.LastInsertId()
			id = CaseID(n)
		}
		opID, err := op(id)
		if err != nil {
			return 0, false, err
		}
		if err := insertCaseLog(ctx, tx, caseLogRow{caseID: id, op: opID, kind: LogOpened, actor: actor.ID, from: from, to: CaseOpen,
			text: topic}); err != nil {
			return 0, false, err
		}
		c, err := loadCase(ctx, tx, id)
		if err != nil {
			return 0, false, err
		}
		seen := map[AccountID]CaseRole{}
		for _, m := range c.Members {
			seen[m.Account] = m.Role
		}
		parties := 0
		for _, m := range c.Members {
			if m.Role == RoleParty {
				parties++
				// The author of a request takes part on this platform now.
				uid, err := userOnPlatform(ctx, tx, m.Account, req.Platform)
				if err != nil {
					return 0, false, err
				}
				if uid == "" {
					return 0, false, errorf(EINVALID, "%s has no identity on %s", m.Name, req.Platform)
				}
				if _, err := tx.ExecContext(ctx, "UPDATE case_members SET user_id = ? WHERE case_id = ? AND account_id = ?",
					uid, id, m.Account); err != nil {
					return 0, false, err
				}
			}
		}
		for _, group := range []struct {
			role CaseRole
			ids  []Identity
		}{{RoleParty, req.Parties}, {RoleMediator, req.Mediators}} {
			for _, ident := range group.ids {
				if ident.Platform != req.Platform {
					return 0, false, errorf(EINVALID, "%s:%s is not on the case's platform", ident.Platform, ident.UserID)
				}
				acct, err := memberAccount(ctx, tx, req.Community, ident)
				if err != nil {
					return 0, false, err
				}
				if prior, ok := seen[acct.ID]; ok {
					if prior != group.role {
						return 0, false, errorf(EINVALID, "%s is named both as %s and %s", acct.Name, prior, group.role)
					}
					if from != CaseRequested {
						return 0, false, errorf(EINVALID, "%s is named twice", acct.Name)
					}
					continue // the request's author, named again
				}
				seen[acct.ID] = group.role
				if group.role == RoleParty {
					parties++
				}
				if err := addCaseMember(ctx, tx, id, acct.ID, group.role, ident.UserID); err != nil {
					return 0, false, err
				}
				if err := insertCaseLog(ctx, tx, caseLogRow{caseID: id, op: opID, kind: LogMemberAdded, actor: actor.ID,
					subject: acct.ID, role: group.role}); err != nil {
					return 0, false, err
				}
			}
		}
		if parties == 0 || len(seen) < 2 {
			return 0, false, errorf(EINVALID, "a case needs a party and at least two people")
		}
		if seen[actor.ID] == RoleParty {
			return 0, false, errorf(EFORBIDDEN, "a moderator does not open a case they are a party to")
		}
		return id, true, nil
	})
}

// CaseMemberRequest adds a member to a case, or removes one.
type CaseMemberRequest struct {
	CaseActor
	Number int
	Member Identity // on the case's platform
	Role   CaseRole // for an addition
}

// AddCaseMember adds a party or mediator to an open case. Moderators and
// the case's mediators may. Adding someone already in the case in that
// role changes nothing. It returns *Error with ENOTFOUND, EFORBIDDEN,
// ECASESTATE (not open, or closed) or EINVALID (in the case in another
// role, or not on the case's platform).
func (db *DB) AddCaseMember(ctx context.Context, req CaseMemberRequest) (*CaseReceipt, error) {
	if req.Role != RoleParty && req.Role != RoleMediator {
		return nil, errorf(EINVALID, "role %q", req.Role)
	}
	fp := fingerprint(opCaseAdd, req.Community, req.Actor, req.Number, req.Member, req.Role)
	return db.caseCommand(ctx, req.CaseActor, fp, opCaseAdd, func(tx *Tx, op func(CaseID) (int64, error)) (CaseID, bool, error) {
		c, actor, err := activeCaseForAction(ctx, tx, req.CaseActor, req.Number)
		if err != nil {
			return 0, false, err
		}
		if req.Member.Platform != c.Platform {
			return 0, false, errorf(EINVALID, "%s:%s is not on the case's platform", req.Member.Platform, req.Member.UserID)
		}
		acct, err := memberAccount(ctx, tx, req.Community, req.Member)
		if err != nil {
			return 0, false, err
		}
		switch c.Role(acct.ID) {
		case req.Role:
			return c.ID, false, nil
		case "":
		default:
			return 0, false, errorf(EINVALID, "%s is already a %s of case #%d", acct.Name, c.Role(acct.ID), c.Number)
		}
		if err := addCaseMember(ctx, tx, c.ID, acct.ID, req.Role, req.Member.UserID); err != nil {
			return 0, false, err
		}
		opID, err := acted(ctx, tx, op, c.ID)
		if err != nil {
			return 0, false, err
		}
		return c.ID, true, insertCaseLog(ctx, tx, caseLogRow{caseID: c.ID, op: opID, kind: LogMemberAdded, actor: actor,
			subject: acct.ID, role: req.Role})
	})
}

// RemoveCaseMember takes a member out of an open case. It returns *Error
// with ENOTFOUND (no such case, or the member is not in it), EFORBIDDEN or
// ECASESTATE.
func (db *DB) RemoveCaseMember(ctx context.Context, req CaseMemberRequest) (*CaseReceipt, error) {
	fp := fingerprint(opCaseRemove, req.Community, req.Actor, req.Number, req.Member)
	return db.caseCommand(ctx, req.CaseActor, fp, opCaseRemove, func(tx *Tx, op func(CaseID) (int64, error)) (CaseID, bool, error) {
		c, actor, err := activeCaseForAction(ctx, tx, req.CaseActor, req.Number)
		if err != nil {
			return 0, false, err
		}
		acct, found, err := lookupAccount(ctx, tx, req.Community, req.Member)
		if err != nil {
			return 0, false, err
		}
		role := c.Role(acct)
		if !found || role == "" {
			return 0, false, errorf(ENOTFOUND, "%s:%s is not in case #%d", req.Member.Platform, req.Member.UserID, c.Number)
		}
		if _, err := tx.ExecContext(ctx, "DELETE FROM case_members WHERE case_id = ? AND account_id = ?", c.ID, acct); err != nil {
			return 0, false, fmt.Errorf("ledger: remove case member: %w", err)
		}
		opID, err := acted(ctx, tx, op, c.ID)
		if err != nil {
			return 0, false, err
		}
		return c.ID, true, insertCaseLog(ctx, tx, caseLogRow{caseID: c.ID, op: opID, kind: LogMemberRemoved, actor: actor,
			subject: acct, role: role})
	})
}

// NoteCase adds a moderator's or mediator's private note to a case's log.
// It returns *Error with ENOTFOUND, EFORBIDDEN or EINVALID (no text, or
// one too long).
func (db *DB) NoteCase(ctx context.Context, a CaseActor, number int, text string) (*CaseReceipt, error) {
	text, err := requiredText(lines("note", text), "a note", MaxCaseText)
	if err != nil {
		return nil, err
	}
	fp := fingerprint(opCaseNote, a.Community, a.Actor, number, text)
	return db.caseCommand(ctx, a, fp, opCaseNote, func(tx *Tx, op func(CaseID) (int64, error)) (CaseID, bool, error) {
		c, actor, err := caseForAction(ctx, tx, a, number)
		if err != nil {
			return 0, false, err
		}
		opID, err := acted(ctx, tx, op, c.ID)
		if err != nil {
			return 0, false, err
		}
		return c.ID, true, insertCaseLog(ctx, tx, caseLogRow{caseID: c.ID, op: opID, kind: LogNote, actor: actor, text: text})
	})
}

// caseMoves are the state changes a command may make, from each state.
var caseMoves = map[CaseState][]CaseState{
	CaseRequested:   {CaseClosedNoAgreement},
	CaseOpen:        {CaseInMediation, CaseAgreement, CaseClosedNoAgreement, CaseEscalated},
	CaseInMediation: {CaseAgreement, CaseClosedNoAgreement, CaseEscalated},
	CaseEscalated:   {CaseInMediation, CaseAgreement, CaseClosedNoAgreement},
}

// CanMove reports whether a case in state from may go to to.
func CanMove(from, to CaseState) bool {
	for _, s := range caseMoves[from] {
		if s == to {
			return true
		}
	}
	return false
}

// SetCaseState moves a case: into mediation, to the council (Text is the
// optional reason), or closed with or without an agreement (Text is the
// summary, required). Moderators and the case's mediators may. Moving a
// case to the state it is in changes nothing. It returns *Error with
// ENOTFOUND, EFORBIDDEN, ECASESTATE or EINVALID.
func (db *DB) SetCaseState(ctx context.Context, a CaseActor, number int, to CaseState, text string) (*CaseReceipt, error) {
	if err := checkTexts(lines("summary", strings.TrimSpace(text))); err != nil {
		return nil, err
	}
	text = strings.TrimSpace(text)
	limit := MaxCaseText
	if to.Closed() {
		limit = MaxCaseSummary
		if text == "" {
			return nil, errorf(EINVALID, "closing a case needs a summary")
		}
	}
	if utf8.RuneCountInString(text) > limit {
		return nil, tooLong("text", text, limit)
	}
	if to != CaseInMediation && to != CaseEscalated && !to.Closed() {
		return nil, errorf(EINVALID, "a command cannot move a case to %q", to)
	}
	fp := fingerprint(opCaseState, a.Community, a.Actor, number, to, text)
	return db.caseCommand(ctx, a, fp, opCaseState, func(tx *Tx, op func(CaseID) (int64, error)) (CaseID, bool, error) {
		c, actor, err := caseForAction(ctx, tx, a, number)
		if err != nil {
			return 0, false, err
		}
		if c.State == to {
			return c.ID, false, nil
		}
		if !CanMove(c.State, to) {
			return 0, false, &CaseStateError{Number: c.Number, State: c.State}
		}
		kind := LogState
		switch {
		case to.Closed():
			kind = LogClosed
			_, err = tx.ExecContext(ctx, `UPDATE cases SET state = ?, summary = ?, closed_at = ?, next_check_in = NULL, last_activity = ?
				WHERE id = ?`, to, text, tx.now.Unix(), tx.now.Unix(), c.ID)
		default:
			if to == CaseEscalated {
				kind = LogEscalated
			}
			_, err = tx.ExecContext(ctx, "UPDATE cases SET state = ?, last_activity = ? WHERE id = ?", to, tx.now.Unix(), c.ID)
		}
		if err != nil {
			return 0, false, fmt.Errorf("ledger: case state: %w", err)
		}
		opID, err := op(c.ID)
		if err != nil {
			return 0, false, err
		}
		return c.ID, true, insertCaseLog(ctx, tx, caseLogRow{caseID: c.ID, op: opID, kind: kind, actor: actor, from: c.State, to: to, text: text})
	})
}

// Case returns a community's case by number, with its members. It returns
// *Error with ENOTFOUND.
func (db *DB) Case(ctx context.Context, community CommunityID, number int) (Case, error) {
	return readOne(ctx, db, func(q queryer) (Case, error) { return caseByNumber(ctx, q, community, number) })
}

// CaseInRoom is the case whose private space is room on platform.
func (db *DB) CaseInRoom(ctx context.Context, community CommunityID, platform, room string) (Case, bool, error) {
	tx, err := db.read(ctx)
	if err != nil {
		return Case{}, false, err
	}
	defer tx.Rollback()
	var id CaseID
	err = tx.QueryRowContext(ctx, "SELECT id FROM cases WHERE platform = ? AND room = ? AND community_id = ? AND room <> ''",
		platform, room, community).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return Case{}, false, nil
	}
	if err != nil {
		return Case{}, false, err
	}
	c, err := loadCase(ctx, tx, id)
	return c, err == nil, err
}

// CaseFilter selects cases.
type CaseFilter int

const (
	CasesAll     CaseFilter = iota // every case
	CasesPending                   // requested, open, in mediation or escalated
)

// Cases lists a community's cases by number (every community's when
// community is 0).
func (db *DB) Cases(ctx context.Context, community CommunityID, filter CaseFilter) ([]Case, error) {
	where := "(? = 0 OR community_id = ?)"
	if filter == CasesPending {
		where += " AND closed_at IS NULL"
	}
	return db.casesWhere(ctx, where+" ORDER BY community_id, number", community, community)
}

// CaseRooms maps each case room on a platform, of every community, to the
// user IDs of its members, so that an adapter keeping its rooms in memory
// finds them again after a restart.
func (db *DB) CaseRooms(ctx context.Context, platform string) (map[string][]string, error) {
	cs, err := db.Cases(ctx, 0, CasesAll)
	if err != nil {
		return nil, err
	}
	out := map[string][]string{}
	for _, c := range cs {
		if c.Platform != platform {
			continue
		}
		members := []string{}
		for _, m := range c.Members {
			members = append(members, m.UserID)
		}
		out[c.Room] = members
	}
	return out, nil
}

// CasesOf lists the cases an account takes part in, by number.
func (db *DB) CasesOf(ctx context.Context, community CommunityID, id Identity) ([]Case, error) {
	return db.casesWhere(ctx, `community_id = ? AND id IN (SELECT m.case_id FROM case_members m JOIN identities i ON i.account_id = m.account_id
		WHERE i.community_id = ? AND i.platform = ? AND i.user_id = ?) ORDER BY number`, community, community, id.Platform, id.UserID)
}

// NextCaseNumber is the number the next case of a community will get.
func (db *DB) NextCaseNumber(ctx context.Context, community CommunityID) (int, error) {
	tx, err := db.read(ctx)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	return nextCaseNumber(ctx, tx, community)
}

// CaseOp is the case an operation recorded under key acted on; found is
// false when nothing was recorded under it.
func (db *DB) CaseOp(ctx context.Context, key string) (number int, found bool, err error) {
	type result struct {
		number int
		found  bool
	}
	r, err := readOne(ctx, db, func(q queryer) (result, error) {
		op, found, err := caseOps.find(ctx, q, key)
		// A council draw is recorded in case_ops too, but acts on no case.
		if err != nil || !found || op.kind == opCouncilDraw {
			return result{}, err
		}
		var n int
		err = q.QueryRowContext(ctx, "SELECT number FROM cases WHERE id = ?", op.ref).Scan(&n)
		return result{n, err == nil}, err
	})
	return r.number, r.found, err
}

// CaseSpace is the private space of a case.
type CaseSpace struct {
	Community CommunityID
	Number    int
	Platform  string
	Room      string
}

// CaseSpaces lists the private spaces of every case, so that the bot knows
// which community a space belongs to.
func (db *DB) CaseSpaces(ctx context.Context) ([]CaseSpace, error) {
	return queryRows(ctx, db.reader, func(row rowScanner) (CaseSpace, error) {
		var s CaseSpace
		err := row.Scan(&s.Community, &s.Number, &s.Platform, &s.Room)
		return s, err
	}, "SELECT community_id, number, platform, room FROM cases WHERE room <> '' ORDER BY id")
}

// CaseLog lists a case's log, oldest first.
func (db *DB) CaseLog(ctx context.Context, id CaseID) ([]CaseLogEntry, error) {
	var out []CaseLogEntry
	err := db.eachCaseLog(ctx, "l.case_id = ?", []any{id}, func(e CaseLogEntry) error {
		out = append(out, e)
		return nil
	})
	return out, err
}

// EachCaseLog calls fn with every entry of every case's log, by community,
// case and time.
func (db *DB) EachCaseLog(ctx context.Context, fn func(CaseLogEntry) error) error {
	return db.eachCaseLog(ctx, "1", nil, fn)
}

func (db *DB) eachCaseLog(ctx context.Context, where string, args []any, fn func(CaseLogEntry) error) error {
	rows, err := db.reader.QueryContext(ctx, `SELECT l.id, l.case_id, c.community_id, c.number, l.kind,
		COALESCE(l.actor_id, 0), COALESCE(aa.display_name, ''), COALESCE(l.subject_id, 0), COALESCE(sa.display_name, ''),
		l.role, l.from_state, l.to_state, l.text, o.idem_key, l.created_at, h.hash
		FROM case_log l JOIN cases c ON c.id = l.case_id JOIN case_ops o ON o.id = l.op_id
		LEFT JOIN accounts aa ON aa.id = l.actor_id LEFT JOIN accounts sa ON sa.id = l.subject_id
		LEFT JOIN chain h ON h.tbl = 'case_log' AND h.row_id = l.id
		WHERE `+where+` ORDER BY c.community_id, c.number, l.id`, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var e CaseLogEntry
		var created int64
		if err := rows.Scan(&e.ID, &e.Case, &e.Community, &e.Number, &e.Kind, &e.Actor.Account, &e.Actor.Name,
			&e.Subject.Account, &e.Subject.Name, &e.Role, &e.From, &e.To, &e.Text, &e.Key, &created, &e.Hash); err != nil {
			return err
		}
		e.CreatedAt = unixUTC(created)
		if err := fn(e); err != nil {
			return err
		}
	}
	return rows.Err()
}

// DueCheckIns lists the open cases of a community whose check-in is due
// at asOf and that have a private space.
func (db *DB) DueCheckIns(ctx context.Context, community CommunityID, asOf time.Time) ([]Case, error) {
	return db.casesWhere(ctx, `community_id = ? AND closed_at IS NULL AND state IN ('open', 'in_mediation', 'escalated')
		AND room <> '' AND next_check_in IS NOT NULL AND next_check_in <= ? ORDER BY number`, community, asOf.Unix())
}

// RecordCheckIn records that the check-in of a case due at due was posted,
// and sets the next one. A check-in already recorded, or a case whose
// check-in moved meanwhile, is not recorded again: done is false.
func (db *DB) RecordCheckIn(ctx context.Context, id CaseID, due, next time.Time) (done bool, err error) {
	key := fmt.Sprintf("check-in:%d:%d", id, due.Unix())
	return db.botCaseOp(ctx, id, key, opCaseCheckIn, func(c Case) bool {
		return !c.NextCheckIn.IsZero() && c.NextCheckIn.Equal(due) && c.State.Active()
	}, func(tx *Tx, op int64) error {
		if _, err := tx.ExecContext(ctx, "UPDATE cases SET next_check_in = ? WHERE id = ?", next.Unix(), id); err != nil {
			return err
		}
		return insertCaseLog(ctx, tx, caseLogRow{caseID: id, op: op, kind: LogCheckIn, text: next.UTC().Format(time.RFC3339)})
	})
}

// InactiveCases lists the cases of a community, requested or active, with
// no action since before and not yet told to the moderators since their
// last action.
func (db *DB) InactiveCases(ctx context.Context, community CommunityID, before time.Time) ([]Case, error) {
	return db.casesWhere(ctx, `community_id = ? AND closed_at IS NULL AND last_activity <= ?
		AND (flagged_at IS NULL OR flagged_at <= last_activity) ORDER BY number`, community, before.Unix())
}

// FlagInactive records that a case's inactivity since lastActivity was told
// to the moderators; done is false when it was already, or when the case
// moved meanwhile.
func (db *DB) FlagInactive(ctx context.Context, id CaseID, lastActivity time.Time) (done bool, err error) {
	key := fmt.Sprintf("inactive:%d:%d", id, lastActivity.Unix())
	return db.botCaseOp(ctx, id, key, opCaseFlag, func(c Case) bool {
		return c.LastActivity.Equal(lastActivity) && !c.State.Closed()
	}, func(tx *Tx, op int64) error {
		if _, err := tx.ExecContext(ctx, "UPDATE cases SET flagged_at = ? WHERE id = ?", tx.now.Unix(), id); err != nil {
			return err
		}
		return insertCaseLog(ctx, tx, caseLogRow{caseID: id, op: op, kind: LogFlagged})
	})
}

// ConflictCounts implements ConflictCounter for the newsletter: how many
// cases were opened and closed in (from, to], and how many were open at
// to. Requests never opened are not counted.
func (db *DB) ConflictCounts(ctx context.Context, community CommunityID, from, to time.Time) (ConflictCounts, error) {
	var c ConflictCounts
	err := db.reader.QueryRowContext(ctx, `SELECT
		COALESCE(SUM(opened_at > ? AND opened_at <= ?), 0),
		COALESCE(SUM(opened_at IS NOT NULL AND closed_at > ? AND closed_at <= ?), 0),
		COALESCE(SUM(opened_at <= ? AND (closed_at IS NULL OR closed_at > ?)), 0)
		FROM cases WHERE community_id = ?`,
		from.Unix(), to.Unix(), from.Unix(), to.Unix(), to.Unix(), to.Unix(), community).Scan(&c.Opened, &c.Closed, &c.Open)
	return c, err
}

// caseCommand runs one case command in a group commit (keyed), its
// receipt built in its own savepoint: a key already recorded gets the case
// as it is now and write is not called; a key recorded for another
// request is ECONFLICT. write calls op to record the
// operation once it knows the case (its ID goes into the log), and says
// whether it changed anything; nothing is recorded when it did not.
func (db *DB) caseCommand(ctx context.Context, a CaseActor, fp, kind string,
	write func(tx *Tx, op func(CaseID) (int64, error)) (CaseID, bool, error)) (*CaseReceipt, error) {
	replay := func(tx *Tx, prior priorOp) (*CaseReceipt, error) {
		c, err := loadCase(ctx, tx, CaseID(prior.ref))
		if err != nil {
			return nil, err
		}
		return &CaseReceipt{Case: c, Replayed: true, Changed: true}, nil
	}
	return keyed(ctx, db, caseOps, a.Key, fp, kind, replay, func(tx *Tx) (*CaseReceipt, error) {
		recorded := false
		op := func(id CaseID) (int64, error) {
			actor, err := memberAccount(ctx, tx, a.Community, a.Actor)
			if err != nil {
				return 0, err
			}
			opID, err := caseOps.insert(ctx, tx, a.op(fp, kind, int64(id), actor.ID))
			if err != nil {
				return 0, fmt.Errorf("ledger: record %s: %w", kind, err)
			}
			recorded = true
			return opID, nil
		}
		id, changed, err := write(tx, op)
		if err != nil {
			return nil, err
		}
		if changed && !recorded {
			return nil, fmt.Errorf("ledger: %s changed case %d without recording its operation", kind, id)
		}
		c, err := loadCase(ctx, tx, id)
		if err != nil {
			return nil, err
		}
		return &CaseReceipt{Case: c, Changed: changed}, nil
	})
}

// botCaseOp runs a write of the scheduler on a case, keyed by key like
// every command: a key already recorded writes nothing. due says whether
// the case still needs it; write records it under the operation op.
func (db *DB) botCaseOp(ctx context.Context, id CaseID, key, kind string, due func(c Case) bool, write func(tx *Tx, op int64) error) (bool, error) {
	replay := func(*Tx, priorOp) (bool, error) { return false, nil }
	// The scheduler's operations have no actor, and no fingerprint: their
	// key names all they do.
	return keyed(ctx, db, caseOps, key, "", kind, replay, func(tx *Tx) (bool, error) {
		c, err := loadCase(ctx, tx, id)
		if err != nil || !due(c) {
			return false, err
		}
		op, err := caseOps.insert(ctx, tx, opRow{community: c.Community, key: key, kind: kind, ref: int64(id), source: "scheduler"})
		if err != nil {
			return false, fmt.Errorf("ledger: record %s: %w", kind, err)
		}
		return true, write(tx, op)
	})
}

// CaseStateError refuses what a case's state does not allow
// (ECASESTATE), with the state it is in.
type CaseStateError struct {
	Number int
	State  CaseState
}

func (e *CaseStateError) Error() string {
	return fmt.Sprintf("ledger: case #%d is %s", e.Number, e.State)
}

func (e *CaseStateError) code() Code { return ECASESTATE }

// CaseActError refuses an action on a case to someone who may not act on
// it (EFORBIDDEN): one of its parties, or someone neither a moderator nor
// its mediator.
type CaseActError struct {
	Number int
	Party  bool
}

func (e *CaseActError) Error() string {
	if e.Party {
		return fmt.Sprintf("ledger: a party to case #%d does not act on it", e.Number)
	}
	return fmt.Sprintf("ledger: only moderators and its mediators act on case #%d", e.Number)
}

func (e *CaseActError) code() Code { return EFORBIDDEN }

// MayAct is the rule of who acts on a case, for the ledger and the edge
// alike: a moderator, or one of its mediators, who is not one of its
// parties. acct is 0 for someone the ledger does not know.
func (c Case) MayAct(acct AccountID, moderator bool) error {
	role := CaseRole("")
	if acct != 0 {
		role = c.Role(acct)
	}
	switch {
	case role == RoleParty:
		return &CaseActError{Number: c.Number, Party: true}
	case !moderator && role != RoleMediator:
		return &CaseActError{Number: c.Number}
	}
	return nil
}

// activeCaseForAction is caseForAction for a case whose members may
// change: open, in mediation or escalated; *CaseStateError otherwise.
func activeCaseForAction(ctx context.Context, tx *Tx, a CaseActor, number int) (Case, AccountID, error) {
	c, actor, err := caseForAction(ctx, tx, a, number)
	if err == nil && !c.State.Active() {
		err = &CaseStateError{Number: c.Number, State: c.State}
	}
	return c, actor, err
}

// caseForAction is the numbered case if the actor may act on it: a
// moderator, or a mediator of the case, who is not one of its parties;
// EFORBIDDEN otherwise.
func caseForAction(ctx context.Context, tx *Tx, a CaseActor, number int) (Case, AccountID, error) {
	c, err := caseByNumber(ctx, tx, a.Community, number)
	if err != nil {
		return Case{}, 0, err
	}
	acct, found, err := lookupAccount(ctx, tx, a.Community, a.Actor)
	if err != nil {
		return Case{}, 0, err
	}
	if err := c.MayAct(acct, a.Moderator); err != nil {
		return Case{}, 0, err
	}
	if !found {
		m, err := memberAccount(ctx, tx, a.Community, a.Actor)
		if err != nil {
			return Case{}, 0, err
		}
		acct = m.ID
	}
	return c, acct, nil
}

func nextCaseNumber(ctx context.Context, q queryer, community CommunityID) (int, error) {
	return nextNumber(ctx, q, "cases", community)
}

func addCaseMember(ctx context.Context, tx *Tx, id CaseID, acct AccountID, role CaseRole, userID string) error {
	if _, err := tx.ExecContext(ctx, "INSERT INTO case_members (case_id, account_id, role, user_id, added_at) VALUES (?, ?, ?, ?, ?)",
		id, acct, role, userID, tx.now.Unix()); err != nil {
		return fmt.Errorf("ledger: add case member: %w", err)
	}
	return nil
}

// acted records, through a caseCommand's op, a person's action on a case
// and marks the case's last activity: inactivity is counted from it.
func acted(ctx context.Context, tx *Tx, op func(CaseID) (int64, error), id CaseID) (int64, error) {
	opID, err := op(id)
	if err != nil {
		return 0, err
	}
	if _, err := tx.ExecContext(ctx, "UPDATE cases SET last_activity = ? WHERE id = ?", tx.now.Unix(), id); err != nil {
		return 0, err
	}
	return opID, nil
}

// UserOn is an account's identity on a platform, "" when it has none.
func (db *DB) UserOn(ctx context.Context, account AccountID, platform string) (string, error) {
	return userOnPlatform(ctx, db.reader, account, platform)
}

// userOnPlatform is an account's identity on a platform, "" for none.
func userOnPlatform(ctx context.Context, q queryer, acct AccountID, platform string) (string, error) {
	var uid string
	err := q.QueryRowContext(ctx, "SELECT COALESCE(MIN(user_id), '') FROM identities WHERE account_id = ? AND platform = ?", acct, platform).Scan(&uid)
	return uid, err
}

type caseLogRow struct {
	caseID   CaseID
	op       int64
	kind     CaseLogKind
	actor    AccountID // 0: the bot
	subject  AccountID
	role     CaseRole
	from, to CaseState
	text     string
}

func insertCaseLog(ctx context.Context, tx *Tx, r caseLogRow) error {
	if _, err := tx.ExecContext(ctx, `INSERT INTO case_log (case_id, op_id, kind, actor_id, subject_id, role, from_state, to_state, text, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, r.caseID, r.op, r.kind, nullIfZero(r.actor), nullIfZero(r.subject), r.role, r.from, r.to,
		r.text, tx.now.Unix()); err != nil {
		return fmt.Errorf("ledger: case log: %w", err)
	}
	return nil
}

// casesWhere loads, from one snapshot, the cases a condition selects.
func (db *DB) casesWhere(ctx context.Context, where string, args ...any) ([]Case, error) {
	return loadAll(ctx, db, loadCase, "SELECT id FROM cases WHERE "+where, args...)
}

func caseByNumber(ctx context.Context, q queryer, community CommunityID, number int) (Case, error) {
	return byNumber(ctx, q, "cases", "case", community, number, loadCase)
}

func loadCase(ctx context.Context, q queryer, id CaseID) (Case, error) {
	var c Case
	var next, flagged, opened, closed sql.NullInt64
	var last, created int64
	err := q.QueryRowContext(ctx, `SELECT c.id, c.community_id, c.number, c.state, c.topic, c.platform, c.room, c.next_check_in,
		c.last_activity, c.flagged_at, c.created_by, a.display_name, c.created_at, c.opened_at, c.closed_at, c.summary
		FROM cases c JOIN accounts a ON a.id = c.created_by WHERE c.id = ?`, id).Scan(&c.ID, &c.Community, &c.Number, &c.State,
		&c.Topic, &c.Platform, &c.Room, &next, &last, &flagged, &c.CreatedBy.Account, &c.CreatedBy.Name, &created, &opened, &closed, &c.Summary)
	if errors.Is(err, sql.ErrNoRows) {
		return Case{}, errorf(ENOTFOUND, "no case %d", id)
	}
	if err != nil {
		return Case{}, err
	}
	c.NextCheckIn, c.FlaggedAt, c.OpenedAt, c.ClosedAt = nullTime(next), nullTime(flagged), nullTime(opened), nullTime(closed)
	c.LastActivity, c.CreatedAt = unixUTC(last), unixUTC(created)
	c.Members, err = queryRows(ctx, q, scanCaseMember, `SELECT m.account_id, a.display_name, m.user_id, m.role, m.added_at
		FROM case_members m JOIN accounts a ON a.id = m.account_id WHERE m.case_id = ?
		ORDER BY m.role = 'mediator', a.display_name COLLATE NOCASE, a.id`, id)
	if err != nil {
		return Case{}, err
	}
	return c, nil
}

func scanCaseMember(row rowScanner) (CaseMember, error) {
	var m CaseMember
	var added int64
	err := row.Scan(&m.Account, &m.Name, &m.UserID, &m.Role, &added)
	m.AddedAt = unixUTC(added)
	return m, err
}
