package bot

import (
	"context"
	"strconv"
	"strings"

	"github.com/entraide/entraide/ledger"
)

// Nobody pays themselves alone: a moderator's payment from the commons
// that pays them is held until another moderator, not paid by it,
// approves it (ledger/commons.go). With a single moderator there is
// nobody to approve, and the bot says so instead of holding it forever.

// CommonsLedger is what held commons payments need from the ledger.
type CommonsLedger interface {
	RequestCommonsPayment(ctx context.Context, req ledger.GiveRequest) (*ledger.CommonsPaymentReceipt, error)
	DecideCommonsPayment(ctx context.Context, req ledger.PaymentDecision) (*ledger.CommonsPaymentReceipt, error)
	CommonsPayments(ctx context.Context, c ledger.CommunityID, pendingOnly bool) ([]ledger.CommonsPayment, error)
}

// moderatorCount is how many people moderate the community: configured
// identities that the ledger knows as one linked account count once.
func (r *request) moderatorCount() (int, error) {
	seen := map[string]bool{}
	for _, entry := range r.com.Moderators {
		platform, user, _ := splitRoom(entry)
		acct, found, err := r.bot.ledger.Member(r.ctx, r.com.id, ledger.Identity{Platform: platform, UserID: user})
		if err != nil {
			return 0, err
		}
		key := entry
		if found {
			key = "account:" + strconv.FormatInt(int64(acct.ID), 10)
		}
		seen[key] = true
	}
	return len(seen), nil
}

// holdCommonsPayment records a commons payment that pays its moderator
// as pending, and tells the moderators' room where it is not typed there.
func (r *request) holdCommonsPayment(req ledger.GiveRequest) error {
	n, err := r.moderatorCount()
	if err != nil {
		return err
	}
	if n < 2 {
		return refuse(msgCommonsSelfSingle, nil)
	}
	rec, err := r.bot.ledger.RequestCommonsPayment(r.ctx, req)
	if err != nil {
		return err
	}
	p := rec.Payment
	data := r.paymentData(p)
	if rec.Replayed {
		r.reply(Reply{Private: true, Text: r.tr.S(msgCommonsHeldReplayed, data)})
		return nil
	}
	r.log.Info("commons payment held for approval", "payment", p.Number)
	text := r.tr.N(msgCommonsHeld, len(p.Recipients), data)
	r.reply(Reply{Text: text})
	if !r.inModeratorsRoom() {
		if a, to, ok := r.bot.moderatorsAdapter(r.ctx, r.com); ok {
			if _, err := r.bot.Deliver(r.ctx, a, to, Reply{Text: text}); err != nil {
				r.log.Error("held payment not told to the moderators", "payment", p.Number, "err", err)
			}
		}
	}
	return nil
}

// paymentData is what the catalogue's payment messages show.
func (r *request) paymentData(p ledger.CommonsPayment) map[string]any {
	names := make([]string, len(p.Recipients))
	for i, v := range p.Recipients {
		names[i] = v.Name
	}
	data := map[string]any{
		"Number":     p.Number,
		"Requester":  p.Requester.Name,
		"Amount":     r.tr.Minutes(p.Minutes),
		"Total":      r.tr.Minutes(p.Minutes * int64(len(p.Recipients))),
		"Recipients": r.tr.List(names),
		"Details":    exchangeDetails(r.tr, r.com, p.Category, p.Note),
		"Date":       shortDateTime(r.tr, p.CreatedAt, r.com.Location),
		"Approve":    r.cmdPath("commons") + " " + r.subName("commons", "approve") + " " + strconv.Itoa(p.Number),
		"Reject":     r.cmdPath("commons") + " " + r.subName("commons", "reject") + " " + strconv.Itoa(p.Number),
	}
	if p.Decider != nil {
		data["Actor"] = p.Decider.Name
	}
	return data
}

// paymentNumber reads the payment number, the first argument.
func (r *request) paymentNumber() (int, error) { return r.numberArg(msgCommonsBadNumber) }

func cmdCommonsPending(r *request) error {
	if len(r.args) > 0 {
		return r.usage()
	}
	ps, err := r.bot.ledger.CommonsPayments(r.ctx, r.com.id, true)
	if err != nil {
		return err
	}
	if len(ps) == 0 {
		r.reply(Reply{Private: true, Text: r.tr.S(msgCommonsPendingNone, nil)})
		return nil
	}
	lines := []string{r.tr.N(msgCommonsPendingHeader, len(ps), nil)}
	for _, p := range ps {
		lines = append(lines, r.tr.N(msgCommonsPendingLine, len(p.Recipients), r.paymentData(p)))
	}
	lines = append(lines, r.tr.S(msgCommonsPendingHint, map[string]any{
		"Approve": r.cmdPath("commons") + " " + r.subName("commons", "approve"),
		"Reject":  r.cmdPath("commons") + " " + r.subName("commons", "reject"),
	}))
	r.reply(Reply{Private: true, Text: strings.Join(lines, "\n")})
	return nil
}

func cmdCommonsApprove(r *request) error { return decidePayment(r, true) }

func cmdCommonsReject(r *request) error { return decidePayment(r, false) }

func decidePayment(r *request, approve bool) error {
	n, err := r.paymentNumber()
	if err != nil {
		return err
	}
	if approve && len(r.args) > 1 {
		return r.usage()
	}
	rec, err := r.bot.ledger.DecideCommonsPayment(r.ctx, ledger.PaymentDecision{
		Header: r.header(), Number: n,
		Approve: approve, Moderator: r.moderator(),
		Reason: r.textAfter(2), Limits: r.com.Limits,
	})
	if err != nil {
		return r.paymentRefusal(err, n)
	}
	p := rec.Payment
	data := r.paymentData(p)
	if rec.Replayed {
		r.reply(Reply{Private: true, Text: r.tr.S(msgCommonsDecisionReplayed, data)})
		return nil
	}
	if !approve {
		id := msgCommonsRejected
		if p.Reason != "" {
			id = msgCommonsRejectedWhy
			data["Reason"] = p.Reason
		}
		r.reply(Reply{Text: r.tr.S(id, data)})
		return nil
	}
	data["Entries"] = entryList(r.tr, rec.Gift.Exchanges)
	data["Commons"] = r.tr.Signed(rec.Gift.CommonsBalance)
	r.log.Info("commons payment approved", "payment", p.Number)
	r.reply(Reply{Text: r.tr.N(msgCommonsApproved, len(p.Recipients), data)})
	return nil
}

// paymentRefusal words the ledger's refusals about payment #n.
func (r *request) paymentRefusal(err error, n int) error {
	data := map[string]any{"Number": n, "Command": r.cmdPath("commons") + " " + r.subName("commons", "pending")}
	return refuseCode(err, map[ledger.Code]string{
		ledger.ENOTFOUND:   msgCommonsPaymentNotFound,
		ledger.ECLOSED:     msgCommonsPaymentDecided,
		ledger.ESAMEPERSON: msgCommonsSamePerson,
		ledger.EFORBIDDEN:  msgCommonsRejectForbidden,
	}, data)
}
