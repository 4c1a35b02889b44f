package fakematrix

import (
	"context"
	"errors"
	"strings"

	"maunium.net/go/mautrix"
	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"
)

// AddUser registers a user of this server (or of another, when localpart
// carries one: "eve:elsewhere.org"); password may be "" for users who
// only ever get tokens.
func (hs *Server) AddUser(localpart, display, password string) string {
	hs.mu.Lock()
	defer hs.mu.Unlock()
	u := "@" + localpart + ":" + hs.name
	if strings.Contains(localpart, ":") {
		u = "@" + localpart
	}
	hs.users[u] = &user{id: u, display: display, password: password}
	return u
}

// Token gives user an access token on a new device, as an operator who
// logged in once in Element and copied its token would.
func (hs *Server) Token(user string) string {
	hs.mu.Lock()
	defer hs.mu.Unlock()
	token, _ := hs.newSession(user, "")
	return token
}

// Member is user's own client: real mautrix, on a device of its own, that
// retries nothing, so that each refusal reaches the test.
func (hs *Server) Member(user string) *mautrix.Client {
	hs.mu.Lock()
	c := hs.clients[user]
	hs.mu.Unlock()
	if c != nil {
		return c
	}
	c, err := mautrix.NewClient(hs.URL(), id.UserID(user), hs.Token(user))
	if err != nil {
		hs.t.Fatal(err)
	}
	c.Client = hs.srv.Client()
	c.DefaultHTTPRetries = 0
	hs.mu.Lock()
	hs.clients[user] = c
	hs.mu.Unlock()
	return c
}

func (hs *Server) must(err error, what string) {
	if err != nil {
		hs.t.Helper()
		hs.t.Fatalf("fake homeserver: %s: %v", what, err)
	}
}

// CreateRoom has creator make a private room and members join it.
func (hs *Server) CreateRoom(creator, name string, members ...string) string {
	rid := hs.CreateRoomWith(creator, RoomOptions{Name: name, Preset: "private_chat", Invite: members})
	for _, m := range members {
		hs.Join(m, rid)
	}
	return rid
}

// CreateRoomWith has creator's client send a createRoom request.
func (hs *Server) CreateRoomWith(creator string, o RoomOptions) string {
	req := &mautrix.ReqCreateRoom{Name: o.Name, Preset: o.Preset, IsDirect: o.Direct}
	for _, u := range o.Invite {
		req.Invite = append(req.Invite, id.UserID(u))
	}
	for _, s := range o.State {
		key := s.Key
		req.InitialState = append(req.InitialState, &event.Event{Type: event.NewEventType(s.Type), StateKey: &key, Content: event.Content{Raw: s.Content}})
	}
	if o.PowerLevels != nil {
		req.PowerLevelOverride = &event.PowerLevelsEventContent{}
		hs.must(remarshal(o.PowerLevels, req.PowerLevelOverride), "power levels")
	}
	resp, err := hs.Member(creator).CreateRoom(context.Background(), req)
	hs.must(err, creator+" creates a room")
	return string(resp.RoomID)
}

// CreateDirect has creator open a direct chat with invitee, as Element
// does: a trusted private chat whose invite is marked is_direct.
func (hs *Server) CreateDirect(creator, invitee string) string {
	return hs.CreateRoomWith(creator, RoomOptions{Preset: "trusted_private_chat", Invite: []string{invitee}, Direct: true})
}

// AddMembers has inviter invite users to a room, and them join.
func (hs *Server) AddMembers(rid, inviter string, users ...string) {
	for _, u := range users {
		hs.Invite(inviter, rid, u)
		hs.Join(u, rid)
	}
}

// Invite has inviter's client invite invitee.
func (hs *Server) Invite(inviter, rid, invitee string) {
	_, err := hs.Member(inviter).InviteUser(context.Background(), id.RoomID(rid), &mautrix.ReqInviteUser{UserID: id.UserID(invitee)})
	hs.must(err, inviter+" invites "+invitee)
}

// InviteAs has user's client invite invitee and returns the HTTP status.
func (hs *Server) InviteAs(user, rid, invitee string) int {
	_, err := hs.Member(user).InviteUser(context.Background(), id.RoomID(rid), &mautrix.ReqInviteUser{UserID: id.UserID(invitee)})
	return status(err)
}

// status is the HTTP status of a mautrix call's outcome.
func status(err error) int {
	var httpErr mautrix.HTTPError
	switch {
	case err == nil:
		return 200
	case errors.As(err, &httpErr) && httpErr.Response != nil:
		return httpErr.Response.StatusCode
	}
	return 0
}

// Join has user's client join a room.
func (hs *Server) Join(user, rid string) {
	_, err := hs.Member(user).JoinRoomByID(context.Background(), id.RoomID(rid))
	hs.must(err, user+" joins "+rid)
}

// Leave has user's client leave a room.
func (hs *Server) Leave(user, rid string) {
	_, err := hs.Member(user).LeaveRoom(context.Background(), id.RoomID(rid))
	hs.must(err, user+" leaves "+rid)
}

// Send posts an event as user's client does, and returns its ID.
func (hs *Server) Send(user, rid, typ string, content map[string]any) string {
	resp, err := hs.Member(user).SendMessageEvent(context.Background(), id.RoomID(rid), event.NewEventType(typ), content)
	hs.must(err, user+" sends to "+rid)
	return string(resp.EventID)
}

// SetDirectRooms writes user's m.direct, as another of their clients would.
func (hs *Server) SetDirectRooms(user string, rooms map[string][]string) {
	hs.must(hs.Member(user).SetAccountData(context.Background(), "m.direct", rooms), "m.direct of "+user)
}

// Timeline is what user's client shows of a room after a fresh sync: the
// events the server lets them see, oldest first (up to 100), their content
// parsed.
func (hs *Server) Timeline(user, rid string) []*event.Event {
	filter := `{"room":{"timeline":{"limit":100}}}`
	resp, err := hs.Member(user).FullSyncRequest(context.Background(), mautrix.ReqSync{FilterID: filter})
	hs.must(err, user+" syncs")
	room, ok := resp.Rooms.Join[id.RoomID(rid)]
	if !ok {
		return nil
	}
	for _, e := range room.Timeline.Events {
		_ = e.Content.ParseRaw(e.Type) // unknown types keep their raw content
	}
	return room.Timeline.Events
}
