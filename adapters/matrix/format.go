package matrix

import (
	"bytes"
	"fmt"
	"html"
	"slices"
	"strconv"
	"strings"

	"github.com/yuin/goldmark"
	gmhtml "github.com/yuin/goldmark/renderer/html"
	"maunium.net/go/mautrix/id"

	"github.com/entraide/entraide/bot"
)

// markdown renders Markdown to the HTML Matrix clients show: headings,
// lists, emphasis and links, a line break where the text has one. Raw HTML
// in the text is not passed through.
var markdown = goldmark.New(goldmark.WithRendererOptions(gmhtml.WithHardWraps()))

// Mentions stand in the Markdown as private-use characters around their
// index while it renders, so that Markdown cannot take a name apart; the
// pills replace them afterwards.
const pillOpen, pillClose = "\uE000", "\uE001"

// renderHTML is the formatted_body of text: Markdown rendered when
// markdown is set, otherwise the text escaped, its line breaks kept and
// its indented lines (the entries of a history, the commands of the help)
// a list. Each mention's Text becomes a pill. It returns the users to put
// in m.mentions: those named, in order, without the bot itself.
func renderHTML(text string, mentions []bot.Mention, self id.UserID, markdownText bool) (string, []id.UserID) {
	users := []id.UserID{}
	for _, m := range mentions {
		u := id.UserID(m.User.ID)
		if u != "" && u != self && !slices.Contains(users, u) {
			users = append(users, u)
		}
	}
	// Longest first, so "@Bob Martin" wins over "@Bob".
	ms := slices.Clone(mentions)
	slices.SortStableFunc(ms, func(x, y bot.Mention) int { return len(y.Text) - len(x.Text) })
	var found []bot.Mention
	marked := markMentions(text, ms, &found)
	var out string
	if markdownText {
		var b bytes.Buffer
		if err := markdown.Convert([]byte(endLists(marked)), &b); err != nil {
			// goldmark fails only on a failing writer; a bytes.Buffer
			// does not.
			panic(err)
		}
		out = strings.TrimSuffix(b.String(), "\n")
	} else {
		out = plainHTML(marked)
	}
	for i, m := range found {
		pill := fmt.Sprintf(`<a href="https://matrix.to/#/%s">%s</a>`, html.EscapeString(m.User.ID), html.EscapeString(m.Text))
		out = strings.Replace(out, pillOpen+strconv.Itoa(i)+pillClose, pill, 1)
	}
	return out, users
}

// endLists ends a list at the first line that is no item: the bot writes
// its Markdown one block a line, without blank lines, where Markdown
// would carry such a line on as part of the last item.
func endLists(md string) string {
	lines := strings.Split(md, "\n")
	out := make([]string, 0, len(lines))
	for i, line := range lines {
		if i > 0 && isItem(lines[i-1]) && !isItem(line) && strings.TrimSpace(line) != "" {
			out = append(out, "")
		}
		out = append(out, line)
	}
	return strings.Join(out, "\n")
}

func isItem(line string) bool {
	return strings.HasPrefix(line, "- ") || strings.HasPrefix(line, "* ")
}

// markMentions replaces each mention's Text in text, as a whole token, by
// its placeholder, appending the mention to found.
func markMentions(text string, ms []bot.Mention, found *[]bot.Mention) string {
	var b strings.Builder
	for i := 0; i < len(text); {
		if m, ok := mentionAt(text, i, ms); ok {
			b.WriteString(pillOpen + strconv.Itoa(len(*found)) + pillClose)
			*found = append(*found, m)
			i += len(m.Text)
			continue
		}
		j := i + 1
		for j < len(text) && text[j] != '@' {
			j++
		}
		b.WriteString(text[i:j])
		i = j
	}
	return b.String()
}

// plainHTML escapes text line by line: runs of indented lines become a
// list, other lines are separated by <br>.
func plainHTML(text string) string {
	var b strings.Builder
	inList := false
	for i, line := range strings.Split(text, "\n") {
		item := strings.HasPrefix(line, "  ") && strings.TrimSpace(line) != ""
		switch {
		case item && !inList:
			b.WriteString("<ul>")
			inList = true
		case !item && inList:
			b.WriteString("</ul>")
			inList = false
		case !item && i > 0:
			b.WriteString("<br>")
		}
		if item {
			b.WriteString("<li>" + html.EscapeString(strings.TrimSpace(line)) + "</li>")
		} else {
			b.WriteString(html.EscapeString(line))
		}
	}
	if inList {
		b.WriteString("</ul>")
	}
	return b.String()
}

// mentionAt is the mention whose Text starts at text[i] as a whole token.
func mentionAt(text string, i int, ms []bot.Mention) (bot.Mention, bool) {
	for _, m := range ms {
		if m.Text != "" && m.User.ID != "" && strings.HasPrefix(text[i:], m.Text) && wordStart(text, i) && wordEnd(text, i+len(m.Text)) {
			return m, true
		}
	}
	return bot.Mention{}, false
}

// withText is r saying text instead.
func withText(r bot.Reply, text string) bot.Reply {
	r.Text = text
	return r
}
