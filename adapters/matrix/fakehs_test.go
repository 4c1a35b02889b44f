package matrix

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeHS is a homeserver for tests: it speaks the client-server API over
// HTTP, like Synapse in the ways the adapter and mautrix rely on (sync
// tokens and long polls, transaction IDs, membership and power levels,
// createRoom presets, /messages pagination, media, and the key and
// to-device endpoints of end-to-end encryption). Tests act as members
// through its Go methods, inject failures and read what the bot sent.
type fakeHS struct {
	t    testing.TB
	srv  *httptest.Server
	name string // the server name in IDs: example.org

	mu        sync.Mutex
	wake      chan struct{} // closed and replaced on every change
	closed    chan struct{}
	pos       int64 // the stream position: sync tokens are "s<pos>"
	seq       int
	users     map[string]*fakeUser
	sessions  map[string]fakeSession // by access token
	rooms     map[string]*fakeRoom
	roomOrder []string
	txns      map[string]string // access token + txn ID → event ID
	media     map[string]fakeMedia
	filters   map[string]json.RawMessage
	faults    []*fault
	requests  []fakeRequest
	logins    int
	all       []*fakeEvent // every room event, in order

	deviceKeys map[string]map[string]json.RawMessage
	otks       map[string]map[string]map[string]json.RawMessage
	toDevice   map[string]map[string][]fakeToDevice
	keyChanges []fakeKeyChange
	// heldToDevice users get no to-device messages until released, as when
	// a room key travels slower than the message it opens.
	heldToDevice map[string]bool
	// accountData is each user's global account data (m.direct…), by type.
	accountData map[string]map[string]json.RawMessage
	// refuseInvites are users whose server turns invitations down: a
	// createRoom inviting them fails.
	refuseInvites map[string]bool
}

type fakeUser struct{ id, display, password string }

type fakeSession struct{ user, device string }

type fakeRoom struct {
	id     string
	events []*fakeEvent
	state  map[string]*fakeEvent // "type\x00state_key"
}

type fakeEvent struct {
	Pos      int64
	Room     string
	ID       string
	Type     string
	Sender   string
	StateKey *string
	Content  map[string]any
	Prev     map[string]any
	TS       int64
}

type fakeMedia struct {
	data []byte
	mime string
	name string
}

// fakeToDevice waits in a device's inbox until a sync acknowledges it
// (its since token is past the response that carried it), as on Synapse.
type fakeToDevice struct {
	pos     int64
	typ     string
	sender  string
	content json.RawMessage
	sentIn  int64 // the position of the response that carried it, or 0
}

type fakeKeyChange struct {
	pos  int64
	user string
}

// fakeRequest is one request the server answered.
type fakeRequest struct {
	Method, Path string
	Status       int
	User         string
}

// fault makes matching requests fail: times times, the next ones pass.
type fault struct {
	method, path string // path is a substring of the unescaped path
	times        int
	status       int           // 429 sends M_LIMIT_EXCEEDED
	retryAfter   time.Duration // retry_after_ms in the body (no header)
	drop         bool          // close the connection without an answer
	// lost handles the request, then closes the connection: the client
	// can't know it went through.
	lost bool
}

func newFakeHS(t testing.TB) *fakeHS {
	hs := &fakeHS{
		t: t, name: "example.org",
		wake: make(chan struct{}), closed: make(chan struct{}),
		users: map[string]*fakeUser{}, sessions: map[string]fakeSession{},
		rooms: map[string]*fakeRoom{}, txns: map[string]string{},
		media: map[string]fakeMedia{}, filters: map[string]json.RawMessage{},
		deviceKeys:   map[string]map[string]json.RawMessage{},
		otks:         map[string]map[string]map[string]json.RawMessage{},
		toDevice:     map[string]map[string][]fakeToDevice{},
		heldToDevice: map[string]bool{},
		accountData:  map[string]map[string]json.RawMessage{}, refuseInvites: map[string]bool{},
	}
	hs.srv = httptest.NewServer(hs.routes())
	t.Cleanup(func() {
		close(hs.closed)
		hs.srv.Close()
	})
	return hs
}

func (hs *fakeHS) URL() string { return hs.srv.URL }

// changed wakes the long polls; callers hold mu.
func (hs *fakeHS) changed() {
	close(hs.wake)
	hs.wake = make(chan struct{})
}

func (hs *fakeHS) nextID(prefix string) string {
	hs.seq++
	return fmt.Sprintf("%s%d", prefix, hs.seq)
}

// ---- the HTTP API ----

type handler func(w http.ResponseWriter, r *http.Request, s fakeSession)

