package discord

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/url"
	"os"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/entraide/entraide/bot"
)

func TestRenderMentions(t *testing.T) {
	ms := []bot.Mention{
		{Text: "@bob", User: bot.User{ID: "1"}},
		{Text: "@bobby", User: bot.User{ID: "2"}},
		{Text: "@Ana Maria", User: bot.User{ID: "3"}},
		{Text: "@ana", User: bot.User{ID: "4"}},
		{Text: "@x", User: bot.User{ID: "not-a-snowflake"}},
	}
	for in, want := range map[string]string{
		"@bob gave 2h to @bobby.":       "<@1> gave 2h to <@2>.",
		"thanks @bob, @bob!":            "thanks <@1>, <@1>!",
		"@Ana Maria and @ana":           "<@3> and <@4>",
		"mail@bob.org and @bob-the-cat": "mail@bob.org and @bob-the-cat",
		"@x stays":                      "@x stays",
		"(@bob)":                        "(<@1>)",
	} {
		if got := renderMentions(in, ms); got != want {
			t.Errorf("renderMentions(%q) = %q, want %q", in, got, want)
		}
	}
	am := mentionsAllowed(append(ms, bot.Mention{Text: "@bob", User: bot.User{ID: "1"}}))
	raw, _ := json.Marshal(am)
	if string(raw) != `{"parse":[],"users":["1","2","3","4"],"replied_user":false}` {
		t.Errorf("allowed_mentions = %s", raw)
	}
	raw, _ = json.Marshal(mentionsAllowed(nil))
	if string(raw) != `{"parse":[],"users":[],"replied_user":false}` {
		t.Errorf("allowed_mentions without mentions = %s", raw)
	}
}

func TestSplit(t *testing.T) {
	if got := split("short", 2000); !slices.Equal(got, []string{"short"}) {
		t.Errorf("split = %q", got)
	}
	lines := strings.Repeat("é line of history\n", 300)
	parts := split(lines, 2000)
	if len(parts) < 3 || strings.Join(parts, "\n")+"\n" != lines || !strings.HasSuffix(parts[len(parts)-1], "history") {
		t.Errorf("%d parts do not rebuild the text", len(parts))
	}
	for _, p := range parts {
		if utf8.RuneCountInString(p) > 2000 || strings.HasPrefix(p, "\n") {
			t.Errorf("part of %d characters", utf8.RuneCountInString(p))
		}
	}
	word := strings.Repeat("x", 4500)
	if parts := split(word, 2000); len(parts) != 3 || strings.Join(parts, "") != word {
		t.Errorf("a long word split into %d parts", len(parts))
	}
}

func TestButtonCustomIDs(t *testing.T) {
	ctx := context.Background()
	s := newButtons(nil)
	for i, b := range []bot.Button{
		{Payload: "/consent 1"},
		{Payload: "/object 1", Ask: "Why do you object?"},
		{Payload: "/a:b:c", Ask: "4:2"},
		{Payload: strings.Repeat("é", 300), Ask: strings.Repeat("Why? ", 50)},
	} {
		id, err := s.encode(ctx, i, b)
		if err != nil || utf8.RuneCountInString(id) > maxCustomID {
			t.Errorf("custom_id %q (%v): too long", id, err)
		}
		if again, _ := s.encode(ctx, i, b); again != id {
			t.Errorf("the same button got %q then %q", id, again)
		}
		got, ok, err := s.decode(ctx, id)
		if !ok || err != nil || got != b {
			t.Errorf("decode(encode(%+v)) = %+v, %v, %v", b, got, ok, err)
		}
	}
	// Cards posted before stable IDs carry their payload inline.
	for id, want := range map[string]bot.Button{
		"p0:/consent 2":             {Payload: "/consent 2"},
		"a1:9:/object 2Why object?": {Payload: "/object 2", Ask: "Why object?"},
	} {
		if got, ok, _ := s.decode(ctx, id); !ok || got != want {
			t.Errorf("decode(%q) = %+v, %v", id, got, ok)
		}
	}
	for _, bad := range []string{"", "x", "q1:foo", "a0:99:short", "a0:x:y", "m0:nope", "b0:unknown"} {
		if _, ok, _ := s.decode(ctx, bad); ok {
			t.Errorf("decoded %q", bad)
		}
	}
}

