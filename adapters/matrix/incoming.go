package matrix

import (
	"context"
	"strings"

	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"

	"github.com/entraide/entraide/bot"
)

// handleMessage passes a member's command to the core. Notices (what bots
// say), edits and anything that is not text are ignored, and so is text
// that is neither a command ("!give", "/give") nor addressed to the bot
// ("Entraide: give …", a pill to the bot first), except in a direct chat,
// where everything is for the bot.
func (a *Adapter) handleMessage(ctx context.Context, inbox bot.Inbox, evt *event.Event) {
	c := evt.Content.AsMessage()
	if c.MsgType != event.MsgText || c.RelatesTo.GetReplaceID() != "" || c.NewContent != nil {
		return
	}
	room := evt.RoomID
	thread := c.RelatesTo.GetThreadParent()
	r := resolver{bot: a.botID, members: a.rooms.members(ctx, a, room)}
	var declared []id.UserID
	if c.Mentions != nil {
		declared = c.Mentions.UserIDs
	}
	raw := messageText(c)
	direct := a.rooms.isDirect(ctx, a, room)

	text, ok := a.commandText(r, strings.TrimSpace(raw))
	var ask *pendingAsk
	if !ok && thread != "" {
		// An answer to a question a button asked in this thread.
		if p, found := a.takeAsk(ctx, room, thread, evt.Sender); found {
			ask, text, ok = p, p.Payload+" "+strings.TrimSpace(raw), true
		}
	}
	if !ok && !direct {
		return
	}
	if !ok {
		text = strings.TrimSpace(raw)
	}
	rd := r.read(text, declared, c.Format != event.FormatHTML || c.FormattedBody == "")
	m := bot.Message{
		ID:        string(evt.ID),
		Platform:  Platform,
		Room:      string(room),
		Thread:    string(thread),
		Sender:    a.user(ctx, room, evt.Sender),
		Text:      rd.text,
		Mentions:  rd.mentions,
		Ambiguous: rd.ambiguous,
		Direct:    direct,
	}
	a.log.Debug("command", "room", room, "event", evt.ID, "sender", evt.Sender)
	inbox.Receive(ctx, a, m)
	if ask != nil {
		a.clearAsk(ctx, room, thread, evt.Sender)
	}
}

// commandText is text as the core parses it, if it is a command: "!" and
// "/" commands as they are, and a message addressed to the bot ("@bot give
// …", "Entraide: give …") as "/give …".
func (a *Adapter) commandText(r resolver, text string) (string, bool) {
	if strings.HasPrefix(text, "!") || strings.HasPrefix(text, "/") {
		return text, len(text) > 1
	}
	rest, ok := a.addressedTo(r, text)
	if !ok {
		return "", false
	}
	if strings.HasPrefix(rest, "!") || strings.HasPrefix(rest, "/") {
		return rest, len(rest) > 1
	}
	return "/" + rest, true
}

// addressedTo strips a leading mention of the bot: its Matrix ID (typed or
// a pill), "@Name", or its name followed by ":" or "," ("Entraide: …"). A
// bare name needs the punctuation, so a sentence that merely starts with
// the word is not taken for a command.
func (a *Adapter) addressedTo(r resolver, text string) (string, bool) {
	names := []string{r.members[a.botID], a.botID.Localpart()}
	rest, ok := "", false
	if m := mxidPattern.FindString(text); m != "" && id.UserID(strings.TrimRight(m, ".-")) == a.botID {
		rest, ok = text[len(strings.TrimRight(m, ".-")):], true
	}
	for _, name := range names {
		if ok || name == "" {
			continue
		}
		for _, prefix := range []string{"@" + name, name} {
			n, found := prefixFold(text, prefix)
			if !found || !wordEnd(text, n) {
				continue
			}
			after := text[n:]
			if prefix[0] == '@' || strings.HasPrefix(after, ":") || strings.HasPrefix(after, ",") {
				rest, ok = after, true
				break
			}
		}
	}
	if !ok {
		return "", false
	}
	rest = strings.TrimSpace(strings.TrimLeft(rest, ":,"))
	return rest, rest != ""
}