func (hs *fakeHS) routes() http.Handler {
	mux := http.NewServeMux()
	open := func(pattern string, h http.HandlerFunc) { mux.HandleFunc(pattern, h) }
	authed := func(pattern string, h handler) {
		mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
			token := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
			hs.mu.Lock()
			s, ok := hs.sessions[token]
			hs.mu.Unlock()
			if !ok {
				writeErr(w, http.StatusUnauthorized, "M_UNKNOWN_TOKEN", "Unknown access token")
				return
			}
			r.Header.Set("X-Fake-User", s.user)
			h(w, r, s)
		})
	}
	const c = "/_matrix/client/v3"
	open("GET /_matrix/client/versions", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, map[string]any{"versions": []string{"v1.11", "v1.12"}})
	})
	open("POST "+c+"/login", hs.handleLogin)
	authed("GET "+c+"/account/whoami", func(w http.ResponseWriter, r *http.Request, s fakeSession) {
		writeJSON(w, map[string]any{"user_id": s.user, "device_id": s.device})
	})
	authed("POST "+c+"/user/{user}/filter", hs.handleFilter)
	authed("GET "+c+"/sync", hs.handleSync)
	authed("PUT "+c+"/rooms/{room}/send/{type}/{txn}", hs.handleSend)
	authed("PUT "+c+"/rooms/{room}/state/{type}", hs.handlePutState)
	authed("PUT "+c+"/rooms/{room}/state/{type}/{key...}", hs.handlePutState)
	authed("GET "+c+"/rooms/{room}/state", hs.handleGetState)
	authed("GET "+c+"/rooms/{room}/state/{type}/{key...}", hs.handleGetStateEvent)
	authed("PUT "+c+"/rooms/{room}/redact/{event}/{txn}", hs.handleRedact)
	authed("POST "+c+"/createRoom", hs.handleCreateRoom)
	authed("POST "+c+"/rooms/{room}/invite", hs.handleInvite)
	authed("POST "+c+"/rooms/{room}/join", hs.handleJoin)
	authed("POST "+c+"/join/{room}", hs.handleJoin)
	authed("POST "+c+"/rooms/{room}/leave", hs.handleLeave)
	authed("POST "+c+"/rooms/{room}/kick", hs.handleKick)
	authed("GET "+c+"/rooms/{room}/members", hs.handleMembers)
	authed("GET "+c+"/rooms/{room}/joined_members", hs.handleJoinedMembers)
	authed("GET "+c+"/rooms/{room}/messages", hs.handleMessages)
	authed("POST /_matrix/media/v3/upload", hs.handleUpload)
	authed("POST "+c+"/keys/upload", hs.handleKeysUpload)
	authed("POST "+c+"/keys/query", hs.handleKeysQuery)
	authed("POST "+c+"/keys/claim", hs.handleKeysClaim)
	authed("PUT "+c+"/sendToDevice/{type}/{txn}", hs.handleSendToDevice)
	authed("POST "+c+"/keys/device_signing/upload", func(w http.ResponseWriter, r *http.Request, s fakeSession) { writeJSON(w, map[string]any{}) })
	authed("POST "+c+"/keys/signatures/upload", func(w http.ResponseWriter, r *http.Request, s fakeSession) {
		writeJSON(w, map[string]any{"failures": map[string]any{}})
	})
	authed("PUT "+c+"/user/{user}/account_data/{type}", hs.handlePutAccountData)
	authed("GET "+c+"/user/{user}/account_data/{type}", hs.handleGetAccountData)
	open("/", func(w http.ResponseWriter, r *http.Request) {
		hs.t.Logf("fake homeserver: unhandled %s %s", r.Method, r.URL.Path)
		writeErr(w, http.StatusNotFound, "M_UNRECOGNIZED", "Unrecognized request")
	})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if hs.injectFault(w, r, mux) {
			return
		}
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		mux.ServeHTTP(rec, r)
		hs.mu.Lock()
		hs.requests = append(hs.requests, fakeRequest{Method: r.Method, Path: r.URL.Path, Status: rec.status, User: r.Header.Get("X-Fake-User")})
		hs.mu.Unlock()
	})
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) {
	s.status = code
	s.ResponseWriter.WriteHeader(code)
}

// injectFault answers r with the first matching fault, if any.
func (hs *fakeHS) injectFault(w http.ResponseWriter, r *http.Request, mux http.Handler) bool {
	hs.mu.Lock()
	var f *fault
	for _, cand := range hs.faults {
		if cand.times > 0 && cand.method == r.Method && strings.Contains(r.URL.Path, cand.path) {
			f = cand
			f.times--
			break
		}
	}
	if f != nil {
		hs.requests = append(hs.requests, fakeRequest{Method: r.Method, Path: r.URL.Path, Status: f.status})
	}
	hs.mu.Unlock()
	switch {
	case f == nil:
		return false
	case f.lost:
		r.Header.Set("X-Fake-Lost", "1")
		mux.ServeHTTP(httptest.NewRecorder(), r)
		fallthrough
	case f.drop:
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			conn.Close()
		}
	case f.status == http.StatusTooManyRequests:
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(f.status)
		json.NewEncoder(w).Encode(map[string]any{"errcode": "M_LIMIT_EXCEEDED", "error": "Too many requests", "retry_after_ms": f.retryAfter.Milliseconds()})
	default:
		writeErr(w, f.status, "M_UNKNOWN", "injected failure")
	}
	return true
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(v)
}

func writeErr(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{"errcode": code, "error": msg})
}

// decodeBody reads the request's JSON body into v, answering M_BAD_JSON
// as a homeserver does when it cannot.
func decodeBody(w http.ResponseWriter, r *http.Request, v any) bool {
	if err := readBody(r, v); err != nil {
		writeErr(w, http.StatusBadRequest, "M_BAD_JSON", err.Error())
		return false
	}
	return true
}

func readBody(r *http.Request, v any) error {
	data, err := io.ReadAll(r.Body)
	if err != nil {
		return err
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil
	}
	return json.Unmarshal(data, v)
}

func (hs *fakeHS) handleLogin(w http.ResponseWriter, r *http.Request) {
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
	user := req.Identifier.User
	if !strings.HasPrefix(user, "@") {
		user = "@" + user + ":" + hs.name
	}
	u, ok := hs.users[user]
	if !ok || req.Type != "m.login.password" || u.password == "" || u.password != req.Password {
		writeErr(w, http.StatusForbidden, "M_FORBIDDEN", "Invalid username or password")
		return
	}
	hs.logins++
	token, device := hs.newSession(user, req.DeviceID)
	writeJSON(w, map[string]any{"user_id": user, "access_token": token, "device_id": device})
}

func (hs *fakeHS) newSession(user, device string) (string, string) {
	if device == "" {
		device = strings.ToUpper(hs.nextID("DEV"))
	}
	token := hs.nextID("syt_secret_token_")
	hs.sessions[token] = fakeSession{user: user, device: device}
	return token, device
}

func (hs *fakeHS) handleFilter(w http.ResponseWriter, r *http.Request, s fakeSession) {
	var raw json.RawMessage
	if !decodeBody(w, r, &raw) {
		return
	}
	hs.mu.Lock()
	fid := hs.nextID("")
	hs.filters[fid] = raw
	hs.mu.Unlock()
	writeJSON(w, map[string]any{"filter_id": fid})
}

