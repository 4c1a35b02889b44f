package fakematrix

import (
	"fmt"
	"maps"
	"net/http"
)

// handleCreateRoom follows the spec's order: create, the creator's join,
// power levels (defaults, then the override's top-level keys), the
// preset's rules, initial_state, name, invites.
func (hs *Server) handleCreateRoom(w http.ResponseWriter, r *http.Request, s session) {
	var req struct {
		Name         string   `json:"name"`
		Preset       string   `json:"preset"`
		Invite       []string `json:"invite"`
		IsDirect     bool     `json:"is_direct"`
		InitialState []struct {
			Type     string         `json:"type"`
			StateKey string         `json:"state_key"`
			Content  map[string]any `json:"content"`
		} `json:"initial_state"`
		PowerLevels map[string]any `json:"power_level_content_override"`
	}
	if !decodeBody(w, r, &req) {
		return
	}
	hs.mu.Lock()
	defer hs.mu.Unlock()
	for _, u := range req.Invite {
		if hs.refuseInvites[u] {
			writeErr(w, http.StatusForbidden, "M_FORBIDDEN", "Invite refused by the remote server")
			return
		}
	}
	opts := RoomOptions{Name: req.Name, Preset: req.Preset, Invite: req.Invite, Direct: req.IsDirect, PowerLevels: req.PowerLevels}
	for _, st := range req.InitialState {
		opts.State = append(opts.State, State{st.Type, st.StateKey, st.Content})
	}
	writeJSON(w, map[string]any{"room_id": hs.createRoomLocked(s.user, opts)})
}

// RoomOptions is a createRoom request.
type RoomOptions struct {
	Name        string
	Preset      string // private_chat (the default), trusted_private_chat, public_chat
	Invite      []string
	Direct      bool
	PowerLevels map[string]any
	State       []State // initial_state
}

// State is one state event of a new room.
type State struct {
	Type, Key string
	Content   map[string]any
}

func (hs *Server) createRoomLocked(creator string, o RoomOptions) string {
	rid := "!" + hs.nextID("room") + ":" + hs.name
	hs.rooms[rid] = &room{id: rid, state: map[string]*Event{}}
	hs.roomOrder = append(hs.roomOrder, rid)
	empty := ""
	st := func(typ string, key string, content map[string]any) { hs.appendEvent(rid, typ, creator, &key, content) }
	st("m.room.create", "", map[string]any{"creator": creator, "room_version": "11"})
	st("m.room.member", creator, map[string]any{"membership": "join", "displayname": hs.users[creator].display})
	pl := map[string]any{
		"users": map[string]any{creator: 100}, "users_default": 0,
		"events": map[string]any{"m.room.name": 50, "m.room.power_levels": 100, "m.room.history_visibility": 100,
			"m.room.canonical_alias": 50, "m.room.avatar": 50, "m.room.tombstone": 100, "m.room.server_acl": 100, "m.room.encryption": 100},
		"events_default": 0, "state_default": 50, "ban": 50, "kick": 50, "redact": 50, "invite": 0,
	}
	if o.Preset == "trusted_private_chat" {
		// The spec: every invitee gets the creator's power level.
		users := pl["users"].(map[string]any)
		for _, u := range o.Invite {
			users[u] = 100
		}
	}
	maps.Copy(pl, o.PowerLevels)
	st("m.room.power_levels", empty, roundTrip(pl))
	joinRule, guests := "invite", "can_join"
	if o.Preset == "public_chat" {
		joinRule, guests = "public", "forbidden"
	}
	st("m.room.join_rules", empty, map[string]any{"join_rule": joinRule})
	st("m.room.history_visibility", empty, map[string]any{"history_visibility": "shared"})
	st("m.room.guest_access", empty, map[string]any{"guest_access": guests})
	for _, s := range o.State {
		st(s.Type, s.Key, s.Content)
	}
	if o.Name != "" {
		st("m.room.name", empty, map[string]any{"name": o.Name})
	}
	for _, u := range o.Invite {
		content := map[string]any{"membership": "invite"}
		if o.Direct {
			content["is_direct"] = true
		}
		if usr := hs.users[u]; usr != nil {
			content["displayname"] = usr.display
		}
		st("m.room.member", u, content)
	}
	return rid
}