// A 5xx is retried with backoff; the message's nonce makes Discord return
// the message a lost answer had created instead of posting it twice.
func TestTransientErrorsAreRetriedWithoutDuplicates(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	e.f.FailCalls("POST", `^/channels/`+e.general+`/messages$`, 1, 500, true)
	e.f.FailCalls("POST", `^/channels/`+e.general+`/messages$`, 1, 503, false)
	id, err := e.a.Send(e.ctx, bot.Target{Room: e.general}, bot.Reply{Text: "Reminder: the garden at 10"})
	if err != nil {
		t.Fatal(err)
	}
	calls := e.f.CallsTo("POST", `^/channels/`+e.general+`/messages$`)
	var statuses []int
	var nonces []string
	for _, c := range calls {
		statuses = append(statuses, c.Status)
		var p payload
		json.Unmarshal(c.Body, &p)
		nonces = append(nonces, p.Nonce)
		if !p.EnforceNonce {
			t.Error("a message is sent without enforce_nonce")
		}
	}
	if !slices.Equal(statuses, []int{500, 503, 200}) || nonces[0] == "" || nonces[0] != nonces[1] || nonces[1] != nonces[2] {
		t.Errorf("statuses %v nonces %v", statuses, nonces)
	}
	var posted int
	e.f.Locked(func() {
		for _, m := range e.f.Messages {
			if m.ChannelID == e.general {
				posted++
				if m.ID != string(id) {
					t.Errorf("Send returned %s, the message is %s", id, m.ID)
				}
			}
		}
	})
	if posted != 1 {
		t.Errorf("%d messages posted, want 1", posted)
	}
	// A 4xx is not retried: it would fail the same way.
	if _, err := e.a.Send(e.ctx, bot.Target{Room: "404404"}, bot.Reply{Text: "x"}); err == nil || apiCode(err) != codeUnknownChannel {
		t.Errorf("err = %v", err)
	}
	if n := len(e.f.CallsTo("POST", `^/channels/404404/messages$`)); n != 1 {
		t.Errorf("a 404 was tried %d times", n)
	}
	// Giving up after the last attempt says so.
	e.f.FailCalls("POST", `^/channels/`+e.general+`/messages$`, 10, 502, false)
	if _, err := e.a.Send(e.ctx, bot.Target{Room: e.general}, bot.Reply{Text: "x"}); err == nil {
		t.Error("no error after persistent 502s")
	}
}

// A 429 on a channel message, per route or global, is waited out by
// discordgo's rate limiter; one whose body is not JSON (Discord's edge
// blocking for a while) is waited out and tried again. Either way the
// message arrives once.
func TestRateLimitedMessageArrives(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name  string
		limit func(f *fakeDiscord, route string)
	}{
		{"JSON per route then global", func(f *fakeDiscord, route string) {
			f.RateLimit("POST", route, 1, 0.1, false)
			f.RateLimit("POST", route, 1, 0.1, true)
		}},
		{"not JSON", func(f *fakeDiscord, route string) { f.RateLimitHTML("POST", route, 2, 0.05) }},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, envOptions{})
			route := `^/channels/` + e.general + `/messages$`
			c.limit(e.f, route)
			if _, err := e.a.Send(e.ctx, bot.Target{Room: e.general}, bot.Reply{Text: "Hello"}); err != nil {
				t.Fatal(err)
			}
			if m := e.f.Next(); m.Content != "Hello" {
				t.Errorf("message %q", m.Content)
			}
			var statuses []int
			for _, c := range e.f.CallsTo("POST", route) {
				statuses = append(statuses, c.Status)
			}
			if !slices.Equal(statuses, []int{429, 429, 200}) {
				t.Errorf("statuses %v", statuses)
			}
		})
	}
}

// A PNG goes as a multipart attachment with the text, shown inline; a
// long reply becomes several messages, the file with the last.
func TestFilesAndLongReplies(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	png := []byte("\x89PNG\r\n\x1a\nfake image")
	text := strings.Repeat("a line of the newsletter\n", 120)
	if _, err := e.b.Deliver(e.ctx, e.a, bot.Target{Room: e.general}, bot.Reply{Text: text, File: &bot.File{Name: "chart.png", MIME: "image/png", Data: png}}); err != nil {
		t.Fatal(err)
	}
	first, second := e.f.Next(), e.f.Next()
	if len(first.Attachments) != 0 || len(second.Attachments) != 1 {
		t.Fatalf("attachments %d then %d", len(first.Attachments), len(second.Attachments))
	}
	a := second.Attachments[0]
	if a.Filename != "chart.png" || a.ContentType != "image/png" || !bytes.Equal(a.Data, png) {
		t.Errorf("attachment %s %s %q", a.Filename, a.ContentType, a.Data)
	}
	calls := e.f.CallsTo("POST", `^/channels/`+e.general+`/messages$`)
	last := calls[len(calls)-1]
	if !strings.HasPrefix(last.ContentType, "multipart/form-data") {
		t.Errorf("content type %s", last.ContentType)
	}
	var p payload
	json.Unmarshal(last.Body, &p)
	if len(p.Attachments) != 1 || p.Attachments[0].Filename != "chart.png" {
		t.Errorf("payload_json attachments %+v", p.Attachments)
	}
	if first.Content+"\n"+second.Content != strings.TrimSuffix(text, "\n") {
		t.Error("the parts do not rebuild the text")
	}
}

