//go:build dendrite && goolm

package matrix

// The adapter against a real homeserver: .ci/run builds Dendrite, starts
// it (federation off, its default rate limits on, a registration shared
// secret) and runs these tests with -tags 'dendrite goolm' and
// ENTRAIDE_DENDRITE_URL and ENTRAIDE_DENDRITE_SECRET set. Members use
// mautrix clients with end-to-end encryption, as Element users would.

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"maunium.net/go/mautrix"
	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"
	"maunium.net/go/mautrix/synapseadmin"

	"github.com/entraide/entraide/bot"
	"github.com/entraide/entraide/ledger"
)

// realServer is one community room on Dendrite with Ana (a moderator),
// Bob and Carol, their clients, and the bot's ledger and core.
type realServer struct {
	t                *testing.T
	ctx              context.Context
	url              string
	db               *ledger.DB
	core             *bot.Bot
	com              *bot.Community
	room             string
	botID            string
	ana, bob, carol  string
	anaC, bobC, carC *memberClient
	cfg              Config
	logs             *logBuffer
}

func newRealServer(t *testing.T) *realServer {
	url, secret := os.Getenv("ENTRAIDE_DENDRITE_URL"), os.Getenv("ENTRAIDE_DENDRITE_SECRET")
	if url == "" || secret == "" {
		t.Fatal("ENTRAIDE_DENDRITE_URL and ENTRAIDE_DENDRITE_SECRET must name the homeserver these tests run against (.ci/run starts one)")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	t.Cleanup(cancel)
	s := &realServer{t: t, ctx: ctx, url: url, logs: &logBuffer{t: t}}
	// Each test has its own users: the server outlives the test.
	run := fmt.Sprintf("%s%d", strings.ToLower(strings.TrimPrefix(t.Name(), "TestDendrite")), time.Now().UnixNano()%1e9)
	register := func(name string) string {
		admin, err := mautrix.NewClient(url, "", "")
		if err != nil {
			t.Fatal(err)
		}
		resp, err := (&synapseadmin.Client{Client: admin}).SharedSecretRegister(ctx, secret, synapseadmin.ReqSharedSecretRegister{
			Username: name + run, Password: name + "-password", Displayname: strings.ToUpper(name[:1]) + name[1:]})
		if err != nil {
			t.Fatalf("register %s: %v", name, err)
		}
		return string(resp.UserID)
	}
	s.botID, s.ana, s.bob, s.carol = register("entraide"), register("ana"), register("bob"), register("carol")
	hc := &http.Client{Timeout: time.Minute}
	s.anaC = loginMember(t, ctx, url, hc, s.ana, "ana-password")
	s.bobC = loginMember(t, ctx, url, hc, s.bob, "bob-password")
	s.carC = loginMember(t, ctx, url, hc, s.carol, "carol-password")
	for _, m := range []*memberClient{s.anaC, s.bobC, s.carC} {
		m.client.DefaultHTTPRetries = 5 // the server's rate limits apply to members too
		m.acceptInvites = true
	}
	resp, err := s.anaC.client.CreateRoom(ctx, &mautrix.ReqCreateRoom{Name: "Garden", Preset: "private_chat",
		Invite: []id.UserID{id.UserID(s.bob), id.UserID(s.carol), id.UserID(s.botID)}})
	if err != nil {
		t.Fatal(err)
	}
	s.room = string(resp.RoomID)
	s.waitFor("Bob and Carol to join", func() bool {
		members, err := s.anaC.client.JoinedMembers(ctx, resp.RoomID)
		return err == nil && members.Joined[id.UserID(s.bob)].DisplayName != "" && members.Joined[id.UserID(s.carol)].DisplayName != ""
	})
	s.db, s.com, s.core = newCore(t, ctx, s.logs, s.room, s.ana)
	s.cfg = Config{Homeserver: url, UserID: s.botID, Password: "entraide-password", DeviceName: "Entraide",
		Rooms: []string{s.room}, Encryption: true, CryptoDB: filepath.Join(t.TempDir(), "crypto.db"), PickleKey: "a long pickle key"}
	return s
}

// start runs the adapter until the returned stop is called (or the test
// ends), once it has synced.
func (s *realServer) start() (stop func()) {
	s.t.Helper()
	a, err := New(s.cfg, s.db, slog.New(s.logs))
	if err != nil {
		s.t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(s.ctx)
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx, s.core) }()
	stopped := false
	stop = func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		if err := <-done; err != nil {
			s.t.Errorf("Run: %v", err)
		}
		if err := a.Close(); err != nil {
			s.t.Errorf("close: %v", err)
		}
	}
	s.t.Cleanup(stop)
	s.waitFor("the bot's first sync", func() bool {
		_, ok, _ := s.db.State(s.ctx, Platform, keyNextBatch)
		return ok
	})
	s.waitFor("the bot in the room", func() bool {
		members, err := s.anaC.client.JoinedMembers(s.ctx, id.RoomID(s.room))
		_, in := members.Joined[id.UserID(s.botID)]
		return err == nil && in
	})
	return stop
}

