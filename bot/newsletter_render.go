package bot

import (
	"html"
	"strconv"
	"strings"
	"time"

	"github.com/entraide/entraide/ledger"
)

// An issue is written once as a list of blocks, in the community's
// language, then rendered as Markdown or as HTML. Every line is plain
// text from the catalogue, so both renderings say the same.

type nlBlock struct {
	kind  string // h1, h2, h3, p, ul, chart, footer
	text  string
	items []string
}

type nlDoc struct {
	title    string
	blocks   []nlBlock
	chart    string // the chart's file name
	mentions []Mention
}

// newsletterDoc writes issue n; md says whether members are written as
// "@name" mentions (Markdown for chat) or plain names (HTML).
func (b *Bot) newsletterDoc(tr Tr, com *Community, n *Newsletter, optedOut map[ledger.AccountID]bool, md bool) nlDoc {
	doc := nlDoc{chart: n.ChartName}
	add := func(kind, text string, items ...string) {
		doc.blocks = append(doc.blocks, nlBlock{kind: kind, text: text, items: items})
	}
	st := n.Stats
	doc.title = tr.S(msgNewsletterTitle, map[string]any{"Community": com.Name, "Number": n.Number, "Period": periodName(tr, n.From, n.To, com.Location)})
	add("h1", doc.title)
	add("p", tr.S(msgNewsletterPeriod, map[string]any{"From": dayTime(tr, n.From, com.Location), "To": dayTime(tr, n.To, com.Location)}))
	editorialSection(tr, n, add) // newsletter_editorial.go

	// The time bank.
	add("h2", tr.S(msgNewsletterTimeBank, nil))
	var bank []string
	if st.Exchanges == 0 && st.Minutes == 0 {
		bank = append(bank, tr.S(msgNewsletterQuiet, nil))
	} else {
		line := tr.N(msgNewsletterExchanges, max(st.Exchanges, 0), map[string]any{"Hours": tr.Minutes(st.Minutes)})
		if st.Corrections > 0 {
			line += " " + tr.N(msgNewsletterCorrections, st.Corrections, nil)
		}
		bank = append(bank, line+".", tr.N(msgNewsletterActive, st.ActiveMembers, nil))
	}
	if st.NewMembers > 0 {
		var names []string
		for _, v := range st.Newcomers {
			if md {
				tok, m := mentionOf(v)
				names = append(names, tok)
				if m != nil {
					doc.mentions = append(doc.mentions, *m)
				}
			} else {
				names = append(names, v.Name)
			}
		}
		if hidden := st.NewMembers - len(st.Newcomers); hidden > 0 && len(names) > 0 {
			names = append(names, tr.N(msgNewsletterOthers, hidden, nil))
		}
		if len(names) == 0 {
			bank = append(bank, tr.N(msgNewsletterNewcomersAnon, st.NewMembers, nil))
		} else {
			bank = append(bank, tr.N(msgNewsletterNewcomers, st.NewMembers, map[string]any{"Names": tr.List(names)}))
		}
	}
	add("ul", "", bank...)

	if len(st.Categories) > 0 {
		var items []string
		for _, c := range st.Categories {
			name := tr.S(msgNewsletterNoCategory, nil)
			if c.Category != "" {
				name = com.categoryName(c.Category, tr.Lang())
			}
			items = append(items, tr.N(msgNewsletterCategoryItem, c.Exchanges, map[string]any{"Name": name, "Hours": tr.Minutes(c.Minutes)}))
		}
		add("h3", tr.S(msgNewsletterByCategory, nil))
		add("ul", "", items...)
	}
	named := false
	for _, g := range st.Groups {
		named = named || g.Group != 0
	}
	if named {
		var items []string
		for _, g := range st.Groups {
			name := g.Name
			if g.Group == 0 {
				name = tr.S(msgNewsletterNoGroup, nil)
			}
			item := tr.N(msgNewsletterGroupItem, g.Exchanges, map[string]any{"Name": name, "Hours": tr.Minutes(g.Minutes)})
			var who []string
			for _, v := range g.Members {
				who = append(who, v.Name)
			}
			if hidden := g.Active - len(g.Members); hidden > 0 && len(who) > 0 {
				who = append(who, tr.N(msgNewsletterOthers, hidden, nil))
			}
			if len(who) > 0 {
				item += " — " + tr.List(who)
			}
			items = append(items, item)
		}
		add("h3", tr.S(msgNewsletterByGroup, nil))
		add("ul", "", items...)
	}

	// Decisions.
	var decisions []string
	for _, p := range n.Closed {
		id := msgNewsletterNotAdopted
		if p.Outcome == ledger.Adopted {
			id = msgNewsletterAdopted
		}
		data := proposalData(tr, p)
		data["Tally"] = tallyText(tr, p)
		decisions = append(decisions, tr.S(id, data)+groupTag(tr, p))
	}
	for i := len(n.Open) - 1; i >= 0; i-- { // oldest first
		p := n.Open[i]
		data := proposalData(tr, p)
		data["Deadline"] = dayTime(tr, p.Deadline, com.Location)
		answer := tr.S(msgNewsletterAnswer, map[string]any{"Command": b.commandPath(tr.Lang(), "consent") + " " + strconv.Itoa(p.Number)})
		decisions = append(decisions, tr.N(msgNewsletterOpen, len(p.Tally().Waiting), data)+groupTag(tr, p)+" — "+answer)
	}
	if len(decisions) > 0 {
		add("h2", tr.S(msgNewsletterDecisions, nil))
		add("ul", "", decisions...)
	}

	// What comes next.
	if len(n.Upcoming) > 0 {
		var items []string
		for _, rm := range n.Upcoming {
			items = append(items, tr.S(msgNewsletterUpcoming, map[string]any{
				"When": dayTime(tr, rm.NextDue, b.zone(com, rm.Timezone)), "Group": rm.GroupName, "Text": truncate(rm.Text, 100)}))
		}
		add("h2", tr.S(msgNewsletterComing, nil))
		add("ul", "", items...)
	}

	// Conflicts: counts only, never names or topics.
	if c := n.Conflicts; n.HasConflicts && (c.Opened > 0 || c.Closed > 0 || c.Open > 0) {
		add("h2", tr.S(msgNewsletterConflicts, nil))
		add("ul", "", tr.S(msgNewsletterConflictCounts, map[string]any{"Opened": tr.N(msgNewsletterConflictsOpened, c.Opened, nil),
			"Closed": tr.N(msgNewsletterConflictsClosed, c.Closed, nil), "Open": tr.N(msgNewsletterConflictsOpen, c.Open, nil)}))
	}

	b.aidSection(tr, n, optedOut, add)

	// News from members, approved by a moderator.
	if len(n.News) > 0 {
		var items []string
		for _, x := range n.News {
			if optedOut[x.Author.Account] {
				items = append(items, x.Text)
			} else {
				items = append(items, tr.S(msgNewsletterNewsItem, map[string]any{"Text": x.Text, "Name": x.Author.Name}))
			}
		}
		add("h2", tr.S(msgNewsletterNews, nil))
		add("ul", "", items...)
	}

	add("chart", tr.S(msgNewsletterChart, map[string]any{"Weeks": chartWeeks}), chartAlt(tr, n.Chart))
	add("footer", tr.S(msgNewsletterFooter, map[string]any{"Command": "/" + newsletterWord(tr) + " " + optOutWord(tr)}))
	if n.Head.Position > 0 {
		add("footer", tr.S(msgNewsletterChain, map[string]any{"Code": n.Head.Short()}))
	}
	return doc
}

