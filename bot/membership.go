package bot

import (
	"context"
	"strconv"
	"sync"

	"github.com/entraide/entraide/ledger"
)

// Who belongs to a community, and so may answer its proposals: everyone
// who interacts with the bot there (any command, a button or a reaction on
// a card, which adapters hand over as commands), from that moment; and,
// where the platform can list them, the members of the community's rooms.
// Each proposal snapshots the members when it opens.

// RoomLister is an optional capability: the platform lists the people in a
// room (never the bot itself), so that they count as members before they
// type anything.
type RoomLister interface {
	RoomMembers(ctx context.Context, room string) ([]User, error)
}

// MembershipLedger is what membership needs from the ledger.
type MembershipLedger interface {
	EnsureMember(ctx context.Context, c ledger.CommunityID, id ledger.Identity) (ledger.Account, error)
	EnsureMembers(ctx context.Context, c ledger.CommunityID, ids []ledger.Identity) error
}

// enrolled remembers the identities already known to be members, so that
// a member's every command does not cost a write.
type enrolled struct{ known sync.Map }

func (e *enrolled) key(c ledger.CommunityID, platform, user string) string {
	return strconv.FormatInt(int64(c), 10) + "\x00" + platform + "\x00" + user
}

// enroll makes the sender of m a member of com from now.
func (b *Bot) enroll(ctx context.Context, com *Community, m Message) {
	if m.Sender.ID == "" {
		return
	}
	k := b.enrolled.key(com.id, m.Platform, m.Sender.ID)
	if _, ok := b.enrolled.known.Load(k); ok {
		return
	}
	id := ledger.Identity{Platform: m.Platform, UserID: m.Sender.ID, Name: m.Sender.Name}
	_, found, err := b.ledger.Member(ctx, com.id, id)
	if err == nil && !found {
		_, err = b.ledger.EnsureMember(ctx, com.id, id)
	}
	if err != nil {
		// The command itself still runs: a gift makes its members anyway,
		// and the next command tries again.
		loggerFrom(ctx, b.log).Error("member not recorded", "err", err)
		return
	}
	b.enrolled.known.Store(k, true)
}

// enrollRooms makes the people in the community's rooms members, on every
// attached platform that can list them. A platform that fails is logged
// and skipped: its people still count once they interact.
func (b *Bot) enrollRooms(ctx context.Context, com *Community) {
	log := loggerFrom(ctx, b.log)
	var ids []ledger.Identity
	for _, entry := range com.Rooms {
		platform, room, ok := splitRoom(entry)
		if !ok || room == "*" {
			continue
		}
		lister, ok := b.adapterFor(ctx, platform).(RoomLister)
		if !ok {
			continue
		}
		users, err := lister.RoomMembers(ctx, room)
		if err != nil {
			log.Warn("room members not listed", "platform", platform, "room", room, "err", err)
			continue
		}
		for _, u := range users {
			ids = append(ids, ledger.Identity{Platform: platform, UserID: u.ID, Name: u.Name})
		}
	}
	if err := b.ledger.EnsureMembers(ctx, com.id, ids); err != nil {
		log.Error("room members not recorded", "err", err)
	}
}
