package matrix

import (
	"cmp"
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/html"
	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"

	"github.com/entraide/entraide/bot"
)

// mxidPattern is a Matrix user ID as people type it: @localpart:server,
// the server optionally with a port.
var mxidPattern = regexp.MustCompile(`^@[a-zA-Z0-9._=\-/+]+:(?:\[[0-9a-fA-F:.]+\]|[a-zA-Z0-9.\-]+)(?::[0-9]{1,5})?`)

// messageText is what a member wrote, as the core reads it: pills (links to
// a user) become the Matrix ID they point to, reply quotes are dropped.
func messageText(c *event.MessageEventContent) string {
	if c.Format == event.FormatHTML && c.FormattedBody != "" {
		return htmlToText(c.FormattedBody)
	}
	if c.RelatesTo.GetReplyTo() != "" {
		return stripReplyFallback(c.Body)
	}
	return c.Body
}

// htmlToText flattens formatted_body: a pill becomes its user ID, <br> and
// block ends become line breaks, the quoted reply (<mx-reply>) goes away.
func htmlToText(s string) string {
	z := html.NewTokenizer(strings.NewReader(s))
	var b strings.Builder
	skip, inPill := 0, false
	newline := func() {
		if b.Len() > 0 && !strings.HasSuffix(b.String(), "\n") {
			b.WriteByte('\n')
		}
	}
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			return strings.TrimSpace(b.String())
		case html.TextToken:
			if skip == 0 && !inPill {
				b.Write(z.Text())
			}
		case html.StartTagToken, html.SelfClosingTagToken:
			name, hasAttr := z.TagName()
			switch string(name) {
			case "mx-reply":
				if tt == html.StartTagToken {
					skip++
				}
			case "br":
				if skip == 0 {
					b.WriteByte('\n')
				}
			case "p", "div", "li", "blockquote", "pre", "h1", "h2", "h3", "h4", "h5", "h6", "tr":
				if skip == 0 {
					newline()
				}
			case "a":
				if skip > 0 || !hasAttr || tt == html.SelfClosingTagToken {
					continue
				}
				if u := pillTarget(z); u != "" {
					b.WriteString(string(u))
					inPill = true
				}
			}
		case html.EndTagToken:
			name, _ := z.TagName()
			switch string(name) {
			case "mx-reply":
				if skip > 0 {
					skip--
				}
			case "a":
				inPill = false
			case "p", "div", "li", "blockquote", "pre", "h1", "h2", "h3", "h4", "h5", "h6", "tr":
				if skip == 0 {
					newline()
				}
			}
		}
	}
}

// pillTarget is the user a link points to (matrix.to or matrix: URI), or "".
func pillTarget(z *html.Tokenizer) id.UserID {
	for {
		key, val, more := z.TagAttr()
		if string(key) == "href" {
			uri, err := id.ParseMatrixURIOrMatrixToURL(string(val))
			if err == nil && uri.Sigil1 == '@' {
				return uri.UserID()
			}
			return ""
		}
		if !more {
			return ""
		}
	}
}

// stripReplyFallback drops the "> quoted" lines older clients put before a
// reply's text.
func stripReplyFallback(body string) string {
	lines := strings.Split(body, "\n")
	i := 0
	for i < len(lines) && strings.HasPrefix(lines[i], ">") {
		i++
	}
	if i == 0 {
		return body
	}
	if i < len(lines) && strings.TrimSpace(lines[i]) == "" {
		i++
	}
	return strings.Join(lines[i:], "\n")
}

// resolver finds the members a text names. members are the room's joined
// and invited members with their display names (the bot among them).
type resolver struct {
	bot     id.UserID
	members map[id.UserID]string
}

// reading is a text with its mentions resolved: every resolved mention is
// the Matrix ID itself in text, so the core never sees a display name as an
// ID.
type reading struct {
	text      string
	mentions  []bot.Mention
	ambiguous []bot.Ambiguity
}

