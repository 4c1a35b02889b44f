//go:build goolm

package matrix

import (
	"context"
	"encoding/json"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"maunium.net/go/mautrix"
	"maunium.net/go/mautrix/crypto/cryptohelper"
	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"

	"github.com/entraide/entraide/bot"
	"github.com/entraide/entraide/internal/fakematrix"
)

// memberClient is a member's own Matrix client with end-to-end encryption:
// real mautrix with its crypto helper, syncing against the fake.
type memberClient struct {
	client *mautrix.Client
	mu     sync.Mutex
	got    []*event.Event // decrypted messages from others
	wake   chan struct{}
	// acceptInvites makes the client join the rooms it is invited to.
	acceptInvites bool
}

func newMemberClient(t *testing.T, e *env, user, password string) *memberClient {
	return loginMember(t, e.ctx, e.hs.URL(), e.hs.HTTPClient(), user, password)
}

// loginMember logs user in on a new device of its own and syncs in the
// background until the test ends, joining the rooms it is invited to
// once invites are accepted (acceptInvites).
func loginMember(t *testing.T, ctx context.Context, homeserver string, hc *http.Client, user, password string) *memberClient {
	t.Helper()
	client, err := mautrix.NewClient(homeserver, "", "")
	if err != nil {
		t.Fatal(err)
	}
	client.Client = hc
	if _, err := client.Login(ctx, &mautrix.ReqLogin{
		Type:             mautrix.AuthTypePassword,
		Identifier:       mautrix.UserIdentifier{Type: mautrix.IdentifierTypeUser, User: user},
		Password:         password,
		StoreCredentials: true,
	}); err != nil {
		t.Fatal(err)
	}
	helper, err := cryptohelper.NewCryptoHelper(client, []byte("member pickle key"), filepath.Join(t.TempDir(), "member-crypto.db"))
	if err != nil {
		t.Fatal(err)
	}
	if err := helper.Init(ctx); err != nil {
		t.Fatal(err)
	}
	client.Crypto = helper
	m := &memberClient{client: client, wake: make(chan struct{}, 1)}
	syncer := client.Syncer.(mautrix.ExtensibleSyncer)
	syncer.OnEventType(event.EventMessage, func(ctx context.Context, evt *event.Event) {
		if evt.Sender == client.UserID {
			return
		}
		m.mu.Lock()
		m.got = append(m.got, evt)
		m.mu.Unlock()
		select {
		case m.wake <- struct{}{}:
		default:
		}
	})
	syncer.OnEventType(event.StateMember, func(ctx context.Context, evt *event.Event) {
		if evt.GetStateKey() != string(client.UserID) || evt.Content.AsMember().Membership != event.MembershipInvite {
			return
		}
		m.mu.Lock()
		accept := m.acceptInvites
		m.mu.Unlock()
		if accept {
			if _, err := client.JoinRoomByID(ctx, evt.RoomID); err != nil {
				t.Logf("%s could not join %s: %v", user, evt.RoomID, err)
			}
		}
	})
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		client.SyncWithContext(ctx)
	}()
	t.Cleanup(func() {
		cancel()
		<-done
		helper.Close()
	})
	return m
}

// next waits for the next decrypted message from someone else.
func (m *memberClient) next(t *testing.T, ctx context.Context, seen int) *event.Event {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	for {
		m.mu.Lock()
		if len(m.got) > seen {
			evt := m.got[seen]
			m.mu.Unlock()
			return evt
		}
		m.mu.Unlock()
		select {
		case <-m.wake:
		case <-ctx.Done():
			t.Fatal("no decrypted message arrived")
		}
	}
}

