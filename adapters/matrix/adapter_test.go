package matrix

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/entraide/entraide/bot"
	"github.com/entraide/entraide/internal/fakematrix"
)

// Ana gives Bob two hours with a pill, as Element writes it: one exchange,
// and a notice in reply to her that pings exactly Bob, with a pill.
func TestGiveWithPillIsRecordedAndAnswered(t *testing.T) {
	e := newEnv(t)
	e.start(e.config())
	cmd := e.sayPills(e.ana, e.room, "!give 2h "+e.bob+" for the garden", nil)

	reply := e.next(e.room)
	if reply.Content["msgtype"] != "m.notice" {
		t.Errorf("msgtype = %v, want m.notice", reply.Content["msgtype"])
	}
	if got := inReplyTo(reply); got != cmd {
		t.Errorf("in reply to %q, want Ana's command %q", got, cmd)
	}
	if !strings.Contains(body(reply), "gave 2h to @Bob") || !strings.Contains(body(reply), "the garden") {
		t.Errorf("body %q does not confirm the gift to Bob", body(reply))
	}
	formatted, _ := reply.Content["formatted_body"].(string)
	if !strings.Contains(formatted, `<a href="https://matrix.to/#/`+e.bob+`">@Bob</a>`) {
		t.Errorf("formatted_body %q has no pill for Bob", formatted)
	}
	if users, ok := fakematrix.Pinged(reply.Content); !ok || !slices.Equal(users, []string{e.bob}) {
		t.Errorf("m.mentions = %v (present %v), want exactly [%s]", users, ok, e.bob)
	}
	if n := e.entries(); n != 1 {
		t.Errorf("%d exchanges, want 1", n)
	}
	if got := e.balance(e.bob); got != 120 {
		t.Errorf("Bob's balance = %d, want 120", got)
	}
}

// The same event in a later sync records nothing new.
func TestRedeliveredEventRecordsOnce(t *testing.T) {
	e := newEnv(t)
	e.start(e.config())
	cmd := e.sayPills(e.ana, e.room, "!give 2h "+e.bob+" for the garden", nil)
	e.next(e.room)
	if err := e.hs.Redeliver(e.room, cmd); err != nil {
		t.Fatal(err)
	}
	again := e.next(e.room)
	if !strings.Contains(body(again), "Already recorded") {
		t.Errorf("reply to the redelivery = %q, want it to say it was already recorded", body(again))
	}
	if inReplyTo(again) != cmd {
		t.Errorf("the redelivery's reply answers %q, want %q", inReplyTo(again), cmd)
	}
	if n := e.entries(); n != 1 {
		t.Errorf("%d exchanges after the redelivery, want 1", n)
	}
}

// Stopped, the bot misses three commands; restarted on the same ledger, it
// handles each once, in order; restarted again, it handles none again.
func TestRestartHandlesMissedCommandsOnce(t *testing.T) {
	e := newEnv(t)
	first := e.start(e.config())
	first.stop()

	var cmds []string
	for _, note := range []string{"seeds", "tools", "soup"} {
		cmds = append(cmds, e.say(e.ana, e.room, "!give 1h "+e.bob+" for the "+note))
	}
	second := e.start(e.config())
	for i, cmd := range cmds {
		reply := e.next(e.room)
		if inReplyTo(reply) != cmd || !strings.Contains(body(reply), "gave 1h") {
			t.Errorf("reply %d = %q in reply to %q, want the gift of command %q", i, body(reply), inReplyTo(reply), cmd)
		}
	}
	if n := e.entries(); n != 3 {
		t.Errorf("%d exchanges, want 3", n)
	}
	second.stop()

	e.start(e.config())
	// The balance is private: the first message the bot writes anywhere
	// must be it, in Ana's direct chat, and no second answer to a gift.
	e.balanceNext("Your balance: -3h")
	if n := e.entries(); n != 3 {
		t.Errorf("%d exchanges after the second restart, want 3", n)
	}
}

// On its very first start the bot does not act on the rooms' history.
func TestFirstStartSkipsHistory(t *testing.T) {
	e := newEnv(t)
	old := e.say(e.ana, e.room, "!give 1h "+e.bob+" for last year")
	e.start(e.config())
	cmd := e.say(e.ana, e.room, "!give 2h "+e.bob+" for today")
	reply := e.next(e.room)
	if inReplyTo(reply) != cmd {
		t.Errorf("first reply answers %q (%q), want %q and never the old %q", inReplyTo(reply), body(reply), cmd, old)
	}
	if got := e.balance(e.bob); got != 120 {
		t.Errorf("Bob's balance = %d, want 120 (only today's gift)", got)
	}
}

