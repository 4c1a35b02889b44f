package bot

import (
	"strings"
	"time"

	"github.com/entraide/entraide/ledger"
)

// linkCodeTTL is how long a link code can be entered: long enough to switch
// apps, short enough that a code seen over a shoulder soon means nothing.
const linkCodeTTL = 10 * time.Minute

// cmdLink issues a code, or enters one asked for on another platform.
func cmdLink(r *request) error {
	if len(r.args) == 0 {
		code, _, err := r.bot.ledger.LinkCode(r.ctx, r.com.id, r.sender(), linkCodeTTL)
		if err != nil {
			return err
		}
		r.reply(Reply{Private: true, Text: r.tr.S(msgLinkCode, map[string]any{
			"Code": code, "Minutes": int(linkCodeTTL.Minutes()), "Command": r.cmd.path(r.tr.Lang()) + " " + code,
		})})
		return nil
	}
	if len(r.args) > 1 {
		return refuse(msgUsage, map[string]any{"Usage": r.tr.S(msgUsageLink, nil)})
	}
	code := strings.ReplaceAll(strings.ReplaceAll(r.args[0], "-", ""), " ", "")
	res, err := r.bot.ledger.Link(r.ctx, ledger.LinkRequest{Header: r.header(), Code: code})
	data := map[string]any{"Code": r.args[0], "Platform": r.msg.Platform}
	if err != nil {
		return refuseCode(err, map[ledger.Code]string{
			ledger.ENOTFOUND:     msgLinkNotFound,
			ledger.EEXPIRED:      msgLinkExpired,
			ledger.ESAMEPLATFORM: msgLinkSamePlatform,
			ledger.EALREADY:      msgLinkAlready,
			ledger.EBUSY:         msgLinkBusy,
		}, data)
	}
	replyLinked(r, "identities linked", res, msgLinkOK, msgLinkReplayed)
	return nil
}

// cmdUnlink gives the identity it is typed from its own account back.
func cmdUnlink(r *request) error {
	if len(r.args) > 0 {
		return refuse(msgUsage, map[string]any{"Usage": r.tr.S(msgUsageUnlink, nil)})
	}
	res, err := r.bot.ledger.Unlink(r.ctx, ledger.UnlinkRequest{Header: r.header()})
	if ledger.ErrorCode(err) == ledger.ENOTLINKED {
		return refuse(msgUnlinkNotLinked, nil)
	}
	if err != nil {
		return err
	}
	replyLinked(r, "identity unlinked", res, msgUnlinkOK, msgUnlinkReplayed)
	return nil
}

// replyLinked logs what a link or an unlink did and tells the sender: the
// account, its balance, and the entries that moved the balance over.
func replyLinked(r *request, event string, res *ledger.LinkResult, ok, replayed string) {
	r.log.Info(event, "account", res.Account.ID, "moved", res.Moved, "replayed", res.Replayed)
	r.reply(Reply{Private: true, Text: linkText(r, res, ok, replayed)})
}

func linkText(r *request, res *ledger.LinkResult, ok, replayed string) string {
	data := map[string]any{
		"Platform": r.msg.Platform,
		"Name":     res.Account.Name,
		"Balance":  r.tr.Signed(res.Account.Balance),
		"Moved":    r.tr.Signed(res.Moved),
		"Entries":  entryList(r.tr, res.Exchanges),
	}
	if res.Replayed {
		return r.tr.S(replayed, data)
	}
	text := r.tr.S(ok, data)
	if len(res.Exchanges) > 0 {
		text += " " + r.tr.S(msgLinkMoved, data)
	}
	return text
}
