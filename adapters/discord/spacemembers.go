package discord

import (
	"context"
	"fmt"

	"github.com/entraide/entraide/bot"
)

var _ bot.PrivateSpaceEditor = (*Adapter)(nil)

// AddToPrivateSpace implements bot.PrivateSpaceEditor: the bot adds the
// member to a private thread it made (members cannot: it is closed to
// invitations).
func (a *Adapter) AddToPrivateSpace(ctx context.Context, room string, u bot.User) error {
	if err := a.threadMember(ctx, "PUT", room, u.ID); err != nil {
		return fmt.Errorf("discord: add %s to the private thread: %w", u.ID, err)
	}
	a.log.Info("member added to a private thread", "thread", room)
	return nil
}

// RemoveFromPrivateSpace implements bot.PrivateSpaceEditor: the bot takes
// the member out of the private thread.
func (a *Adapter) RemoveFromPrivateSpace(ctx context.Context, room string, u bot.User) error {
	if err := a.threadMember(ctx, "DELETE", room, u.ID); err != nil {
		return fmt.Errorf("discord: remove %s from the private thread: %w", u.ID, err)
	}
	a.log.Info("member removed from a private thread", "thread", room)
	return nil
}
