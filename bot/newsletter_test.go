package bot

import (
	"bytes"
	"context"
	"flag"
	"image/png"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/entraide/entraide/internal/testutil"
	"github.com/entraide/entraide/ledger"
)

var update = flag.Bool("update", false, "rewrite testdata golden files with what the code writes now")

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if string(want) != got {
		t.Errorf("%s differs (run with -update to accept):\n%s", name, testutil.DiffLines(string(want), got))
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

// conflictLedger is a ledger that keeps conflict cases, as the conflicts
// feature's will: the newsletter only ever sees their counts.
type conflictLedger struct {
	*ledger.DB
	counts ledger.ConflictCounts
}

func (c conflictLedger) ConflictCounts(ctx context.Context, community ledger.CommunityID, from, to time.Time) (ledger.ConflictCounts, error) {
	return c.counts, nil
}

// seedNewsletter builds a community's last weeks through the ledger and
// the bot's commands, on a fixed clock, and returns the bot as it is on
// Monday 23 November 2026, 09:00 in Paris.
func seedNewsletter(t *testing.T, lang string, conflicts bool) (*groupEnv, *Bot) {
	t.Helper()
	start := time.Date(2026, 8, 31, 7, 0, 0, 0, time.UTC) // Monday 09:00 Paris, 12 weeks before
	e := newGroupEnv(t, start)
	e.com.Language = lang
	e.com.Name = "la coopérative"
	e.com.Conflicts.ModeratorsRoom = "test:mods"
	e.restart()
	ctx := context.Background()
	id := func(name string) ledger.Identity { return ledger.Identity{Platform: "test", UserID: name, Name: name} }
	g, err := e.db.Group(ctx, e.com.LedgerID(), "garden")
	if err != nil {
		t.Fatal(err)
	}
	give := func(from, to string, minutes int64, cat string, group ledger.GroupID) {
		t.Helper()
		if _, err := e.db.Give(ctx, ledger.GiveRequest{Header: ledger.Header{Community: e.com.LedgerID(), Key: "seed-" + itoa(e.n) + "-" + from + to + cat, Source: "test", Actor: id(from)}, Recipients: []ledger.Identity{id(to)}, Minutes: minutes, Category: cat, Group: group,
			Limits: ledger.NoLimits()}); err != nil {
			t.Fatal(err)
		}
		e.n++
	}
	// Eleven weeks of regular exchanges: the chart's history.
	cats := []string{"production", "support", "communication"}
	for w := 0; w < 11; w++ {
		give("ana", "bob", int64(60+15*w), cats[w%3], 0)
		give("bob", "chloe", 90, "joy", 0)
		e.clock.Advance(7 * 24 * time.Hour)
	}
	// The last week, Monday 16 to Monday 23 November, the issue's period.
	e.clock.Advance(2 * time.Hour)
	e.say("ana", "/news The bread oven is fixed: baking on Saturday!")
	e.say("david", "/news Lost: a blue scarf")
	e.say("emma", "/news Choir rehearsal moves to Thursdays")
	e.say("mod", "/news approve 1")
	e.say("mod", "/news reject 2")
	e.say("mod", "/news approve 3")
	e.say("emma", "/newsletter optout")
	give("ana", "bob", 120, "production", g.ID)
	e.say("chloe", "/give 15min @bob #support")
	e.say("chloe", "/undo") // a correction in the period
	give("bob", "emma", 45, "production", g.ID)
	give("chloe", "david", 90, "documentation", 0)
	give("david", "chloe", 30, "", 0)
	e.say("ana", "/propose Hold the assembly on Saturday mornings until 2026-11-19")
	e.say("bob", "/consent 1")
	e.say("ana", "/propose Paint the shed orange until 2026-11-19")
	e.say("chloe", "/object 2 orange fades in a year")
	e.say("bob", "/propose Buy a second compost bin until 2026-11-27 group:garden")
	// Offers and needs: a discreet need is a count; a need met by a member
	// who opted out thanks nobody by name for it.
	e.say("chloe", "/need Fix my bike #support")
	e.say("david", "/offer I repair bikes")
	e.say("bob", "/need private Help with my shopping")
	e.say("ana", "/need Help moving boxes")
	e.say("david", "/need A lift to the market")
	e.say("chloe", "/give 1h @bob need:1")
	e.say("david", "/give 30min @emma need:4")
	e.say("ana", "/remind garden every monday 18:00 Garden meeting")
	e.say("ana", "/remind garden on 2026-12-12 10:00 Seed swap at the library")
	e.clock.Advance(24 * time.Hour)
	give("emma", "ana", 60, "research", 0)
	e.clock.Set(time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)) // Monday 09:00 Paris
	if err := e.b.Tick(ctx); err != nil {
		t.Fatal(err)
	}
	if conflicts {
		e.b = newTestBot(t, Options{Ledger: conflictLedger{DB: e.db, counts: ledger.ConflictCounts{Opened: 1, Closed: 2, Open: 3}},
			Communities: []*Community{e.com}, Now: e.clock.Now})
	}
	return e, e.b
}

