package matrix

import (
	"bytes"
	"context"
	"encoding/csv"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"

	"github.com/entraide/entraide/bot"
	"github.com/entraide/entraide/internal/fakematrix"
)

// botMessagesIn lists what the bot wrote in room after event index from.
func botMessagesIn(e *env, room string, from int) []*fakematrix.Event {
	var out []*fakematrix.Event
	for _, ev := range e.hs.EventsIn(room)[from:] {
		if ev.Sender == e.botID && ev.Type == "m.room.message" {
			out = append(out, ev)
		}
	}
	return out
}

// Ana's /balance in the community room is answered in a direct chat the
// bot opens with her, as Element opens one, and not in the room; later
// private replies, also after a restart, use the same chat, where Ana can
// type commands too.
func TestBalanceIsAnsweredInADirectChat(t *testing.T) {
	e := newEnv(t)
	cfg := e.config()
	e.start(cfg)
	mark := len(e.hs.EventsIn(e.room))
	e.say(e.ana, e.room, "!balance")
	reply := e.nextPrivate(e.ana)
	dm := reply.Room
	if dm != e.directChat(e.ana) {
		t.Errorf("the reply is in %s, but m.direct lists %s", dm, e.directChat(e.ana))
	}
	if reply.Content["msgtype"] != "m.notice" || !strings.Contains(body(reply), "Your balance: 0h") {
		t.Errorf("reply = %s %q, want a notice with Ana's balance", reply.Content["msgtype"], body(reply))
	}
	if rel, ok := reply.Content["m.relates_to"]; ok {
		t.Errorf("the private reply relates to %v, want nothing: the command is in another room", rel)
	}
	if got := botMessagesIn(e, e.room, mark); len(got) != 0 {
		t.Errorf("the bot wrote %q in the community room", body(got[0]))
	}

	// The room is a direct chat as Element makes one.
	if m := e.hs.Membership(dm, e.ana); m != "invite" {
		t.Errorf("Ana is %q in the direct chat, want invited", m)
	}
	if m := e.hs.Membership(dm, e.botID); m != "join" {
		t.Errorf("the bot is %q in the direct chat, want joined", m)
	}
	if inv := e.hs.StateContent(dm, "m.room.member", e.ana); inv["is_direct"] != true {
		t.Errorf("Ana's invite = %v, want is_direct", inv)
	}
	if jr := e.hs.StateContent(dm, "m.room.join_rules", "")["join_rule"]; jr != "invite" {
		t.Errorf("join rule %v, want invite", jr)
	}
	users, _ := e.hs.StateContent(dm, "m.room.power_levels", "")["users"].(map[string]any)
	if num(users[e.ana]) != 100 {
		t.Errorf("Ana's power level in her direct chat = %v, want 100 (trusted_private_chat)", users[e.ana])
	}
	if enc := e.hs.StateContent(dm, "m.room.encryption", ""); enc != nil {
		t.Errorf("the direct chat is encrypted (%v) though the bot's encryption is off", enc)
	}
	if stored, _, _ := e.db.State(e.ctx, Platform, keyDMPrefix+e.ana); stored != dm {
		t.Errorf("StateStore dm:%s = %q, want %q", e.ana, stored, dm)
	}

	e.say(e.ana, e.room, "!history")
	if again := e.nextPrivate(e.ana); again.Room != dm {
		t.Errorf("the second private reply went to %s, want the same direct chat %s", again.Room, dm)
	}

	// A restart on the same StateStore finds the chat again.
	e.stopAll()
	e.start(cfg)
	e.say(e.ana, e.room, "!balance")
	if again := e.nextPrivate(e.ana); again.Room != dm {
		t.Errorf("after a restart the private reply went to %s, want %s", again.Room, dm)
	}
	if n := len(e.botRequests("POST", "/createRoom")); n != 1 {
		t.Errorf("%d createRoom requests, want 1", n)
	}

	// Ana accepts, and talks to the bot there: everything is for it, and
	// commands are answered in the chat, in reply.
	e.hs.Join(e.ana, dm)
	cmd := e.say(e.ana, dm, "!balance")
	if r := e.next(""); r.Room != dm || inReplyTo(r) != cmd || !strings.Contains(body(r), "Your balance") {
		t.Errorf("reply %q in %s answering %q, want the balance in the direct chat answering %q", body(r), r.Room, inReplyTo(r), cmd)
	}
	e.say(e.ana, dm, "hello")
	if r := e.next(""); r.Room != dm || !strings.Contains(body(r), "Commands start with /") {
		t.Errorf("reply %q in %s, want the hint about commands in the direct chat", body(r), r.Room)
	}
	cmd = e.sayPills(e.ana, dm, "!give 1h "+e.bob+" for the compost", nil)
	// Bob is not in the direct chat, so his display name is unknown there:
	// the reply names him by his user name.
	if r := e.next(""); r.Room != dm || inReplyTo(r) != cmd || !strings.Contains(body(r), "gave 1h to @bob") {
		t.Errorf("reply %q in %s, want the gift confirmed in the direct chat", body(r), r.Room)
	}
	if got := e.balance(e.bob); got != 60 {
		t.Errorf("Bob's balance = %d, want 60: the direct chat belongs to the community", got)
	}
	if n := len(e.botRequests("POST", "/createRoom")); n != 1 {
		t.Errorf("%d createRoom requests, want still 1", n)
	}
}

