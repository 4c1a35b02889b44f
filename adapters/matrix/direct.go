package matrix

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"maunium.net/go/mautrix"
	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"

	"github.com/entraide/entraide/bot"
)

// Private replies go to a direct chat between the bot and the member, as
// Element opens one: a room made with the trusted_private_chat preset and
// is_direct, the member invited, listed in the bot's m.direct account data.
// The room is also kept in the StateStore under "dm:<user>", so a restart
// finds it even if the account data could not be written.
const keyDMPrefix = "dm:"

// accountDirect is the account data type that lists direct chats.
const accountDirect = "m.direct"

// directChats guards the opening of direct chats: one member's private
// replies look their chat up (or create it) one at a time, so two replies
// at once cannot create two rooms; m.direct is read and rewritten by one
// caller at a time, so no update is lost.
type directChats struct {
	users   keyedLock
	account chan struct{} // holds a token while m.direct is being updated

	mu     sync.Mutex
	failed map[id.UserID]time.Time // members whose chat could not be made, until when
}

func newDirectChats() directChats {
	return directChats{account: make(chan struct{}, 1), failed: map[id.UserID]time.Time{}}
}

// failedUntil is when a chat with u may be tried again after a failure.
func (d *directChats) failedUntil(u id.UserID, now time.Time) (time.Time, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	until, ok := d.failed[u]
	if ok && !now.Before(until) {
		delete(d.failed, u)
		return time.Time{}, false
	}
	return until, ok
}

func (d *directChats) fail(u id.UserID, until time.Time) {
	d.mu.Lock()
	d.failed[u] = until
	d.mu.Unlock()
}

// SendPrivate implements bot.PrivateSender: r goes to the member's direct
// chat with the bot, as a notice (with the same pills and m.mentions as
// Send) that answers nothing, since the command was said in another room.
// A command said in that direct chat is answered there, in reply to it.
// When no direct chat can be opened (the member's server refuses the
// invite…), the reply is posted in t.Room, and the log says why.
func (a *Adapter) SendPrivate(ctx context.Context, t bot.Target, r bot.Reply) (bot.MessageID, error) {
	if r.File != nil {
		return a.SendFile(ctx, t, r)
	}
	pt, err := a.privateTarget(ctx, t)
	if err != nil {
		return "", err
	}
	return a.Send(ctx, pt, r)
}

// privateTarget is where a private reply to t goes: the member's direct
// chat, or t itself when it already is that chat or when none can be
// opened. It fails only when ctx ends.
func (a *Adapter) privateTarget(ctx context.Context, t bot.Target) (bot.Target, error) {
	if err := a.waitReady(ctx); err != nil {
		return t, err
	}
	user := id.UserID(t.User.ID)
	log := a.log.With("user", user, "room", t.Room)
	if user == "" || user == a.botID {
		log.Warn("a private reply names no member; answering in the room")
		return t, nil
	}
	if room := id.RoomID(t.Room); room != "" && a.rooms.isDirect(ctx, a, room) && a.directWith(ctx, room, user) && a.secured(ctx, room) {
		return t, nil
	}
	room, err := a.directChat(ctx, user)
	if err != nil {
		if ctx.Err() != nil {
			return t, ctx.Err()
		}
		log.Warn("cannot open a direct chat with the member; posting the private reply in the room instead", "err", err)
		return t, nil
	}
	return bot.Target{Room: string(room), User: t.User}, nil
}

