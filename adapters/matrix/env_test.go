package matrix

import (
	"context"
	"fmt"
	"html"
	"log/slog"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/entraide/entraide/bot"
	"github.com/entraide/entraide/bot/adaptertest"
	"github.com/entraide/entraide/internal/fakematrix"
	"github.com/entraide/entraide/ledger"
)

// env is one community room on a fake homeserver, with Ana, Bob and the
// bot in it, a real ledger and a real core.
type env struct {
	t               *testing.T
	ctx             context.Context
	hs              *fakematrix.Server
	db              *ledger.DB
	core            *bot.Bot
	com             *bot.Community
	ana, bob, botID string
	room            string
	botToken        string
	cursor          int // the bot's messages already read
	logs            *logBuffer
	displayNames    map[string]string
	adapterTunables func(*Adapter)
	runs            []*running
}

func newEnv(t *testing.T) *env {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	hs := fakematrix.New(t)
	e := &env{t: t, ctx: ctx, hs: hs, logs: &logBuffer{t: t}}
	e.ana = hs.AddUser("ana", "Ana", "ana-password")
	e.bob = hs.AddUser("bob", "Bob", "bob-password")
	e.botID = hs.AddUser("entraide", "Entraide", "bot-password")
	e.displayNames = map[string]string{e.ana: "Ana", e.bob: "Bob", e.botID: "Entraide"}
	e.room = hs.CreateRoom(e.ana, "Garden", e.bob, e.botID)
	e.botToken = hs.Token(e.botID)
	e.db, e.com, e.core = newCore(t, ctx, e.logs, e.room, e.ana)
	return e
}

// newCore opens a ledger in the test's directory and a core serving one
// community, Coop, in room, with moderator as its moderator.
func newCore(t *testing.T, ctx context.Context, logs *logBuffer, room, moderator string) (*ledger.DB, *bot.Community, *bot.Bot) {
	t.Helper()
	db := adaptertest.Ledger(t, ctx)
	com := adaptertest.Community("coop", "Coop", Platform+":"+room, Platform+":"+moderator)
	core, err := bot.New(ctx, bot.Options{Ledger: db, Communities: []*bot.Community{com}, Logger: slog.New(logs)})
	if err != nil {
		t.Fatal(err)
	}
	return db, com, core
}

// config is the bot's configuration against the fake.
func (e *env) config() Config {
	return Config{
		Homeserver:     e.hs.URL(),
		UserID:         e.botID,
		AccessToken:    e.botToken,
		DeviceName:     "Entraide",
		Rooms:          []string{e.room},
		AllowedServers: []string{"friends.org"},
		HTTPClient:     e.hs.HTTPClient(),
	}
}

// running is an adapter whose Run is going on.
type running struct {
	a    *Adapter
	stop func()
}

// start runs an adapter on cfg with e's ledger as its state store and
// waits until it has synced once.
func (e *env) start(cfg Config) *running {
	e.t.Helper()
	return e.startWith(cfg, e.db)
}

func (e *env) startWith(cfg Config, state StateStore) *running {
	e.t.Helper()
	a, err := New(cfg, state, slog.New(e.logs))
	if err != nil {
		e.t.Fatal(err)
	}
	fast(a)
	if e.adapterTunables != nil {
		e.adapterTunables(a)
	}
	ctx, cancel := context.WithCancel(e.ctx)
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx, e.core) }()
	var once sync.Once
	r := &running{a: a}
	r.stop = func() {
		once.Do(func() {
			cancel()
			select {
			case err := <-done:
				if err != nil {
					e.t.Errorf("Run: %v", err)
				}
			case <-time.After(10 * time.Second):
				e.t.Error("the adapter did not stop within 10s of its context ending")
			}
			if err := a.Close(); err != nil {
				e.t.Errorf("close: %v", err)
			}
		})
	}
	e.t.Cleanup(r.stop)
	e.runs = append(e.runs, r)
	e.waitFor("the first sync", func() bool {
		_, ok, _ := state.State(e.ctx, Platform, keyNextBatch)
		return ok
	})
	return r
}

// stopAll stops every adapter started so far.
func (e *env) stopAll() {
	for _, r := range e.runs {
		r.stop()
	}
}

// fast shortens the adapter's waits for tests.
func fast(a *Adapter) {
	a.syncTimeout = 200 * time.Millisecond
	a.backoff = backoffPolicy{base: 5 * time.Millisecond, max: 50 * time.Millisecond}
}

// waitFor polls cond until it holds, failing the test after 10s.
func (e *env) waitFor(what string, cond func() bool) {
	e.t.Helper()
	waitUntil(e.t, what, 10*time.Second, 5*time.Millisecond, cond)
}

// waitUntil polls cond every poll until it holds, failing the test after
// within.
func waitUntil(t *testing.T, what string, within, poll time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(poll)
	}
}

// say posts plain text as user.
func (e *env) say(user, room, text string) string {
	return e.hs.Send(user, room, "m.room.message", map[string]any{"msgtype": "m.text", "body": text})
}

