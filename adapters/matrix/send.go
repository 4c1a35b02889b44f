package matrix

import (
	"context"
	"fmt"
	"sync"

	"maunium.net/go/mautrix"
	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"

	"github.com/entraide/entraide/bot"
)

// Send implements bot.Adapter: an m.notice for an answer (bots answer in
// notices, which other bots ignore) or an m.text for an announcement (so
// that it notifies, as Element's default push rules do not for notices),
// in reply to the command, in its thread, with pills for the members the
// reply names and exactly those in m.mentions.
func (a *Adapter) Send(ctx context.Context, t bot.Target, r bot.Reply) (bot.MessageID, error) {
	evtID, err := a.post(ctx, id.RoomID(t.Room), event.EventMessage, a.render(t, r))
	return bot.MessageID(evtID), err
}

// render builds the message for r in t: its HTML (Markdown rendered when
// r says it is Markdown), each mention's Text ("@bob") a pill to its user,
// and m.mentions listing exactly the mentioned members, so nobody else is
// pinged and never the whole room.
func (a *Adapter) render(t bot.Target, r bot.Reply) *event.MessageEventContent {
	formatted, users := renderHTML(r.Text, r.Mentions, a.botID, r.Markdown)
	c := &event.MessageEventContent{
		MsgType:       a.msgType(r.Kind),
		Body:          r.Text,
		Format:        event.FormatHTML,
		FormattedBody: formatted,
		Mentions:      &event.Mentions{UserIDs: users},
	}
	c.RelatesTo = a.relation(t)
	return c
}

// msgType is the msgtype of a kind of message, as configured.
func (a *Adapter) msgType(k bot.Kind) event.MessageType {
	if k == bot.KindAnnouncement {
		return event.MessageType(a.cfg.announcementMsgType())
	}
	return event.MessageType(a.cfg.answerMsgType())
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