// aidSection is the offers and needs: what was posted in the period, the
// needs still open with the command that answers each, and the needs met
// with thanks to who helped (unless they asked not to be named). A
// discreet need is a count, never a text or a name.
func (b *Bot) aidSection(tr Tr, n *Newsletter, optedOut map[ledger.AccountID]bool, add func(kind, text string, items ...string)) {
	c := n.Aid
	if c.Offers+c.Needs+c.Discreet == 0 && len(n.OpenNeeds.Posts) == 0 && len(n.MetNeeds) == 0 {
		return
	}
	var items []string
	if c.Offers+c.Needs > 0 {
		items = append(items, tr.S(msgNewsletterAidNew, map[string]any{
			"Offers": tr.N(msgNewsletterAidOffers, c.Offers, nil), "Needs": tr.N(msgNewsletterAidNeeds, c.Needs, nil)}))
	}
	if c.Discreet > 0 {
		items = append(items, tr.N(msgNewsletterAidDiscreet, c.Discreet, nil))
	}
	for _, p := range n.OpenNeeds.Posts {
		items = append(items, tr.S(msgNewsletterAidOpenNeed, map[string]any{"Number": p.Number, "Text": truncate(p.Text(), 80),
			"Command": b.commandPath(tr.Lang(), "need", "contact") + " " + strconv.Itoa(p.Number)}))
	}
	if n.OpenNeeds.More {
		items = append(items, tr.S(msgNewsletterAidMoreNeeds, map[string]any{"Command": b.commandPath(tr.Lang(), "need", "list")}))
	}
	if len(n.MetNeeds) > 0 {
		line := tr.N(msgNewsletterAidMet, len(n.MetNeeds), nil)
		var names []string
		seen := map[ledger.AccountID]bool{}
		hidden := 0
		for _, p := range n.MetNeeds {
			for _, h := range p.Helpers {
				if seen[h.Account] {
					continue
				}
				seen[h.Account] = true
				if optedOut[h.Account] {
					hidden++
				} else {
					names = append(names, h.Name)
				}
			}
		}
		if hidden > 0 && len(names) > 0 {
			names = append(names, tr.N(msgNewsletterOthers, hidden, nil))
		}
		if len(names) > 0 {
			line += tr.S(msgNewsletterAidThanks, map[string]any{"Names": tr.List(names)})
		}
		items = append(items, line+".")
	}
	add("h2", tr.S(msgNewsletterAid, nil))
	add("ul", "", items...)
}