// memState is a StateStore in memory: a bot that lost its database.
type memState struct {
	mu sync.Mutex
	m  map[string]string
}

func (s *memState) State(ctx context.Context, platform, key string) (string, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.m[platform+"\x00"+key]
	return v, ok, nil
}

func (s *memState) SetState(ctx context.Context, platform, key, value string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m == nil {
		s.m = map[string]string{}
	}
	s.m[platform+"\x00"+key] = value
	return nil
}

// The bot's m.direct lists its direct chats on the homeserver: a bot
// whose StateStore forgot the chat (a new database) finds it there.
func TestDirectChatIsFoundInMDirect(t *testing.T) {
	e := newEnv(t)
	e.start(e.config())
	e.say(e.ana, e.room, "!balance")
	dm := e.nextPrivate(e.ana).Room
	e.stopAll()

	state := &memState{}
	e.startWith(e.config(), state)
	e.say(e.ana, e.room, "!balance")
	if again := e.nextPrivate(e.ana); again.Room != dm {
		t.Errorf("the private reply went to %s, want the chat m.direct lists, %s", again.Room, dm)
	}
	if n := len(e.botRequests("POST", "/createRoom")); n != 1 {
		t.Errorf("%d createRoom requests, want 1", n)
	}
	if v, _, _ := state.State(e.ctx, Platform, keyDMPrefix+e.ana); v != dm {
		t.Errorf("the new StateStore has dm:%s = %q, want %q", e.ana, v, dm)
	}
	// And it is a direct chat for what Ana says there.
	e.hs.Join(e.ana, dm)
	e.say(e.ana, dm, "hello")
	if r := e.next(""); r.Room != dm || !strings.Contains(body(r), "Commands start with /") {
		t.Errorf("reply %q in %s, want the hint about commands in the direct chat", body(r), r.Room)
	}
}

// A direct chat Ana opened with the bot is where her private replies go.
func TestMemberOpenedDirectChatIsReused(t *testing.T) {
	e := newEnv(t)
	cfg := e.config()
	cfg.AllowedServers = append(cfg.AllowedServers, "example.org")
	e.start(cfg)
	hers := e.hs.CreateDirect(e.ana, e.botID)
	e.waitFor("the bot to list Ana's direct chat in m.direct", func() bool {
		return slices.Contains(e.hs.DirectRooms(e.botID)[e.ana], hers)
	})
	e.say(e.ana, e.room, "!balance")
	if r := e.nextPrivate(e.ana); r.Room != hers {
		t.Errorf("the private reply went to %s, want Ana's own direct chat %s", r.Room, hers)
	}
	if n := len(e.botRequests("POST", "/createRoom")); n != 0 {
		t.Errorf("%d createRoom requests, want none", n)
	}
}

