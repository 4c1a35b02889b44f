package fakematrix

import (
	"encoding/json"
	"maps"
	"net/http"
	"slices"
	"strings"
	"time"
)

type room struct {
	id     string
	events []*Event
	state  map[string]*Event // "type\x00state_key"
}

// Event is a room event as the server stores it.
type Event struct {
	Pos      int64 // its place in the server's stream
	Room     string
	ID       string
	Type     string
	Sender   string
	StateKey *string
	Content  map[string]any
	Prev     map[string]any // the state it replaced, if any
	TS       int64
}

func (room *room) member(user string) *Event { return room.state["m.room.member\x00"+user] }

func (room *room) membership(user string) string {
	if m := room.member(user); m != nil {
		s, _ := m.Content["membership"].(string)
		return s
	}
	return ""
}

// joinPos is where user's current stay in the room began.
func (room *room) joinPos(user string) int64 {
	var pos int64
	for _, e := range room.events {
		if e.isMember(user) && e.Content["membership"] == "join" {
			if prev, _ := e.Prev["membership"].(string); prev != "join" {
				pos = e.Pos
			}
		}
	}
	return pos
}

func (e *Event) isMember(user string) bool {
	return e.Type == "m.room.member" && e.StateKey != nil && *e.StateKey == user
}

// visibleTo keeps the events of evts user may see, by the history
// visibility rules of the spec: each event is judged by the room's
// m.room.history_visibility and user's membership at that event (the
// state after it, so that one's own join is seen). "world_readable"
// shows everything; "shared" everything once user is joined; "invited"
// what came from user's invite on; "joined" what came while user was
// joined.
func (room *room) visibleTo(user string, evts []*Event) []*Event {
	joinedNow := room.membership(user) == "join"
	keep := map[*Event]bool{}
	visibility, membership := "shared", ""
	for _, e := range room.events {
		if e.Type == "m.room.history_visibility" && e.StateKey != nil && *e.StateKey == "" {
			visibility, _ = e.Content["history_visibility"].(string)
		}
		if e.isMember(user) {
			membership, _ = e.Content["membership"].(string)
		}
		switch visibility {
		case "world_readable":
			keep[e] = true
		case "shared":
			keep[e] = joinedNow || membership == "join"
		case "invited":
			keep[e] = membership == "join" || membership == "invite"
		default: // "joined", and what the server does not know
			keep[e] = membership == "join"
		}
	}
	var out []*Event
	for _, e := range evts {
		if keep[e] {
			out = append(out, e)
		}
	}
	return out
}

func (room *room) after(pos int64) []*Event {
	var out []*Event
	for _, e := range room.events {
		if e.Pos > pos {
			out = append(out, e)
		}
	}
	return out
}

func (room *room) currentState() []*Event {
	out := slices.Collect(maps.Values(room.state))
	slices.SortFunc(out, func(a, b *Event) int { return int(a.Pos - b.Pos) })
	return out
}

// powerLevels is the room's m.room.power_levels content with the spec's
// defaults for what it leaves out.
type powerLevels struct{ content map[string]any }

func (room *room) powerLevels() powerLevels {
	pl := map[string]any{}
	if e := room.state["m.room.power_levels\x00"]; e != nil {
		pl = e.Content
	}
	return powerLevels{pl}
}

func (p powerLevels) user(u string) int {
	level := intOf(p.content["users_default"], 0)
	if users, ok := p.content["users"].(map[string]any); ok {
		if l, ok := users[u]; ok {
			level = intOf(l, level)
		}
	}
	return level
}

// action is the level for invite, kick, ban or redact.
func (p powerLevels) action(name string) int {
	def := 50
	if name == "invite" {
		def = 0
	}
	return intOf(p.content[name], def)
}

// event is the level to send an event of typ (state or not).
func (p powerLevels) event(typ string, state bool) int {
	need := intOf(p.content["events_default"], 0)
	if state {
		need = intOf(p.content["state_default"], 50)
	}
	if events, ok := p.content["events"].(map[string]any); ok {
		need = intOf(events[typ], need)
	}
	return need
}

func intOf(v any, def int) int {
	switch n := v.(type) {
	case float64:
		return int(n)
	case int:
		return n
	case json.Number:
		if i, err := n.Int64(); err == nil {
			return int(i)
		}
	}
	return def
}

// appendEvent adds an event to a room (state too when stateKey is set).
// Callers hold mu.
func (hs *Server) appendEvent(rid, typ, sender string, stateKey *string, content map[string]any) *Event {
	room := hs.rooms[rid]
	hs.pos++
	e := &Event{Pos: hs.pos, Room: rid, ID: "$" + hs.nextID("ev") + "_" + strings.TrimPrefix(strings.Split(rid, ":")[0], "!"),
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

// Wire is the event as a client receives it (with its room_id where the
// endpoint includes it).
func (e *Event) Wire(withRoom bool) map[string]any {
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

func (e *Event) stripped() map[string]any {
	return map[string]any{"type": e.Type, "state_key": *e.StateKey, "sender": e.Sender, "content": e.Content}
}

func wireAll(evts []*Event, withRoom bool) []map[string]any {
	out := make([]map[string]any, 0, len(evts))
	for _, e := range evts {
		out = append(out, e.Wire(withRoom))
	}
	return out
}

// roomFor finds the room of a request the user may act in. Callers hold
// mu.
func (hs *Server) roomFor(w http.ResponseWriter, rid, user string, memberships ...string) *room {
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

// enter starts a request acting in a room: it decodes the JSON body into
// body (when not nil), takes the lock and finds the room, where the user
// must have one of memberships. On failure it has answered, and holds no
// lock; on success the caller calls unlock.
func (hs *Server) enter(w http.ResponseWriter, r *http.Request, s session, body any, memberships ...string) (*room, func()) {
	if body != nil && !decodeBody(w, r, body) {
		return nil, nil
	}
	hs.mu.Lock()
	room := hs.roomFor(w, r.PathValue("room"), s.user, memberships...)
	if room == nil {
		hs.mu.Unlock()
		return nil, nil
	}
	return room, hs.mu.Unlock
}

// roundTrip gives content the shape it has after JSON (float64 numbers).
func roundTrip(m map[string]any) map[string]any {
	data, _ := json.Marshal(m)
	var out map[string]any
	json.Unmarshal(data, &out)
	return out
}
