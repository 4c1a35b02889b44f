package bot

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/entraide/entraide/ledger"
)

// The council arbitrates a case when mediation fails and a mediator (or a
// moderator) asks it to. It is made of the members config.yaml names and
// of seats drawn by lot among the other members: /council draw records a
// seed from crypto/rand (Options.Random in tests), the eligible members
// and the result, so anyone can re-run the draw (ledger.DrawLots).

// councilMember is one member of the council as shown on a platform.
type councilMember struct {
	ledger.Voter
	drawn bool
}

// council is the community's council now: the named members, then those
// of the last draw; UserID is their identity on platform. With a case, the
// members who take part in it step aside (aside names them), and the next
// drawn in the draw's order take their seats.
func (b *Bot) council(ctx context.Context, com *Community, platform string, c *ledger.Case) (seats []councilMember, aside []string, d ledger.CouncilDraw, drawn bool, err error) {
	inCase := func(a ledger.AccountID) bool { return c != nil && a != 0 && c.Role(a) != "" }
	seen := map[ledger.AccountID]bool{}
	for _, m := range com.Conflicts.Council.Members {
		p, user, _ := splitRoom(m)
		acct, found, err := b.ledger.Member(ctx, com.id, ledger.Identity{Platform: p, UserID: user})
		if err != nil {
			return nil, nil, d, false, err
		}
		v := ledger.Voter{Name: user}
		if p == platform {
			v.UserID = user
		}
		if found {
			v.Account, v.Name = acct.ID, acct.Name
			if seen[acct.ID] {
				continue
			}
			seen[acct.ID] = true
			if v.UserID == "" && platform != "" {
				if v.UserID, err = b.ledger.UserOn(ctx, acct.ID, platform); err != nil {
					return nil, nil, d, false, err
				}
			}
		}
		if inCase(v.Account) {
			aside = append(aside, v.Name)
			continue
		}
		seats = append(seats, councilMember{Voter: v})
	}
	d, drawn, err = b.ledger.LatestCouncilDraw(ctx, com.id, platform)
	if err != nil {
		return nil, nil, d, false, err
	}
	for _, v := range d.Drawn {
		if inCase(v.Account) {
			aside = append(aside, v.Name)
		}
	}
	for _, v := range d.SeatsFor(inCase) {
		if !seen[v.Account] {
			seen[v.Account] = true
			seats = append(seats, councilMember{Voter: v, drawn: true})
		}
	}
	return seats, aside, d, drawn, nil
}

func cmdCouncilShow(r *request) error {
	if len(r.args) > 0 {
		return r.usage()
	}
	members, _, d, drawn, err := r.bot.council(r.ctx, r.com, "", nil)
	if err != nil {
		return err
	}
	var named []string
	for _, m := range members {
		if !m.drawn {
			named = append(named, m.Name)
		}
	}
	lines := []string{r.tr.S(msgCouncilHeader, map[string]any{"Community": r.com.Name})}
	if len(named) > 0 {
		lines = append(lines, r.tr.S(msgCouncilNamed, map[string]any{"Names": r.tr.List(named)}))
	} else {
		lines = append(lines, r.tr.S(msgCouncilNoneNamed, nil))
	}
	seats := r.com.Conflicts.Council.Drawn
	switch {
	case drawn:
		names := make([]string, len(d.Drawn))
		for i, v := range d.Drawn {
			names[i] = v.Name
		}
		lines = append(lines, r.tr.N(msgCouncilDrawnLine, len(d.Drawn), map[string]any{"Names": r.tr.List(names),
			"Date": shortDateTime(r.tr, d.CreatedAt, r.com.Location), "Number": d.Number, "Eligible": len(d.Eligible), "Seed": d.SeedHex()}))
		if d.Number > 1 {
			// Every draw stays on record: a redraw is never hidden.
			lines = append(lines, r.tr.N(msgCouncilEarlier, d.Number-1, nil))
		}
	case seats > 0:
		lines = append(lines, r.tr.N(msgCouncilNotDrawn, seats, map[string]any{"Command": r.cmdPath("council") + " " + r.subName("council", "draw")}))
	}
	r.reply(Reply{Private: true, Text: strings.Join(lines, "\n")})
	return nil
}