// ---- sync ----

func parseToken(s string) (int64, bool) {
	n, err := strconv.ParseInt(strings.TrimPrefix(s, "s"), 10, 64)
	return n, err == nil && strings.HasPrefix(s, "s")
}

// timelineLimit reads room.timeline.limit from an inline or stored filter.
func (hs *fakeHS) timelineLimit(param string) int {
	raw := json.RawMessage(param)
	if stored, ok := hs.filters[param]; ok {
		raw = stored
	}
	var f struct {
		Room struct {
			Timeline struct {
				Limit int `json:"limit"`
			} `json:"timeline"`
		} `json:"room"`
	}
	if json.Unmarshal(raw, &f) == nil && f.Room.Timeline.Limit > 0 {
		return f.Room.Timeline.Limit
	}
	return 10
}

func (hs *fakeHS) handleSync(w http.ResponseWriter, r *http.Request, s fakeSession) {
	q := r.URL.Query()
	since := int64(-1)
	if tok := q.Get("since"); tok != "" {
		n, ok := parseToken(tok)
		if !ok {
			writeErr(w, http.StatusBadRequest, "M_INVALID_PARAM", "bad since token")
			return
		}
		since = n
	}
	timeout, _ := strconv.Atoi(q.Get("timeout"))
	deadline := time.Now().Add(time.Duration(timeout) * time.Millisecond)
	for {
		hs.mu.Lock()
		resp, empty := hs.buildSync(s, since, hs.timelineLimit(q.Get("filter")))
		wake := hs.wake
		hs.mu.Unlock()
		if !empty || since < 0 || !time.Now().Before(deadline) {
			writeJSON(w, resp)
			return
		}
		t := time.NewTimer(time.Until(deadline))
		select {
		case <-wake:
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return
		case <-hs.closed:
			t.Stop()
			writeJSON(w, resp)
			return
		}
		t.Stop()
	}
}

// buildSync is what changed for s since the token (all of it when since
// is -1). Callers hold mu.
func (hs *fakeHS) buildSync(s fakeSession, since int64, limit int) (map[string]any, bool) {
	join, invite, leave := map[string]any{}, map[string]any{}, map[string]any{}
	for _, rid := range hs.roomOrder {
		room := hs.rooms[rid]
		mem := room.member(s.user)
		if mem == nil {
			continue
		}
		switch mem.Content["membership"] {
		case "join":
			joined := room.joinPos(s.user)
			var evts []*fakeEvent
			fresh := since < 0 || joined > since
			if fresh {
				evts = room.after(joined - 1)
			} else {
				evts = room.after(since)
			}
			if len(evts) == 0 {
				continue
			}
			tl, limited, prev := tail(evts, limit)
			var state []*fakeEvent
			if fresh {
				in := map[string]bool{}
				for _, e := range tl {
					in[e.ID] = true
				}
				for _, e := range room.currentState() {
					if !in[e.ID] {
						state = append(state, e)
					}
				}
			} else if limited {
				state = latestState(evts[:len(evts)-len(tl)])
			}
			timeline := map[string]any{"events": wireAll(tl, false), "limited": limited}
			if prev != "" {
				timeline["prev_batch"] = prev
			}
			join[rid] = map[string]any{"timeline": timeline, "state": map[string]any{"events": wireAll(state, false)}}
		case "invite":
			if since >= 0 && mem.Pos <= since {
				continue
			}
			var stripped []map[string]any
			for _, key := range []string{"m.room.create\x00", "m.room.join_rules\x00", "m.room.name\x00", "m.room.encryption\x00", "m.room.member\x00" + mem.Sender} {
				if e := room.state[key]; e != nil {
					stripped = append(stripped, e.stripped())
				}
			}
			stripped = append(stripped, mem.stripped())
			invite[rid] = map[string]any{"invite_state": map[string]any{"events": stripped}}
		case "leave", "ban":
			if since < 0 || mem.Pos <= since {
				continue
			}
			leave[rid] = map[string]any{"timeline": map[string]any{"events": wireAll([]*fakeEvent{mem}, false)}}
		}
	}
	var toDevice []map[string]any
	inbox := hs.toDevice[s.user][s.device]
	kept := inbox[:0]
	for _, td := range inbox {
		if td.sentIn != 0 && td.sentIn <= since {
			continue // acknowledged
		}
		kept = append(kept, td)
	}
	for i := range kept {
		if hs.heldToDevice[s.user] {
			break
		}
		kept[i].sentIn = hs.pos
		toDevice = append(toDevice, map[string]any{"type": kept[i].typ, "sender": kept[i].sender, "content": kept[i].content})
	}
	if hs.toDevice[s.user] != nil {
		hs.toDevice[s.user][s.device] = kept
	}
	var changed []string
	if since >= 0 {
		for _, kc := range hs.keyChanges {
			if kc.pos > since && !slices.Contains(changed, kc.user) {
				changed = append(changed, kc.user)
			}
		}
	}
	otk := 0
	for kid := range hs.otks[s.user][s.device] {
		if strings.HasPrefix(kid, "signed_curve25519:") {
			otk++
		}
	}
	resp := map[string]any{
		"next_batch":                 fmt.Sprintf("s%d", hs.pos),
		"rooms":                      map[string]any{"join": join, "invite": invite, "leave": leave},
		"to_device":                  map[string]any{"events": toDevice},
		"device_lists":               map[string]any{"changed": changed},
		"device_one_time_keys_count": map[string]any{"signed_curve25519": otk},
	}
	empty := len(join)+len(invite)+len(leave)+len(toDevice)+len(changed) == 0
	return resp, empty
}

// tail keeps the last limit events; prev_batch points before them.
func tail(evts []*fakeEvent, limit int) ([]*fakeEvent, bool, string) {
	if len(evts) <= limit {
		return evts, false, fmt.Sprintf("s%d", evts[0].Pos-1)
	}
	tl := evts[len(evts)-limit:]
	return tl, true, fmt.Sprintf("s%d", tl[0].Pos-1)
}

