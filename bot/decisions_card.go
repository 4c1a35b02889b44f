package bot

import (
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/entraide/entraide/ledger"
)

// mentionOf writes a member as "@name" and, when they have an identity on
// the proposal's platform, the mention that pings them there.
func mentionOf(v ledger.Voter) (string, *Mention) {
	tok := "@" + strings.Join(strings.Fields(v.Name), "_")
	if v.UserID == "" {
		return tok, nil
	}
	return tok, &Mention{Text: tok, User: User{ID: v.UserID, Name: v.Name}}
}

func truncate(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return strings.TrimSpace(string([]rune(s)[:n-1])) + "…"
}

func kindName(tr Tr, k ledger.ResponseKind) string {
	return tr.S(map[ledger.ResponseKind]string{
		ledger.Consent:    msgDecisionKindConsent,
		ledger.Concern:    msgDecisionKindConcern,
		ledger.StandAside: msgDecisionKindStandAside,
		ledger.Objection:  msgDecisionKindObjection,
		ledger.Withdrawn:  msgDecisionKindWithdrawn,
	}[k], nil)
}

func resolutionName(tr Tr, k ledger.ResolutionKind) string {
	if k == ledger.Integrated {
		return tr.S(msgDecisionResolutionIntegrated, nil)
	}
	return tr.S(msgDecisionResolutionNotParamount, nil)
}

// tallyText is "consent 2 · concerns 1 · stand aside 0 · objections 1 ·
// waiting for 5" ("no response 5" once closed), with the quorum when there
// is one.
func tallyText(tr Tr, p ledger.Proposal) string {
	t := p.Tally()
	id := msgDecisionTally
	if !p.Open() {
		id = msgDecisionTallyClosed
	}
	s := tr.S(id, map[string]any{
		"Consent": len(t.Consent), "Concern": len(t.Concern), "StandAside": len(t.StandAside),
		"Objection": len(t.Standing), "Waiting": len(t.Waiting),
	})
	if t.Quorum > 0 {
		s += " · " + tr.S(msgDecisionTallyQuorum, map[string]any{"Responded": t.Responded, "Quorum": t.Quorum})
	}
	return s
}

// tallyLine is the tally a confirmation carries where the card can't be
// edited in place.
func tallyLine(tr Tr, p ledger.Proposal) string {
	return tr.S(msgDecisionTallyLine, map[string]any{"Number": p.Number, "Version": p.Version(), "Tally": tallyText(tr, p)})
}

// quoted is "name (“text”)".
func quoted(tr Tr, name, text string) string {
	return tr.S(msgDecisionItemText, map[string]any{"Name": name, "Text": text})
}