func cmdCouncilDraw(r *request) error {
	seats := r.com.Conflicts.Council.Drawn
	if seats <= 0 {
		return refuse(msgCouncilNoSeats, nil)
	}
	reason := r.textAfter(1)
	var seed [ledger.SeedSize]byte
	if _, err := io.ReadFull(r.bot.random, seed[:]); err != nil {
		return fmt.Errorf("council seed: %w", err)
	}
	var exclude []ledger.Identity
	for _, m := range r.com.Conflicts.Council.Members {
		p, user, _ := splitRoom(m)
		exclude = append(exclude, ledger.Identity{Platform: p, UserID: user})
	}
	var since time.Time
	if w := r.com.Conflicts.Council.ActiveWithin; w > 0 {
		since = r.bot.now().Add(-w)
	}
	r.bot.enrollRooms(r.ctx, r.com) // the rooms' members are eligible too
	rec, err := r.bot.ledger.RecordCouncilDraw(r.ctx, ledger.CouncilDrawRequest{CaseActor: r.caseActor(), Seed: seed, Seats: seats,
		Exclude: exclude, ActiveSince: since, Platform: r.msg.Platform, Reason: reason})
	var sitting *ledger.CouncilSittingError
	if errors.As(err, &sitting) {
		return refuseN(msgCouncilSitting, len(sitting.Cases), map[string]any{"Cases": r.caseNumbers(sitting.Cases),
			"Command": r.cmdPath("council") + " " + r.subName("council", "draw")})
	}
	if err != nil {
		return err
	}
	d := rec.Draw
	data := drawData(r.tr, d, d.Drawn)
	if rec.Replayed {
		r.reply(Reply{Private: true, Text: r.tr.S(msgCouncilReplayed, data)})
		return nil
	}
	r.log.Info("council drawn", "draw", d.Number, "eligible", len(d.Eligible), "drawn", len(d.Drawn))
	var lines []string
	if len(d.Drawn) == 0 {
		lines = append(lines, r.tr.S(msgCouncilDrawnNobody, data))
	} else {
		lines = append(lines, r.tr.N(msgCouncilDrawn, len(d.Drawn), data))
		if len(d.Drawn) < seats {
			lines = append(lines, r.tr.N(msgCouncilFewer, seats, data))
		}
	}
	if d.Reason != "" {
		lines = append(lines, r.tr.S(msgCouncilRedrawReason, data))
	}
	lines = append(lines, r.tr.S(msgCouncilHowToCheck, data))
	text := strings.Join(lines, "\n")
	r.reply(Reply{Text: text})
	if !r.inModeratorsRoom() {
		if a, to, ok := r.bot.moderatorsAdapter(r.ctx, r.com); ok {
			if _, err := r.bot.Deliver(r.ctx, a, to, Reply{Text: text}); err != nil {
				r.log.Error("council draw not posted to the moderators", "draw", d.Number, "err", err)
			}
		}
	}
	r.announceDrawToCases(d)
	return nil
}

// drawData is what the catalogue's draw messages show, with the seats
// given (the draw's, or a case's after step-aside).
func drawData(tr Tr, d ledger.CouncilDraw, seats []ledger.Voter) map[string]any {
	names := make([]string, len(seats))
	for i, v := range seats {
		names[i] = v.Name
	}
	return map[string]any{"Number": d.Number, "Names": tr.List(names), "Eligible": len(d.Eligible), "Seed": d.SeedHex(),
		"Seats": d.Seats, "Algorithm": d.Algorithm, "Reason": d.Reason, "Actor": d.Actor.Name}
}

// caseNumbers lists case numbers as members read them: "#2 and #5".
func (r *request) caseNumbers(ns []int) string {
	items := make([]string, len(ns))
	for i, n := range ns {
		items[i] = r.tr.S(msgCaseNumber, map[string]any{"Number": n})
	}
	return r.tr.List(items)
}

