package fakediscord

import (
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strings"

	"github.com/gorilla/websocket"
)

// GatewayURL is what GET /gateway answers; ResumeURL is the session's
// resume_gateway_url, where Discord wants RESUMEs.
func (f *Server) GatewayURL() string {
	return "ws" + strings.TrimPrefix(f.Srv.URL, "http") + "/gateway-ws"
}

func (f *Server) ResumeURL() string {
	return "ws" + strings.TrimPrefix(f.Srv.URL, "http") + "/resume-ws"
}

var upgrader = websocket.Upgrader{}

func (f *Server) serveGateway(w http.ResponseWriter, r *http.Request) {
	if r.URL.Query().Get("encoding") != "json" || r.URL.Query().Get("v") == "" {
		http.Error(w, "want ?v=…&encoding=json", http.StatusBadRequest)
		return
	}
	f.mu.Lock()
	down := f.GatewayDown
	f.mu.Unlock()
	if down {
		http.Error(w, "upstream connect error", http.StatusServiceUnavailable)
		return
	}
	c, err := upgrader.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	defer c.Close()
	atResumeURL := strings.HasPrefix(r.URL.Path, "/resume-ws")
	f.mu.Lock()
	f.send(c, 10, "", 0, map[string]any{"heartbeat_interval": f.HeartbeatInterval.Milliseconds()})
	f.mu.Unlock()
	for {
		_, data, err := c.ReadMessage()
		if err != nil {
			f.mu.Lock()
			// A client that closes with 1000 or 1001 ends its session:
			// Discord will not resume it.
			var ce *websocket.CloseError
			if errors.As(err, &ce) && (ce.Code == websocket.CloseNormalClosure || ce.Code == websocket.CloseGoingAway) && f.conn == c {
				f.sessionEnded = true
				f.ClientCloses = append(f.ClientCloses, ce.Code)
			} else if errors.As(err, &ce) {
				f.ClientCloses = append(f.ClientCloses, ce.Code)
			}
			if f.conn == c {
				f.conn = nil
			}
			f.bump()
			f.mu.Unlock()
			return
		}
		var fr struct {
			Op int             `json:"op"`
			D  json.RawMessage `json:"d"`
		}
		if err := json.Unmarshal(data, &fr); err != nil {
			f.t.Errorf("fake discord: unreadable gateway frame %s", data)
			return
		}
		f.mu.Lock()
		f.Frames = append(f.Frames, Frame{Op: fr.Op, D: fr.D})
		switch fr.Op {
		case 1: // heartbeat
			if !f.SilenceAcks {
				f.send(c, 11, "", 0, nil)
			}
		case 2:
			f.identify(c, fr.D)
		case 6:
			f.resume(c, fr.D, atResumeURL)
		}
		f.bump()
		f.mu.Unlock()
	}
}

// send writes one gateway frame; f.mu is held, which also serialises
// writes on the connection.
func (f *Server) send(c *websocket.Conn, op int, t string, s int64, d any) {
	raw, _ := json.Marshal(d)
	frame := map[string]any{"op": op, "d": json.RawMessage(raw), "t": nil, "s": nil}
	if op == 0 {
		frame["t"], frame["s"] = t, s
	}
	f.Frames = append(f.Frames, Frame{Out: true, Op: op, T: t, S: s, D: raw})
	_ = c.WriteJSON(frame)
}

