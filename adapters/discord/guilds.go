package discord

import (
	"context"
	"slices"
	"sync"

	"github.com/bwmarrin/discordgo"
	"github.com/entraide/entraide/bot"
)

// onGuildCreate learns a guild's channels and threads, registers the
// commands of a configured guild that became available after READY (or
// that the bot just joined), and leaves any other guild with the core's
// explanation: the bot serves only the communities it was set up for.
func (a *Adapter) onGuildCreate(_ *discordgo.Session, g *discordgo.GuildCreate) {
	if g.Guild == nil || g.Unavailable {
		return
	}
	for _, c := range g.Channels {
		a.channels.learn(c, g.ID)
	}
	for _, c := range g.Threads {
		a.channels.learn(c, g.ID)
	}
	ctx, inbox, ok := a.begin()
	if !ok {
		return
	}
	defer a.end()
	if a.guilds[g.ID] {
		a.registerCommands(ctx, inbox, g.ID)
		return
	}
	a.leave(ctx, inbox, g.Guild)
}

// leave says why in the guild's system channel, then leaves the guild.
func (a *Adapter) leave(ctx context.Context, inbox bot.Inbox, g *discordgo.Guild) {
	log := a.log.With("guild", g.ID)
	log.Warn("added to a guild that is not configured; leaving it", "name", g.Name)
	if n, ok := inbox.(bot.Noticer); ok && g.SystemChannelID != "" {
		text := n.Notice(Platform, g.ID, bot.NoticeInviteRefused)
		if _, err := a.post(ctx, g.SystemChannelID, bot.Reply{Text: text}, 0); err != nil {
			log.Warn("could not explain why the bot leaves", "err", err)
		}
	}
	if _, err := a.request(ctx, "DELETE", discordgo.EndpointUserGuild("@me", g.ID), discordgo.EndpointUserGuild("@me", ""), nil, nil); err != nil {
		log.Error("could not leave the guild", "err", err)
	}
}

func (a *Adapter) onThreadCreate(_ *discordgo.Session, t *discordgo.ThreadCreate) {
	if t.Channel != nil {
		a.channels.learn(t.Channel, t.GuildID)
	}
}

func (a *Adapter) onChannelCreate(_ *discordgo.Session, c *discordgo.ChannelCreate) {
	if c.Channel != nil {
		a.channels.learn(c.Channel, c.GuildID)
	}
}

// channelInfo is what the adapter needs to know of a channel.
type channelInfo struct {
	guild  string
	parent string
	thread bool
	kind   discordgo.ChannelType
}

// channelCache remembers channel kinds, so that a message or interaction
// in a thread can say so without asking Discord each time.
type channelCache struct {
	mu sync.Mutex
	m  map[string]channelInfo
}

func newChannelCache() *channelCache { return &channelCache{m: map[string]channelInfo{}} }

func (c *channelCache) learn(ch *discordgo.Channel, guild string) {
	if ch == nil || ch.ID == "" {
		return
	}
	if ch.GuildID != "" {
		guild = ch.GuildID
	}
	c.put(ch.ID, channelInfo{guild: guild, parent: ch.ParentID, thread: ch.IsThread(), kind: ch.Type})
}

// served lists the channels and threads of the served guilds where
// members write.
func (c *channelCache) served(guilds map[string]bool) []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []string
	for id, info := range c.m {
		if guilds[info.guild] && (info.thread || info.kind == discordgo.ChannelTypeGuildText || info.kind == discordgo.ChannelTypeGuildNews) {
			out = append(out, id)
		}
	}
	slices.Sort(out)
	return out
}

func (c *channelCache) put(id string, info channelInfo) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.m[id] = info
}

func (c *channelCache) get(id string) (channelInfo, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	info, ok := c.m[id]
	return info, ok
}

// channel describes a channel, asking Discord when it is not known yet.
func (a *Adapter) channel(ctx context.Context, id string) (channelInfo, error) {
	if info, ok := a.channels.get(id); ok {
		return info, nil
	}
	var ch discordgo.Channel
	if err := a.requestJSON(ctx, "GET", discordgo.EndpointChannel(id), discordgo.EndpointChannel(id), nil, nil, &ch); err != nil {
		return channelInfo{}, err
	}
	a.channels.learn(&ch, "")
	info, _ := a.channels.get(id)
	return info, nil
}

// threadOf is the thread a channel is, or "" for a plain channel. When
// Discord cannot say, the channel is taken as plain: replies still reach
// it, since a thread's ID is its channel's.
func (a *Adapter) threadOf(ctx context.Context, channelID string) string {
	info, err := a.channel(ctx, channelID)
	if err != nil {
		a.log.Warn("could not tell whether a channel is a thread", "channel", channelID, "err", err)
		return ""
	}
	if info.thread {
		return channelID
	}
	return ""
}
