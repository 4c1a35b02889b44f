package ledger

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"time"
)

// The internal newsletter: what it counts (aggregated by indexed SQL over
// a period, never a member's balance), the issues sent, the news members
// submit, and who asked not to be named.

// MaxNewsLength is the longest news item, in characters.
const MaxNewsLength = 500

// ConflictCounts are all the newsletter ever says of conflict cases:
// numbers, never names or topics.
type ConflictCounts struct {
	Opened int // cases opened in the period
	Closed int // cases closed in the period
	Open   int // cases open at the end of the period
}

// ConflictCounter is implemented by a ledger that keeps conflict cases;
// the newsletter asks it for its counts, and counts nothing without it.
type ConflictCounter interface {
	ConflictCounts(ctx context.Context, community CommunityID, from, to time.Time) (ConflictCounts, error)
}

// CategoryTotal is the time recorded in one category.
type CategoryTotal struct {
	Category  string // "" for none
	Minutes   int64  // gifts minus the corrections recorded in the period
	Exchanges int    // gifts less corrections recorded in the period
}

// GroupTotal is the time recorded for one group ("" and 0 for none).
type GroupTotal struct {
	Group     GroupID
	Name      string
	Minutes   int64
	Exchanges int
	// Members who gave or received time for the group in the period, by
	// name, leaving out those who opted out of being named; Active counts
	// them all.
	Members []Voter
	Active  int
}

// PeriodStats is what the journal recorded in the period: its entries
// are those after entry AfterEntry up to LastEntry, the last one recorded
// when the issue was composed, and the next issue starts after it. Entries
// are counted by ID, not by second: an entry recorded in the second an
// issue was composed, after it, belongs to the next issue. Members and
// proposals are counted in the times (From, To].
type PeriodStats struct {
	From, To              time.Time
	AfterEntry, LastEntry int64
	// Minutes is the time given in the period, net of the corrections
	// (undo, reverse) recorded in it; Exchanges the gifts recorded (one per
	// recipient) less the corrections recorded, Corrections those
	// corrections. Transfers made by linking accounts are not exchanges
	// and are left out.
	Minutes     int64
	Exchanges   int
	Corrections int
	// ActiveMembers gave or received time in the gifts recorded in the
	// period.
	ActiveMembers int
	// NewMembers joined in the period; Newcomers names those who did not
	// opt out of being named.
	NewMembers int
	Newcomers  []Voter
	Categories []CategoryTotal // most time first
	Groups     []GroupTotal    // most time first; the unnamed group last
}

// WeeklyTotals is the time recorded per week and category: Minutes[c][w]
// is category c's net time in [Starts[w], Starts[w+1]).
type WeeklyTotals struct {
	Starts  []time.Time // len(weeks)+1 boundaries
	Minutes map[string][]int64
}

