package discord

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/entraide/entraide/bot"
	"github.com/entraide/entraide/ledger"
)

// join makes Bob and Carol members of the community (a gift from Ana),
// so that they may respond to the proposals opened after.
func (e *env) join() {
	e.t.Helper()
	e.slash(e.ana, "give", opt("amount", "1h"), opt("members", "<@"+e.bob.ID+"> <@"+e.carol.ID+">"))
	e.f.Next()
}

// card waits for the card of proposal #1 in the channel (the message
// with embeds and buttons), and for the core to record it.
func (e *env) card() *fakeMessage {
	e.t.Helper()
	for {
		m := e.f.Next()
		if len(m.Embeds) == 0 || m.ChannelID != e.general {
			continue
		}
		eventually(e.t, "the card to be recorded", func() bool {
			p, err := e.db.Proposal(e.ctx, e.com.LedgerID(), 1)
			return err == nil && p.Card == m.ID
		})
		return m
	}
}

// button is the custom_id of the card's button labelled label.
func button(t *testing.T, m *fakeMessage, label string) string {
	t.Helper()
	for _, b := range m.Buttons() {
		if b.Label == label {
			return b.CustomID
		}
	}
	t.Fatalf("no button %q under the card: %+v", label, m.Buttons())
	return ""
}

// A card's Object button still works after the bot restarts: its short
// custom_id finds its payload in the ledger, the question is asked, and
// the objection is recorded and shown on the card.
func TestOldCardObjectButtonAfterRestart(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	e.join()
	e.slash(e.ana, "propose", opt("text", "We repaint the shed green."))
	card := e.card()
	object := button(t, card, "Object")
	if n := utf8.RuneCountInString(object); n > 100 {
		t.Fatalf("custom_id of %d characters", n)
	}

	// The process ends; a new one starts on the same ledger.
	e.stop()
	a2, _ := newAdapter(t, e.f, e.cfg)
	b2, err := bot.New(e.ctx, bot.Options{Ledger: e.db, Communities: []*bot.Community{e.com}})
	if err != nil {
		t.Fatal(err)
	}
	run(t, e.ctx, a2, b2)
	e.f.Wait("the new session", func() bool { return e.f.Online() && len(e.f.Identifies) == 2 })

	press := e.f.Press(e.bob, card.ID, object)
	e.f.Wait("the question", func() bool { return e.f.Interactions[press].Modal != nil })
	e.f.Submit(e.bob, press, "Green fades in the sun.")
	ack := e.f.Next()
	if ack.Flags&64 == 0 || !strings.Contains(ack.Content, "objects to proposal #1") {
		t.Errorf("acknowledgement %q (flags %d), want a private one", ack.Content, ack.Flags)
	}
	p, err := e.db.Proposal(e.ctx, e.com.LedgerID(), 1)
	if err != nil {
		t.Fatal(err)
	}
	if s := p.Tally().Standing; len(s) != 1 || s[0].Text != "Green fades in the sun." {
		t.Errorf("standing objections %+v", s)
	}
	e.f.Wait("the card to show the objection", func() bool {
		return strings.Contains(embedText(card), "Green fades in the sun.")
	})

	// Once the proposal is closed its card has no buttons; a press that
	// reaches the bot anyway (an old client) says it is closed.
	consent := button(t, card, "Consent")
	for _, u := range []*fakeUser{e.carol, e.ana} { // once everyone responded, the proposer may close
		id := e.slash(u, "consent", opt("number", "1"))
		e.f.Wait("the consent", func() bool { return e.f.Interactions[id].Acked })
	}
	e.slash(e.ana, "close", opt("number", "1"))
	e.f.Wait("the card without its buttons", func() bool { return len(card.Buttons()) == 0 })
	e.f.Locked(func() {
		card.Components = json.RawMessage(`[{"type":1,"components":[{"type":2,"style":2,"label":"Consent","custom_id":"` + consent + `"}]}]`)
	})
	late := e.f.Press(e.carol, card.ID, consent)
	e.f.Wait("the answer", func() bool {
		in := e.f.Interactions[late]
		return in.Original != nil && !in.Original.Placeholder
	})
	if m := e.f.Interaction(late).Original; m.Flags&64 == 0 || !strings.Contains(m.Content, "is closed") || strings.Contains(m.Content, "expired") {
		t.Errorf("a press on a closed proposal's card: %q (flags %d)", m.Content, m.Flags)
	}
}