// announceDrawToCases tells each escalated case's space who sits on its
// council after the draw: its parties and mediators step aside for it.
func (r *request) announceDrawToCases(d ledger.CouncilDraw) {
	cases, err := r.bot.ledger.Cases(r.ctx, r.com.id, ledger.CasesPending)
	if err != nil {
		r.log.Error("escalated cases not read", "err", err)
		return
	}
	for _, c := range cases {
		if c.State != ledger.CaseEscalated || c.Room == "" {
			continue
		}
		a := r.bot.adapterFor(r.ctx, c.Platform)
		if a == nil {
			r.log.Warn("no adapter for an escalated case's space: the draw is not told there", "case", c.Number)
			continue
		}
		seats, aside, _, _, err := r.bot.council(r.ctx, r.com, c.Platform, &c)
		if err != nil {
			r.log.Error("council not read", "case", c.Number, "err", err)
			return
		}
		var names []string
		for _, m := range seats {
			names = append(names, m.Name)
		}
		data := drawData(r.tr, d, nil)
		data["Case"] = c.Number
		data["Council"] = r.tr.List(names)
		data["Aside"] = r.tr.List(aside)
		lines := []string{r.tr.S(msgCouncilDrawnForCase, data)}
		if d.Reason != "" {
			lines = append(lines, r.tr.S(msgCouncilRedrawReason, data))
		}
		if len(aside) > 0 {
			lines = append(lines, r.tr.N(msgConflictCouncilAside, len(aside), data))
		}
		if _, err := r.bot.Deliver(r.ctx, a, Target{Room: c.Room}, Reply{Text: strings.Join(lines, "\n")}); err != nil {
			r.log.Error("council draw not posted in the case's space", "case", c.Number, "err", err)
		}
	}
}

// tellCouncil posts an escalation in the moderators' room, mentioning the
// council (those who take part in the case step aside).
func (r *request) tellCouncil(c ledger.Case, reason string) {
	a, to, ok := r.bot.moderatorsAdapter(r.ctx, r.com)
	if !ok {
		r.log.Warn("a case was escalated but there is no moderators' room to tell", "case", c.Number)
		return
	}
	platform, _, _ := splitRoom(r.com.Conflicts.ModeratorsRoom)
	members, aside, _, _, err := r.bot.council(r.ctx, r.com, platform, &c)
	if err != nil {
		r.log.Error("council not read", "err", err)
		return
	}
	var toks []string
	var mentions []Mention
	for _, m := range members {
		tok, mention := mentionOf(m.Voter)
		toks = append(toks, tok)
		if mention != nil {
			mentions = append(mentions, *mention)
		}
	}
	data := map[string]any{"Number": c.Number, "Actor": displayName(Mention{User: r.msg.Sender}), "Reason": reason,
		"Council": r.tr.List(toks), "Aside": r.tr.List(aside),
		"Command": r.cmdPath("conflict") + " " + r.subName("conflict", "add") + " #" + strconv.Itoa(c.Number) + " " + keyword(r.tr, kwMediator) + " @…"}
	var lines []string
	if reason != "" {
		lines = append(lines, r.tr.S(msgConflictToCouncilWhy, data))
	} else {
		lines = append(lines, r.tr.S(msgConflictToCouncil, data))
	}
	switch {
	case len(toks) == 0:
		lines = append(lines, r.tr.S(msgConflictNoCouncil, map[string]any{"Command": r.cmdPath("council") + " " + r.subName("council", "draw")}))
	default:
		lines = append(lines, r.tr.S(msgConflictCouncilMembers, data))
	}
	if len(aside) > 0 {
		lines = append(lines, r.tr.N(msgConflictCouncilAside, len(aside), data))
	}
	if _, err := r.bot.Deliver(r.ctx, a, to, Reply{Text: strings.Join(lines, "\n"), Mentions: mentions}); err != nil {
		r.log.Error("escalation not posted to the moderators", "case", c.Number, "err", err)
	}
}

// --- timed work --------------------------------------------------------

// tickConflicts posts the check-ins that are due in each case's space,
// mentioning its mediators, and tells the moderators about cases left
// without any action for too long. A check-in due while the bot was down
// is posted once, and the next one is counted from now. Each is recorded
// after it is posted: a post that fails is retried at the next tick, and a
// crash between posting and recording posts it again at restart (at least
// once, like proposal outcomes: a lost check-in could stall a mediation).
func (b *Bot) tickConflicts(ctx context.Context) error {
	now := b.now()
	var errs []error
	for _, com := range b.communities {
		if err := b.checkIns(ctx, com, now); err != nil {
			errs = append(errs, fmt.Errorf("%s: check-ins: %w", com.Slug, err))
		}
		if err := b.flagIdle(ctx, com, now); err != nil {
			errs = append(errs, fmt.Errorf("%s: idle cases: %w", com.Slug, err))
		}
	}
	return errors.Join(errs...)
}

