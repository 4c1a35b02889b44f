package discord

import (
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/entraide/entraide/bot"
	"github.com/entraide/entraide/bot/adaptertest"
	"github.com/entraide/entraide/internal/testutil"
	"github.com/entraide/entraide/ledger"
)

// newAdapter builds an adapter talking to f, with short retry waits, and
// checks at the end of the test that no token reached its logs.
func newAdapter(t *testing.T, f *fakeDiscord, cfg Config) (*Adapter, *testutil.Buffer) {
	t.Helper()
	logs := &testutil.Buffer{}
	cfg.Token = f.Token
	cfg.HTTPClient = f.Client()
	a, err := New(cfg, slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	if err != nil {
		t.Fatal(err)
	}
	a.retryBase = 10 * time.Millisecond
	a.reconnectBase = 50 * time.Millisecond
	t.Cleanup(func() {
		out := logs.String()
		if strings.Contains(out, f.Token) {
			t.Error("the bot token appears in the logs")
		}
		f.Locked(func() {
			for _, in := range f.Interactions {
				if strings.Contains(out, in.Token) {
					t.Errorf("the token of interaction %s appears in the logs", in.ID)
				}
			}
		})
		if t.Failed() {
			t.Logf("adapter logs:\n%s", out)
		}
	})
	return a, logs
}

// env is a fake Discord, the adapter, a real core and a real ledger.
type env struct {
	t       *testing.T
	ctx     context.Context
	f       *fakeDiscord
	a       *Adapter
	b       *bot.Bot
	db      *ledger.DB
	com     *bot.Community
	guild   string
	general string
	private string
	ana     *fakeUser
	bob     *fakeUser
	carol   *fakeUser
	// stop stops the adapter, as a process ending.
	stop func()
	cfg  Config
}

type envOptions struct {
	messageContent bool
	// inbox wraps the core, to slow it down or watch what reaches it.
	inbox func(*bot.Bot) bot.Inbox
	// before runs before Run, to adjust the adapter or the fake.
	before func(*env)
	// config adjusts the adapter's configuration.
	config func(*env, *Config)
	// membersIntent grants the bot the Server Members intent in the
	// fake and asks for it in the configuration.
	membersIntent bool
}

func newEnv(t *testing.T, o envOptions) *env {
	t.Helper()
	ctx := testContext(t)
	f := newFakeDiscord(t)
	e := &env{t: t, ctx: ctx, f: f}
	e.ana = f.AddUser("ana", "Ana")
	e.bob = f.AddUser("bob", "Bob")
	e.carol = f.AddUser("carol", "")
	g, general := f.AddGuild("Coop", e.ana, e.bob, e.carol)
	e.guild, e.general = g.ID, general
	e.private = f.AddChannel(g.ID, "mediation")

	db := adaptertest.Ledger(t, ctx)
	e.db = db
	cfg := Config{Guilds: []string{g.ID}, MessageContent: o.messageContent,
		Channels: []GuildChannels{{Guild: g.ID, Mediation: e.private}}, Components: db}
	if o.membersIntent {
		f.Locked(func() { f.GuildMembersIntent = true })
		cfg.MembersIntent = true
	}
	if o.config != nil {
		o.config(e, &cfg)
	}
	e.a, _ = newAdapter(t, f, cfg)
	e.cfg = cfg
	e.com = adaptertest.Community("coop", "Coop", Platform+":"+g.ID, Platform+":"+e.ana.ID)
	e.b = newCore(t, ctx, db, e.com)
	var inbox bot.Inbox = e.b
	if o.inbox != nil {
		inbox = o.inbox(e.b)
	}
	if o.before != nil {
		o.before(e)
	}
	e.stop = run(t, ctx, e.a, inbox)
	f.Wait("the commands to be registered", func() bool { return f.Online() && f.CommandPuts[e.guild] > 0 })
	return e
}

// testContext is the context of one test, ended with it or after a
// minute.
func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// guildCommunity is a community in language lang served in one guild,
// with the default limits and categories and the given moderators.
func guildCommunity(slug, lang, guild string, moderators ...*fakeUser) *bot.Community {
	c := &bot.Community{Slug: slug, Name: slug, Language: lang, Location: time.UTC, Limits: bot.DefaultLimits(),
		Categories: bot.DefaultCategories(), Rooms: []string{Platform + ":" + guild}}
	for _, m := range moderators {
		c.Moderators = append(c.Moderators, Platform+":"+m.ID)
	}
	return c
}

// newCore is a core serving communities on db.
func newCore(t *testing.T, ctx context.Context, db *ledger.DB, communities ...*bot.Community) *bot.Bot {
	t.Helper()
	b, err := bot.New(ctx, bot.Options{Ledger: db, Communities: communities})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// run runs the adapter until the test ends (or stop is called), and
// checks it stops.
func run(t *testing.T, ctx context.Context, a *Adapter, inbox bot.Inbox) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx, inbox) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("Run: %v", err)
				}
			case <-time.After(15 * time.Second):
				t.Error("the adapter did not stop after its context ended")
			}
		})
	}
	t.Cleanup(stop)
	return stop
}

