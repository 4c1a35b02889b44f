package matrix

import (
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"maunium.net/go/mautrix"
	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"

	"github.com/entraide/entraide/bot"
)

func TestHTMLToText(t *testing.T) {
	for _, c := range []struct{ html, want string }{
		{`!give 2h <a href="https://matrix.to/#/@bob:example.org">Bob</a> for the garden`, "!give 2h @bob:example.org for the garden"},
		{`<a href="https://matrix.to/#/%40bob%3Aexample.org">Bob</a>`, "@bob:example.org"},
		{`<a href="matrix:u/bob:example.org?action=chat">Bob</a>`, "@bob:example.org"},
		{`<a href="https://example.org/page">a page</a>`, "a page"},
		{`<mx-reply><blockquote>In reply to <a href="https://matrix.to/#/@ana:example.org">Ana</a>: hi</blockquote></mx-reply>!balance`, "!balance"},
		{`<p>line one</p><p>line two<br>three</p>`, "line one\nline two\nthree"},
		{`Tom &amp; Jerry &lt;3`, "Tom & Jerry <3"},
	} {
		if got := htmlToText(c.html); got != c.want {
			t.Errorf("htmlToText(%q) = %q, want %q", c.html, got, c.want)
		}
	}
}

func TestStripReplyFallback(t *testing.T) {
	got := stripReplyFallback("> <@ana:example.org> who helped?\n> second line\n\n!give 1h @bob:example.org")
	if got != "!give 1h @bob:example.org" {
		t.Errorf("got %q", got)
	}
	c := &event.MessageEventContent{Body: "> quoted\n\n!balance", RelatesTo: &event.RelatesTo{InReplyTo: &event.InReplyTo{EventID: "$x"}}}
	if got := messageText(c); got != "!balance" {
		t.Errorf("messageText of a reply = %q", got)
	}
	if got := messageText(&event.MessageEventContent{Body: "> a quote of my own"}); got != "> a quote of my own" {
		t.Errorf("a quote outside a reply was dropped: %q", got)
	}
}

func TestResolverRead(t *testing.T) {
	const botID, ana, bob, bob2, carol = "@entraide:example.org", "@ana:example.org", "@bob:example.org", "@bob:other.org", "@carol:example.org"
	r := resolver{bot: botID, members: map[id.UserID]string{botID: "Entraide", ana: "Ana", bob: "Bob", bob2: "Bob", carol: "Carol Martin"}}
	ids := func(ms []bot.Mention) []string {
		var out []string
		for _, m := range ms {
			out = append(out, m.User.ID)
		}
		return out
	}
	for _, c := range []struct {
		text      string
		declared  []id.UserID
		want      string
		mentions  []string
		ambiguous string
	}{
		{"!give 2h @ana:example.org, @carol:example.org.", nil, "!give 2h @ana:example.org, @carol:example.org.", []string{ana, carol}, ""},
		{"!give 1h @Carol Martin for soup", nil, "!give 1h @carol:example.org for soup", []string{carol}, ""},
		{"!give 1h @carol", nil, "!give 1h @carol:example.org", []string{carol}, ""},
		{"!give 1h @ANA", nil, "!give 1h @ana:example.org", []string{ana}, ""},
		{"!give 1h @Bob", nil, "!give 1h @Bob", nil, "@Bob"},
		{"!give 1h @Bob", []id.UserID{bob2}, "!give 1h @bob:other.org", []string{bob2}, ""},
		{"!give 1h Ana", []id.UserID{ana}, "!give 1h @ana:example.org", []string{ana}, ""},
		{"!give 1h @zoe and mail@example.org", nil, "!give 1h @zoe and mail@example.org", nil, ""},
		{"!give 1h @Entraide", nil, "!give 1h " + botID, []string{botID}, ""},
		{"!give 1h @Anatole", nil, "!give 1h @Anatole", nil, ""},
	} {
		got := r.read(c.text, c.declared, true)
		if got.text != c.want || !slices.Equal(ids(got.mentions), c.mentions) {
			t.Errorf("read(%q) = %q %v, want %q %v", c.text, got.text, ids(got.mentions), c.want, c.mentions)
		}
		var amb string
		if len(got.ambiguous) > 0 {
			amb = got.ambiguous[0].Text
			if len(got.ambiguous[0].Candidates) != 2 {
				t.Errorf("read(%q) candidates = %v, want both Bobs", c.text, got.ambiguous[0].Candidates)
			}
		}
		if amb != c.ambiguous {
			t.Errorf("read(%q) ambiguous = %q, want %q", c.text, amb, c.ambiguous)
		}
	}
	if got := r.read("!give 1h @carol for helping Bob", []id.UserID{bob}, false); got.text != "!give 1h @carol:example.org for helping Bob" {
		t.Errorf("with HTML, a declared name was rewritten: %q", got.text)
	}
	if m := r.read("@entraide:example.org", nil, true).mentions; len(m) != 1 || !m[0].IsBot || m[0].Text != botID || m[0].User.Name != "Entraide" {
		t.Errorf("the bot's mention = %+v, want IsBot with its ID as text", m)
	}
}

