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

// The internal newsletter ("journal interne : qui fait quoi"): composed by
// the core from the ledger for the period since the last issue, in the
// community's language, as Markdown (posted in chat) and HTML, with a
// chart of the hours per week. It counts time and names who did what,
// never a member's balance; members may ask not to be named; conflict
// cases appear as counts only.

// NewsletterFormat is how an issue is written.
type NewsletterFormat string

const (
	NewsletterMarkdown NewsletterFormat = "markdown"
	NewsletterHTML     NewsletterFormat = "html"
)

// ParseNewsletterFormat reads "markdown" (or "md") and "html".
func ParseNewsletterFormat(s string) (NewsletterFormat, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "markdown", "md":
		return NewsletterMarkdown, true
	case "html":
		return NewsletterHTML, true
	}
	return "", false
}

// firstPeriod is the period the first issue covers.
const firstPeriod = 7 * 24 * time.Hour

// upcomingWindow is how far ahead the newsletter lists reminders.
const upcomingWindow = 7 * 24 * time.Hour

// minIssueGap is the least time between two issues sent by hand: a second
// /newsletter send just after the first would tell nothing new.
const minIssueGap = time.Hour

// newsletterNeeds is how many open needs an issue lists, newest first.
const newsletterNeeds = 5

// chartWeeks is how many weeks the chart shows.
const chartWeeks = 12

// Newsletter is one issue as composed.
type Newsletter struct {
	Community string
	Language  string
	Number    int // the number it has, or would have if it were sent now
	From, To  time.Time
	Stats     ledger.PeriodStats
	Chart     ChartData
	Closed    []ledger.Proposal // closed in the period, in the order they closed
	Open      []ledger.Proposal // open now, newest first
	Upcoming  []ledger.Reminder // due in the week after To
	// Conflicts are counts only; HasConflicts is false when the ledger
	// keeps no conflict cases.
	Conflicts    ledger.ConflictCounts
	HasConflicts bool
	News         []ledger.News // approved and not yet published
	// Editorial opens the issue, nil for none.
	Editorial *ledger.Editorial
	// Aid is the offers and needs: the period's counts, the needs still
	// open (a page, newest first) and the needs met in the period.
	Aid       ledger.AidCounts
	OpenNeeds ledger.AidPage
	MetNeeds  []ledger.Post
	// Head is the ledger's chain head when the issue was composed, which
	// members keep as a witness of the history; zero when the ledger
	// keeps no chain.
	Head      ledger.ChainHead
	Markdown  string
	HTML      string
	PNG       []byte // the chart; nil when it was not drawn
	ChartName string // its file name
	// Mentions are the newcomers the Markdown welcomes, to ping them.
	Mentions []Mention
	htmlDoc  nlDoc // HTML is this document with the chart as ChartName
}

// HTMLWithChart is the HTML issue with the chart at src: the file name
// it was actually written to, or a data: URI that embeds it.
func (n *Newsletter) HTMLWithChart(src string) string {
	doc := n.htmlDoc
	doc.chart = src
	return renderHTML(doc, n.Language)
}

// Text is the issue in a format.
func (n *Newsletter) Text(f NewsletterFormat) string {
	if f == NewsletterHTML {
		return n.HTML
	}
	return n.Markdown
}

// ComposeNewsletter composes the next issue of a community as it would be
// sent now, without sending or recording anything: for the command line
// (`entraide newsletter`) and benchmarks. The chart is drawn too.
func (b *Bot) ComposeNewsletter(ctx context.Context, community string, format NewsletterFormat) (*Newsletter, error) {
	var com *Community
	for _, c := range b.communities {
		if c.Slug == community {
			com = c
		}
	}
	if com == nil {
		return nil, fmt.Errorf("no community %q", community)
	}
	if _, ok := ParseNewsletterFormat(string(format)); !ok {
		return nil, fmt.Errorf("format %q: want markdown or html", format)
	}
	platform, _, _ := splitRoom(com.Groups.Newsletter.Room)
	return b.composeNewsletter(ctx, com, b.now(), platform, true)
}

