package fakediscord

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// Server speaks enough of Discord's gateway and REST API for the
// adapter, through discordgo running unchanged: discordgo's HTTP client
// reaches it through a Transport that rewrites discord.com, and the
// gateway URL it returns from /gateway and /gateway/bot is its own
// websocket. It records every REST call and gateway frame, and can
// redeliver events, drop the connection (then expects RESUME and replays
// what was missed) and answer chosen calls with 429s or 5xx.
type Server struct {
	t     testing.TB
	Token string
	AppID string
	Bot   *User
	Srv   *httptest.Server

	mu      sync.Mutex
	changed chan struct{} // closed and replaced at every change
	ids     uint64

	Calls  []*Call
	Frames []Frame
	rules  []*rule

	conn       *websocket.Conn
	SessionID  string
	Seq        int64
	history    []dispatched
	Overlap    int  // a RESUME also replays this many events the client had
	Invalidate bool // the next RESUME is refused with INVALID_SESSION
	// ResponseWindow is how long an interaction waits for its first
	// response (Discord: 3 seconds); TokenLifetime how long its token
	// then works for follow-ups and edits (15 minutes).
	ResponseWindow, TokenLifetime time.Duration
	// HeartbeatInterval is what HELLO says; SilenceAcks stops the heartbeat
	// ACKs, as a zombied connection does.
	HeartbeatInterval time.Duration
	SilenceAcks       bool
	// GatewayDown refuses gateway connections, as an outage does.
	GatewayDown bool
	// ResumeURLOnly refuses RESUMEs that do not come through the session's
	// resume_gateway_url (Discord asks clients to use it).
	ResumeURLOnly bool
	// ClientCloses are the close codes clients sent; RefusedResumes the
	// RESUMEs answered with INVALID_SESSION.
	ClientCloses   []int
	RefusedResumes int
	sessionEnded   bool
	// TooMany counts the 429s answered.
	TooMany  int
	perRoute bool
	buckets  map[string]*bucket
	// noMessageContent: the Message Content intent is off in the Portal.
	NoMessageContent bool
	// GuildMembersIntent: the Server Members intent is on in the Portal
	// (guildmembers.go).
	GuildMembersIntent bool
	Identifies         []int
	Resumes            []ResumeFrame

	Users        map[string]*User
	Guilds       []*Guild
	Channels     map[string]*Channel
	Messages     []*Message
	Interactions map[string]*Interaction
	Commands     map[string][]CommandDef
	CommandPuts  map[string]int
	// HistoryReads counts GET /channels/{id}/messages.
	HistoryReads int
	DMs          map[string]string
	Left         map[string]bool

	Feed chan *Message
}

type User struct {
	ID, Username, GlobalName string
	Bot                      bool
}

type Guild struct {
	ID, Name, SystemChannel string
	Members                 []string
	// EveryonePerms are the @everyone role's permissions (the role's ID is
	// the guild's); BotPerms the bot's own role's.
	EveryonePerms, BotPerms int64
	BotRole                 string
}

type Channel struct {
	ID, GuildID, Name, ParentID string
	Type                        int
	Invitable                   *bool
	Members                     []string // thread members
	DMUser                      string
	// A thread archives after AutoArchive minutes without activity; then
	// Discord refuses member changes until it is unarchived.
	Archived    bool
	AutoArchive int
	LastActive  time.Time
	// Overwrites are the channel's permission overwrites.
	Overwrites []Overwrite
}

// Overwrite is a permission overwrite of a role or member on a channel.
type Overwrite struct {
	ID          string `json:"id"`
	Type        int    `json:"type"` // 0 role, 1 member
	Allow, Deny int64  `json:"-"`
}

type Attachment struct {
	Filename, ContentType string
	Data                  []byte
}

type Message struct {
	ID, ChannelID, InteractionID string
	Content                      string
	Flags                        int
	Allowed                      json.RawMessage
	Components                   json.RawMessage
	Embeds                       []Embed
	Attachments                  []Attachment
	AuthorID                     string // a member's message; "" for the bot's
	Placeholder                  bool   // a deferred response's "thinking…"
	Deleted                      bool
	Edits                        int
	Nonce                        string
}

type Interaction struct {
	ID, Token, GuildID, ChannelID, UserID string
	Type                                  int
	Payload                               []byte
	Created                               time.Time
	AckedAt                               time.Time // when its first response came
	Acked                                 bool
	Response                              int
	Original                              *Message
	Modal                                 json.RawMessage
	Choices                               json.RawMessage
	Followups                             []*Message
}

type Call struct {
	N                    int
	Method, Path, Query  string
	ContentType, Auth    string
	Body                 []byte // payload_json for multipart calls
	Files                []Attachment
	Status               int
	InteractionID, Token string
}