// linkEntries leaves out the transfers made by linking accounts (and the
// unlinks that undo them): they move a member's own balance, not time.
// Most communities have none, and then the condition is left out.
func linkEntries(ctx context.Context, tx *sql.Tx, community CommunityID) (string, error) {
	var has bool
	if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM identity_links WHERE community_id = ? AND transfer_id IS NOT NULL)`,
		community).Scan(&has); err != nil || !has {
		return "1", err
	}
	return `e.id NOT IN (SELECT transfer_id FROM identity_links WHERE transfer_id IS NOT NULL)
	AND COALESCE(e.reverses, 0) NOT IN (SELECT transfer_id FROM identity_links WHERE transfer_id IS NOT NULL)`, nil
}

// NewsletterStats aggregates the journal of a community over (from, to]
// and, for the chart, over the weeks bounded by weekStarts, from one
// snapshot. Each aggregate is one query on the (community_id, created_at)
// index. Newcomers carry their user ID on platform, to be welcomed there.
//
// The entries counted are those after entry after (the previous issue's
// last); with after < 0, for a first issue, those recorded after from.
func (db *DB) NewsletterStats(ctx context.Context, community CommunityID, after int64, from, to time.Time, weekStarts []time.Time, platform string) (PeriodStats, WeeklyTotals, error) {
	st := PeriodStats{From: from, To: to, AfterEntry: after}
	wk := WeeklyTotals{Starts: weekStarts, Minutes: map[string][]int64{}}
	tx, err := db.read(ctx)
	if err != nil {
		return st, wk, err
	}
	defer tx.Rollback()
	if err := tx.QueryRowContext(ctx, "SELECT COALESCE(MAX(id), 0) FROM exchanges").Scan(&st.LastEntry); err != nil {
		return st, wk, err
	}
	if after < 0 {
		// The entry before the period's first: one short range of the
		// (community_id, created_at) index, the period's own.
		var first sql.NullInt64
		if err := tx.QueryRowContext(ctx, "SELECT MIN(id) FROM exchanges WHERE community_id = ? AND created_at > ?",
			community, from.Unix()).Scan(&first); err != nil {
			return st, wk, err
		}
		st.AfterEntry = st.LastEntry
		if first.Valid {
			st.AfterEntry = first.Int64 - 1
		}
	}
	st.LastEntry = max(st.LastEntry, st.AfterEntry)
	// Entries are read by ID range: the "+" keeps SQLite from scanning the
	// community's whole (community_id, created_at) index instead.
	lo, hi := st.AfterEntry, st.LastEntry
	optedOut, err := optOuts(ctx, tx, community)
	if err != nil {
		return st, wk, err
	}
	links, err := linkEntries(ctx, tx, community)
	if err != nil {
		return st, wk, err
	}

	// Time per category and group. A correction counts against the group
	// of the gift it corrects (it carries its category already).
	rows, err := tx.QueryContext(ctx, `SELECT e.category,
			CASE WHEN e.group_id IS NOT NULL THEN e.group_id
			     WHEN e.reverses IS NOT NULL THEN COALESCE((SELECT o.group_id FROM exchanges o WHERE o.id = e.reverses), 0)
			     ELSE 0 END,
			e.reverses IS NOT NULL, COUNT(*), SUM(e.minutes)
		FROM exchanges e
		WHERE +e.community_id = ? AND e.id > ? AND e.id <= ? AND `+links+`
		GROUP BY 1, 2, 3`, community, lo, hi)
	if err != nil {
		return st, wk, fmt.Errorf("ledger: newsletter totals: %w", err)
	}
	cats := map[string]*CategoryTotal{}
	groups := map[GroupID]*GroupTotal{}
	for rows.Next() {
		var cat string
		var group GroupID
		var correction bool
		var n int
		var minutes int64
		if err := rows.Scan(&cat, &group, &correction, &n, &minutes); err != nil {
			rows.Close()
			return st, wk, err
		}
		c, g := cats[cat], groups[group]
		if c == nil {
			c = &CategoryTotal{Category: cat}
			cats[cat] = c
		}
		if g == nil {
			g = &GroupTotal{Group: group}
			groups[group] = g
		}
		if correction {
			st.Corrections += n
			minutes, n = -minutes, -n
		}
		st.Exchanges += n
		c.Exchanges += n
		g.Exchanges += n
		st.Minutes += minutes
		c.Minutes += minutes
		g.Minutes += minutes
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return st, wk, err
	}
	for _, c := range cats {
		if c.Minutes != 0 || c.Exchanges > 0 {
			st.Categories = append(st.Categories, *c)
		}
	}
	sort.Slice(st.Categories, func(i, j int) bool {
		a, b := st.Categories[i], st.Categories[j]
		if a.Minutes != b.Minutes {
			return a.Minutes > b.Minutes
		}
		return a.Category < b.Category
	})

	// Who gave or received time: in all, the members of gifts recorded in
	// the period (counted only); for each group, those of its gifts not
	// corrected by the end of the period (named: who does what).
	gifts := `SELECT e.from_id FROM exchanges e WHERE +e.community_id = ? AND e.id > ? AND e.id <= ? AND +e.reverses IS NULL AND ` + links + `
		UNION ALL
		SELECT e.to_id FROM exchanges e WHERE +e.community_id = ? AND e.id > ? AND e.id <= ? AND +e.reverses IS NULL AND ` + links
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM accounts a WHERE a.kind = 'member' AND a.id IN (`+gifts+`)`,
		community, lo, hi, community, lo, hi).Scan(&st.ActiveMembers); err != nil {
		return st, wk, fmt.Errorf("ledger: newsletter members: %w", err)
	}
	const standing = `e.group_id IS NOT NULL AND +e.reverses IS NULL
		AND NOT EXISTS (SELECT 1 FROM exchanges r WHERE r.reverses = e.id AND r.id <= ?)`
	rows, err = tx.QueryContext(ctx, `WITH moves AS (
			SELECT e.group_id AS g, e.from_id AS a FROM exchanges e
			WHERE +e.community_id = ? AND e.id > ? AND e.id <= ? AND `+standing+` AND `+links+`
			UNION
			SELECT e.group_id, e.to_id FROM exchanges e
			WHERE +e.community_id = ? AND e.id > ? AND e.id <= ? AND `+standing+` AND `+links+`)
		SELECT m.g, a.id, a.display_name, gr.name FROM moves m
		JOIN accounts a ON a.id = m.a AND a.kind = 'member' JOIN groups gr ON gr.id = m.g
		ORDER BY m.g, a.display_name COLLATE NOCASE, a.id`,
		community, lo, hi, hi, community, lo, hi, hi)
	if err != nil {
		return st, wk, fmt.Errorf("ledger: newsletter group members: %w", err)
	}
	for rows.Next() {
		var group GroupID
		var v Voter
		var name string
		if err := rows.Scan(&group, &v.Account, &v.Name, &name); err != nil {
			rows.Close()
			return st, wk, err
		}
		g := groups[group]
		if g == nil {
			g = &GroupTotal{Group: group}
			groups[group] = g
		}
		g.Name = name
		g.Active++
		if !optedOut[v.Account] {
			g.Members = append(g.Members, v)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return st, wk, err
	}
	for id, g := range groups {
		if g.Minutes == 0 && g.Exchanges <= 0 {
			continue // a gift undone in the period
		}
		if id != 0 && g.Name == "" {
			if err := tx.QueryRowContext(ctx, "SELECT name FROM groups WHERE id = ?", id).Scan(&g.Name); err != nil {
				return st, wk, err
			}
		}
		st.Groups = append(st.Groups, *g)
	}
	sort.Slice(st.Groups, func(i, j int) bool {
		a, b := st.Groups[i], st.Groups[j]
		if (a.Group == 0) != (b.Group == 0) {
			return b.Group == 0
		}
		if a.Minutes != b.Minutes {
			return a.Minutes > b.Minutes
		}
		return a.Name < b.Name
	})

	// Newcomers: member accounts created in the period that still hold an
	// identity (an account linked into another one is nobody new).
	newcomers, err := queryRows(ctx, tx, scanVoter, `SELECT a.id, a.display_name,
			COALESCE((SELECT MIN(i.user_id) FROM identities i WHERE i.account_id = a.id AND i.platform = ?), '')
		FROM accounts a
		WHERE a.community_id = ? AND a.kind = 'member' AND a.created_at > ? AND a.created_at <= ?
		  AND EXISTS (SELECT 1 FROM identities i WHERE i.account_id = a.id)
		ORDER BY a.display_name COLLATE NOCASE, a.id`, platform, community, from.Unix(), to.Unix())
	if err != nil {
		return st, wk, err
	}
	st.NewMembers = len(newcomers)
	for _, v := range newcomers {
		if !optedOut[v.Account] {
			st.Newcomers = append(st.Newcomers, v)
		}
	}

	if len(weekStarts) >= 2 {
		if err := weeklyTotals(ctx, tx, community, &wk); err != nil {
			return st, wk, err
		}
	}
	return st, wk, nil
}

