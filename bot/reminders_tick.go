package bot

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/entraide/entraide/ledger"
	"github.com/entraide/entraide/schedules"
)

// Posting reminders when they fall due, catching up after downtime.

// lateAfter is how late a post must be to carry a note saying so: ticks
// run every minute, so a minute late is on time.
const lateAfter = 2 * time.Minute

// tickGroups does the timed work of groups on the bot's clock: reminders
// that fell due (those that fell due while the bot was down too), posts
// to retry, and the scheduled newsletter. Its ticks never overlap.
func (b *Bot) tickGroups(ctx context.Context) error {
	b.groups.mu.Lock()
	defer b.groups.mu.Unlock()
	now := b.now()
	var errs []error
	if !b.groups.swept {
		ds, err := b.ledger.ConfirmUnknown(ctx)
		if err != nil {
			errs = append(errs, fmt.Errorf("unconfirmed reminders: %w", err))
		} else {
			b.groups.swept = true
		}
		for _, d := range ds {
			b.log.Warn("the bot stopped between recording a reminder and confirming its post: it may not have been posted, and it is not posted again",
				"reminder", d.Reminder.ID, "group", d.Reminder.GroupName, "due", d.Due, "kind", d.Kind)
		}
	}
	for _, com := range b.communities {
		if err := b.retryReminders(ctx, com, now); err != nil {
			errs = append(errs, fmt.Errorf("%s: retry reminders: %w", com.Slug, err))
		}
		if err := b.remindDue(ctx, com, now); err != nil {
			errs = append(errs, fmt.Errorf("%s: reminders: %w", com.Slug, err))
		}
		if err := b.tickNewsletter(ctx, com, now); err != nil {
			errs = append(errs, fmt.Errorf("%s: newsletter: %w", com.Slug, err))
		}
	}
	return errors.Join(errs...)
}

// groupAdapter is the adapter that posts in a platform's rooms, logging
// once when there is none: what is due waits for it.
func (b *Bot) groupAdapter(ctx context.Context, platform string) Adapter {
	a := b.adapterFor(ctx, platform)
	if a == nil {
		if b.groups.waiting == nil {
			b.groups.waiting = map[string]bool{}
		}
		if !b.groups.waiting[platform] {
			b.groups.waiting[platform] = true
			b.log.Warn("no adapter for a group's platform: its reminders wait until one is attached", "platform", platform)
		}
	}
	return a
}

// missed is the missed occurrences of one reminder, for a summary.
type missed struct {
	delivery    ledger.DeliveryID
	reminder    ledger.Reminder
	first, last time.Time
	count       int
	more        bool
}

// pendingPost is an occurrence claimed and to be posted.
type pendingPost struct {
	delivery ledger.DeliveryID
	reminder ledger.Reminder
	due      time.Time
}

