package matrix

import (
	"context"
	"fmt"

	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"

	"github.com/entraide/entraide/bot"
)

// Edit implements bot.Editor with an m.replace edit: clients show the new
// text in place. Nobody is pinged again (the edit's own m.mentions is
// empty); the new content keeps its mentions. New buttons get the bot's
// reaction, and the reactions of dropped ones are withdrawn.
func (a *Adapter) Edit(ctx context.Context, t bot.Target, msg bot.MessageID, r bot.Reply) error {
	room, target := id.RoomID(t.Room), id.EventID(msg)
	text := r.Text
	var c card
	if len(r.Buttons) > 0 {
		c = newCard(t, r.Buttons)
		if old, ok := a.cards.get(ctx, a, target); ok {
			c.Thread = old.Thread
			a.keepReactions(ctx, room, old, &c)
		}
		text += "\n" + c.choices()
	}
	fresh := a.render(bot.Target{}, withText(r, text))
	content := &event.MessageEventContent{
		MsgType:       fresh.MsgType,
		Body:          "* " + fresh.Body,
		Format:        event.FormatHTML,
		FormattedBody: "* " + fresh.FormattedBody,
		Mentions:      &event.Mentions{},
		NewContent:    fresh,
		RelatesTo:     &event.RelatesTo{Type: event.RelReplace, EventID: target},
	}
	if _, err := a.post(ctx, room, event.EventMessage, content); err != nil {
		return fmt.Errorf("matrix: edit %s: %w", msg, err)
	}
	if len(r.Buttons) == 0 {
		return nil
	}
	if err := a.cards.save(ctx, a, target, c); err != nil {
		return err
	}
	if err := a.react(ctx, target, &c); err != nil {
		return err
	}
	return a.cards.save(ctx, a, target, c)
}

// keepReactions carries the bot's reactions over to the buttons that
// remain, and redacts those of buttons that are gone.
func (a *Adapter) keepReactions(ctx context.Context, room id.RoomID, old card, c *card) {
	kept := map[id.EventID]bool{}
	for i, b := range c.Buttons {
		if prev, ok := old.button(b.Key); ok && prev.Reaction != "" {
			c.Buttons[i].Reaction = prev.Reaction
			kept[prev.Reaction] = true
		}
	}
	for _, b := range old.Buttons {
		if b.Reaction == "" || kept[b.Reaction] {
			continue
		}
		err := a.retry(ctx, opIdempotent, "redact", []any{"room", room, "event", b.Reaction}, func(ctx context.Context) error {
			_, err := a.client.RedactEvent(ctx, room, b.Reaction)
			return err
		})
		if err != nil {
			a.log.Warn("cannot withdraw a reaction", "room", room, "event", b.Reaction, "err", err)
		}
	}
}
