package matrix

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"sync"

	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"

	"github.com/entraide/entraide/bot"
)

// Buttons are reactions: the bot lists the choices in its message and
// reacts with each one's key, so members only have to click. The card (the
// message's buttons) is kept in the StateStore under "buttons:<event ID>",
// so a click after a restart still counts.
const keyCardPrefix = "buttons:"

// keyAskPrefix keeps a question a button asked, until its answer comes.
const keyAskPrefix = "ask:"

// card is a message with buttons.
type card struct {
	Room    string       `json:"room"`
	Thread  string       `json:"thread,omitempty"`
	Buttons []cardButton `json:"buttons"`
}

type cardButton struct {
	Label   string `json:"label"`
	Payload string `json:"payload"`
	Emoji   string `json:"emoji,omitempty"`
	Ask     string `json:"ask,omitempty"`
	// Key is the reaction that stands for the button: its Emoji, or a
	// number when it has none.
	Key string `json:"key"`
	// Reaction is the bot's own reaction, redacted if an edit drops the
	// button.
	Reaction id.EventID `json:"reaction,omitempty"`
}

// newCard gives each button its key: its emoji, or 1️⃣ 2️⃣ … by position
// (also when two buttons share an emoji, so every key is unique).
func newCard(t bot.Target, buttons []bot.Button) card {
	c := card{Room: t.Room, Thread: t.Thread}
	used := map[string]bool{}
	for i, b := range buttons {
		key := b.Emoji
		if key == "" || used[normalizeKey(key)] {
			key = numberKey(i + 1)
		}
		used[normalizeKey(key)] = true
		c.Buttons = append(c.Buttons, cardButton{Label: b.Label, Payload: b.Payload, Emoji: b.Emoji, Ask: b.Ask, Key: key})
	}
	return c
}

// numberKey is the keycap emoji for n (1️⃣ … 9️⃣, 🔟), or a circled number
// past ten.
func numberKey(n int) string {
	switch {
	case n >= 1 && n <= 9:
		return strconv.Itoa(n) + "\uFE0F\u20E3"
	case n == 10:
		return "🔟"
	case n <= 20:
		return string(rune('⑪' + n - 11))
	}
	return "#" + strconv.Itoa(n)
}

// normalizeKey compares reaction keys without variation selectors: clients
// send "👍" and "👍️" alike.
func normalizeKey(k string) string { return strings.ReplaceAll(k, "\uFE0F", "") }

// choices is the line that lists the buttons: "👍 Consent · 🙅 Object".
func (c card) choices() string {
	parts := make([]string, len(c.Buttons))
	for i, b := range c.Buttons {
		parts[i] = b.Key + " " + b.Label
	}
	return strings.Join(parts, " · ")
}

func (c card) button(key string) (cardButton, bool) {
	for _, b := range c.Buttons {
		if normalizeKey(b.Key) == normalizeKey(key) {
			return b, true
		}
	}
	return cardButton{}, false
}

// SendButtons implements bot.ButtonSender.
func (a *Adapter) SendButtons(ctx context.Context, t bot.Target, r bot.Reply) (bot.MessageID, error) {
	c := newCard(t, r.Buttons)
	msg, err := a.post(ctx, id.RoomID(t.Room), event.EventMessage, a.render(t, withText(r, r.Text+"\n"+c.choices())))
	if err != nil {
		return "", err
	}
	// The card is stored before the reactions go out, so that a member
	// quick to click is understood.
	if err := a.cards.save(ctx, a, msg, c); err != nil {
		return bot.MessageID(msg), err
	}
	if err := a.react(ctx, msg, &c); err != nil {
		return bot.MessageID(msg), err
	}
	return bot.MessageID(msg), a.cards.save(ctx, a, msg, c)
}

// react adds the bot's reaction for each button that has none yet.
func (a *Adapter) react(ctx context.Context, msg id.EventID, c *card) error {
	for i, b := range c.Buttons {
		if b.Reaction != "" {
			continue
		}
		content := &event.ReactionEventContent{RelatesTo: event.RelatesTo{Type: event.RelAnnotation, EventID: msg, Key: b.Key}}
		rid, err := a.post(ctx, id.RoomID(c.Room), event.EventReaction, content)
		if err != nil {
			return fmt.Errorf("matrix: react with %s: %w", b.Key, err)
		}
		c.Buttons[i].Reaction = rid
	}
	return nil
}

// handleReaction turns a member's click on a button into its payload, as
// if they had typed it; a button that asks something first asks, in the
// message's thread.
func (a *Adapter) handleReaction(ctx context.Context, inbox bot.Inbox, evt *event.Event) {
	rel := evt.Content.AsReaction().RelatesTo
	if rel.Type != event.RelAnnotation || rel.EventID == "" {
		return
	}
	c, ok := a.cards.get(ctx, a, rel.EventID)
	if !ok {
		return
	}
	b, ok := c.button(rel.Key)
	if !ok {
		return
	}
	room := evt.RoomID
	log := a.log.With("room", room, "event", evt.ID, "card", rel.EventID)
	if b.Ask != "" {
		if err := a.ask(ctx, rel.EventID, c, b, evt.Sender); err != nil {
			log.Error("cannot ask the button's question", "err", err)
		}
		return
	}
	// Replies answer the card, not the reaction (an odd thing to reply to).
	a.replyTo.set(evt.ID, rel.EventID)
	defer a.replyTo.delete(evt.ID)
	r := resolver{bot: a.botID, members: a.rooms.members(ctx, a, room)}
	rd := r.read(b.Payload, nil, true)
	log.Debug("button", "sender", evt.Sender)
	inbox.Receive(ctx, a, bot.Message{
		ID:        string(evt.ID),
		Platform:  Platform,
		Room:      string(room),
		Thread:    c.Thread,
		Sender:    a.user(ctx, room, evt.Sender),
		Text:      rd.text,
		Mentions:  rd.mentions,
		Ambiguous: rd.ambiguous,
		Direct:    a.rooms.isDirect(ctx, a, room),
	})
}