// encryptedEnv is an encrypted room with Ana, Bob and the bot, the bot
// running with encryption, and Ana's own client.
func encryptedEnv(t *testing.T, tune ...func(*Config)) (*env, string, Config, *memberClient) {
	e := newEnv(t)
	room := e.hs.CreateRoomWith(e.ana, fakematrix.RoomOptions{Name: "Council", Preset: "private_chat", Invite: []string{e.bob, e.botID},
		State: []fakematrix.State{{Type: "m.room.encryption", Content: map[string]any{"algorithm": "m.megolm.v1.aes-sha2"}}}})
	e.hs.Join(e.bob, room)
	e.hs.Join(e.botID, room)
	cfg := e.config()
	cfg.Rooms = append(cfg.Rooms, room)
	cfg.Encryption, cfg.CryptoDB, cfg.PickleKey = true, filepath.Join(t.TempDir(), "crypto.db"), "a long pickle key"
	e.com.Rooms = append(e.com.Rooms, Platform+":"+room)
	for _, f := range tune {
		f(&cfg)
	}
	e.start(cfg)

	ana := newMemberClient(t, e, e.ana, "ana-password")
	// Her client shares the room key with the members it knows of: wait
	// until it knows the room is encrypted and the bot is in it.
	e.waitFor("Ana's client to know the room", func() bool {
		enc, _ := ana.client.StateStore.IsEncrypted(e.ctx, id.RoomID(room))
		return enc && ana.client.StateStore.IsInRoom(e.ctx, id.RoomID(room), id.UserID(e.botID))
	})
	return e, room, cfg, ana
}

// checkEncryptedReply reads the bot's answer in Ana's client: a notice in
// reply to her command, pinging Bob, never sent in clear.
func checkEncryptedReply(t *testing.T, e *env, room string, ana *memberClient, cmd id.EventID) {
	t.Helper()
	reply := ana.next(t, e.ctx, 0)
	if reply.Type != event.EventMessage || reply.Mautrix.EventSource&event.SourceDecrypted == 0 {
		t.Errorf("the reply is %s (source %v), want a decrypted message", reply.Type, reply.Mautrix.EventSource)
	}
	c := reply.Content.AsMessage()
	if c.MsgType != event.MsgNotice || !strings.Contains(c.Body, "gave 2h to @Bob") {
		t.Errorf("reply = %s %q, want a notice confirming the gift", c.MsgType, c.Body)
	}
	if c.RelatesTo.GetReplyTo() != cmd {
		t.Errorf("reply answers %q, want Ana's command %q", c.RelatesTo.GetReplyTo(), cmd)
	}
	if c.Mentions == nil || !slices.Equal(c.Mentions.UserIDs, []id.UserID{id.UserID(e.bob)}) {
		t.Errorf("reply mentions %v, want exactly Bob", c.Mentions)
	}
	for _, ev := range e.hs.EventsIn(room) {
		if ev.Sender == e.botID && ev.Type == "m.room.message" {
			t.Errorf("the bot wrote in clear in an encrypted room: %v", ev.Content)
		}
	}
	if n := e.entries(); n != 1 {
		t.Errorf("%d exchanges, want 1", n)
	}
}

func (m *memberClient) sendCommand(t *testing.T, e *env, room, text string) id.EventID {
	t.Helper()
	resp, err := m.client.SendMessageEvent(e.ctx, id.RoomID(room), event.EventMessage, pillContent(text, e.displayNames, nil))
	if err != nil {
		t.Fatal(err)
	}
	if evs := e.hs.EventsIn(room); evs[len(evs)-1].Type != "m.room.encrypted" {
		t.Fatalf("Ana's command went out as %s, want m.room.encrypted", evs[len(evs)-1].Type)
	}
	return resp.EventID
}

// In an encrypted room, Ana's client encrypts a command; the bot decrypts
// it, records it once and answers encrypted, and Ana's client reads the
// answer.
func TestEncryptedRoom(t *testing.T) {
	e, room, _, ana := encryptedEnv(t)
	cmd := ana.sendCommand(t, e, room, "!give 2h "+e.bob+" for the minutes")
	checkEncryptedReply(t, e, room, ana, cmd)
}