func TestCommandText(t *testing.T) {
	a := &Adapter{botID: "@entraide:example.org"}
	r := resolver{bot: a.botID, members: map[id.UserID]string{a.botID: "Entraide Bot"}}
	for _, c := range []struct {
		text string
		want string
		ok   bool
	}{
		{"!give 2h", "!give 2h", true},
		{"/balance", "/balance", true},
		{"!", "", false},
		{"Entraide Bot: give 2h", "/give 2h", true},
		{"entraide, balance", "/balance", true},
		{"@entraide:example.org balance", "/balance", true},
		{"@entraide:example.org: !help", "!help", true},
		{"@Entraide Bot help", "/help", true},
		{"entraide is great", "", false},
		{"Entraide Bot:", "", false},
		{"hello", "", false},
	} {
		got, ok := a.commandText(r, c.text)
		if ok != c.ok || (ok && got != c.want) {
			t.Errorf("commandText(%q) = %q %v, want %q %v", c.text, got, ok, c.want, c.ok)
		}
	}
}

func TestRenderHTML(t *testing.T) {
	bob := bot.Mention{Text: "@Bob", User: bot.User{ID: "@bob:example.org"}}
	bobm := bot.Mention{Text: "@Bob Martin", User: bot.User{ID: "@bobm:example.org"}}
	self := bot.Mention{Text: "@Entraide", User: bot.User{ID: "@entraide:example.org"}, IsBot: true}
	html, users := renderHTML("Ana gave 2h to @Bob, @Bob Martin & @Bobby\n<script>", []bot.Mention{bob, bobm, self, bob}, "@entraide:example.org", false)
	want := `Ana gave 2h to <a href="https://matrix.to/#/@bob:example.org">@Bob</a>, <a href="https://matrix.to/#/@bobm:example.org">@Bob Martin</a> &amp; @Bobby<br>&lt;script&gt;`
	if html != want {
		t.Errorf("html =\n%s\nwant\n%s", html, want)
	}
	if !slices.Equal(users, []id.UserID{"@bob:example.org", "@bobm:example.org"}) {
		t.Errorf("m.mentions = %v, want Bob and Bob Martin, never the bot", users)
	}
	if _, users := renderHTML("nobody here", nil, "", false); users == nil || len(users) != 0 {
		t.Errorf("m.mentions without mentions = %#v, want an empty list (no room ping)", users)
	}
}

// Long texts render as HTML from their one source: Markdown (the
// newsletter) through a Markdown renderer, plain text with its indented
// lines as a list (a history, the help); mentions stay pills either way.
func TestRenderHTMLStructure(t *testing.T) {
	bob := bot.Mention{Text: "@Bob_Martin", User: bot.User{ID: "@bob:example.org"}}
	for _, tc := range []struct {
		name, text string
		markdown   bool
		want       string
	}{
		{"markdown", "# Journal\n\n## Who did what\n\n- @Bob_Martin gave _2h_ <b>\n- **Ana** 1h\nthen more\n_the end_", true,
			"<h1>Journal</h1>\n<h2>Who did what</h2>\n<ul>\n<li><a href=\"https://matrix.to/#/@bob:example.org\">@Bob_Martin</a> gave <em>2h</em> <!-- raw HTML omitted --></li>\n" +
				"<li><strong>Ana</strong> 1h</li>\n</ul>\n<p>then more<br>\n<em>the end</em></p>"},
		{"plain list", "History of @Bob_Martin:\n  #2 +1h from ana\n  #1 -2h to <chloe>\nPage 1", false,
			`History of <a href="https://matrix.to/#/@bob:example.org">@Bob_Martin</a>:<ul><li>#2 +1h from ana</li><li>#1 -2h to &lt;chloe&gt;</li></ul>Page 1`},
		{"plain lines", "one\n\ntwo", false, "one<br><br>two"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, users := renderHTML(tc.text, []bot.Mention{bob}, "@entraide:example.org", tc.markdown)
			if got != tc.want {
				t.Errorf("html =\n%s\nwant\n%s", got, tc.want)
			}
			if !slices.Equal(users, []id.UserID{"@bob:example.org"}) {
				t.Errorf("m.mentions = %v, want Bob", users)
			}
		})
	}
}

func TestRelation(t *testing.T) {
	a := &Adapter{replyTo: newAliasMap()}
	if r := a.relation(bot.Target{Room: "!r", ReplyTo: "$cmd"}); r.GetReplyTo() != "$cmd" || r.Type != "" {
		t.Errorf("plain reply = %+v", r)
	}
	if r := a.relation(bot.Target{Room: "!r", Thread: "$root", ReplyTo: "$cmd"}); r.Type != event.RelThread || r.EventID != "$root" || r.GetReplyTo() != "$cmd" || r.IsFallingBack {
		t.Errorf("threaded reply = %+v", r)
	}
	if r := a.relation(bot.Target{Room: "!r", Thread: "$root"}); r.GetReplyTo() != "$root" || !r.IsFallingBack {
		t.Errorf("thread message = %+v", r)
	}
	a.replyTo.set("$reaction", "$card")
	if r := a.relation(bot.Target{Room: "!r", ReplyTo: "$reaction"}); r.GetReplyTo() != "$card" {
		t.Errorf("reply to a click = %+v, want the card", r)
	}
	if r := a.relation(bot.Target{Room: "!r"}); r != nil {
		t.Errorf("proactive message relation = %+v, want none", r)
	}
}