// directChat finds user's direct chat with the bot, or creates it.
// Rooms already known come first: the one kept in the StateStore, then
// those m.direct lists for user, newest first; each must still hold the
// bot (joined) and the member (joined or invited), and nobody else.
func (a *Adapter) directChat(ctx context.Context, user id.UserID) (id.RoomID, error) {
	unlock, err := a.direct.users.lock(ctx, string(user))
	if err != nil {
		return "", err
	}
	defer unlock()
	log := a.log.With("user", user)

	stored, _, err := a.state.State(ctx, Platform, keyDMPrefix+string(user))
	if err != nil {
		log.Warn("cannot read the member's direct chat", "err", err)
	}
	if stored != "" && a.directWith(ctx, id.RoomID(stored), user) && a.secured(ctx, id.RoomID(stored)) {
		return id.RoomID(stored), nil
	}
	if err := ctx.Err(); err != nil {
		return "", err
	}
	listed, err := a.listedDirectChats(ctx, user)
	if err != nil {
		if ctx.Err() != nil {
			return "", ctx.Err()
		}
		log.Warn("cannot read the bot's direct chats (m.direct)", "err", err)
	}
	for _, room := range listed {
		if string(room) == stored {
			continue
		}
		if a.directWith(ctx, room, user) && a.secured(ctx, room) {
			a.rememberDirect(ctx, user, room, false)
			return room, nil
		}
		if err := ctx.Err(); err != nil {
			return "", err
		}
	}
	if until, ok := a.direct.failedUntil(user, time.Now()); ok {
		return "", fmt.Errorf("opening a direct chat failed recently; next attempt after %s", until.Format(time.TimeOnly))
	}
	room, err := a.createDirectChat(ctx, user)
	if err != nil {
		if ctx.Err() == nil {
			a.direct.fail(user, time.Now().Add(a.dmRetryAfter))
		}
		return "", err
	}
	log.Info("direct chat opened for private replies", "room", room)
	a.rememberDirect(ctx, user, room, true)
	return room, nil
}

// directWith tells whether room is a direct chat between the bot (joined)
// and user (joined or invited), with nobody else joined or invited: a
// private reply there is read by the member alone.
func (a *Adapter) directWith(ctx context.Context, room id.RoomID, user id.UserID) bool {
	members := a.rooms.members(ctx, a, room)
	if _, ok := members[user]; !ok || len(members) != 2 {
		return false
	}
	return a.client.StateStore.IsInRoom(ctx, room, a.botID)
}

// secured tells whether a direct chat is fit for private replies: with
// encryption on, an unencrypted one (opened before encryption was turned
// on, or by a member's client without it) gets encryption turned on, as
// Element does from the room's settings; where the bot may not, the chat
// is not used and another, encrypted, is opened.
func (a *Adapter) secured(ctx context.Context, room id.RoomID) bool {
	if !a.cfg.Encryption || a.rooms.isEncrypted(ctx, a, room) {
		return true
	}
	content := &event.EncryptionEventContent{Algorithm: id.AlgorithmMegolmV1}
	// Turning encryption on twice is harmless: the same state again.
	err := a.retry(ctx, opIdempotent, "encrypt the direct chat", []any{"room", room}, func(ctx context.Context) error {
		_, err := a.client.SendStateEvent(ctx, room, event.StateEncryption, "", content)
		return err
	})
	if err != nil {
		a.log.Warn("cannot turn encryption on in a direct chat; opening an encrypted one", "room", room, "err", err)
		return false
	}
	// The sync will say so too; the next message must not wait for it.
	if err := a.client.StateStore.SetEncryptionEvent(ctx, room, content); err != nil {
		a.log.Warn("cannot remember that the direct chat is encrypted", "room", room, "err", err)
	}
	a.log.Info("encryption turned on in a direct chat", "room", room)
	return true
}

// createDirectChat makes a room the way Element opens a direct chat:
// trusted_private_chat (invite only, the member an admin as the bot is),
// is_direct on the invite, encrypted when the bot's encryption is on.
func (a *Adapter) createDirectChat(ctx context.Context, user id.UserID) (id.RoomID, error) {
	req := &mautrix.ReqCreateRoom{
		Preset:   "trusted_private_chat",
		IsDirect: true,
		Invite:   []id.UserID{user},
	}
	if a.cfg.Encryption {
		req.InitialState = []*event.Event{stateEvent(event.StateEncryption, &event.EncryptionEventContent{Algorithm: id.AlgorithmMegolmV1})}
	}
	var resp *mautrix.RespCreateRoom
	// A repeated createRoom would make a second room: only refusals
	// (rate limits) and failures to connect are retried.
	err := a.retry(ctx, opOnce, "createRoom", []any{"user", user}, func(ctx context.Context) error {
		var err error
		resp, err = a.client.CreateRoom(ctx, req)
		return err
	})
	if err != nil {
		return "", fmt.Errorf("matrix: open a direct chat with %s: %w", user, err)
	}
	return resp.RoomID, nil
}

