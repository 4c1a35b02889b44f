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
	if err := a.waitReady(ctx); err != nil {
		return err
	}
	// A repeated invite fails once the first has landed: only refusals
	// and failures to connect are retried.
	err := a.retry(ctx, opOnce, "invite", []any{"room", room}, func(ctx context.Context) error {
		_, err := a.client.InviteUser(ctx, id.RoomID(room), &mautrix.ReqInviteUser{UserID: id.UserID(u.ID)})
		return err
	})
	if err != nil {
		return fmt.Errorf("matrix: invite %s to %s: %w", u.ID, room, err)
	}
	a.log.Info("member invited to a private room", "room", room)
	return nil
}

// RemoveFromPrivateSpace implements bot.PrivateSpaceEditor: the bot takes
// the member out of the room (a kick, which also withdraws an invite).
func (a *Adapter) RemoveFromPrivateSpace(ctx context.Context, room string, u bot.User) error {
	if err := a.waitReady(ctx); err != nil {
		return err
	}
	err := a.retry(ctx, opOnce, "kick", []any{"room", room}, func(ctx context.Context) error {
		_, err := a.client.KickUser(ctx, id.RoomID(room), &mautrix.ReqKickUser{UserID: id.UserID(u.ID)})
		return err
	})
	if err != nil {
		return fmt.Errorf("matrix: remove %s from %s: %w", u.ID, room, err)
	}
	a.log.Info("member removed from a private room", "room", room)
	return nil
}
