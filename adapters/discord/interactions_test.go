package discord

import (
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/entraide/entraide/bot"
)

// Ana runs /give amount:2h members:<@bob> note:garden: one exchange, the
// interaction answered by its callback before anything else, and the
// reply names Bob and may ping only him.
func TestGiveBySlashCommand(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	id := e.slash(e.ana, "give", opt("amount", "2h"), opt("members", "<@"+e.bob.ID+">"), opt("note", "garden"))
	m := e.f.Next()

	calls := e.f.InteractionCalls(id)
	if len(calls) == 0 || calls[0].Method != "POST" || !strings.HasSuffix(calls[0].Path, "/callback") {
		t.Fatalf("the first call for the interaction is %+v, want its callback", calls)
	}
	var cb struct {
		Type int `json:"type"`
		Data struct {
			Content         string `json:"content"`
			Flags           int    `json:"flags"`
			AllowedMentions struct {
				Parse []string `json:"parse"`
				Users []string `json:"users"`
			} `json:"allowed_mentions"`
		} `json:"data"`
	}
	if err := json.Unmarshal(calls[0].Body, &cb); err != nil {
		t.Fatal(err)
	}
	if cb.Type != 4 || cb.Data.Flags&64 != 0 {
		t.Errorf("callback type %d flags %d, want a public message (4)", cb.Type, cb.Data.Flags)
	}
	if cb.Data.AllowedMentions.Parse == nil || len(cb.Data.AllowedMentions.Parse) != 0 || !slices.Equal(cb.Data.AllowedMentions.Users, []string{e.bob.ID}) {
		t.Errorf("allowed_mentions = %+v, want parse [] and users [bob]", cb.Data.AllowedMentions)
	}
	if !strings.Contains(m.Content, "gave 2h to <@"+e.bob.ID+">") || !strings.Contains(m.Content, "garden") {
		t.Errorf("reply = %q, want it to name Bob as <@id> and the note", m.Content)
	}
	if got := m.Pinged(); !slices.Equal(got, []string{e.bob.ID}) {
		t.Errorf("pinged %v, want only Bob", got)
	}
	e.wantEntries(1, e.bob, 120)
}

// A USER option arrives as an ID with its user resolved; the core reads
// it as a <@id> mention.
func TestBalanceOfAnotherMember(t *testing.T) {
	t.Parallel()
	rec := &recorder{}
	e := newEnv(t, envOptions{inbox: func(b *bot.Bot) bot.Inbox { rec.Bot = b; return rec }})
	e.slash(e.ana, "balance", opt("member", "<@"+e.bob.ID+">"))
	m := e.f.Next()
	if m.Flags&64 == 0 || !strings.Contains(m.Content, "Bob") {
		t.Errorf("reply %q (flags %d), want Bob's balance, ephemeral", m.Content, m.Flags)
	}
	got := rec.messages()[0]
	want := bot.Mention{Text: "<@" + e.bob.ID + ">", User: bot.User{ID: e.bob.ID, Name: "Bob"}}
	if got.Text != "/balance <@"+e.bob.ID+">" || !slices.Equal(got.Mentions, []bot.Mention{want}) {
		t.Errorf("the core got %q with mentions %+v", got.Text, got.Mentions)
	}
	if got.Sender != (bot.User{ID: e.ana.ID, Name: "Ana"}) || got.Space != e.guild || got.Room != e.general || got.Thread != "" {
		t.Errorf("the core got %+v", got)
	}
}

func TestBalanceIsEphemeral(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	id := e.slash(e.carol, "balance")
	m := e.f.Next()
	if m.Flags&64 == 0 {
		t.Errorf("balance reply flags = %d, want ephemeral (64)", m.Flags)
	}
	if in := e.f.Interaction(id); in.Response != 4 {
		t.Errorf("answered with type %d, want 4", in.Response)
	}
	if !strings.Contains(m.Content, "Your balance: 0h") {
		t.Errorf("reply = %q", m.Content)
	}
}

