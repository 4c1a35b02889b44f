package ledger

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Decision error codes, beyond the common ones (ENOTFOUND: no such
// proposal; EFORBIDDEN: not the proposer, nor a moderator where one may;
// ENOTHING: no standing objection to withdraw or resolve).
const (
	ECLOSED      Code = "closed"       // the proposal is closed, or its deadline has passed
	ENOTELIGIBLE Code = "not_eligible" // the member was not a member when the proposal opened
	EDEADLINE    Code = "deadline"     // the deadline is past, or further than MaxDeadlineAhead
	ENOREASON    Code = "no_reason"    // an objection or concern without its reason
	EUNCHANGED   Code = "unchanged"    // an amendment with the text of the current version
)

const (
	// MaxProposalLength is the longest proposal text, in characters.
	MaxProposalLength = 1500
	// MaxResponseLength is the longest concern, objection or resolution reason.
	MaxResponseLength = 1000
	// MaxDeadlineAhead is how far in the future a deadline may be.
	MaxDeadlineAhead = 90 * 24 * time.Hour
	// ReminderLead is how long before its deadline a proposal's "closing
	// soon" reminder is due.
	ReminderLead = 24 * time.Hour
)

type (
	ProposalID int64
	ResponseID int64
)

// ResponseKind is what a member answered to a proposal.
type ResponseKind string

const (
	Consent    ResponseKind = "consent"
	Concern    ResponseKind = "concern"     // consent, with a concern recorded and shown
	StandAside ResponseKind = "stand_aside" // neither for nor against
	Objection  ResponseKind = "objection"   // blocks while it stands; needs a reason
	Withdrawn  ResponseKind = "withdrawn"   // the member withdrew their objection
)

func (k ResponseKind) valid() bool {
	switch k {
	case Consent, Concern, StandAside, Objection, Withdrawn:
		return true
	}
	return false
}

// ResolutionKind is a facilitator's decision on an objection.
type ResolutionKind string

const (
	Integrated   ResolutionKind = "integrated"    // the objection was taken into the proposal
	NotParamount ResolutionKind = "not_paramount" // the objection does not block
)

// Outcome is how a proposal closed.
type Outcome string

const (
	Adopted    Outcome = "adopted"
	NotAdopted Outcome = "not_adopted"
)

// DecisionOp is the kind of decision command an idempotency key recorded.
type DecisionOp string

const (
	OpPropose DecisionOp = "propose"
	OpRespond DecisionOp = "respond"
	OpAmend   DecisionOp = "amend"
	OpResolve DecisionOp = "resolve"
	OpClose   DecisionOp = "close"
)

// Voter is a member as a proposal names them.
type Voter struct {
	Account AccountID
	Name    string
	// UserID is the member's identity on the proposal's platform, to
	// mention them where the card is; "" when they have none there.
	UserID string
}

// Version is one text of a proposal; an amendment adds one.
type Version struct {
	Number    int
	Text      string
	CreatedAt time.Time
}

// Resolution is a facilitator's decision on one objection.
type Resolution struct {
	Kind      ResolutionKind
	Reason    string
	Actor     Voter
	CreatedAt time.Time
}

// Response is one row of the responses' history.
type Response struct {
	ID         ResponseID
	Version    int
	Voter      Voter
	Kind       ResponseKind
	Text       string
	CreatedAt  time.Time
	Resolution *Resolution // for an objection a facilitator resolved
}

// Proposal is a proposal with its whole history.
type Proposal struct {
	ID        ProposalID
	Community CommunityID
	Number    int
	Proposer  Voter
	Platform  string
	Room      string
	Thread    string
	Card      string // the card's platform message ID, "" if none
	Deadline  time.Time
	OpenedAt  time.Time
	Quorum    int // respondents the last round needs
	ClosedAt  time.Time
	Outcome   Outcome
	ClosedBy  *Voter // nil when it closed at its deadline (or is open)
	// CloseReason is why a moderator closed it before its deadline, ""
	// otherwise.
	CloseReason string
	// Group is the working group that decides it, 0 for the community.
	Group     GroupID
	GroupName string

	RemindedAt  time.Time
	AnnouncedAt time.Time

	Versions  []Version // from 1
	Eligible  []Voter   // by name
	Responses []Response
}

// Open is true until the proposal closes.
func (p Proposal) Open() bool { return p.ClosedAt.IsZero() }

// Version is the number of the current version.
func (p Proposal) Version() int { return len(p.Versions) }

// Text is the current version's text.
func (p Proposal) Text() string {
	if len(p.Versions) == 0 {
		return ""
	}
	return p.Versions[len(p.Versions)-1].Text
}

// IsEligible reports whether account may respond.
func (p Proposal) IsEligible(account AccountID) bool {
	for _, v := range p.Eligible {
		if v.Account == account {
			return true
		}
	}
	return false
}

// Current is each member's latest response in version v, by account.
func (p Proposal) Current(v int) map[AccountID]Response {
	out := map[AccountID]Response{}
	for _, r := range p.Responses {
		if r.Version == v {
			out[r.Voter.Account] = r
		}
	}
	return out
}

// Tally counts a round: the members' current responses in one version.
type Tally struct {
	Version    int
	Consent    []Response
	Concern    []Response
	StandAside []Response
	Standing   []Response // objections that stand
	Resolved   []Response // objections a facilitator resolved
	Withdrawn  []Response
	Responded  int
	Waiting    []Voter // eligible members who have not responded, by name
	Eligible   int
	Quorum     int
}

// QuorumMet is true when enough members responded.
func (t Tally) QuorumMet() bool { return t.Responded >= t.Quorum }

// Tally counts the current round.
func (p Proposal) Tally() Tally { return p.TallyOf(p.Version()) }

// TallyOf counts the round of version v, in the order members responded.
func (p Proposal) TallyOf(v int) Tally {
	t := Tally{Version: v, Eligible: len(p.Eligible), Quorum: p.Quorum}
	cur := p.Current(v)
	for _, r := range p.Responses {
		if r.Version != v || cur[r.Voter.Account].ID != r.ID {
			continue
		}
		t.Responded++
		switch r.Kind {
		case Consent:
			t.Consent = append(t.Consent, r)
		case Concern:
			t.Concern = append(t.Concern, r)
		case StandAside:
			t.StandAside = append(t.StandAside, r)
		case Withdrawn:
			t.Withdrawn = append(t.Withdrawn, r)
		case Objection:
			if r.Resolution != nil {
				t.Resolved = append(t.Resolved, r)
			} else {
				t.Standing = append(t.Standing, r)
			}
		}
	}
	for _, v := range p.Eligible {
		if _, ok := cur[v.Account]; !ok {
			t.Waiting = append(t.Waiting, v)
		}
	}
	return t
}

// Decide applies the rule of consent to the current round: adopted when no
// objection stands and the quorum is met. An objection stands unless its
// author withdrew it or responded otherwise since, a facilitator resolved
// it, or an amendment started a new round.
func (p Proposal) Decide() Outcome {
	t := p.Tally()
	if len(t.Standing) == 0 && t.QuorumMet() {
		return Adopted
	}
	return NotAdopted
}

// ObjectionState is what became of an objection.
type ObjectionState string

const (
	ObjectionStanding   ObjectionState = "standing"
	ObjectionWithdrawn  ObjectionState = "withdrawn"  // by its author
	ObjectionChanged    ObjectionState = "changed"    // its author responded otherwise since
	ObjectionResolved   ObjectionState = "resolved"   // by a facilitator; see Resolution
	ObjectionSuperseded ObjectionState = "superseded" // an amendment started a new round
)

// Objections lists every objection ever raised, oldest first.
func (p Proposal) Objections() []Response {
	var out []Response
	for _, r := range p.Responses {
		if r.Kind == Objection {
			out = append(out, r)
		}
	}
	return out
}

// ObjectionState says what became of objection r; next is the author's
// following response in the same version, when there is one.
func (p Proposal) ObjectionState(r Response) (ObjectionState, *Response) {
	if r.Resolution != nil {
		return ObjectionResolved, nil
	}
	for i := range p.Responses {
		n := p.Responses[i]
		if n.ID > r.ID && n.Version == r.Version && n.Voter.Account == r.Voter.Account {
			if n.Kind == Withdrawn {
				return ObjectionWithdrawn, &n
			}
			return ObjectionChanged, &n
		}
	}
	if r.Version < p.Version() {
		return ObjectionSuperseded, nil
	}
	return ObjectionStanding, nil
}

// DecisionReceipt is what a decision command returns, the same on a replay
// of its key.
type DecisionReceipt struct {
	Op       DecisionOp
	Proposal Proposal // as it is after the command (now, on a replay)
	Replayed bool
	// Response is the response a respond wrote (or the current one when
	// Unchanged), or the objection a resolve resolved.
	Response *Response
	// Previous is the member's response before Response in the same round.
	Previous *Response
	// Unchanged is true when a respond repeated the member's current
	// response: nothing was written.
	Unchanged bool
	// Version is the version an amend wrote.
	Version int
}

// ProposeRequest opens a proposal. The card goes to Room on Source.
type ProposeRequest struct {
	Header
	Room     string
	Text     string
	Deadline time.Time
	// DeadlineInput is the deadline as typed ("" for the default): with
	// the text it identifies the request, since the deadline itself
	// depends on when the command is read.
	DeadlineInput string
	// The quorum: a number of respondents, or a percentage of the eligible
	// members (rounded up) when QuorumPercent is set; zero for none.
	QuorumCount   int
	QuorumPercent int
	// Group limits the proposal to a working group: its members when it
	// opens are the eligible voters. 0 for the whole community.
	Group GroupID
}

// Propose opens proposal #N with the community's members as its eligible
// voters. It returns *Error with EINVALID (no text, or too long) or
// EDEADLINE (past, or further than MaxDeadlineAhead).
func (db *DB) Propose(ctx context.Context, req ProposeRequest) (*DecisionReceipt, error) {
	text, err := requiredText(lines("proposal", req.Text), "a proposal", MaxProposalLength)
	if err != nil {
		return nil, err
	}
	switch {
	case req.Room == "" || req.Source == "":
		return nil, errorf(EINVALID, "a proposal needs a platform and a room")
	case req.QuorumCount < 0 || req.QuorumPercent < 0 || req.QuorumPercent > 100:
		return nil, errorf(EINVALID, "quorum %d or %d%%", req.QuorumCount, req.QuorumPercent)
	}
	fp := fingerprint(OpPropose, req.Community, req.Actor, req.Room, text, req.DeadlineInput)
	if req.Group != 0 {
		fp = fingerprint(fp, req.Group)
	}
	return db.decide(ctx, req.Key, fp, OpPropose, func(tx *Tx, rec *DecisionReceipt) (int64, ProposalID, error) {
		if !req.Deadline.After(tx.now) || req.Deadline.Sub(tx.now) > MaxDeadlineAhead {
			return 0, 0, errorf(EDEADLINE, "deadline %s is out of range", req.Deadline)
		}
		actor, err := memberAccount(ctx, tx, req.Community, req.Actor)
		if err != nil {
			return 0, 0, err
		}
		number, err := nextNumber(ctx, tx, "proposals", req.Community)
		if err != nil {
			return 0, 0, err
		}
		where, whereArgs := eligibleWhere, []any{req.Community}
		if req.Group != 0 {
			if err := checkGroup(ctx, tx, req.Community, req.Group); err != nil {
				return 0, 0, err
			}
			where, whereArgs = groupEligibleWhere, []any{req.Community, req.Group}
		}
		var eligible int
		if err := tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM accounts a WHERE "+where, whereArgs...).Scan(&eligible); err != nil {
			return 0, 0, err
		}
		quorum := req.QuorumCount
		if req.QuorumPercent > 0 {
			quorum = (req.QuorumPercent*eligible + 99) / 100
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO proposals
			(community_id, number, proposer_id, platform, room, deadline, quorum, opened_at, idem_key, group_id)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			req.Community, number, actor.ID, req.Source, req.Room, req.Deadline.Unix(), quorum, tx.now.Unix(), req.Key, nullIfZero(req.Group))
		if err != nil {
			return 0, 0, fmt.Errorf("ledger: insert proposal: %w", err)
		}
		n, _ := res.LastInsertId()
		pid := ProposalID(n)
		if _, err := tx.ExecContext(ctx, `INSERT INTO proposal_eligible (proposal_id, account_id)
			SELECT ?, a.id FROM accounts a WHERE `+where, append([]any{pid}, whereArgs...)...); err != nil {
			return 0, 0, fmt.Errorf("ledger: eligibility snapshot: %w", err)
		}
		op, err := insertDecisionOp(ctx, tx, req.Header, fp, OpPropose, pid, actor.ID)
		if err != nil {
			return 0, 0, err
		}
		if err := insertVersion(ctx, tx, pid, 1, text, op); err != nil {
			return 0, 0, err
		}
		return op, pid, nil
	})
}

