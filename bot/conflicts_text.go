package bot

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/entraide/entraide/ledger"
)

// What conflict replies say: states, members, the rules, the welcome,
// a case's status.

func stateName(tr Tr, s ledger.CaseState) string {
	return tr.S(map[ledger.CaseState]string{
		ledger.CaseRequested:         msgConflictStateRequested,
		ledger.CaseOpen:              msgConflictStateOpen,
		ledger.CaseInMediation:       msgConflictStateInMediation,
		ledger.CaseAgreement:         msgConflictStateAgreement,
		ledger.CaseClosedNoAgreement: msgConflictStateClosed,
		ledger.CaseEscalated:         msgConflictStateEscalated,
	}[s], nil)
}

// memberNames lists members by name: "Ana and Bob".
func memberNames(tr Tr, ms []ledger.CaseMember) string {
	names := make([]string, len(ms))
	for i, m := range ms {
		names[i] = m.Name
	}
	if len(names) == 0 {
		return tr.S(msgConflictNobody, nil)
	}
	return tr.List(names)
}

// memberMentions lists members as mentions, to ping them.
func memberMentions(tr Tr, ms []ledger.CaseMember) (string, []Mention) {
	toks := make([]string, 0, len(ms))
	var mentions []Mention
	for _, m := range ms {
		tok, mention := mentionOf(ledger.Voter{Account: m.Account, Name: m.Name, UserID: m.UserID})
		toks = append(toks, tok)
		if mention != nil {
			mentions = append(mentions, *mention)
		}
	}
	if len(toks) == 0 {
		return tr.S(msgConflictNobody, nil), nil
	}
	return tr.List(toks), mentions
}

// rules is the community's mediation rules in its language.
func rules(tr Tr, com *Community) string {
	if s := strings.TrimSpace(com.Conflicts.Rules[tr.Lang()]); s != "" {
		return s
	}
	return tr.S(msgConflictRulesDefault, nil)
}

// welcome is what the bot posts first in a case's space: who is there,
// the rules, and what comes next.
func (b *Bot) welcome(tr Tr, com *Community, c ledger.Case) Reply {
	parties, pm := memberMentions(tr, c.WithRole(ledger.RoleParty))
	mediators, mm := memberMentions(tr, c.WithRole(ledger.RoleMediator))
	data := map[string]any{"Number": c.Number, "Topic": c.Topic, "Parties": parties, "Mediators": mediators,
		"Rules": rules(tr, com), "Every": formatEvery(tr, com.Conflicts.checkIn()), "Next": dayTime(tr, c.NextCheckIn, com.Location),
		"Status": b.commandPath(tr.Lang(), "conflict", "status") + " #" + strconv.Itoa(c.Number)}
	id := msgConflictWelcome
	if c.Topic == "" {
		id = msgConflictWelcomeNoTopic
	}
	return Reply{Text: tr.S(id, data), Mentions: append(pm, mm...)}
}

// formatEvery shows a period as a repetition: "chaque jour", "tous les 2 jours".
func formatEvery(tr Tr, d time.Duration) string {
	if d >= 24*time.Hour && d%(24*time.Hour) == 0 {
		return tr.N(msgConflictEveryDays, int(d/(24*time.Hour)), nil)
	}
	return tr.N(msgConflictEveryHours, int(d.Round(time.Hour)/time.Hour), nil)
}

// FormatDays says a duration in days ("7 days") or, below two days, hours.
func FormatDays(tr Tr, d time.Duration) string {
	if d >= 48*time.Hour && d%(24*time.Hour) == 0 {
		return tr.N(msgConflictDays, int(d/(24*time.Hour)), nil)
	}
	return tr.N(msgConflictHours, int(d.Round(time.Hour)/time.Hour), nil)
}

// statusLines describe a case; notes are shown only when withNotes.
func (b *Bot) statusLines(ctx context.Context, tr Tr, com *Community, c ledger.Case, withNotes bool) ([]string, error) {
	data := map[string]any{"Number": c.Number, "State": stateName(tr, c.State), "Topic": c.Topic,
		"Parties": memberNames(tr, c.WithRole(ledger.RoleParty)), "Mediators": memberNames(tr, c.WithRole(ledger.RoleMediator)),
		"Date": shortDateTime(tr, c.CreatedAt, com.Location), "Next": dayTime(tr, c.NextCheckIn, com.Location),
		"Summary": c.Summary, "Last": shortDateTime(tr, c.LastActivity, com.Location)}
	head := msgConflictStatusHeader
	if c.Topic == "" {
		head = msgConflictStatusHeaderNoTopic
	}
	lines := []string{tr.S(head, data), tr.S(msgConflictStatusMembers, data)}
	switch {
	case c.State.Closed():
		data["Date"] = shortDateTime(tr, c.ClosedAt, com.Location)
		lines = append(lines, tr.S(msgConflictStatusClosed, data))
	case c.State == ledger.CaseRequested:
		lines = append(lines, tr.S(msgConflictStatusRequested, data))
	default:
		lines = append(lines, tr.S(msgConflictStatusFollowUp, data))
	}
	if !withNotes {
		return lines, nil
	}
	log, err := b.ledger.CaseLog(ctx, c.ID)
	if err != nil {
		return nil, err
	}
	var notes []string
	for _, e := range log {
		switch e.Kind {
		case ledger.LogNote, ledger.LogRequested:
			notes = append(notes, tr.S(msgConflictStatusNote, map[string]any{"Date": shortDateTime(tr, e.CreatedAt, com.Location),
				"Name": e.Actor.Name, "Text": e.Text}))
		case ledger.LogEscalated:
			if e.Text != "" {
				notes = append(notes, tr.S(msgConflictStatusNote, map[string]any{"Date": shortDateTime(tr, e.CreatedAt, com.Location),
					"Name": e.Actor.Name, "Text": e.Text}))
			}
		}
	}
	if len(notes) > 5 {
		lines = append(lines, tr.N(msgConflictStatusEarlierNotes, len(notes)-5, nil))
		notes = notes[len(notes)-5:]
	}
	if len(notes) > 0 {
		lines = append(lines, tr.S(msgConflictStatusNotes, nil))
		lines = append(lines, notes...)
	}
	return lines, nil
}