// A command whose room key comes later (keys travel as to-device messages)
// waits for it, across a restart, and is then handled once.
func TestEncryptedCommandWaitsForItsKey(t *testing.T) {
	e, room, cfg, ana := encryptedEnv(t)
	e.hs.HoldToDevice(e.botID, true)
	cmd := ana.sendCommand(t, e, room, "!give 2h "+e.bob+" for the minutes")
	e.waitFor("the bot to set the command aside", func() bool {
		raw, _, _ := e.db.State(e.ctx, Platform, keyUndecrypted)
		return strings.Contains(raw, string(cmd))
	})
	if e.hs.ToDeviceWaiting(e.botID) == 0 {
		t.Fatal("the room key is not waiting for the bot")
	}
	e.stopAll()
	e.start(cfg)
	e.hs.HoldToDevice(e.botID, false)
	checkEncryptedReply(t, e, room, ana, cmd)
	e.waitFor("the waiting list to empty", func() bool {
		raw, _, _ := e.db.State(e.ctx, Platform, keyUndecrypted)
		return raw == "[]"
	})
}

// The bot's private spaces are encrypted, and what it says there too;
// the invited parties read it once they join.
func TestPrivateSpaceIsEncrypted(t *testing.T) {
	e, _, _, ana := encryptedEnv(t)
	a := e.runs[0].a
	room, err := a.CreatePrivateSpace(e.ctx, "Mediation 2", []bot.User{{ID: e.ana}, {ID: e.bob}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Send(e.ctx, bot.Target{Room: room}, bot.Reply{Text: "Welcome to the mediation"}); err != nil {
		t.Fatal(err)
	}
	evs := e.hs.EventsIn(room)
	if last := evs[len(evs)-1]; last.Sender != e.botID || last.Type != "m.room.encrypted" {
		t.Errorf("the bot's first message in the space is %s from %s, want m.room.encrypted from the bot", last.Type, last.Sender)
	}
	// Ana was only invited when it was said; once she joins, her client
	// reads it: the room key reached her devices with the invite.
	e.hs.Join(e.ana, room)
	got := ana.next(t, e.ctx, 0)
	if c := got.Content.AsMessage(); got.RoomID != id.RoomID(room) || c.Body != "Welcome to the mediation" {
		t.Errorf("Ana's client read %q in %s, want the welcome in the space", c.Body, got.RoomID)
	}
}

// With encryption on, the direct chat the bot opens for private replies is
// encrypted, and Ana's client can read what the bot says there: the room
// key was shared with her while she was still only invited. Her statement
// goes there encrypted too.
func TestDirectChatIsEncrypted(t *testing.T) {
	e, room, _, ana := encryptedEnv(t)
	ana.sendCommand(t, e, room, "!give 2h "+e.bob+" for the minutes")
	ana.next(t, e.ctx, 0) // the gift is announced in the room
	ana.sendCommand(t, e, room, "!balance")
	var dm string
	e.waitFor("the direct chat", func() bool {
		rooms := e.hs.DirectRooms(e.botID)[e.ana]
		if len(rooms) == 1 {
			dm = rooms[0]
		}
		return dm != "" && len(botEventsIn(e, dm)) > 0
	})
	if enc := e.hs.StateContent(dm, "m.room.encryption", ""); enc["algorithm"] != "m.megolm.v1.aes-sha2" {
		t.Errorf("the direct chat's encryption = %v, want megolm", enc)
	}
	if inv := e.hs.StateContent(dm, "m.room.member", e.ana); inv["membership"] != "invite" || inv["is_direct"] != true {
		t.Errorf("Ana's membership = %v, want a direct invite", inv)
	}
	sent := botEventsIn(e, dm)[0]
	if sent.Type != "m.room.encrypted" {
		t.Fatalf("the bot wrote %s in the direct chat, want m.room.encrypted", sent.Type)
	}
	if n := len(botEventsIn(e, room)); n != 1 {
		t.Errorf("the bot wrote %d messages in the community room, want only the gift's", n)
	}
	var dec *event.Event
	e.waitFor("Ana's client to decrypt the reply", func() bool {
		var err error
		dec, err = ana.client.Crypto.Decrypt(e.ctx, wireEvent(t, sent))
		return err == nil
	})
	if c := dec.Content.AsMessage(); c.MsgType != event.MsgNotice || !strings.Contains(c.Body, "Your balance: -2h") {
		t.Errorf("decrypted reply = %s %q, want a notice with Ana's balance", c.MsgType, c.Body)
	}

	ana.sendCommand(t, e, room, "!export")
	e.waitFor("the statement", func() bool { return len(botEventsIn(e, dm)) > 1 })
	file := botEventsIn(e, dm)[1]
	if file.Type != "m.room.encrypted" {
		t.Errorf("the statement went out as %s, want m.room.encrypted", file.Type)
	}
	e.waitFor("Ana's client to decrypt the statement", func() bool {
		var err error
		dec, err = ana.client.Crypto.Decrypt(e.ctx, wireEvent(t, file))
		return err == nil
	})
	c := dec.Content.AsMessage()
	if c.MsgType != event.MsgFile || c.File == nil || c.URL != "" {
		t.Fatalf("decrypted statement = %s (file %v, url %q), want an encrypted m.file", c.MsgType, c.File, c.URL)
	}
	m, ok := e.hs.MediaFor(string(c.File.URL))
	if !ok {
		t.Fatal("the statement is not in the media repository")
	}
	csv, err := c.File.Decrypt(m.Data)
	if err != nil || !strings.HasPrefix(string(csv), "id,") || !strings.Contains(string(csv), "120") {
		t.Errorf("decrypted statement %q (%v), want the CSV with the 2h gift", csv, err)
	}
}

// botEventsIn lists what the bot sent in room (reactions and state aside).
func botEventsIn(e *env, room string) []*fakematrix.Event {
	var out []*fakematrix.Event
	for _, ev := range e.hs.EventsIn(room) {
		if ev.Sender == e.botID && ev.StateKey == nil && (ev.Type == "m.room.message" || ev.Type == "m.room.encrypted") {
			out = append(out, ev)
		}
	}
	return out
}

// wireEvent is ev as a client receives it.
func wireEvent(t *testing.T, ev *fakematrix.Event) *event.Event {
	t.Helper()
	data, err := json.Marshal(ev.Wire(true))
	if err != nil {
		t.Fatal(err)
	}
	var evt event.Event
	if err := json.Unmarshal(data, &evt); err != nil {
		t.Fatal(err)
	}
	evt.Type.Class = event.MessageEventType
	if err := evt.Content.ParseRaw(evt.Type); err != nil {
		t.Fatal(err)
	}
	return &evt
}

// A direct chat opened without encryption (before it was turned on) is
// not used in clear: the bot turns encryption on in it where it may, and
// opens a new, encrypted one where it may not.
func TestExistingDirectChatIsEncrypted(t *testing.T) {
	for _, tc := range []struct {
		name     string
		opts     fakematrix.RoomOptions
		sameRoom bool
	}{
		{"the bot may", fakematrix.RoomOptions{Preset: "trusted_private_chat", Direct: true}, true},
		{"the bot may not", fakematrix.RoomOptions{Preset: "private_chat", Direct: true}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// Ana's client opened a direct chat with the bot, unencrypted.
			e, room, _, ana := encryptedEnv(t, func(c *Config) { c.AllowedServers = append(c.AllowedServers, "example.org") })
			tc.opts.Invite = []string{e.botID}
			old := e.hs.CreateRoomWith(e.ana, tc.opts)
			e.waitFor("the bot to join the direct chat", func() bool { return e.hs.Membership(old, e.botID) == "join" })
			ana.sendCommand(t, e, room, "!balance")
			var dm string
			e.waitFor("the private answer", func() bool {
				for _, r := range e.hs.RoomIDs() {
					if r != room && len(botEventsIn(e, r)) > 0 {
						dm = r
					}
				}
				return dm != ""
			})
			if (dm == old) != tc.sameRoom {
				t.Errorf("the answer went to %s; the old direct chat is %s, want same room %v", dm, old, tc.sameRoom)
			}
			if enc := e.hs.StateContent(dm, "m.room.encryption", ""); enc["algorithm"] != "m.megolm.v1.aes-sha2" {
				t.Errorf("the direct chat's encryption = %v, want megolm", enc)
			}
			for _, ev := range botEventsIn(e, dm) {
				if ev.Type != "m.room.encrypted" {
					t.Errorf("the bot wrote %s in the direct chat: %v", ev.Type, ev.Content)
				}
			}
			if !tc.sameRoom && len(botEventsIn(e, old)) != 0 {
				t.Error("the bot wrote in the unencrypted direct chat")
			}
		})
	}
}