// When a long downtime overflows the timeline, the missed events are
// fetched with /messages and still handled once, in order.
func TestRestartFillsALimitedTimeline(t *testing.T) {
	e := newEnv(t)
	e.adapterTunables = func(a *Adapter) { a.timelineLimit = 2 }
	e.start(e.config()).stop()
	var cmds []string
	for i := range 5 {
		cmds = append(cmds, e.say(e.ana, e.room, "!give 1h "+e.bob+" for round "+string(rune('1'+i))))
	}
	e.start(e.config())
	for i, cmd := range cmds {
		if reply := e.next(e.room); inReplyTo(reply) != cmd {
			t.Errorf("reply %d answers %q, want %q", i, inReplyTo(reply), cmd)
		}
	}
	if n := e.entries(); n != 5 {
		t.Errorf("%d exchanges, want 5", n)
	}
	if len(e.botRequests("GET", "/messages")) == 0 {
		t.Error("the gap was not filled with /messages")
	}
}

// A 429 with retry_after_ms on the first send is waited out: the reply
// arrives, once, with the same transaction ID, and a reply asked for
// meanwhile comes after it.
func TestRateLimitedSendIsRetriedInOrder(t *testing.T) {
	e := newEnv(t)
	r := e.start(e.config())
	e.hs.Fail(fakematrix.Fault{User: e.botID, Method: "PUT", Path: "/send/m.room.message/", Times: 1, Status: 429, RetryAfter: 300 * time.Millisecond})

	cmd := e.sayPills(e.ana, e.room, "!give 1h "+e.bob, nil)
	// While the answer waits out the rate limit, a second message is
	// asked for in the same room; it must not overtake.
	e.waitFor("the rate-limited send", func() bool {
		return len(e.botRequests("PUT", "/send/m.room.message/")) > 0
	})
	sent := make(chan error, 1)
	go func() {
		_, err := r.a.Send(e.ctx, bot.Target{Room: e.room}, bot.Reply{Text: "second"})
		sent <- err
	}()
	first := e.next(e.room)
	if inReplyTo(first) != cmd || !strings.Contains(body(first), "gave 1h") {
		t.Errorf("first message = %q in reply to %q, want the gift answering %q", body(first), inReplyTo(first), cmd)
	}
	if second := e.next(e.room); body(second) != "second" {
		t.Errorf("second message = %q, want %q", body(second), "second")
	}
	if err := <-sent; err != nil {
		t.Fatal(err)
	}
	sends := e.botRequests("PUT", "/send/m.room.message/")
	if len(sends) != 3 || sends[0].Status != 429 || sends[1].Status != 200 || sends[2].Status != 200 {
		t.Fatalf("sends = %+v, want a 429 then two successes", sends)
	}
	if txn := func(p string) string { return p[strings.LastIndex(p, "/")+1:] }; txn(sends[0].Path) != txn(sends[1].Path) {
		t.Errorf("the retry used transaction %q, the first attempt %q: want the same", txn(sends[1].Path), txn(sends[0].Path))
	}
}

// Dropped connections, on /sync and on a send, are retried with backoff and
// the bot recovers without a restart.
func TestNetworkErrorsRecover(t *testing.T) {
	e := newEnv(t)
	e.start(e.config())
	e.hs.Fail(fakematrix.Fault{User: e.botID, Method: "GET", Path: "/sync", Times: 3, Drop: true})
	e.hs.Fail(fakematrix.Fault{User: e.botID, Method: "PUT", Path: "/send/", Times: 1, Drop: true})
	e.hs.Fail(fakematrix.Fault{User: e.botID, Method: "PUT", Path: "/send/", Times: 1, Status: 502})
	// This one reaches the server, but its answer is lost: the retry, with
	// the same transaction ID, must not post the reply twice.
	e.hs.Fail(fakematrix.Fault{User: e.botID, Method: "PUT", Path: "/send/", Times: 1, Lost: true})
	cmd := e.sayPills(e.ana, e.room, "!give 1h "+e.bob, nil)
	if reply := e.next(e.room); inReplyTo(reply) != cmd || !strings.Contains(body(reply), "gave 1h") {
		t.Errorf("reply %q answers %q, want the gift answering %q", body(reply), inReplyTo(reply), cmd)
	}
	if n := e.entries(); n != 1 {
		t.Errorf("%d exchanges, want 1", n)
	}
	e.say(e.ana, e.room, "!balance")
	if reply := e.next(""); !strings.Contains(body(reply), "Your balance") || !e.isDirectChat(reply.Room) {
		t.Errorf("the next message is %q in %s, want only one reply to the gift, then the balance in Ana's direct chat", body(reply), reply.Room)
	}
}

