package discord

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/bwmarrin/discordgo"
	"github.com/entraide/entraide/bot"
	"github.com/entraide/entraide/bot/adaptertest"
)

// The commands of each configured guild are registered once, by bulk
// overwrite, with French localizations and the categories as choices; an
// unconfigured guild is left, after the core's explanation.
func TestCommandsRegisteredOncePerGuild(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	f := newFakeDiscord(t)
	f.ResumeURLOnly = false // this test is about what a resume does
	ana := f.AddUser("ana", "Ana")
	g1, _ := f.AddGuild("Coop", ana)
	g2, _ := f.AddGuild("Réseau", ana)
	stranger, strangerGeneral := f.AddGuild("Elsewhere", ana)
	a, _ := newAdapter(t, f, Config{Guilds: []string{g1.ID, g2.ID}})
	db := adaptertest.Ledger(t, ctx)
	run(t, ctx, a, newCore(t, ctx, db, guildCommunity("coop", "fr", g1.ID), guildCommunity("reseau", "en", g2.ID)))
	f.Wait("both guilds registered and the stranger left", func() bool {
		return f.CommandPuts[g1.ID] == 1 && f.CommandPuts[g2.ID] == 1 && f.Left[stranger.ID]
	})
	// A reconnection (resume, then a new session) registers nothing again.
	f.Drop()
	f.Wait("a resumed session", func() bool { return len(f.Resumes) == 1 && f.Online() })
	f.Locked(func() { f.Invalidate = true })
	f.Drop()
	f.Wait("a new session", func() bool { return len(f.Identifies) == 2 && f.Online() })
	// An interaction answered after the new READY: its handler had time
	// to run too.
	id, err := f.Slash(ana, g1Channel(f, g1.ID), "balance")
	if err != nil {
		t.Fatal(err)
	}
	f.Wait("the balance", func() bool { return f.Interactions[id].Acked })

	for _, g := range []string{g1.ID, g2.ID} {
		puts := f.CallsTo("PUT", `^/applications/`+f.AppID+`/guilds/`+g+`/commands$`)
		if len(puts) != 1 {
			t.Fatalf("guild %s: %d bulk overwrites, want 1", g, len(puts))
		}
	}
	if puts := f.CallsTo("PUT", stranger.ID); len(puts) != 0 {
		t.Errorf("commands registered in a guild that is not configured")
	}
	var cmds []commandDef
	f.Locked(func() { cmds = f.Commands[g1.ID] })
	byName := map[string]commandDef{}
	for _, c := range cmds {
		byName[c.Name] = c
	}
	give := byName["give"]
	if give.NameLocalizations["fr"] != "donner" || give.DescriptionLocalizations["fr"] == "" || give.Description == "" || give.DefaultMemberPermissions != nil {
		t.Errorf("give = %+v", give)
	}
	wantTypes := map[string]int{"amount": 3, "members": 3, "note": 3, "category": 3}
	for _, o := range give.Options {
		if wantTypes[o.Name] != o.Type || o.NameLocalizations["fr"] == "" || o.DescriptionLocalizations["fr"] == "" {
			t.Errorf("give option %+v", o)
		}
	}
	if names := namesOf(give.Options); !slices.Equal(names, []string{"amount", "members", "note", "category"}) {
		t.Errorf("give options %v", names)
	}
	category := give.Options[3]
	if len(category.Choices) != 6 || category.Autocomplete {
		t.Fatalf("category choices %+v", category.Choices)
	}
	support := category.Choices[3]
	if support.Value != "support" || support.Name != "support" || support.NameLocalizations["fr"] != "soutien" {
		t.Errorf("support choice %+v", support)
	}
	history := byName["history"].Options
	if len(history) != 2 || history[0].Type != 6 || history[1].Type != 4 || history[1].MinValue == nil || *history[1].MinValue != 1 {
		t.Errorf("history options %+v", history)
	}
	commons := byName["commons"]
	if commons.NameLocalizations["fr"] != "communs" {
		t.Errorf("commons = %+v", commons)
	}
	var subs []string
	for _, o := range commons.Options {
		if o.Type != 1 {
			t.Errorf("commons option %s has type %d, want a subcommand", o.Name, o.Type)
		}
		subs = append(subs, o.Name+"/"+o.NameLocalizations["fr"])
	}
	if !slices.Equal(subs, []string{"balance/solde", "give/donner", "history/historique", "pending/attente", "approve/approuver", "reject/refuser"}) {
		t.Errorf("commons subcommands %v", subs)
	}
	if reverse := byName["reverse"]; reverse.DefaultMemberPermissions != nil {
		t.Error("moderator commands are hidden from members; the core explains refusals instead")
	}

	// The stranger heard why, in the core's words, before the bot left.
	var notice *fakeMessage
	f.Locked(func() {
		for _, m := range f.Messages {
			if m.ChannelID == strangerGeneral {
				notice = m
			}
		}
	})
	if notice == nil || !strings.Contains(notice.Content, "config.yaml") {
		t.Errorf("no notice before leaving: %+v", notice)
	}
}

