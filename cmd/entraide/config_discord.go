package main

import (
	"fmt"
	"slices"

	"github.com/entraide/entraide/adapters/discord"
	"github.com/entraide/entraide/bot"
)

// CommunityDiscord is a community's discord: list, one entry per Discord
// server (guild) the community uses, with its channels.
type CommunityDiscord struct {
	Discord []DiscordGuildConfig `yaml:"discord"`
}

// DiscordGuildConfig is one guild of a community and its channels with a
// role: where mediation spaces (private threads) are made, where the
// community's announcements go, and where its moderators are told of
// requests. Each is a channel ID; "" means none.
type DiscordGuildConfig struct {
	Guild         string `yaml:"guild"`
	Mediation     string `yaml:"mediation_channel"`
	Announcements string `yaml:"announcement_channel"`
	Moderators    string `yaml:"moderators_channel"`
}

// apply completes the community: each guild is one of its rooms, its
// moderators' channel hears mediation requests and its announcement
// channel gets the newsletter, unless the community names other rooms for
// them.
func (cd CommunityDiscord) apply(c *bot.Community) error {
	for i, g := range cd.Discord {
		if g.Guild == "" {
			return fmt.Errorf("discord[%d]: guild is required (the server's ID: “Copy Server ID”)", i)
		}
		if room := discord.Platform + ":" + g.Guild; !slices.Contains(c.Rooms, room) {
			c.Rooms = append(c.Rooms, room)
		}
		if g.Moderators != "" && c.Conflicts.ModeratorsRoom == "" {
			c.Conflicts.ModeratorsRoom = discord.Platform + ":" + g.Moderators
		}
		if g.Announcements != "" && c.Groups.Newsletter.Room == "" {
			c.Groups.Newsletter.Room = discord.Platform + ":" + g.Announcements
		}
	}
	return nil
}

// discordGuilds are the guilds the bot serves (discord.guilds and every
// community's) and their channels; a guild named by two communities is an
// error, since its commands and channels would be ambiguous.
func (cfg Config) discordGuilds() ([]string, []discord.GuildChannels, error) {
	guilds := slices.Clone(cfg.Discord.Guilds)
	var channels []discord.GuildChannels
	owner := map[string]string{}
	for _, cc := range cfg.Communities {
		for _, g := range cc.Discord {
			if other, ok := owner[g.Guild]; ok {
				return nil, nil, fmt.Errorf("config: discord guild %s is in communities %q and %q", g.Guild, other, cc.ID)
			}
			owner[g.Guild] = cc.ID
			if !slices.Contains(guilds, g.Guild) {
				guilds = append(guilds, g.Guild)
			}
			channels = append(channels, discord.GuildChannels{Guild: g.Guild, Mediation: g.Mediation,
				Announcements: g.Announcements, Moderators: g.Moderators})
		}
	}
	return guilds, channels, nil
}
