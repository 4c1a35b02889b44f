package bot

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/entraide/entraide/ledger"
	"github.com/entraide/entraide/schedules"
)

// DecisionLedger is what decisions by consent need from the ledger; each
// method's errors are documented there.
type DecisionLedger interface {
	Propose(ctx context.Context, req ledger.ProposeRequest) (*ledger.DecisionReceipt, error)
	Respond(ctx context.Context, req ledger.RespondRequest) (*ledger.DecisionReceipt, error)
	Amend(ctx context.Context, req ledger.AmendRequest) (*ledger.DecisionReceipt, error)
	Resolve(ctx context.Context, req ledger.ResolveRequest) (*ledger.DecisionReceipt, error)
	CloseProposal(ctx context.Context, req ledger.CloseRequest) (*ledger.DecisionReceipt, error)
	Proposal(ctx context.Context, c ledger.CommunityID, number int) (ledger.Proposal, error)
	Proposals(ctx context.Context, c ledger.CommunityID, filter ledger.ProposalFilter) ([]ledger.Proposal, error)
	SetCard(ctx context.Context, id ledger.ProposalID, card, thread string) error
	CloseDue(ctx context.Context, c ledger.CommunityID, asOf time.Time) ([]ledger.Proposal, error)
	Unannounced(ctx context.Context, c ledger.CommunityID) ([]ledger.Proposal, error)
	MarkAnnounced(ctx context.Context, id ledger.ProposalID) error
	DueReminders(ctx context.Context, c ledger.CommunityID, asOf time.Time) ([]ledger.Proposal, error)
	MarkReminded(ctx context.Context, id ledger.ProposalID) error
}

// decisionsListLimit is how many proposals /decisions shows.
const decisionsListLimit = 15

// replayedDecision tells the sender privately that a redelivered
// command was recorded already, when rec is a replay: the channel saw its
// result the first time.
func (r *request) replayedDecision(rec *ledger.DecisionReceipt) bool {
	if rec.Replayed {
		r.reply(Reply{Private: true, Text: r.tr.S(msgDecisionReplayed, map[string]any{"Number": rec.Proposal.Number})})
	}
	return rec.Replayed
}

// decisionRefusal turns the ledger's refusals about proposal #n into
// replies; other errors pass through.
func (r *request) decisionRefusal(err error, n int) error {
	data := map[string]any{"Number": n}
	var ne *ledger.NotEligibleError
	if errors.As(err, &ne) {
		data["Date"] = shortDateTime(r.tr, ne.OpenedAt, r.com.Location)
		if ne.Group != "" {
			data["Group"] = ne.Group
			return refuse(msgDecisionGroupNotEligible, data)
		}
		// A member who arrived after it opened is told since when they
		// belong: the next proposal includes them.
		data["Joined"] = shortDateTime(r.tr, ne.JoinedAt, r.com.Location)
		return refuseN(msgDecisionNotEligible, ne.Eligible, data)
	}
	return refuseCode(err, map[ledger.Code]string{
		ledger.ENOTFOUND: msgDecisionNotFound,
		ledger.ECLOSED:   msgDecisionClosed,
	}, data)
}

func cmdPropose(r *request) error {
	group, text, err := r.proposalGroup(r.textAfter(0)) // "… group:garden" (groups.go)
	if err != nil {
		return err
	}
	fields := strings.Fields(text)
	if len(fields) == 0 {
		return refuse(msgUsage, map[string]any{"Usage": r.tr.S(msgUsagePropose, nil)})
	}
	now := r.bot.now()
	deadline := now.Add(r.com.Decisions.deadline())
	input := ""
	if n := len(fields); n >= 2 && r.bot.catalog.is(kwUntil, fields[n-2]) {
		input = fields[n-1]
		d, ok := schedules.ParseDeadline(input, r.bot.catalog.words, now, r.com.Location)
		if !ok {
			return refuse(msgDecisionBadDeadline, map[string]any{"Input": input})
		}
		deadline = d
		text = strings.TrimRight(strings.TrimSpace(text[:strings.LastIndex(text, fields[n-2])]), ",;:—–-")
		if text == "" {
			return refuse(msgUsage, map[string]any{"Usage": r.tr.S(msgUsagePropose, nil)})
		}
	}
	if group.ID == 0 {
		// The rooms' members belong, even those who never typed a command.
		r.bot.enrollRooms(r.ctx, r.com)
	}
	rec, err := r.bot.ledger.Propose(r.ctx, ledger.ProposeRequest{
		Header: r.header(), Room: r.msg.Room,
		Text: text, Deadline: deadline, DeadlineInput: input,
		QuorumCount: r.com.Decisions.Quorum.Count, QuorumPercent: r.com.Decisions.Quorum.Percent, Group: group.ID,
	})
	if ledger.ErrorCode(err) == ledger.EDEADLINE {
		data := map[string]any{"Input": input, "Deadline": dayTime(r.tr, deadline, r.com.Location), "Max": int(ledger.MaxDeadlineAhead.Hours() / 24)}
		if !deadline.After(now) {
			return refuse(msgDecisionDeadlinePast, data)
		}
		return refuse(msgDecisionDeadlineTooFar, data)
	}
	if err != nil {
		return err
	}
	if r.replayedDecision(rec) {
		return nil
	}
	p := rec.Proposal
	r.log.Info("proposal opened", "number", p.Number, "eligible", len(p.Eligible), "deadline", p.Deadline)
	if !r.bot.postCard(r.ctx, r.com, p, r.msg) {
		r.reply(r.bot.card(r.tr, r.com, p))
	}
	return nil
}