func (b *Bot) checkIns(ctx context.Context, com *Community, now time.Time) error {
	due, err := b.ledger.DueCheckIns(ctx, com.id, now)
	if err != nil {
		return err
	}
	tr := b.catalog.In(com.Language)
	var errs []error
	for _, c := range due {
		a := b.adapterFor(ctx, c.Platform)
		if a == nil {
			b.warnOnce("adapter:"+c.Platform, "no adapter for a case's platform: its check-ins wait until one is attached", "platform", c.Platform)
			continue
		}
		next := now.Add(com.Conflicts.checkIn())
		mediators, mentions := memberMentions(tr, c.WithRole(ledger.RoleMediator))
		data := map[string]any{"Number": c.Number, "State": stateName(tr, c.State), "Mediators": mediators,
			"Next": dayTime(tr, next, com.Location), "Command": b.commandPath(tr.Lang(), "conflict", "note") + " #" + strconv.Itoa(c.Number)}
		id := msgConflictCheckIn
		if len(mentions) == 0 {
			id = msgConflictCheckInNoMediator
		}
		text := tr.S(id, data)
		if now.Sub(c.NextCheckIn) >= 24*time.Hour {
			text += "\n" + tr.S(msgConflictCheckInLate, map[string]any{"Due": dayTime(tr, c.NextCheckIn, com.Location)})
		}
		if _, err := b.Deliver(ctx, a, Target{Room: c.Room}, Reply{Text: text, Mentions: mentions, Kind: KindAnnouncement}); err != nil {
			b.log.Error("check-in not posted; retried next minute", "community", com.Slug, "case", c.Number, "err", err)
			continue
		}
		if _, err := b.ledger.RecordCheckIn(ctx, c.ID, c.NextCheckIn, next); err != nil {
			errs = append(errs, fmt.Errorf("case #%d: %w", c.Number, err))
			continue
		}
		b.log.Info("check-in posted", "community", com.Slug, "case", c.Number, "next", next)
	}
	return errors.Join(errs...)
}

// flagIdle tells the moderators, once per spell, about each case left
// without any action for the community's inactive_after.
func (b *Bot) flagIdle(ctx context.Context, com *Community, now time.Time) error {
	after := com.Conflicts.inactiveAfter()
	idle, err := b.ledger.InactiveCases(ctx, com.id, now.Add(-after))
	if err != nil || len(idle) == 0 {
		return err
	}
	a, to, ok := b.moderatorsAdapter(ctx, com)
	if !ok {
		b.warnOnce("moderators:"+com.Slug, "cases are idle, but there is no moderators' room (or no adapter for it) to tell",
			"community", com.Slug, "cases", len(idle))
		return nil
	}
	tr := b.catalog.In(com.Language)
	var errs []error
	for _, c := range idle {
		days := int(now.Sub(c.LastActivity) / (24 * time.Hour))
		data := map[string]any{"Number": c.Number, "State": stateName(tr, c.State), "Days": days,
			"Mediators": memberNames(tr, c.WithRole(ledger.RoleMediator)), "Last": shortDateTime(tr, c.LastActivity, com.Location)}
		id := msgConflictIdle
		if c.State == ledger.CaseRequested {
			id = msgConflictIdleRequest
		}
		if _, err := b.Deliver(ctx, a, to, Reply{Text: tr.N(id, days, data)}); err != nil {
			b.log.Error("idle case not told to the moderators; retried next minute", "community", com.Slug, "case", c.Number, "err", err)
			continue
		}
		if _, err := b.ledger.FlagInactive(ctx, c.ID, c.LastActivity); err != nil {
			errs = append(errs, fmt.Errorf("case #%d: %w", c.Number, err))
		}
	}
	return errors.Join(errs...)
}
