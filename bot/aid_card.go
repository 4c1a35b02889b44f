package bot

import (
	"context"
	"strconv"
	"strings"

	"github.com/entraide/entraide/ledger"
)

// How offers and needs are shown: their names, cards and ends.

// postName is "need #3" / "besoin n° 3" as the catalogue says it.
func postName(tr Tr, kind ledger.PostKind, n int) string {
	id := msgAidNeedName
	if kind == ledger.Offer {
		id = msgAidOfferName
	}
	return tr.S(id, map[string]any{"Number": n})
}

// postData is what the catalogue needs to name a post: in French its
// gender changes the words around it (« le besoin », « l'offre »).
func postData(tr Tr, kind ledger.PostKind, n int) map[string]any {
	return map[string]any{"Post": postName(tr, kind, n), "Number": n, "Offer": kind == ledger.Offer}
}

// postToken is how a gift names a post: "need:3" / "besoin:3".
func postToken(tr Tr, kind ledger.PostKind, n int) string {
	id := msgAidNeedToken
	if kind == ledger.Offer {
		id = msgAidOfferToken
	}
	return tr.S(id, map[string]any{"Number": n})
}

// postTokenOf reads "need:3", "besoin:3", "offer:3" or "offre:3" in any
// language: the words are the catalogues' own.
func (c *Catalog) postTokenOf(tok string) (ledger.PostRef, bool) {
	low := strings.ToLower(strings.TrimRight(tok, ",;:.!?"))
	word, num, ok := strings.Cut(low, ":")
	n, err := strconv.Atoi(strings.TrimPrefix(num, "#"))
	if !ok || err != nil || n < 1 {
		return ledger.PostRef{}, false
	}
	for _, lang := range Languages() {
		tr := c.In(lang)
		for kind, id := range map[ledger.PostKind]string{ledger.Need: msgAidNeedToken, ledger.Offer: msgAidOfferToken} {
			if w, _, _ := strings.Cut(tr.S(id, map[string]any{"Number": 0}), ":"); w == word {
				return ledger.PostRef{Kind: kind, Number: n}, true
			}
		}
	}
	return ledger.PostRef{}, false
}

func (r *request) recordAidCard(p ledger.Post, id MessageID) {
	if id == "" {
		return
	}
	if err := r.bot.ledger.SetAidCard(r.ctx, p.ID, string(id)); err != nil {
		r.log.Error("post card not recorded", "kind", p.Kind, "number", p.Number, "err", err)
	}
}

// aidCard is a post's card: what, by whom, until when, and the button to
// answer it; once it ended, how.
func (b *Bot) aidCard(tr Tr, com *Community, p ledger.Post) Reply {
	tok, mention := mentionOf(p.Author)
	data := map[string]any{"Number": p.Number, "Author": tok, "Text": p.Text(), "Details": postDetails(tr, com, p)}
	id := msgAidNeedCard
	if p.Kind == ledger.Offer {
		id = msgAidOfferCard
	}
	lines := []string{tr.S(id, data)}
	if !p.Open() {
		lines = append(lines, endLine(tr, com, p))
	}
	r := Reply{Text: strings.Join(lines, "\n")}
	if mention != nil {
		r.Mentions = []Mention{*mention}
	}
	if p.Open() {
		label, emoji := msgAidButtonHelp, "🤝"
		if p.Kind == ledger.Offer {
			label, emoji = msgAidButtonInterested, "🙋"
		}
		r.Buttons = []Button{{Label: tr.S(label, nil), Emoji: emoji,
			Payload: b.commandPath(tr.Lang(), string(p.Kind), "contact") + " " + strconv.Itoa(p.Number)}}
	}
	return r
}

// discreetCard tells the moderators of a discreet need.
func (b *Bot) discreetCard(tr Tr, com *Community, p ledger.Post) Reply {
	tok, mention := mentionOf(p.Author)
	r := Reply{Text: tr.S(msgAidDiscreetCard, map[string]any{"Number": p.Number, "Author": tok, "Text": p.Text(),
		"Details": postDetails(tr, com, p), "Command": b.commandPath(tr.Lang(), "need", "contact") + " " + strconv.Itoa(p.Number)})}
	if mention != nil {
		r.Mentions = []Mention{*mention}
	}
	return r
}

// postDetails renders " · #support · until Sat 5 Dec".
func postDetails(tr Tr, com *Community, p ledger.Post) string {
	var s string
	if p.Category != "" {
		s += " · #" + com.categoryName(p.Category, tr.Lang())
	}
	if p.Kind == ledger.Need && !p.ExpiresAt.IsZero() && p.Open() {
		s += " · " + tr.S(msgAidUntil, map[string]any{"Date": dayTime(tr, p.ExpiresAt, com.Location)})
	}
	return s
}

// endLine says how a post ended.
func endLine(tr Tr, com *Community, p ledger.Post) string {
	data := map[string]any{"Date": shortDateTime(tr, p.EndedAt, com.Location), "Reason": p.EndReason}
	if p.EndedBy != nil {
		data["Name"] = p.EndedBy.Name
	}
	var names []string
	for _, h := range p.Helpers {
		names = append(names, h.Name)
	}
	data["Helpers"] = tr.List(names)
	switch p.End {
	case ledger.PostMet:
		return tr.S(msgAidEndMet, data)
	case ledger.PostExpired:
		return tr.S(msgAidEndExpired, data)
	case ledger.PostHidden:
		return tr.S(msgAidEndHidden, data)
	}
	return tr.S(msgAidEndClosed, data)
}

// refreshAidCard edits a post's card in place, where the platform can.
func (b *Bot) refreshAidCard(ctx context.Context, com *Community, p ledger.Post) {
	a := b.adapterFor(ctx, p.Platform)
	ed, ok := a.(Editor)
	if a == nil || !ok || p.Card == "" || p.Discreet {
		return
	}
	tr := b.catalog.In(com.Language)
	if err := ed.Edit(ctx, Target{Room: p.Room}, MessageID(p.Card), b.aidCard(tr, com, p)); err != nil {
		loggerFrom(ctx, b.log).Warn("post card not edited", "kind", p.Kind, "number", p.Number, "err", err)
	}
}