// postCard posts a new proposal's card in its room, in reply to the
// command that opened it (in its thread, if it came from one), opens its
// discussion thread where the platform has threads, and records both. It
// is false when no adapter of the proposal's platform is at hand.
func (b *Bot) postCard(ctx context.Context, com *Community, p ledger.Proposal, cmd Message) bool {
	a := b.adapterFor(ctx, p.Platform)
	if a == nil {
		return false
	}
	log := loggerFrom(ctx, b.log)
	tr := b.catalog.In(com.Language)
	to := Target{Room: p.Room}
	if cmd.Room == p.Room {
		to.ReplyTo, to.Thread = cmd.ID, cmd.Thread
	}
	id, err := b.Deliver(ctx, a, to, b.card(tr, com, p))
	if err != nil {
		// The card becomes the command's answer, which /proposal repeats.
		log.Error("proposal card not delivered", "number", p.Number, "err", err)
		return false
	}
	// A card posted in a thread is discussed there: threads don't nest.
	thread := to.Thread
	if to, ok := a.(ThreadOpener); ok && thread == "" {
		title := tr.S(msgDecisionThreadTitle, map[string]any{"Number": p.Number, "Text": truncate(p.Text(), 60)})
		if thread, err = to.OpenThread(ctx, Target{Room: p.Room, ReplyTo: string(id)}, title); err != nil {
			log.Warn("proposal thread not opened", "number", p.Number, "err", err)
		}
	}
	if id != "" || thread != "" {
		if err := b.ledger.SetCard(ctx, p.ID, string(id), thread); err != nil {
			log.Error("proposal card not recorded", "number", p.Number, "err", err)
		}
	}
	return true
}

// refreshCard edits the proposal's card in place; false when the platform
// can't, or there is no card to edit. Responses recorded at the same time
// refresh the card one after the other, each with the proposal read anew:
// the last edit shows every response, whatever order they finished in.
func (b *Bot) refreshCard(ctx context.Context, com *Community, p ledger.Proposal) bool {
	a := b.adapterFor(ctx, p.Platform)
	ed, ok := a.(Editor)
	if a == nil || !ok || p.Card == "" {
		return false
	}
	b.cardsMu.Lock()
	defer b.cardsMu.Unlock()
	if fresh, err := b.ledger.Proposal(ctx, com.id, p.Number); err == nil {
		p = fresh
	}
	tr := b.catalog.In(com.Language)
	if err := ed.Edit(ctx, Target{Room: p.Room}, MessageID(p.Card), b.card(tr, com, p)); err != nil {
		loggerFrom(ctx, b.log).Warn("proposal card not edited", "number", p.Number, "err", err)
		return false
	}
	return true
}

func cmdConsent(r *request) error    { return respond(r, ledger.Consent) }
func cmdConcern(r *request) error    { return respond(r, ledger.Concern) }
func cmdStandAside(r *request) error { return respond(r, ledger.StandAside) }
func cmdObject(r *request) error     { return respond(r, ledger.Objection) }
func cmdWithdraw(r *request) error   { return respond(r, ledger.Withdrawn) }

