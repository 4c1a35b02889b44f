package fakediscord

import (
	"bytes"
	"encoding/json"
	"io"
	"math"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

var apiPrefix = regexp.MustCompile(`^/api/v[0-9]+`)

// failCalls makes the next n calls matching method and path fail with
// status; with process the call is handled first and only its answer is
// lost.
func (f *Server) FailCalls(method, path string, n, status int, process bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.rules = append(f.rules, &rule{method: method, path: regexp.MustCompile(path), left: n, status: status, process: process})
}

// rateLimit answers the next n matching calls with a 429 as Discord does.
func (f *Server) RateLimit(method, path string, n int, retryAfter float64, global bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.rules = append(f.rules, &rule{method: method, path: regexp.MustCompile(path), left: n, status: 429, retryAfter: retryAfter, global: global})
}

func (f *Server) serveREST(w http.ResponseWriter, r *http.Request) {
	path := apiPrefix.ReplaceAllString(r.URL.Path, "")
	call := &Call{Method: r.Method, Path: path, Query: r.URL.RawQuery, ContentType: r.Header.Get("Content-Type"), Auth: r.Header.Get("Authorization")}
	raw, _ := io.ReadAll(r.Body)
	call.Body = raw
	if mt, params, err := mime.ParseMediaType(call.ContentType); err == nil && mt == "multipart/form-data" {
		call.Body, call.Files = readMultipart(raw, params["boundary"])
	}
	seg := strings.Split(strings.Trim(path, "/"), "/")
	if len(seg) >= 3 && (seg[0] == "interactions" || seg[0] == "webhooks") {
		call.Token = seg[2]
		if seg[0] == "interactions" {
			call.InteractionID = seg[1]
		}
	}

	f.mu.Lock()
	defer f.mu.Unlock()
	call.N = len(f.Calls) + 1
	f.Calls = append(f.Calls, call)
	defer f.bump()

	var fail *rule
	for _, rl := range f.rules {
		if rl.left > 0 && rl.method == r.Method && rl.path.MatchString(path) {
			rl.left--
			fail = rl
			break
		}
	}
	if fail != nil && fail.status == 429 {
		call.Status = 429
		f.tooMany(w, fail)
		return
	}
	if f.limited(w, r.Method, path) {
		call.Status = 429
		return
	}
	if fail != nil && !fail.process {
		call.Status = fail.status
		writeJSON(w, fail.status, map[string]any{"message": http.StatusText(fail.status), "code": 0})
		return
	}
	rec := httptest.NewRecorder()
	if seg[0] != "interactions" && seg[0] != "webhooks" && call.Auth != "Bot "+f.Token {
		writeJSON(rec, 401, map[string]any{"message": "401: Unauthorized", "code": 0})
	} else {
		f.route(rec, r, seg, call)
	}
	if fail != nil {
		call.Status = fail.status
		writeJSON(w, fail.status, map[string]any{"message": http.StatusText(fail.status), "code": 0})
		return
	}
	call.Status = rec.Code
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	if w.Header().Get("X-RateLimit-Bucket") == "" {
		// A bucket with room left, as Discord reports on every answer.
		w.Header().Set("X-RateLimit-Limit", "5")
		w.Header().Set("X-RateLimit-Remaining", "4")
		w.Header().Set("X-RateLimit-Reset-After", "1.000")
		w.Header().Set("X-RateLimit-Bucket", "fake-"+strconv.Itoa(len(seg)))
	}
	w.WriteHeader(rec.Code)
	w.Write(rec.Body.Bytes())
}

// tooMany answers 429 with Discord's headers and JSON body.
func (f *Server) tooMany(w http.ResponseWriter, rl *rule) {
	f.TooMany++
	h := w.Header()
	if rl.html {
		h.Set("Retry-After", strconv.Itoa(int(math.Ceil(rl.retryAfter))))
		h.Set("Content-Type", "text/html")
		w.WriteHeader(429)
		w.Write([]byte("<html><head><title>Error 1015</title></head><body>You are being rate limited.</body></html>"))
		return
	}
	h.Set("Retry-After", strconv.Itoa(int(math.Ceil(rl.retryAfter))))
	h.Set("X-RateLimit-Limit", "5")
	h.Set("X-RateLimit-Remaining", "0")
	h.Set("X-RateLimit-Reset", strconv.FormatFloat(float64(time.Now().Add(time.Duration(rl.retryAfter*float64(time.Second))).UnixMilli())/1000, 'f', 3, 64))
	h.Set("X-RateLimit-Reset-After", strconv.FormatFloat(rl.retryAfter, 'f', 3, 64))
	h.Set("X-RateLimit-Bucket", "fake-limited")
	scope := "user"
	if rl.global {
		scope = "global"
		h.Set("X-RateLimit-Global", "true")
	}
	h.Set("X-RateLimit-Scope", scope)
	writeJSON(w, 429, map[string]any{"message": "You are being rate limited.", "retry_after": rl.retryAfter, "global": rl.global})
}

func readMultipart(body []byte, boundary string) (Payload []byte, files []Attachment) {
	mr := multipart.NewReader(bytes.NewReader(body), boundary)
	for {
		p, err := mr.NextPart()
		if err != nil {
			return Payload, files
		}
		data, _ := io.ReadAll(p)
		if p.FormName() == "payload_json" {
			Payload = data
			continue
		}
		files = append(files, Attachment{Filename: p.FileName(), ContentType: p.Header.Get("Content-Type"), Data: data})
	}
}

// route answers one REST call; f.mu is held.
func (f *Server) route(w http.ResponseWriter, r *http.Request, seg []string, call *Call) {
	n := len(seg)
	switch {
	case r.Method == "GET" && n == 1 && seg[0] == "gateway":
		writeJSON(w, 200, map[string]any{"url": f.GatewayURL()})
	case r.Method == "GET" && n == 2 && seg[0] == "gateway" && seg[1] == "bot":
		writeJSON(w, 200, map[string]any{"url": f.GatewayURL(), "shards": 1,
			"session_start_limit": map[string]any{"total": 1000, "remaining": 999, "reset_after": 0, "max_concurrency": 1}})
	case r.Method == "PUT" && n == 5 && seg[0] == "applications" && seg[2] == "guilds" && seg[4] == "commands":
		f.putCommands(w, seg[1], seg[3], call.Body)
	case r.Method == "POST" && n == 4 && seg[0] == "interactions" && seg[3] == "callback":
		f.callback(w, r, seg[1], seg[2], call)
	case seg[0] == "webhooks" && n >= 3:
		f.webhook(w, r, seg, call)
	case seg[0] == "channels" && n >= 2:
		f.channelRoute(w, r, seg, call)
	case r.Method == "GET" && n == 2 && seg[0] == "guilds":
		g := f.guild(seg[1])
		if g == nil || f.Left[g.ID] {
			apiError(w, 404, codeUnknownGuild, "Unknown Guild")
			return
		}
		j := f.guildJSON(g)
		delete(j, "channels")
		delete(j, "threads")
		writeJSON(w, 200, j)
	case r.Method == "GET" && n == 3 && seg[0] == "guilds" && seg[2] == "members":
		f.listGuildMembers(w, r, seg[1])
	case r.Method == "GET" && n == 4 && seg[0] == "guilds" && seg[2] == "members":
		g := f.guild(seg[1])
		u := f.Users[seg[3]]
		if g == nil || u == nil || !slices.Contains(g.Members, u.ID) {
			apiError(w, 404, codeUnknownMember, "Unknown Member")
			return
		}
		writeJSON(w, 200, f.memberJSON(u, true))
	case r.Method == "POST" && n == 3 && seg[0] == "users" && seg[1] == "@me" && seg[2] == "channels":
		var body struct {
			RecipientID string `json:"recipient_id"`
		}
		_ = json.Unmarshal(call.Body, &body)
		if f.Users[body.RecipientID] == nil {
			apiError(w, 400, 50035, "Invalid Form Body")
			return
		}
		id, ok := f.DMs[body.RecipientID]
		if !ok {
			id = f.NewID()
			f.Channels[id] = &Channel{ID: id, Type: 1, DMUser: body.RecipientID}
			f.DMs[body.RecipientID] = id
		}
		writeJSON(w, 200, f.channelJSON(f.Channels[id]))
	case r.Method == "DELETE" && n == 4 && seg[0] == "users" && seg[1] == "@me" && seg[2] == "guilds":
		f.Left[seg[3]] = true
		w.WriteHeader(204)
	case r.Method == "GET" && n == 2 && seg[0] == "users":
		u := f.Users[seg[1]]
		if seg[1] == "@me" {
			u = f.Bot
		}
		if u == nil {
			apiError(w, 404, codeUnknownUser, "Unknown User")
			return
		}
		writeJSON(w, 200, u.json())
	default:
		apiError(w, 404, 0, "404: Not Found")
	}
}

func (f *Server) guild(id string) *Guild {
	for _, g := range f.Guilds {
		if g.ID == id {
			return g
		}
	}
	return nil
}
