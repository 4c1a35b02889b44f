// Package fakematrix is a Matrix homeserver for tests. It speaks the
// client-server API over HTTP (sync tokens and long polls, transaction IDs,
// rooms, membership and power levels, history visibility, /messages,
// media, account data, and the key and to-device endpoints of end-to-end
// encryption) and answers refusals with the spec's error shapes, so that
// a client that a real homeserver would refuse is refused here too.
//
// It is written from the Matrix specification, not from any client: it
// imports nothing of the code it tests. Tests act as members through real
// mautrix clients (Member), inject failures (Fail), and read what was
// sent (EventsIn, Next).
package fakematrix

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"maunium.net/go/mautrix"
)

// Server is the homeserver. Its zero value is not usable: call New.
type Server struct {
	t    testing.TB
	srv  *httptest.Server
	name string // the server name in IDs: example.org

	mu        sync.Mutex
	wake      chan struct{} // closed and replaced on every change
	closed    chan struct{}
	pos       int64 // the stream position: sync tokens are "s<pos>"
	seq       int
	users     map[string]*user
	sessions  map[string]session // by access token
	rooms     map[string]*room
	roomOrder []string
	txns      map[string]string // access token + txn ID → event ID
	media     map[string]Media
	filters   map[string]json.RawMessage
	faults    []*Fault
	requests  []Request
	logins    int
	all       []*Event // every room event, in order
	limits    map[string]*bucket
	clients   map[string]*mautrix.Client

	deviceKeys map[string]map[string]json.RawMessage
	otks       map[string]map[string]map[string]json.RawMessage
	toDevice   map[string]map[string][]toDeviceMsg
	keyChanges []keyChange
	// heldToDevice users get no to-device messages until released, as when
	// a room key travels slower than the message it opens.
	heldToDevice map[string]bool
	// accountData is each user's global account data (m.direct…), by type.
	accountData map[string]map[string]json.RawMessage
	// refuseInvites are users whose server turns invitations down: a
	// createRoom or an invite naming them fails.
	refuseInvites map[string]bool
}

type user struct{ id, display, password string }

type session struct{ user, device string }

// Media is a file in the media repository.
type Media struct {
	Data []byte
	MIME string
	Name string
}

// toDeviceMsg waits in a device's inbox until a sync acknowledges it (its
// since token is past the response that carried it), as the spec requires.
type toDeviceMsg struct {
	typ     string
	sender  string
	content json.RawMessage
	sentIn  int64 // the position of the response that carried it, or 0
}

type keyChange struct {
	pos  int64
	user string
}

// Request is one request the server answered.
type Request struct {
	Method, Path string
	Status       int
	User         string
}

// Fault makes matching requests fail: Times times, the next ones pass.
type Fault struct {
	Method, Path string // Path is a substring of the unescaped path
	User         string // only this user's requests; "" for anyone's
	Times        int
	Status       int           // 429 answers M_LIMIT_EXCEEDED
	RetryAfter   time.Duration // retry_after_ms in a 429's body
	Drop         bool          // close the connection without an answer
	// Lost handles the request, then closes the connection: the client
	// can't know it went through.
	Lost bool
}

