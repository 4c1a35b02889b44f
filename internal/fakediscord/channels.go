package fakediscord

import (
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"
)

// Channel types and thread settings, from Discord's documentation.
const (
	channelText          = 0
	channelDM            = 1
	channelPublicThread  = 11
	channelPrivateThread = 12
	maxThreadName        = 100
	maxHistoryPage       = 100
)

// archiveDurations are the auto_archive_duration values Discord accepts,
// in minutes.
var archiveDurations = []int{60, 1440, 4320, 10080}

func isThread(c *Channel) bool {
	return c.Type == channelPublicThread || c.Type == channelPrivateThread
}

func (f *Server) channelRoute(w http.ResponseWriter, r *http.Request, seg []string, call *Call) {
	ch := f.Channels[seg[1]]
	if ch == nil {
		apiError(w, 404, codeUnknownChannel, "Unknown Channel")
		return
	}
	if ch.GuildID != "" && !f.botCan(ch.ID, permViewChannel) {
		apiError(w, 403, 50001, "Missing Access")
		return
	}
	n := len(seg)
	switch {
	case n == 2 && r.Method == "GET":
		writeJSON(w, 200, f.channelJSON(ch))
	case n == 2 && r.Method == "PATCH":
		f.editChannel(w, ch, call.Body)
	case n == 2 && r.Method == "DELETE":
		delete(f.Channels, ch.ID)
		writeJSON(w, 200, f.channelJSON(ch))
	case n == 3 && seg[2] == "messages" && r.Method == "GET":
		f.readHistory(w, r, ch)
	case n == 3 && seg[2] == "messages" && r.Method == "POST":
		f.postMessage(w, ch, call)
	case n == 4 && seg[2] == "messages" && r.Method == "PATCH":
		m := f.MessageLocked(seg[3])
		if m == nil || m.ChannelID != ch.ID || m.InteractionID != "" && m.Flags&64 != 0 {
			apiError(w, 404, codeUnknownMessage, "Unknown Message")
			return
		}
		if m.AuthorID != "" {
			apiError(w, 403, 50005, "Cannot edit a message authored by another user")
			return
		}
		p, problem := readPayload(call.Body, call.Files, true)
		if problem != "" {
			apiError(w, 400, codeInvalidFormBody, problem)
			return
		}
		f.apply(m, p, call.Files)
		m.Edits++
		writeJSON(w, 200, f.messageJSON(m))
	case n == 5 && seg[2] == "messages" && seg[4] == "threads" && r.Method == "POST":
		m := f.MessageLocked(seg[3])
		if m == nil || m.ChannelID != ch.ID {
			apiError(w, 404, codeUnknownMessage, "Unknown Message")
			return
		}
		if f.Channels[m.ID] != nil {
			apiError(w, 400, codeThreadExists, "A thread has already been created for this message")
			return
		}
		// A thread started on a message has the message's ID.
		f.startThread(w, ch, m.ID, call.Body, channelPublicThread)
	case n == 3 && seg[2] == "threads" && r.Method == "POST":
		// Discord's default type here is a private thread.
		f.startThread(w, ch, f.NewID(), call.Body, channelPrivateThread)
	case n == 4 && seg[2] == "thread-members" && (r.Method == "PUT" || r.Method == "DELETE"):
		f.threadMember(w, r.Method, ch, seg[3])
	case n == 3 && seg[2] == "thread-members" && r.Method == "GET":
		var out []any
		for _, m := range ch.Members {
			out = append(out, map[string]any{"id": ch.ID, "user_id": m, "join_timestamp": fakeTimestamp, "flags": 0})
		}
		writeJSON(w, 200, out)
	default:
		apiError(w, 404, codeGeneral, "404: Not Found")
	}
}

// postMessage is POST /channels/{id}/messages. In an archived thread it
// unarchives the thread, as a member's message does.
func (f *Server) postMessage(w http.ResponseWriter, ch *Channel, call *Call) {
	need := permSendMessages
	if isThread(ch) {
		need = permSendMessagesInThreads
	}
	if !f.botCan(ch.ID, need) {
		apiError(w, 403, codeMissingPermissions, "Missing Permissions")
		return
	}
	p, problem := readPayload(call.Body, call.Files, false)
	if problem != "" {
		apiError(w, 400, codeInvalidFormBody, problem)
		return
	}
	if p.EnforceNonce && p.Nonce != "" {
		for _, m := range f.Messages {
			if m.ChannelID == ch.ID && m.Nonce == p.Nonce {
				writeJSON(w, 200, f.messageJSON(m))
				return
			}
		}
	}
	ch.Archived, ch.LastActive = false, time.Now()
	m := f.newMessage(ch.ID, p, call.Files)
	f.show(m)
	writeJSON(w, 200, f.messageJSON(m))
}

