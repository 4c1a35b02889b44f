package matrix

import (
	"context"
	"fmt"
	"slices"

	"go.mau.fi/util/ptr"
	"maunium.net/go/mautrix"
	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"

	"github.com/entraide/entraide/bot"
)

// CreatePrivateSpace implements bot.PrivateSpaceCreator with a new room:
// invite-only, history readable from one's invite (so the parties, invited
// as the room is made, read the welcome the bot posts before they join),
// end-to-end encrypted (the room keys go to the invitees' devices too),
// and power levels under which only the bot may invite, kick or change the
// room, so the parties of a mediation cannot bring anyone in.
//
// The bot's own power is left to the room version's defaults (it creates
// the room: 100 up to version 11, creator rights from 12), since version 12
// forbids listing creators in the power levels.
func (a *Adapter) CreatePrivateSpace(ctx context.Context, name string, members []bot.User) (string, error) {
	if err := a.waitReady(ctx); err != nil {
		return "", err
	}
	var invite []id.UserID
	for _, m := range members {
		u := id.UserID(m.ID)
		if u != a.botID && !slices.Contains(invite, u) {
			invite = append(invite, u)
		}
	}
	admin := 100
	req := &mautrix.ReqCreateRoom{
		Name:   name,
		Preset: "private_chat",
		Invite: invite,
		InitialState: []*event.Event{
			stateEvent(event.StateJoinRules, &event.JoinRulesEventContent{JoinRule: event.JoinRuleInvite}),
			stateEvent(event.StateHistoryVisibility, &event.HistoryVisibilityEventContent{HistoryVisibility: event.HistoryVisibilityInvited}),
			stateEvent(event.StateGuestAccess, &event.GuestAccessEventContent{GuestAccess: event.GuestAccessForbidden}),
			stateEvent(event.StateEncryption, &event.EncryptionEventContent{Algorithm: id.AlgorithmMegolmV1}),
		},
		PowerLevelOverride: &event.PowerLevelsEventContent{
			UsersDefault:    0,
			EventsDefault:   0,
			StateDefaultPtr: ptr.Ptr(admin),
			InvitePtr:       ptr.Ptr(admin),
			KickPtr:         ptr.Ptr(admin),
			BanPtr:          ptr.Ptr(admin),
			RedactPtr:       ptr.Ptr(admin),
		},
	}
	var resp *mautrix.RespCreateRoom
	// A repeated createRoom would make a second room: only refusals
	// (rate limits) and failures to connect are retried.
	err := a.retry(ctx, opOnce, "createRoom", nil, func(ctx context.Context) error {
		var err error
		resp, err = a.client.CreateRoom(ctx, req)
		return err
	})
	if err != nil {
		return "", fmt.Errorf("matrix: create the private room %q: %w", name, err)
	}
	a.log.Info("private room created", "room", resp.RoomID, "members", len(invite))
	return string(resp.RoomID), nil
}

func stateEvent(t event.Type, content any) *event.Event {
	return &event.Event{Type: t, StateKey: ptr.Ptr(""), Content: event.Content{Parsed: content}}
}