// The eligible members of a community: its member accounts that still
// hold a platform identity (an account whose identities were all linked
// into another one is nobody any more).
const (
	eligibleWhere = `a.community_id = ? AND a.kind = 'member'
		AND EXISTS (SELECT 1 FROM identities i WHERE i.account_id = a.id)`
	eligibleCount = "SELECT COUNT(*) FROM accounts a WHERE " + eligibleWhere
	// groupEligibleWhere: the eligible members who are in a group.
	groupEligibleWhere = eligibleWhere + " AND a.id IN (SELECT account_id FROM group_members WHERE group_id = ?)"
)

// RespondRequest records a member's response to proposal #Number.
type RespondRequest struct {
	Header
	Number int
	Kind   ResponseKind
	Text   string // the concern or the objection's reason
}

// Respond records a response, appending to the history: a member's
// current response is their latest in the current version. Withdrawn
// takes back the member's standing objection. It returns *Error with
// ENOTFOUND, ECLOSED, ENOTELIGIBLE, ENOREASON (a concern or objection
// without text), ENOTHING (no standing objection to withdraw) or EINVALID.
func (db *DB) Respond(ctx context.Context, req RespondRequest) (*DecisionReceipt, error) {
	text, err := optionalText(lines("response", req.Text), MaxResponseLength)
	if err != nil {
		return nil, err
	}
	switch {
	case !req.Kind.valid():
		return nil, errorf(EINVALID, "response kind %q", req.Kind)
	case (req.Kind == Objection || req.Kind == Concern) && text == "":
		return nil, errorf(ENOREASON, "%s needs a reason", req.Kind)
	}
	fp := fingerprint(OpRespond, req.Community, req.Actor, req.Number, req.Kind, text)
	return db.decide(ctx, req.Key, fp, OpRespond, func(tx *Tx, rec *DecisionReceipt) (int64, ProposalID, error) {
		p, err := openProposal(ctx, tx, req.Community, req.Number)
		if err != nil {
			return 0, 0, err
		}
		acct, err := eligibleAccount(ctx, tx, &p, req.Actor)
		if err != nil {
			return 0, 0, err
		}
		cur, has := p.Current(p.Version())[acct]
		if req.Kind == Withdrawn && (!has || cur.Kind != Objection || cur.Resolution != nil) {
			return 0, 0, errorf(ENOTHING, "no standing objection to withdraw")
		}
		if has && cur.Kind == req.Kind && cur.Text == text {
			rec.Unchanged = true
			rec.Response = &cur
			return 0, p.ID, nil
		}
		op, err := insertDecisionOp(ctx, tx, req.Header, fp, OpRespond, p.ID, acct)
		if err != nil {
			return 0, 0, err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO responses (proposal_id, version, account_id, kind, text, op_id, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, p.ID, p.Version(), acct, req.Kind, text, op, tx.now.Unix()); err != nil {
			return 0, 0, fmt.Errorf("ledger: insert response: %w", err)
		}
		return op, p.ID, nil
	})
}

// AmendRequest replaces the text of proposal #Number with a new version.
type AmendRequest struct {
	Header
	Number int
	Text   string
}

// Amend adds a version: a new round starts, in which every member responds
// again. Only the proposer may amend. It returns *Error with ENOTFOUND,
// ECLOSED, EFORBIDDEN, EUNCHANGED or EINVALID.
func (db *DB) Amend(ctx context.Context, req AmendRequest) (*DecisionReceipt, error) {
	text, err := requiredText(lines("proposal", req.Text), "an amendment", MaxProposalLength)
	if err != nil {
		return nil, err
	}
	fp := fingerprint(OpAmend, req.Community, req.Actor, req.Number, text)
	return db.decide(ctx, req.Key, fp, OpAmend, func(tx *Tx, rec *DecisionReceipt) (int64, ProposalID, error) {
		p, err := openProposal(ctx, tx, req.Community, req.Number)
		if err != nil {
			return 0, 0, err
		}
		acct, found, err := lookupAccount(ctx, tx, req.Community, req.Actor)
		if err != nil {
			return 0, 0, err
		}
		if !found || acct != p.Proposer.Account {
			return 0, 0, errorf(EFORBIDDEN, "only the proposer may amend")
		}
		if text == p.Text() {
			return 0, 0, errorf(EUNCHANGED, "the text is that of version %d", p.Version())
		}
		op, err := insertDecisionOp(ctx, tx, req.Header, fp, OpAmend, p.ID, acct)
		if err != nil {
			return 0, 0, err
		}
		return op, p.ID, insertVersion(ctx, tx, p.ID, p.Version()+1, text, op)
	})
}

// ResolveRequest records a facilitator's decision on Member's standing
// objection to proposal #Number. The caller checks the actor may.
type ResolveRequest struct {
	Header
	Number int
	Member Identity
	Kind   ResolutionKind
	Reason string
}

// Resolve marks an objection integrated or not paramount, with its reason;
// it no longer blocks. It returns *Error with ENOTFOUND, ECLOSED, ENOTHING
// (the member has no standing objection), ENOREASON or EINVALID.
func (db *DB) Resolve(ctx context.Context, req ResolveRequest) (*DecisionReceipt, error) {
	reason, err := optionalText(lines("reason", req.Reason), MaxResponseLength)
	if err != nil {
		return nil, err
	}
	switch {
	case req.Kind != Integrated && req.Kind != NotParamount:
		return nil, errorf(EINVALID, "resolution %q", req.Kind)
	case reason == "":
		return nil, errorf(ENOREASON, "a resolution needs a reason")
	}
	fp := fingerprint(OpResolve, req.Community, req.Actor, req.Number, req.Member, req.Kind, reason)
	return db.decide(ctx, req.Key, fp, OpResolve, func(tx *Tx, rec *DecisionReceipt) (int64, ProposalID, error) {
		p, err := openProposal(ctx, tx, req.Community, req.Number)
		if err != nil {
			return 0, 0, err
		}
		member, found, err := lookupAccount(ctx, tx, req.Community, req.Member)
		if err != nil {
			return 0, 0, err
		}
		cur, has := p.Current(p.Version())[member]
		if !found || !has || cur.Kind != Objection || cur.Resolution != nil {
			return 0, 0, errorf(ENOTHING, "no standing objection from %s:%s", req.Member.Platform, req.Member.UserID)
		}
		actor, err := memberAccount(ctx, tx, req.Community, req.Actor)
		if err != nil {
			return 0, 0, err
		}
		op, err := insertDecisionOp(ctx, tx, req.Header, fp, OpResolve, p.ID, actor.ID)
		if err != nil {
			return 0, 0, err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO objection_resolutions (response_id, kind, reason, actor_id, op_id, created_at)
			VALUES (?, ?, ?, ?, ?, ?)`, cur.ID, req.Kind, reason, actor.ID, op, tx.now.Unix()); err != nil {
			return 0, 0, fmt.Errorf("ledger: insert resolution: %w", err)
		}
		return op, p.ID, nil
	})
}

// CloseRequest closes proposal #Number before its deadline.
type CloseRequest struct {
	Header
	Number int
	// Moderator says the actor is a moderator.
	Moderator bool
	// Reason is why a moderator closes it while members have not all
	// responded; it is recorded with the close.
	Reason string
}

// EarlyCloseError refuses to close a proposal before its deadline, with
// what the refusal needs to say what to do instead.
type EarlyCloseError struct {
	Number   int
	Deadline time.Time
	Waiting  int  // eligible members who have not responded yet
	Proposer bool // the actor proposed it
	// Moderator is set when the actor is a moderator: without a reason, or
	// on their own proposal.
	Moderator bool
}

func (e *EarlyCloseError) Error() string {
	return fmt.Sprintf("ledger: proposal #%d cannot close before %s: %d members have not responded", e.Number, e.Deadline, e.Waiting)
}

// CloseProposal decides proposal #Number now. Nobody decides alone: before
// its deadline a proposal closes only when every eligible member has
// responded (by its proposer or a moderator), or when a moderator who did
// not propose it gives a reason. Any other early close is *EarlyCloseError.
// It also returns *Error with ENOTFOUND, ECLOSED, EFORBIDDEN (neither the
// proposer nor a moderator) or EINVALID (a reason too long).
func (db *DB) CloseProposal(ctx context.Context, req CloseRequest) (*DecisionReceipt, error) {
	reason, err := optionalText(line("reason", req.Reason), MaxNoteLength)
	if err != nil {
		return nil, err
	}
	fp := fingerprint(OpClose, req.Community, req.Actor, req.Number)
	if reason != "" {
		fp = fingerprint(fp, reason)
	}
	return db.decide(ctx, req.Key, fp, OpClose, func(tx *Tx, rec *DecisionReceipt) (int64, ProposalID, error) {
		p, err := proposalByNumber(ctx, tx, req.Community, req.Number)
		if err != nil {
			return 0, 0, err
		}
		if !p.Open() {
			return 0, 0, errorf(ECLOSED, "proposal #%d is closed", p.Number)
		}
		acct, found, err := lookupAccount(ctx, tx, req.Community, req.Actor)
		if err != nil {
			return 0, 0, err
		}
		proposer := found && acct == p.Proposer.Account
		if !req.Moderator && !proposer {
			return 0, 0, &CloseForbiddenError{Number: p.Number, Proposer: p.Proposer.Name, Deadline: p.Deadline}
		}
		waiting := len(p.Tally().Waiting)
		switch {
		case waiting == 0:
			reason = "" // everyone answered: the close needs no reason
		case req.Moderator && !proposer && reason != "":
		default:
			return 0, 0, &EarlyCloseError{Number: p.Number, Deadline: p.Deadline, Waiting: waiting, Proposer: proposer, Moderator: req.Moderator}
		}
		if !found {
			a, err := memberAccount(ctx, tx, req.Community, req.Actor)
			if err != nil {
				return 0, 0, err
			}
			acct = a.ID
		}
		op, err := insertDecisionOp(ctx, tx, req.Header, fp, OpClose, p.ID, acct)
		if err != nil {
			return 0, 0, err
		}
		return op, p.ID, closeProposal(ctx, tx, &p, acct, reason)
	})
}

// CloseDue closes the community's open proposals whose deadline is at or
// before asOf, in one transaction, and returns them closed.
func (db *DB) CloseDue(ctx context.Context, community CommunityID, asOf time.Time) ([]Proposal, error) {
	return inTx(ctx, db, func(tx *Tx) ([]Proposal, error) {
		ids, err := scanIDs[ProposalID](ctx, tx, `SELECT id FROM proposals
			WHERE community_id = ? AND closed_at IS NULL AND deadline <= ? ORDER BY number`, community, asOf.Unix())
		if err != nil {
			return nil, err
		}
		var out []Proposal
		for _, id := range ids {
			p, err := loadProposal(ctx, tx, id)
			if err != nil {
				return nil, err
			}
			if err := closeProposal(ctx, tx, &p, 0, ""); err != nil {
				return nil, err
			}
			if p, err = loadProposal(ctx, tx, id); err != nil {
				return nil, err
			}
			out = append(out, p)
		}
		return out, nil
	})
}

func closeProposal(ctx context.Context, tx *Tx, p *Proposal, by AccountID, reason string) error {
	res, err := tx.ExecContext(ctx, "UPDATE proposals SET closed_at = ?, outcome = ?, closed_by = ?, close_reason = ? WHERE id = ? AND closed_at IS NULL",
		tx.now.Unix(), p.Decide(), nullIfZero(by), reason, p.ID)
	if err != nil {
		return fmt.Errorf("ledger: close proposal: %w", err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return errorf(ECLOSED, "proposal #%d is closed", p.Number)
	}
	return nil
}

// Unannounced lists the community's closed proposals whose outcome has not
// been marked announced, oldest first.
func (db *DB) Unannounced(ctx context.Context, community CommunityID) ([]Proposal, error) {
	return db.proposals(ctx, `SELECT id FROM proposals
		WHERE community_id = ? AND closed_at IS NOT NULL AND announced_at IS NULL ORDER BY number`, community)
}

// MarkAnnounced records that a proposal's outcome was posted. Marking twice
// changes nothing.
func (db *DB) MarkAnnounced(ctx context.Context, id ProposalID) error {
	return db.mark(ctx, "UPDATE proposals SET announced_at = ? WHERE id = ? AND announced_at IS NULL AND closed_at IS NOT NULL", id)
}

// DueReminders lists the community's open proposals whose "closing soon"
// reminder is due at asOf: within ReminderLead of the deadline, not yet
// reminded, and opened more than ReminderLead before the deadline (one
// opened for less has just been announced).
func (db *DB) DueReminders(ctx context.Context, community CommunityID, asOf time.Time) ([]Proposal, error) {
	lead := int64(ReminderLead / time.Second)
	return db.proposals(ctx, `SELECT id FROM proposals
		WHERE community_id = ? AND closed_at IS NULL AND reminded_at IS NULL
		  AND deadline > ? AND deadline - ? <= ? AND opened_at <= deadline - ? ORDER BY number`,
		community, asOf.Unix(), lead, asOf.Unix(), lead)
}

// MarkReminded records that a proposal's reminder was sent.
func (db *DB) MarkReminded(ctx context.Context, id ProposalID) error {
	return db.mark(ctx, "UPDATE proposals SET reminded_at = ? WHERE id = ? AND reminded_at IS NULL", id)
}

func (db *DB) mark(ctx context.Context, query string, id ProposalID) error {
	if err := db.execNow(ctx, query, id); err != nil {
		return fmt.Errorf("ledger: mark proposal %d: %w", id, err)
	}
	return nil
}

// SetCard records where a proposal's card was posted and its discussion
// thread; each is set once, and "" leaves it as it is.
func (db *DB) SetCard(ctx context.Context, id ProposalID, card, thread string) error {
	if err := db.exec(ctx, `UPDATE proposals SET
		card = CASE WHEN card = '' THEN ? ELSE card END,
		thread = CASE WHEN thread = '' THEN ? ELSE thread END WHERE id = ?`, card, thread, id); err != nil {
		return fmt.Errorf("ledger: set card: %w", err)
	}
	return nil
}

// Proposal returns proposal #number of a community with its history.
func (db *DB) Proposal(ctx context.Context, community CommunityID, number int) (Proposal, error) {
	return readOne(ctx, db, func(q queryer) (Proposal, error) { return proposalByNumber(ctx, q, community, number) })
}

// ProposalFilter chooses which proposals Proposals lists.
type ProposalFilter string

const (
	ProposalsOpen    ProposalFilter = "open"
	ProposalsAdopted ProposalFilter = "adopted"
	ProposalsAll     ProposalFilter = "all"
)

// Proposals lists a community's proposals (every community's when
// community is 0), newest first, each with its history.
func (db *DB) Proposals(ctx context.Context, community CommunityID, filter ProposalFilter) ([]Proposal, error) {
	where := map[ProposalFilter]string{
		ProposalsOpen:    " AND closed_at IS NULL",
		ProposalsAdopted: " AND outcome = 'adopted'",
		ProposalsAll:     "",
	}
	cond, ok := where[filter]
	if !ok {
		return nil, errorf(EINVALID, "filter %q", filter)
	}
	return db.proposals(ctx, "SELECT id FROM proposals WHERE (? = 0 OR community_id = ?)"+cond+
		" ORDER BY community_id, number DESC", community, community)
}

// EnsureMember returns the account of an identity, creating it if the
// ledger has never seen it, so that a member counts (for a proposal's
// eligibility, for instance) before their first exchange.
func (db *DB) EnsureMember(ctx context.Context, community CommunityID, id Identity) (Account, error) {
	return inTx(ctx, db, func(tx *Tx) (Account, error) { return memberAccount(ctx, tx, community, id) })
}

// EnsureMembers makes each identity a member of the community from now,
// in one transaction: the platforms' room members count before they ever
// type a command. Identities the ledger knows are left as they are.
func (db *DB) EnsureMembers(ctx context.Context, community CommunityID, ids []Identity) error {
	if len(ids) == 0 {
		return nil
	}
	_, err := inTx(ctx, db, func(tx *Tx) (struct{}, error) {
		for _, id := range ids {
			if _, err := memberAccount(ctx, tx, community, id); err != nil {
				return struct{}{}, err
			}
		}
		return struct{}{}, nil
	})
	return err
}

// proposals loads, from one snapshot, the proposals a query's ids name.
func (db *DB) proposals(ctx context.Context, query string, args ...any) ([]Proposal, error) {
	return loadAll(ctx, db, loadProposal, query, args...)
}

// decide runs one decision command in a group commit (keyed): a key already
// recorded gets its original result back and write is not called; a key
// recorded for another request is ECONFLICT. write returns the decision
// operation it recorded, 0 when it wrote nothing.
//
// What the command recorded (the response, the version) is found inside
// its transaction, like every receipt. The proposal the receipt carries,
// whose live tally goes on the card, is read after the commit instead: a
// command of a group commit would otherwise show the tally without the
// responses committed with it after its own, and a card edited last from
// such a receipt would stay one vote short. Loading every response of a
// proposal is also work the single writer need not do.
func (db *DB) decide(ctx context.Context, key, fp string, kind DecisionOp,
	write func(tx *Tx, rec *DecisionReceipt) (op int64, p ProposalID, err error)) (*DecisionReceipt, error) {
	var pid ProposalID
	var rid ResponseID // the response the command wrote or resolved
	replay := func(tx *Tx, prior priorOp) (*DecisionReceipt, error) {
		pid = ProposalID(prior.ref)
		rec := &DecisionReceipt{Op: kind, Replayed: true}
		var err error
		rid, err = recorded(ctx, tx, rec, prior.id)
		return rec, err
	}
	rec, err := keyed(ctx, db, decisionOps, key, fp, string(kind), replay, func(tx *Tx) (*DecisionReceipt, error) {
		rec := &DecisionReceipt{Op: kind}
		op, p, err := write(tx, rec)
		if err != nil {
			return nil, err
		}
		pid = p
		if op != 0 {
			rid, err = recorded(ctx, tx, rec, op)
		}
		return rec, err
	})
	if err != nil {
		return nil, err
	}
	p, err := readOne(ctx, db, func(q queryer) (Proposal, error) { return loadProposal(ctx, q, pid) })
	if err != nil {
		return nil, err
	}
	rec.Proposal = p
	if rid != 0 {
		rec.pointAt(rid)
	}
	return rec, nil
}

// recorded is what decision operation op wrote: the version of an amend,
// set on rec, or the response a respond wrote or a resolve resolved.
func recorded(ctx context.Context, tx *Tx, rec *DecisionReceipt, op int64) (ResponseID, error) {
	var rid ResponseID
	var err error
	switch rec.Op {
	case OpRespond:
		err = tx.QueryRowContext(ctx, "SELECT id FROM responses WHERE op_id = ?", op).Scan(&rid)
	case OpResolve:
		err = tx.QueryRowContext(ctx, "SELECT response_id FROM objection_resolutions WHERE op_id = ?", op).Scan(&rid)
	case OpAmend:
		err = tx.QueryRowContext(ctx, "SELECT version FROM proposal_versions WHERE op_id = ?", op).Scan(&rec.Version)
	}
	return rid, err
}

// pointAt sets Response to response rid of the receipt's proposal and,
// for a respond, Previous to the member's response before it in the same
// round.
func (rec *DecisionReceipt) pointAt(rid ResponseID) {
	rs := rec.Proposal.Responses
	for i, r := range rs {
		if r.ID != rid {
			continue
		}
		rec.Response = &rs[i]
		if rec.Op != OpRespond {
			return
		}
		for j := i - 1; j >= 0; j-- {
			if q := rs[j]; q.Version == r.Version && q.Voter.Account == r.Voter.Account {
				rec.Previous = &rs[j]
				return
			}
		}
		return
	}
}

func insertDecisionOp(ctx context.Context, tx *Tx, h Header, fp string, kind DecisionOp, p ProposalID, actor AccountID) (int64, error) {
	op, err := decisionOps.insert(ctx, tx, h.op(fp, string(kind), int64(p), actor))
	if err != nil {
		return 0, fmt.Errorf("ledger: insert decision operation: %w", err)
	}
	return op, nil
}

func insertVersion(ctx context.Context, tx *Tx, p ProposalID, version int, text string, op int64) error {
	if _, err := tx.ExecContext(ctx, "INSERT INTO proposal_versions (proposal_id, version, text, op_id, created_at) VALUES (?, ?, ?, ?, ?)",
		p, version, text, op, tx.now.Unix()); err != nil {
		return fmt.Errorf("ledger: insert version: %w", err)
	}
	return nil
}

// openProposal is proposal #number if responses may still change it:
// not closed, and its deadline not passed (even if no tick closed it yet).
func openProposal(ctx context.Context, tx *Tx, community CommunityID, number int) (Proposal, error) {
	p, err := proposalByNumber(ctx, tx, community, number)
	if err != nil {
		return p, err
	}
	if !p.Open() || !tx.now.Before(p.Deadline) {
		return p, errorf(ECLOSED, "proposal #%d is closed", number)
	}
	return p, nil
}

// lookupAccount finds the account of an identity without creating it.
func lookupAccount(ctx context.Context, tx *Tx, community CommunityID, id Identity) (AccountID, bool, error) {
	var acct AccountID
	err := tx.QueryRowContext(ctx, "SELECT account_id FROM identities WHERE community_id = ? AND platform = ? AND user_id = ?",
		community, id.Platform, id.UserID).Scan(&acct)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, false, nil
	}
	return acct, err == nil, err
}

// eligibleAccount is the actor's account if it may respond to p.
func eligibleAccount(ctx context.Context, tx *Tx, p *Proposal, id Identity) (AccountID, error) {
	acct, found, err := lookupAccount(ctx, tx, p.Community, id)
	if err != nil {
		return 0, err
	}
	if !found || !p.IsEligible(acct) {
		e := &NotEligibleError{Number: p.Number, Eligible: len(p.Eligible), OpenedAt: p.OpenedAt, Group: p.GroupName, JoinedAt: tx.now}
		if found {
			var joined int64
			if err := tx.QueryRowContext(ctx, "SELECT created_at FROM accounts WHERE id = ?", acct).Scan(&joined); err != nil {
				return 0, err
			}
			e.JoinedAt = unixUTC(joined)
		}
		return 0, e
	}
	return acct, nil
}

// NotEligibleError refuses a response from someone who was not among the
// proposal's members when it opened (ENOTELIGIBLE), with what the reply
// tells them: who decides it, since when, and since when they belong.
type NotEligibleError struct {
	Number   int
	Eligible int
	OpenedAt time.Time
	Group    string    // the group that decides it, "" for the community
	JoinedAt time.Time // when the member joined (now, for someone new)
}

func (e *NotEligibleError) Error() string {
	return fmt.Sprintf("ledger: not a member when proposal #%d opened (%s)", e.Number, e.OpenedAt)
}

func (e *NotEligibleError) code() Code { return ENOTELIGIBLE }

// CloseForbiddenError refuses an early close by someone who is neither the
// proposer nor a moderator (EFORBIDDEN), naming who may and when it
// closes anyway.
type CloseForbiddenError struct {
	Number   int
	Proposer string
	Deadline time.Time
}

func (e *CloseForbiddenError) Error() string {
	return fmt.Sprintf("ledger: only %s or a moderator may close proposal #%d", e.Proposer, e.Number)
}

func (e *CloseForbiddenError) code() Code { return EFORBIDDEN }

func proposalByNumber(ctx context.Context, q queryer, community CommunityID, number int) (Proposal, error) {
	return byNumber(ctx, q, "proposals", "proposal", community, number, loadProposal)
}

// userOn is a member's user ID on the proposal's platform.
const userOn = `COALESCE((SELECT MIN(i.user_id) FROM identities i WHERE i.account_id = %s AND i.platform = p.platform), '')`

func loadProposal(ctx context.Context, q queryer, id ProposalID) (Proposal, error) {
	var p Proposal
	var deadline, opened int64
	var closed, reminded, announced, closedBy sql.NullInt64
	var outcome, closedByName, closedByUser sql.NullString
	err := q.QueryRowContext(ctx, `SELECT p.id, p.community_id, p.number, p.proposer_id, pa.display_name, `+fmt.Sprintf(userOn, "p.proposer_id")+`,
		p.platform, p.room, p.thread, p.card, p.deadline, p.opened_at, p.quorum, p.closed_at, p.outcome,
		p.closed_by, ca.display_name, `+fmt.Sprintf(userOn, "p.closed_by")+`, p.close_reason, p.reminded_at, p.announced_at,
		COALESCE(p.group_id, 0), COALESCE(g.name, '')
		FROM proposals p JOIN accounts pa ON pa.id = p.proposer_id LEFT JOIN accounts ca ON ca.id = p.closed_by
		LEFT JOIN groups g ON g.id = p.group_id
		WHERE p.id = ?`, id).Scan(&p.ID, &p.Community, &p.Number, &p.Proposer.Account, &p.Proposer.Name, &p.Proposer.UserID,
		&p.Platform, &p.Room, &p.Thread, &p.Card, &deadline, &opened, &p.Quorum, &closed, &outcome,
		&closedBy, &closedByName, &closedByUser, &p.CloseReason, &reminded, &announced, &p.Group, &p.GroupName)
	if err != nil {
		return Proposal{}, fmt.Errorf("ledger: load proposal %d: %w", id, err)
	}
	p.Deadline, p.OpenedAt = unixUTC(deadline), unixUTC(opened)
	p.ClosedAt, p.RemindedAt, p.AnnouncedAt = nullTime(closed), nullTime(reminded), nullTime(announced)
	p.Outcome = Outcome(outcome.String)
	if closedBy.Valid {
		p.ClosedBy = &Voter{Account: AccountID(closedBy.Int64), Name: closedByName.String, UserID: closedByUser.String}
	}

	if p.Versions, err = queryRows(ctx, q, scanVersion,
		"SELECT version, text, created_at FROM proposal_versions WHERE proposal_id = ? ORDER BY version", id); err != nil {
		return Proposal{}, err
	}
	if p.Eligible, err = queryRows(ctx, q, scanVoter, `SELECT e.account_id, a.display_name, `+fmt.Sprintf(userOn, "e.account_id")+`
		FROM proposal_eligible e JOIN proposals p ON p.id = e.proposal_id JOIN accounts a ON a.id = e.account_id
		WHERE e.proposal_id = ? ORDER BY a.display_name COLLATE NOCASE, a.id`, id); err != nil {
		return Proposal{}, err
	}

	rows, err := q.QueryContext(ctx, `SELECT r.id, r.version, r.account_id, a.display_name, `+fmt.Sprintf(userOn, "r.account_id")+`,
		r.kind, r.text, r.created_at, o.kind, o.reason, o.actor_id, oa.display_name, `+fmt.Sprintf(userOn, "o.actor_id")+`, o.created_at
		FROM responses r JOIN proposals p ON p.id = r.proposal_id JOIN accounts a ON a.id = r.account_id
		LEFT JOIN objection_resolutions o ON o.response_id = r.id LEFT JOIN accounts oa ON oa.id = o.actor_id
		WHERE r.proposal_id = ? ORDER BY r.id`, id)
	if err != nil {
		return Proposal{}, err
	}
	defer rows.Close()
	for rows.Next() {
		var r Response
		var created int64
		var rkind, rreason, ractorName, ractorUser sql.NullString
		var ractor, rcreated sql.NullInt64
		if err := rows.Scan(&r.ID, &r.Version, &r.Voter.Account, &r.Voter.Name, &r.Voter.UserID, &r.Kind, &r.Text, &created,
			&rkind, &rreason, &ractor, &ractorName, &ractorUser, &rcreated); err != nil {
			return Proposal{}, err
		}
		r.CreatedAt = unixUTC(created)
		if rkind.Valid {
			r.Resolution = &Resolution{
				Kind: ResolutionKind(rkind.String), Reason: rreason.String, CreatedAt: unixUTC(rcreated.Int64),
				Actor: Voter{Account: AccountID(ractor.Int64), Name: ractorName.String, UserID: ractorUser.String},
			}
		}
		p.Responses = append(p.Responses, r)
	}
	return p, rows.Err()
}

func scanVersion(row rowScanner) (Version, error) {
	var v Version
	var created int64
	err := row.Scan(&v.Number, &v.Text, &created)
	v.CreatedAt = unixUTC(created)
	return v, err
}

func nullTime(v sql.NullInt64) time.Time {
	if !v.Valid {
		return time.Time{}
	}
	return unixUTC(v.Int64)
}