// The bot's own messages, notices and edits are not commands; text that
// isn't addressed to the bot is ignored.
func TestIgnoredMessages(t *testing.T) {
	e := newEnv(t)
	e.start(e.config())
	e.hs.Send(e.ana, e.room, "m.room.message", map[string]any{"msgtype": "m.notice", "body": "!give 1h " + e.bob})
	e.hs.Send(e.ana, e.room, "m.room.message", map[string]any{
		"msgtype": "m.text", "body": "* !give 1h " + e.bob,
		"m.new_content": map[string]any{"msgtype": "m.text", "body": "!give 1h " + e.bob},
		"m.relates_to":  map[string]any{"rel_type": "m.replace", "event_id": "$whatever"},
	})
	e.say(e.ana, e.room, "entraide is lovely, give it a try")
	e.say(e.ana, e.room, "I'll give 2h to "+e.bob+" tomorrow")
	own := e.hs.Send(e.botID, e.room, "m.room.message", map[string]any{"msgtype": "m.text", "body": "!give 1h " + e.bob})
	if ev := e.next(e.room); ev.ID != own {
		t.Fatalf("the bot's first message is %q, want the one sent in its name", body(ev))
	}
	e.balanceNext("Your balance")
	if n := e.entries(); n != 0 {
		t.Errorf("%d exchanges, want none", n)
	}
}

// Commands addressed to the bot by name or pill work like "/" commands.
func TestCommandsAddressedToTheBot(t *testing.T) {
	e := newEnv(t)
	e.start(e.config())
	for _, c := range []struct{ text, want string }{
		{"Entraide: give 1h " + e.bob + " for the jam", "gave 1h to @Bob"},
		{e.botID + " give 1h " + e.bob + " for the bread", "gave 1h to @Bob"},
		{"/give 1h " + e.bob + " for the slash", "gave 1h to @Bob"},
	} {
		cmd := e.sayPills(e.ana, e.room, c.text, nil)
		if reply := e.next(e.room); inReplyTo(reply) != cmd || !strings.Contains(body(reply), c.want) {
			t.Errorf("%q: reply %q answers %q, want %q answering %q", c.text, body(reply), inReplyTo(reply), c.want, cmd)
		}
	}
	// A private answer goes to Ana's direct chat.
	e.sayPills(e.ana, e.room, e.botID+": !balance", nil)
	if reply := e.nextPrivate(e.ana); !strings.Contains(body(reply), "Your balance: -3h") {
		t.Errorf("reply %q, want Ana's balance", body(reply))
	}
}

// Plain "@Name" resolves through the room's display names; a name two
// members share makes the core ask which one was meant.
func TestBareDisplayNames(t *testing.T) {
	e := newEnv(t)
	other := e.hs.AddUser("bobby:other.org", "Bob", "")
	carol := e.hs.AddUser("carol", "Carol Martin", "")
	e.hs.AddMembers(e.room, e.ana, other, carol)
	e.start(e.config())

	cmd := e.say(e.ana, e.room, "!give 1h @Carol Martin for the soup")
	if reply := e.next(e.room); inReplyTo(reply) != cmd || !strings.Contains(body(reply), "gave 1h to @Carol Martin") {
		t.Errorf("reply %q, want the gift to Carol Martin", body(reply))
	}
	if got := e.balance(carol); got != 60 {
		t.Errorf("Carol's balance = %d, want 60", got)
	}

	e.say(e.ana, e.room, "!give 1h @bob for the bread")
	reply := e.nextPrivate(e.ana)
	if !strings.Contains(body(reply), "Several members are called @bob") || !strings.Contains(body(reply), e.bob) || !strings.Contains(body(reply), other) {
		t.Errorf("reply %q, want the question naming %s and %s", body(reply), e.bob, other)
	}
	if n := e.entries(); n != 1 {
		t.Errorf("%d exchanges, want 1 (the ambiguous gift is not recorded)", n)
	}
}

// A command said in a thread is answered in the thread, as a real reply.
func TestThreadedCommandIsAnsweredInTheThread(t *testing.T) {
	e := newEnv(t)
	e.start(e.config())
	root := e.say(e.ana, e.room, "Who helped with the harvest?")
	cmd := e.sayPills(e.ana, e.room, "!give 2h "+e.bob+" for the harvest", inThread(root, root))
	reply := e.next(e.room)
	rel := relatesTo(reply)
	if threadOf(reply) != root || inReplyTo(reply) != cmd || rel["is_falling_back"] == true {
		t.Errorf("relation %v, want the thread %s and a real reply to %s", rel, root, cmd)
	}
}

// The token never appears in the logs, whatever happens.
func TestTokenIsNeverLogged(t *testing.T) {
	e := newEnv(t)
	e.start(e.config())
	e.hs.Fail(fakematrix.Fault{User: e.botID, Method: "PUT", Path: "/send/", Times: 1, Status: 500})
	e.say(e.ana, e.room, "!balance")
	e.nextPrivate(e.ana)
	if strings.Contains(e.logs.all(), e.botToken) {
		t.Error("the access token was logged")
	}
	if !strings.Contains(e.logs.all(), "retrying") {
		t.Error("the failed send was not logged")
	}
}