// composeNewsletter gathers an issue's content from the ledger and
// renders it; platform is where it is posted (to mention newcomers there).
func (b *Bot) composeNewsletter(ctx context.Context, com *Community, now time.Time, platform string, chart bool) (*Newsletter, error) {
	n := &Newsletter{Community: com.Slug, Language: com.Language, Number: 1, From: now.Add(-firstPeriod), To: now}
	last, found, err := b.ledger.LastIssue(ctx, com.id)
	if err != nil {
		return nil, err
	}
	after := int64(-1) // the first issue: the entries recorded since n.From
	if found {
		n.Number, n.From, after = last.Number+1, last.To, last.LastEntry
	}
	if n.From.After(n.To) {
		n.From = n.To
	}
	weeks := chartWeekStarts(now, com.Location)
	stats, weekly, err := b.ledger.NewsletterStats(ctx, com.id, after, n.From, n.To, weeks, platform)
	if err != nil {
		return nil, err
	}
	n.Stats = stats
	n.Chart = b.chartData(com, weekly)
	if n.Closed, err = b.ledger.ProposalsClosedIn(ctx, com.id, n.From, n.To); err != nil {
		return nil, err
	}
	if n.Open, err = b.ledger.Proposals(ctx, com.id, ledger.ProposalsOpen); err != nil {
		return nil, err
	}
	if n.Upcoming, err = b.ledger.UpcomingReminders(ctx, com.id, 0, n.To.Add(upcomingWindow)); err != nil {
		return nil, err
	}
	if cc, ok := b.ledger.(ledger.ConflictCounter); ok {
		if n.Conflicts, err = cc.ConflictCounts(ctx, com.id, n.From, n.To); err != nil {
			return nil, err
		}
		n.HasConflicts = true
	}
	if n.News, err = b.ledger.UnpublishedNews(ctx, com.id); err != nil {
		return nil, err
	}
	if e, ok, err := b.ledger.NextEditorial(ctx, com.id); err != nil {
		return nil, err
	} else if ok {
		n.Editorial = &e
	}
	if n.Aid, err = b.ledger.AidCountsIn(ctx, com.id, n.From, n.To); err != nil {
		return nil, err
	}
	if n.OpenNeeds, err = b.ledger.OpenPosts(ctx, com.id, ledger.AidFilter{Kind: ledger.Need, Size: newsletterNeeds}); err != nil {
		return nil, err
	}
	if n.MetNeeds, err = b.ledger.MetNeeds(ctx, com.id, n.From); err != nil {
		return nil, err
	}
	if ch, ok := b.ledger.(chainHeader); ok {
		if n.Head, err = ch.ChainHead(ctx, com.id); err != nil {
			return nil, err
		}
	}
	optedOut, err := b.optOuts(ctx, com)
	if err != nil {
		return nil, err
	}
	n.ChartName = "journal-" + safeFileName(com.Slug) + "-" + now.In(com.Location).Format("2006-01-02") + ".png"
	tr := b.catalog.In(com.Language)
	n.Markdown, n.Mentions = renderMarkdown(b.newsletterDoc(tr, com, n, optedOut, true))
	n.htmlDoc = b.newsletterDoc(tr, com, n, optedOut, false)
	n.HTML = renderHTML(n.htmlDoc, tr.Lang())
	if chart {
		if n.PNG, err = drawChart(n.Chart); err != nil {
			return nil, fmt.Errorf("newsletter chart: %w", err)
		}
	}
	return n, nil
}

// chainHeader is a ledger that keeps a hash chain of its records.
type chainHeader interface {
	ChainHead(ctx context.Context, c ledger.CommunityID) (ledger.ChainHead, error)
}

var _ chainHeader = (*ledger.DB)(nil)

// optOuts are the members not to be named.
func (b *Bot) optOuts(ctx context.Context, com *Community) (map[ledger.AccountID]bool, error) {
	type optOutLister interface {
		NewsletterOptOuts(ctx context.Context, c ledger.CommunityID) (map[ledger.AccountID]bool, error)
	}
	if l, ok := b.ledger.(optOutLister); ok {
		return l.NewsletterOptOuts(ctx, com.id)
	}
	return map[ledger.AccountID]bool{}, nil
}

