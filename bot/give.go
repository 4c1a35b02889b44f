package bot

import (
	"sort"
	"strings"

	"github.com/entraide/entraide/ledger"
)

// giveArgs is what "/give 2h @ana @bob for the garden #production" says.
type giveArgs struct {
	minutes    int64
	recipients []Mention
	note       string
	category   string // category ID, or "" for none
	group      string // working group named by "group:garden", or ""
}

// parseGiveArgs reads the amount, the recipients (mentioned before "for"),
// an optional note and an optional #category, in a forgiving order:
// "/give @ana 2h" works as well as "/give 2h @ana".
func parseGiveArgs(c *Catalog, args []string, mentions []Mention, com *Community, lang string) (giveArgs, error) {
	var g giveArgs
	var amount, note []string
	inNote := false
	for i, tok := range args {
		if name, ok := groupToken(tok); ok {
			if g.group != "" && g.group != name {
				return g, refuse(msgGiveTwoGroups, nil)
			}
			g.group = name
			continue
		}
		if strings.HasPrefix(tok, "#") && len(tok) > 1 {
			if cat, ok := com.category(tok[1:]); ok {
				if g.category != "" && g.category != cat.ID {
					return g, refuse(msgGiveTwoCategories, nil)
				}
				g.category = cat.ID
				continue
			}
			if i == len(args)-1 {
				return g, refuse(msgGiveUnknownCategory, map[string]any{"Name": tok[1:], "List": categoryList(com, lang)})
			}
		}
		if inNote {
			note = append(note, tok)
			continue
		}
		if c.is(kwFor, tok) {
			inNote = true
			continue
		}
		if m, ok := mentionFor(tok, mentions); ok {
			g.recipients = append(g.recipients, m)
			continue
		}
		if strings.HasPrefix(tok, "@") && len(tok) > 1 {
			return g, refuse(msgGiveUnknownMember, map[string]any{"Name": strings.TrimRight(tok, ",;:.!?")})
		}
		if len(g.recipients) > 0 && c.is(kwAnd, tok) {
			continue
		}
		if len(g.recipients) > 0 && len(amount) > 0 {
			// Words after the members without "for" are a note too.
			inNote = true
			note = append(note, tok)
			continue
		}
		amount = append(amount, tok)
	}
	if len(amount) == 0 {
		return g, refuse(msgGiveNoAmount, nil)
	}
	minutes, err := ParseDuration(strings.Join(amount, " "))
	if err != nil {
		return g, err
	}
	g.minutes = minutes
	if len(g.recipients) == 0 {
		return g, refuse(msgGiveNoRecipient, nil)
	}
	g.note = strings.Join(note, " ")
	return g, nil
}

// mentionFor finds the mention a token stands for, allowing the trailing
// punctuation of a sentence ("@ana, @bob").
func mentionFor(tok string, mentions []Mention) (Mention, bool) {
	trimmed := strings.TrimRight(tok, ",;:.!?")
	for _, m := range mentions {
		if m.Text == tok || m.Text == trimmed {
			return m, true
		}
	}
	return Mention{}, false
}

func categoryList(com *Community, lang string) string {
	names := make([]string, len(com.Categories))
	for i, c := range com.Categories {
		names[i] = "#" + c.Name(lang)
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

func cmdGive(r *request) error { return give(r, false) }

func cmdCommonsGive(r *request) error { return give(r, true) }

func give(r *request, fromCommons bool) error {
	if len(r.args) == 0 {
		return refuse(msgUsage, map[string]any{"Usage": r.tr.S(r.cmd.Usage, nil)})
	}
	args, answers, err := r.postAnswered(r.args) // "need:1" (aid.go)
	if err != nil {
		return err
	}
	if err := r.memberHint(args); err != nil {
		return err
	}
	g, err := parseGiveArgs(r.bot.catalog, args, r.msg.Mentions, r.com, r.tr.Lang())
	if err != nil {
		return err
	}
	if max := r.com.maxRecipients(); len(g.recipients) > max {
		return refuse(msgGiveTooManyRecipients, map[string]any{"Count": len(g.recipients), "Max": max})
	}
	recipients := make([]ledger.Identity, 0, len(g.recipients))
	seen := map[string]bool{}
	for _, m := range g.recipients {
		switch {
		case m.IsBot:
			return refuse(msgGiveToBot, nil)
		case m.User.ID == r.msg.Sender.ID && !fromCommons:
			return refuse(msgGiveToSelf, nil)
		case seen[m.User.ID]:
			return refuse(msgGiveDuplicate, map[string]any{"Name": displayName(m)})
		}
		seen[m.User.ID] = true
		recipients = append(recipients, ledger.Identity{Platform: r.msg.Platform, UserID: m.User.ID, Name: m.User.Name})
	}
	group, err := r.giveGroup(g.group)
	if err != nil {
		return err
	}
	req := ledger.GiveRequest{
		Header:      r.header(),
		FromCommons: fromCommons,
		Recipients:  recipients,
		Minutes:     g.minutes,
		Category:    g.category,
		Note:        g.note,
		Limits:      r.com.Limits,
		Group:       group.ID,
		Answers:     answers,
	}
	receipt, err := r.bot.ledger.Give(r.ctx, req)
	if answers != nil && ledger.ErrorCode(err) == ledger.ENOTFOUND {
		return r.aidRefusal(err, *answers)
	}
	if fromCommons && ledger.ErrorCode(err) == ledger.EAPPROVAL {
		return r.holdCommonsPayment(req) // commons.go
	}
	if err != nil {
		return tooLongAs(err, msgGiveNoteTooLong)
	}

	names := make([]string, len(g.recipients))
	mentions := make([]Mention, len(g.recipients))
	for i, m := range g.recipients {
		names[i] = "@" + displayName(m)
		mentions[i] = Mention{Text: names[i], User: m.User}
	}
	data := map[string]any{
		"Giver":      displayName(Mention{User: r.msg.Sender}),
		"Amount":     r.tr.Minutes(g.minutes),
		"Total":      r.tr.Minutes(g.minutes * int64(len(names))),
		"Recipients": r.tr.List(names),
		"Details":    exchangeDetails(r.tr, r.com, g.category, g.note) + groupDetail(group),
		"Entries":    entryList(r.tr, receipt.Exchanges),
		"Balance":    r.tr.Signed(receipt.ActorBalance),
		"Commons":    r.tr.Signed(receipt.CommonsBalance),
	}
	id := msgGiveOK
	switch {
	case receipt.Replayed:
		id = msgGiveReplayed
	case fromCommons:
		id = msgCommonsGiveOK
	}
	text := r.tr.N(id, len(names), data)
	if a := receipt.Answered; a != nil {
		text += "\n" + r.answeredLine(*a, receipt.Replayed)
	}
	r.reply(Reply{Text: text, Mentions: mentions})
	return nil
}

func displayName(m Mention) string {
	if m.User.Name != "" {
		return strings.TrimPrefix(m.User.Name, "@")
	}
	return strings.TrimPrefix(m.User.ID, "@")
}

// exchangeDetails renders " for “the garden” · #production".
func exchangeDetails(tr Tr, com *Community, category, note string) string {
	var s string
	if note != "" {
		s += " " + tr.S(msgDetailNote, map[string]any{"Note": note})
	}
	if category != "" {
		s += " · #" + com.categoryName(category, tr.Lang())
	}
	return s
}

func entryList(tr Tr, es []ledger.Exchange) string {
	ids := make([]string, len(es))
	for i, e := range es {
		ids[i] = tr.Number(e.ID)
	}
	return tr.List(ids)
}