// readHistory is GET /channels/{id}/messages: newest first, at most limit
// (default 50, at most 100), after or before a message ID. Without the
// Message Content intent, members' texts come empty.
func (f *Server) readHistory(w http.ResponseWriter, r *http.Request, ch *Channel) {
	if !f.botCan(ch.ID, permReadHistory) {
		writeJSON(w, 200, []any{})
		return
	}
	q := r.URL.Query()
	limit := 50
	if l := q.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > maxHistoryPage {
			apiError(w, 400, codeInvalidFormBody, "Invalid Form Body: limit")
			return
		}
		limit = n
	}
	after, _ := strconv.ParseUint(q.Get("after"), 10, 64)
	before, _ := strconv.ParseUint(q.Get("before"), 10, 64)
	var in []*Message
	for _, m := range f.Messages {
		id, _ := strconv.ParseUint(m.ID, 10, 64)
		if m.ChannelID != ch.ID || m.Deleted || m.Flags&64 != 0 || (after != 0 && id <= after) || (before != 0 && id >= before) {
			continue
		}
		in = append(in, m)
	}
	// With after, Discord returns the oldest messages after it; the page
	// is still ordered newest first.
	if after != 0 && len(in) > limit {
		in = in[:limit]
	} else if len(in) > limit {
		in = in[len(in)-limit:]
	}
	intents := 0
	if n := len(f.Identifies); n > 0 {
		intents = f.Identifies[n-1]
	}
	out := []any{}
	for _, m := range slices.Backward(in) {
		if m.AuthorID != "" {
			out = append(out, f.memberMessageJSON(m, intents))
		} else {
			out = append(out, f.messageJSON(m))
		}
	}
	f.HistoryReads++
	writeJSON(w, 200, out)
}

// editChannel is PATCH /channels/{id}: for a thread, its archived state
// and auto-archive duration.
func (f *Server) editChannel(w http.ResponseWriter, ch *Channel, body []byte) {
	var p struct {
		Archived            *bool `json:"archived"`
		AutoArchiveDuration *int  `json:"auto_archive_duration"`
		Locked              *bool `json:"locked"`
	}
	if err := json.Unmarshal(body, &p); err != nil {
		apiError(w, 400, codeInvalidFormBody, "Invalid Form Body")
		return
	}
	if (p.Archived != nil || p.AutoArchiveDuration != nil) && !isThread(ch) {
		apiError(w, 400, codeWrongChannelType, "Cannot execute action on this channel type")
		return
	}
	if p.AutoArchiveDuration != nil {
		if !slices.Contains(archiveDurations, *p.AutoArchiveDuration) {
			apiError(w, 400, codeInvalidFormBody, "Invalid Form Body: auto_archive_duration")
			return
		}
		ch.AutoArchive = *p.AutoArchiveDuration
	}
	if p.Archived != nil {
		ch.Archived = *p.Archived
		ch.LastActive = time.Now()
	}
	writeJSON(w, 200, f.channelJSON(ch))
}

// threadMember is PUT or DELETE /channels/{id}/thread-members/{user}:
// Discord refuses both while the thread is archived.
func (f *Server) threadMember(w http.ResponseWriter, method string, ch *Channel, user string) {
	if !isThread(ch) {
		apiError(w, 400, codeWrongChannelType, "Cannot execute action on this channel type")
		return
	}
	if ch.Archived {
		apiError(w, 400, codeArchivedThread, "Thread is archived")
		return
	}
	if method == "DELETE" {
		ch.Members = slices.DeleteFunc(ch.Members, func(m string) bool { return m == user })
		w.WriteHeader(204)
		return
	}
	g := f.guild(ch.GuildID)
	if f.Users[user] == nil || !slices.Contains(g.Members, user) {
		apiError(w, 404, codeUnknownMember, "Unknown Member")
		return
	}
	if !slices.Contains(ch.Members, user) {
		ch.Members = append(ch.Members, user)
	}
	ch.LastActive = time.Now()
	w.WriteHeader(204)
}

func (f *Server) startThread(w http.ResponseWriter, parent *Channel, id string, body []byte, defaultType int) {
	var ts struct {
		Name                string `json:"name"`
		Type                int    `json:"type"`
		Invitable           *bool  `json:"invitable"`
		AutoArchiveDuration *int   `json:"auto_archive_duration"`
	}
	if err := json.Unmarshal(body, &ts); err != nil || ts.Name == "" || utf8.RuneCountInString(ts.Name) > maxThreadName {
		apiError(w, 400, codeInvalidFormBody, "Invalid Form Body: name")
		return
	}
	if ts.Type == 0 {
		ts.Type = defaultType
	}
	if parent.Type != channelText {
		apiError(w, 400, codeWrongChannelType, "Cannot execute action on this channel type")
		return
	}
	need := permCreatePublicThreads
	if ts.Type == channelPrivateThread {
		need = permCreatePrivateThreads
	}
	if !f.botCan(parent.ID, need) {
		apiError(w, 403, codeMissingPermissions, "Missing Permissions")
		return
	}
	archive := 4320 // the channel's default
	if ts.AutoArchiveDuration != nil {
		if !slices.Contains(archiveDurations, *ts.AutoArchiveDuration) {
			apiError(w, 400, codeInvalidFormBody, "Invalid Form Body: auto_archive_duration")
			return
		}
		archive = *ts.AutoArchiveDuration
	}
	th := &Channel{ID: id, GuildID: parent.GuildID, Name: ts.Name, ParentID: parent.ID, Type: ts.Type,
		Members: []string{f.Bot.ID}, AutoArchive: archive, LastActive: time.Now()}
	if ts.Type == channelPrivateThread {
		invitable := true
		if ts.Invitable != nil {
			invitable = *ts.Invitable
		}
		th.Invitable = &invitable
	}
	f.Channels[id] = th
	writeJSON(w, 201, f.channelJSON(th))
}

// Idle pretends d passes without activity: each thread idle for its
// auto-archive duration by then is archived, as Discord does.
func (f *Server) Idle(d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, ch := range f.Channels {
		if !isThread(ch) || ch.Archived {
			continue
		}
		ch.LastActive = ch.LastActive.Add(-d)
		if time.Since(ch.LastActive) >= time.Duration(ch.AutoArchive)*time.Minute {
			ch.Archived = true
			f.dispatchLocked("THREAD_UPDATE", f.channelJSON(ch))
		}
	}
	f.bump()
}
