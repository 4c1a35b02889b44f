package bot

import (
	"context"
	"errors"
	"fmt"

	"github.com/entraide/entraide/ledger"
)

// Attach registers an adapter for what the bot says on its own initiative
// (proposal outcomes, reminders, cards edited after a vote from another
// platform). serve attaches every adapter before running them; the last
// one attached for a platform wins.
func (b *Bot) Attach(a Adapter) {
	b.adaptersMu.Lock()
	defer b.adaptersMu.Unlock()
	if b.adapters == nil {
		b.adapters = map[string]Adapter{}
	}
	b.adapters[a.Platform()] = a
}

type adapterKey struct{}

func withAdapter(ctx context.Context, a Adapter) context.Context {
	return context.WithValue(ctx, adapterKey{}, a)
}

// adapterFor is the adapter that speaks on platform: the one the message
// being handled came from, else the attached one; nil when there is none.
func (b *Bot) adapterFor(ctx context.Context, platform string) Adapter {
	if a, ok := ctx.Value(adapterKey{}).(Adapter); ok && a != nil && a.Platform() == platform {
		return a
	}
	b.adaptersMu.Lock()
	defer b.adaptersMu.Unlock()
	return b.adapters[platform]
}

// Tick does the timed work of decisions, on the bot's clock: it closes the
// proposals whose deadline has passed (those that passed while the bot was
// down too, so serve ticks once at start-up and then every minute), posts
// each outcome not yet announced, and sends the "closing soon" reminders
// that are due; then the groups' reminders and newsletters, and the
// mediation cases' check-ins (council.go). Ticks never overlap.
//
// An outcome or reminder whose platform has no attached adapter, or whose
// post fails, stays pending and is retried by the next tick. It is marked
// announced right after it is posted: a crash between the two posts it
// again on restart (at least once, never lost), which is the one way it
// can appear twice.
func (b *Bot) Tick(ctx context.Context) error {
	b.tickMu.Lock()
	defer b.tickMu.Unlock()
	if b.waiting == nil {
		b.waiting = map[ledger.ProposalID]bool{}
	}
	now := b.now()
	var errs []error
	for _, com := range b.communities {
		if closed, err := b.ledger.CloseDue(ctx, com.id, now); err != nil {
			errs = append(errs, fmt.Errorf("%s: close due proposals: %w", com.Slug, err))
		} else {
			for _, p := range closed {
				b.log.Info("proposal closed at its deadline", "community", com.Slug, "number", p.Number, "outcome", p.Outcome)
			}
		}
		pending, err := b.ledger.Unannounced(ctx, com.id)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: unannounced outcomes: %w", com.Slug, err))
		}
		for _, p := range pending {
			if _, err := b.announceLocked(ctx, com, p); err != nil {
				errs = append(errs, fmt.Errorf("%s: announce #%d: %w", com.Slug, p.Number, err))
			}
		}
		due, err := b.ledger.DueReminders(ctx, com.id, now)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: due reminders: %w", com.Slug, err))
		}
		for _, p := range due {
			if err := b.remind(ctx, com, p); err != nil {
				errs = append(errs, fmt.Errorf("%s: remind #%d: %w", com.Slug, p.Number, err))
			}
		}
	}
	if err := b.tickGroups(ctx); err != nil { // reminders and newsletters (reminders.go)
		errs = append(errs, err)
	}
	if err := b.tickConflicts(ctx); err != nil { // check-ins and idle cases (council.go)
		errs = append(errs, err)
	}
	if err := b.tickAid(ctx); err != nil { // needs that expire (aid.go)
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// announce posts the outcome of a proposal a command just closed, unless a
// tick got there first. posted is false when no adapter of the proposal's
// platform is at hand.
func (b *Bot) announce(ctx context.Context, com *Community, id ledger.ProposalID, number int) (posted bool, err error) {
	b.tickMu.Lock()
	defer b.tickMu.Unlock()
	if b.waiting == nil {
		b.waiting = map[ledger.ProposalID]bool{}
	}
	p, err := b.ledger.Proposal(ctx, com.id, number)
	if err != nil {
		return false, err
	}
	if p.ID != id || !p.AnnouncedAt.IsZero() {
		return true, nil
	}
	return b.announceLocked(ctx, com, p)
}

// announceLocked edits the card to its final state, posts the outcome in
// the proposal's room and marks it announced. The caller holds tickMu.
func (b *Bot) announceLocked(ctx context.Context, com *Community, p ledger.Proposal) (bool, error) {
	a := b.adapterFor(ctx, p.Platform)
	if a == nil {
		if !b.waiting[p.ID] {
			b.waiting[p.ID] = true
			b.log.Warn("no adapter for the proposal's platform: its outcome waits until one is attached",
				"community", com.Slug, "platform", p.Platform, "number", p.Number)
		}
		return false, nil
	}
	b.refreshCard(ctx, com, p)
	tr := b.catalog.In(com.Language)
	// The outcome answers the proposal: a reply to its card.
	outcome := outcomeReply(tr, com, p)
	outcome.Kind = KindAnnouncement
	if _, err := b.Deliver(ctx, a, Target{Room: p.Room, ReplyTo: p.Card}, outcome); err != nil {
		return false, err
	}
	return true, b.ledger.MarkAnnounced(ctx, p.ID)
}

// remind sends a proposal's "closing soon" reminder to the members who
// have not responded, once.
func (b *Bot) remind(ctx context.Context, com *Community, p ledger.Proposal) error {
	if len(p.Tally().Waiting) > 0 {
		a := b.adapterFor(ctx, p.Platform)
		if a == nil {
			return nil
		}
		tr := b.catalog.In(com.Language)
		reminder := reminderReply(tr, com, p)
		reminder.Kind = KindAnnouncement
		if _, err := b.Deliver(ctx, a, Target{Room: p.Room}, reminder); err != nil {
			return err
		}
	}
	return b.ledger.MarkReminded(ctx, p.ID)
}