// sayPills posts text the way Element writes mentions: each Matrix ID in
// text becomes a pill showing the display name, the body shows the name,
// and m.mentions lists them.
func (e *env) sayPills(user, room, text string, extra map[string]any) string {
	return e.hs.Send(user, room, "m.room.message", pillContent(text, e.displayNames, extra))
}

var testMXID = regexp.MustCompile(`@[a-z0-9._=\-]+:[a-z0-9.\-]+`)

func pillContent(text string, names map[string]string, extra map[string]any) map[string]any {
	var users []string
	body := testMXID.ReplaceAllStringFunc(text, func(u string) string {
		users = append(users, u)
		return names[u]
	})
	var formatted strings.Builder
	last := 0
	for _, loc := range testMXID.FindAllStringIndex(text, -1) {
		formatted.WriteString(html.EscapeString(text[last:loc[0]]))
		u := text[loc[0]:loc[1]]
		fmt.Fprintf(&formatted, `<a href="https://matrix.to/#/%s">%s</a>`, u, html.EscapeString(names[u]))
		last = loc[1]
	}
	formatted.WriteString(html.EscapeString(text[last:]))
	c := map[string]any{
		"msgtype": "m.text", "body": body,
		"format": "org.matrix.custom.html", "formatted_body": formatted.String(),
		"m.mentions": map[string]any{"user_ids": users},
	}
	for k, v := range extra {
		c[k] = v
	}
	return c
}

// inThread makes a message a thread reply to root.
func inThread(root, replyTo string) map[string]any {
	return map[string]any{"m.relates_to": map[string]any{
		"rel_type": "m.thread", "event_id": root, "is_falling_back": true,
		"m.in_reply_to": map[string]any{"event_id": replyTo},
	}}
}

// next is the bot's next message (not a reaction) in room ("" for any).
func (e *env) next(room string) *fakematrix.Event {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(e.ctx, 15*time.Second)
	defer cancel()
	ev, err := e.hs.Next(ctx, &e.cursor, func(ev *fakematrix.Event) bool {
		return ev.Sender == e.botID && ev.Type == "m.room.message" && (room == "" || ev.Room == room)
	})
	if err != nil {
		e.t.Fatalf("no message from the bot: %v", err)
	}
	return ev
}

// isDirectChat tells whether room is a direct chat, as Element sees it:
// the bot's m.direct lists it for a member, and the bot and that member
// are the only ones in it.
func (e *env) isDirectChat(room string) bool {
	for user, rooms := range e.hs.DirectRooms(e.botID) {
		if !slices.Contains(rooms, room) {
			continue
		}
		return sameSet(e.hs.Members(room), []string{user, e.botID})
	}
	return false
}

// balanceNext has Ana ask her balance and checks that the bot's very next
// message, anywhere, is the answer (holding want) in her direct chat.
func (e *env) balanceNext(want string) {
	e.t.Helper()
	e.say(e.ana, e.room, "!balance")
	if reply := e.nextPrivate(e.ana); !strings.Contains(body(reply), want) {
		e.t.Errorf("the bot's next message is %q, want Ana's balance (%q)", body(reply), want)
	}
}

// sameSet tells whether a and b hold the same IDs, in any order.
func sameSet(a, b []string) bool {
	return slices.Equal(slices.Sorted(slices.Values(a)), slices.Sorted(slices.Values(b)))
}

// nextInNewRoom is the bot's next message, which must be in a room of its
// own: neither the community's room nor a direct chat. what names the
// message in a failure.
func (e *env) nextInNewRoom(what string) *fakematrix.Event {
	e.t.Helper()
	ev := e.next("")
	if ev.Room == e.room || e.isDirectChat(ev.Room) {
		e.t.Fatalf("the %s went to %s, want a room of its own", what, ev.Room)
	}
	return ev
}

// checkPrivateRoom checks a room made as a private space: exactly the
// invited users and the bot in it, each of them invited; invite-only,
// encrypted, history from one's invite, no guests, named name; and power
// levels under which only the bot may invite, kick, ban or change the
// room, with no level of the members' own.
func (e *env) checkPrivateRoom(room, name string, invited ...string) {
	e.t.Helper()
	if members := e.hs.Members(room); !sameSet(members, append([]string{e.botID}, invited...)) {
		e.t.Errorf("the private room holds %v, want exactly %v and the bot", members, invited)
	}
	for _, u := range invited {
		if m := e.hs.Membership(room, u); m != "invite" {
			e.t.Errorf("%s is %q, want invited", u, m)
		}
	}
	check := func(typ, field, want string) {
		e.t.Helper()
		if got := e.hs.StateContent(room, typ, "")[field]; got != want {
			e.t.Errorf("%s %s = %v, want %s", typ, field, got, want)
		}
	}
	check("m.room.join_rules", "join_rule", "invite")
	check("m.room.history_visibility", "history_visibility", "invited")
	check("m.room.encryption", "algorithm", "m.megolm.v1.aes-sha2")
	check("m.room.guest_access", "guest_access", "forbidden")
	check("m.room.name", "name", name)
	pl := e.hs.StateContent(room, "m.room.power_levels", "")
	users, _ := pl["users"].(map[string]any)
	if num(users[e.botID]) != 100 || num(pl["invite"]) != 100 || num(pl["kick"]) != 100 ||
		num(pl["ban"]) != 100 || num(pl["state_default"]) != 100 || num(pl["users_default"]) != 0 {
		e.t.Errorf("power levels = %v, want only the bot able to invite, kick and change the room", pl)
	}
	for _, u := range invited {
		if _, listed := users[u]; listed {
			e.t.Errorf("%s has a power level of their own: %v", u, users[u])
		}
	}
}