// handleInvite lets a joined member with the invite level invite someone
// not yet in the room.
func (hs *Server) handleInvite(w http.ResponseWriter, r *http.Request, s session) {
	var req struct {
		UserID string `json:"user_id"`
		Reason string `json:"reason"`
	}
	if !decodeBody(w, r, &req) {
		return
	}
	if req.UserID == "" {
		writeErr(w, http.StatusBadRequest, "M_MISSING_PARAM", "Missing user_id")
		return
	}
	room, unlock := hs.enter(w, r, s, nil, "join")
	if room == nil {
		return
	}
	defer unlock()
	rid := room.id
	pl := room.powerLevels()
	if pl.user(s.user) < pl.action("invite") {
		writeErr(w, http.StatusForbidden, "M_FORBIDDEN", "You don't have permission to invite users")
		return
	}
	switch room.membership(req.UserID) {
	case "join":
		writeErr(w, http.StatusForbidden, "M_FORBIDDEN", req.UserID+" is already in the room.")
		return
	case "ban":
		writeErr(w, http.StatusForbidden, "M_FORBIDDEN", req.UserID+" is banned from the room")
		return
	}
	if hs.refuseInvites[req.UserID] {
		writeErr(w, http.StatusForbidden, "M_FORBIDDEN", "Invite refused by the remote server")
		return
	}
	key := req.UserID
	content := map[string]any{"membership": "invite"}
	if req.Reason != "" {
		content["reason"] = req.Reason
	}
	if usr := hs.users[req.UserID]; usr != nil {
		content["displayname"] = usr.display
	}
	hs.appendEvent(rid, "m.room.member", s.user, &key, content)
	writeJSON(w, map[string]any{})
}

func (hs *Server) handleJoin(w http.ResponseWriter, r *http.Request, s session) {
	hs.mu.Lock()
	defer hs.mu.Unlock()
	rid := r.PathValue("room")
	if _, ok := hs.rooms[rid]; !ok {
		writeErr(w, http.StatusNotFound, "M_NOT_FOUND", "Unknown room "+rid)
		return
	}
	if err := hs.joinLocked(s.user, rid); err != nil {
		writeErr(w, http.StatusForbidden, "M_FORBIDDEN", err.Error())
		return
	}
	writeJSON(w, map[string]any{"room_id": rid})
}

func (hs *Server) joinLocked(user, rid string) error {
	room, ok := hs.rooms[rid]
	if !ok {
		return fmt.Errorf("unknown room %s", rid)
	}
	switch room.membership(user) {
	case "join":
		return nil // joining again changes nothing
	case "invite":
	case "ban":
		return fmt.Errorf("%s is banned from %s", user, rid)
	default:
		if jr := room.state["m.room.join_rules\x00"]; jr == nil || jr.Content["join_rule"] != "public" {
			return fmt.Errorf("You are not invited to this room.")
		}
	}
	key := user
	content := map[string]any{"membership": "join"}
	if u := hs.users[user]; u != nil {
		content["displayname"] = u.display
	}
	hs.appendEvent(rid, "m.room.member", user, &key, content)
	return nil
}

func (hs *Server) handleLeave(w http.ResponseWriter, r *http.Request, s session) {
	var req struct {
		Reason string `json:"reason"`
	}
	room, unlock := hs.enter(w, r, s, &req, "join", "invite")
	if room == nil {
		return
	}
	defer unlock()
	rid := room.id
	hs.leaveEvent(w, rid, s.user, s.user, req.Reason)
}

// handleKick takes a member out of a room (or withdraws their invite):
// the kicker needs the kick level and a level above the member's.
func (hs *Server) handleKick(w http.ResponseWriter, r *http.Request, s session) {
	var req struct {
		UserID string `json:"user_id"`
		Reason string `json:"reason"`
	}
	room, unlock := hs.enter(w, r, s, &req, "join")
	if room == nil {
		return
	}
	defer unlock()
	rid := room.id
	pl := room.powerLevels()
	if pl.user(s.user) < pl.action("kick") || (req.UserID != s.user && pl.user(s.user) <= pl.user(req.UserID)) {
		writeErr(w, http.StatusForbidden, "M_FORBIDDEN", "You don't have permission to kick users")
		return
	}
	if m := room.membership(req.UserID); m != "join" && m != "invite" {
		writeErr(w, http.StatusForbidden, "M_FORBIDDEN", req.UserID+" is not in the room")
		return
	}
	hs.leaveEvent(w, rid, s.user, req.UserID, req.Reason)
}

func (hs *Server) handleMembers(w http.ResponseWriter, r *http.Request, s session) {
	room, unlock := hs.enter(w, r, s, nil, "join")
	if room == nil {
		return
	}
	defer unlock()
	var chunk []*Event
	for _, e := range room.currentState() {
		if e.Type == "m.room.member" {
			chunk = append(chunk, e)
		}
	}
	writeJSON(w, map[string]any{"chunk": wireAll(chunk, true)})
}

func (hs *Server) handleJoinedMembers(w http.ResponseWriter, r *http.Request, s session) {
	room, unlock := hs.enter(w, r, s, nil, "join")
	if room == nil {
		return
	}
	defer unlock()
	joined := map[string]any{}
	for _, e := range room.currentState() {
		if e.Type == "m.room.member" && e.Content["membership"] == "join" {
			joined[*e.StateKey] = map[string]any{"display_name": e.Content["displayname"]}
		}
	}
	writeJSON(w, map[string]any{"joined": joined})
}

// leaveEvent records that target left (or was taken out by sender) and
// answers {}. Callers hold mu.
func (hs *Server) leaveEvent(w http.ResponseWriter, rid, sender, target, reason string) {
	content := map[string]any{"membership": "leave"}
	if reason != "" {
		content["reason"] = reason
	}
	hs.appendEvent(rid, "m.room.member", sender, &target, content)
	writeJSON(w, map[string]any{})
}