func latestState(evts []*fakeEvent) []*fakeEvent {
	latest := map[string]*fakeEvent{}
	var order []string
	for _, e := range evts {
		if e.StateKey == nil {
			continue
		}
		k := e.Type + "\x00" + *e.StateKey
		if _, ok := latest[k]; !ok {
			order = append(order, k)
		}
		latest[k] = e
	}
	out := make([]*fakeEvent, 0, len(order))
	for _, k := range order {
		out = append(out, latest[k])
	}
	return out
}

// ---- rooms ----

func (room *fakeRoom) member(user string) *fakeEvent { return room.state["m.room.member\x00"+user] }

func (room *fakeRoom) membership(user string) string {
	if m := room.member(user); m != nil {
		s, _ := m.Content["membership"].(string)
		return s
	}
	return ""
}

// joinPos is where user's current stay in the room began.
func (room *fakeRoom) joinPos(user string) int64 {
	var pos int64
	for _, e := range room.events {
		if e.Type == "m.room.member" && e.StateKey != nil && *e.StateKey == user && e.Content["membership"] == "join" {
			if prev, _ := e.Prev["membership"].(string); prev != "join" {
				pos = e.Pos
			}
		}
	}
	return pos
}

func (room *fakeRoom) after(pos int64) []*fakeEvent {
	var out []*fakeEvent
	for _, e := range room.events {
		if e.Pos > pos {
			out = append(out, e)
		}
	}
	return out
}

func (room *fakeRoom) currentState() []*fakeEvent {
	out := slices.Collect(maps.Values(room.state))
	slices.SortFunc(out, func(a, b *fakeEvent) int { return int(a.Pos - b.Pos) })
	return out
}

func (room *fakeRoom) powerLevel(user string) (int, map[string]any) {
	pl := map[string]any{}
	if e := room.state["m.room.power_levels\x00"]; e != nil {
		pl = e.Content
	}
	level := intOf(pl["users_default"], 0)
	if users, ok := pl["users"].(map[string]any); ok {
		if l, ok := users[user]; ok {
			level = intOf(l, level)
		}
	}
	return level, pl
}

func intOf(v any, def int) int {
	if f, ok := v.(float64); ok {
		return int(f)
	}
	if i, ok := v.(int); ok {
		return i
	}
	return def
}

// appendEvent adds an event to a room (state too when stateKey is set).
// Callers hold mu.
func (hs *fakeHS) appendEvent(rid, typ, sender string, stateKey *string, content map[string]any) *fakeEvent {
	room := hs.rooms[rid]
	hs.pos++
	e := &fakeEvent{Pos: hs.pos, Room: rid, ID: "$" + hs.nextID("ev") + "_" + strings.TrimPrefix(strings.Split(rid, ":")[0], "!"),
		Type: typ, Sender: sender, StateKey: stateKey, Content: content, TS: time.Now().UnixMilli()}
	if stateKey != nil {
		k := typ + "\x00" + *stateKey
		if prev := room.state[k]; prev != nil {
			e.Prev = prev.Content
		}
		room.state[k] = e
	}
	room.events = append(room.events, e)
	hs.all = append(hs.all, e)
	hs.changed()
	return e
}

func (e *fakeEvent) wire(withRoom bool) map[string]any {
	m := map[string]any{"event_id": e.ID, "type": e.Type, "sender": e.Sender, "origin_server_ts": e.TS, "content": e.Content}
	if e.StateKey != nil {
		m["state_key"] = *e.StateKey
		if e.Prev != nil {
			m["unsigned"] = map[string]any{"prev_content": e.Prev}
		}
	}
	if withRoom {
		m["room_id"] = e.Room
	}
	return m
}

func (e *fakeEvent) stripped() map[string]any {
	return map[string]any{"type": e.Type, "state_key": *e.StateKey, "sender": e.Sender, "content": e.Content}
}

func wireAll(evts []*fakeEvent, withRoom bool) []map[string]any {
	out := make([]map[string]any, 0, len(evts))
	for _, e := range evts {
		out = append(out, e.wire(withRoom))
	}
	return out
}

// roomFor finds the room of a request the user may act in.
func (hs *fakeHS) roomFor(w http.ResponseWriter, rid, user string, memberships ...string) *fakeRoom {
	room, ok := hs.rooms[rid]
	if !ok {
		writeErr(w, http.StatusNotFound, "M_NOT_FOUND", "Unknown room")
		return nil
	}
	if !slices.Contains(memberships, room.membership(user)) {
		writeErr(w, http.StatusForbidden, "M_FORBIDDEN", "User "+user+" not in room "+rid)
		return nil
	}
	return room
}

func (hs *fakeHS) handleSend(w http.ResponseWriter, r *http.Request, s fakeSession) {
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
	rid := r.PathValue("room")
	if hs.roomFor(w, rid, s.user, "join") == nil {
		return
	}
	e := hs.appendEvent(rid, r.PathValue("type"), s.user, nil, content)
	hs.txns[key] = e.ID
	writeJSON(w, map[string]any{"event_id": e.ID})
}

func (hs *fakeHS) handleRedact(w http.ResponseWriter, r *http.Request, s fakeSession) {
	var content map[string]any
	readBody(r, &content)
	if content == nil {
		content = map[string]any{}
	}
	hs.mu.Lock()
	defer hs.mu.Unlock()
	rid := r.PathValue("room")
	if hs.roomFor(w, rid, s.user, "join") == nil {
		return
	}
	content["redacts"] = r.PathValue("event")
	e := hs.appendEvent(rid, "m.room.redaction", s.user, nil, content)
	writeJSON(w, map[string]any{"event_id": e.ID})
}