// embedText is everything a card's embeds say.
func embedText(m *fakeMessage) string {
	var b strings.Builder
	for _, e := range m.Embeds {
		b.WriteString(e.Title + "\n" + e.Description + "\n")
		for _, f := range e.Fields {
			b.WriteString(f.Name + ": " + f.Value + "\n")
		}
		if e.Footer != nil {
			b.WriteString(e.Footer.Text + "\n")
		}
	}
	return b.String()
}

// A 1500-character proposal with three objections of 1000 characters
// each: every edit is one message Discord accepts, and the final card
// shows the whole text and every objection in full.
func TestLongProposalWithThreeLongObjections(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	e.join()
	text := strings.Repeat("We share the tools of the workshop. ", 42)[:ledger.MaxProposalLength]
	e.slash(e.ana, "propose", opt("text", text))
	card := e.card()
	reasons := map[*fakeUser]string{}
	for i, u := range []*fakeUser{e.ana, e.bob, e.carol} {
		reason := strconv.Itoa(i) + strings.Repeat(" the tools break if nobody is in charge of them", 25)
		reason = strings.TrimSpace(reason[:ledger.MaxResponseLength])
		reasons[u] = reason
		e.slash(u, "object", opt("number", "1"), opt("reason", reason))
		e.f.Wait("the edit", func() bool { return card.Edits == i+1 })
	}
	e.f.Locked(func() {
		got := embedText(card)
		if !strings.Contains(got, strings.TrimSpace(text)) {
			t.Error("the card lost the proposal's text")
		}
		for u, r := range reasons {
			if !strings.Contains(got, r) {
				t.Errorf("the card lost %s's objection", u.Username)
			}
		}
		if card.Content != "" || len(card.Embeds) != 1 {
			t.Errorf("card of %d embeds with content %q", len(card.Embeds), card.Content)
		}
	})
	for _, c := range e.f.CallsTo("PATCH", `^/channels/`+e.general+`/messages/`+card.ID+`$`) {
		if c.Status != 200 {
			t.Errorf("an edit of the card was refused: %d %s", c.Status, c.Body)
		}
	}
}

// More objections than fit: each stays on the card, shortened, and the
// card says where to read them in full; the embeds keep Discord's limits.
func TestCardKeepsEveryObjectionWithinLimits(t *testing.T) {
	c := &bot.Card{Title: "📜 Proposal #1 by @ana (v1)", Body: strings.Repeat("b", 1500), More: "The full text: `/proposal 1`",
		Footer: "Until Monday — consent 0"}
	c.Fields = append(c.Fields, bot.CardField{Name: "👍 Consent", Value: strings.Repeat("name, ", 150)})
	for i := range 30 {
		c.Fields = append(c.Fields, bot.CardField{Name: "✋ Objection — member" + strconv.Itoa(i), Value: strconv.Itoa(i) + strings.Repeat("r", 999), Keep: true})
	}
	embeds := embedsOf(c)
	total, objections := 0, 0
	for _, e := range embeds {
		if len(e.Fields) > maxEmbedFields || runes(e.Description) > maxEmbedBody {
			t.Errorf("embed of %d fields, %d characters of description", len(e.Fields), runes(e.Description))
		}
		total += runes(e.Title) + runes(e.Description)
		if e.Footer != nil {
			total += runes(e.Footer.Text)
		}
		for _, f := range e.Fields {
			total += runes(f.Name) + runes(f.Value)
			if strings.HasPrefix(f.Name, "✋") {
				objections++
			}
		}
	}
	if total > maxEmbedTotal || len(embeds) > maxEmbeds {
		t.Errorf("%d characters in %d embeds", total, len(embeds))
	}
	if objections != 30 {
		t.Errorf("%d objections on the card, want all 30", objections)
	}
	if !strings.Contains(embeds[0].Description, "/proposal 1") {
		t.Error("a shortened card does not say where to read it all")
	}
}

// As a member types a proposal's number, Discord asks for choices: the
// open proposals, with their text, their numbers as integers.
func TestAutocompleteOpenProposals(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	e.slash(e.ana, "propose", opt("text", "We repaint the shed green."))
	e.card()
	id, err := e.f.Autocomplete(e.bob, e.general, "consent", "number", "")
	if err != nil {
		t.Fatal(err)
	}
	e.f.Wait("the choices", func() bool { return e.f.Interactions[id].Choices != nil })
	var got struct {
		Choices []struct {
			Name  string `json:"name"`
			Value any    `json:"value"`
		} `json:"choices"`
	}
	if err := json.Unmarshal(e.f.Interaction(id).Choices, &got); err != nil {
		t.Fatal(err)
	}
	if len(got.Choices) != 1 || got.Choices[0].Name != "#1 We repaint the shed green." || got.Choices[0].Value != float64(1) {
		t.Errorf("choices %+v", got.Choices)
	}
}