// The same interaction delivered twice records once: Discord refuses a
// second callback, so the core's "already recorded" is a follow-up.
func TestRedeliveredInteractionRecordsOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	id := e.slash(e.ana, "give", opt("amount", "1h"), opt("members", "<@"+e.bob.ID+">"))
	first := e.f.Next()
	e.f.Redeliver(id)
	again := e.f.Next()
	if !strings.Contains(first.Content, "gave 1h") || !strings.Contains(again.Content, "Already recorded") {
		t.Errorf("replies %q then %q", first.Content, again.Content)
	}
	if in := e.f.Interaction(id); len(in.Followups) != 1 || in.Followups[0] != again {
		t.Errorf("the second reply is not a follow-up of the interaction")
	}
	if n := e.entries(); n != 1 {
		t.Errorf("%d entries after a redelivery, want 1", n)
	}
}

// A dropped gateway connection is resumed with the session and the last
// sequence number; what Discord replays (the missed event, and one the
// bot had already seen) is recorded once.
func TestResumeLosesNothingAndDoublesNothing(t *testing.T) {
	t.Parallel()
	// Discord accepts this RESUME at the gateway's usual URL here; see
	// reconnect_test.go for a session it will not resume.
	e := newEnv(t, envOptions{before: func(e *env) { e.f.ResumeURLOnly = false }})
	first := e.slash(e.ana, "give", opt("amount", "1h"), opt("members", "<@"+e.bob.ID+">"))
	e.f.Next()

	var seq int64
	var session string
	e.f.Locked(func() { seq, session = e.f.Seq, e.f.SessionID })
	e.f.Drop()
	// While the bot is away, Carol gives; Discord keeps the event.
	missed := e.slash(e.carol, "give", opt("amount", "30m"), opt("members", "<@"+e.bob.ID+">"))
	// Discord replays from the sequence the bot sends, and here one event
	// more: the first gift, which the bot already handled.
	e.f.Locked(func() { e.f.Overlap = 2 })

	e.f.Wait("a resumed session", func() bool { return len(e.f.Resumes) == 1 && e.f.Online() })
	texts := []string{e.f.Next().Content, e.f.Next().Content}
	slices.Sort(texts)
	if !strings.HasPrefix(texts[0], "Already recorded") || !strings.Contains(texts[1], "gave 30m") {
		t.Errorf("replies after the resume: %q", texts)
	}
	e.f.Locked(func() {
		r := e.f.Resumes[0]
		if r.SessionID != session || r.Seq != seq || strings.TrimPrefix(r.Token, "Bot ") != e.f.Token {
			t.Errorf("RESUME %+v, want session %s seq %d", r, session, seq)
		}
		if len(e.f.Identifies) != 1 {
			t.Errorf("%d IDENTIFYs, want the session resumed, not restarted", len(e.f.Identifies))
		}
		if in := e.f.Interactions[missed]; !in.Acked {
			t.Error("the missed interaction was not answered")
		}
		if in := e.f.Interactions[first]; len(in.Followups) != 1 {
			t.Error("the replayed interaction was not answered with a follow-up")
		}
	})
	e.wantEntries(2, e.bob, 90)
	if commands := len(e.f.CallsTo("PUT", `/commands$`)); commands != 1 {
		t.Errorf("commands registered %d times, want once", commands)
	}
}

// After INVALID_SESSION the bot identifies again and carries on.
func TestInvalidSessionIdentifiesAgain(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	e.f.Locked(func() { e.f.Invalidate = true })
	e.f.Drop()
	e.f.Wait("a new session", func() bool { return len(e.f.Identifies) == 2 && e.f.Online() })
	e.slash(e.ana, "give", opt("amount", "1h"), opt("members", "<@"+e.bob.ID+">"))
	if m := e.f.Next(); !strings.Contains(m.Content, "gave 1h") {
		t.Errorf("reply = %q", m.Content)
	}
	var heartbeats, acks int
	e.f.Locked(func() {
		for _, fr := range e.f.Frames {
			switch {
			case fr.Op == 1 && !fr.Out:
				heartbeats++
			case fr.Op == 11 && fr.Out:
				acks++
			}
		}
	})
	if heartbeats == 0 || acks == 0 {
		t.Errorf("%d heartbeats and %d ACKs on the gateway", heartbeats, acks)
	}
}