// chartWeekStarts are the boundaries of the chart's chartWeeks weeks,
// Monday 00:00 in loc: the weeks before now's, and now's own, so far
// (its end is next Monday).
func chartWeekStarts(now time.Time, loc *time.Location) []time.Time {
	t := now.In(loc)
	back := (int(t.Weekday()) + 6) % 7 // days since Monday
	y, m, d := t.Date()
	out := make([]time.Time, chartWeeks+1)
	for k := 0; k <= chartWeeks; k++ {
		out[k] = time.Date(y, m, d-back-7*(chartWeeks-1-k), 0, 0, 0, 0, loc)
	}
	return out
}

// sendNewsletter composes, records and posts an issue in the announcement
// room. The issue is recorded (with the news it publishes) before it is
// posted: at most once, like reminders. replayed is true when key had
// already sent its issue.
func (b *Bot) sendNewsletter(ctx context.Context, com *Community, a Adapter, h ledger.Header, room string, scheduled time.Time) (*ledger.Issue, bool, error) {
	platform := h.Source // where the issue is posted
	var n *Newsletter
	var rec *ledger.IssueReceipt
	var err error
	for attempt := 0; ; attempt++ {
		if n, err = b.composeNewsletter(ctx, com, b.now(), platform, true); err != nil {
			return nil, false, err
		}
		ids := make([]ledger.NewsID, len(n.News))
		for i, x := range n.News {
			ids[i] = x.ID
		}
		req := ledger.IssueRequest{
			Header: h, From: n.From, To: n.To,
			AfterEntry: n.Stats.AfterEntry, LastEntry: n.Stats.LastEntry,
			ScheduledFor: scheduled, Platform: platform, Room: room, Text: n.Markdown, News: ids,
		}
		if n.Editorial != nil {
			req.Editorial = n.Editorial.ID
		}
		rec, err = b.ledger.RecordIssue(ctx, req)
		if errors.Is(err, ledger.ErrStale) && attempt < 3 {
			continue // news decided or an issue sent meanwhile: compose again
		}
		break
	}
	if err != nil {
		return nil, false, err
	}
	if rec.Replayed {
		return &rec.Issue, true, nil
	}
	reply := Reply{Text: n.Markdown, Mentions: n.Mentions, Kind: KindAnnouncement, Markdown: true}
	if _, ok := a.(FileSender); ok && n.PNG != nil {
		reply.File = &File{Name: n.ChartName, MIME: "image/png", Data: n.PNG, Alt: n.Chart.Title}
	}
	if _, err := b.Deliver(ctx, a, Target{Room: room}, reply); err != nil {
		// Recorded but not posted: at most once, so it is not sent again;
		// its text stays in the ledger and `entraide newsletter` shows the next.
		b.log.Error("newsletter issue recorded but not posted", "community", com.Slug, "number", rec.Issue.Number, "err", err)
		return &rec.Issue, false, err
	}
	b.log.Info("newsletter posted", "community", com.Slug, "number", rec.Issue.Number, "room", room)
	return &rec.Issue, false, b.ledger.MarkIssuePosted(ctx, rec.Issue.ID)
}

// tickNewsletter sends the issue the community's schedule owes: the latest
// occurrence at or before now that has no issue yet (one issue after a
// downtime, however many occurrences it spanned), never one from before
// the schedule was set.
func (b *Bot) tickNewsletter(ctx context.Context, com *Community, now time.Time) error {
	s := com.Groups.Newsletter
	if s.Schedule == "" {
		return nil
	}
	platform, room, _ := splitRoom(s.Room)
	a := b.groupAdapter(ctx, platform)
	if a == nil {
		return nil
	}
	since, err := b.ledger.NewsletterSince(ctx, com.id, s.Schedule)
	if err != nil {
		return err
	}
	if last, ok, err := b.ledger.LastScheduledIssue(ctx, com.id); err != nil {
		return err
	} else if ok && last.ScheduledFor.After(since) {
		since = last.ScheduledFor
	}
	occ, ok, err := schedules.Latest(s.Schedule, since, now, com.Location, 1_000_000)
	if err != nil || !ok {
		return err
	}
	key := fmt.Sprintf("newsletter:%s:%d", com.Slug, occ.Unix())
	// The scheduler sends it: the header has no actor.
	h := ledger.Header{Community: com.id, Key: key, Source: platform}
	_, _, err = b.sendNewsletter(ctx, com, a, h, room, occ)
	if ledger.ErrorCode(err) == ledger.EEXISTS {
		return nil
	}
	return err
}

