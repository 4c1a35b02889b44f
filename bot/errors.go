package bot

import (
	"errors"
	"fmt"

	"github.com/entraide/entraide/ledger"
)

// refusal is a reply-worthy refusal: a message ID and its data.
type refusal struct {
	id     string
	data   map[string]any
	plural bool // the message has plural forms, chosen by count
	count  int
}

func (e *refusal) Error() string { return "refused: " + e.id }

func refuse(id string, data map[string]any) error { return &refusal{id: id, data: data} }

// refuseN is refuse for a message with plural forms: data["Count"] is count.
func refuseN(id string, count int, data map[string]any) error {
	return &refusal{id: id, data: data, plural: true, count: count}
}

// tooLongAs words the ledger's refusal of a text too long with message
// id, given the text's length and the most allowed: the ledger holds the
// limits, and the core does not count first. Other errors pass unchanged.
func tooLongAs(err error, id string) error {
	var tl *ledger.TooLongError
	if errors.As(err, &tl) {
		return refuse(id, map[string]any{"Length": tl.Length, "Max": tl.Max})
	}
	return err
}

// refuseCode words the ledger's refusal err with the message words gives
// its code, with data. Errors of other codes pass unchanged.
func refuseCode(err error, words map[ledger.Code]string, data map[string]any) error {
	if id, ok := words[ledger.ErrorCode(err)]; ok {
		return refuse(id, data)
	}
	return err
}

// explain maps an error to the one line a member reads. Internal details
// go to the log only.
func (b *Bot) explain(r *request, err error) string {
	tr := r.tr
	var ref *refusal
	if errors.As(err, &ref) {
		if ref.plural {
			return tr.N(ref.id, ref.count, ref.data)
		}
		return tr.S(ref.id, ref.data)
	}
	var tl *ledger.TooLongError
	if errors.As(err, &tl) {
		// The ledger holds the limits: the core does not count first.
		return tr.S(msgDecisionTooLong, map[string]any{"Length": tl.Length, "Max": tl.Max})
	}
	var de *DurationError
	if errors.As(err, &de) {
		id := map[DurationErrorCode]string{
			DurationEmpty:     msgGiveNoAmount,
			DurationMalformed: msgDurationMalformed,
			DurationZero:      msgDurationZero,
			DurationNegative:  msgDurationNegative,
			DurationTooLarge:  msgDurationTooLarge,
		}[de.Code]
		return tr.S(id, map[string]any{"Input": de.Input, "Max": tr.Minutes(MaxDurationMinutes)})
	}
	var le *ledger.LimitError
	if errors.As(err, &le) {
		data := map[string]any{
			"Account": le.Account,
			"Limit":   tr.Signed(le.Limit),
			"Balance": tr.Signed(le.Balance),
			"Amount":  tr.Minutes(le.Amount),
			"After":   tr.Signed(le.Balance - le.Amount),
		}
		switch le.Kind {
		case ledger.LimitFloor:
			// Only /undo moves time out of someone else's account.
			if r.cmd.Name == "undo" {
				return tr.S(msgLimitFloorOther, data)
			}
			return tr.S(msgLimitFloorSelf, data)
		case ledger.LimitCeiling:
			data["After"] = tr.Signed(le.Balance + le.Amount)
			return tr.S(msgLimitCeiling, data)
		case ledger.LimitMaxAmount:
			data["Limit"] = tr.Minutes(le.Limit)
			return tr.S(msgLimitMaxAmount, data)
		}
	}
	var te *ledger.TextError
	if errors.As(err, &te) {
		if te.Invalid {
			return tr.S(msgTextInvalid, nil)
		}
		return tr.S(msgTextRefused, map[string]any{"Code": fmt.Sprintf("%U", te.Rune)})
	}
	switch ledger.ErrorCode(err) {
	case ledger.ECONFLICT:
		return tr.S(msgConflict, nil)
	case ledger.ESELF:
		return tr.S(msgGiveToSelf, nil)
	case ledger.EINVALID:
		r.log.Warn("invalid request reached the ledger", "err", err)
		return tr.S(msgInvalid, nil)
	}
	r.log.Error("command failed", "err", err)
	return tr.S(msgInternal, nil)
}

// Outcomes of a command, for logs and metrics.
const (
	OutcomeOK      = "ok"
	OutcomeRefused = "refused"
	OutcomeFailed  = "failed"
)

// outcomeOf classifies what a command returned as explain words it: a
// refusal the member is told about, with its message code, or a failure.
func outcomeOf(err error) (outcome, code string) {
	if err == nil {
		return OutcomeOK, ""
	}
	var ref *refusal
	if errors.As(err, &ref) {
		return OutcomeRefused, ref.id
	}
	var de *DurationError
	if errors.As(err, &de) {
		return OutcomeRefused, "duration." + de.Code.String()
	}
	var le *ledger.LimitError
	if errors.As(err, &le) {
		return OutcomeRefused, "limit." + string(le.Kind)
	}
	switch c := ledger.ErrorCode(err); c {
	case ledger.ECONFLICT, ledger.ESELF:
		return OutcomeRefused, "ledger." + string(c)
	default:
		return OutcomeFailed, "ledger." + string(c)
	}
}
