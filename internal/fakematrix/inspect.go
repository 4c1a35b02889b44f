package fakematrix

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// What tests control beyond the API, and what they read.

// Redeliver hands an event out again in a later sync, as after a
// homeserver hiccup.
func (hs *Server) Redeliver(rid, evID string) error {
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

// HoldToDevice stops or resumes the delivery of user's to-device messages.
func (hs *Server) HoldToDevice(user string, hold bool) {
	hs.mu.Lock()
	defer hs.mu.Unlock()
	hs.heldToDevice[user] = hold
	hs.changed()
}

// ToDeviceWaiting counts the to-device messages not yet delivered to user.
func (hs *Server) ToDeviceWaiting(user string) int {
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

// DirectRooms is user's m.direct account data: the rooms listed as direct
// chats, by the other party.
func (hs *Server) DirectRooms(user string) map[string][]string {
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

// RefuseInvitesTo makes user's server turn down invitations.
func (hs *Server) RefuseInvitesTo(user string) {
	hs.mu.Lock()
	defer hs.mu.Unlock()
	hs.refuseInvites[user] = true
}

// Fail injects a fault.
func (hs *Server) Fail(f Fault) {
	hs.mu.Lock()
	defer hs.mu.Unlock()
	hs.faults = append(hs.faults, &f)
}

// RequestsTo lists the answered requests whose path contains path.
func (hs *Server) RequestsTo(method, path string) []Request {
	hs.mu.Lock()
	defer hs.mu.Unlock()
	var out []Request
	for _, r := range hs.requests {
		if r.Method == method && strings.Contains(r.Path, path) {
			out = append(out, r)
		}
	}
	return out
}

// LoginCount is the number of successful password logins.
func (hs *Server) LoginCount() int {
	hs.mu.Lock()
	defer hs.mu.Unlock()
	return hs.logins
}

// Membership is user's membership of a room ("" if none).
func (hs *Server) Membership(rid, user string) string {
	hs.mu.Lock()
	defer hs.mu.Unlock()
	return hs.rooms[rid].membership(user)
}

// Members lists the joined and invited users of a room.
func (hs *Server) Members(rid string) []string {
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

// StateContent is the content of a room's current state event, or nil.
func (hs *Server) StateContent(rid, typ, key string) map[string]any {
	hs.mu.Lock()
	defer hs.mu.Unlock()
	if e := hs.rooms[rid].state[typ+"\x00"+key]; e != nil {
		return e.Content
	}
	return nil
}

// RoomIDs lists the rooms in the order they were made.
func (hs *Server) RoomIDs() []string {
	hs.mu.Lock()
	defer hs.mu.Unlock()
	return slices.Clone(hs.roomOrder)
}

// MediaFor is the uploaded file behind an mxc:// URI.
func (hs *Server) MediaFor(mxc string) (Media, bool) {
	hs.mu.Lock()
	defer hs.mu.Unlock()
	m, ok := hs.media[mxc]
	return m, ok
}

// EventsIn lists a room's events in order, whoever may see them.
func (hs *Server) EventsIn(rid string) []*Event {
	hs.mu.Lock()
	defer hs.mu.Unlock()
	return slices.Clone(hs.rooms[rid].events)
}

// Next waits for the first event at or after index *cursor of the global
// stream that match accepts, and moves the cursor past it.
func (hs *Server) Next(ctx context.Context, cursor *int, match func(*Event) bool) (*Event, error) {
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

// StreamLen is the current end of the global event stream, for cursors.
func (hs *Server) StreamLen() int {
	hs.mu.Lock()
	defer hs.mu.Unlock()
	return len(hs.all)
}

func remarshal(from, to any) error {
	data, err := json.Marshal(from)
	if err != nil {
		return err
	}
	return json.Unmarshal(data, to)
}