func cmdNewsletterPreview(r *request) error {
	if len(r.args) > 0 {
		return r.usage()
	}
	platform := r.msg.Platform
	n, err := r.bot.composeNewsletter(r.ctx, r.com, r.bot.now(), platform, true)
	if err != nil {
		return err
	}
	text := r.tr.S(msgNewsletterPreviewNote, map[string]any{"Command": r.cmdPath("newsletter") + " " + r.subName("newsletter", "send")}) +
		"\n" + n.Markdown
	reply := Reply{Private: true, Text: text, Markdown: true}
	a := r.bot.adapterFor(r.ctx, r.msg.Platform)
	if _, files := a.(FileSender); files || a == nil {
		reply.File = &File{Name: n.ChartName, MIME: "image/png", Data: n.PNG, Alt: n.Chart.Title}
	}
	r.reply(reply)
	return nil
}

func cmdNewsletterSend(r *request) error {
	if len(r.args) > 0 {
		return r.usage()
	}
	platform, room := r.msg.Platform, r.msg.Room
	if p, rm, ok := splitRoom(r.com.Groups.Newsletter.Room); ok {
		platform, room = p, rm
	}
	a := r.bot.adapterFor(r.ctx, platform)
	if a == nil {
		return refuse(msgNewsletterNoAdapter, map[string]any{"Platform": platform})
	}
	if last, ok, err := r.bot.ledger.LastIssue(r.ctx, r.com.id); err != nil {
		return err
	} else if now := r.bot.now(); ok && now.Sub(last.To) < minIssueGap {
		return refuse(msgNewsletterTooSoon, map[string]any{"Number": last.Number,
			"Date": dayTime(r.tr, last.To, r.com.Location), "Next": dayTime(r.tr, last.To.Add(minIssueGap), r.com.Location)})
	}
	h := r.header()
	h.Source = platform    // recorded as coming from the room it is posted in
	r.bot.groups.mu.Lock() // not while a tick sends the scheduled issue
	is, replayed, err := r.bot.sendNewsletter(r.ctx, r.com, a, h, room, time.Time{})
	r.bot.groups.mu.Unlock()
	if err != nil && is == nil {
		return err
	}
	data := map[string]any{"Number": is.Number}
	switch {
	case replayed:
		r.reply(Reply{Private: true, Text: r.tr.S(msgNewsletterReplayed, data)})
	case err != nil:
		r.log.Error("newsletter not posted", "err", err)
		r.reply(Reply{Private: true, Text: r.tr.S(msgNewsletterNotPosted, data)})
	case platform != r.msg.Platform || room != r.msg.Room:
		r.reply(Reply{Private: true, Text: r.tr.S(msgNewsletterSentElsewhere, data)})
	}
	return nil
}

func cmdNewsletterOptOut(r *request) error { return newsletterOptOut(r, true) }
func cmdNewsletterOptIn(r *request) error  { return newsletterOptOut(r, false) }

func newsletterOptOut(r *request, out bool) error {
	if len(r.args) > 0 {
		return r.usage()
	}
	changed, _, err := r.bot.ledger.SetNewsletterOptOut(r.ctx, r.header(), out)
	if err != nil {
		return err
	}
	id := msgNewsletterOptedIn
	if out {
		id = msgNewsletterOptedOut
	}
	text := r.tr.S(id, map[string]any{
		"OptIn":  r.cmdPath("newsletter") + " " + r.subName("newsletter", "optin"),
		"OptOut": r.cmdPath("newsletter") + " " + r.subName("newsletter", "optout")})
	if !changed {
		text += " " + r.tr.S(msgGroupUnchanged, nil)
	}
	r.reply(Reply{Private: true, Text: text})
	return nil
}