// New starts a server named example.org, stopped when the test ends.
func New(t testing.TB) *Server {
	hs := &Server{
		t: t, name: "example.org",
		wake: make(chan struct{}), closed: make(chan struct{}),
		users: map[string]*user{}, sessions: map[string]session{},
		rooms: map[string]*room{}, txns: map[string]string{},
		media: map[string]Media{}, filters: map[string]json.RawMessage{},
		limits: map[string]*bucket{}, clients: map[string]*mautrix.Client{},
		deviceKeys:   map[string]map[string]json.RawMessage{},
		otks:         map[string]map[string]map[string]json.RawMessage{},
		toDevice:     map[string]map[string][]toDeviceMsg{},
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

// URL is the client API's base URL.
func (hs *Server) URL() string { return hs.srv.URL }

// Name is the server name users and rooms carry: example.org.
func (hs *Server) Name() string { return hs.name }

// HTTPClient reaches the server.
func (hs *Server) HTTPClient() *http.Client { return hs.srv.Client() }

// changed wakes the long polls; callers hold mu.
func (hs *Server) changed() {
	close(hs.wake)
	hs.wake = make(chan struct{})
}

func (hs *Server) nextID(prefix string) string {
	hs.seq++
	return fmt.Sprintf("%s%d", prefix, hs.seq)
}

// ---- the HTTP API ----

type handler func(w http.ResponseWriter, r *http.Request, s session)

func (hs *Server) routes() http.Handler {
	mux := http.NewServeMux()
	open := func(pattern string, h http.HandlerFunc) { mux.HandleFunc(pattern, h) }
	authed := func(pattern string, h handler) {
		mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
			token := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
			hs.mu.Lock()
			s, ok := hs.sessions[token]
			hs.mu.Unlock()
			if !ok {
				writeJSONStatus(w, http.StatusUnauthorized, map[string]any{
					"errcode": "M_UNKNOWN_TOKEN", "error": "Unrecognised access token", "soft_logout": false})
				return
			}
			r.Header.Set("X-Fake-User", s.user)
			h(w, r, s)
		})
	}
	// limited are the requests a user's rate limit counts, as a
	// homeserver's message and room-creation limits do.
	limited := func(pattern string, h handler) {
		authed(pattern, func(w http.ResponseWriter, r *http.Request, s session) {
			if wait, ok := hs.take(s.user); !ok {
				writeJSONStatus(w, http.StatusTooManyRequests, map[string]any{
					"errcode": "M_LIMIT_EXCEEDED", "error": "Too Many Requests", "retry_after_ms": wait.Milliseconds()})
				return
			}
			h(w, r, s)
		})
	}
	const c = "/_matrix/client/v3"
	open("GET /_matrix/client/versions", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, map[string]any{"versions": []string{"v1.11", "v1.12"}})
	})
	open("POST "+c+"/login", hs.handleLogin)
	authed("GET "+c+"/account/whoami", func(w http.ResponseWriter, r *http.Request, s session) {
		writeJSON(w, map[string]any{"user_id": s.user, "device_id": s.device})
	})
	authed("POST "+c+"/user/{user}/filter", hs.handleFilter)
	authed("GET "+c+"/sync", hs.handleSync)
	limited("PUT "+c+"/rooms/{room}/send/{type}/{txn}", hs.handleSend)
	limited("PUT "+c+"/rooms/{room}/state/{type}", hs.handlePutState)
	limited("PUT "+c+"/rooms/{room}/state/{type}/{key...}", hs.handlePutState)
	authed("GET "+c+"/rooms/{room}/state", hs.handleGetState)
	authed("GET "+c+"/rooms/{room}/state/{type}/{key...}", hs.handleGetStateEvent)
	limited("PUT "+c+"/rooms/{room}/redact/{event}/{txn}", hs.handleRedact)
	limited("POST "+c+"/createRoom", hs.handleCreateRoom)
	limited("POST "+c+"/rooms/{room}/invite", hs.handleInvite)
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
	authed("POST "+c+"/keys/device_signing/upload", func(w http.ResponseWriter, r *http.Request, s session) { writeJSON(w, map[string]any{}) })
	authed("POST "+c+"/keys/signatures/upload", func(w http.ResponseWriter, r *http.Request, s session) {
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
		hs.requests = append(hs.requests, Request{Method: r.Method, Path: r.URL.Path, Status: rec.status, User: r.Header.Get("X-Fake-User")})
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
func (hs *Server) injectFault(w http.ResponseWriter, r *http.Request, mux http.Handler) bool {
	hs.mu.Lock()
	caller := hs.sessions[strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")].user
	var f *Fault
	for _, cand := range hs.faults {
		if cand.Times > 0 && cand.Method == r.Method && strings.Contains(r.URL.Path, cand.Path) && (cand.User == "" || cand.User == caller) {
			f = cand
			f.Times--
			break
		}
	}
	if f != nil {
		hs.requests = append(hs.requests, Request{Method: r.Method, Path: r.URL.Path, Status: f.Status, User: caller})
	}
	hs.mu.Unlock()
	switch {
	case f == nil:
		return false
	case f.Lost:
		r.Header.Set("X-Fake-Lost", "1")
		mux.ServeHTTP(httptest.NewRecorder(), r)
		fallthrough
	case f.Drop:
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			conn.Close()
		}
	case f.Status == http.StatusTooManyRequests:
		writeJSONStatus(w, f.Status, map[string]any{"errcode": "M_LIMIT_EXCEEDED", "error": "Too Many Requests", "retry_after_ms": f.RetryAfter.Milliseconds()})
	default:
		writeErr(w, f.Status, "M_UNKNOWN", "Internal server error")
	}
	return true
}

func writeJSON(w http.ResponseWriter, v any) { writeJSONStatus(w, http.StatusOK, v) }

func writeJSONStatus(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// writeErr answers the spec's standard error object.
func writeErr(w http.ResponseWriter, status int, code, msg string) {
	writeJSONStatus(w, status, map[string]any{"errcode": code, "error": msg})
}

// decodeBody reads the request's JSON object into v, answering M_NOT_JSON
// or M_BAD_JSON as the spec says when it cannot.
func decodeBody(w http.ResponseWriter, r *http.Request, v any) bool {
	data, err := io.ReadAll(r.Body)
	if err != nil {
		writeErr(w, http.StatusBadRequest, "M_UNKNOWN", err.Error())
		return false
	}
	data = bytes.TrimSpace(data)
	if len(data) == 0 {
		data = []byte("{}")
	}
	if !json.Valid(data) {
		writeErr(w, http.StatusBadRequest, "M_NOT_JSON", "Content not JSON.")
		return false
	}
	if data[0] != '{' {
		writeErr(w, http.StatusBadRequest, "M_BAD_JSON", "Content must be a JSON object.")
		return false
	}
	if err := json.Unmarshal(data, v); err != nil {
		writeErr(w, http.StatusBadRequest, "M_BAD_JSON", err.Error())
		return false
	}
	return true
}

// ownPath refuses a request on another user's /user/{user}/… path.
func ownPath(w http.ResponseWriter, r *http.Request, s session) bool {
	if r.PathValue("user") != s.user {
		writeErr(w, http.StatusForbidden, "M_FORBIDDEN", "Cannot act for other users.")
		return false
	}
	return true
}
