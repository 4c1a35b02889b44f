package matrix

import (
	"context"
	"fmt"
	"html"
	"slices"
	"strings"
	"sync"

	"maunium.net/go/mautrix"
	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"

	"github.com/entraide/entraide/bot"
)

// Send implements bot.Adapter: an m.notice (bots speak in notices, which
// other bots ignore), in reply to the command, in its thread, with pills
// for the members the reply names and exactly those in m.mentions.
func (a *Adapter) Send(ctx context.Context, t bot.Target, r bot.Reply) (bot.MessageID, error) {
	evtID, err := a.post(ctx, id.RoomID(t.Room), event.EventMessage, a.render(t, r.Text, r.Mentions))
	return bot.MessageID(evtID), err
}

// render builds a notice for t. Each mention's Text ("@bob") in text
// becomes a pill to its user; m.mentions lists exactly the mentioned
// members, so nobody else is pinged and never the whole room.
func (a *Adapter) render(t bot.Target, text string, mentions []bot.Mention) *event.MessageEventContent {
	formatted, users := renderHTML(text, mentions, a.botID)
	c := &event.MessageEventContent{
		MsgType:       event.MsgNotice,
		Body:          text,
		Format:        event.FormatHTML,
		FormattedBody: formatted,
		Mentions:      &event.Mentions{UserIDs: users},
	}
	c.RelatesTo = a.relation(t)
	return c
}

// relation places a message: in t.Thread when set, and in reply to
// t.ReplyTo. In a thread, a real reply has is_falling_back false; without
// one, the thread root stands in for clients that don't show threads.
func (a *Adapter) relation(t bot.Target) *event.RelatesTo {
	replyTo := id.EventID(t.ReplyTo)
	if alias, ok := a.replyTo.get(replyTo); ok {
		replyTo = alias
	}
	switch {
	case t.Thread != "":
		rel := &event.RelatesTo{Type: event.RelThread, EventID: id.EventID(t.Thread)}
		if replyTo != "" && replyTo != id.EventID(t.Thread) {
			rel.InReplyTo = &event.InReplyTo{EventID: replyTo}
		} else {
			rel.InReplyTo = &event.InReplyTo{EventID: id.EventID(t.Thread)}
			rel.IsFallingBack = true
		}
		return rel
	case replyTo != "":
		return &event.RelatesTo{InReplyTo: &event.InReplyTo{EventID: replyTo}}
	}
	return nil
}

// renderHTML escapes text, turns line breaks into <br> and each mention's
// Text into a pill. It returns the users to put in m.mentions: those named,
// in order, without the bot itself.
func renderHTML(text string, mentions []bot.Mention, self id.UserID) (string, []id.UserID) {
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
	var b strings.Builder
	for i := 0; i < len(text); {
		if m, ok := mentionAt(text, i, ms); ok {
			fmt.Fprintf(&b, `<a href="https://matrix.to/#/%s">%s</a>`, html.EscapeString(m.User.ID), html.EscapeString(m.Text))
			i += len(m.Text)
			continue
		}
		j := i + 1
		for j < len(text) && text[j] != '@' && text[j] != '\n' {
			j++
		}
		if text[i] == '\n' {
			b.WriteString("<br>")
			j = i + 1
		} else {
			b.WriteString(html.EscapeString(text[i:j]))
		}
		i = j
	}
	return b.String(), users
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

// post sends one event to room in the room's order, retrying until it is
// delivered or ctx ends. The transaction ID stays the same across retries,
// so a retry of a send that did reach the server is not posted twice.
func (a *Adapter) post(ctx context.Context, room id.RoomID, typ event.Type, content any) (id.EventID, error) {
	if err := a.waitReady(ctx); err != nil {
		return "", err
	}
	leave, err := a.queues.enter(ctx, room)
	if err != nil {
		return "", fmt.Errorf("matrix: send to %s: %w", room, err)
	}
	defer leave()
	// Encrypting needs the room's state (is it encrypted, who is in it).
	a.rooms.isEncrypted(ctx, a, room)
	txn := a.newTxnID()
	var resp *mautrix.RespSendEvent
	err = a.retry(ctx, opIdempotent, "send", []any{"room", room, "txn", txn}, func(ctx context.Context) error {
		var err error
		resp, err = a.client.SendMessageEvent(ctx, room, typ, content, mautrix.ReqSendEvent{TransactionID: txn})
		return err
	})
	if err != nil {
		return "", fmt.Errorf("matrix: send to %s: %w", room, err)
	}
	a.log.Debug("sent", "room", room, "event", resp.EventID, "type", typ.Type)
	return resp.EventID, nil
}

// roomQueues keeps each room's outgoing messages in the order they were
// asked for: a message waits for the one before it, even while that one
// waits out a rate limit. Each entry is the "done" channel of the last
// message in line.
type roomQueues struct {
	mu    sync.Mutex
	tails map[id.RoomID]chan struct{}
}

// enter waits for room's turn; leave hands it on.
func (q *roomQueues) enter(ctx context.Context, room id.RoomID) (leave func(), err error) {
	q.mu.Lock()
	if q.tails == nil {
		q.tails = map[id.RoomID]chan struct{}{}
	}
	prev := q.tails[room]
	mine := make(chan struct{})
	q.tails[room] = mine
	q.mu.Unlock()
	leave = func() {
		close(mine)
		q.mu.Lock()
		if q.tails[room] == mine {
			delete(q.tails, room)
		}
		q.mu.Unlock()
	}
	if prev == nil {
		return leave, nil
	}
	select {
	case <-prev:
		return leave, nil
	case <-ctx.Done():
		// Hand the turn on only once the message before has gone, so the
		// next one cannot overtake it.
		go func() {
			<-prev
			leave()
		}()
		return nil, ctx.Err()
	}
}