func respond(r *request, kind ledger.ResponseKind) error {
	n, err := r.number()
	if err != nil {
		return err
	}
	var text string
	if kind == ledger.Concern || kind == ledger.Objection {
		text = r.textAfter(1)
		data := map[string]any{"Number": n, "Command": r.cmd.path(r.tr.Lang())}
		switch {
		case text == "" && kind == ledger.Objection:
			return refuse(msgDecisionObjectionNoReason, data)
		case text == "":
			return refuse(msgDecisionConcernNoText, data)
		}
	}
	rec, err := r.bot.ledger.Respond(r.ctx, ledger.RespondRequest{
		Header: r.header(), Number: n, Kind: kind, Text: text,
	})
	if ledger.ErrorCode(err) == ledger.ENOTHING {
		return refuse(msgDecisionNothingToWithdraw, map[string]any{"Number": n})
	}
	if err != nil {
		return r.decisionRefusal(err, n)
	}
	p := rec.Proposal
	data := map[string]any{"Number": p.Number, "Name": rec.Response.Voter.Name, "Text": rec.Response.Text,
		"Proposer": p.Proposer.Name, "Command": r.cmd.path(r.tr.Lang())}
	var text2 string
	switch {
	case rec.Replayed:
		text2 = r.tr.S(msgDecisionReplayed, data)
	case rec.Unchanged:
		text2 = r.tr.S(msgDecisionUnchanged, data)
	default:
		text2 = r.tr.S(responseMessage[rec.Response.Kind], data)
		if prev := rec.Previous; prev != nil && prev.Kind != rec.Response.Kind && rec.Response.Kind != ledger.Withdrawn {
			text2 += " " + r.tr.S(msgDecisionWas, map[string]any{"Kind": kindName(r.tr, prev.Kind)})
		}
	}
	edited := !rec.Replayed && !rec.Unchanged && r.bot.refreshCard(r.ctx, r.com, p)
	if !edited {
		text2 += "\n" + tallyLine(r.tr, p)
	}
	r.reply(Reply{Text: text2, Private: edited || rec.Replayed || rec.Unchanged})
	return nil
}

var responseMessage = map[ledger.ResponseKind]string{
	ledger.Consent:    msgDecisionConsented,
	ledger.Concern:    msgDecisionConcerned,
	ledger.StandAside: msgDecisionStoodAside,
	ledger.Objection:  msgDecisionObjected,
	ledger.Withdrawn:  msgDecisionWithdrew,
}

func cmdAmend(r *request) error {
	n, err := r.number()
	if err != nil {
		return err
	}
	text := r.textAfter(1)
	if text == "" {
		return refuse(msgUsage, map[string]any{"Usage": r.tr.S(msgUsageAmend, nil)})
	}
	rec, err := r.bot.ledger.Amend(r.ctx, ledger.AmendRequest{
		Header: r.header(), Number: n, Text: text,
	})
	switch ledger.ErrorCode(err) {
	case ledger.EFORBIDDEN:
		p, perr := r.bot.ledger.Proposal(r.ctx, r.com.id, n)
		if perr != nil {
			return perr
		}
		return refuse(msgDecisionAmendNotProposer, map[string]any{"Number": n, "Proposer": p.Proposer.Name})
	case ledger.EUNCHANGED:
		return refuse(msgDecisionAmendUnchanged, map[string]any{"Number": n})
	}
	if err != nil {
		return r.decisionRefusal(err, n)
	}
	if r.replayedDecision(rec) {
		return nil
	}
	p := rec.Proposal
	// Who responded to the previous version must respond again.
	var again []string
	var mentions []Mention
	seen := map[ledger.AccountID]bool{}
	for _, resp := range p.Responses {
		if resp.Version != rec.Version-1 || seen[resp.Voter.Account] {
			continue
		}
		seen[resp.Voter.Account] = true
		tok, m := mentionOf(resp.Voter)
		again = append(again, tok)
		if m != nil {
			mentions = append(mentions, *m)
		}
	}
	text = r.tr.S(msgDecisionAmended, map[string]any{"Number": p.Number, "Version": rec.Version, "Proposer": p.Proposer.Name, "Text": p.Text()})
	if len(again) > 0 {
		text += "\n" + r.tr.S(msgDecisionRespondAgain, map[string]any{"Names": r.tr.List(again), "Number": p.Number})
	}
	if !r.bot.refreshCard(r.ctx, r.com, p) {
		text += "\n" + tallyLine(r.tr, p)
	}
	r.reply(Reply{Text: text, Mentions: mentions})
	return nil
}