// Edit replaces text and buttons of a channel message, and of an
// interaction's ephemeral answer through its webhook.
func TestEdit(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	target := bot.Target{Room: e.general}
	id, err := e.a.SendButtons(e.ctx, target, bot.Reply{Text: "Tally: 0", Buttons: []bot.Button{{Label: "Consent", Payload: "/consent 1"}}})
	if err != nil {
		t.Fatal(err)
	}
	m := e.f.Next()
	if err := e.a.Edit(e.ctx, target, id, bot.Reply{Text: "Tally: 1 <@x>", Mentions: []bot.Mention{{Text: "<@x>", User: bot.User{ID: e.bob.ID}}}}); err != nil {
		t.Fatal(err)
	}
	e.f.Locked(func() {
		if m.Content != "Tally: 1 <@"+e.bob.ID+">" || m.Edits != 1 || len(m.Buttons()) != 0 {
			t.Errorf("edited message %q, %d edits, buttons %v", m.Content, m.Edits, m.Buttons())
		}
	})

	e.slash(e.ana, "balance")
	answer := e.f.Next()
	eventually(t, "the adapter to note the answer's token", func() bool { _, _, ok := e.a.replies.token(answer.ID); return ok })
	if err := e.a.Edit(e.ctx, target, bot.MessageID(answer.ID), bot.Reply{Text: "Balance updated"}); err != nil {
		t.Fatal(err)
	}
	if calls := e.f.CallsTo("PATCH", `^/webhooks/`+e.f.AppID+`/[^/]+/messages/`+answer.ID+`$`); len(calls) != 1 {
		t.Errorf("%d webhook edits of the ephemeral answer", len(calls))
	}
	e.f.Locked(func() {
		if answer.Content != "Balance updated" || answer.Flags&64 == 0 {
			t.Errorf("answer %q flags %d", answer.Content, answer.Flags)
		}
	})
}

// Tokens in URLs never reach logs or errors.
func TestRedact(t *testing.T) {
	u := "https://discord.com/api/v9/webhooks/123/very.secret.token/messages/@original"
	if got := redactURL(u); strings.Contains(got, "secret") || !strings.Contains(got, "/webhooks/123/") {
		t.Errorf("redactURL = %q", got)
	}
	err := redact(&url.Error{Op: "Post", URL: "https://discord.com/api/v9/interactions/1/tok.en.S3CR3T/callback", Err: errors.New("boom")})
	if strings.Contains(err.Error(), "S3CR3T") {
		t.Errorf("error %q shows the token", err)
	}
}

func TestConfig(t *testing.T) {
	for _, c := range []Config{
		{Token: "", Guilds: []string{"1"}},
		{Token: "t", Guilds: nil},
		{Token: "t", Guilds: []string{"my server"}},
		{Token: "t", Guilds: []string{"1"}, PrivateChannel: "#mediation"},
	} {
		if _, err := New(c, nil); err == nil {
			t.Errorf("New(%+v) accepted", c)
		}
	}
	a, err := New(Config{Token: "Bot abc", Guilds: []string{"1"}}, nil)
	if err != nil || a.cfg.Token != "abc" || a.s.Token != "Bot abc" {
		t.Errorf("token %q / %q, %v", a.cfg.Token, a.s.Token, err)
	}
}

func TestInviteURL(t *testing.T) {
	want := "https://discord.com/oauth2/authorize?client_id=APP_ID&permissions=397284592640&scope=bot%20applications.commands"
	if got := InviteURL("APP_ID"); got != want {
		t.Errorf("InviteURL = %s", got)
	}
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(readme), want) || !strings.Contains(string(readme), "397284592640") {
		t.Error("the README's invite URL is not the one the code computes")
	}
}