// rememberDirect records room as user's direct chat: a direct chat for
// incoming messages, "dm:<user>" in the StateStore, and, for a room just
// created, an entry in m.direct. Failures are logged: the reply can still
// go out.
func (a *Adapter) rememberDirect(ctx context.Context, user id.UserID, room id.RoomID, created bool) {
	log := a.log.With("user", user, "room", room)
	if err := a.rooms.markDirect(ctx, a, room); err != nil {
		log.Error("cannot remember that the room is a direct chat", "err", err)
	}
	if err := a.state.SetState(ctx, Platform, keyDMPrefix+string(user), string(room)); err != nil {
		log.Error("cannot remember the member's direct chat; a restart may open another", "err", err)
	}
	if created {
		if err := a.addDirectChat(ctx, user, room); err != nil && ctx.Err() == nil {
			log.Warn("cannot list the direct chat in the bot's m.direct", "err", err)
		}
	}
}

// readDirect is the bot's m.direct, each member's entry left raw so that
// rewriting one entry keeps the others as they were.
func (a *Adapter) readDirect(ctx context.Context) (map[string]json.RawMessage, error) {
	var content map[string]json.RawMessage
	err := a.retry(ctx, opIdempotent, "get m.direct", nil, func(ctx context.Context) error {
		return a.client.GetAccountData(ctx, accountDirect, &content)
	})
	if errors.Is(err, mautrix.MNotFound) {
		return map[string]json.RawMessage{}, nil
	}
	if err != nil {
		return nil, err
	}
	if content == nil {
		content = map[string]json.RawMessage{}
	}
	return content, nil
}

// listedDirectChats are the rooms m.direct lists for user, newest first.
func (a *Adapter) listedDirectChats(ctx context.Context, user id.UserID) ([]id.RoomID, error) {
	content, err := a.readDirect(ctx)
	if err != nil {
		return nil, err
	}
	raw, ok := content[string(user)]
	if !ok {
		return nil, nil
	}
	var rooms []id.RoomID
	if err := json.Unmarshal(raw, &rooms); err != nil {
		return nil, fmt.Errorf("the m.direct entry of %s is unreadable: %w", user, err)
	}
	slices.Reverse(rooms)
	return rooms, nil
}

// addDirectChat lists room among user's direct chats in the bot's
// m.direct, as Element does when it opens or accepts one.
func (a *Adapter) addDirectChat(ctx context.Context, user id.UserID, room id.RoomID) error {
	select {
	case a.direct.account <- struct{}{}:
		defer func() { <-a.direct.account }()
	case <-ctx.Done():
		return ctx.Err()
	}
	content, err := a.readDirect(ctx)
	if err != nil {
		return err
	}
	var rooms []id.RoomID
	if raw, ok := content[string(user)]; ok {
		if err := json.Unmarshal(raw, &rooms); err != nil {
			a.log.Warn("the m.direct entry of a member is unreadable; replacing it", "user", user, "err", err)
			rooms = nil
		}
	}
	if slices.Contains(rooms, room) {
		return nil
	}
	entry, err := json.Marshal(append(rooms, room))
	if err != nil {
		return err
	}
	content[string(user)] = entry
	return a.retry(ctx, opIdempotent, "put m.direct", nil, func(ctx context.Context) error {
		return a.client.SetAccountData(ctx, accountDirect, content)
	})
}

// keyedLock is a mutex per key, whose Lock gives up when ctx ends.
type keyedLock struct {
	mu    sync.Mutex
	slots map[string]*lockSlot
}

type lockSlot struct {
	token chan struct{}
	refs  int // holders and waiters
}

func (l *keyedLock) lock(ctx context.Context, key string) (unlock func(), err error) {
	l.mu.Lock()
	if l.slots == nil {
		l.slots = map[string]*lockSlot{}
	}
	s := l.slots[key]
	if s == nil {
		s = &lockSlot{token: make(chan struct{}, 1)}
		l.slots[key] = s
	}
	s.refs++
	l.mu.Unlock()
	release := func() {
		l.mu.Lock()
		if s.refs--; s.refs == 0 {
			delete(l.slots, key)
		}
		l.mu.Unlock()
	}
	select {
	case s.token <- struct{}{}:
		return func() {
			<-s.token
			release()
		}, nil
	case <-ctx.Done():
		release()
		return nil, ctx.Err()
	}
}