// directChat is the room the bot's m.direct lists as its direct chat with
// user, failing the test unless there is exactly one.
func (e *env) directChat(user string) string {
	e.t.Helper()
	rooms := e.hs.DirectRooms(e.botID)[user]
	if len(rooms) != 1 {
		e.t.Fatalf("the bot's m.direct lists %v for %s, want one direct chat", rooms, user)
	}
	return rooms[0]
}

// nextPrivate is the bot's next message, which must be in its direct chat
// with user.
func (e *env) nextPrivate(user string) *fakematrix.Event {
	e.t.Helper()
	ev := e.next("")
	if ev.Room == e.room || !e.isDirectChat(ev.Room) || !slices.Contains(e.hs.Members(ev.Room), user) {
		e.t.Fatalf("the bot's message %q went to %s, want its direct chat with %s", body(ev), ev.Room, user)
	}
	return ev
}

// entries is the number of exchanges in the ledger, after checking it.
func (e *env) entries() int {
	e.t.Helper()
	return verifiedExchanges(e.t, e.ctx, e.db)
}

// verifiedExchanges is the number of exchanges in db, after checking it.
func verifiedExchanges(t *testing.T, ctx context.Context, db *ledger.DB) int {
	t.Helper()
	rep, err := db.Verify(ctx)
	if err != nil || !rep.OK() {
		t.Fatalf("verify: %v %v", err, rep.Problems)
	}
	return rep.Exchanges
}

func (e *env) balance(user string) int64 {
	e.t.Helper()
	acct, _, err := e.db.Member(e.ctx, e.com.LedgerID(), ledger.Identity{Platform: Platform, UserID: user})
	if err != nil {
		e.t.Fatal(err)
	}
	return acct.Balance
}

// body, relation and mentions read a message the bot sent.
func body(ev *fakematrix.Event) string {
	s, _ := ev.Content["body"].(string)
	return s
}

func relatesTo(ev *fakematrix.Event) map[string]any {
	m, _ := ev.Content["m.relates_to"].(map[string]any)
	return m
}

func inReplyTo(ev *fakematrix.Event) string {
	if r, ok := relatesTo(ev)["m.in_reply_to"].(map[string]any); ok {
		s, _ := r["event_id"].(string)
		return s
	}
	return ""
}

func threadOf(ev *fakematrix.Event) string {
	r := relatesTo(ev)
	if r["rel_type"] == "m.thread" {
		s, _ := r["event_id"].(string)
		return s
	}
	return ""
}

// logBuffer is a slog handler that writes to the test log and keeps every
// line, so a test can check what was (never) logged.
type logBuffer struct {
	t     testing.TB
	mu    sync.Mutex
	lines []string
	attrs []slog.Attr
	root  *logBuffer
}

func (l *logBuffer) Enabled(context.Context, slog.Level) bool { return true }

func (l *logBuffer) Handle(_ context.Context, r slog.Record) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s", r.Level, r.Message)
	for _, a := range l.attrs {
		fmt.Fprintf(&b, " %s=%v", a.Key, a.Value)
	}
	r.Attrs(func(a slog.Attr) bool {
		fmt.Fprintf(&b, " %s=%v", a.Key, a.Value)
		return true
	})
	root := l
	if l.root != nil {
		root = l.root
	}
	root.mu.Lock()
	root.lines = append(root.lines, b.String())
	root.mu.Unlock()
	if r.Level >= slog.LevelInfo {
		root.t.Log(b.String())
	}
	return nil
}

func (l *logBuffer) WithAttrs(attrs []slog.Attr) slog.Handler {
	root := l
	if l.root != nil {
		root = l.root
	}
	return &logBuffer{t: l.t, attrs: append(append([]slog.Attr(nil), l.attrs...), attrs...), root: root}
}

func (l *logBuffer) WithGroup(name string) slog.Handler { return l }

func (l *logBuffer) all() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.lines, "\n")
}

// botRequests lists the requests the bot made whose path contains path.
func (e *env) botRequests(method, path string) []fakematrix.Request {
	var out []fakematrix.Request
	for _, r := range e.hs.RequestsTo(method, path) {
		if r.User == e.botID {
			out = append(out, r)
		}
	}
	return out
}

// num reads a JSON number of an event's content as an int (-1 if absent).
func num(v any) int {
	if f, ok := v.(float64); ok {
		return int(f)
	}
	return -1
}