func g1Channel(f *fakeDiscord, guild string) string {
	var id string
	f.Locked(func() {
		for _, g := range f.Guilds {
			if g.ID == guild {
				id = g.SystemChannel
			}
		}
	})
	return id
}

func namesOf(opts []optionDef) []string {
	var out []string
	for _, o := range opts {
		out = append(out, o.Name)
	}
	return out
}

// A slash command comes back as the text the core parses, subcommands
// and all.
func TestCommandText(t *testing.T) {
	specs := []bot.Spec{
		{Path: []string{"commons", "give"}, Options: []bot.OptionSpec{
			{Name: "amount", Kind: bot.OptionText, Required: true},
			{Name: "members", Kind: bot.OptionMembers, Required: true},
			{Name: "note", Kind: bot.OptionText, Prefix: "for "},
			{Name: "category", Kind: bot.OptionCategory, Prefix: "#"},
		}},
		{Path: []string{"history"}, Private: true, Options: []bot.OptionSpec{
			{Name: "member", Kind: bot.OptionMember},
			{Name: "page", Kind: bot.OptionInteger},
		}},
	}
	var d discordgo.ApplicationCommandInteractionData
	raw := `{"name":"commons","type":1,"options":[{"name":"give","type":1,"options":[
		{"name":"members","type":3,"value":"<@1> <@!2>"},{"name":"amount","type":3,"value":"1h30"},
		{"name":"category","type":3,"value":"joy"},{"name":"note","type":3,"value":"the party"}]}]}`
	if err := json.Unmarshal([]byte(raw), &d); err != nil {
		t.Fatal(err)
	}
	text, path, private := commandText(specs, d)
	if text != "/commons give 1h30 <@1> <@!2> for the party #joy" || strings.Join(path, " ") != "commons give" || private {
		t.Errorf("text %q path %v private %v", text, path, private)
	}
	raw = `{"name":"history","type":1,"options":[{"name":"page","type":4,"value":3},{"name":"member","type":6,"value":"42"}]}`
	d = discordgo.ApplicationCommandInteractionData{}
	json.Unmarshal([]byte(raw), &d)
	if text, _, private := commandText(specs, d); text != "/history <@42> 3" || !private {
		t.Errorf("text %q private %v", text, private)
	}
}

