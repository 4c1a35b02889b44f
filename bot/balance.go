package bot

import (
	"errors"
	"strconv"
	"strings"

	"github.com/entraide/entraide/ledger"
)

// historyPageSize is how many entries one /history page shows.
const historyPageSize = 10

// maxHistoryPage caps page numbers, so that the ledger's offset
// (page × size) stays far from overflowing.
const maxHistoryPage = 100000

func cmdBalance(r *request) error {
	who, err := r.subject()
	if err != nil {
		return err
	}
	acct, _, err := r.bot.ledger.Member(r.ctx, r.com.id, who.identity)
	if err != nil {
		return err
	}
	data := map[string]any{
		"Name":    who.name,
		"Balance": r.tr.Signed(acct.Balance),
		"Floor":   r.tr.Signed(r.com.Limits.Floor),
		"Ceiling": r.tr.Signed(r.com.Limits.Ceiling),
	}
	id := msgBalanceOther
	if who.self {
		id = msgBalanceSelf
	}
	r.reply(Reply{Text: r.tr.S(id, data), Private: true})
	return nil
}

func cmdHistory(r *request) error {
	who, err := r.subject()
	if err != nil {
		return err
	}
	page, err := r.page()
	if err != nil {
		return err
	}
	hp, err := r.bot.ledger.History(r.ctx, r.com.id, who.identity, page, historyPageSize)
	if err != nil {
		return err
	}
	next := "/" + r.cmd.Name
	if who.mention != nil {
		next += " " + who.mention.Text
	}
	r.reply(Reply{Text: renderHistory(r, who.name, who.self, hp, next), Private: true})
	return nil
}

func cmdCommonsBalance(r *request) error {
	if len(r.args) > 0 {
		return refuse(msgUsage, map[string]any{"Usage": r.tr.S(msgUsageCommons, nil)})
	}
	acct, err := r.bot.ledger.Commons(r.ctx, r.com.id)
	if err != nil {
		return err
	}
	r.reply(Reply{Text: r.tr.S(msgCommonsBalance, map[string]any{"Balance": r.tr.Signed(acct.Balance)})})
	return nil
}

func cmdCommonsHistory(r *request) error {
	page, err := r.page()
	if err != nil {
		return err
	}
	hp, err := r.bot.ledger.CommonsHistory(r.ctx, r.com.id, page, historyPageSize)
	if err != nil {
		return err
	}
	r.reply(Reply{Text: renderHistory(r, "", false, hp, r.cmd.path(r.tr.Lang()))})
	return nil
}

// renderHistory shows a page of history; name is "" for the commons, and
// self says the page is the sender's own.
func renderHistory(r *request, name string, self bool, hp ledger.HistoryPage, next string) string {
	if len(hp.Entries) == 0 {
		if hp.Page > 1 {
			return r.tr.S(msgHistoryNoPage, map[string]any{"Page": hp.Page})
		}
		if name == "" {
			return r.tr.S(msgHistoryCommonsEmpty, nil)
		}
		if self {
			return r.tr.S(msgHistoryEmptySelf, nil)
		}
		return r.tr.S(msgHistoryEmpty, map[string]any{"Name": name})
	}
	header := map[string]any{"Name": name, "Page": hp.Page, "Balance": r.tr.Signed(hp.Account.Balance)}
	lines := []string{r.tr.S(msgHistoryHeader, header)}
	if name == "" {
		lines[0] = r.tr.S(msgHistoryCommonsHeader, header)
	}
	for _, e := range hp.Entries {
		lines = append(lines, entryLine(r.tr, r.com, hp.Account.ID, e))
	}
	if hp.HasMore {
		lines = append(lines, r.tr.S(msgHistoryMore, map[string]any{"Command": next + " " + strconv.Itoa(hp.Page+1)}))
	}
	return strings.Join(lines, "\n")
}

// entryLine renders one entry from the point of view of account.
func entryLine(tr Tr, com *Community, account ledger.AccountID, e ledger.Exchange) string {
	in := e.To == account
	other, otherKind := e.FromName, e.FromKind
	if !in {
		other, otherKind = e.ToName, e.ToKind
	}
	id := msgHistoryOut
	if in {
		id = msgHistoryIn
	}
	if otherKind == ledger.KindCommons {
		// "from the commons" is "des communs" in French, not "de les communs".
		id = msgHistoryOutCommons
		if in {
			id = msgHistoryInCommons
		}
	}
	details := exchangeDetails(tr, com, e.Category, e.Note)
	switch {
	case e.Kind == ledger.OpLink:
		details = " " + tr.S(msgHistoryLink, nil)
	case e.Kind == ledger.OpUnlink:
		details = " " + tr.S(msgHistoryUnlink, nil)
	case e.Kind == ledger.OpUndo:
		details = " " + tr.S(msgHistoryUndo, map[string]any{"Of": e.Reverses})
	case e.Reverses != 0:
		details = " " + tr.S(msgHistoryCorrection, map[string]any{"Of": e.Reverses, "Reason": e.Reason, "By": e.ActorName})
	}
	if e.ReversedBy != 0 {
		details += " " + tr.S(msgHistoryReversed, map[string]any{"By": e.ReversedBy})
	}
	return tr.S(id, map[string]any{
		"ID":      e.ID,
		"Date":    e.CreatedAt.In(com.Location).Format(tr.S(msgDateLayout, nil)),
		"Amount":  tr.Minutes(e.Minutes),
		"Other":   other,
		"Details": details,
	})
}

// subject is whose balance or history a command asks about.
type subject struct {
	identity ledger.Identity
	name     string
	self     bool
	mention  *Mention
}

// subject reads an optional leading mention: the sender by default.
func (r *request) subject() (subject, error) {
	if len(r.args) > 0 {
		if m, ok := mentionFor(r.args[0], r.msg.Mentions); ok {
			r.args = r.args[1:]
			if m.IsBot {
				return subject{}, refuse(msgBalanceBot, nil)
			}
			return subject{
				identity: ledger.Identity{Platform: r.msg.Platform, UserID: m.User.ID, Name: m.User.Name},
				name:     displayName(m),
				self:     m.User.ID == r.msg.Sender.ID,
				mention:  &m,
			}, nil
		}
		if strings.HasPrefix(r.args[0], "@") {
			return subject{}, refuse(msgGiveUnknownMember, map[string]any{"Name": r.args[0]})
		}
	}
	return subject{identity: r.sender(), name: displayName(Mention{User: r.msg.Sender}), self: true}, nil
}

// page reads an optional page number, the last argument.
func (r *request) page() (int, error) {
	switch len(r.args) {
	case 0:
		return 1, nil
	case 1:
		in := strings.TrimPrefix(r.args[0], "#")
		n, err := strconv.Atoi(in)
		if err == nil && n > maxHistoryPage || errors.Is(err, strconv.ErrRange) && !strings.HasPrefix(in, "-") {
			return 0, refuse(msgPageTooLarge, map[string]any{"Input": in, "Max": maxHistoryPage})
		}
		if err != nil || n < 1 {
			return 0, refuse(msgBadPage, map[string]any{"Input": r.args[0]})
		}
		return n, nil
	}
	return 0, refuse(msgUsage, map[string]any{"Usage": r.tr.S(r.cmd.Usage, nil)})
}
