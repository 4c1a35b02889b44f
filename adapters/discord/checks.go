package discord

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/bwmarrin/discordgo"
)

// channelRole is what a configured channel is for: the channel types that
// can serve it and the permissions the bot needs there.
type channelRole struct {
	name  string
	of    func(GuildChannels) string
	types []discordgo.ChannelType
	perms int64
}

var channelRoles = []channelRole{
	// Private threads can only be made in a text channel.
	{"mediation", func(g GuildChannels) string { return g.Mediation }, []discordgo.ChannelType{discordgo.ChannelTypeGuildText},
		discordgo.PermissionViewChannel | discordgo.PermissionSendMessagesInThreads | discordgo.PermissionCreatePrivateThreads |
			discordgo.PermissionManageThreads | discordgo.PermissionReadMessageHistory},
	{"announcements", func(g GuildChannels) string { return g.Announcements },
		[]discordgo.ChannelType{discordgo.ChannelTypeGuildText, discordgo.ChannelTypeGuildNews},
		discordgo.PermissionViewChannel | discordgo.PermissionSendMessages | discordgo.PermissionEmbedLinks |
			discordgo.PermissionAttachFiles | discordgo.PermissionReadMessageHistory},
	{"moderators", func(g GuildChannels) string { return g.Moderators }, []discordgo.ChannelType{discordgo.ChannelTypeGuildText},
		discordgo.PermissionViewChannel | discordgo.PermissionSendMessages | discordgo.PermissionEmbedLinks |
			discordgo.PermissionReadMessageHistory},
}

// permissionNames are the names Discord's server settings show.
var permissionNames = []struct {
	bit  int64
	name string
}{
	{discordgo.PermissionViewChannel, "View Channel"},
	{discordgo.PermissionSendMessages, "Send Messages"},
	{discordgo.PermissionSendMessagesInThreads, "Send Messages in Threads"},
	{discordgo.PermissionCreatePublicThreads, "Create Public Threads"},
	{discordgo.PermissionCreatePrivateThreads, "Create Private Threads"},
	{discordgo.PermissionManageThreads, "Manage Threads"},
	{discordgo.PermissionEmbedLinks, "Embed Links"},
	{discordgo.PermissionAttachFiles, "Attach Files"},
	{discordgo.PermissionReadMessageHistory, "Read Message History"},
}

// checkChannels makes sure every configured channel exists in its guild,
// has a type that serves its role and lets the bot do what it needs
// there; the error names the channel and what is missing.
func (a *Adapter) checkChannels(ctx context.Context) error {
	channels := a.cfg.Channels
	if a.cfg.PrivateChannel != "" && len(a.cfg.Guilds) == 1 {
		channels = append(channels, GuildChannels{Guild: a.cfg.Guilds[0], Mediation: a.cfg.PrivateChannel})
	}
	if len(channels) == 0 {
		return nil
	}
	var me discordgo.User
	if err := a.requestJSON(ctx, "GET", discordgo.EndpointUser("@me"), discordgo.EndpointUsers, nil, nil, &me); err != nil {
		return fmt.Errorf("discord: who is the bot: %w", err)
	}
	for _, gc := range channels {
		for _, r := range channelRoles {
			id := r.of(gc)
			if id == "" {
				continue
			}
			if err := a.checkChannel(ctx, me.ID, gc.Guild, id, r); err != nil {
				return err
			}
		}
	}
	return nil
}

func (a *Adapter) checkChannel(ctx context.Context, self, guild, id string, r channelRole) error {
	var ch discordgo.Channel
	err := a.requestJSON(ctx, "GET", discordgo.EndpointChannel(id), discordgo.EndpointChannel(id), nil, nil, &ch)
	switch {
	case apiCode(err) == codeUnknownChannel || httpStatus(err) == 404:
		return fmt.Errorf("discord: the %s channel %s of guild %s does not exist", r.name, id, guild)
	case httpStatus(err) == 403:
		return fmt.Errorf("discord: the bot cannot see the %s channel %s of guild %s: give its role View Channel there", r.name, id, guild)
	case err != nil:
		return fmt.Errorf("discord: check the %s channel %s: %w", r.name, id, err)
	case ch.GuildID != guild:
		return fmt.Errorf("discord: the %s channel %s (#%s) is not in guild %s", r.name, id, ch.Name, guild)
	case !slices.Contains(r.types, ch.Type):
		return fmt.Errorf("discord: the %s channel #%s (%s) of guild %s must be a text channel (private threads need one)", r.name, ch.Name, id, guild)
	}
	a.channels.learn(&ch, guild)
	have, err := a.s.UserChannelPermissions(self, id, discordgo.WithContext(ctx))
	if err != nil {
		return fmt.Errorf("discord: read the bot's permissions in #%s (%s): %w", ch.Name, id, redact(err))
	}
	var missing []string
	for _, p := range permissionNames {
		if r.perms&p.bit != 0 && have&p.bit == 0 {
			missing = append(missing, p.name)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("discord: the bot lacks %s in the %s channel #%s (%s) of guild %s: allow them for its role in that channel's permissions",
			strings.Join(missing, ", "), r.name, ch.Name, id, guild)
	}
	return nil
}