// card is a proposal's card: its text, deadline, tally, who responded how,
// and buttons to respond while it is open. Votes are open.
func (b *Bot) card(tr Tr, com *Community, p ledger.Proposal) Reply {
	tok, mention := mentionOf(p.Proposer)
	data := map[string]any{
		"Number": p.Number, "Proposer": tok, "Version": p.Version(), "Text": p.Text(),
		"Deadline": dayTime(tr, p.Deadline, com.Location), "Date": dayTime(tr, closedAt(p), com.Location),
		"Tally": tallyText(tr, p),
	}
	lines := []string{tr.S(msgDecisionCardTitle, data)}
	switch {
	case p.Open():
		lines = append(lines, tr.S(msgDecisionCardOpen, data))
	case p.Outcome == ledger.Adopted:
		lines = append(lines, tr.S(msgDecisionCardAdopted, data))
	default:
		lines = append(lines, tr.S(msgDecisionCardNotAdopted, data))
	}
	if p.ClosedBy != nil {
		lines = append(lines, closedLine(tr, com, p, p.ClosedBy.Name))
	}
	lines = append(lines, groupCardLine(tr, p)...) // a group's proposal (groups.go)
	t := p.Tally()
	lines = append(lines, whoLine(tr, msgDecisionWhoConsent, t.Consent, false)...)
	lines = append(lines, whoLine(tr, msgDecisionWhoConcern, t.Concern, true)...)
	lines = append(lines, whoLine(tr, msgDecisionWhoStandAside, t.StandAside, false)...)
	lines = append(lines, whoLine(tr, msgDecisionWhoObjection, append(append([]ledger.Response(nil), t.Standing...), t.Resolved...), true)...)
	lines = append(lines, whoLine(tr, msgDecisionWhoWithdrawn, t.Withdrawn, false)...)
	r := Reply{Text: strings.Join(lines, "\n")}
	if mention != nil {
		r.Mentions = []Mention{*mention}
	}
	n := " " + strconv.Itoa(p.Number)
	path := func(name string) string {
		for _, c := range b.commands {
			if c.Name == name {
				return c.path(tr.Lang()) + n
			}
		}
		return "/" + name + n
	}
	r.Card = proposalCard(tr, data, lines[1], groupCardLine(tr, p), t, path("proposal"))
	if p.Open() {
		r.Buttons = []Button{
			{Label: tr.S(msgDecisionButtonConsent, nil), Payload: path("consent"), Emoji: "👍"},
			{Label: tr.S(msgDecisionButtonConcern, nil), Payload: path("concern"), Emoji: "🤔", Ask: tr.S(msgDecisionAskConcern, nil)},
			{Label: tr.S(msgDecisionButtonStandAside, nil), Payload: path("standaside"), Emoji: "🙊"},
			{Label: tr.S(msgDecisionButtonObject, nil), Payload: path("object"), Emoji: "✋", Ask: tr.S(msgDecisionAskObjection, nil)},
		}
	}
	return r
}

// proposalCard is the card's structure: the text as its body, the state
// and tally as its footer, and a part per concern and per objection, with
// its reason, so that none is lost when a platform shortens the card.
func proposalCard(tr Tr, data map[string]any, state string, group []string, t ledger.Tally, more string) *Card {
	c := &Card{
		Title:  tr.S(msgDecisionCardHeading, data),
		Body:   data["Text"].(string),
		Footer: strings.Join(append([]string{state}, group...), "\n"),
		More:   tr.S(msgDecisionCardMore, map[string]any{"Command": more}),
	}
	names := func(id string, rs []ledger.Response) {
		if len(rs) == 0 {
			return
		}
		items := make([]string, len(rs))
		for i, r := range rs {
			items[i] = r.Voter.Name
		}
		label := strings.TrimRight(tr.S(id, map[string]any{"Names": ""}), " :\u00a0\u202f")
		c.Fields = append(c.Fields, CardField{Name: label, Value: tr.List(items)})
	}
	reasons := func(id string, rs []ledger.Response, keep bool) {
		for _, r := range rs {
			value := r.Text
			if r.Resolution != nil {
				value = tr.S(msgDecisionItemResolved, map[string]any{"Name": r.Voter.Name, "Text": r.Text,
					"Resolution": resolutionName(tr, r.Resolution.Kind), "Actor": r.Resolution.Actor.Name})
			}
			c.Fields = append(c.Fields, CardField{Name: tr.S(id, map[string]any{"Name": r.Voter.Name}), Value: value, Keep: keep})
		}
	}
	reasons(msgDecisionFieldObjection, append(append([]ledger.Response(nil), t.Standing...), t.Resolved...), true)
	reasons(msgDecisionFieldConcern, t.Concern, false)
	names(msgDecisionWhoConsent, t.Consent)
	names(msgDecisionWhoStandAside, t.StandAside)
	names(msgDecisionWhoWithdrawn, t.Withdrawn)
	return c
}

// closedAt is when voting ended: the deadline, for a proposal closed at
// its deadline (whenever a tick recorded it), else when it was closed.
func closedAt(p ledger.Proposal) time.Time {
	if p.ClosedBy == nil && !p.Open() {
		return p.Deadline
	}
	return p.ClosedAt
}

