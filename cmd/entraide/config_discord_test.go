package main

import (
	"slices"
	"strings"
	"testing"

	"github.com/entraide/entraide/adapters/discord"
)

// Each community names its guilds and their channels: the guild becomes
// one of its rooms, the moderators' channel hears mediation requests, the
// announcement channel gets the newsletter, and the adapter serves every
// guild with its own channels.
func TestConfigDiscordGuilds(t *testing.T) {
	cfg, err := ParseConfig([]byte(`communities:
  - id: coop
    discord:
      - {guild: "111", mediation_channel: "112", announcement_channel: "113", moderators_channel: "114"}
  - id: reseau
    rooms: ["discord:222"]
    conflicts: {moderators_room: "discord:999"}
    discord:
      - {guild: "222", mediation_channel: "223"}
discord:
  token: t
  guilds: ["111"]
`), noEnv)
	if err != nil {
		t.Fatal(err)
	}
	coms, err := cfg.BotCommunities()
	if err != nil {
		t.Fatal(err)
	}
	coop, reseau := coms[0], coms[1]
	if !slices.Equal(coop.Rooms, []string{"discord:111"}) || coop.Conflicts.ModeratorsRoom != "discord:114" || coop.Groups.Newsletter.Room != "discord:113" {
		t.Errorf("coop: rooms %v, moderators %q, newsletter %q", coop.Rooms, coop.Conflicts.ModeratorsRoom, coop.Groups.Newsletter.Room)
	}
	if !slices.Equal(reseau.Rooms, []string{"discord:222"}) || reseau.Conflicts.ModeratorsRoom != "discord:999" {
		t.Errorf("reseau: rooms %v, moderators %q", reseau.Rooms, reseau.Conflicts.ModeratorsRoom)
	}
	guilds, channels, err := cfg.discordGuilds()
	want := []discord.GuildChannels{{Guild: "111", Mediation: "112", Announcements: "113", Moderators: "114"}, {Guild: "222", Mediation: "223"}}
	if err != nil || !slices.Equal(guilds, []string{"111", "222"}) || !slices.Equal(channels, want) {
		t.Errorf("guilds %v channels %+v, %v", guilds, channels, err)
	}

	twice, _ := ParseConfig([]byte(oneCommunity(`discord: [{guild: "1"}, {guild: "1"}]`)), noEnv)
	if _, _, err := twice.discordGuilds(); err == nil || !strings.Contains(err.Error(), "guild 1") {
		t.Errorf("a guild named twice: %v", err)
	}
	if _, err := ParseConfig([]byte(oneCommunity(`discord: [{mediation_channel: "1"}]`)), noEnv); err == nil || !strings.Contains(err.Error(), "guild is required") {
		t.Errorf("a guild without its ID: %v", err)
	}
}
