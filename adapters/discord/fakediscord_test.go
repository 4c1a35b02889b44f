package discord

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/gorilla/websocket"
)

// fakeDiscord speaks enough of Discord's gateway and REST API for the
// adapter, through discordgo running unchanged: discordgo's HTTP client
// reaches it through a Transport that rewrites discord.com, and the
// gateway URL it returns from /gateway and /gateway/bot is its own
// websocket. It records every REST call and gateway frame, and can
// redeliver events, drop the connection (then expects RESUME and replays
// what was missed) and answer chosen calls with 429s or 5xx.
type fakeDiscord struct {
	t     testing.TB
	token string
	appID string
	bot   *fakeUser
	srv   *httptest.Server

	mu      sync.Mutex
	changed chan struct{} // closed and replaced at every change
	ids     uint64

	calls  []*restCall
	frames []gwFrame
	rules  []*rule

	conn       *websocket.Conn
	sessionID  string
	seq        int64
	history    []dispatched
	overlap    int  // a RESUME also replays this many events the client had
	invalidate bool // the next RESUME is refused with INVALID_SESSION
	// noMessageContent: the Message Content intent is off in the Portal.
	noMessageContent bool
	identifies       []int
	resumes          []resumeFrame

	users        map[string]*fakeUser
	guilds       []*fakeGuild
	channels     map[string]*fakeChannel
	messages     []*fakeMessage
	interactions map[string]*fakeInteraction
	commands     map[string][]commandDef
	commandPuts  map[string]int
	dms          map[string]string
	left         map[string]bool

	feed chan *fakeMessage
}

type fakeUser struct {
	ID, Username, GlobalName string
	Bot                      bool
}

type fakeGuild struct {
	ID, Name, SystemChannel string
	Members                 []string
}

type fakeChannel struct {
	ID, GuildID, Name, ParentID string
	Type                        int
	Invitable                   *bool
	Members                     []string // thread members
	DMUser                      string
}

type fakeAttachment struct {
	Filename, ContentType string
	Data                  []byte
}

type fakeMessage struct {
	ID, ChannelID, InteractionID string
	Content                      string
	Flags                        int
	Allowed                      json.RawMessage
	Components                   json.RawMessage
	Attachments                  []fakeAttachment
	Placeholder                  bool // a deferred response's "thinking…"
	Deleted                      bool
	Edits                        int
	Nonce                        string
}

type fakeInteraction struct {
	ID, Token, GuildID, ChannelID, UserID string
	Type                                  int
	Payload                               []byte
	Expired                               bool // answered too late: Discord forgot it
	Acked                                 bool
	Response                              int
	Original                              *fakeMessage
	Modal                                 json.RawMessage
	Choices                               json.RawMessage
	Followups                             []*fakeMessage
}

type restCall struct {
	N                    int
	Method, Path, Query  string
	ContentType, Auth    string
	Body                 []byte // payload_json for multipart calls
	Files                []fakeAttachment
	Status               int
	InteractionID, Token string
}

type gwFrame struct {
	Out bool // sent by the fake
	Op  int
	T   string
	S   int64
	D   json.RawMessage
}

type dispatched struct {
	seq  int64
	t    string
	data json.RawMessage
}

type resumeFrame struct {
	Token     string `json:"token"`
	SessionID string `json:"session_id"`
	Seq       int64  `json:"seq"`
}

// rule answers matching calls with an error instead of (or after) the
// real answer.
type rule struct {
	method     string
	path       *regexp.Regexp
	left       int
	status     int
	retryAfter float64
	global     bool
	process    bool // handle the call, then lose the answer
}

// commandDef is a registered command as the fake reads it back.
type commandDef struct {
	ID                       string            `json:"id"`
	Name                     string            `json:"name"`
	Type                     int               `json:"type"`
	Description              string            `json:"description"`
	NameLocalizations        map[string]string `json:"name_localizations"`
	DescriptionLocalizations map[string]string `json:"description_localizations"`
	DefaultMemberPermissions *string           `json:"default_member_permissions"`
	Options                  []optionDef       `json:"options"`
}

type optionDef struct {
	Type                     int               `json:"type"`
	Name                     string            `json:"name"`
	Description              string            `json:"description"`
	NameLocalizations        map[string]string `json:"name_localizations"`
	DescriptionLocalizations map[string]string `json:"description_localizations"`
	Required                 bool              `json:"required"`
	Autocomplete             bool              `json:"autocomplete"`
	MinValue                 *float64          `json:"min_value"`
	Choices                  []choiceDef       `json:"choices"`
	Options                  []optionDef       `json:"options"`
}

type choiceDef struct {
	Name              string            `json:"name"`
	NameLocalizations map[string]string `json:"name_localizations"`
	Value             any               `json:"value"`
}

const fakeTimestamp = "2025-01-01T12:00:00.000000+00:00"

func newFakeDiscord(t testing.TB) *fakeDiscord {
	f := &fakeDiscord{
		t:            t,
		token:        "fake.bot.token-S3CR3T",
		changed:      make(chan struct{}),
		ids:          1300000000000000000,
		users:        map[string]*fakeUser{},
		channels:     map[string]*fakeChannel{},
		interactions: map[string]*fakeInteraction{},
		commands:     map[string][]commandDef{},
		commandPuts:  map[string]int{},
		dms:          map[string]string{},
		left:         map[string]bool{},
		feed:         make(chan *fakeMessage, 1000),
	}
	f.appID = f.newID()
	f.bot = f.addUser("entraide", "Entraide")
	f.bot.Bot = true
	mux := http.NewServeMux()
	mux.HandleFunc("/gateway-ws", f.serveGateway)
	mux.HandleFunc("/gateway-ws/", f.serveGateway) // discordgo adds a slash
	mux.HandleFunc("/", f.serveREST)
	f.srv = httptest.NewServer(mux)
	t.Cleanup(func() {
		f.mu.Lock()
		if f.conn != nil {
			f.conn.Close()
		}
		f.mu.Unlock()
		f.srv.Close()
	})
	return f
}

// client is discordgo's HTTP client: discord.com is rewritten to the fake.
func (f *fakeDiscord) client() *http.Client {
	target, _ := url.Parse(f.srv.URL)
	return &http.Client{Transport: rewrite{target: target, base: http.DefaultTransport}, Timeout: 10 * time.Second}
}

