package discord

import (
	"fmt"
	"strings"
	"testing"

	"github.com/bwmarrin/discordgo"
)

// With the Server Members intent, the guild's members count when a
// proposal opens: Bob and Carol, who never used the bot, may answer.
// Pages of a thousand are followed, and bots are left out.
func TestGuildMembersCountWithTheMembersIntent(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{membersIntent: true})
	if got := e.f.Identifies[0]; got&int(discordgo.IntentGuildMembers) == 0 {
		t.Fatalf("identified with intents %b, want the Server Members intent", got)
	}
	members, err := e.a.RoomMembers(e.ctx, e.guild)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, m := range members {
		names = append(names, m.Name)
	}
	if strings.Join(names, ",") != "Ana,Bob,carol" {
		t.Errorf("guild members %v, want the three people and not the bot", names)
	}

	e.slash(e.ana, "propose", opt("text", "We open the shed on Sundays."))
	card := e.card()
	if !strings.Contains(embedText(card), "waiting for 3") {
		t.Errorf("card = %q, want the three guild members waiting", embedText(card))
	}
	id := e.slash(e.carol, "consent", opt("number", "1"))
	e.f.Wait("Carol's answer", func() bool {
		in := e.f.Interactions[id]
		return in.Original != nil && !in.Original.Placeholder
	})
	if m := e.f.Interaction(id).Original; !strings.Contains(m.Content, "consents to proposal #1") {
		t.Errorf("Carol's consent: %q", m.Content)
	}
}

// Without the intent (the default), Discord refuses to list a guild's
// members; the bot does not ask, and members count from their first use.
func TestGuildMembersWithoutTheIntent(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	members, err := e.a.RoomMembers(e.ctx, e.guild)
	if err != nil || len(members) != 0 {
		t.Fatalf("members %v, %v: want none", members, err)
	}
	if n := len(e.f.CallsTo("GET", `^/guilds/`+e.guild+`/members(\?|$)`)); n != 0 {
		t.Errorf("%d list calls without the intent", n)
	}
	// The fake answers as Discord does when the intent is off.
	e.a.cfg.MembersIntent = true
	if _, err := e.a.RoomMembers(e.ctx, e.guild); err == nil || !strings.Contains(err.Error(), "50001") {
		t.Errorf("listing without the intent: %v, want Missing Access (50001)", err)
	}
}

// A large guild is listed a thousand members a call, following "after";
// bots are left out.
func TestGuildMembersArePaged(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{membersIntent: true})
	var more []*fakeUser
	for i := 0; i < 1200; i++ {
		more = append(more, e.f.AddUser(fmt.Sprintf("m%04d", i), ""))
	}
	helper := e.f.AddUser("otherbot", "Other bot")
	e.f.Locked(func() { helper.Bot = true })
	e.f.Join(e.guild, append(more, helper)...)
	members, err := e.a.RoomMembers(e.ctx, e.guild)
	if err != nil {
		t.Fatal(err)
	}
	if len(members) != 1203 {
		t.Errorf("%d members, want the 1,203 people", len(members))
	}
	if n := len(e.f.CallsTo("GET", `^/guilds/`+e.guild+`/members$`)); n != 2 {
		t.Errorf("%d list calls, want 2 pages", n)
	}
	for _, m := range members {
		if m.ID == helper.ID || m.ID == e.f.Bot.ID {
			t.Errorf("a bot counted as a member: %+v", m)
		}
	}
}