// waitFor polls cond until it holds, failing the test after 45s: a real
// server is slower than the fake.
func (s *realServer) waitFor(what string, cond func() bool) {
	s.t.Helper()
	waitUntil(s.t, what, 45*time.Second, 50*time.Millisecond, cond)
}

// say sends text as m's client does, a pill for each member it names.
func (s *realServer) say(m *memberClient, room, text string) id.EventID {
	s.t.Helper()
	names := map[string]string{s.ana: "Ana", s.bob: "Bob", s.carol: "Carol", s.botID: "Entraide"}
	resp, err := m.client.SendMessageEvent(s.ctx, id.RoomID(room), event.EventMessage, pillContent(text, names, nil))
	if err != nil {
		s.t.Fatal(err)
	}
	return resp.EventID
}

// fromBot waits until m's client has a message from the bot that match
// accepts.
func (s *realServer) fromBot(m *memberClient, what string, match func(*event.Event, *event.MessageEventContent) bool) *event.Event {
	s.t.Helper()
	var found *event.Event
	s.waitFor(what, func() bool {
		m.mu.Lock()
		defer m.mu.Unlock()
		for _, evt := range m.got {
			if evt.Sender == id.UserID(s.botID) && match(evt, evt.Content.AsMessage()) {
				found = evt
				return true
			}
		}
		return false
	})
	return found
}

func (s *realServer) exchanges() int {
	s.t.Helper()
	return verifiedExchanges(s.t, s.ctx, s.db)
}

// A gift naming Bob with a pill is answered by a notice in reply to the
// command, pinging exactly Bob.
func TestDendriteGift(t *testing.T) {
	s := newRealServer(t)
	s.start()
	cmd := s.say(s.anaC, s.room, "!give 2h "+s.bob+" for the garden")
	reply := s.fromBot(s.anaC, "the gift's confirmation", func(evt *event.Event, c *event.MessageEventContent) bool {
		return strings.Contains(c.Body, "gave 2h to")
	})
	c := reply.Content.AsMessage()
	if c.MsgType != event.MsgNotice || c.RelatesTo.GetReplyTo() != cmd {
		t.Errorf("reply is %s answering %q, want a notice in reply to %s", c.MsgType, c.RelatesTo.GetReplyTo(), cmd)
	}
	if c.Mentions == nil || len(c.Mentions.UserIDs) != 1 || c.Mentions.UserIDs[0] != id.UserID(s.bob) {
		t.Errorf("reply mentions %+v, want exactly Bob", c.Mentions)
	}
	if n := s.exchanges(); n != 1 {
		t.Errorf("%d exchanges, want 1", n)
	}
}

// Commands sent while the bot is down are handled once it is back, each
// once, in order.
func TestDendriteRestart(t *testing.T) {
	s := newRealServer(t)
	stop := s.start()
	s.say(s.anaC, s.room, "!give 1h "+s.bob+" for the first")
	s.fromBot(s.anaC, "the first gift", func(_ *event.Event, c *event.MessageEventContent) bool { return strings.Contains(c.Body, "the first") })
	stop()
	for _, note := range []string{"the seeds", "the water", "the tools"} {
		s.say(s.anaC, s.room, "!give 1h "+s.bob+" for "+note)
	}
	s.start()
	for _, note := range []string{"the seeds", "the water", "the tools"} {
		s.fromBot(s.anaC, "the gift for "+note, func(_ *event.Event, c *event.MessageEventContent) bool { return strings.Contains(c.Body, note) })
	}
	// Give a redelivery time to show: nothing more comes.
	time.Sleep(time.Second)
	if n := s.exchanges(); n != 4 {
		t.Errorf("%d exchanges, want 4", n)
	}
	acct, _, err := s.db.Member(s.ctx, s.com.LedgerID(), ledger.Identity{Platform: Platform, UserID: s.bob})
	if err != nil || acct.Balance != 240 {
		t.Errorf("Bob's balance %d (%v), want 4h", acct.Balance, err)
	}
}