// whoLine names the members who responded one way ("👍 Consent: bob and
// chloe"), with what they said when withText; nothing when nobody did.
func whoLine(tr Tr, id string, rs []ledger.Response, withText bool) []string {
	if len(rs) == 0 {
		return nil
	}
	items := make([]string, len(rs))
	for i, r := range rs {
		items[i] = r.Voter.Name
		if withText {
			items[i] = quoted(tr, r.Voter.Name, r.Text)
		}
		if r.Resolution != nil {
			items[i] = tr.S(msgDecisionItemResolved, map[string]any{"Name": r.Voter.Name, "Text": r.Text,
				"Resolution": resolutionName(tr, r.Resolution.Kind), "Actor": r.Resolution.Actor.Name})
		}
	}
	return []string{tr.S(id, map[string]any{"Names": tr.List(items)})}
}

// objectionItem says what became of one objection.
func objectionItem(tr Tr, p ledger.Proposal, o ledger.Response, name string) string {
	if p.Version() > 1 {
		name += " (v" + strconv.Itoa(o.Version) + ")"
	}
	state, next := p.ObjectionState(o)
	data := map[string]any{"Name": name, "Text": o.Text, "Next": o.Version + 1}
	switch state {
	case ledger.ObjectionResolved:
		data["Resolution"] = resolutionName(tr, o.Resolution.Kind)
		data["Actor"] = o.Resolution.Actor.Name
		data["Reason"] = o.Resolution.Reason
		return tr.S(msgDecisionObjectionResolved, data)
	case ledger.ObjectionWithdrawn:
		return tr.S(msgDecisionObjectionWithdrawn, data)
	case ledger.ObjectionChanged:
		data["Kind"] = kindName(tr, next.Kind)
		return tr.S(msgDecisionObjectionChanged, data)
	case ledger.ObjectionSuperseded:
		return tr.S(msgDecisionObjectionSuperseded, data)
	}
	return tr.S(msgDecisionObjectionStanding, data)
}

// outcomeReply announces how a proposal closed: the outcome and why, the
// tally, the concerns, and every objection with what became of it. It
// mentions the proposer and the objectors.
func outcomeReply(tr Tr, com *Community, p ledger.Proposal) Reply {
	var mentions []Mention
	pinged := map[string]bool{}
	ping := func(v ledger.Voter) string {
		tok, m := mentionOf(v)
		if m != nil && !pinged[m.User.ID] {
			pinged[m.User.ID] = true
			mentions = append(mentions, *m)
		}
		return tok
	}
	t := p.Tally()
	data := map[string]any{"Number": p.Number, "Proposer": ping(p.Proposer), "Version": p.Version(), "Text": p.Text(),
		"Date": dayTime(tr, p.Deadline, com.Location), "Quorum": t.Quorum}
	var lines []string
	if p.Outcome == ledger.Adopted {
		lines = append(lines, tr.S(msgDecisionOutcomeAdopted, data))
	} else {
		lines = append(lines, tr.S(msgDecisionOutcomeNotAdopted, data))
		if len(t.Standing) > 0 {
			lines = append(lines, tr.N(msgDecisionWhyObjection, len(t.Standing), data))
		}
		if !t.QuorumMet() {
			lines = append(lines, tr.N(msgDecisionWhyQuorum, t.Responded, data))
		}
	}
	if p.ClosedBy != nil {
		lines = append(lines, closedLine(tr, com, p, ping(*p.ClosedBy)))
	} else {
		lines = append(lines, tr.S(msgDecisionClosedDeadline, data))
	}
	lines = append(lines, tallyText(tr, p))
	// Votes are open: the outcome names who responded how.
	lines = append(lines, whoLine(tr, msgDecisionWhoConsent, t.Consent, false)...)
	lines = append(lines, whoLine(tr, msgDecisionWhoStandAside, t.StandAside, false)...)
	if len(t.Concern) > 0 {
		lines = append(lines, tr.S(msgDecisionOutcomeConcerns, nil))
		for _, c := range t.Concern {
			lines = append(lines, "• "+tr.S(msgDecisionItemColon, map[string]any{"Name": c.Voter.Name, "Text": c.Text}))
		}
	}
	if objections := p.Objections(); len(objections) > 0 {
		lines = append(lines, tr.S(msgDecisionOutcomeObjections, nil))
		for _, o := range objections {
			lines = append(lines, "• "+objectionItem(tr, p, o, ping(o.Voter)))
		}
	}
	return Reply{Text: strings.Join(lines, "\n"), Mentions: mentions}
}