func cmdNewsSubmit(r *request) error {
	text := r.rest()
	if text == "" {
		return r.usage()
	}
	rec, err := r.bot.ledger.SubmitNews(r.ctx, ledger.NewsRequest{Header: r.header(), Text: text})
	if err != nil {
		return err
	}
	r.replyWritten(rec.Replayed, msgNewsReplayed, msgNewsSubmitted, map[string]any{"ID": rec.News.ID}, "news submitted", "news", rec.News.ID)
	return nil
}

// replyWritten tells the sender a text they wrote for the newsletter is
// kept: replayedID when the platform redelivered the command, else doneID,
// after logging event with attrs.
func (r *request) replyWritten(replayed bool, replayedID, doneID string, data map[string]any, event string, attrs ...any) {
	if replayed {
		r.reply(Reply{Private: true, Text: r.tr.S(replayedID, data)})
		return
	}
	r.log.Info(event, attrs...)
	r.reply(Reply{Private: true, Text: r.tr.S(doneID, data)})
}

func cmdNewsList(r *request) error {
	if len(r.args) > 0 {
		return r.usage()
	}
	ns, err := r.bot.ledger.PendingNews(r.ctx, r.com.id)
	if err != nil {
		return err
	}
	if len(ns) == 0 {
		r.reply(Reply{Private: true, Text: r.tr.S(msgNewsNonePending, nil)})
		return nil
	}
	lines := []string{r.tr.N(msgNewsPendingHeader, len(ns), map[string]any{
		"Approve": r.cmdPath("news") + " " + r.subName("news", "approve"),
		"Reject":  r.cmdPath("news") + " " + r.subName("news", "reject")})}
	for _, n := range ns {
		lines = append(lines, r.tr.S(msgNewsPendingItem, map[string]any{"ID": n.ID, "Name": n.Author.Name, "Text": n.Text,
			"Date": shortDateTime(r.tr, n.SubmittedAt, r.com.Location)}))
	}
	r.reply(Reply{Private: true, Text: strings.Join(lines, "\n")})
	return nil
}

func cmdNewsApprove(r *request) error { return decideNews(r, ledger.NewsApproved) }
func cmdNewsReject(r *request) error  { return decideNews(r, ledger.NewsRejected) }

func decideNews(r *request, status ledger.NewsStatus) error {
	if len(r.args) != 1 {
		return r.usage()
	}
	var id int64
	if _, err := fmt.Sscan(strings.TrimPrefix(r.args[0], "#"), &id); err != nil || id < 1 {
		return refuse(msgNewsBadID, map[string]any{"Input": r.args[0], "Usage": r.tr.S(r.cmd.Usage, nil)})
	}
	rec, err := r.bot.ledger.DecideNews(r.ctx, ledger.NewsRequest{Header: r.header(), ID: ledger.NewsID(id), Status: status})
	switch ledger.ErrorCode(err) {
	case ledger.ENOTFOUND:
		return refuse(msgNewsNotFound, map[string]any{"ID": id, "Command": r.cmdPath("news") + " " + r.subName("news", "list")})
	case ledger.ECLOSED:
		return refuse(msgNewsDecided, map[string]any{"ID": id})
	}
	if err != nil {
		return err
	}
	data := map[string]any{"ID": rec.News.ID, "Name": rec.News.Author.Name, "Text": rec.News.Text}
	switch {
	case rec.Replayed:
		r.reply(Reply{Private: true, Text: r.tr.S(msgNewsReplayed, data)})
	case status == ledger.NewsApproved:
		r.reply(Reply{Private: true, Text: r.tr.S(msgNewsApproved, data)})
	default:
		r.reply(Reply{Private: true, Text: r.tr.S(msgNewsRejected, data)})
	}
	return nil
}