// slash runs a command, failing the test if a client could not send it.
func (e *env) slash(u *fakeUser, command string, opts ...option) string {
	e.t.Helper()
	id, err := e.f.Slash(u, e.general, command, opts...)
	if err != nil {
		e.t.Fatal(err)
	}
	return id
}

// privateThreadStarted checks that exactly one thread was started in the
// mediation channel, a private thread (12) closed to invitations, named
// name when name is not empty.
func (e *env) privateThreadStarted(name string) {
	e.t.Helper()
	starts := e.f.CallsTo("POST", `^/channels/`+e.private+`/threads$`)
	if len(starts) != 1 {
		e.t.Fatalf("%d thread creations, want 1", len(starts))
	}
	var body map[string]any
	json.Unmarshal(starts[0].Body, &body)
	if body["type"] != float64(12) || body["invitable"] != false || name != "" && body["name"] != name {
		e.t.Errorf("thread created with %v, want a private thread (12), not invitable, named %q", body, name)
	}
}

// entries is the number of journal entries, after checking the ledger.
func (e *env) entries() int {
	e.t.Helper()
	rep, err := e.db.Verify(e.ctx)
	if err != nil || !rep.OK() {
		e.t.Fatalf("verify: %v %v", err, rep.Problems)
	}
	return rep.Exchanges
}

func (e *env) balance(u *fakeUser) int64 {
	e.t.Helper()
	acct, _, err := e.db.Member(e.ctx, e.com.LedgerID(), ledger.Identity{Platform: Platform, UserID: u.ID})
	if err != nil {
		e.t.Fatal(err)
	}
	return acct.Balance
}

// wantEntries checks the number of journal entries and u's balance, in
// minutes.
func (e *env) wantEntries(entries int, u *fakeUser, balance int64) {
	e.t.Helper()
	if n := e.entries(); n != entries {
		e.t.Errorf("%d entries, want %d", n, entries)
	}
	if b := e.balance(u); b != balance {
		e.t.Errorf("%s's balance = %d, want %d", u.Username, b, balance)
	}
}

// eventually waits for cond, polling, and fails the test after a while
// instead of hanging.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// recorder is an inbox that notes what reaches the core.
type recorder struct {
	*bot.Bot
	mu   sync.Mutex
	seen []bot.Message
}

func (r *recorder) Receive(ctx context.Context, from bot.Adapter, m bot.Message) {
	r.mu.Lock()
	r.seen = append(r.seen, m)
	r.mu.Unlock()
	r.Bot.Receive(ctx, from, m)
}

func (r *recorder) messages() []bot.Message {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]bot.Message(nil), r.seen...)
}

// gated holds each message until the test lets it through (a send on
// gate): the core is "slow" exactly as long as the test wants, with no
// clock involved.
type gated struct {
	*bot.Bot
	gate chan struct{}
	// extra, when set, is one more reply the core gives to each message.
	extra string

	mu  sync.Mutex
	err error
}

func (g *gated) Receive(ctx context.Context, from bot.Adapter, m bot.Message) {
	select {
	case <-g.gate:
	case <-ctx.Done():
		return
	}
	g.Bot.Receive(ctx, from, m)
	if g.extra != "" {
		if _, err := g.Bot.Deliver(ctx, from, bot.TargetOf(m), bot.Reply{Text: g.extra}); err != nil {
			g.mu.Lock()
			g.err = err
			g.mu.Unlock()
		}
	}
}

func (g *gated) failure() error {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.err
}

// newGatedEnv is an env whose core holds each message until the test
// sends on g.gate (then gives extra as one more reply, if not empty), and
// whose adapter defers an interaction after deferAfter.
func newGatedEnv(t *testing.T, extra string, deferAfter time.Duration) (*env, *gated) {
	t.Helper()
	g := &gated{gate: make(chan struct{}), extra: extra}
	e := newEnv(t, envOptions{
		inbox:  func(b *bot.Bot) bot.Inbox { g.Bot = b; return g },
		before: func(e *env) { e.a.deferAfter = deferAfter },
	})
	return e, g
}

// idle is an inbox that ignores everything, for tests where the adapter
// must stop before any message.
type idle struct{}

func (idle) Receive(context.Context, bot.Adapter, bot.Message) {}