// /export sends the statement as an m.file in the direct chat, never in
// the room.
func TestExportGoesToTheDirectChat(t *testing.T) {
	e := newEnv(t)
	e.start(e.config())
	e.sayPills(e.ana, e.room, "!give 2h "+e.bob+" for the garden", nil)
	e.next(e.room)
	mark := len(e.hs.EventsIn(e.room))
	e.say(e.ana, e.room, "!export")
	ev := e.nextPrivate(e.ana)
	if ev.Content["msgtype"] != "m.file" {
		t.Fatalf("statement event = %v, want an m.file", ev.Content)
	}
	m, ok := e.hs.MediaFor(ev.Content["url"].(string))
	if !ok {
		t.Fatal("the statement is not in the media repository")
	}
	rows, err := csv.NewReader(bytes.NewReader(m.Data)).ReadAll()
	if err != nil || len(rows) != 2 || rows[1][4] != "120" {
		t.Errorf("statement rows = %v (%v), want a header and the 2h gift", rows, err)
	}
	if name, _ := ev.Content["filename"].(string); !strings.HasSuffix(name, ".csv") {
		t.Errorf("filename %q, want a .csv", name)
	}
	if _, ok := ev.Content["m.relates_to"]; ok {
		t.Errorf("the file relates to %v, want nothing", ev.Content["m.relates_to"])
	}
	if got := botMessagesIn(e, e.room, mark); len(got) != 0 {
		t.Errorf("the bot wrote %q in the community room", body(got[0]))
	}
}

// Refusals are private too, and change nothing.
func TestRefusalsArePrivate(t *testing.T) {
	e := newEnv(t)
	e.start(e.config())
	mark := len(e.hs.EventsIn(e.room))
	for _, c := range []struct{ text, want string }{
		{"!give 0h " + e.bob, "no time at all"},
		{"!frobnicate", "I don't know the command"},
	} {
		e.sayPills(e.ana, e.room, c.text, nil)
		if r := e.nextPrivate(e.ana); !strings.Contains(body(r), c.want) {
			t.Errorf("%q: reply %q, want %q", c.text, body(r), c.want)
		}
	}
	// Bob, refused a moderator's command, gets his own direct chat.
	e.say(e.bob, e.room, "!reverse 1 mistake")
	if r := e.nextPrivate(e.bob); !strings.Contains(body(r), "Only moderators") || r.Room == e.directChat(e.ana) {
		t.Errorf("reply %q in %s, want the refusal in Bob's own direct chat", body(r), r.Room)
	}
	if got := botMessagesIn(e, e.room, mark); len(got) != 0 {
		t.Errorf("the bot wrote %q in the community room", body(got[0]))
	}
	if n := e.entries(); n != 0 {
		t.Errorf("%d exchanges, want none", n)
	}
}

// When the direct chat cannot be made (Ana's server refuses the invite),
// the reply is posted in the room, in reply to her, and the log says why;
// the bot does not try again at every reply.
func TestPrivateReplyFallsBackToTheRoom(t *testing.T) {
	e := newEnv(t)
	e.start(e.config())
	e.hs.RefuseInvitesTo(e.ana)
	for range 2 {
		cmd := e.say(e.ana, e.room, "!balance")
		r := e.next("")
		if r.Room != e.room || inReplyTo(r) != cmd || !strings.Contains(body(r), "Your balance") {
			t.Errorf("reply %q in %s answering %q, want the balance in the room answering %q", body(r), r.Room, inReplyTo(r), cmd)
		}
	}
	if !strings.Contains(e.logs.all(), "cannot open a direct chat with the member") {
		t.Error("the fallback was not logged")
	}
	if n := len(e.botRequests("POST", "/createRoom")); n != 1 {
		t.Errorf("%d createRoom requests, want 1: a refusal is not retried at once", n)
	}
	if rooms := e.hs.DirectRooms(e.botID); len(rooms) != 0 {
		t.Errorf("m.direct = %v, want nothing", rooms)
	}
}