// periodName names an issue's period as people say it: "novembre 2026"
// for a calendar month, "semaine du 16 au 22 novembre" for a week,
// "du 1er octobre au 22 novembre" otherwise.
func periodName(tr Tr, from, to time.Time, loc *time.Location) string {
	from, to = from.In(loc), to.In(loc)
	months := strings.Fields(tr.S(msgDateMonths, nil))
	month := func(t time.Time) string {
		if len(months) == 12 {
			return months[t.Month()-1]
		}
		return t.Month().String()
	}
	if from.Day() == 1 && from.Hour() == 0 && from.Minute() == 0 && to.Equal(from.AddDate(0, 1, 0)) {
		return tr.S(msgNewsletterPeriodMonth, map[string]any{"Month": month(from), "Year": from.Year()})
	}
	last := to.Add(-time.Second) // the period ends before To
	if last.Before(from) {
		last = from
	}
	dayNumber := func(t time.Time) any {
		if t.Day() == 1 {
			return tr.S(msgDateFirstDay, nil)
		}
		return t.Day()
	}
	day := func(t time.Time) string {
		return tr.S(msgDateDayMonth, map[string]any{"Day": dayNumber(t), "Month": month(t)})
	}
	data := map[string]any{"From": day(from), "To": day(last), "FromDay": dayNumber(from), "ToDay": dayNumber(last), "Month": month(from)}
	switch {
	case from.YearDay() == last.YearDay() && from.Year() == last.Year():
		return day(from) // an issue sent the same day as the one before
	case last.Sub(from) < 7*24*time.Hour && from.Month() == last.Month():
		return tr.S(msgNewsletterPeriodWeekMonth, data)
	case last.Sub(from) < 7*24*time.Hour:
		return tr.S(msgNewsletterPeriodWeek, data)
	}
	return tr.S(msgNewsletterPeriodSpan, data)
}

// chartAlt tells what the chart shows, for those who cannot see it: the
// hours of each week.
func chartAlt(tr Tr, d ChartData) string {
	var weeks []string
	for w, label := range d.Labels {
		total := int64(0)
		for _, s := range d.Series {
			total += max(s.Minutes[w], 0)
		}
		weeks = append(weeks, tr.S(msgNewsletterChartWeek, map[string]any{"Week": label, "Hours": tr.Minutes(total)}))
	}
	return tr.S(msgNewsletterChartAlt, map[string]any{"Title": d.Title, "List": strings.Join(weeks, ", ")})
}

