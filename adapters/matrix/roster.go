package matrix

import (
	"context"
	"fmt"

	"maunium.net/go/mautrix"
	"maunium.net/go/mautrix/id"

	"github.com/entraide/entraide/bot"
)

var _ bot.RoomLister = (*Adapter)(nil)

// RoomMembers implements bot.RoomLister: the people joined to a room (the
// bot left out), so that they count as the community's members before
// they type a command. Invited people are not members yet.
func (a *Adapter) RoomMembers(ctx context.Context, room string) ([]bot.User, error) {
	if err := a.waitReady(ctx); err != nil {
		return nil, err
	}
	var resp *mautrix.RespJoinedMembers
	err := a.retry(ctx, opIdempotent, "joined members", []any{"room", room}, func(ctx context.Context) error {
		var err error
		resp, err = a.client.JoinedMembers(ctx, id.RoomID(room))
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("matrix: members of %s: %w", room, err)
	}
	users := make([]bot.User, 0, len(resp.Joined))
	for user, m := range resp.Joined {
		if user == a.botID {
			continue
		}
		users = append(users, bot.User{ID: string(user), Name: m.DisplayName})
	}
	return users, nil
}