// More categories than Discord lists as choices become an autocomplete,
// answered from the catalogue in the member's language.
func TestManyCategoriesAutocomplete(t *testing.T) {
	var choices []bot.Choice
	for _, n := range []string{"a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l", "m", "n", "o", "p", "q", "r", "s", "t", "u", "v", "w", "x", "y", "z"} {
		choices = append(choices, bot.Choice{Value: "cat-" + n, Names: map[string]string{"en": "cat " + n, "fr": "catégorie " + n}})
	}
	specs := []bot.Spec{{Path: []string{"give"}, Names: map[string][]string{"fr": {"donner"}}, Descriptions: map[string]string{"en": "Give", "fr": "Donner"},
		Options: []bot.OptionSpec{{Name: "category", Kind: bot.OptionCategory, Choices: choices}}}}
	cmds, err := buildCommands(specs, func(string, ...any) {})
	if err != nil {
		t.Fatal(err)
	}
	if o := cmds[0].Options[0]; !o.Autocomplete || len(o.Choices) != 0 {
		t.Fatalf("category option %+v", o)
	}
	var d discordgo.ApplicationCommandInteractionData
	json.Unmarshal([]byte(`{"name":"give","type":1,"options":[{"name":"category","type":3,"value":"RIE Z","focused":true}]}`), &d)
	ask := func(locale discordgo.Locale) *discordgo.Interaction {
		return &discordgo.Interaction{Type: discordgo.InteractionApplicationCommandAutocomplete, Data: d, Locale: locale}
	}
	got := completions(context.Background(), nil, specs, ask(discordgo.French))
	if len(got) != 1 || got[0].Value != "cat-z" || got[0].Name != "catégorie z" {
		t.Errorf("completions %+v", got)
	}
	json.Unmarshal([]byte(`{"name":"give","type":1,"options":[{"name":"category","type":3,"value":"","focused":true}]}`), &d)
	if got := completions(context.Background(), nil, specs, ask(discordgo.EnglishUS)); len(got) != 25 {
		t.Errorf("%d completions, want Discord's 25", len(got))
	}
}

// A group is described as itself, not as its first subcommand.
func TestGroupsHaveTheirOwnDescription(t *testing.T) {
	specs := []bot.Spec{
		{Path: []string{"commons", "balance"}, Descriptions: map[string]string{"en": "the commons' balance", "fr": "le solde des communs"},
			GroupDescriptions: map[string][]string{"en": {"the commons account"}, "fr": {"le compte des communs"}}},
		{Path: []string{"commons", "give"}, Descriptions: map[string]string{"en": "pay from the commons", "fr": "payer sur les communs"},
			GroupDescriptions: map[string][]string{"en": {"the commons account"}, "fr": {"le compte des communs"}}},
	}
	cmds, err := buildCommands(specs, func(string, ...any) {})
	if err != nil {
		t.Fatal(err)
	}
	c := cmds[0]
	if c.Description != "the commons account" || (*c.DescriptionLocalizations)[localeFR] != "le compte des communs" {
		t.Errorf("group described as %q / %v", c.Description, *c.DescriptionLocalizations)
	}
	if c.Options[0].Description != "the commons' balance" || c.Options[1].Description != "pay from the commons" {
		t.Errorf("subcommands described as %q and %q", c.Options[0].Description, c.Options[1].Description)
	}
}

// A configured category that Discord cannot offer as a choice stops the
// bot at start-up, naming the category; nothing is registered.
func TestCategoryBeyondDiscordLimitsStopsRun(t *testing.T) {
	t.Parallel()
	f := newFakeDiscord(t)
	g, _ := f.AddGuild("Coop")
	a, _ := newAdapter(t, f, Config{Guilds: []string{g.ID}})
	long := strings.Repeat("très long nom ", 8)
	coop := guildCommunity("coop", "fr", g.ID)
	coop.Name, coop.Categories = "Coop", []bot.Category{{ID: "jardin", Names: map[string]string{"fr": long, "en": "garden"}}}
	err := a.Run(t.Context(), newCore(t, t.Context(), adaptertest.Ledger(t, t.Context()), coop))
	if err == nil || !strings.Contains(err.Error(), `"jardin"`) || !strings.Contains(err.Error(), "100 characters") {
		t.Errorf("Run = %v", err)
	}
	if n := len(f.CallsTo("PUT", "/commands$")); n != 0 {
		t.Errorf("%d registrations", n)
	}
}