// When the core is slow the interaction is deferred (type 5) before the
// three seconds run out, and the reply replaces the "thinking…". A 429 on
// that first follow-up, and a global one on the next, are waited out and
// every reply arrives.
func TestSlowCoreDefersAndRateLimitsAreWaitedOut(t *testing.T) {
	t.Parallel()
	e, g := newGatedEnv(t, "And one more thing.", 0)
	e.f.RateLimit("PATCH", `^/webhooks/[0-9]+/[^/]+/messages/@original$`, 1, 0.2, false)
	e.f.RateLimit("POST", `^/webhooks/[0-9]+/[^/]+$`, 1, 0.1, true)

	id := e.slash(e.ana, "give", opt("amount", "2h"), opt("members", "<@"+e.bob.ID+">"))
	e.f.Wait("the deferral", func() bool { return e.f.Interactions[id].Response == 5 })
	g.gate <- struct{}{}
	gift, extra := e.f.Next(), e.f.Next()

	if !strings.Contains(gift.Content, "gave 2h to <@"+e.bob.ID+">") || gift.Flags&64 != 0 {
		t.Errorf("first reply %q (flags %d)", gift.Content, gift.Flags)
	}
	if in := e.f.Interaction(id); in.Original != gift {
		t.Error("the first reply did not replace the deferred response")
	}
	if extra.Content != "And one more thing." {
		t.Errorf("second reply %q", extra.Content)
	}
	var statuses []string
	for _, c := range e.f.InteractionCalls(id) {
		what := "follow-up"
		switch {
		case strings.HasSuffix(c.Path, "/callback"):
			what = "callback"
		case strings.HasSuffix(c.Path, "/@original"):
			what = "@original"
		}
		statuses = append(statuses, c.Method+" "+what+" "+strconv.Itoa(c.Status))
	}
	want := []string{"POST callback 204", "PATCH @original 429", "PATCH @original 200", "POST follow-up 429", "POST follow-up 200"}
	if !slices.Equal(statuses, want) {
		t.Errorf("calls for the interaction:\n%q\nwant\n%q", statuses, want)
	}
	if n := e.entries(); n != 1 {
		t.Errorf("%d entries, want 1", n)
	}
	if err := g.failure(); err != nil {
		t.Error(err)
	}
}

// A deferral guesses the audience: /balance defers ephemerally, and the
// answer fills it in.
func TestSlowPrivateCommandDefersEphemerally(t *testing.T) {
	t.Parallel()
	e, g := newGatedEnv(t, "", 0)
	id := e.slash(e.ana, "balance")
	e.f.Wait("the deferral", func() bool { return e.f.Interactions[id].Response == 5 })
	g.gate <- struct{}{}
	m := e.f.Next()
	if m.Flags&64 == 0 || !strings.Contains(m.Content, "Your balance") {
		t.Errorf("reply %q flags %d, want the balance, ephemeral", m.Content, m.Flags)
	}
	if in := e.f.Interaction(id); in.Original != m {
		t.Error("the balance did not replace the deferred response")
	}

	// A wrong guess: a gift is deferred publicly, but the core refuses it
	// privately. The public "thinking…" goes; the refusal is ephemeral.
	id = e.slash(e.ana, "give", opt("amount", "1h"), opt("members", "<@"+e.ana.ID+">"))
	e.f.Wait("the deferral", func() bool { return e.f.Interactions[id].Response == 5 })
	g.gate <- struct{}{}
	m = e.f.Next()
	if m.Flags&64 == 0 || !strings.Contains(m.Content, "yourself") {
		t.Errorf("refusal %q flags %d, want it ephemeral", m.Content, m.Flags)
	}
	if in := e.f.Interaction(id); !in.Original.Deleted || len(in.Followups) != 1 || in.Followups[0] != m {
		t.Error("the public placeholder was not replaced by an ephemeral follow-up")
	}
}