// weeklyTotals sums the time per week and category, net of corrections:
// one short read of the exchanges_category index per category and week,
// so that nothing is sorted. The transfers of linked accounts (rare) are
// taken out afterwards.
func weeklyTotals(ctx context.Context, tx *sql.Tx, community CommunityID, wk *WeeklyTotals) error {
	weeks := len(wk.Starts) - 1
	first, end := wk.Starts[0].Unix(), wk.Starts[weeks].Unix()
	// The categories used, each found by one seek (a skip-scan by hand).
	cats, err := queryRows(ctx, tx, scanString, `WITH RECURSIVE c(cat) AS (
			SELECT MIN(category) FROM exchanges WHERE community_id = ?
			UNION ALL
			SELECT (SELECT MIN(category) FROM exchanges WHERE community_id = ? AND category > c.cat) FROM c WHERE c.cat IS NOT NULL)
		SELECT cat FROM c WHERE cat IS NOT NULL`, community, community)
	if err != nil {
		return fmt.Errorf("ledger: categories: %w", err)
	}
	sum, err := tx.PrepareContext(ctx, `SELECT COALESCE(SUM(CASE WHEN reverses IS NULL THEN minutes ELSE -minutes END), 0), COUNT(*)
		FROM exchanges WHERE community_id = ? AND category = ? AND created_at >= ? AND created_at < ?`)
	if err != nil {
		return err
	}
	defer sum.Close()
	for _, c := range cats {
		var found int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM (SELECT 1 FROM exchanges
			WHERE community_id = ? AND category = ? AND created_at >= ? AND created_at < ? LIMIT 1)`, community, c, first, end).Scan(&found); err != nil {
			return err
		}
		if found == 0 {
			continue
		}
		ms := make([]int64, weeks)
		for w := 0; w < weeks; w++ {
			var n int
			if err := sum.QueryRowContext(ctx, community, c, wk.Starts[w].Unix(), wk.Starts[w+1].Unix()).Scan(&ms[w], &n); err != nil {
				return fmt.Errorf("ledger: weekly totals: %w", err)
			}
		}
		wk.Minutes[c] = ms
	}
	// Linking accounts moved balances, not time.
	rows, err := tx.QueryContext(ctx, `SELECT e.created_at, e.category, CASE WHEN e.reverses IS NULL THEN e.minutes ELSE -e.minutes END
		FROM exchanges e WHERE e.community_id = ? AND e.created_at >= ? AND e.created_at < ?
		  AND (e.id IN (SELECT transfer_id FROM identity_links WHERE community_id = ? AND transfer_id IS NOT NULL)
		    OR e.reverses IN (SELECT transfer_id FROM identity_links WHERE community_id = ? AND transfer_id IS NOT NULL))`,
		community, first, end, community, community)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var at, minutes int64
		var c string
		if err := rows.Scan(&at, &c, &minutes); err != nil {
			return err
		}
		for w := 0; w < weeks; w++ {
			if at >= wk.Starts[w].Unix() && at < wk.Starts[w+1].Unix() && wk.Minutes[c] != nil {
				wk.Minutes[c][w] -= minutes
			}
		}
	}
	return rows.Err()
}

// ProposalsClosedIn lists the proposals of a community closed in (from,
// to], in the order they closed.
func (db *DB) ProposalsClosedIn(ctx context.Context, community CommunityID, from, to time.Time) ([]Proposal, error) {
	return db.proposals(ctx, `SELECT id FROM proposals WHERE community_id = ? AND closed_at > ? AND closed_at <= ?
		ORDER BY closed_at, number`, community, from.Unix(), to.Unix())
}

// Issue is one issue of the newsletter.
type Issue struct {
	ID           int64
	Community    CommunityID
	Number       int
	From, To     time.Time
	ScheduledFor time.Time // the schedule's occurrence, zero for /newsletter send
	Platform     string
	Room         string
	Text         string
	CreatedAt    time.Time
	PostedAt     time.Time
	// LastEntry is the last entry the issue counted; the next one counts
	// from the entry after it. (For issues recorded before entries were
	// counted by ID, the last entry of its period.)
	LastEntry int64
}

// LastIssue is the community's latest issue; found is false before the first.
func (db *DB) LastIssue(ctx context.Context, community CommunityID) (Issue, bool, error) {
	is, err := scanIssue(db.reader.QueryRowContext(ctx, issueSelect+" WHERE community_id = ? ORDER BY number DESC LIMIT 1", community))
	if errors.Is(err, sql.ErrNoRows) {
		return Issue{}, false, nil
	}
	return is, err == nil, err
}

// LastScheduledIssue is the community's latest issue sent on its schedule.
func (db *DB) LastScheduledIssue(ctx context.Context, community CommunityID) (Issue, bool, error) {
	is, err := scanIssue(db.reader.QueryRowContext(ctx, issueSelect+
		" WHERE community_id = ? AND scheduled_for IS NOT NULL ORDER BY scheduled_for DESC LIMIT 1", community))
	if errors.Is(err, sql.ErrNoRows) {
		return Issue{}, false, nil
	}
	return is, err == nil, err
}

// IssueRequest records an issue before it is posted. Key is the command's
// event ID (or a key naming the scheduled occurrence); News are the news
// items it publishes, which must still be approved and unpublished.
type IssueRequest struct {
	Header
	From, To time.Time
	// AfterEntry and LastEntry are the entries counted (PeriodStats).
	AfterEntry, LastEntry int64
	ScheduledFor          time.Time
	Platform              string
	Room                  string
	Text                  string
	News                  []NewsID
	// Editorial is the editorial the issue opens with, 0 for none.
	Editorial int64
}

// IssueReceipt is what RecordIssue returns.
type IssueReceipt struct {
	Issue    Issue
	Replayed bool
}

// ErrStale reports that an issue was composed from a state that changed
// before it could be recorded (another issue, or news decided meanwhile):
// compose it again.
var ErrStale = errors.New("ledger: the newsletter changed while it was composed")

const opNewsletterSend = "newsletter_send"

// RecordIssue numbers and records an issue and publishes its news in one
// transaction, before the issue is posted: a crash after posting never
// posts it again. It returns ErrStale when the period no longer follows
// the last issue or a news item is no longer publishable, and *Error with
// EEXISTS when the scheduled occurrence already has its issue.
func (db *DB) RecordIssue(ctx context.Context, req IssueRequest) (*IssueReceipt, error) {
	fp := fingerprint(opNewsletterSend, req.Community, req.Actor, req.ScheduledFor.Unix())
	return groupOp(ctx, db, req.Header, fp, opNewsletterSend, func(tx *Tx) (int64, AccountID, bool, error) {
		var last, lastEntry sql.NullInt64
		var number int
		if err := tx.QueryRowContext(ctx, `SELECT MAX(number), period_to, `+issueLastEntry+`, COALESCE(MAX(number), 0) + 1
			FROM newsletter_issues WHERE community_id = ?`, req.Community).Scan(new(sql.NullInt64), &last, &lastEntry, &number); err != nil {
			return 0, 0, false, err
		}
		if last.Valid && (last.Int64 != req.From.Unix() || lastEntry.Int64 != req.AfterEntry) || req.LastEntry < req.AfterEntry {
			return 0, 0, false, ErrStale
		}
		if !req.ScheduledFor.IsZero() {
			var n int
			if err := tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM newsletter_issues WHERE community_id = ? AND scheduled_for = ?",
				req.Community, req.ScheduledFor.Unix()).Scan(&n); err != nil {
				return 0, 0, false, err
			}
			if n > 0 {
				return 0, 0, false, errorf(EEXISTS, "the issue of %s was recorded", req.ScheduledFor)
			}
		}
		var actor AccountID
		if req.Actor.UserID != "" {
			a, err := memberAccount(ctx, tx, req.Community, req.Actor)
			if err != nil {
				return 0, 0, false, err
			}
			actor = a.ID
		} else {
			c, err := commonsAccount(ctx, tx, req.Community)
			if err != nil {
				return 0, 0, false, err
			}
			actor = c.ID // the community itself sends a scheduled issue
		}
		var sched any
		if !req.ScheduledFor.IsZero() {
			sched = req.ScheduledFor.Unix()
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO newsletter_issues
			(community_id, number, period_from, period_to, scheduled_for, platform, room, text, created_at, last_entry)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, req.Community, number, req.From.Unix(), req.To.Unix(), sched,
			req.Platform, req.Room, req.Text, tx.now.Unix(), req.LastEntry)
		if err != nil {
			return 0, 0, false, fmt.Errorf("ledger: record issue: %w", err)
		}
		id, _ := res.LastInsertId()
		for _, n := range req.News {
			res, err := tx.ExecContext(ctx, `UPDATE news SET issue_id = ?
				WHERE id = ? AND community_id = ? AND status = 'approved' AND issue_id IS NULL`, id, n, req.Community)
			if err != nil {
				return 0, 0, false, fmt.Errorf("ledger: publish news: %w", err)
			}
			if k, _ := res.RowsAffected(); k != 1 {
				return 0, 0, false, ErrStale
			}
		}
		if req.Editorial != 0 {
			if _, err := tx.ExecContext(ctx, `UPDATE newsletter_editorials SET issue_id = ?
				WHERE id = ? AND community_id = ? AND issue_id IS NULL`, id, req.Editorial, req.Community); err != nil {
				return 0, 0, false, fmt.Errorf("ledger: publish editorial: %w", err)
			}
		}
		return id, actor, true, nil
	}, func(tx *Tx, target int64, replayed, _ bool) (*IssueReceipt, error) {
		is, err := scanIssue(tx.QueryRowContext(ctx, issueSelect+" WHERE id = ?", target))
		if err != nil {
			return nil, err
		}
		return &IssueReceipt{Issue: is, Replayed: replayed}, nil
	})
}

// MarkIssuePosted records that an issue was posted.
func (db *DB) MarkIssuePosted(ctx context.Context, id int64) error {
	if err := db.execNow(ctx, "UPDATE newsletter_issues SET posted_at = ? WHERE id = ? AND posted_at IS NULL", id); err != nil {
		return fmt.Errorf("ledger: mark issue posted: %w", err)
	}
	return nil
}

// NewsletterSince is when a community's newsletter schedule spec was first
// seen: occurrences before it are not owed an issue. A new or changed spec
// is recorded as seen now.
func (db *DB) NewsletterSince(ctx context.Context, community CommunityID, spec string) (time.Time, error) {
	var prior string
	var since int64
	err := db.reader.QueryRowContext(ctx, "SELECT spec, since FROM newsletter_schedules WHERE community_id = ?", community).Scan(&prior, &since)
	if err == nil && prior == spec {
		return unixUTC(since), nil
	}
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, err
	}
	return inTx(ctx, db, func(tx *Tx) (time.Time, error) {
		if _, err := tx.ExecContext(ctx, `INSERT INTO newsletter_schedules (community_id, spec, since) VALUES (?, ?, ?)
			ON CONFLICT (community_id) DO UPDATE SET spec = excluded.spec, since = excluded.since`, community, spec, tx.now.Unix()); err != nil {
			return time.Time{}, fmt.Errorf("ledger: newsletter schedule: %w", err)
		}
		return tx.now, nil
	})
}

const issueSelect = `SELECT id, community_id, number, period_from, period_to, scheduled_for, platform, room, text, created_at, posted_at,
	` + issueLastEntry + ` FROM newsletter_issues`

// issueLastEntry is an issue's last entry; for an issue recorded before
// entries were counted by ID, the last entry of its period.
const issueLastEntry = `COALESCE(last_entry, (SELECT COALESCE(MAX(e.id), 0) FROM exchanges e
	WHERE e.community_id = newsletter_issues.community_id AND e.created_at <= newsletter_issues.period_to))`

func scanIssue(row rowScanner) (Issue, error) {
	var is Issue
	var from, to, created int64
	var sched, posted sql.NullInt64
	if err := row.Scan(&is.ID, &is.Community, &is.Number, &from, &to, &sched, &is.Platform, &is.Room, &is.Text, &created, &posted, &is.LastEntry); err != nil {
		return Issue{}, err
	}
	is.From, is.To, is.CreatedAt = unixUTC(from), unixUTC(to), unixUTC(created)
	is.ScheduledFor, is.PostedAt = nullTime(sched), nullTime(posted)
	return is, nil
}

// NewsID is a news item's row.
type NewsID int64

// NewsStatus is where a news item stands.
type NewsStatus string

const (
	NewsPending  NewsStatus = "pending"
	NewsApproved NewsStatus = "approved"
	NewsRejected NewsStatus = "rejected"
)

// News is an item a member submitted for the newsletter.
type News struct {
	ID          NewsID
	Community   CommunityID
	Author      Voter
	Text        string
	Status      NewsStatus
	SubmittedAt time.Time
	DecidedBy   string // the moderator's name
	DecidedAt   time.Time
	Issue       int64 // the issue that published it, 0 until then
}

// NewsReceipt is what a news command returns.
type NewsReceipt struct {
	News     News
	Replayed bool
}

// NewsRequest submits (Text) or decides (ID, Status) a news item.
type NewsRequest struct {
	Header
	Text   string
	ID     NewsID
	Status NewsStatus
}

const (
	opNewsSubmit = "news_submit"
	opNewsDecide = "news_decide"
)

// SubmitNews records a member's news item, pending a moderator's approval.
// It returns *Error with EINVALID (empty, or too long).
func (db *DB) SubmitNews(ctx context.Context, req NewsRequest) (*NewsReceipt, error) {
	text, err := requiredText(lines("news", req.Text), "news", MaxNewsLength)
	if err != nil {
		return nil, err
	}
	fp := fingerprint(opNewsSubmit, req.Community, req.Actor, text)
	return groupOp(ctx, db, req.Header, fp, opNewsSubmit, authored(ctx, req.Header, "news", "submitted_at", text), newsReceipt(ctx, req.Community))
}

// authored is the write of a text the actor of h authors for the
// newsletter (news, an editorial): a new row of table, with the time of
// the transaction in its column at; the row is the command's target.
func authored(ctx context.Context, h Header, table, at, text string) func(tx *Tx) (int64, AccountID, bool, error) {
	return func(tx *Tx) (int64, AccountID, bool, error) {
		actor, err := memberAccount(ctx, tx, h.Community, h.Actor)
		if err != nil {
			return 0, 0, false, err
		}
		res, err := tx.ExecContext(ctx, "INSERT INTO "+table+" (community_id, author_id, text, "+at+") VALUES (?, ?, ?, ?)",
			h.Community, actor.ID, text, tx.now.Unix())
		if err != nil {
			return 0, 0, false, fmt.Errorf("ledger: insert into %s: %w", table, err)
		}
		id, _ := res.LastInsertId()
		return id, actor.ID, true, nil
	}
}

// DecideNews approves or rejects a pending news item (the caller checks the
// actor is a moderator). It returns *Error with ENOTFOUND or ECLOSED (it
// was already decided).
func (db *DB) DecideNews(ctx context.Context, req NewsRequest) (*NewsReceipt, error) {
	if req.Status != NewsApproved && req.Status != NewsRejected {
		return nil, errorf(EINVALID, "news status %q", req.Status)
	}
	fp := fingerprint(opNewsDecide, req.Community, req.Actor, req.ID, req.Status)
	return groupOp(ctx, db, req.Header, fp, opNewsDecide, func(tx *Tx) (int64, AccountID, bool, error) {
		var status NewsStatus
		err := tx.QueryRowContext(ctx, "SELECT status FROM news WHERE id = ? AND community_id = ?", req.ID, req.Community).Scan(&status)
		if errors.Is(err, sql.ErrNoRows) {
			return 0, 0, false, errorf(ENOTFOUND, "no news %d", req.ID)
		}
		if err != nil {
			return 0, 0, false, err
		}
		if status != NewsPending {
			return 0, 0, false, errorf(ECLOSED, "news %d is %s", req.ID, status)
		}
		actor, err := memberAccount(ctx, tx, req.Community, req.Actor)
		if err != nil {
			return 0, 0, false, err
		}
		if _, err := tx.ExecContext(ctx, "UPDATE news SET status = ?, decided_by = ?, decided_at = ? WHERE id = ?",
			req.Status, actor.ID, tx.now.Unix(), req.ID); err != nil {
			return 0, 0, false, fmt.Errorf("ledger: decide news: %w", err)
		}
		return int64(req.ID), actor.ID, true, nil
	}, newsReceipt(ctx, req.Community))
}

// newsReceipt builds a news command's receipt: the item as it is.
func newsReceipt(ctx context.Context, community CommunityID) func(tx *Tx, target int64, replayed, _ bool) (*NewsReceipt, error) {
	return func(tx *Tx, target int64, replayed, _ bool) (*NewsReceipt, error) {
		ns, err := queryNews(ctx, tx, "WHERE n.id = ? AND n.community_id = ?", target, community)
		if err != nil {
			return nil, err
		}
		if len(ns) != 1 {
			return nil, errorf(ENOTFOUND, "no news %d", target)
		}
		return &NewsReceipt{News: ns[0], Replayed: replayed}, nil
	}
}

// PendingNews lists the news waiting for a moderator, oldest first.
func (db *DB) PendingNews(ctx context.Context, community CommunityID) ([]News, error) {
	return queryNews(ctx, db.reader, "WHERE n.community_id = ? AND n.status = 'pending' AND n.issue_id IS NULL ORDER BY n.id", community)
}

// UnpublishedNews lists the approved news the next issue publishes, oldest first.
func (db *DB) UnpublishedNews(ctx context.Context, community CommunityID) ([]News, error) {
	return queryNews(ctx, db.reader, "WHERE n.community_id = ? AND n.status = 'approved' AND n.issue_id IS NULL ORDER BY n.id", community)
}

func queryNews(ctx context.Context, q querier, where string, args ...any) ([]News, error) {
	return queryRows(ctx, q, scanNews, `SELECT n.id, n.community_id, n.author_id, a.display_name, n.text, n.status,
		n.submitted_at, COALESCE(d.display_name, ''), n.decided_at, COALESCE(n.issue_id, 0)
		FROM news n JOIN accounts a ON a.id = n.author_id LEFT JOIN accounts d ON d.id = n.decided_by `+where, args...)
}

func scanNews(row rowScanner) (News, error) {
	var n News
	var submitted int64
	var decided sql.NullInt64
	if err := row.Scan(&n.ID, &n.Community, &n.Author.Account, &n.Author.Name, &n.Text, &n.Status,
		&submitted, &n.DecidedBy, &decided, &n.Issue); err != nil {
		return News{}, err
	}
	n.SubmittedAt, n.DecidedAt = unixUTC(submitted), nullTime(decided)
	return n, nil
}

const (
	opOptOut = "newsletter_optout"
	opOptIn  = "newsletter_optin"
)

// SetNewsletterOptOut records whether a member asks not to be named in the
// newsletter. changed is false when it was already so.
func (db *DB) SetNewsletterOptOut(ctx context.Context, h Header, out bool) (changed, replayed bool, err error) {
	kind := opOptIn
	if out {
		kind = opOptOut
	}
	fp := fingerprint(kind, h.Community, h.Actor)
	type result struct{ changed, replayed bool }
	r, err := groupOp(ctx, db, h, fp, kind, func(tx *Tx) (int64, AccountID, bool, error) {
		a, err := memberAccount(ctx, tx, h.Community, h.Actor)
		if err != nil {
			return 0, 0, false, err
		}
		var res sql.Result
		if out {
			res, err = tx.ExecContext(ctx, "INSERT OR IGNORE INTO newsletter_optouts (account_id, since) VALUES (?, ?)", a.ID, tx.now.Unix())
		} else {
			res, err = tx.ExecContext(ctx, "DELETE FROM newsletter_optouts WHERE account_id = ?", a.ID)
		}
		if err != nil {
			return 0, 0, false, fmt.Errorf("ledger: newsletter opt-out: %w", err)
		}
		n, _ := res.RowsAffected()
		return int64(a.ID), a.ID, n == 1, nil
	}, func(_ *Tx, _ int64, replayed, changed bool) (result, error) {
		return result{changed: changed, replayed: replayed}, nil
	})
	return r.changed, r.replayed, err
}

// NewsletterOptOuts is the set of a community's accounts that asked not to
// be named in the newsletter.
func (db *DB) NewsletterOptOuts(ctx context.Context, community CommunityID) (map[AccountID]bool, error) {
	return optOuts(ctx, db.reader, community)
}

func optOuts(ctx context.Context, q querier, community CommunityID) (map[AccountID]bool, error) {
	ids, err := scanIDs[AccountID](ctx, q, `SELECT o.account_id FROM newsletter_optouts o JOIN accounts a ON a.id = o.account_id
		WHERE a.community_id = ?`, community)
	if err != nil {
		return nil, err
	}
	out := map[AccountID]bool{}
	for _, id := range ids {
		out[id] = true
	}
	return out, nil
}