func newsletterWord(tr Tr) string {
	if tr.Lang() == "fr" {
		return "journal"
	}
	return "newsletter"
}

func optOutWord(tr Tr) string {
	if tr.Lang() == "fr" {
		return "anonyme"
	}
	return "optout"
}

func proposalData(tr Tr, p ledger.Proposal) map[string]any {
	return map[string]any{"Number": p.Number, "Text": truncate(p.Text(), 80)}
}

func groupTag(tr Tr, p ledger.Proposal) string {
	if p.Group == 0 {
		return ""
	}
	return " " + tr.S(msgNewsletterGroupTag, map[string]any{"Group": p.GroupName})
}

// renderMarkdown writes the issue for chat platforms.
func renderMarkdown(doc nlDoc) (string, []Mention) {
	var sb strings.Builder
	// No blank lines: headings end lists in Markdown, and a chat message
	// stays compact.
	for _, bl := range doc.blocks {
		switch bl.kind {
		case "h1":
			sb.WriteString("# " + bl.text + "\n")
		case "h2":
			sb.WriteString("## " + bl.text + "\n")
		case "h3":
			sb.WriteString("### " + bl.text + "\n")
		case "p", "chart":
			sb.WriteString(bl.text + "\n")
		case "footer":
			sb.WriteString("_" + bl.text + "_\n")
		case "ul":
			for _, it := range bl.items {
				sb.WriteString("- " + it + "\n")
			}
		}
	}
	return strings.TrimRight(sb.String(), "\n"), doc.mentions
}

// newsletterCSS keeps the page readable on a phone and in a mail client:
// one narrow column, the system's own sans-serif fonts, a chart that
// shrinks with the screen.
const newsletterCSS = `body { margin: 0; padding: 1em; background: #fff; color: #222; line-height: 1.5;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
article { max-width: 38em; margin: 0 auto; }
h1 { font-size: 1.5em; line-height: 1.25; }
h2 { font-size: 1.2em; margin-top: 1.5em; }
h3 { font-size: 1em; }
img { max-width: 100%; height: auto; }
figcaption, footer { color: #555; font-size: 0.9em; }
`

// renderHTML writes the issue as a standalone HTML page (for e-mail or a
// web page); the chart is referenced by its file name.
func renderHTML(doc nlDoc, lang string) string {
	esc := html.EscapeString
	var sb strings.Builder
	sb.WriteString("<!DOCTYPE html>\n<html lang=\"" + esc(lang) + "\">\n<head>\n<meta charset=\"utf-8\">\n")
	sb.WriteString("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
	sb.WriteString("<title>" + esc(doc.title) + "</title>\n<style>\n" + newsletterCSS + "</style>\n</head>\n<body>\n<article class=\"entraide-newsletter\">\n")
	for _, bl := range doc.blocks {
		switch bl.kind {
		case "h1", "h2", "h3":
			sb.WriteString("<" + bl.kind + ">" + esc(bl.text) + "</" + bl.kind + ">\n")
		case "p":
			sb.WriteString("<p>" + esc(bl.text) + "</p>\n")
		case "ul":
			sb.WriteString("<ul>\n")
			for _, it := range bl.items {
				sb.WriteString("<li>" + esc(it) + "</li>\n")
			}
			sb.WriteString("</ul>\n")
		case "chart":
			alt := bl.text
			if len(bl.items) > 0 {
				alt = bl.items[0]
			}
			sb.WriteString("<figure>\n<img src=\"" + esc(doc.chart) + "\" alt=\"" + esc(alt) + "\" width=\"" +
				strconv.Itoa(chartWidthPx) + "\" height=\"" + strconv.Itoa(chartHeightPx) + "\">\n<figcaption>" + esc(bl.text) + "</figcaption>\n</figure>\n")
		case "footer":
			sb.WriteString("<footer><p>" + esc(bl.text) + "</p></footer>\n")
		}
	}
	sb.WriteString("</article>\n</body>\n</html>\n")
	return sb.String()
}