// resolutionKind reads "integrated" or "not-paramount", in either language.
func resolutionKind(s string) (ledger.ResolutionKind, bool) {
	s = strings.NewReplacer("é", "e", "É", "e", "_", "-", " ", "-").Replace(strings.ToLower(strings.TrimSpace(s)))
	switch s {
	case "integrated", "integree", "integre", "integrees":
		return ledger.Integrated, true
	case "not-paramount", "notparamount", "non-essentielle", "non-essentiel", "nonessentielle", "non-essentiel-le":
		return ledger.NotParamount, true
	}
	return "", false
}

func cmdResolve(r *request) error {
	n, err := r.number()
	if err != nil {
		return err
	}
	usage := map[string]any{"Usage": r.tr.S(msgUsageResolve, nil)}
	if len(r.args) < 3 {
		return refuse(msgUsage, usage)
	}
	m, ok := mentionFor(r.args[1], r.msg.Mentions)
	if !ok {
		if strings.HasPrefix(r.args[1], "@") {
			return refuse(msgGiveUnknownMember, map[string]any{"Name": r.args[1]})
		}
		return refuse(msgUsage, usage)
	}
	kind, ok := resolutionKind(r.args[2])
	if !ok && len(r.args) > 3 {
		// "non essentielle" typed in two words.
		if _, joined := resolutionKind(r.args[2] + "-" + r.args[3]); joined {
			return refuse(msgDecisionResolutionHyphen, map[string]any{"Input": r.args[2] + " " + r.args[3],
				"Text": r.args[2] + "-" + r.args[3], "Usage": usage["Usage"]})
		}
	}
	if !ok {
		return refuse(msgDecisionBadResolution, map[string]any{"Input": r.args[2], "Usage": usage["Usage"]})
	}
	reason := r.textAfter(3)
	if reason == "" {
		return refuse(msgDecisionResolveNoReason, map[string]any{"Number": n, "Usage": usage["Usage"]})
	}
	member := ledger.Identity{Platform: r.msg.Platform, UserID: m.User.ID, Name: m.User.Name}
	rec, err := r.bot.ledger.Resolve(r.ctx, ledger.ResolveRequest{
		Header: r.header(), Number: n,
		Member: member, Kind: kind, Reason: reason,
	})
	if ledger.ErrorCode(err) == ledger.ENOTHING {
		return refuse(msgDecisionNoStandingObjection, map[string]any{"Number": n, "Name": displayName(m)})
	}
	if err != nil {
		return r.decisionRefusal(err, n)
	}
	if r.replayedDecision(rec) {
		return nil
	}
	p := rec.Proposal
	tok, mention := mentionOf(rec.Response.Voter)
	res := rec.Response.Resolution
	text := r.tr.S(msgDecisionResolved, map[string]any{
		"Number": p.Number, "Actor": res.Actor.Name, "Name": tok, "Text": rec.Response.Text,
		"Resolution": resolutionName(r.tr, res.Kind), "Reason": res.Reason,
	})
	if !r.bot.refreshCard(r.ctx, r.com, p) {
		text += "\n" + tallyLine(r.tr, p)
	}
	reply := Reply{Text: text}
	if mention != nil {
		reply.Mentions = []Mention{*mention}
	}
	r.reply(reply)
	return nil
}

func cmdClose(r *request) error {
	n, err := r.number()
	if err != nil {
		return err
	}
	moderator := r.moderator()
	rec, err := r.bot.ledger.CloseProposal(r.ctx, ledger.CloseRequest{
		Header: r.header(), Number: n,
		Moderator: moderator, Reason: r.textAfter(1),
	})
	var forbidden *ledger.CloseForbiddenError
	if errors.As(err, &forbidden) {
		return refuse(msgDecisionCloseForbidden, map[string]any{"Number": n, "Proposer": forbidden.Proposer,
			"Deadline": dayTime(r.tr, forbidden.Deadline, r.com.Location)})
	}
	var early *ledger.EarlyCloseError
	if errors.As(err, &early) {
		return r.earlyCloseRefusal(early)
	}
	if err != nil {
		return r.decisionRefusal(err, n)
	}
	if r.replayedDecision(rec) {
		return nil
	}
	p := rec.Proposal
	r.log.Info("proposal closed early", "number", p.Number, "outcome", p.Outcome)
	posted, err := r.bot.announce(r.ctx, r.com, p.ID, p.Number)
	if err != nil {
		r.log.Error("outcome not announced; the next tick retries", "number", p.Number, "err", err)
		r.reply(Reply{Private: true, Text: r.tr.S(msgDecisionClosedPending, map[string]any{"Number": p.Number})})
		return nil
	}
	if !posted {
		// No adapter of the proposal's platform is at hand (another
		// platform's proposal, or a caller of Handle without adapters):
		// the outcome is the answer, and a tick announces it where it was
		// proposed once that platform's adapter is attached.
		r.reply(outcomeReply(r.tr, r.com, p))
		return nil
	}
	if p.Platform != r.msg.Platform || p.Room != r.msg.Room {
		r.reply(Reply{Private: true, Text: r.tr.S(msgDecisionClosedElsewhere, map[string]any{"Number": p.Number})})
	}
	return nil
}