// A button press reaches the core with its payload; a button that asks
// first shows a modal, whose answer is appended to the payload.
func TestButtonPressAndModalSubmission(t *testing.T) {
	t.Parallel()
	rec := &recorder{}
	e := newEnv(t, envOptions{inbox: func(b *bot.Bot) bot.Inbox { rec.Bot = b; return rec }})
	long := "/give 1h <@" + e.bob.ID + "> for " + strings.Repeat("a long note ", 10)
	buttons := []bot.Button{
		{Label: "My balance", Payload: "/balance"},
		{Label: "Thank Bob", Payload: "/give 1h <@" + e.bob.ID + "> for", Ask: "What for?"},
		{Label: "Long", Payload: long},
	}
	id, err := e.a.SendButtons(e.ctx, bot.Target{Room: e.general}, bot.Reply{Text: "Choose", Buttons: buttons})
	if err != nil {
		t.Fatal(err)
	}
	card := e.f.Next()
	if string(id) != card.ID || len(card.Buttons()) != 3 {
		t.Fatalf("card %s with buttons %+v", id, card.Buttons())
	}
	for _, b := range card.Buttons() {
		if len(b.CustomID) > 100 {
			t.Errorf("custom_id %q is longer than Discord allows", b.CustomID)
		}
	}

	e.f.Press(e.ana, card.ID, card.Buttons()[0].CustomID)
	if m := e.f.Next(); !strings.Contains(m.Content, "Your balance") || m.Flags&64 == 0 {
		t.Errorf("reply to the press: %q", m.Content)
	}

	press := e.f.Press(e.ana, card.ID, card.Buttons()[1].CustomID)
	e.f.Wait("the modal", func() bool { return e.f.Interactions[press].Modal != nil })
	var modal struct {
		Title      string `json:"title"`
		Components []struct {
			Components []struct {
				Type  int    `json:"type"`
				Label string `json:"label"`
				Style int    `json:"style"`
			} `json:"components"`
		} `json:"components"`
	}
	json.Unmarshal(e.f.Interaction(press).Modal, &modal)
	if in := modal.Components[0].Components[0]; modal.Title != "Thank Bob" || in.Type != 4 || in.Style != 2 || in.Label != "What for?" {
		t.Errorf("modal = %+v", modal)
	}
	e.f.Submit(e.ana, press, "the soup")
	if m := e.f.Next(); !strings.Contains(m.Content, "gave 1h to <@"+e.bob.ID+">") || !strings.Contains(m.Content, "the soup") {
		t.Errorf("reply to the modal: %q", m.Content)
	}

	e.f.Press(e.ana, card.ID, card.Buttons()[2].CustomID)
	e.f.Next()

	var texts []string
	for _, m := range rec.messages() {
		texts = append(texts, m.Text)
	}
	want := []string{"/balance", "/give 1h <@" + e.bob.ID + "> for the soup", long}
	if !slices.Equal(texts, want) {
		t.Errorf("the core got %q, want %q", texts, want)
	}
	if got := rec.messages()[1].Mentions; len(got) != 1 || got[0].User.ID != e.bob.ID || got[0].User.Name != "Bob" {
		t.Errorf("mentions of the modal's command: %+v", got)
	}
	if n := e.entries(); n != 2 {
		t.Errorf("%d entries, want 2", n)
	}
}

// A button the adapter does not know (kept in memory by an adapter without
// a ledger, lost at a restart) says so privately instead of failing
// silently.
func TestForgottenButton(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	long := "/history " + strings.Repeat("x", 120)
	if _, err := e.a.SendButtons(e.ctx, bot.Target{Room: e.general}, bot.Reply{Text: "Card", Buttons: []bot.Button{{Label: "Go", Payload: long}}}); err != nil {
		t.Fatal(err)
	}
	card := e.f.Next()
	e.a.buttons = newButtons(nil) // as after a restart without a ledger
	e.f.Press(e.ana, card.ID, card.Buttons()[0].CustomID)
	if m := e.f.Next(); m.Flags&64 == 0 || !strings.Contains(m.Content, "expired") {
		t.Errorf("reply %q flags %d", m.Content, m.Flags)
	}
}

// An interaction Discord forgot (answered after its three seconds) still
// gets its replies: in the channel, and privately by direct message.
func TestExpiredInteractionRepliesInTheChannel(t *testing.T) {
	t.Parallel()
	e, g := newGatedEnv(t, "", time.Hour)
	// Discord's three seconds pass at once here.
	e.f.Locked(func() { e.f.ResponseWindow = 0 })
	e.slash(e.ana, "give", opt("amount", "1h"), opt("members", "<@"+e.bob.ID+">"))
	g.gate <- struct{}{}
	m := e.f.Next()
	if m.ChannelID != e.general || m.InteractionID != "" || !strings.Contains(m.Content, "gave 1h to <@"+e.bob.ID+">") {
		t.Errorf("reply %+v", m)
	}
	if got := m.Pinged(); !slices.Equal(got, []string{e.bob.ID}) {
		t.Errorf("pinged %v", got)
	}
	e.slash(e.ana, "balance")
	g.gate <- struct{}{}
	m = e.f.Next()
	e.f.Locked(func() {
		if ch := e.f.Channels[m.ChannelID]; ch.Type != 1 || ch.DMUser != e.ana.ID {
			t.Errorf("the private reply went to %+v, want a DM with Ana", ch)
		}
	})
}