// The parties of a mediation, invited as its room is made, read its
// welcome and rules once they join, though the room is encrypted and its
// history visible only from one's invite.
func TestDendriteMediationWelcome(t *testing.T) {
	s := newRealServer(t)
	s.start()
	// The parties join only once the welcome is posted: the moderator's
	// answer comes after it.
	for _, m := range []*memberClient{s.bobC, s.carC} {
		m.mu.Lock()
		m.acceptInvites = false
		m.mu.Unlock()
	}
	s.say(s.anaC, s.room, "!conflict open "+s.bob+" "+s.carol+" about the shed keys")
	s.fromBot(s.anaC, "the moderator's answer", func(_ *event.Event, c *event.MessageEventContent) bool {
		return strings.Contains(c.Body, "Mediation #1 is open")
	})
	c, err := s.db.Case(s.ctx, s.com.LedgerID(), 1)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range []*memberClient{s.bobC, s.carC} {
		if _, err := m.client.JoinRoomByID(s.ctx, id.RoomID(c.Room)); err != nil {
			t.Fatal(err)
		}
	}
	for _, m := range []*memberClient{s.bobC, s.carC} {
		welcome := s.fromBot(m, "the welcome in the mediation room", func(evt *event.Event, c *event.MessageEventContent) bool {
			return evt.RoomID != id.RoomID(s.room) && strings.Contains(c.Body, "Our rules:")
		})
		if welcome.Mautrix.EventSource&event.SourceDecrypted == 0 {
			t.Errorf("the welcome was not encrypted (source %v)", welcome.Mautrix.EventSource)
		}
	}
}

// With encryption on, private answers come in an encrypted direct chat
// that the member's client reads.
func TestDendriteEncryptedDirectChat(t *testing.T) {
	s := newRealServer(t)
	s.start()
	s.say(s.anaC, s.room, "!balance")
	reply := s.fromBot(s.anaC, "the balance in a direct chat", func(evt *event.Event, c *event.MessageEventContent) bool {
		return evt.RoomID != id.RoomID(s.room) && strings.Contains(c.Body, "Your balance")
	})
	if reply.Mautrix.EventSource&event.SourceDecrypted == 0 {
		t.Errorf("the private answer was not encrypted (source %v)", reply.Mautrix.EventSource)
	}
	enc := &event.EncryptionEventContent{}
	if err := s.anaC.client.StateEvent(s.ctx, reply.RoomID, event.StateEncryption, "", enc); err != nil || enc.Algorithm != id.AlgorithmMegolmV1 {
		t.Errorf("the direct chat's encryption: %+v (%v)", enc, err)
	}
}

// The newsletter is an m.text whose formatted_body has HTML headings,
// followed by its chart as an m.image with its size and an alt text.
func TestDendriteNewsletter(t *testing.T) {
	s := newRealServer(t)
	s.start()
	s.say(s.anaC, s.room, "!give 2h "+s.bob+" for the garden #production")
	s.fromBot(s.anaC, "the gift", func(_ *event.Event, c *event.MessageEventContent) bool { return strings.Contains(c.Body, "the garden") })
	s.say(s.anaC, s.room, "!newsletter send")
	issue := s.fromBot(s.anaC, "the newsletter", func(evt *event.Event, c *event.MessageEventContent) bool {
		return evt.RoomID == id.RoomID(s.room) && strings.HasPrefix(c.Body, "# ")
	}).Content.AsMessage()
	if issue.MsgType != event.MsgText || issue.Format != event.FormatHTML || !strings.Contains(issue.FormattedBody, "<h1>") || !strings.Contains(issue.FormattedBody, "<h2>") {
		t.Errorf("newsletter = %s, format %q, formatted_body\n%s\nwant m.text with HTML headings", issue.MsgType, issue.Format, issue.FormattedBody)
	}
	chart := s.fromBot(s.anaC, "the chart", func(_ *event.Event, c *event.MessageEventContent) bool { return c.MsgType == event.MsgImage }).Content.AsMessage()
	if chart.Info == nil || chart.Info.Width <= 0 || chart.Info.Height <= 0 || chart.Body == chart.FileName || chart.Body == "" {
		t.Errorf("chart %q (file %q, info %+v), want its size and an alt text", chart.Body, chart.FileName, chart.Info)
	}
}
