package matrix

import (
	"context"
	"fmt"

	"maunium.net/go/mautrix"
	"maunium.net/go/mautrix/id"

	"github.com/entraide/entraide/bot"
)

var _ bot.LateHistoryHider = (*Adapter)(nil)

// HidesEarlierHistory implements bot.LateHistoryHider: a member invited to
// a private room later reads it from their invite on (its history
// visibility is "invited", and the room keys of earlier messages never
// reached their devices).
func (a *Adapter) HidesEarlierHistory() bool { return true }

// AddToPrivateSpace implements bot.PrivateSpaceEditor: the bot invites the
// member to a private room it made (it alone may, by the room's power
// levels).
func (a *Adapter) AddToPrivateSpace(ctx context.Context, room string, u bot.User) error {
	// A repeated invite fails once the first has landed: only refusals
	// and failures to connect are retried.
	return a.changeMembership(ctx, room, "invite", func(ctx context.Context) error {
		_, err := a.client.InviteUser(ctx, id.RoomID(room), &mautrix.ReqInviteUser{UserID: id.UserID(u.ID)})
		return err
	}, "invite "+u.ID+" to "+room, "member invited to a private room")
}

// RemoveFromPrivateSpace implements bot.PrivateSpaceEditor: the bot takes
// the member out of the room (a kick, which also withdraws an invite).
func (a *Adapter) RemoveFromPrivateSpace(ctx context.Context, room string, u bot.User) error {
	return a.changeMembership(ctx, room, "kick", func(ctx context.Context) error {
		_, err := a.client.KickUser(ctx, id.RoomID(room), &mautrix.ReqKickUser{UserID: id.UserID(u.ID)})
		return err
	}, "remove "+u.ID+" from "+room, "member removed from a private room")
}

// changeMembership makes one membership change in room once the adapter is
// ready, retrying only what cannot have landed (op names it in the retry's
// logs); what says it in an error, done in the log.
func (a *Adapter) changeMembership(ctx context.Context, room, op string, change func(context.Context) error, what, done string) error {
	if err := a.waitReady(ctx); err != nil {
		return err
	}
	if err := a.retry(ctx, opOnce, op, []any{"room", room}, change); err != nil {
		return fmt.Errorf("matrix: %s: %w", what, err)
	}
	a.log.Info(done, "room", room)
	return nil
}
