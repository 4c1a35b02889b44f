package matrix

import (
	"context"
	"fmt"

	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"

	"github.com/entraide/entraide/bot"
)

// OpenThread implements bot.ThreadOpener. A Matrix thread hangs off a root
// event: t.ReplyTo (a message the bot posted, such as a proposal card) when
// set, and the title is its first reply; otherwise the title itself is
// posted as the root. The thread's ID is the root's event ID.
func (a *Adapter) OpenThread(ctx context.Context, t bot.Target, title string) (string, error) {
	room := id.RoomID(t.Room)
	root := t.ReplyTo
	if root == "" {
		root = t.Thread
	}
	if root == "" {
		evtID, err := a.post(ctx, room, event.EventMessage, a.render(bot.Target{Room: t.Room}, bot.Reply{Text: title}))
		if err != nil {
			return "", fmt.Errorf("matrix: open a thread: %w", err)
		}
		return string(evtID), nil
	}
	if _, err := a.post(ctx, room, event.EventMessage, a.render(bot.Target{Room: t.Room, Thread: root}, bot.Reply{Text: title})); err != nil {
		return "", fmt.Errorf("matrix: open a thread: %w", err)
	}
	return root, nil
}