func (hs *fakeHS) handlePutState(w http.ResponseWriter, r *http.Request, s fakeSession) {
	var content map[string]any
	if !decodeBody(w, r, &content) {
		return
	}
	hs.mu.Lock()
	defer hs.mu.Unlock()
	rid := r.PathValue("room")
	room := hs.roomFor(w, rid, s.user, "join")
	if room == nil {
		return
	}
	level, pl := room.powerLevel(s.user)
	need := intOf(pl["state_default"], 50)
	if events, ok := pl["events"].(map[string]any); ok {
		need = intOf(events[r.PathValue("type")], need)
	}
	if level < need {
		writeErr(w, http.StatusForbidden, "M_FORBIDDEN", "insufficient power level")
		return
	}
	key := r.PathValue("key")
	e := hs.appendEvent(rid, r.PathValue("type"), s.user, &key, content)
	writeJSON(w, map[string]any{"event_id": e.ID})
}

func (hs *fakeHS) handleGetState(w http.ResponseWriter, r *http.Request, s fakeSession) {
	hs.mu.Lock()
	defer hs.mu.Unlock()
	room := hs.roomFor(w, r.PathValue("room"), s.user, "join", "leave")
	if room == nil {
		return
	}
	writeJSON(w, wireAll(room.currentState(), true))
}

func (hs *fakeHS) handleGetStateEvent(w http.ResponseWriter, r *http.Request, s fakeSession) {
	hs.mu.Lock()
	defer hs.mu.Unlock()
	room := hs.roomFor(w, r.PathValue("room"), s.user, "join", "leave")
	if room == nil {
		return
	}
	e := room.state[r.PathValue("type")+"\x00"+r.PathValue("key")]
	if e == nil {
		writeErr(w, http.StatusNotFound, "M_NOT_FOUND", "Event not found")
		return
	}
	writeJSON(w, e.Content)
}

// handleCreateRoom follows Synapse's order: create, the creator's join,
// power levels (defaults, then the override's top-level keys), the
// preset's rules, initial_state, name, invites.
func (hs *fakeHS) handleCreateRoom(w http.ResponseWriter, r *http.Request, s fakeSession) {
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
	opts := roomOpts{name: req.Name, preset: req.Preset, invite: req.Invite, direct: req.IsDirect, powerLevels: req.PowerLevels}
	for _, st := range req.InitialState {
		opts.state = append(opts.state, fakeState{st.Type, st.StateKey, st.Content})
	}
	writeJSON(w, map[string]any{"room_id": hs.createRoomLocked(s.user, opts)})
}

type roomOpts struct {
	name        string
	preset      string
	invite      []string
	direct      bool
	powerLevels map[string]any
	state       []fakeState
}

type fakeState struct {
	typ, key string
	content  map[string]any
}

func (hs *fakeHS) createRoomLocked(creator string, o roomOpts) string {
	rid := "!" + hs.nextID("room") + ":" + hs.name
	hs.rooms[rid] = &fakeRoom{id: rid, state: map[string]*fakeEvent{}}
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
	if o.preset == "trusted_private_chat" {
		// As on Synapse: every invitee is an admin, as the creator is.
		users := pl["users"].(map[string]any)
		for _, u := range o.invite {
			users[u] = 100
		}
	}
	maps.Copy(pl, o.powerLevels)
	st("m.room.power_levels", empty, roundTrip(pl))
	joinRule, guests := "invite", "can_join"
	if o.preset == "public_chat" {
		joinRule, guests = "public", "forbidden"
	}
	st("m.room.join_rules", empty, map[string]any{"join_rule": joinRule})
	st("m.room.history_visibility", empty, map[string]any{"history_visibility": "shared"})
	st("m.room.guest_access", empty, map[string]any{"guest_access": guests})
	for _, s := range o.state {
		st(s.typ, s.key, s.content)
	}
	if o.name != "" {
		st("m.room.name", empty, map[string]any{"name": o.name})
	}
	for _, u := range o.invite {
		content := map[string]any{"membership": "invite"}
		if o.direct {
			content["is_direct"] = true
		}
		if usr := hs.users[u]; usr != nil {
			content["displayname"] = usr.display
		}
		st("m.room.member", u, content)
	}
	return rid
}

// roundTrip gives content the shape it has after JSON (float64 numbers).
func roundTrip(m map[string]any) map[string]any {
	data, _ := json.Marshal(m)
	var out map[string]any
	json.Unmarshal(data, &out)
	return out
}

func (hs *fakeHS) handleInvite(w http.ResponseWriter, r *http.Request, s fakeSession) {
	var req struct {
		UserID string `json:"user_id"`
	}
	if !decodeBody(w, r, &req) {
		return
	}
	hs.mu.Lock()
	defer hs.mu.Unlock()
	rid := r.PathValue("room")
	room := hs.roomFor(w, rid, s.user, "join")
	if room == nil {
		return
	}
	level, pl := room.powerLevel(s.user)
	if level < intOf(pl["invite"], 0) {
		writeErr(w, http.StatusForbidden, "M_FORBIDDEN", "You don't have permission to invite users")
		return
	}
	if m := room.membership(req.UserID); m == "join" || m == "invite" {
		writeErr(w, http.StatusForbidden, "M_FORBIDDEN", req.UserID+" is already in the room")
		return
	}
	key := req.UserID
	hs.appendEvent(rid, "m.room.member", s.user, &key, map[string]any{"membership": "invite"})
	writeJSON(w, map[string]any{})
}

func (hs *fakeHS) handleJoin(w http.ResponseWriter, r *http.Request, s fakeSession) {
	hs.mu.Lock()
	defer hs.mu.Unlock()
	rid := r.PathValue("room")
	if err := hs.joinLocked(s.user, rid); err != nil {
		writeErr(w, http.StatusForbidden, "M_FORBIDDEN", err.Error())
		return
	}
	writeJSON(w, map[string]any{"room_id": rid})
}

func (hs *fakeHS) joinLocked(user, rid string) error {
	room, ok := hs.rooms[rid]
	if !ok {
		return fmt.Errorf("unknown room %s", rid)
	}
	switch room.membership(user) {
	case "join":
		return nil // joining again changes nothing, as on Synapse
	case "invite":
	default:
		if jr := room.state["m.room.join_rules\x00"]; jr == nil || jr.Content["join_rule"] != "public" {
			return fmt.Errorf("%s is not invited to %s", user, rid)
		}
	}
	key := user
	hs.appendEvent(rid, "m.room.member", user, &key, map[string]any{"membership": "join", "displayname": hs.users[user].display})
	return nil
}