func TestButtonKeys(t *testing.T) {
	c := newCard(bot.Target{Room: "!r"}, []bot.Button{{Label: "Yes", Emoji: "👍"}, {Label: "No"}, {Label: "Also yes", Emoji: "👍"}})
	keys := []string{c.Buttons[0].Key, c.Buttons[1].Key, c.Buttons[2].Key}
	if !slices.Equal(keys, []string{"👍", "2️⃣", "3️⃣"}) {
		t.Errorf("keys = %v", keys)
	}
	if c.choices() != "👍 Yes · 2️⃣ No · 3️⃣ Also yes" {
		t.Errorf("choices = %q", c.choices())
	}
	if b, ok := c.button("👍️"); !ok || b.Label != "Yes" {
		t.Errorf("a key with a variation selector did not match")
	}
	if numberKey(10) != "🔟" || numberKey(11) != "⑪" || numberKey(20) != "⑳" {
		t.Errorf("number keys: %q %q %q", numberKey(10), numberKey(11), numberKey(20))
	}
}

func TestRetryable(t *testing.T) {
	a := &Adapter{backoff: backoffPolicy{base: time.Second, max: 4 * time.Second}}
	limited := mautrix.HTTPError{Response: &http.Response{StatusCode: 429, Header: http.Header{}},
		RespError: &mautrix.RespError{ErrCode: "M_LIMIT_EXCEEDED", ExtraData: map[string]any{"retry_after_ms": float64(1500)}}}
	if d, ok := a.retryable(limited, opOnce, 0); !ok || d != 1500*time.Millisecond {
		t.Errorf("rate limit: %v %v, want 1.5s", d, ok)
	}
	header := mautrix.HTTPError{Response: &http.Response{StatusCode: 429, Header: http.Header{"Retry-After": {"3"}}}}
	if d, ok := a.retryable(header, opIdempotent, 0); !ok || d != 3*time.Second {
		t.Errorf("Retry-After: %v %v, want 3s", d, ok)
	}
	network := mautrix.HTTPError{Message: "request error", WrappedError: errors.New("connection reset")}
	if _, ok := a.retryable(network, opIdempotent, 0); !ok {
		t.Error("a network error is not retried")
	}
	if _, ok := a.retryable(network, opOnce, 0); ok {
		t.Error("a createRoom that may have reached the server is retried")
	}
	gateway := mautrix.HTTPError{Response: &http.Response{StatusCode: 502}}
	if _, ok := a.retryable(gateway, opIdempotent, 0); !ok {
		t.Error("a 502 is not retried")
	}
	forbidden := mautrix.HTTPError{Response: &http.Response{StatusCode: 403}, RespError: &mautrix.RespError{ErrCode: "M_FORBIDDEN"}}
	if _, ok := a.retryable(forbidden, opIdempotent, 0); ok {
		t.Error("M_FORBIDDEN is retried")
	}
	for n := range 10 {
		if d := a.backoff.delay(n); d < 800*time.Millisecond || d > 4800*time.Millisecond {
			t.Errorf("delay(%d) = %v, outside the capped range", n, d)
		}
	}
}

func TestConfigValidation(t *testing.T) {
	good := Config{Homeserver: "https://matrix.example.org", UserID: "@entraide:example.org", AccessToken: "secret", Rooms: []string{"!abc:example.org"}}
	if err := good.validate(); err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]func(*Config){
		"no scheme":        func(c *Config) { c.Homeserver = "matrix.example.org" },
		"localpart only":   func(c *Config) { c.UserID = "entraide" },
		"no credentials":   func(c *Config) { c.AccessToken = "" },
		"alias as room":    func(c *Config) { c.Rooms = []string{"#garden:example.org"} },
		"bad server":       func(c *Config) { c.AllowedServers = []string{"@ana:example.org"} },
		"no crypto file":   func(c *Config) { c.Encryption, c.PickleKey = true, "k" },
		"no pickle key":    func(c *Config) { c.Encryption, c.CryptoDB = true, "crypto.db" },
		"empty server":     func(c *Config) { c.AllowedServers = []string{""} },
		"not a homeserver": func(c *Config) { c.Homeserver = "ftp://example.org" },
	} {
		c2 := good
		c(&c2)
		if err := c2.validate(); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	logged := good.LogValue().String()
	if strings.Contains(logged, "secret") {
		t.Errorf("the config logs its token: %s", logged)
	}
}