// earlyCloseRefusal says why a proposal cannot close yet, and what to
// type instead.
func (r *request) earlyCloseRefusal(e *ledger.EarlyCloseError) error {
	data := map[string]any{"Number": e.Number, "Deadline": dayTime(r.tr, e.Deadline, r.com.Location),
		"Command": r.cmdPath("close") + " " + strconv.Itoa(e.Number), "Show": r.cmdPath("proposal") + " " + strconv.Itoa(e.Number)}
	id := msgDecisionCloseEarly
	switch {
	case e.Moderator && e.Proposer:
		id = msgDecisionCloseEarlyOwn
	case e.Moderator:
		id = msgDecisionCloseEarlyNoReason
	}
	return refuseN(id, e.Waiting, data)
}

func cmdProposal(r *request) error {
	n, err := r.number()
	if err != nil {
		return err
	}
	p, err := r.bot.ledger.Proposal(r.ctx, r.com.id, n)
	if err != nil {
		return r.decisionRefusal(err, n)
	}
	card := r.bot.card(r.tr, r.com, p)
	card.Text += "\n" + history(r.tr, r.com, p)
	card.Card = nil // the full text, as asked: no shortened card
	r.reply(card)
	return nil
}

// decisionFilter reads /decisions' argument, in either language.
func decisionFilter(s string) (ledger.ProposalFilter, bool) {
	s = strings.NewReplacer("é", "e", "É", "e").Replace(strings.ToLower(s))
	switch s {
	case "open", "ouvertes", "ouverte", "ouverts", "ouvert", "en-cours":
		return ledger.ProposalsOpen, true
	case "adopted", "adoptees", "adoptee", "adoptes", "adopte":
		return ledger.ProposalsAdopted, true
	case "all", "toutes", "tous", "tout":
		return ledger.ProposalsAll, true
	}
	return "", false
}

func cmdDecisions(r *request) error {
	filter := ledger.ProposalsOpen
	if len(r.args) > 1 {
		return refuse(msgUsage, map[string]any{"Usage": r.tr.S(msgUsageDecisions, nil)})
	}
	if len(r.args) == 1 {
		f, ok := decisionFilter(r.args[0])
		if !ok {
			return refuse(msgUsage, map[string]any{"Usage": r.tr.S(msgUsageDecisions, nil)})
		}
		filter = f
	}
	ps, err := r.bot.ledger.Proposals(r.ctx, r.com.id, filter)
	if err != nil {
		return err
	}
	if len(ps) == 0 {
		r.reply(Reply{Private: true, Text: r.tr.S(map[ledger.ProposalFilter]string{
			ledger.ProposalsOpen:    msgDecisionsNoneOpen,
			ledger.ProposalsAdopted: msgDecisionsNoneAdopted,
			ledger.ProposalsAll:     msgDecisionsNone,
		}[filter], nil)})
		return nil
	}
	header := map[ledger.ProposalFilter]string{
		ledger.ProposalsOpen:    msgDecisionsHeaderOpen,
		ledger.ProposalsAdopted: msgDecisionsHeaderAdopted,
		ledger.ProposalsAll:     msgDecisionsHeaderAll,
	}[filter]
	lines := []string{r.tr.N(header, len(ps), nil)}
	for i, p := range ps {
		if i == decisionsListLimit {
			lines = append(lines, r.tr.N(msgDecisionsMore, len(ps)-i, nil))
			break
		}
		lines = append(lines, decisionLine(r.tr, r.com, p))
	}
	r.reply(Reply{Private: true, Text: strings.Join(lines, "\n")})
	return nil
}
