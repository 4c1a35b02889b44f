package discord

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/bwmarrin/discordgo"
)

// Platform is the name Discord identities carry in the ledger.
const Platform = "discord"

// Config is what the adapter needs to serve a set of guilds.
type Config struct {
	// Token is the bot token, from the environment. A "Bot " prefix is
	// accepted and not doubled.
	Token string
	// Guilds are the IDs of the guilds served; the slash commands are
	// registered in each. The bot leaves any other guild it is added to.
	Guilds []string
	// MessageContent says the privileged Message Content intent is enabled
	// for the bot in the Developer Portal: then "!give …" typed in a
	// message works too. Without it, only slash commands do.
	MessageContent bool
	// MembersIntent says the privileged Server Members intent is enabled
	// for the bot in the Developer Portal: then a guild's members count
	// as the community's members before they use the bot. Without it,
	// only the members who used the bot do.
	MembersIntent bool
	// Channels are each guild's channels with a role: where mediation
	// spaces are made, announcements posted, moderators told. They are
	// checked at start-up.
	Channels []GuildChannels
	// PrivateChannel is the mediation channel of a bot serving one guild
	// (the setting before Channels).
	PrivateChannel string
	// Components keeps what buttons do, so that they work across
	// restarts (the ledger). Without it they are kept in memory only.
	Components ComponentStore
	// HTTPClient, when set, carries every REST request (tests point it at
	// a fake Discord; proxies go here too).
	HTTPClient *http.Client
}

// validate checks the settings an operator can get wrong and says which.
func (c *Config) validate() error {
	c.Token = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(c.Token), "Bot "))
	if c.Token == "" {
		return errors.New("discord: the bot token is empty (set it in the environment and reference it in config.yaml)")
	}
	if len(c.Guilds) == 0 {
		return errors.New("discord: at least one guild ID is required")
	}
	for _, g := range c.Guilds {
		if !isSnowflake(g) {
			return fmt.Errorf("discord: guild %q is not a Discord ID (a number; enable Developer Mode and use “Copy Server ID”)", g)
		}
	}
	if c.PrivateChannel != "" && !isSnowflake(c.PrivateChannel) {
		return fmt.Errorf("discord: private channel %q is not a Discord ID", c.PrivateChannel)
	}
	if c.PrivateChannel != "" && len(c.Guilds) > 1 {
		return errors.New("discord: private_channel serves one guild; with several, name each guild's mediation channel in its community's discord settings")
	}
	seen := map[string]bool{}
	for _, gc := range c.Channels {
		if !slices.Contains(c.Guilds, gc.Guild) {
			return fmt.Errorf("discord: channels are set for guild %q, which is not among the guilds served", gc.Guild)
		}
		if seen[gc.Guild] {
			return fmt.Errorf("discord: the channels of guild %s are set twice", gc.Guild)
		}
		seen[gc.Guild] = true
		for _, r := range channelRoles {
			if id := r.of(gc); id != "" && !isSnowflake(id) {
				return fmt.Errorf("discord: the %s channel %q of guild %s is not a Discord ID (use “Copy Channel ID”)", r.name, id, gc.Guild)
			}
		}
	}
	return nil
}

// GuildChannels are a guild's channels with a role for the bot; "" means
// none.
type GuildChannels struct {
	Guild string
	// Mediation is where mediation spaces (private threads) are made.
	Mediation string
	// Announcements is where the community's announcements go.
	Announcements string
	// Moderators is where the moderators are told of requests.
	Moderators string
}

// mediationChannel is the channel where guild's private threads are made;
// guild "" means the one guild that has one.
func (c Config) mediationChannel(guild string) (string, error) {
	var found []string
	for _, gc := range c.Channels {
		if gc.Mediation != "" && (guild == "" || gc.Guild == guild) {
			found = append(found, gc.Mediation)
		}
	}
	if len(found) == 0 && c.PrivateChannel != "" && (guild == "" || slices.Contains(c.Guilds, guild)) {
		found = append(found, c.PrivateChannel)
	}
	switch {
	case len(found) == 1:
		return found[0], nil
	case len(found) > 1:
		return "", errors.New("discord: several guilds have a mediation channel; a private space needs its guild")
	case guild != "":
		return "", fmt.Errorf("discord: no mediation channel is configured for guild %s", guild)
	}
	return "", errors.New("discord: no mediation channel is configured for private threads")
}

// intents are the gateway intents the configuration needs: guilds (for
// slash commands, channels and threads) and, with Message Content enabled,
// guild messages and their text for prefix commands.
func (c Config) intents() discordgo.Intent {
	i := discordgo.IntentGuilds
	if c.MessageContent {
		i |= discordgo.IntentGuildMessages | discordgo.IntentMessageContent
	}
	if c.MembersIntent {
		i |= discordgo.IntentGuildMembers
	}
	return i
}

// isSnowflake reports whether s looks like a Discord ID.
func isSnowflake(s string) bool {
	if len(s) == 0 || len(s) > 20 {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// Permissions are what the bot needs in the channels it serves: see and
// write messages and threads, create public threads (discussions) and
// private ones (mediation), add members to them, attach files, show
// embeds, read history and use slash commands.
const Permissions int64 = discordgo.PermissionViewChannel |
	discordgo.PermissionSendMessages |
	discordgo.PermissionSendMessagesInThreads |
	discordgo.PermissionCreatePublicThreads |
	discordgo.PermissionCreatePrivateThreads |
	discordgo.PermissionManageThreads |
	discordgo.PermissionAttachFiles |
	discordgo.PermissionEmbedLinks |
	discordgo.PermissionReadMessageHistory |
	discordgo.PermissionUseSlashCommands

// InviteURL is the link that adds the bot to a server with its slash
// commands and Permissions; appID is the application's ID (the Developer
// Portal's "Application ID").
func InviteURL(appID string) string {
	q := url.Values{}
	q.Set("client_id", appID)
	q.Set("scope", "bot applications.commands")
	q.Set("permissions", strconv.FormatInt(Permissions, 10))
	return "https://discord.com/oauth2/authorize?" + strings.ReplaceAll(q.Encode(), "+", "%20")
}