// A direct chat that is no longer private (someone else was invited) or
// no longer holds the member is replaced by a new one.
func TestDirectChatIsReplacedWhenNoLongerPrivate(t *testing.T) {
	e := newEnv(t)
	r := e.start(e.config())
	e.say(e.ana, e.room, "!balance")
	first := e.nextPrivate(e.ana).Room
	e.hs.Join(e.ana, first)
	carol := e.hs.AddUser("carol", "Carol", "")
	if code := e.hs.InviteAs(e.ana, first, carol); code != 200 {
		t.Fatalf("Ana's invite of Carol answered %d", code)
	}
	e.waitFor("the bot to see Carol invited", func() bool {
		return r.a.client.StateStore.IsInvited(e.ctx, id.RoomID(first), id.UserID(carol))
	})
	mark := len(e.hs.EventsIn(first))
	e.say(e.ana, e.room, "!balance")
	second := e.nextPrivate(e.ana).Room
	if second == first {
		t.Fatal("the bot answered in a chat Carol was invited to")
	}
	if got := botMessagesIn(e, first, mark); len(got) != 0 {
		t.Errorf("the bot wrote %q where Carol can read it", body(got[0]))
	}

	e.hs.Join(e.ana, second)
	e.hs.Leave(e.ana, second)
	e.waitFor("the bot to see Ana leave", func() bool {
		return r.a.client.StateStore.IsMembership(e.ctx, id.RoomID(second), id.UserID(e.ana), event.MembershipLeave)
	})
	e.say(e.ana, e.room, "!balance")
	third := e.nextPrivate(e.ana).Room
	if third == first || third == second {
		t.Errorf("the reply went to %s, want a new chat (not %s or %s)", third, first, second)
	}
	if rooms := e.hs.DirectRooms(e.botID)[e.ana]; !slices.Equal(rooms, []string{first, second, third}) {
		t.Errorf("m.direct lists %v for Ana, want the three chats in order", rooms)
	}
	if v, _, _ := e.db.State(e.ctx, Platform, keyDMPrefix+e.ana); v != third {
		t.Errorf("dm:%s = %q, want %q", e.ana, v, third)
	}
}

// Private replies asked for at once open one chat, not several; in it they
// keep their order, even while one waits out a rate limit. They render as
// Send does: pills and m.mentions for the members named.
func TestPrivateRepliesShareOneChatInOrder(t *testing.T) {
	e := newEnv(t)
	r := e.start(e.config())
	target := bot.Target{Room: e.room, ReplyTo: "$cmd", User: bot.User{ID: e.bob, Name: "Bob"}}
	var wg sync.WaitGroup
	for i := range 3 {
		wg.Go(func() {
			if _, err := r.a.SendPrivate(e.ctx, target, bot.Reply{Text: "note " + string(rune('1'+i))}); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if n := len(e.botRequests("POST", "/createRoom")); n != 1 {
		t.Errorf("%d createRoom requests, want 1", n)
	}
	dm := e.directChat(e.bob)
	if got := botMessagesIn(e, dm, 0); len(got) != 3 {
		t.Fatalf("%d messages in Bob's direct chat, want 3", len(got))
	}

	e.hs.Fail(fakematrix.Fault{User: e.botID, Method: "PUT", Path: "/send/m.room.message/", Times: 1, Status: 429, RetryAfter: 300 * time.Millisecond})
	sent := make(chan error, 2)
	go func() {
		_, err := r.a.SendPrivate(e.ctx, target, bot.Reply{Text: "first"})
		sent <- err
	}()
	e.waitFor("the rate-limited send", func() bool { return len(e.botRequests("PUT", "/send/m.room.message/")) > 3 })
	go func() {
		_, err := r.a.SendPrivate(e.ctx, target, bot.Reply{Text: "second @Ana", Mentions: []bot.Mention{{Text: "@Ana", User: bot.User{ID: e.ana}}}})
		sent <- err
	}()
	for range 2 {
		if err := <-sent; err != nil {
			t.Fatal(err)
		}
	}
	got := botMessagesIn(e, dm, 0)[3:]
	if len(got) != 2 || body(got[0]) != "first" || body(got[1]) != "second @Ana" {
		var bodies []string
		for _, ev := range got {
			bodies = append(bodies, body(ev))
		}
		t.Fatalf("messages after the rate limit = %q, want first, then second", bodies)
	}
	formatted, _ := got[1].Content["formatted_body"].(string)
	if !strings.Contains(formatted, `<a href="https://matrix.to/#/`+e.ana+`">@Ana</a>`) {
		t.Errorf("formatted_body %q has no pill for Ana", formatted)
	}
	if users, ok := fakematrix.Pinged(got[1].Content); !ok || !slices.Equal(users, []string{e.ana}) {
		t.Errorf("m.mentions = %v, want exactly Ana", users)
	}
}
