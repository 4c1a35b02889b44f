package matrix

import (
	"context"
	"sync"

	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"
)

// keyDirect marks a room as a direct chat with the bot (the invite said
// is_direct), so that everything said there is for the bot.
const keyDirectPrefix = "direct:"

// roomCache knows what the adapter needs of each room: its members' display
// names (to resolve "@Name"), whether it is encrypted, whether it is a
// direct chat. Members and encryption live in the client's state store,
// which each sync updates; a room's full state is fetched once per process,
// since an incremental sync after a restart only brings what changed.
type roomCache struct {
	mu     sync.Mutex
	loaded map[id.RoomID]bool
	direct map[id.RoomID]bool
	warned map[id.RoomID]bool // encrypted rooms the bot can't read, already logged
}

func newRoomCache() roomCache {
	return roomCache{loaded: map[id.RoomID]bool{}, direct: map[id.RoomID]bool{}, warned: map[id.RoomID]bool{}}
}

// firstEncryptedWarning is true the first time an unreadable encrypted room
// is met, so the log says it once rather than for every message.
func (c *roomCache) firstEncryptedWarning(room id.RoomID) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.warned[room] {
		return false
	}
	c.warned[room] = true
	return true
}

// ensure fetches room's state once. A failure is logged and retried on the
// next use: the message at hand is handled with what is known.
func (c *roomCache) ensure(ctx context.Context, a *Adapter, room id.RoomID) {
	c.mu.Lock()
	done := c.loaded[room]
	c.mu.Unlock()
	if done {
		return
	}
	err := a.retry(ctx, opIdempotent, "room state", []any{"room", room}, func(ctx context.Context) error {
		_, err := a.client.State(ctx, room)
		return err
	})
	if err != nil {
		if ctx.Err() == nil {
			a.log.Warn("cannot read the room's state", "room", room, "err", err)
		}
		return
	}
	c.mu.Lock()
	c.loaded[room] = true
	c.mu.Unlock()
}

// forget makes the next use fetch room's state again.
func (c *roomCache) forget(room id.RoomID) {
	c.mu.Lock()
	delete(c.loaded, room)
	c.mu.Unlock()
}

// members are the joined and invited members of room with their display
// names ("" when they have none).
func (c *roomCache) members(ctx context.Context, a *Adapter, room id.RoomID) map[id.UserID]string {
	c.ensure(ctx, a, room)
	all, err := a.client.StateStore.GetAllMembers(ctx, room)
	if err != nil {
		a.log.Warn("cannot list the room's members", "room", room, "err", err)
		return nil
	}
	out := make(map[id.UserID]string, len(all))
	for u, m := range all {
		if m != nil && (m.Membership == event.MembershipJoin || m.Membership == event.MembershipInvite) {
			out[u] = m.Displayname
		}
	}
	return out
}

// displayName is u's display name in room, or "".
func (c *roomCache) displayName(ctx context.Context, a *Adapter, room id.RoomID, u id.UserID) string {
	c.ensure(ctx, a, room)
	m, err := a.client.StateStore.TryGetMember(ctx, room, u)
	if err != nil || m == nil {
		return ""
	}
	return m.Displayname
}

// isEncrypted tells whether what the bot sends to room must be encrypted.
func (c *roomCache) isEncrypted(ctx context.Context, a *Adapter, room id.RoomID) bool {
	if a.e2ee == nil {
		return false
	}
	c.ensure(ctx, a, room)
	enc, err := a.client.StateStore.IsEncrypted(ctx, room)
	if err != nil {
		a.log.Warn("cannot tell whether the room is encrypted", "room", room, "err", err)
	}
	return enc
}

// isDirect tells whether room is a direct chat with the bot.
func (c *roomCache) isDirect(ctx context.Context, a *Adapter, room id.RoomID) bool {
	c.mu.Lock()
	d, ok := c.direct[room]
	c.mu.Unlock()
	if ok {
		return d
	}
	v, _, err := a.state.State(ctx, Platform, keyDirectPrefix+string(room))
	if err != nil {
		a.log.Warn("cannot read whether the room is a direct chat", "room", room, "err", err)
		return false
	}
	d = v == "1"
	c.mu.Lock()
	c.direct[room] = d
	c.mu.Unlock()
	return d
}

// markDirect remembers that room is a direct chat with the bot.
func (c *roomCache) markDirect(ctx context.Context, a *Adapter, room id.RoomID) error {
	if err := a.state.SetState(ctx, Platform, keyDirectPrefix+string(room), "1"); err != nil {
		return err
	}
	c.mu.Lock()
	c.direct[room] = true
	c.mu.Unlock()
	return nil
}