type rewrite struct {
	target *url.URL
	base   http.RoundTripper
}

func (rw rewrite) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.URL.Host != "discord.com" && r.URL.Host != "discordapp.com" {
		return nil, fmt.Errorf("fake discord: unexpected host %s", r.URL.Host)
	}
	r = r.Clone(r.Context())
	r.URL.Scheme, r.URL.Host = rw.target.Scheme, rw.target.Host
	r.Host = rw.target.Host
	return rw.base.RoundTrip(r)
}

func (f *fakeDiscord) newID() string {
	f.ids++
	return strconv.FormatUint(f.ids, 10)
}

// bump wakes whoever waits for a change; f.mu is held.
func (f *fakeDiscord) bump() {
	close(f.changed)
	f.changed = make(chan struct{})
}

// wait blocks until cond (run with f.mu held) is true, failing the test
// after a while instead of hanging.
func (f *fakeDiscord) wait(what string, cond func() bool) {
	f.t.Helper()
	if err := f.waitErr(what, cond); err != nil {
		f.t.Fatal(err)
	}
}

// waitErr is wait for callers that must not stop the test themselves.
func (f *fakeDiscord) waitErr(what string, cond func() bool) error {
	deadline := time.After(15 * time.Second)
	for {
		f.mu.Lock()
		ok := cond()
		ch := f.changed
		f.mu.Unlock()
		if ok {
			return nil
		}
		select {
		case <-ch:
		case <-deadline:
			return fmt.Errorf("fake discord: timed out waiting for %s", what)
		}
	}
}

// locked runs fn with the fake's state locked.
func (f *fakeDiscord) locked(fn func()) {
	f.mu.Lock()
	defer f.mu.Unlock()
	fn()
}

func (f *fakeDiscord) addUser(username, global string) *fakeUser {
	f.mu.Lock()
	defer f.mu.Unlock()
	u := &fakeUser{ID: f.newID(), Username: username, GlobalName: global}
	f.users[u.ID] = u
	return u
}

// addGuild makes a guild the bot is in, with a #general channel.
func (f *fakeDiscord) addGuild(name string, members ...*fakeUser) (*fakeGuild, string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	g := &fakeGuild{ID: f.newID(), Name: name}
	g.Members = append(g.Members, f.bot.ID)
	for _, m := range members {
		g.Members = append(g.Members, m.ID)
	}
	f.guilds = append(f.guilds, g)
	general := f.addChannelLocked(g.ID, "general")
	g.SystemChannel = general
	return g, general
}

func (f *fakeDiscord) addChannel(guild, name string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.addChannelLocked(guild, name)
}

func (f *fakeDiscord) addChannelLocked(guild, name string) string {
	c := &fakeChannel{ID: f.newID(), GuildID: guild, Name: name, Type: 0}
	f.channels[c.ID] = c
	return c.ID
}

// --- gateway ---------------------------------------------------------

func (f *fakeDiscord) gatewayURL() string {
	return "ws" + strings.TrimPrefix(f.srv.URL, "http") + "/gateway-ws"
}

var upgrader = websocket.Upgrader{}

func (f *fakeDiscord) serveGateway(w http.ResponseWriter, r *http.Request) {
	if r.URL.Query().Get("encoding") != "json" || r.URL.Query().Get("v") == "" {
		http.Error(w, "want ?v=…&encoding=json", http.StatusBadRequest)
		return
	}
	c, err := upgrader.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	defer c.Close()
	f.mu.Lock()
	f.send(c, 10, "", 0, map[string]any{"heartbeat_interval": 41250})
	f.mu.Unlock()
	for {
		_, data, err := c.ReadMessage()
		if err != nil {
			f.mu.Lock()
			if f.conn == c {
				f.conn = nil
				f.bump()
			}
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
		f.frames = append(f.frames, gwFrame{Op: fr.Op, D: fr.D})
		switch fr.Op {
		case 1: // heartbeat
			f.send(c, 11, "", 0, nil)
		case 2:
			f.identify(c, fr.D)
		case 6:
			f.resume(c, fr.D)
		}
		f.bump()
		f.mu.Unlock()
	}
}

// send writes one gateway frame; f.mu is held, which also serialises
// writes on the connection.
func (f *fakeDiscord) send(c *websocket.Conn, op int, t string, s int64, d any) {
	raw, _ := json.Marshal(d)
	frame := map[string]any{"op": op, "d": json.RawMessage(raw), "t": nil, "s": nil}
	if op == 0 {
		frame["t"], frame["s"] = t, s
	}
	f.frames = append(f.frames, gwFrame{Out: true, Op: op, T: t, S: s, D: raw})
	_ = c.WriteJSON(frame)
}

func (f *fakeDiscord) identify(c *websocket.Conn, d json.RawMessage) {
	var id struct {
		Token   string `json:"token"`
		Intents int    `json:"intents"`
	}
	_ = json.Unmarshal(d, &id)
	if strings.TrimPrefix(id.Token, "Bot ") != f.token {
		_ = c.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(4004, "Authentication failed."))
		return
	}
	if f.noMessageContent && id.Intents&(1<<15) != 0 {
		_ = c.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(4014, "Disallowed intent(s)."))
		return
	}
	f.identifies = append(f.identifies, id.Intents)
	f.sessionID = "session-" + f.newID()
	f.seq, f.history = 0, nil
	f.conn = c
	var unavailable []map[string]any
	for _, g := range f.guilds {
		unavailable = append(unavailable, map[string]any{"id": g.ID, "unavailable": true})
	}
	f.dispatchLocked("READY", map[string]any{
		"v": 10, "user": f.bot.json(), "guilds": unavailable, "session_id": f.sessionID,
		"resume_gateway_url": f.gatewayURL(), "application": map[string]any{"id": f.appID, "flags": 0},
		"private_channels": []any{},
	})
	for _, g := range f.guilds {
		if f.left[g.ID] {
			continue
		}
		f.dispatchLocked("GUILD_CREATE", f.guildJSON(g))
	}
}

