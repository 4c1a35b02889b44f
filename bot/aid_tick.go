package bot

import (
	"context"
	"errors"
	"strconv"
)

// The timed work of offers and needs.

// tickAid tells the authors of needs that expire within a day, once, and
// ends the needs whose time has passed, editing their cards.
func (b *Bot) tickAid(ctx context.Context) error {
	now := b.now()
	var errs []error
	for _, com := range b.communities {
		tr := b.catalog.In(com.Language)
		soon, err := b.ledger.ExpiringNeeds(ctx, com.id, now, needReminderLead)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		for _, p := range soon {
			if !p.ExpiresAt.After(now) {
				continue // it expires now: the expiry says so
			}
			a := b.adapterFor(ctx, p.Platform)
			if a == nil {
				continue
			}
			tok, mention := mentionOf(p.Author)
			data := postData(tr, p.Kind, p.Number)
			data["Author"], data["Text"], data["Date"] = tok, truncate(p.Text(), 80), dayTime(tr, p.ExpiresAt, com.Location)
			data["Close"] = b.commandPath(tr.Lang(), "need", "close") + " " + strconv.Itoa(p.Number)
			reply := Reply{Text: tr.S(msgAidExpiresSoon, data)}
			if mention != nil {
				reply.Mentions = []Mention{*mention}
			}
			target := Target{Room: p.Room}
			if p.Discreet {
				// A discreet need is never said in a room: the author alone hears.
				reply.Private, target.User = true, User{ID: p.Author.UserID, Name: p.Author.Name}
			}
			if _, err := b.Deliver(ctx, a, target, reply); err != nil {
				b.log.Error("need reminder not posted; retried next minute", "community", com.Slug, "need", p.Number, "err", err)
				continue
			}
			if err := b.ledger.MarkNeedReminded(ctx, p.ID); err != nil {
				errs = append(errs, err)
			}
		}
		gone, err := b.ledger.ExpireNeeds(ctx, com.id, now)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		for _, p := range gone {
			b.log.Info("need expired", "community", com.Slug, "need", p.Number)
			b.refreshAidCard(ctx, com, p)
		}
	}
	return errors.Join(errs...)
}
