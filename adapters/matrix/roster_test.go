package matrix

import (
	"slices"
	"strings"
	"testing"

	"github.com/entraide/entraide/bot"
)

// The people joined to the community's room belong to it before they type
// anything: Carol, who never wrote to the bot, counts when Ana's proposal
// opens and answers it; Dave, only invited, does not count yet.
func TestRoomMemberWhoNeverTypedCanAnswer(t *testing.T) {
	e := newEnv(t)
	carol := e.hs.AddUser("carol", "Carol", "")
	dave := e.hs.AddUser("dave", "Dave", "")
	e.hs.AddMembers(e.room, e.ana, carol)
	e.hs.Invite(e.ana, e.room, dave)
	e.displayNames[carol] = "Carol"
	r := e.start(e.config())

	members, err := r.a.RoomMembers(e.ctx, e.room)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, m := range members {
		ids = append(ids, m.ID)
	}
	slices.Sort(ids)
	want := []string{e.ana, e.bob, carol}
	slices.Sort(want)
	if !slices.Equal(ids, want) {
		t.Fatalf("room members %v, want the joined people without the bot %v", ids, want)
	}
	if i := slices.IndexFunc(members, func(u bot.User) bool { return u.ID == carol }); members[i].Name != "Carol" {
		t.Errorf("carol's name %q", members[i].Name)
	}

	e.sayPills(e.ana, e.room, "!propose Keep the garden gate locked at night", nil)
	card := e.next(e.room)
	if !strings.Contains(body(card), "Proposal #1") || !strings.Contains(body(card), "waiting for 3") {
		t.Fatalf("card = %q, want the three joined people waiting", body(card))
	}
	e.sayPills(carol, e.room, "!consent 1", nil)
	for {
		ev := e.next("")
		if strings.Contains(body(ev), "can't respond") {
			t.Fatalf("carol was refused: %q", body(ev))
		}
		if strings.Contains(body(ev), "Carol consents to proposal #1") {
			break
		}
	}
}