// A token Discord refuses stops Run at once, with a clear error.
func TestRefusedTokenStopsRun(t *testing.T) {
	t.Parallel()
	f := newFakeDiscord(t)
	g, _ := f.AddGuild("Coop")
	a, _ := newAdapter(t, f, Config{Guilds: []string{g.ID}})
	a.s.Token = "Bot wrong"
	err := a.Run(t.Context(), idle{})
	if err == nil || !strings.Contains(err.Error(), "token was refused") || strings.Contains(err.Error(), "wrong") {
		t.Errorf("Run = %v", err)
	}
}

// Asking for Message Content when the Portal does not allow it stops Run
// with the fix, instead of reconnecting forever.
func TestDisallowedIntentStopsRun(t *testing.T) {
	t.Parallel()
	f := newFakeDiscord(t)
	f.NoMessageContent = true
	g, _ := f.AddGuild("Coop")
	a, _ := newAdapter(t, f, Config{Guilds: []string{g.ID}, MessageContent: true})
	err := a.Run(t.Context(), idle{})
	if err == nil || !strings.Contains(err.Error(), "Message Content intent") {
		t.Errorf("Run = %v", err)
	}
}

// /link and /unlink, like any command of the core's catalogue, are slash
// commands whose invocation reaches the core as text; /link's one-time
// code is answered privately.
func TestLinkFlowsThrough(t *testing.T) {
	t.Parallel()
	rec := &recorder{}
	e := newEnv(t, envOptions{inbox: func(b *bot.Bot) bot.Inbox { rec.Bot = b; return rec }})
	var registered bool
	e.f.Locked(func() {
		for _, c := range e.f.Commands[e.guild] {
			registered = registered || c.Name == "link"
		}
	})
	if !registered {
		t.Skip("the core has no /link yet")
	}
	e.slash(e.ana, "link")
	if m := e.f.Next(); m.Flags&64 == 0 || m.Content == "" {
		t.Errorf("/link answered %q with flags %d, want an ephemeral code", m.Content, m.Flags)
	}
	e.slash(e.ana, "link", opt("code", "NOPE-0000"))
	e.f.Next()
	e.slash(e.ana, "unlink")
	e.f.Next()
	var texts []string
	for _, m := range rec.messages() {
		texts = append(texts, m.Text)
	}
	if !slices.Equal(texts, []string{"/link", "/link NOPE-0000", "/unlink"}) {
		t.Errorf("the core got %q", texts)
	}
}

// A slow button press is deferred privately: what a press answers (a
// vote's acknowledgement) is for the presser, and a public "thinking…"
// would show everyone a message that then vanishes.
func TestSlowButtonPressDefersPrivately(t *testing.T) {
	t.Parallel()
	e, g := newGatedEnv(t, "", 0)
	if _, err := e.a.SendButtons(e.ctx, bot.Target{Room: e.general}, bot.Reply{Text: "Card",
		Buttons: []bot.Button{{Label: "My balance", Payload: "/balance", Emoji: "💰"}}}); err != nil {
		t.Fatal(err)
	}
	card := e.f.Next()
	if !strings.Contains(string(card.Components), `"emoji":{"name":"💰"}`) {
		t.Errorf("the button shows no emoji: %s", card.Components)
	}
	id := e.f.Press(e.ana, card.ID, card.Buttons()[0].CustomID)
	e.f.Wait("the deferral", func() bool { return e.f.Interactions[id].Response == 5 })
	calls := e.f.InteractionCalls(id)
	if !strings.Contains(string(calls[0].Body), `"flags":64`) {
		t.Errorf("deferred with %s, want an ephemeral deferral", calls[0].Body)
	}
	g.gate <- struct{}{}
	if m := e.f.Next(); m.Flags&64 == 0 || !strings.Contains(m.Content, "Your balance") {
		t.Errorf("answer %q flags %d", m.Content, m.Flags)
	}
}