func (f *fakeDiscord) resume(c *websocket.Conn, d json.RawMessage) {
	var r resumeFrame
	_ = json.Unmarshal(d, &r)
	f.resumes = append(f.resumes, r)
	if strings.TrimPrefix(r.Token, "Bot ") != f.token || r.SessionID != f.sessionID || f.invalidate {
		f.invalidate = false
		f.send(c, 9, "", 0, false) // the client must IDENTIFY again
		return
	}
	f.conn = c
	// Discord replays what the client missed, then says RESUMED.
	for _, e := range f.history {
		if e.seq > r.Seq-int64(f.overlap) {
			f.send(c, 0, e.t, e.seq, e.data)
		}
	}
	f.overlap = 0
	f.seq++
	f.send(c, 0, "RESUMED", f.seq, map[string]any{})
}

// dispatch sends an event, or keeps it for the next RESUME when the
// client is away.
func (f *fakeDiscord) dispatch(t string, d any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.dispatchLocked(t, d)
}

func (f *fakeDiscord) dispatchLocked(t string, d any) {
	raw, err := json.Marshal(d)
	if err != nil {
		f.t.Fatalf("fake discord: %v", err)
	}
	f.seq++
	f.history = append(f.history, dispatched{seq: f.seq, t: t, data: raw})
	if f.conn != nil {
		f.send(f.conn, 0, t, f.seq, json.RawMessage(raw))
	}
	f.bump()
}

// drop cuts the connection without a close frame, as a network failure.
func (f *fakeDiscord) drop() {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.conn != nil {
		f.conn.UnderlyingConn().Close()
		f.conn = nil
		f.bump()
	}
}

func (f *fakeDiscord) online() bool { return f.conn != nil }

// redeliver dispatches an event again, with its ID, as Discord does
// after a resume.
func (f *fakeDiscord) redeliver(id string) {
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
	if in, ok := f.interactions[id]; ok {
		f.dispatchLocked("INTERACTION_CREATE", json.RawMessage(in.Payload))
		return
	}
	f.t.Fatalf("fake discord: no event %s to redeliver", id)
}

func (f *fakeDiscord) guildJSON(g *fakeGuild) map[string]any {
	var channels, threads []map[string]any
	for _, c := range f.channels {
		if c.GuildID != g.ID {
			continue
		}
		if c.Type == 11 || c.Type == 12 {
			threads = append(threads, f.channelJSON(c))
		} else {
			channels = append(channels, f.channelJSON(c))
		}
	}
	return map[string]any{
		"id": g.ID, "name": g.Name, "unavailable": false, "system_channel_id": g.SystemChannel,
		"channels": channels, "threads": threads, "members": []any{}, "roles": []any{},
		"joined_at": fakeTimestamp, "member_count": len(g.Members),
	}
}

func (u *fakeUser) json() map[string]any {
	m := map[string]any{"id": u.ID, "username": u.Username, "discriminator": "0", "avatar": nil, "bot": u.Bot, "global_name": nil}
	if u.GlobalName != "" {
		m["global_name"] = u.GlobalName
	}
	return m
}

func (f *fakeDiscord) memberJSON(u *fakeUser, withUser bool) map[string]any {
	m := map[string]any{"roles": []any{}, "joined_at": fakeTimestamp, "deaf": false, "mute": false, "nick": nil}
	if withUser {
		m["user"] = u.json()
	}
	return m
}

func (f *fakeDiscord) channelJSON(c *fakeChannel) map[string]any {
	m := map[string]any{"id": c.ID, "type": c.Type, "name": c.Name}
	if c.GuildID != "" {
		m["guild_id"] = c.GuildID
	}
	if c.ParentID != "" {
		m["parent_id"] = c.ParentID
		m["owner_id"] = f.bot.ID
		meta := map[string]any{"archived": false, "locked": false, "auto_archive_duration": 1440}
		if c.Invitable != nil {
			meta["invitable"] = *c.Invitable
		}
		m["thread_metadata"] = meta
	}
	if c.DMUser != "" {
		m["recipients"] = []any{f.users[c.DMUser].json()}
	}
	return m
}

// --- events members cause ---------------------------------------------

// option is one value a member chose in a slash command.
type option struct{ name, value string }

func opt(name, value string) option { return option{name, value} }

// slash makes u run a registered command ("give", "commons give") in a
// channel, the way a Discord client sends it: typed values, <@id> users
// resolved. It refuses what a client would refuse (unknown command or
// option, missing required option, a value not among the choices).
func (f *fakeDiscord) slash(u *fakeUser, channel, command string, opts ...option) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	ch := f.channels[channel]
	if ch == nil {
		return "", fmt.Errorf("no channel %s", channel)
	}
	words := strings.Fields(command)
	var def *commandDef
	for i := range f.commands[ch.GuildID] {
		if f.commands[ch.GuildID][i].Name == words[0] {
			def = &f.commands[ch.GuildID][i]
		}
	}
	if def == nil {
		return "", fmt.Errorf("command %q is not registered", words[0])
	}
	resolvedUsers, resolvedMembers := map[string]any{}, map[string]any{}
	defs := def.Options
	var wrap func([]any) []any = func(o []any) []any { return o }
	for _, sub := range words[1:] {
		var found *optionDef
		for i := range defs {
			if defs[i].Name == sub && (defs[i].Type == 1 || defs[i].Type == 2) {
				found = &defs[i]
			}
		}
		if found == nil {
			return "", fmt.Errorf("%q has no subcommand %q", def.Name, sub)
		}
		outer, name, typ := wrap, found.Name, found.Type
		wrap = func(o []any) []any {
			return outer([]any{map[string]any{"type": typ, "name": name, "options": o}})
		}
		defs = found.Options
	}
	given := map[string]bool{}
	var values []any
	for _, o := range opts {
		var d *optionDef
		for i := range defs {
			if defs[i].Name == o.name {
				d = &defs[i]
			}
		}
		if d == nil {
			return "", fmt.Errorf("%s has no option %q", command, o.name)
		}
		given[o.name] = true
		v := map[string]any{"name": o.name, "type": d.Type}
		switch d.Type {
		case 3:
			v["value"] = o.value
			if len(d.Choices) > 0 && !slices.ContainsFunc(d.Choices, func(c choiceDef) bool { return c.Value == o.value }) {
				return "", fmt.Errorf("%q is not a choice of %s", o.value, o.name)
			}
		case 4:
			n, err := strconv.ParseInt(o.value, 10, 64)
			if err != nil {
				return "", fmt.Errorf("%s takes an integer, not %q", o.name, o.value)
			}
			if d.MinValue != nil && float64(n) < *d.MinValue {
				return "", fmt.Errorf("%s must be at least %v", o.name, *d.MinValue)
			}
			v["value"] = n
		case 6:
			id := strings.Trim(o.value, "<@!>")
			target := f.users[id]
			if target == nil {
				return "", fmt.Errorf("no user %s", id)
			}
			v["value"] = id
			resolvedUsers[id] = target.json()
			resolvedMembers[id] = f.memberJSON(target, false)
		default:
			return "", fmt.Errorf("option type %d not faked", d.Type)
		}
		values = append(values, v)
	}
	for _, d := range defs {
		if d.Required && !given[d.Name] {
			return "", fmt.Errorf("%s needs %s", command, d.Name)
		}
	}
	data := map[string]any{"id": def.ID, "name": def.Name, "type": 1, "guild_id": ch.GuildID, "options": wrap(values)}
	if len(resolvedUsers) > 0 {
		data["resolved"] = map[string]any{"users": resolvedUsers, "members": resolvedMembers}
	}
	return f.interactLocked(2, u, channel, data, nil), nil
}