// closedLine says who closed a proposal before its deadline, when, and
// why when a moderator gave a reason: name is how to show who.
func closedLine(tr Tr, com *Community, p ledger.Proposal, name string) string {
	data := map[string]any{"Name": name, "Date": dayTime(tr, p.ClosedAt, com.Location), "Reason": p.CloseReason}
	if p.CloseReason != "" {
		return tr.S(msgDecisionClosedByWhy, data)
	}
	return tr.S(msgDecisionClosedBy, data)
}

// reminderReply says a proposal closes soon, mentioning who has not
// responded yet.
func reminderReply(tr Tr, com *Community, p ledger.Proposal) Reply {
	var names []string
	var mentions []Mention
	for _, v := range p.Tally().Waiting {
		tok, m := mentionOf(v)
		names = append(names, tok)
		if m != nil {
			mentions = append(mentions, *m)
		}
	}
	proposer, _ := mentionOf(p.Proposer)
	text := tr.S(msgDecisionReminder, map[string]any{
		"Number": p.Number, "Proposer": strings.TrimPrefix(proposer, "@"), "Text": truncate(p.Text(), 120),
		"Deadline": dayTime(tr, p.Deadline, com.Location), "Names": tr.List(names),
	})
	return Reply{Text: text, Mentions: mentions}
}

// history lists a proposal's versions, each with its responses and the
// resolutions of its objections, oldest first.
func history(tr Tr, com *Community, p ledger.Proposal) string {
	lines := []string{tr.S(msgDecisionHistory, nil)}
	for _, v := range p.Versions {
		lines = append(lines, tr.S(msgDecisionHistoryVersion, map[string]any{
			"Version": v.Number, "Date": shortDateTime(tr, v.CreatedAt, com.Location), "Text": v.Text}))
		for _, r := range p.Responses {
			if r.Version != v.Number {
				continue
			}
			data := map[string]any{"Date": shortDateTime(tr, r.CreatedAt, com.Location), "Name": r.Voter.Name,
				"Kind": kindName(tr, r.Kind), "Text": r.Text}
			id := msgDecisionHistoryResponse
			if r.Text != "" {
				id = msgDecisionHistoryResponseText
			}
			lines = append(lines, "  "+tr.S(id, data))
			if res := r.Resolution; res != nil {
				lines = append(lines, "    "+tr.S(msgDecisionHistoryResolution, map[string]any{
					"Date": shortDateTime(tr, res.CreatedAt, com.Location), "Actor": res.Actor.Name,
					"Resolution": resolutionName(tr, res.Kind), "Reason": res.Reason}))
			}
		}
	}
	if p.ClosedBy != nil {
		id := msgDecisionHistoryClosed
		if p.CloseReason != "" {
			id = msgDecisionHistoryClosedWhy
		}
		lines = append(lines, "  "+tr.S(id, map[string]any{"Date": shortDateTime(tr, p.ClosedAt, com.Location),
			"Name": p.ClosedBy.Name, "Reason": p.CloseReason}))
	}
	return strings.Join(lines, "\n")
}

// decisionLine is one proposal in /decisions.
func decisionLine(tr Tr, com *Community, p ledger.Proposal) string {
	proposer := p.Proposer.Name
	data := map[string]any{"Number": p.Number, "Version": p.Version(), "Text": truncate(p.Text(), 60), "Proposer": proposer,
		"Deadline": dayTime(tr, p.Deadline, com.Location), "Date": dayTime(tr, closedAt(p), com.Location),
		"Tally": tallyText(tr, p)}
	switch {
	case p.Open():
		return tr.S(msgDecisionListOpen, data)
	case p.Outcome == ledger.Adopted:
		return tr.S(msgDecisionListAdopted, data)
	}
	return tr.S(msgDecisionListNotAdopted, data)
}