func (f *Server) identify(c *websocket.Conn, d json.RawMessage) {
	var id struct {
		Token   string `json:"token"`
		Intents int    `json:"intents"`
	}
	_ = json.Unmarshal(d, &id)
	if strings.TrimPrefix(id.Token, "Bot ") != f.Token {
		_ = c.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(4004, "Authentication failed."))
		return
	}
	if f.NoMessageContent && id.Intents&(1<<15) != 0 || !f.GuildMembersIntent && id.Intents&intentGuildMembers != 0 {
		_ = c.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(4014, "Disallowed intent(s)."))
		return
	}
	f.Identifies = append(f.Identifies, id.Intents)
	f.SessionID = "session-" + f.NewID()
	f.sessionEnded = false
	f.Seq, f.history = 0, nil
	f.conn = c
	var unavailable []map[string]any
	for _, g := range f.Guilds {
		unavailable = append(unavailable, map[string]any{"id": g.ID, "unavailable": true})
	}
	f.dispatchLocked("READY", map[string]any{
		"v": 10, "user": f.Bot.json(), "guilds": unavailable, "session_id": f.SessionID,
		"resume_gateway_url": f.ResumeURL(), "application": map[string]any{"id": f.AppID, "flags": 0},
		"private_channels": []any{},
	})
	for _, g := range f.Guilds {
		if f.Left[g.ID] {
			continue
		}
		f.dispatchLocked("GUILD_CREATE", f.guildJSON(g))
	}
}

// resume answers a RESUME: Discord replays what the session missed, if
// the session can be resumed at all. It cannot after the client closed
// with 1000/1001, nor (with ResumeURLOnly) when the client ignored the
// session's resume_gateway_url; a sequence number from the future closes
// the connection with 4007.
func (f *Server) resume(c *websocket.Conn, d json.RawMessage, atResumeURL bool) {
	var r ResumeFrame
	_ = json.Unmarshal(d, &r)
	f.Resumes = append(f.Resumes, r)
	if r.Seq > f.Seq && r.SessionID == f.SessionID {
		_ = c.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(4007, "Invalid seq."))
		return
	}
	if strings.TrimPrefix(r.Token, "Bot ") != f.Token || r.SessionID != f.SessionID || f.Invalidate || f.sessionEnded ||
		(f.ResumeURLOnly && !atResumeURL) {
		f.Invalidate = false
		f.RefusedResumes++
		f.send(c, 9, "", 0, false) // the client must IDENTIFY again
		return
	}
	f.conn = c
	// Discord replays what the client missed, then says RESUMED.
	for _, e := range f.history {
		if e.seq > r.Seq-int64(f.Overlap) {
			f.send(c, 0, e.t, e.seq, e.data)
		}
	}
	f.Overlap = 0
	f.Seq++
	f.send(c, 0, "RESUMED", f.Seq, map[string]any{})
}

// dispatchLocked sends an event, or keeps it for the next RESUME when the
// client is away; f.mu is held.
func (f *Server) dispatchLocked(t string, d any) {
	raw, err := json.Marshal(d)
	if err != nil {
		f.t.Fatalf("fake discord: %v", err)
	}
	f.Seq++
	f.history = append(f.history, dispatched{seq: f.Seq, t: t, data: raw})
	if f.conn != nil {
		f.send(f.conn, 0, t, f.Seq, json.RawMessage(raw))
	}
	f.bump()
}

// Reconnect asks the client to reconnect and resume (op 7), as Discord
// does before moving a session.
func (f *Server) Reconnect() {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.conn != nil {
		f.send(f.conn, 7, "", 0, nil)
	}
}

// TimeOut closes the connection with 4009 (session timed out): the
// session is gone and the client must identify again.
func (f *Server) TimeOut() {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.conn != nil {
		_ = f.conn.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(4009, "Session timed out."))
		f.conn.Close()
		f.conn = nil
		f.sessionEnded = true
		f.bump()
	}
}

// drop cuts the connection without a close frame, as a network failure.
func (f *Server) Drop() {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.conn != nil {
		f.conn.UnderlyingConn().Close()
		f.conn = nil
		f.bump()
	}
}

func (f *Server) Online() bool { return f.conn != nil }

// redeliver dispatches an event again, with its ID, as Discord does
// after a resume.
func (f *Server) Redeliver(id string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, e := range slices.Backward(f.history) {
		var head struct {
			ID string `json:"id"`
		}
		_ = json.Unmarshal(e.data, &head)
		if head.ID == id {
			f.dispatchLocked(e.t, e.data)
			return
		}
	}
	if in, ok := f.Interactions[id]; ok {
		f.dispatchLocked("INTERACTION_CREATE", json.RawMessage(in.Payload))
		return
	}
	f.t.Fatalf("fake discord: no event %s to redeliver", id)
}