// interactLocked dispatches an interaction; f.mu is held.
func (f *fakeDiscord) interactLocked(typ int, u *fakeUser, channel string, data any, message map[string]any) string {
	ch := f.channels[channel]
	id := f.newID()
	token := "interaction.token." + id + ".S3CR3T"
	in := map[string]any{
		"id": id, "application_id": f.appID, "type": typ, "token": token, "version": 1,
		"channel_id": channel, "channel": map[string]any{"id": channel, "type": ch.Type},
		"locale": "fr", "data": data, "app_permissions": "2248473465835073",
	}
	if ch.GuildID != "" {
		in["guild_id"] = ch.GuildID
		in["guild_locale"] = "fr"
		in["member"] = f.memberJSON(u, true)
	} else {
		in["user"] = u.json()
	}
	if message != nil {
		in["message"] = message
	}
	raw, _ := json.Marshal(in)
	f.interactions[id] = &fakeInteraction{ID: id, Token: token, GuildID: ch.GuildID, ChannelID: channel, UserID: u.ID, Type: typ, Payload: raw}
	f.dispatchLocked("INTERACTION_CREATE", json.RawMessage(raw))
	return id
}

// press makes u press the button customID under a message.
func (f *fakeDiscord) press(u *fakeUser, messageID, customID string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	m := f.messageLocked(messageID)
	if m == nil {
		f.t.Fatalf("fake discord: no message %s", messageID)
	}
	if !slices.ContainsFunc(m.buttons(), func(b struct{ Label, CustomID string }) bool { return b.CustomID == customID }) {
		f.t.Fatalf("fake discord: message %s has no button %q", messageID, customID)
	}
	return f.interactLocked(3, u, m.ChannelID, map[string]any{"custom_id": customID, "component_type": 2}, f.messageJSON(m))
}

// submit makes u answer the modal the bot showed for interaction id.
func (f *fakeDiscord) submit(u *fakeUser, id, answer string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	in := f.interactions[id]
	if in == nil || in.Modal == nil {
		f.t.Fatalf("fake discord: interaction %s showed no modal", id)
	}
	var m struct {
		CustomID   string `json:"custom_id"`
		Components []struct {
			Components []struct {
				CustomID string `json:"custom_id"`
			} `json:"components"`
		} `json:"components"`
	}
	_ = json.Unmarshal(in.Modal, &m)
	input := m.Components[0].Components[0].CustomID
	data := map[string]any{"custom_id": m.CustomID, "components": []any{
		map[string]any{"type": 1, "components": []any{map[string]any{"type": 4, "custom_id": input, "value": answer}}},
	}}
	return f.interactLocked(5, f.users[u.ID], in.ChannelID, data, nil)
}

// say makes u post a message. Discord sends it only to a bot that asked
// for guild messages, and without its text unless it asked for that too.
func (f *fakeDiscord) say(u *fakeUser, channel, content string) (id string, delivered bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	intents := 0
	if n := len(f.identifies); n > 0 {
		intents = f.identifies[n-1]
	}
	ch := f.channels[channel]
	id = f.newID()
	if intents&(1<<9) == 0 {
		return id, false
	}
	var mentions []any
	for _, m := range userMention.FindAllStringSubmatch(content, -1) {
		if target := f.users[m[1]]; target != nil {
			j := target.json()
			j["member"] = f.memberJSON(target, false)
			mentions = append(mentions, j)
		}
	}
	if intents&(1<<15) == 0 {
		content = ""
	}
	f.dispatchLocked("MESSAGE_CREATE", map[string]any{
		"id": id, "channel_id": channel, "guild_id": ch.GuildID, "author": u.json(), "member": f.memberJSON(u, false),
		"content": content, "timestamp": fakeTimestamp, "tts": false, "mention_everyone": false,
		"mentions": mentions, "mention_roles": []any{}, "attachments": []any{}, "embeds": []any{}, "type": 0, "pinned": false,
	})
	return id, true
}

// --- REST ------------------------------------------------------------

var apiPrefix = regexp.MustCompile(`^/api/v[0-9]+`)

// failCalls makes the next n calls matching method and path fail with
// status; with process the call is handled first and only its answer is
// lost.
func (f *fakeDiscord) failCalls(method, path string, n, status int, process bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.rules = append(f.rules, &rule{method: method, path: regexp.MustCompile(path), left: n, status: status, process: process})
}

// rateLimit answers the next n matching calls with a 429 as Discord does.
func (f *fakeDiscord) rateLimit(method, path string, n int, retryAfter float64, global bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.rules = append(f.rules, &rule{method: method, path: regexp.MustCompile(path), left: n, status: 429, retryAfter: retryAfter, global: global})
}

