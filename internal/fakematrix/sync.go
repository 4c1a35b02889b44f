package fakematrix

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

func parseToken(s string) (int64, bool) {
	n, err := strconv.ParseInt(strings.TrimPrefix(s, "s"), 10, 64)
	return n, err == nil && strings.HasPrefix(s, "s")
}

func (hs *Server) handleFilter(w http.ResponseWriter, r *http.Request, s session) {
	var raw json.RawMessage
	if !decodeBody(w, r, &raw) || !ownPath(w, r, s) {
		return
	}
	hs.mu.Lock()
	fid := hs.nextID("")
	hs.filters[fid] = raw
	hs.mu.Unlock()
	writeJSON(w, map[string]any{"filter_id": fid})
}

// timelineLimit reads room.timeline.limit from an inline or stored filter.
func (hs *Server) timelineLimit(param string) int {
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

func (hs *Server) handleSync(w http.ResponseWriter, r *http.Request, s session) {
	q := r.URL.Query()
	since := int64(-1)
	if tok := q.Get("since"); tok != "" {
		n, ok := parseToken(tok)
		if !ok {
			writeErr(w, http.StatusBadRequest, "M_INVALID_PARAM", "Invalid since token")
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
// is -1). A room s joined since the token comes with the history it may
// see, by the room's history visibility. Callers hold mu.
func (hs *Server) buildSync(s session, since int64, limit int) (map[string]any, bool) {
	join, invite, leave := map[string]any{}, map[string]any{}, map[string]any{}
	for _, rid := range hs.roomOrder {
		room := hs.rooms[rid]
		mem := room.member(s.user)
		if mem == nil {
			continue
		}
		switch mem.Content["membership"] {
		case "join":
			fresh := since < 0 || room.joinPos(s.user) > since
			var evts []*Event
			if fresh {
				evts = room.visibleTo(s.user, room.events)
			} else {
				evts = room.after(since)
			}
			if len(evts) == 0 {
				continue
			}
			tl, limited, prev := tail(evts, limit)
			var state []*Event
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
			leave[rid] = map[string]any{"timeline": map[string]any{"events": wireAll([]*Event{mem}, false)}}
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
func tail(evts []*Event, limit int) ([]*Event, bool, string) {
	if len(evts) <= limit {
		return evts, false, fmt.Sprintf("s%d", evts[0].Pos-1)
	}
	tl := evts[len(evts)-limit:]
	return tl, true, fmt.Sprintf("s%d", tl[0].Pos-1)
}

func latestState(evts []*Event) []*Event {
	latest := map[string]*Event{}
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
	out := make([]*Event, 0, len(order))
	for _, k := range order {
		out = append(out, latest[k])
	}
	return out
}