// pendingAsk is a question a button asked a member: their next message in
// the thread completes the payload.
type pendingAsk struct {
	Payload string `json:"payload"`
}

func askKey(room id.RoomID, thread id.EventID, user id.UserID) string {
	return keyAskPrefix + string(room) + "|" + string(thread) + "|" + string(user)
}

// ask posts the button's question in the card's thread (the card starts
// one if it is in none), naming the member, and waits for their answer.
func (a *Adapter) ask(ctx context.Context, msg id.EventID, c card, b cardButton, user id.UserID) error {
	thread := c.Thread
	if thread == "" {
		thread = string(msg)
	}
	data, err := json.Marshal(pendingAsk{Payload: b.Payload})
	if err != nil {
		return err
	}
	if err := a.state.SetState(ctx, Platform, askKey(id.RoomID(c.Room), id.EventID(thread), user), string(data)); err != nil {
		return fmt.Errorf("matrix: store the question: %w", err)
	}
	who := a.user(ctx, id.RoomID(c.Room), user)
	token := "@" + who.Name
	t := bot.Target{Room: c.Room, Thread: thread}
	_, err = a.Send(ctx, t, bot.Reply{Text: token + " " + b.Ask, Mentions: []bot.Mention{{Text: token, User: who}}})
	return err
}

// takeAsk finds a question waiting for user's answer in thread.
func (a *Adapter) takeAsk(ctx context.Context, room id.RoomID, thread id.EventID, user id.UserID) (*pendingAsk, bool) {
	raw, ok, err := a.state.State(ctx, Platform, askKey(room, thread, user))
	if err != nil {
		a.log.Warn("cannot read a pending question", "room", room, "err", err)
		return nil, false
	}
	if !ok || raw == "" {
		return nil, false
	}
	var p pendingAsk
	if err := json.Unmarshal([]byte(raw), &p); err != nil || p.Payload == "" {
		return nil, false
	}
	return &p, true
}

// clearAsk forgets a question once its answer was handled.
func (a *Adapter) clearAsk(ctx context.Context, room id.RoomID, thread id.EventID, user id.UserID) {
	if err := a.state.SetState(ctx, Platform, askKey(room, thread, user), ""); err != nil {
		a.log.Warn("cannot clear an answered question", "room", room, "err", err)
	}
}

// cardCache keeps cards in memory in front of the StateStore.
type cardCache struct {
	mu    sync.Mutex
	cards map[id.EventID]card
}

func newCardCache() cardCache { return cardCache{cards: map[id.EventID]card{}} }

func (cc *cardCache) save(ctx context.Context, a *Adapter, msg id.EventID, c card) error {
	data, err := json.Marshal(c)
	if err != nil {
		return fmt.Errorf("matrix: %w", err)
	}
	cc.mu.Lock()
	cc.cards[msg] = c
	cc.mu.Unlock()
	if err := a.state.SetState(ctx, Platform, keyCardPrefix+string(msg), string(data)); err != nil {
		return fmt.Errorf("matrix: store the buttons of %s: %w", msg, err)
	}
	return nil
}

func (cc *cardCache) get(ctx context.Context, a *Adapter, msg id.EventID) (card, bool) {
	cc.mu.Lock()
	c, ok := cc.cards[msg]
	cc.mu.Unlock()
	if ok {
		return c, true
	}
	raw, found, err := a.state.State(ctx, Platform, keyCardPrefix+string(msg))
	if err != nil {
		a.log.Warn("cannot read the buttons of a message", "event", msg, "err", err)
		return card{}, false
	}
	if !found || raw == "" {
		return card{}, false
	}
	if err := json.Unmarshal([]byte(raw), &c); err != nil {
		a.log.Warn("the buttons of a message are unreadable", "event", msg, "err", err)
		return card{}, false
	}
	cc.mu.Lock()
	cc.cards[msg] = c
	cc.mu.Unlock()
	return c, true
}

// aliasMap redirects replies: a button's payload arrives as the reaction's
// event, but its replies should answer the message with the buttons.
type aliasMap struct {
	mu sync.Mutex
	m  map[id.EventID]id.EventID
}

func newAliasMap() aliasMap { return aliasMap{m: map[id.EventID]id.EventID{}} }

func (am *aliasMap) set(from, to id.EventID) {
	am.mu.Lock()
	am.m[from] = to
	am.mu.Unlock()
}

func (am *aliasMap) get(from id.EventID) (id.EventID, bool) {
	am.mu.Lock()
	defer am.mu.Unlock()
	to, ok := am.m[from]
	return to, ok
}

func (am *aliasMap) delete(from id.EventID) {
	am.mu.Lock()
	delete(am.m, from)
	am.mu.Unlock()
}