func (f *fakeDiscord) serveREST(w http.ResponseWriter, r *http.Request) {
	path := apiPrefix.ReplaceAllString(r.URL.Path, "")
	call := &restCall{Method: r.Method, Path: path, Query: r.URL.RawQuery, ContentType: r.Header.Get("Content-Type"), Auth: r.Header.Get("Authorization")}
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
	call.N = len(f.calls) + 1
	f.calls = append(f.calls, call)
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
	if fail != nil && !fail.process {
		call.Status = fail.status
		writeJSON(w, fail.status, map[string]any{"message": http.StatusText(fail.status), "code": 0})
		return
	}
	rec := httptest.NewRecorder()
	if seg[0] != "interactions" && seg[0] != "webhooks" && call.Auth != "Bot "+f.token {
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
	// A bucket with room left, as Discord reports on every answer.
	w.Header().Set("X-RateLimit-Limit", "5")
	w.Header().Set("X-RateLimit-Remaining", "4")
	w.Header().Set("X-RateLimit-Reset-After", "1.000")
	w.Header().Set("X-RateLimit-Bucket", "fake-"+strconv.Itoa(len(seg)))
	w.WriteHeader(rec.Code)
	w.Write(rec.Body.Bytes())
}

// tooMany answers 429 with Discord's headers and JSON body.
func (f *fakeDiscord) tooMany(w http.ResponseWriter, rl *rule) {
	h := w.Header()
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

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func apiError(w http.ResponseWriter, status, code int, msg string) {
	writeJSON(w, status, map[string]any{"message": msg, "code": code})
}

func readMultipart(body []byte, boundary string) (payload []byte, files []fakeAttachment) {
	mr := multipart.NewReader(bytes.NewReader(body), boundary)
	for {
		p, err := mr.NextPart()
		if err != nil {
			return payload, files
		}
		data, _ := io.ReadAll(p)
		if p.FormName() == "payload_json" {
			payload = data
			continue
		}
		files = append(files, fakeAttachment{Filename: p.FileName(), ContentType: p.Header.Get("Content-Type"), Data: data})
	}
}

// route answers one REST call; f.mu is held.
func (f *fakeDiscord) route(w http.ResponseWriter, r *http.Request, seg []string, call *restCall) {
	n := len(seg)
	switch {
	case r.Method == "GET" && n == 1 && seg[0] == "gateway":
		writeJSON(w, 200, map[string]any{"url": f.gatewayURL()})
	case r.Method == "GET" && n == 2 && seg[0] == "gateway" && seg[1] == "bot":
		writeJSON(w, 200, map[string]any{"url": f.gatewayURL(), "shards": 1,
			"session_start_limit": map[string]any{"total": 1000, "remaining": 999, "reset_after": 0, "max_concurrency": 1}})
	case r.Method == "PUT" && n == 5 && seg[0] == "applications" && seg[2] == "guilds" && seg[4] == "commands":
		f.putCommands(w, seg[1], seg[3], call.Body)
	case r.Method == "POST" && n == 4 && seg[0] == "interactions" && seg[3] == "callback":
		f.callback(w, r, seg[1], seg[2], call)
	case seg[0] == "webhooks" && n >= 3:
		f.webhook(w, r, seg, call)
	case seg[0] == "channels" && n >= 2:
		f.channelRoute(w, r, seg, call)
	case r.Method == "GET" && n == 4 && seg[0] == "guilds" && seg[2] == "members":
		g := f.guild(seg[1])
		u := f.users[seg[3]]
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
		if f.users[body.RecipientID] == nil {
			apiError(w, 400, 50035, "Invalid Form Body")
			return
		}
		id, ok := f.dms[body.RecipientID]
		if !ok {
			id = f.newID()
			f.channels[id] = &fakeChannel{ID: id, Type: 1, DMUser: body.RecipientID}
			f.dms[body.RecipientID] = id
		}
		writeJSON(w, 200, f.channelJSON(f.channels[id]))
	case r.Method == "DELETE" && n == 4 && seg[0] == "users" && seg[1] == "@me" && seg[2] == "guilds":
		f.left[seg[3]] = true
		w.WriteHeader(204)
	case r.Method == "GET" && n == 2 && seg[0] == "users":
		u := f.users[seg[1]]
		if u == nil {
			apiError(w, 404, codeUnknownUser, "Unknown User")
			return
		}
		writeJSON(w, 200, u.json())
	default:
		apiError(w, 404, 0, "404: Not Found")
	}
}

func (f *fakeDiscord) guild(id string) *fakeGuild {
	for _, g := range f.guilds {
		if g.ID == id {
			return g
		}
	}
	return nil
}

func (f *fakeDiscord) putCommands(w http.ResponseWriter, app, guild string, body []byte) {
	if app != f.appID || f.guild(guild) == nil {
		apiError(w, 404, 10002, "Unknown Application")
		return
	}
	var cmds []commandDef
	if err := json.Unmarshal(body, &cmds); err != nil {
		apiError(w, 400, 50035, "Invalid Form Body: "+err.Error())
		return
	}
	names := map[string]bool{}
	for i := range cmds {
		c := &cmds[i]
		if !commandName.MatchString(c.Name) || c.Description == "" || utf8.RuneCountInString(c.Description) > 100 || names[c.Name] {
			apiError(w, 400, 50035, "Invalid Form Body: command "+c.Name)
			return
		}
		names[c.Name] = true
		if msg := checkOptions(c.Options); msg != "" {
			apiError(w, 400, 50035, "Invalid Form Body: "+c.Name+": "+msg)
			return
		}
		c.ID = f.newID()
	}
	f.commands[guild] = cmds
	f.commandPuts[guild]++
	out, _ := json.Marshal(cmds)
	var generic []map[string]any
	_ = json.Unmarshal(out, &generic)
	for _, c := range generic {
		c["application_id"], c["guild_id"], c["version"] = f.appID, guild, f.newID()
	}
	writeJSON(w, 200, generic)
}

// checkOptions applies Discord's rules that a wrong registration breaks.
func checkOptions(opts []optionDef) string {
	seenOptional := false
	for _, o := range opts {
		if !commandName.MatchString(o.Name) || o.Description == "" || utf8.RuneCountInString(o.Description) > 100 {
			return "option " + o.Name
		}
		for _, n := range o.NameLocalizations {
			if !commandName.MatchString(n) {
				return "localized name " + n
			}
		}
		if o.Type == 1 || o.Type == 2 {
			if msg := checkOptions(o.Options); msg != "" {
				return msg
			}
			continue
		}
		if o.Required && seenOptional {
			return "required option " + o.Name + " after an optional one"
		}
		seenOptional = seenOptional || !o.Required
		if len(o.Choices) > 25 || (len(o.Choices) > 0 && o.Autocomplete) {
			return "choices of " + o.Name
		}
	}
	return ""
}

// payload is a message body as the fake reads it.
type payload struct {
	Content         string            `json:"content"`
	Nonce           string            `json:"nonce"`
	EnforceNonce    bool              `json:"enforce_nonce"`
	Flags           int               `json:"flags"`
	AllowedMentions json.RawMessage   `json:"allowed_mentions"`
	Components      []json.RawMessage `json:"components"`
	Attachments     []struct {
		ID       int    `json:"id"`
		Filename string `json:"filename"`
	} `json:"attachments"`
}

// readPayload checks a message the way Discord does.
func readPayload(raw []byte, files []fakeAttachment, edit bool) (payload, string) {
	var p payload
	if err := json.Unmarshal(raw, &p); err != nil {
		return p, "unreadable body: " + err.Error()
	}
	if utf8.RuneCountInString(p.Content) > 2000 {
		return p, "content longer than 2000"
	}
	if !edit && strings.TrimSpace(p.Content) == "" && len(p.Components) == 0 && len(files) == 0 {
		return p, "Cannot send an empty message"
	}
	if len(p.Components) > 5 {
		return p, "more than 5 action rows"
	}
	for _, row := range p.Components {
		var r struct {
			Components []struct {
				Label    string `json:"label"`
				CustomID string `json:"custom_id"`
			} `json:"components"`
		}
		_ = json.Unmarshal(row, &r)
		if len(r.Components) > 5 {
			return p, "more than 5 buttons in a row"
		}
		for _, b := range r.Components {
			if utf8.RuneCountInString(b.CustomID) > 100 || b.CustomID == "" || utf8.RuneCountInString(b.Label) > 80 {
				return p, "bad button " + b.CustomID
			}
		}
	}
	if p.AllowedMentions != nil {
		var am struct {
			Parse []string `json:"parse"`
			Users []string `json:"users"`
		}
		_ = json.Unmarshal(p.AllowedMentions, &am)
		if slices.Contains(am.Parse, "users") && len(am.Users) > 0 {
			return p, "allowed_mentions: parse users and users are exclusive"
		}
	}
	if len(p.Nonce) > 25 {
		return p, "nonce longer than 25"
	}
	return p, ""
}

func (f *fakeDiscord) newMessage(channel string, p payload, files []fakeAttachment) *fakeMessage {
	m := &fakeMessage{ID: f.newID(), ChannelID: channel, Nonce: p.Nonce}
	f.apply(m, p, files)
	f.messages = append(f.messages, m)
	return m
}

func (f *fakeDiscord) apply(m *fakeMessage, p payload, files []fakeAttachment) {
	m.Content = p.Content
	m.Flags = p.Flags
	if p.AllowedMentions != nil {
		m.Allowed = p.AllowedMentions
	}
	comps, _ := json.Marshal(p.Components)
	if p.Components == nil {
		comps = []byte("[]")
	}
	m.Components = comps
	if len(files) > 0 {
		m.Attachments = files
	}
}

func (f *fakeDiscord) show(m *fakeMessage) {
	select {
	case f.feed <- m:
	default:
		f.t.Error("fake discord: the feed is full")
	}
}

func (f *fakeDiscord) messageLocked(id string) *fakeMessage {
	for _, m := range f.messages {
		if m.ID == id {
			return m
		}
	}
	return nil
}

func (f *fakeDiscord) messageJSON(m *fakeMessage) map[string]any {
	var atts []any
	for i, a := range m.Attachments {
		atts = append(atts, map[string]any{"id": strconv.Itoa(i + 1), "filename": a.Filename, "content_type": a.ContentType, "size": len(a.Data), "url": "https://cdn.discordapp.com/attachments/" + a.Filename, "proxy_url": ""})
	}
	j := map[string]any{
		"id": m.ID, "channel_id": m.ChannelID, "content": m.Content, "flags": m.Flags, "author": f.bot.json(),
		"components": json.RawMessage(m.Components), "attachments": atts, "embeds": []any{}, "mentions": []any{},
		"mention_roles": []any{}, "timestamp": fakeTimestamp, "type": 0, "tts": false, "pinned": false,
	}
	if m.Nonce != "" {
		j["nonce"] = m.Nonce
	}
	if ch := f.channels[m.ChannelID]; ch != nil && ch.GuildID != "" {
		j["guild_id"] = ch.GuildID
	}
	if m.InteractionID != "" {
		j["webhook_id"] = f.appID
		j["type"] = 20
	}
	return j
}

// callback answers POST /interactions/{id}/{token}/callback.
func (f *fakeDiscord) callback(w http.ResponseWriter, r *http.Request, id, token string, call *restCall) {
	in := f.interactions[id]
	if in == nil || in.Token != token || in.Expired {
		apiError(w, 404, codeUnknownInteraction, "Unknown interaction")
		return
	}
	if in.Acked {
		apiError(w, 400, codeAlreadyAcknowledged, "Interaction has already been acknowledged.")
		return
	}
	var cb struct {
		Type int             `json:"type"`
		Data json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(call.Body, &cb); err != nil {
		apiError(w, 400, 50035, "Invalid Form Body")
		return
	}
	var created *fakeMessage
	switch cb.Type {
	case 4, 5:
		p, problem := readPayload(orEmpty(cb.Data), call.Files, cb.Type == 5)
		if problem != "" {
			apiError(w, 400, 50035, problem)
			return
		}
		created = f.newMessage(in.ChannelID, p, call.Files)
		created.InteractionID = in.ID
		created.Placeholder = cb.Type == 5
		in.Original = created
		if cb.Type == 4 {
			f.show(created)
		}
	case 6:
		if in.Type != 3 && in.Type != 5 {
			apiError(w, 400, 40043, "Interaction response type not valid for this interaction")
			return
		}
	case 8:
		if in.Type != 4 {
			apiError(w, 400, 40043, "Interaction response type not valid for this interaction")
			return
		}
		in.Choices = cb.Data
	case 9:
		if in.Type != 2 && in.Type != 3 {
			apiError(w, 400, 40043, "Interaction response type not valid for this interaction")
			return
		}
		var m struct {
			Title    string `json:"title"`
			CustomID string `json:"custom_id"`
		}
		_ = json.Unmarshal(cb.Data, &m)
		if m.Title == "" || utf8.RuneCountInString(m.Title) > 45 || m.CustomID == "" || utf8.RuneCountInString(m.CustomID) > 100 {
			apiError(w, 400, 50035, "Invalid Form Body: modal")
			return
		}
		in.Modal = cb.Data
	default:
		apiError(w, 400, 50035, "Invalid interaction response type")
		return
	}
	in.Acked, in.Response = true, cb.Type
	if r.URL.Query().Get("with_response") != "true" {
		w.WriteHeader(204)
		return
	}
	res := map[string]any{"type": cb.Type}
	if created != nil {
		res["message"] = f.messageJSON(created)
	}
	writeJSON(w, 200, map[string]any{"interaction": map[string]any{"id": in.ID, "type": in.Type}, "resource": res})
}

func orEmpty(b json.RawMessage) []byte {
	if len(b) == 0 || string(b) == "null" {
		return []byte("{}")
	}
	return b
}

func (f *fakeDiscord) interactionByToken(app, token string) *fakeInteraction {
	if app != f.appID {
		return nil
	}
	for _, in := range f.interactions {
		if in.Token == token {
			return in
		}
	}
	return nil
}

// webhook answers follow-ups and the edits of an interaction's messages.
func (f *fakeDiscord) webhook(w http.ResponseWriter, r *http.Request, seg []string, call *restCall) {
	in := f.interactionByToken(seg[1], seg[2])
	if in == nil || !in.Acked {
		apiError(w, 404, 10015, "Unknown Webhook")
		return
	}
	switch {
	case len(seg) == 3 && r.Method == "POST":
		p, problem := readPayload(call.Body, call.Files, false)
		if problem != "" {
			apiError(w, 400, 50035, problem)
			return
		}
		var m *fakeMessage
		if o := in.Original; o != nil && o.Placeholder && !o.Deleted {
			// Discord's rule: the first follow-up after a deferral
			// replaces the "thinking…", keeping its audience.
			flags := o.Flags
			f.apply(o, p, call.Files)
			o.Flags, o.Placeholder = flags, false
			m = o
		} else {
			m = f.newMessage(in.ChannelID, p, call.Files)
			m.InteractionID = in.ID
			in.Followups = append(in.Followups, m)
		}
		f.show(m)
		if r.URL.Query().Get("wait") == "true" {
			writeJSON(w, 200, f.messageJSON(m))
			return
		}
		w.WriteHeader(204)
	case len(seg) == 5 && seg[3] == "messages":
		var m *fakeMessage
		if seg[4] == "@original" {
			m = in.Original
		} else if mm := f.messageLocked(seg[4]); mm != nil && mm.InteractionID == in.ID {
			m = mm
		}
		if m == nil || m.Deleted {
			apiError(w, 404, codeUnknownMessage, "Unknown Message")
			return
		}
		switch r.Method {
		case "GET":
			writeJSON(w, 200, f.messageJSON(m))
		case "DELETE":
			m.Deleted = true
			w.WriteHeader(204)
		case "PATCH":
			p, problem := readPayload(call.Body, call.Files, true)
			if problem != "" {
				apiError(w, 400, 50035, problem)
				return
			}
			flags := m.Flags
			f.apply(m, p, call.Files)
			m.Flags = flags
			if m.Placeholder {
				m.Placeholder = false
				f.show(m)
			} else {
				m.Edits++
			}
			writeJSON(w, 200, f.messageJSON(m))
		default:
			apiError(w, 405, 0, "405: Method Not Allowed")
		}
	default:
		apiError(w, 404, 0, "404: Not Found")
	}
}

func (f *fakeDiscord) channelRoute(w http.ResponseWriter, r *http.Request, seg []string, call *restCall) {
	ch := f.channels[seg[1]]
	if ch == nil {
		apiError(w, 404, codeUnknownChannel, "Unknown Channel")
		return
	}
	n := len(seg)
	switch {
	case n == 2 && r.Method == "GET":
		writeJSON(w, 200, f.channelJSON(ch))
	case n == 2 && r.Method == "DELETE":
		delete(f.channels, ch.ID)
		writeJSON(w, 200, f.channelJSON(ch))
	case n == 3 && seg[2] == "messages" && r.Method == "POST":
		p, problem := readPayload(call.Body, call.Files, false)
		if problem != "" {
			apiError(w, 400, 50035, problem)
			return
		}
		if p.EnforceNonce && p.Nonce != "" {
			for _, m := range f.messages {
				if m.ChannelID == ch.ID && m.Nonce == p.Nonce {
					writeJSON(w, 200, f.messageJSON(m))
					return
				}
			}
		}
		m := f.newMessage(ch.ID, p, call.Files)
		f.show(m)
		writeJSON(w, 200, f.messageJSON(m))
	case n == 4 && seg[2] == "messages" && r.Method == "PATCH":
		m := f.messageLocked(seg[3])
		if m == nil || m.ChannelID != ch.ID || m.InteractionID != "" && m.Flags&64 != 0 {
			apiError(w, 404, codeUnknownMessage, "Unknown Message")
			return
		}
		p, problem := readPayload(call.Body, call.Files, true)
		if problem != "" {
			apiError(w, 400, 50035, problem)
			return
		}
		f.apply(m, p, call.Files)
		m.Edits++
		writeJSON(w, 200, f.messageJSON(m))
	case n == 5 && seg[2] == "messages" && seg[4] == "threads" && r.Method == "POST":
		m := f.messageLocked(seg[3])
		if m == nil || m.ChannelID != ch.ID {
			apiError(w, 404, codeUnknownMessage, "Unknown Message")
			return
		}
		if f.channels[m.ID] != nil {
			apiError(w, 400, 160004, "A thread has already been created for this message")
			return
		}
		// A thread started on a message has the message's ID.
		f.startThread(w, ch, m.ID, call.Body, 11)
	case n == 3 && seg[2] == "threads" && r.Method == "POST":
		// Discord's default type here is a private thread.
		f.startThread(w, ch, f.newID(), call.Body, 12)
	case n == 4 && seg[2] == "thread-members" && r.Method == "PUT":
		if ch.Type != 11 && ch.Type != 12 {
			apiError(w, 400, 50024, "Cannot execute action on this channel type")
			return
		}
		g := f.guild(ch.GuildID)
		if f.users[seg[3]] == nil || !slices.Contains(g.Members, seg[3]) {
			apiError(w, 404, codeUnknownMember, "Unknown Member")
			return
		}
		if !slices.Contains(ch.Members, seg[3]) {
			ch.Members = append(ch.Members, seg[3])
		}
		w.WriteHeader(204)
	case n == 4 && seg[2] == "thread-members" && r.Method == "DELETE":
		if ch.Type != 11 && ch.Type != 12 {
			apiError(w, 400, 50024, "Cannot execute action on this channel type")
			return
		}
		ch.Members = slices.DeleteFunc(ch.Members, func(m string) bool { return m == seg[3] })
		w.WriteHeader(204)
	case n == 3 && seg[2] == "thread-members" && r.Method == "GET":
		var out []any
		for _, m := range ch.Members {
			out = append(out, map[string]any{"id": ch.ID, "user_id": m, "join_timestamp": fakeTimestamp, "flags": 0})
		}
		writeJSON(w, 200, out)
	default:
		apiError(w, 404, 0, "404: Not Found")
	}
}

func (f *fakeDiscord) startThread(w http.ResponseWriter, parent *fakeChannel, id string, body []byte, defaultType int) {
	var ts struct {
		Name      string `json:"name"`
		Type      int    `json:"type"`
		Invitable *bool  `json:"invitable"`
	}
	if err := json.Unmarshal(body, &ts); err != nil || ts.Name == "" || utf8.RuneCountInString(ts.Name) > 100 {
		apiError(w, 400, 50035, "Invalid Form Body: name")
		return
	}
	if ts.Type == 0 {
		ts.Type = defaultType
	}
	if parent.Type != 0 {
		apiError(w, 400, 50024, "Cannot execute action on this channel type")
		return
	}
	th := &fakeChannel{ID: id, GuildID: parent.GuildID, Name: ts.Name, ParentID: parent.ID, Type: ts.Type, Members: []string{f.bot.ID}}
	if ts.Type == 12 {
		invitable := true
		if ts.Invitable != nil {
			invitable = *ts.Invitable
		}
		th.Invitable = &invitable
	}
	f.channels[id] = th
	writeJSON(w, 201, f.channelJSON(th))
}

// --- what tests read back ----------------------------------------------

// callsTo lists the calls whose path matches re.
func (f *fakeDiscord) callsTo(method, re string) []*restCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	rx := regexp.MustCompile(re)
	var out []*restCall
	for _, c := range f.calls {
		if (method == "" || c.Method == method) && rx.MatchString(c.Path) {
			out = append(out, c)
		}
	}
	return out
}

// interactionCalls are the calls made for one interaction (its callback,
// follow-ups and edits), in order.
func (f *fakeDiscord) interactionCalls(id string) []*restCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	token := ""
	if in := f.interactions[id]; in != nil {
		token = in.Token
	}
	var out []*restCall
	for _, c := range f.calls {
		if c.InteractionID == id || (token != "" && c.Token == token) {
			out = append(out, c)
		}
	}
	return out
}

func (f *fakeDiscord) interaction(id string) fakeInteraction {
	f.mu.Lock()
	defer f.mu.Unlock()
	in := f.interactions[id]
	if in == nil {
		f.t.Fatalf("fake discord: no interaction %s", id)
	}
	return *in
}

// next is the next message members see, failing the test after a while.
func (f *fakeDiscord) next() *fakeMessage {
	f.t.Helper()
	select {
	case m := <-f.feed:
		return m
	case <-time.After(15 * time.Second):
		f.t.Fatal("fake discord: no message from the bot")
		return nil
	}
}

// buttons reads a message's components.
func (m *fakeMessage) buttons() []struct{ Label, CustomID string } {
	var rows []struct {
		Type       int `json:"type"`
		Components []struct {
			Type     int    `json:"type"`
			Label    string `json:"label"`
			CustomID string `json:"custom_id"`
		} `json:"components"`
	}
	_ = json.Unmarshal(m.Components, &rows)
	var out []struct{ Label, CustomID string }
	for _, r := range rows {
		for _, b := range r.Components {
			out = append(out, struct{ Label, CustomID string }{b.Label, b.CustomID})
		}
	}
	return out
}

// allowed reads a message's allowed_mentions.
func (m *fakeMessage) allowed() (parse, users []string, set bool) {
	if m.Allowed == nil {
		return nil, nil, false
	}
	var am struct {
		Parse []string `json:"parse"`
		Users []string `json:"users"`
	}
	_ = json.Unmarshal(m.Allowed, &am)
	return am.Parse, am.Users, true
}

// pinged is who Discord notifies for a message: mentioned users allowed
// by allowed_mentions (all of them when it is absent).
func (m *fakeMessage) pinged() []string {
	parse, users, set := m.allowed()
	var out []string
	for _, mm := range userMention.FindAllStringSubmatch(m.Content, -1) {
		id := mm[1]
		if (!set || slices.Contains(parse, "users") || slices.Contains(users, id)) && !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out
}

// readable is the content as a member reads it: <@id> shows their name.
func (f *fakeDiscord) readable(content string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return userMention.ReplaceAllStringFunc(content, func(tok string) string {
		id := userMention.FindStringSubmatch(tok)[1]
		if u := f.users[id]; u != nil {
			if u.GlobalName != "" {
				return "@" + u.GlobalName
			}
			return "@" + u.Username
		}
		return tok
	})
}