// remindDue claims what fell due of each reminder, as schedules.PlanCatchUp
// lays it out, then posts: first one summary per group of the occurrences
// missed beyond the grace period, then each occurrence within it, late or
// on time.
func (b *Bot) remindDue(ctx context.Context, com *Community, now time.Time) error {
	due, err := b.ledger.RemindersDue(ctx, com.id, now)
	if err != nil {
		return err
	}
	grace := com.Groups.grace()
	var errs []error
	var posts []pendingPost
	summaries := map[ledger.GroupID][]missed{}
	var order []ledger.GroupID
	for _, rm := range due {
		if b.groupAdapter(ctx, rm.Platform) == nil {
			continue
		}
		spec := ""
		if rm.Kind == ledger.ReminderCron {
			spec = rm.Spec
		}
		plan, err := schedules.PlanCatchUp(spec, rm.NextDue, now, b.zone(com, rm.Timezone), grace)
		if err != nil {
			errs = append(errs, fmt.Errorf("reminder %d: %w", rm.ID, err))
			continue
		}
		claim := ledger.ReminderClaim{Reminder: rm.ID, Due: rm.NextDue, Next: plan.Next, Post: plan.Post,
			MissedFirst: plan.MissedFirst, MissedLast: plan.MissedLast, MissedCount: plan.Missed}
		res, err := b.ledger.ClaimReminder(ctx, claim)
		if err != nil {
			errs = append(errs, fmt.Errorf("reminder %d: claim: %w", rm.ID, err))
			continue
		}
		if !res.Claimed {
			continue // changed meanwhile (cancelled, paused): the next tick sees it as it is
		}
		if res.Missed != 0 {
			if _, seen := summaries[rm.Group]; !seen {
				order = append(order, rm.Group)
			}
			summaries[rm.Group] = append(summaries[rm.Group], missed{delivery: res.Missed, reminder: rm,
				first: claim.MissedFirst, last: claim.MissedLast, count: claim.MissedCount, more: plan.More})
		}
		if res.Post != 0 {
			posts = append(posts, pendingPost{delivery: res.Post, reminder: rm, due: claim.Post})
		}
	}
	for _, g := range order {
		if err := b.postMissed(ctx, com, summaries[g], now); err != nil {
			errs = append(errs, err)
		}
	}
	for _, p := range posts {
		if err := b.postReminder(ctx, com, p, now); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// retryReminders posts again what the platform refused, within the grace
// period after it was claimed; past it, the post is abandoned and logged.
func (b *Bot) retryReminders(ctx context.Context, com *Community, now time.Time) error {
	failed, err := b.ledger.FailedDeliveries(ctx, com.id)
	if err != nil || len(failed) == 0 {
		return err
	}
	grace := com.Groups.grace()
	var errs []error
	summaries := map[ledger.GroupID][]missed{}
	var order []ledger.GroupID
	for _, d := range failed {
		if now.Sub(d.ClaimedAt) > grace {
			b.log.Error("a reminder could not be posted within the grace period: abandoned",
				"reminder", d.Reminder.ID, "group", d.Reminder.GroupName, "due", d.Due, "attempts", d.Attempts)
			if err := b.ledger.MarkDeliveries(ctx, []ledger.DeliveryID{d.ID}, ledger.DeliveryAbandoned); err != nil {
				errs = append(errs, err)
			}
			continue
		}
		if b.groupAdapter(ctx, d.Reminder.Platform) == nil {
			continue
		}
		switch d.Kind {
		case "post":
			if err := b.postReminder(ctx, com, pendingPost{delivery: d.ID, reminder: d.Reminder, due: d.Due}, now); err != nil {
				errs = append(errs, err)
			}
		case "missed":
			g := d.Reminder.Group
			if _, seen := summaries[g]; !seen {
				order = append(order, g)
			}
			summaries[g] = append(summaries[g], missed{delivery: d.ID, reminder: d.Reminder, first: d.Due, last: d.LastDue, count: d.Occurrences})
		}
	}
	for _, g := range order {
		if err := b.postMissed(ctx, com, summaries[g], now); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// postReminder posts one occurrence in its group's room and marks it.
func (b *Bot) postReminder(ctx context.Context, com *Community, p pendingPost, now time.Time) error {
	rm := p.reminder
	a := b.groupAdapter(ctx, rm.Platform)
	if a == nil {
		return b.ledger.MarkDeliveries(ctx, []ledger.DeliveryID{p.delivery}, ledger.DeliveryFailed)
	}
	reply, err := b.reminderReply(ctx, com, rm, p.due, now)
	if err != nil {
		return err
	}
	reply.Kind = KindAnnouncement
	if _, err := b.Deliver(ctx, a, Target{Room: rm.Room}, reply); err != nil {
		b.log.Error("reminder not posted; retried next minute", "reminder", rm.ID, "group", rm.GroupName, "err", err)
		return b.ledger.MarkDeliveries(ctx, []ledger.DeliveryID{p.delivery}, ledger.DeliveryFailed)
	}
	b.log.Info("reminder posted", "reminder", rm.ID, "group", rm.GroupName, "due", p.due, "late", now.Sub(p.due).Round(time.Second))
	return b.ledger.MarkDeliveries(ctx, []ledger.DeliveryID{p.delivery}, ledger.DeliveryPosted)
}

// reminderReply is a reminder as posted: its text, when it comes back,
// a note when it is late, the group's open proposals, and its members when
// the group asked to be mentioned.
func (b *Bot) reminderReply(ctx context.Context, com *Community, rm ledger.Reminder, due, now time.Time) (Reply, error) {
	tr := b.catalog.In(com.Language)
	loc := b.zone(com, rm.Timezone)
	// The reminder as it is now: when it comes back next.
	cur, err := b.ledger.Reminder(ctx, com.id, rm.ID)
	if err != nil {
		return Reply{}, err
	}
	data := reminderData(tr, loc, cur)
	lines := []string{tr.S(msgRemindPost, data)}
	if late := now.Sub(due); late >= lateAfter {
		lines = append(lines, tr.S(msgRemindLate, map[string]any{"Late": tr.Minutes(int64(late / time.Minute)), "Due": dayTime(tr, due, loc)}))
	}
	meta := msgRemindPostMeta
	if cur.NextDue.IsZero() || cur.Paused() || !cur.Cancelled.IsZero() {
		meta = msgRemindPostMetaLast
	}
	lines = append(lines, tr.S(meta, data))
	ps, err := b.ledger.Proposals(ctx, com.id, ledger.ProposalsOpen)
	if err != nil {
		return Reply{}, err
	}
	if gp := groupProposals(ps, rm.Group); len(gp) > 0 {
		lines = append(lines, tr.S(msgRemindProposals, map[string]any{"Group": rm.GroupName}))
		for _, p := range gp {
			lines = append(lines, "• "+openProposalLine(tr, com, p))
		}
	}
	reply := Reply{}
	if rm.Pings {
		g, err := b.ledger.Group(ctx, com.id, rm.GroupName)
		if err != nil {
			return Reply{}, err
		}
		var toks []string
		for _, m := range g.Members {
			tok, mention := mentionOf(m)
			if mention == nil {
				continue // no identity on the group's platform
			}
			toks = append(toks, tok)
			reply.Mentions = append(reply.Mentions, *mention)
		}
		if len(toks) > 0 {
			lines = append(lines, "👥 "+strings.Join(toks, " "))
		}
	}
	reply.Text = strings.Join(lines, "\n")
	return reply, nil
}

// postMissed posts one group's "missed while offline" summary and marks
// its deliveries.
func (b *Bot) postMissed(ctx context.Context, com *Community, ms []missed, now time.Time) error {
	if len(ms) == 0 {
		return nil
	}
	rm := ms[0].reminder
	ids := make([]ledger.DeliveryID, len(ms))
	for i, m := range ms {
		ids[i] = m.delivery
	}
	a := b.groupAdapter(ctx, rm.Platform)
	if a == nil {
		return b.ledger.MarkDeliveries(ctx, ids, ledger.DeliveryFailed)
	}
	tr := b.catalog.In(com.Language)
	loc := b.zone(com, rm.Timezone)
	lines := []string{tr.S(msgRemindMissedHeader, map[string]any{"Group": rm.GroupName})}
	for _, m := range ms {
		data := map[string]any{"ID": m.reminder.ID, "Text": truncate(m.reminder.Text, 80),
			"First": dayTime(tr, m.first, loc), "Last": dayTime(tr, m.last, loc)}
		id := msgRemindMissedItem
		if m.more {
			id = msgRemindMissedItemMore
		}
		lines = append(lines, "• "+tr.N(id, m.count, data))
	}
	if _, err := b.Deliver(ctx, a, Target{Room: rm.Room}, Reply{Text: strings.Join(lines, "\n"), Kind: KindAnnouncement}); err != nil {
		b.log.Error("missed reminders summary not posted; retried next minute", "group", rm.GroupName, "err", err)
		return b.ledger.MarkDeliveries(ctx, ids, ledger.DeliveryFailed)
	}
	b.log.Info("missed reminders summarised", "group", rm.GroupName, "reminders", len(ms))
	return b.ledger.MarkDeliveries(ctx, ids, ledger.DeliveryPosted)
}
