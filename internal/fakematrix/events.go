package fakematrix

import (
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
)

func (hs *Server) handleLogin(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Type       string `json:"type"`
		Identifier struct {
			User string `json:"user"`
		} `json:"identifier"`
		Password string `json:"password"`
		DeviceID string `json:"device_id"`
	}
	if !decodeBody(w, r, &req) {
		return
	}
	hs.mu.Lock()
	defer hs.mu.Unlock()
	uid := req.Identifier.User
	if !strings.HasPrefix(uid, "@") {
		uid = "@" + uid + ":" + hs.name
	}
	u, ok := hs.users[uid]
	if !ok || req.Type != "m.login.password" || u.password == "" || u.password != req.Password {
		writeErr(w, http.StatusForbidden, "M_FORBIDDEN", "Invalid username or password")
		return
	}
	hs.logins++
	token, device := hs.newSession(uid, req.DeviceID)
	writeJSON(w, map[string]any{"user_id": uid, "access_token": token, "device_id": device})
}

func (hs *Server) newSession(user, device string) (string, string) {
	if device == "" {
		device = strings.ToUpper(hs.nextID("DEV"))
	}
	token := hs.nextID("syt_secret_token_")
	hs.sessions[token] = session{user: user, device: device}
	return token, device
}

// handleSend posts a message event; a transaction ID used again by the
// same access token answers the first event, as the spec requires.
func (hs *Server) handleSend(w http.ResponseWriter, r *http.Request, s session) {
	var content map[string]any
	if !decodeBody(w, r, &content) {
		return
	}
	token := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
	hs.mu.Lock()
	defer hs.mu.Unlock()
	key := token + "\x00" + r.PathValue("txn")
	if evID, ok := hs.txns[key]; ok {
		writeJSON(w, map[string]any{"event_id": evID})
		return
	}
	rid, typ := r.PathValue("room"), r.PathValue("type")
	room := hs.roomFor(w, rid, s.user, "join")
	if room == nil {
		return
	}
	if pl := room.powerLevels(); pl.user(s.user) < pl.event(typ, false) {
		writeErr(w, http.StatusForbidden, "M_FORBIDDEN", fmt.Sprintf("You don't have permission to post %s events", typ))
		return
	}
	e := hs.appendEvent(rid, typ, s.user, nil, content)
	hs.txns[key] = e.ID
	writeJSON(w, map[string]any{"event_id": e.ID})
}

// handleRedact lets a member redact their own events, and those with the
// redact level anyone's.
func (hs *Server) handleRedact(w http.ResponseWriter, r *http.Request, s session) {
	var content map[string]any
	room, unlock := hs.enter(w, r, s, &content, "join")
	if room == nil {
		return
	}
	defer unlock()
	rid := room.id
	var target *Event
	for _, e := range room.events {
		if e.ID == r.PathValue("event") {
			target = e
		}
	}
	if target == nil {
		writeErr(w, http.StatusNotFound, "M_NOT_FOUND", "Event not found")
		return
	}
	if pl := room.powerLevels(); target.Sender != s.user && pl.user(s.user) < pl.action("redact") {
		writeErr(w, http.StatusForbidden, "M_FORBIDDEN", "You don't have permission to redact events")
		return
	}
	content["redacts"] = target.ID
	e := hs.appendEvent(rid, "m.room.redaction", s.user, nil, content)
	writeJSON(w, map[string]any{"event_id": e.ID})
}

// handlePutState sets a state event, for who has its level.
func (hs *Server) handlePutState(w http.ResponseWriter, r *http.Request, s session) {
	var content map[string]any
	room, unlock := hs.enter(w, r, s, &content, "join")
	if room == nil {
		return
	}
	defer unlock()
	rid, typ, key := room.id, r.PathValue("type"), r.PathValue("key")
	pl := room.powerLevels()
	if pl.user(s.user) < pl.event(typ, true) {
		writeErr(w, http.StatusForbidden, "M_FORBIDDEN", fmt.Sprintf("You don't have permission to post %s events", typ))
		return
	}
	if strings.HasPrefix(key, "@") && key != s.user && typ != "m.room.member" {
		// The spec: a state key that is a user ID belongs to that user.
		writeErr(w, http.StatusForbidden, "M_FORBIDDEN", "You cannot set state keyed by another user")
		return
	}
	e := hs.appendEvent(rid, typ, s.user, &key, content)
	writeJSON(w, map[string]any{"event_id": e.ID})
}

func (hs *Server) handleGetState(w http.ResponseWriter, r *http.Request, s session) {
	room, unlock := hs.enter(w, r, s, nil, "join", "leave")
	if room == nil {
		return
	}
	defer unlock()
	writeJSON(w, wireAll(room.currentState(), true))
}

func (hs *Server) handleGetStateEvent(w http.ResponseWriter, r *http.Request, s session) {
	room, unlock := hs.enter(w, r, s, nil, "join", "leave")
	if room == nil {
		return
	}
	defer unlock()
	e := room.state[r.PathValue("type")+"\x00"+r.PathValue("key")]
	if e == nil {
		writeErr(w, http.StatusNotFound, "M_NOT_FOUND", "Event not found.")
		return
	}
	writeJSON(w, e.Content)
}

// handleMessages pages through the events of a room user may see: from a
// token backwards (dir=b) down to an optional "to" token.
func (hs *Server) handleMessages(w http.ResponseWriter, r *http.Request, s session) {
	q := r.URL.Query()
	room, unlock := hs.enter(w, r, s, nil, "join")
	if room == nil {
		return
	}
	defer unlock()
	from, ok := parseToken(q.Get("from"))
	if !ok {
		from = hs.pos
	}
	to, ok := parseToken(q.Get("to"))
	if !ok {
		to = -1
	}
	limit, err := strconv.Atoi(q.Get("limit"))
	if err != nil || limit <= 0 {
		limit = 10
	}
	if q.Get("dir") != "b" {
		writeErr(w, http.StatusBadRequest, "M_INVALID_PARAM", "this server pages backwards only (dir=b)")
		return
	}
	visible := room.visibleTo(s.user, room.events)
	var chunk []*Event
	more := false
	for i := len(visible) - 1; i >= 0; i-- {
		e := visible[i]
		if e.Pos > from {
			continue
		}
		if e.Pos <= to {
			break
		}
		if len(chunk) == limit {
			more = true
			break
		}
		chunk = append(chunk, e)
	}
	resp := map[string]any{"start": q.Get("from"), "chunk": wireAll(chunk, true)}
	if more {
		resp["end"] = fmt.Sprintf("s%d", chunk[len(chunk)-1].Pos-1)
	}
	writeJSON(w, resp)
}

func (hs *Server) handleUpload(w http.ResponseWriter, r *http.Request, s session) {
	data, err := io.ReadAll(r.Body)
	if err != nil {
		writeErr(w, http.StatusBadRequest, "M_UNKNOWN", err.Error())
		return
	}
	hs.mu.Lock()
	defer hs.mu.Unlock()
	mxc := "mxc://" + hs.name + "/" + hs.nextID("media")
	hs.media[mxc] = Media{Data: data, MIME: r.Header.Get("Content-Type"), Name: r.URL.Query().Get("filename")}
	writeJSON(w, map[string]any{"content_uri": mxc})
}
