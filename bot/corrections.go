package bot

import (
	"strconv"
	"strings"

	"github.com/entraide/entraide/ledger"
)

func cmdUndo(r *request) error {
	if len(r.args) > 0 {
		return refuse(msgUsage, map[string]any{"Usage": r.tr.S(msgUsageUndo, nil)})
	}
	receipt, err := r.bot.ledger.Undo(r.ctx, ledger.UndoRequest{
		Header: r.header(),
		Window: r.com.UndoWindow,
		Limits: r.com.Limits,
	})
	window := map[string]any{"Window": r.tr.Minutes(int64(r.com.UndoWindow.Minutes()))}
	if err != nil {
		return refuseCode(err, map[ledger.Code]string{
			ledger.ENOTHING:  msgUndoNothing,
			ledger.EREVERSED: msgUndoAlready,
			ledger.EEXPIRED:  msgUndoExpired,
		}, window)
	}
	var originals, names []string
	var total int64
	for _, e := range receipt.Exchanges {
		originals = append(originals, r.tr.Number(e.Reverses))
		names = append(names, e.FromName)
		total += e.Minutes
	}
	id := msgUndoOK
	if receipt.Replayed {
		id = msgUndoReplayed
	}
	r.reply(Reply{Text: r.tr.S(id, map[string]any{
		"Amount":     r.tr.Minutes(total),
		"Recipients": r.tr.List(names),
		"Originals":  r.tr.List(originals),
		"Entries":    entryList(r.tr, receipt.Exchanges),
		"Balance":    r.tr.Signed(receipt.ActorBalance),
	})})
	return nil
}

func cmdReverse(r *request) error {
	if len(r.args) == 0 {
		return refuse(msgUsage, map[string]any{"Usage": r.tr.S(msgUsageReverse, nil)})
	}
	entry, err := strconv.ParseInt(strings.TrimPrefix(r.args[0], "#"), 10, 64)
	if err != nil || entry < 1 {
		return refuse(msgReverseBadID, map[string]any{"Input": r.args[0]})
	}
	reason := strings.Join(r.args[1:], " ")
	if strings.TrimSpace(reason) == "" {
		return refuse(msgReverseNoReason, map[string]any{"ID": entry})
	}
	receipt, err := r.bot.ledger.Reverse(r.ctx, ledger.ReverseRequest{
		Header:   r.header(),
		Exchange: ledger.ExchangeID(entry),
		Reason:   reason,
	})
	if err != nil {
		return tooLongAs(refuseCode(err, map[ledger.Code]string{
			ledger.ENOTFOUND:   msgReverseNotFound,
			ledger.EREVERSED:   msgReverseAlready,
			ledger.ECORRECTION: msgReverseCorrection,
		}, map[string]any{"ID": entry}), msgReverseReasonTooLong)
	}
	e := receipt.Exchanges[0]
	from, to := e.ToName, e.FromName // the original went the other way
	if e.ToKind == ledger.KindCommons {
		from = r.tr.S(msgCommonsName, nil)
	}
	if e.FromKind == ledger.KindCommons {
		to = r.tr.S(msgCommonsName, nil)
	}
	id := msgReverseOK
	if receipt.Replayed {
		id = msgReverseReplayed
	}
	r.reply(Reply{Text: r.tr.S(id, map[string]any{
		"ID":     entry,
		"New":    e.ID,
		"Amount": r.tr.Minutes(e.Minutes),
		"From":   from,
		"To":     to,
		"Reason": e.Reason,
	})})
	return nil
}