type Frame struct {
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

type ResumeFrame struct {
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
	html       bool // a 429 whose body is not JSON
}

// CommandDef is a registered command as the fake reads it back.
type CommandDef struct {
	ID                       string            `json:"id"`
	Name                     string            `json:"name"`
	Type                     int               `json:"type"`
	Description              string            `json:"description"`
	NameLocalizations        map[string]string `json:"name_localizations"`
	DescriptionLocalizations map[string]string `json:"description_localizations"`
	DefaultMemberPermissions *string           `json:"default_member_permissions"`
	Options                  []OptionDef       `json:"options"`
}

type OptionDef struct {
	Type                     int               `json:"type"`
	Name                     string            `json:"name"`
	Description              string            `json:"description"`
	NameLocalizations        map[string]string `json:"name_localizations"`
	DescriptionLocalizations map[string]string `json:"description_localizations"`
	Required                 bool              `json:"required"`
	Autocomplete             bool              `json:"autocomplete"`
	MinValue                 *float64          `json:"min_value"`
	Choices                  []ChoiceDef       `json:"choices"`
	Options                  []OptionDef       `json:"options"`
}

type ChoiceDef struct {
	Name              string            `json:"name"`
	NameLocalizations map[string]string `json:"name_localizations"`
	Value             any               `json:"value"`
}

const fakeTimestamp = "2025-01-01T12:00:00.000000+00:00"

func New(t testing.TB) *Server {
	f := &Server{
		t:                 t,
		Token:             "fake.bot.token-S3CR3T",
		ResponseWindow:    3 * time.Second,
		HeartbeatInterval: 41250 * time.Millisecond,
		ResumeURLOnly:     true,
		buckets:           map[string]*bucket{},
		TokenLifetime:     15 * time.Minute,
		changed:           make(chan struct{}),
		ids:               1300000000000000000,
		Users:             map[string]*User{},
		Channels:          map[string]*Channel{},
		Interactions:      map[string]*Interaction{},
		Commands:          map[string][]CommandDef{},
		CommandPuts:       map[string]int{},
		DMs:               map[string]string{},
		Left:              map[string]bool{},
		Feed:              make(chan *Message, 1000),
	}
	f.AppID = f.NewID()
	f.Bot = f.AddUser("entraide", "Entraide")
	f.Bot.Bot = true
	mux := http.NewServeMux()
	mux.HandleFunc("/gateway-ws", f.serveGateway)
	mux.HandleFunc("/gateway-ws/", f.serveGateway) // discordgo adds a slash
	mux.HandleFunc("/resume-ws", f.serveGateway)
	mux.HandleFunc("/resume-ws/", f.serveGateway)
	mux.HandleFunc("/", f.serveREST)
	f.Srv = httptest.NewServer(mux)
	t.Cleanup(func() {
		f.mu.Lock()
		if f.conn != nil {
			f.conn.Close()
		}
		f.mu.Unlock()
		f.Srv.Close()
	})
	return f
}

// client is discordgo's HTTP client: discord.com is rewritten to the fake.
func (f *Server) Client() *http.Client {
	target, _ := url.Parse(f.Srv.URL)
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

// NewID mints a snowflake: milliseconds since Discord's epoch (2015) in
// the high bits, so that IDs sort by time as Discord's do.
func (f *Server) NewID() string {
	const discordEpoch = 1420070400000
	f.ids = max(f.ids+1, uint64(time.Now().UnixMilli()-discordEpoch)<<22)
	return strconv.FormatUint(f.ids, 10)
}

// bump wakes whoever waits for a change; f.mu is held.
func (f *Server) bump() {
	close(f.changed)
	f.changed = make(chan struct{})
}

// wait blocks until cond (run with f.mu held) is true, failing the test
// after a while instead of hanging.
func (f *Server) Wait(what string, cond func() bool) {
	f.t.Helper()
	if err := f.WaitErr(what, cond); err != nil {
		f.t.Fatal(err)
	}
}

// waitErr is wait for callers that must not stop the test themselves.
func (f *Server) WaitErr(what string, cond func() bool) error {
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
func (f *Server) Locked(fn func()) {
	f.mu.Lock()
	defer f.mu.Unlock()
	fn()
}

// Join makes users members of a guild.
func (f *Server) Join(guild string, users ...*User) {
	f.mu.Lock()
	defer f.mu.Unlock()
	g := f.guild(guild)
	for _, u := range users {
		g.Members = append(g.Members, u.ID)
	}
}

func (f *Server) AddUser(username, global string) *User {
	f.mu.Lock()
	defer f.mu.Unlock()
	u := &User{ID: f.NewID(), Username: username, GlobalName: global}
	f.Users[u.ID] = u
	return u
}

// addGuild makes a guild the bot is in, with a #general channel.
func (f *Server) AddGuild(name string, members ...*User) (*Guild, string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	g := &Guild{ID: f.NewID(), Name: name, EveryonePerms: permViewChannel | permSendMessages | permReadHistory | permUseCommands}
	// The bot's role holds what the invite link asked for.
	g.BotRole, g.BotPerms = f.NewID(), BotPermissions
	g.Members = append(g.Members, f.Bot.ID)
	for _, m := range members {
		g.Members = append(g.Members, m.ID)
	}
	f.Guilds = append(f.Guilds, g)
	general := f.addChannelLocked(g.ID, "general")
	g.SystemChannel = general
	return g, general
}

func (f *Server) AddChannel(guild, name string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.addChannelLocked(guild, name)
}

func (f *Server) addChannelLocked(guild, name string) string {
	c := &Channel{ID: f.NewID(), GuildID: guild, Name: name, Type: 0}
	f.Channels[c.ID] = c
	return c.ID
}
