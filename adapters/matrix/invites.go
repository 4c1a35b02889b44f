package matrix

import (
	"context"
	"fmt"
	"slices"

	"maunium.net/go/mautrix"
	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"

	"github.com/entraide/entraide/bot"
)

// inviteRefusedFallback is said when the inbox offers no wording.
const inviteRefusedFallback = "I only serve the rooms of the communities I was set up for, so I'm leaving this one."

// handleInvite answers an invitation. The bot joins the communities' rooms
// and rooms it is invited to by users of the allowed servers. Elsewhere it
// says why it won't stay and leaves: a rejected invite carries no message
// anyone reads, so the bot joins, posts the core's NoticeInviteRefused, and
// leaves with the same reason.
func (a *Adapter) handleInvite(ctx context.Context, inbox bot.Inbox, room id.RoomID, inv *mautrix.SyncInvitedRoom) error {
	var invite *event.Event
	for _, evt := range inv.State.Events {
		if evt.Type == event.StateMember && evt.GetStateKey() == string(a.botID) {
			invite = evt
		}
	}
	if invite == nil || invite.Content.AsMember().Membership != event.MembershipInvite {
		return nil
	}
	inviter := invite.Sender
	log := a.log.With("room", room, "inviter", inviter)
	if a.inviteAllowed(room, inviter) {
		if err := a.join(ctx, room); err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			log.Error("cannot join a room the bot was invited to", "err", err)
			return nil
		}
		if invite.Content.AsMember().IsDirect {
			if err := a.rooms.markDirect(ctx, a, room); err != nil {
				return fmt.Errorf("matrix: remember the direct chat %s: %w", room, err)
			}
			// As Element does on accepting a direct chat: list it in
			// m.direct, so the member's private replies come here rather
			// than to a second chat the bot would open.
			if err := a.addDirectChat(ctx, inviter, room); err != nil {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				log.Warn("cannot list the direct chat in the bot's m.direct", "err", err)
			}
		}
		log.Info("joined on invitation")
		return nil
	}
	text := inviteRefusedFallback
	if n, ok := inbox.(bot.Noticer); ok {
		text = n.Notice(Platform, string(room), bot.NoticeInviteRefused)
	}
	log.Warn("invited to a room outside the communities; saying so and leaving")
	if err := a.join(ctx, room); err == nil {
		if _, err := a.Send(ctx, bot.Target{Room: string(room)}, bot.Reply{Text: text}); err != nil {
			log.Warn("cannot explain why the bot leaves", "err", err)
		}
	} else if ctx.Err() != nil {
		return ctx.Err()
	}
	// Leaving also rejects the invite when the join failed.
	err := a.retry(ctx, opIdempotent, "leave", []any{"room", room}, func(ctx context.Context) error {
		_, err := a.client.LeaveRoom(ctx, room, &mautrix.ReqLeave{Reason: text})
		return err
	})
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		log.Error("cannot leave the room", "err", err)
	}
	return nil
}

// inviteAllowed: the room is a community's, or the inviter's server is
// trusted.
func (a *Adapter) inviteAllowed(room id.RoomID, inviter id.UserID) bool {
	return slices.Contains(a.cfg.Rooms, string(room)) || slices.Contains(a.cfg.AllowedServers, inviter.Homeserver())
}

func (a *Adapter) join(ctx context.Context, room id.RoomID) error {
	err := a.retry(ctx, opIdempotent, "join", []any{"room", room}, func(ctx context.Context) error {
		_, err := a.client.JoinRoomByID(ctx, room)
		return err
	})
	a.rooms.forget(room)
	return err
}