func (hs *fakeHS) handleLeave(w http.ResponseWriter, r *http.Request, s fakeSession) {
	var req struct {
		Reason string `json:"reason"`
	}
	readBody(r, &req)
	hs.mu.Lock()
	defer hs.mu.Unlock()
	rid := r.PathValue("room")
	if hs.roomFor(w, rid, s.user, "join", "invite") == nil {
		return
	}
	key := s.user
	content := map[string]any{"membership": "leave"}
	if req.Reason != "" {
		content["reason"] = req.Reason
	}
	hs.appendEvent(rid, "m.room.member", s.user, &key, content)
	writeJSON(w, map[string]any{})
}

func (hs *fakeHS) handleMembers(w http.ResponseWriter, r *http.Request, s fakeSession) {
	hs.mu.Lock()
	defer hs.mu.Unlock()
	room := hs.roomFor(w, r.PathValue("room"), s.user, "join")
	if room == nil {
		return
	}
	var chunk []*fakeEvent
	for _, e := range room.currentState() {
		if e.Type == "m.room.member" {
			chunk = append(chunk, e)
		}
	}
	writeJSON(w, map[string]any{"chunk": wireAll(chunk, true)})
}

func (hs *fakeHS) handleJoinedMembers(w http.ResponseWriter, r *http.Request, s fakeSession) {
	hs.mu.Lock()
	defer hs.mu.Unlock()
	room := hs.roomFor(w, r.PathValue("room"), s.user, "join")
	if room == nil {
		return
	}
	joined := map[string]any{}
	for _, e := range room.currentState() {
		if e.Type == "m.room.member" && e.Content["membership"] == "join" {
			joined[*e.StateKey] = map[string]any{"display_name": e.Content["displayname"]}
		}
	}
	writeJSON(w, map[string]any{"joined": joined})
}