// read resolves, in order: Matrix IDs typed or pilled ("@bob:example.org"),
// bare "@Name" tokens through the members' display names and localparts,
// and, for plain-text clients (plain), users declared in m.mentions whose
// name appears without "@". A bare name several members share becomes an
// ambiguity unless m.mentions says which one was meant. (With HTML, pills
// are what the member picked; m.mentions may also hold the author of the
// message replied to, whose name in the text is then just a word.)
func (r resolver) read(text string, declared []id.UserID, plain bool) reading {
	var out reading
	var b strings.Builder
	seen := map[id.UserID]bool{}
	add := func(u id.UserID) {
		b.WriteString(string(u))
		if !seen[u] {
			seen[u] = true
			out.mentions = append(out.mentions, r.mention(u))
		}
	}
	for i := 0; i < len(text); {
		if text[i] != '@' || !wordStart(text, i) {
			_, size := utf8.DecodeRuneInString(text[i:])
			b.WriteString(text[i : i+size])
			i += size
			continue
		}
		if m := mxidPattern.FindString(text[i:]); m != "" {
			m = strings.TrimRight(m, ".-")
			add(id.UserID(m))
			i += len(m)
			continue
		}
		users, n := r.byName(text[i+1:])
		if len(users) > 1 {
			if d := declaredAmong(users, declared); d != "" {
				users = []id.UserID{d}
			}
		}
		switch {
		case len(users) == 1:
			add(users[0])
			i += 1 + n
		case len(users) > 1:
			amb := bot.Ambiguity{Text: text[i : i+1+n]}
			for _, u := range users {
				amb.Candidates = append(amb.Candidates, r.mention(u).User)
			}
			out.ambiguous = append(out.ambiguous, amb)
			b.WriteString(amb.Text)
			i += 1 + n
		default:
			b.WriteByte('@')
			i++
		}
	}
	out.text = b.String()
	if !plain {
		return out
	}
	for _, u := range declared {
		if seen[u] {
			continue
		}
		name := r.members[u]
		if name == "" {
			continue
		}
		if j := wordIndex(out.text, name); j >= 0 {
			out.text = out.text[:j] + string(u) + out.text[j+len(name):]
			seen[u] = true
			out.mentions = append(out.mentions, r.mention(u))
		}
	}
	return out
}

// mention is the core's view of a mention of u.
func (r resolver) mention(u id.UserID) bot.Mention {
	name := r.members[u]
	if name == "" {
		name = u.Localpart()
	}
	return bot.Mention{Text: string(u), User: bot.User{ID: string(u), Name: name}, IsBot: u == r.bot}
}

// byName finds the members rest (the text after an "@") starts with the
// name of: their whole display name or localpart, else the first word of
// their display name. The longest match wins; the result is sorted.
func (r resolver) byName(rest string) ([]id.UserID, int) {
	best := 0
	var users []id.UserID
	consider := func(u id.UserID, name string) {
		n, ok := prefixFold(rest, name)
		if !ok || !wordEnd(rest, n) {
			return
		}
		switch {
		case n > best:
			best, users = n, []id.UserID{u}
		case n == best && !slices.Contains(users, u):
			users = append(users, u)
		}
	}
	for u, name := range r.members {
		if name != "" {
			consider(u, name)
		}
		consider(u, u.Localpart())
	}
	if len(users) == 0 {
		for u, name := range r.members {
			if first, _, found := strings.Cut(name, " "); found && utf8.RuneCountInString(first) >= 2 {
				consider(u, first)
			}
		}
	}
	slices.SortFunc(users, func(a, b id.UserID) int { return cmp.Compare(a, b) })
	return users, best
}

func declaredAmong(users, declared []id.UserID) id.UserID {
	var found id.UserID
	for _, u := range users {
		if slices.Contains(declared, u) {
			if found != "" {
				return ""
			}
			found = u
		}
	}
	return found
}

// prefixFold reports whether s starts with prefix, ignoring case, and how
// many bytes of s that prefix covers.
func prefixFold(s, prefix string) (int, bool) {
	if prefix == "" {
		return 0, false
	}
	i := 0
	for _, pr := range prefix {
		if i >= len(s) {
			return 0, false
		}
		sr, size := utf8.DecodeRuneInString(s[i:])
		if sr != pr && unicode.ToLower(sr) != unicode.ToLower(pr) {
			return 0, false
		}
		i += size
	}
	return i, true
}

func isWordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_' }

// wordStart: position i of s is not in the middle of a word ("ana@x").
func wordStart(s string, i int) bool {
	if i == 0 {
		return true
	}
	r, _ := utf8.DecodeLastRuneInString(s[:i])
	return !isWordRune(r)
}

// wordEnd: position n of s ends a word.
func wordEnd(s string, n int) bool {
	if n >= len(s) {
		return true
	}
	r, _ := utf8.DecodeRuneInString(s[n:])
	return !isWordRune(r)
}

// wordIndex finds word in s as a whole word, or -1.
func wordIndex(s, word string) int {
	for off := 0; off < len(s); {
		j := strings.Index(s[off:], word)
		if j < 0 {
			return -1
		}
		j += off
		if wordStart(s, j) && wordEnd(s, j+len(word)) && (j == 0 || s[j-1] != '@') {
			return j
		}
		off = j + 1
	}
	return -1
}
