package discord

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/bwmarrin/discordgo"
	"github.com/entraide/entraide/bot"
)

// Without the Message Content intent the bot asks only for guilds, so
// Discord sends it no messages, and a message would be ignored anyway.
func TestPrefixCommandsNeedMessageContent(t *testing.T) {
	t.Parallel()
	rec := &recorder{}
	e := newEnv(t, envOptions{inbox: func(b *bot.Bot) bot.Inbox { rec.Bot = b; return rec }})
	e.f.Locked(func() {
		if got := e.f.Identifies[0]; got != int(discordgo.IntentGuilds) {
			t.Errorf("intents %b, want GUILDS only", got)
		}
	})
	if _, delivered := e.f.Say(e.ana, e.general, "!give 1h <@"+e.bob.ID+">"); delivered {
		t.Error("discord delivered a message the bot did not ask for")
	}
	// Even if one came, it would not reach the core.
	e.a.onMessage(nil, &discordgo.MessageCreate{Message: &discordgo.Message{
		ID: "1", GuildID: e.guild, ChannelID: e.general, Content: "!give 1h <@" + e.bob.ID + ">",
		Author: &discordgo.User{ID: e.ana.ID, Username: "ana"},
	}})
	if got := rec.messages(); len(got) != 0 {
		t.Errorf("the core got %+v", got)
	}
}

// With it, "!give" and "/give" in a message work like the slash command;
// bots, the bot itself and other guilds are ignored.
func TestPrefixCommandsWithMessageContent(t *testing.T) {
	t.Parallel()
	rec := &recorder{}
	e := newEnv(t, envOptions{messageContent: true, inbox: func(b *bot.Bot) bot.Inbox { rec.Bot = b; return rec }})
	e.f.Locked(func() {
		want := int(discordgo.IntentGuilds | discordgo.IntentGuildMessages | discordgo.IntentMessageContent)
		if got := e.f.Identifies[0]; got != want {
			t.Errorf("intents %b, want %b", got, want)
		}
	})
	id, _ := e.f.Say(e.ana, e.general, "!give 1h <@!"+e.bob.ID+"> and <@"+e.carol.ID+"> for tea")
	m := e.f.Next()
	if !strings.Contains(m.Content, "<@"+e.bob.ID+">") || !strings.Contains(m.Content, "<@"+e.carol.ID+">") || !strings.Contains(m.Content, "tea") {
		t.Errorf("reply %q", m.Content)
	}
	if got := m.Pinged(); !slices.Equal(got, []string{e.bob.ID, e.carol.ID}) {
		t.Errorf("pinged %v", got)
	}
	if n := e.entries(); n != 2 {
		t.Errorf("%d entries, want one per recipient", n)
	}
	got := rec.messages()[0]
	want := []bot.Mention{
		{Text: "<@!" + e.bob.ID + ">", User: bot.User{ID: e.bob.ID, Name: "Bob"}},
		{Text: "<@" + e.carol.ID + ">", User: bot.User{ID: e.carol.ID, Name: "carol"}},
	}
	if got.ID != id || got.Room != e.general || got.Space != e.guild || !slices.Equal(got.Mentions, want) {
		t.Errorf("the core got %+v", got)
	}

	// A private answer to a message is a direct message.
	e.f.Say(e.bob, e.general, "/balance")
	dm := e.f.Next()
	e.f.Locked(func() {
		if ch := e.f.Channels[dm.ChannelID]; ch.Type != 1 || ch.DMUser != e.bob.ID {
			t.Errorf("the balance went to %+v, want a DM with Bob", ch)
		}
	})

	for _, msg := range []*discordgo.Message{
		{ID: "2", GuildID: e.guild, ChannelID: e.general, Content: "!give 1h <@" + e.bob.ID + ">", Author: &discordgo.User{ID: "99", Bot: true}},
		{ID: "3", GuildID: e.guild, ChannelID: e.general, Content: "!give 1h <@" + e.bob.ID + ">", Author: &discordgo.User{ID: e.f.Bot.ID}},
		{ID: "4", GuildID: "12345", ChannelID: e.general, Content: "!give 1h <@" + e.bob.ID + ">", Author: &discordgo.User{ID: e.ana.ID}},
		{ID: "5", GuildID: e.guild, ChannelID: e.general, Content: "thanks everyone!", Author: &discordgo.User{ID: e.ana.ID}},
	} {
		e.a.onMessage(nil, &discordgo.MessageCreate{Message: msg})
	}
	if n := len(rec.messages()); n != 2 {
		t.Errorf("the core got %d messages, want 2: bots, other guilds and chat are ignored", n)
	}
}

// Mentions: <@id> and <@!id> are members; roles and @everyone never are.
func TestMentionsResolveOnlyMembers(t *testing.T) {
	t.Parallel()
	f := newFakeDiscord(t)
	bob := f.AddUser("bob", "Bob")
	carol := f.AddUser("carol", "")
	g, _ := f.AddGuild("Coop", bob) // carol is not in the guild
	a, _ := newAdapter(t, f, Config{Guilds: []string{g.ID}})
	a.self = f.Bot.ID
	text := "/give 1h <@" + bob.ID + ">, <@!" + carol.ID + "> <@&" + g.ID + "> @everyone @here <@" + f.Bot.ID + "> <@12345> <@" + bob.ID + ">"
	got := a.mentions(context.Background(), g.ID, text)
	want := []bot.Mention{
		{Text: "<@" + bob.ID + ">", User: bot.User{ID: bob.ID, Name: "Bob"}},
		{Text: "<@!" + carol.ID + ">", User: bot.User{ID: carol.ID, Name: "carol"}},
		{Text: "<@" + f.Bot.ID + ">", User: bot.User{ID: f.Bot.ID, Name: "Entraide"}, IsBot: true},
	}
	if !slices.Equal(got, want) {
		t.Errorf("mentions\n%+v\nwant\n%+v", got, want)
	}
	// Names are remembered: asking again costs no request.
	before := len(f.CallsTo("GET", ""))
	a.mentions(context.Background(), g.ID, "<@"+bob.ID+">")
	if after := len(f.CallsTo("GET", "")); after != before {
		t.Errorf("%d lookups for a known member", after-before)
	}
}

func TestIsPrefixCommand(t *testing.T) {
	for text, want := range map[string]bool{
		"!give 2h <@1>": true, "/solde": true, "  !aide": true, "!": false, "/": false,
		"hello": false, "!!!": false, "/ give": false, "!1h": false,
	} {
		if got := isPrefixCommand(text); got != want {
			t.Errorf("isPrefixCommand(%q) = %v", text, got)
		}
	}
}