// handleMessages pages through a room's events: from a token backwards
// (dir=b) down to an optional "to" token.
func (hs *fakeHS) handleMessages(w http.ResponseWriter, r *http.Request, s fakeSession) {
	q := r.URL.Query()
	hs.mu.Lock()
	defer hs.mu.Unlock()
	room := hs.roomFor(w, r.PathValue("room"), s.user, "join")
	if room == nil {
		return
	}
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
		writeErr(w, http.StatusBadRequest, "M_INVALID_PARAM", "the fake pages backwards only")
		return
	}
	var chunk []*fakeEvent
	more := false
	for i := len(room.events) - 1; i >= 0; i-- {
		e := room.events[i]
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

func (hs *fakeHS) handleUpload(w http.ResponseWriter, r *http.Request, s fakeSession) {
	data, err := io.ReadAll(r.Body)
	if err != nil {
		writeErr(w, http.StatusBadRequest, "M_UNKNOWN", err.Error())
		return
	}
	hs.mu.Lock()
	defer hs.mu.Unlock()
	mxc := "mxc://" + hs.name + "/" + hs.nextID("media")
	hs.media[mxc] = fakeMedia{data: data, mime: r.Header.Get("Content-Type"), name: r.URL.Query().Get("filename")}
	writeJSON(w, map[string]any{"content_uri": mxc})
}

// ---- account data ----

func (hs *fakeHS) handlePutAccountData(w http.ResponseWriter, r *http.Request, s fakeSession) {
	var content json.RawMessage
	if err := readBody(r, &content); err != nil || len(content) == 0 || content[0] != '{' {
		writeErr(w, http.StatusBadRequest, "M_BAD_JSON", "Content must be a JSON object")
		return
	}
	if r.PathValue("user") != s.user {
		writeErr(w, http.StatusForbidden, "M_FORBIDDEN", "Cannot add account data for other users.")
		return
	}
	hs.mu.Lock()
	defer hs.mu.Unlock()
	if hs.accountData[s.user] == nil {
		hs.accountData[s.user] = map[string]json.RawMessage{}
	}
	hs.accountData[s.user][r.PathValue("type")] = content
	writeJSON(w, map[string]any{})
}

func (hs *fakeHS) handleGetAccountData(w http.ResponseWriter, r *http.Request, s fakeSession) {
	if r.PathValue("user") != s.user {
		writeErr(w, http.StatusForbidden, "M_FORBIDDEN", "Cannot get account data for other users.")
		return
	}
	hs.mu.Lock()
	defer hs.mu.Unlock()
	content, ok := hs.accountData[s.user][r.PathValue("type")]
	if !ok {
		writeErr(w, http.StatusNotFound, "M_NOT_FOUND", "Account data not found")
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Write(content)
}

// ---- end-to-end encryption: keys and to-device messages ----

func (hs *fakeHS) handleKeysUpload(w http.ResponseWriter, r *http.Request, s fakeSession) {
	var req struct {
		DeviceKeys  json.RawMessage            `json:"device_keys"`
		OneTimeKeys map[string]json.RawMessage `json:"one_time_keys"`
	}
	if !decodeBody(w, r, &req) {
		return
	}
	hs.mu.Lock()
	defer hs.mu.Unlock()
	if len(req.DeviceKeys) > 0 && string(req.DeviceKeys) != "null" {
		if hs.deviceKeys[s.user] == nil {
			hs.deviceKeys[s.user] = map[string]json.RawMessage{}
		}
		hs.deviceKeys[s.user][s.device] = req.DeviceKeys
		hs.pos++
		hs.keyChanges = append(hs.keyChanges, fakeKeyChange{pos: hs.pos, user: s.user})
		hs.changed()
	}
	if hs.otks[s.user] == nil {
		hs.otks[s.user] = map[string]map[string]json.RawMessage{}
	}
	if hs.otks[s.user][s.device] == nil {
		hs.otks[s.user][s.device] = map[string]json.RawMessage{}
	}
	maps.Copy(hs.otks[s.user][s.device], req.OneTimeKeys)
	n := 0
	for kid := range hs.otks[s.user][s.device] {
		if strings.HasPrefix(kid, "signed_curve25519:") {
			n++
		}
	}
	writeJSON(w, map[string]any{"one_time_key_counts": map[string]any{"signed_curve25519": n}})
}

func (hs *fakeHS) handleKeysQuery(w http.ResponseWriter, r *http.Request, s fakeSession) {
	var req struct {
		DeviceKeys map[string][]string `json:"device_keys"`
	}
	if !decodeBody(w, r, &req) {
		return
	}
	hs.mu.Lock()
	defer hs.mu.Unlock()
	out := map[string]any{}
	for user, devices := range req.DeviceKeys {
		keys := map[string]json.RawMessage{}
		for dev, k := range hs.deviceKeys[user] {
			if len(devices) == 0 || slices.Contains(devices, dev) {
				keys[dev] = k
			}
		}
		out[user] = keys
	}
	writeJSON(w, map[string]any{"device_keys": out, "failures": map[string]any{}})
}

func (hs *fakeHS) handleKeysClaim(w http.ResponseWriter, r *http.Request, s fakeSession) {
	var req struct {
		OneTimeKeys map[string]map[string]string `json:"one_time_keys"`
	}
	if !decodeBody(w, r, &req) {
		return
	}
	hs.mu.Lock()
	defer hs.mu.Unlock()
	out := map[string]any{}
	for user, devices := range req.OneTimeKeys {
		claimed := map[string]any{}
		for dev, alg := range devices {
			keys := hs.otks[user][dev]
			ids := slices.Sorted(maps.Keys(keys))
			for _, kid := range ids {
				if strings.HasPrefix(kid, alg+":") {
					claimed[dev] = map[string]json.RawMessage{kid: keys[kid]}
					delete(keys, kid)
					break
				}
			}
		}
		out[user] = claimed
	}
	writeJSON(w, map[string]any{"one_time_keys": out, "failures": map[string]any{}})
}

func (hs *fakeHS) handleSendToDevice(w http.ResponseWriter, r *http.Request, s fakeSession) {
	var req struct {
		Messages map[string]map[string]json.RawMessage `json:"messages"`
	}
	if !decodeBody(w, r, &req) {
		return
	}
	hs.mu.Lock()
	defer hs.mu.Unlock()
	for user, devices := range req.Messages {
		for dev, content := range devices {
			targets := []string{dev}
			if dev == "*" {
				targets = slices.Collect(maps.Keys(hs.deviceKeys[user]))
			}
			for _, d := range targets {
				if hs.toDevice[user] == nil {
					hs.toDevice[user] = map[string][]fakeToDevice{}
				}
				hs.pos++
				hs.toDevice[user][d] = append(hs.toDevice[user][d], fakeToDevice{pos: hs.pos, typ: r.PathValue("type"), sender: s.user, content: content})
			}
		}
	}
	hs.changed()
	writeJSON(w, map[string]any{})
}

// ---- what tests do as members, and what they read ----

// addUser registers a member; password may be "" for token-only users.
func (hs *fakeHS) addUser(localpart, display, password string) string {
	hs.mu.Lock()
	defer hs.mu.Unlock()
	u := "@" + localpart + ":" + hs.name
	if i := strings.Index(localpart, ":"); i >= 0 {
		u = "@" + localpart
	}
	hs.users[u] = &fakeUser{id: u, display: display, password: password}
	return u
}

// token gives user an access token on a new device, as an operator who
// logged in once in Element and copied its token would.
func (hs *fakeHS) token(user string) string {
	hs.mu.Lock()
	defer hs.mu.Unlock()
	token, _ := hs.newSession(user, "")
	return token
}

// createRoom makes a room whose creator is joined, and joins members.
func (hs *fakeHS) createRoom(creator, name string, members ...string) string {
	hs.mu.Lock()
	defer hs.mu.Unlock()
	rid := hs.createRoomLocked(creator, roomOpts{name: name, preset: "private_chat", invite: members})
	for _, m := range members {
		if err := hs.joinLocked(m, rid); err != nil {
			hs.t.Fatal(err)
		}
	}
	return rid
}

// addMembers has inviter invite users to a room, and them join.
func (hs *fakeHS) addMembers(rid, inviter string, users ...string) {
	for _, u := range users {
		hs.invite(inviter, rid, u, false)
		hs.mu.Lock()
		err := hs.joinLocked(u, rid)
		hs.mu.Unlock()
		if err != nil {
			hs.t.Fatal(err)
		}
	}
}

func (hs *fakeHS) invite(inviter, rid, invitee string, direct bool) {
	hs.mu.Lock()
	defer hs.mu.Unlock()
	content := map[string]any{"membership": "invite"}
	if direct {
		content["is_direct"] = true
	}
	key := invitee
	hs.appendEvent(rid, "m.room.member", inviter, &key, content)
}

// send posts an event as user, as their client would.
func (hs *fakeHS) send(user, rid, typ string, content map[string]any) string {
	hs.mu.Lock()
	defer hs.mu.Unlock()
	if m := hs.rooms[rid].membership(user); m != "join" {
		hs.t.Fatalf("%s cannot send to %s: membership %q", user, rid, m)
	}
	return hs.appendEvent(rid, typ, user, nil, roundTrip(content)).ID
}

// redeliver hands an event out again in a later sync, as after a
// homeserver hiccup.
func (hs *fakeHS) redeliver(rid, evID string) error {
	hs.mu.Lock()
	defer hs.mu.Unlock()
	room := hs.rooms[rid]
	for _, e := range room.events {
		if e.ID == evID {
			hs.pos++
			dup := *e
			dup.Pos = hs.pos
			room.events = append(room.events, &dup)
			hs.all = append(hs.all, &dup)
			hs.changed()
			return nil
		}
	}
	return fmt.Errorf("no event %s in %s", evID, rid)
}

// inviteAs has user invite invitee through the HTTP API, as their client
// would, and returns the status code.
func (hs *fakeHS) inviteAs(user, rid, invitee string) int {
	body, _ := json.Marshal(map[string]any{"user_id": invitee})
	req, err := http.NewRequest(http.MethodPost, hs.URL()+"/_matrix/client/v3/rooms/"+url.PathEscape(rid)+"/invite", bytes.NewReader(body))
	if err != nil {
		hs.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+hs.token(user))
	resp, err := hs.srv.Client().Do(req)
	if err != nil {
		hs.t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// holdToDevice stops or resumes the delivery of user's to-device messages.
func (hs *fakeHS) holdToDevice(user string, hold bool) {
	hs.mu.Lock()
	defer hs.mu.Unlock()
	hs.heldToDevice[user] = hold
	hs.changed()
}

// toDeviceWaiting counts the to-device messages not yet delivered to user.
func (hs *fakeHS) toDeviceWaiting(user string) int {
	hs.mu.Lock()
	defer hs.mu.Unlock()
	n := 0
	for _, inbox := range hs.toDevice[user] {
		for _, td := range inbox {
			if td.sentIn == 0 {
				n++
			}
		}
	}
	return n
}

// directRooms is user's m.direct account data: the rooms listed as direct
// chats, by the other party.
func (hs *fakeHS) directRooms(user string) map[string][]string {
	hs.mu.Lock()
	defer hs.mu.Unlock()
	out := map[string][]string{}
	if raw, ok := hs.accountData[user]["m.direct"]; ok {
		if err := json.Unmarshal(raw, &out); err != nil {
			hs.t.Errorf("m.direct of %s is not a map of room lists: %s", user, raw)
		}
	}
	return out
}

// setDirectRooms writes user's m.direct, as another of their clients would.
func (hs *fakeHS) setDirectRooms(user string, rooms map[string][]string) {
	hs.mu.Lock()
	defer hs.mu.Unlock()
	data, _ := json.Marshal(rooms)
	if hs.accountData[user] == nil {
		hs.accountData[user] = map[string]json.RawMessage{}
	}
	hs.accountData[user]["m.direct"] = data
}

// refuseInvitesTo makes user's server turn down invitations.
func (hs *fakeHS) refuseInvitesTo(user string) {
	hs.mu.Lock()
	defer hs.mu.Unlock()
	hs.refuseInvites[user] = true
}

// leave makes user leave a room, as their client would.
func (hs *fakeHS) leave(user, rid string) {
	hs.mu.Lock()
	defer hs.mu.Unlock()
	key := user
	hs.appendEvent(rid, "m.room.member", user, &key, map[string]any{"membership": "leave"})
}

// join makes an invited user join a room.
func (hs *fakeHS) join(user, rid string) {
	hs.mu.Lock()
	err := hs.joinLocked(user, rid)
	hs.mu.Unlock()
	if err != nil {
		hs.t.Fatal(err)
	}
}

// fail injects a fault.
func (hs *fakeHS) fail(f fault) {
	hs.mu.Lock()
	defer hs.mu.Unlock()
	hs.faults = append(hs.faults, &f)
}

// requestsTo lists the answered requests whose path contains path.
func (hs *fakeHS) requestsTo(method, path string) []fakeRequest {
	hs.mu.Lock()
	defer hs.mu.Unlock()
	var out []fakeRequest
	for _, r := range hs.requests {
		if r.Method == method && strings.Contains(r.Path, path) {
			out = append(out, r)
		}
	}
	return out
}

func (hs *fakeHS) loginCount() int {
	hs.mu.Lock()
	defer hs.mu.Unlock()
	return hs.logins
}

func (hs *fakeHS) membership(rid, user string) string {
	hs.mu.Lock()
	defer hs.mu.Unlock()
	return hs.rooms[rid].membership(user)
}

// members lists the joined and invited users of a room.
func (hs *fakeHS) members(rid string) []string {
	hs.mu.Lock()
	defer hs.mu.Unlock()
	var out []string
	for _, e := range hs.rooms[rid].currentState() {
		if e.Type == "m.room.member" && (e.Content["membership"] == "join" || e.Content["membership"] == "invite") {
			out = append(out, *e.StateKey)
		}
	}
	return out
}

func (hs *fakeHS) stateContent(rid, typ, key string) map[string]any {
	hs.mu.Lock()
	defer hs.mu.Unlock()
	if e := hs.rooms[rid].state[typ+"\x00"+key]; e != nil {
		return e.Content
	}
	return nil
}

func (hs *fakeHS) roomIDs() []string {
	hs.mu.Lock()
	defer hs.mu.Unlock()
	return slices.Clone(hs.roomOrder)
}

func (hs *fakeHS) mediaFor(mxc string) (fakeMedia, bool) {
	hs.mu.Lock()
	defer hs.mu.Unlock()
	m, ok := hs.media[mxc]
	return m, ok
}

// eventsIn lists a room's events in order.
func (hs *fakeHS) eventsIn(rid string) []*fakeEvent {
	hs.mu.Lock()
	defer hs.mu.Unlock()
	return slices.Clone(hs.rooms[rid].events)
}

// next waits for the first event at or after index *cursor of the global
// stream that match accepts, and moves the cursor past it.
func (hs *fakeHS) next(ctx context.Context, cursor *int, match func(*fakeEvent) bool) (*fakeEvent, error) {
	for {
		hs.mu.Lock()
		for ; *cursor < len(hs.all); *cursor++ {
			if e := hs.all[*cursor]; match(e) {
				*cursor++
				hs.mu.Unlock()
				return e, nil
			}
		}
		wake := hs.wake
		hs.mu.Unlock()
		select {
		case <-wake:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// streamLen is the current end of the global event stream, for cursors.
func (hs *fakeHS) streamLen() int {
	hs.mu.Lock()
	defer hs.mu.Unlock()
	return len(hs.all)
}