func TestNewsletterGolden(t *testing.T) {
	for _, lang := range []string{"en", "fr"} {
		t.Run(lang, func(t *testing.T) {
			e, b := seedNewsletter(t, lang, lang == "en")
			n, err := b.ComposeNewsletter(context.Background(), e.com.Slug, NewsletterMarkdown)
			if err != nil {
				t.Fatal(err)
			}
			golden(t, "newsletter_"+lang+".md", n.Markdown+"\n")
			golden(t, "newsletter_"+lang+".html", n.HTML)
			for _, text := range []string{n.Markdown, n.HTML} {
				// Never a balance; never the member who opted out; never a
				// discreet need.
				for _, banned := range []string{"emma", "balance:", "solde\u00a0:", "Lost: a blue scarf", "shopping"} {
					if strings.Contains(text, banned) {
						t.Errorf("the newsletter shows %q", banned)
					}
				}
			}
			if html := n.HTML; !strings.HasPrefix(html, "<!DOCTYPE html>") || strings.Count(html, "<li>") != strings.Count(html, "</li>") ||
				!strings.Contains(html, `<img src="journal-c-2026-11-23.png"`) {
				t.Errorf("html: %s", html)
			}
		})
	}
}

// Conflict cases appear as counts only, when the ledger keeps them.
func TestNewsletterConflictCountsOnly(t *testing.T) {
	e, b := seedNewsletter(t, "en", true)
	n, err := b.ComposeNewsletter(context.Background(), e.com.Slug, NewsletterMarkdown)
	if err != nil {
		t.Fatal(err)
	}
	if !n.HasConflicts || !strings.Contains(n.Markdown, "## 🕊️ Mediation\n- Mediations: 1 opened and 2 closed in this period; 3 in progress.") {
		t.Errorf("conflicts: %s", n.Markdown)
	}
	// The ledger keeps cases, but there are none: no section at all.
	e2, b2 := seedNewsletter(t, "en", false)
	n2, _ := b2.ComposeNewsletter(context.Background(), e2.com.Slug, NewsletterMarkdown)
	if n2.Conflicts != (ledger.ConflictCounts{}) || strings.Contains(n2.Markdown, "Mediation") {
		t.Errorf("a ledger without cases has conflicts: %s", n2.Markdown)
	}
}

// The chart is a PNG of the right size whose series are the hours per
// week and category of the last twelve complete weeks.
func TestNewsletterChart(t *testing.T) {
	e, b := seedNewsletter(t, "en", false)
	n, err := b.ComposeNewsletter(context.Background(), e.com.Slug, NewsletterHTML)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(n.PNG))
	if err != nil {
		t.Fatalf("not a PNG: %v", err)
	}
	if s := img.Bounds().Size(); s.X != chartWidthPx || s.Y != chartHeightPx {
		t.Errorf("chart is %v", s)
	}
	d := n.Chart
	// Eleven weeks before now's, then now's own, so far, marked as such.
	if len(d.Weeks) != 12 || d.Weeks[0].Format("2006-01-02") != "2026-09-07" || d.Weeks[11].Format("2006-01-02") != "2026-11-23" ||
		d.Labels[10] != "Nov 16" || d.Labels[11] != "Nov 23 (so far)" {
		t.Fatalf("weeks %v labels %v", d.Weeks, d.Labels)
	}
	got := map[string][]int64{}
	var order []string
	for _, s := range d.Series {
		got[s.Category] = s.Minutes
		order = append(order, s.Category)
	}
	// In the community's order of categories, then none.
	if strings.Join(order, ",") != "production,documentation,communication,support,research,joy," {
		t.Errorf("series %v", order)
	}
	want := map[string][]int64{
		"production":    {0, 0, 105, 0, 0, 150, 0, 0, 195, 0, 120 + 45, 0},
		"support":       {75, 0, 0, 120, 0, 0, 165, 0, 0, 210, 0, 0},
		"communication": {0, 90, 0, 0, 135, 0, 0, 180, 0, 0, 0, 0},
		"joy":           {90, 90, 90, 90, 90, 90, 90, 90, 90, 90, 0, 0},
		"documentation": {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 90, 0},
		"research":      {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 60, 0},
		"":              {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 30 + 60 + 30, 0}, // with the two gifts that met needs
	}
	for cat, w := range want {
		if g := got[cat]; len(g) != 12 || !equalInts(g, w) {
			t.Errorf("%q: %v, want %v", cat, g, w)
		}
	}
	if h := d.Series[0].Hours(10); h != 2.75 {
		t.Errorf("production in the last full week: %v hours", h)
	}
	// Each series is drawn in its colour; a colour no series has is not.
	counts := map[[3]uint8]int{}
	bounds := img.Bounds()
	for y := bounds.Min.Y; y < bounds.Max.Y; y++ {
		for x := bounds.Min.X; x < bounds.Max.X; x++ {
			r, g, b, _ := img.At(x, y).RGBA()
			counts[[3]uint8{uint8(r >> 8), uint8(g >> 8), uint8(b >> 8)}]++
		}
	}
	for i, c := range chartPalette() {
		n := counts[[3]uint8{c.R, c.G, c.B}]
		switch {
		case i < len(d.Series) && n < 50:
			t.Errorf("series %q (colour %v) has %d pixels", d.Series[i].Category, c, n)
		case i >= len(d.Series) && n > 0:
			t.Errorf("colour %v of no series has %d pixels", c, n)
		}
	}
}

func equalInts(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// Sending records the issue before posting it (with the news it
// publishes); the schedule sends once per occurrence, after a restart too.
func TestNewsletterScheduleSendsOnce(t *testing.T) {
	e := newGroupEnv(t, time.Date(2026, 11, 23, 7, 0, 0, 0, time.UTC)) // Monday 08:00 Paris
	e.com.Groups.Newsletter = NewsletterSettings{Schedule: "0 9 * * MON", Room: "test:announcements"}
	e.restart()
	e.say("ana", "/give 1h @bob #joy")
	if ps := e.tick(); len(ps) != 0 {
		t.Fatalf("posted %+v", ps)
	}
	e.clock.Advance(time.Hour) // 09:00
	ps := e.tick()
	if len(ps) != 1 || ps[0].Target.Room != "announcements" || !strings.Contains(ps[0].Reply.Text, "# 📰 The journal of c — issue #1") ||
		!strings.Contains(ps[0].Reply.Text, "1 exchange, 1h in all") {
		t.Fatalf("issue %+v", ps)
	}
	e.clock.Advance(time.Minute)
	e.restart()
	if ps := e.tick(); len(ps) != 0 {
		t.Fatalf("sent twice: %+v", ps)
	}
	// Down for two Mondays: one issue, for the latest.
	e.clock.Advance(15 * 24 * time.Hour)
	e.restart()
	ps = e.tick()
	if len(ps) != 1 || !strings.Contains(ps[0].Reply.Text, "issue #2") || !strings.Contains(ps[0].Reply.Text, "From Mon 23 Nov 09:00 to Tue 8 Dec 09:01.") {
		t.Fatalf("after downtime: %+v", ps)
	}
	if ps := e.tick(); len(ps) != 0 {
		t.Fatalf("sent twice: %+v", ps)
	}
	last, _, _ := e.db.LastScheduledIssue(context.Background(), e.com.LedgerID())
	if last.Number != 2 || last.ScheduledFor.Format(time.RFC3339) != "2026-12-07T08:00:00Z" || last.PostedAt.IsZero() {
		t.Errorf("last scheduled %+v", last)
	}
}

// An issue's period is named as people say it.
func TestPeriodName(t *testing.T) {
	c, paris := testCatalog(t), testutil.Paris(t)
	at := func(m time.Month, d, h int) time.Time { return time.Date(2026, m, d, h, 0, 0, 0, paris) }
	for _, tc := range []struct {
		from, to time.Time
		fr, en   string
	}{
		{at(11, 1, 0), at(12, 1, 0), "novembre 2026", "November 2026"},
		{at(11, 23, 0), at(11, 30, 0), "semaine du 23 au 29 novembre", "week of November 23 to 29"},
		{at(11, 30, 9), at(12, 7, 9), "semaine du 30 novembre au 7 décembre", "week of November 30 to December 7"},
		{at(10, 1, 9), at(11, 22, 9), "du 1er octobre au 22 novembre", "October 1 to November 22"},
		{at(11, 30, 9), at(11, 30, 11), "30 novembre", "November 30"},
	} {
		if got := periodName(c.In("fr"), tc.from, tc.to, paris); got != tc.fr {
			t.Errorf("fr %v–%v: %q, want %q", tc.from, tc.to, got, tc.fr)
		}
		if got := periodName(c.In("en"), tc.from, tc.to, paris); got != tc.en {
			t.Errorf("en %v–%v: %q, want %q", tc.from, tc.to, got, tc.en)
		}
	}
}
