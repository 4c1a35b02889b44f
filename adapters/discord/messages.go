package discord

import (
	"context"
	"regexp"
	"strings"
	"sync"

	"github.com/bwmarrin/discordgo"
	"github.com/entraide/entraide/bot"
)

// userMention is a member mention as Discord clients write it: <@id>, or
// <@!id> from older clients. Role mentions (<@&id>) and @everyone don't
// match: they never stand for a member.
var userMention = regexp.MustCompile(`<@!?([0-9]{1,20})>`)

// onMessage hands a prefix command ("!give …", "/give …") typed in a
// configured guild to the core. It only runs with the Message Content
// intent: without it Discord sends no text, and the intent is not even
// requested.
func (a *Adapter) onMessage(_ *discordgo.Session, mc *discordgo.MessageCreate) {
	if !a.cfg.MessageContent || mc.Message == nil {
		return
	}
	ctx, _, ok := a.begin()
	if !ok {
		return
	}
	defer a.end()
	a.handleMessage(ctx, mc.Message, false)
}

// handleMessage hands a message to the core if it is a command from a
// served guild; true when it did. Catching up skips the messages handled
// already; a message Discord delivers again goes to the core, whose event
// IDs make it record nothing twice (and say so).
func (a *Adapter) handleMessage(ctx context.Context, m *discordgo.Message, catchingUp bool) bool {
	self, _ := a.identity()
	switch {
	case m.Author == nil, m.Author.Bot, m.Author.ID == self, m.WebhookID != "":
		return false // the bot's own messages and other bots' are never commands
	case m.Type != discordgo.MessageTypeDefault && m.Type != discordgo.MessageTypeReply:
		return false
	case m.GuildID == "" || !a.guilds[m.GuildID]:
		return false
	case !a.seen.claim(m.ChannelID, m.ID) && catchingUp:
		return false // handled already
	case !isPrefixCommand(m.Content):
		return false
	}
	_, inbox, ok := a.begin()
	if !ok {
		return false
	}
	defer a.end()
	log := a.log.With("guild", m.GuildID, "channel", m.ChannelID, "message", m.ID, "user", m.Author.ID)
	for _, u := range m.Mentions {
		a.names.learn(u)
	}
	a.names.learn(m.Author)
	msg := bot.Message{
		ID:       m.ID,
		Platform: Platform,
		Space:    m.GuildID,
		Room:     m.ChannelID,
		Thread:   a.threadOf(ctx, m.ChannelID),
		Sender:   userOf(m.Author),
		Text:     strings.TrimSpace(m.Content),
	}
	msg.Mentions = a.mentions(ctx, m.GuildID, msg.Text)
	log.Info("prefix command")
	inbox.Receive(ctx, guildAdapter{Adapter: a, guild: m.GuildID}, msg)
	return true
}

// isPrefixCommand tells a command ("!give", "/solde") from chat.
func isPrefixCommand(text string) bool {
	text = strings.TrimSpace(text)
	if len(text) < 2 || (text[0] != '!' && text[0] != '/') {
		return false
	}
	c := text[1]
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// userOf is a Discord user as the core sees it: the immutable ID and the
// name people know them by.
func userOf(u *discordgo.User) bot.User {
	if u == nil {
		return bot.User{}
	}
	return bot.User{ID: u.ID, Name: displayName(u)}
}

func displayName(u *discordgo.User) string {
	if u.GlobalName != "" {
		return u.GlobalName
	}
	return u.Username
}

// mentions resolves each <@id> of text into a bot.Mention whose Text is
// the exact token. Names come from what Discord sent with the event, else
// from a member or user lookup; an ID Discord does not know is left
// unresolved, and the core says so.
func (a *Adapter) mentions(ctx context.Context, guild, text string) []bot.Mention {
	self, _ := a.identity()
	var out []bot.Mention
	seen := map[string]bool{}
	for _, m := range userMention.FindAllStringSubmatch(text, -1) {
		tok, id := m[0], m[1]
		if seen[tok] {
			continue
		}
		seen[tok] = true
		name, ok := a.nameOf(ctx, guild, id)
		if !ok {
			continue
		}
		out = append(out, bot.Mention{Text: tok, User: bot.User{ID: id, Name: name}, IsBot: id == self})
	}
	return out
}

// nameOf is a user's display name; ok is false when Discord says there is
// no such user. When Discord cannot be asked, the ID stands in for the
// name: the ledger keys members by ID, never by name.
func (a *Adapter) nameOf(ctx context.Context, guild, id string) (name string, ok bool) {
	if n, ok := a.names.get(id); ok {
		return n, true
	}
	if guild != "" {
		var m discordgo.Member
		err := a.requestJSON(ctx, "GET", discordgo.EndpointGuildMember(guild, id), discordgo.EndpointGuildMember(guild, ""), nil, nil, &m)
		if err == nil && m.User != nil {
			a.names.learn(m.User)
			return displayName(m.User), true
		}
		if err != nil && apiCode(err) != codeUnknownMember {
			a.log.Warn("could not look a member up", "guild", guild, "user", id, "err", err)
			return id, true
		}
	}
	var u discordgo.User
	err := a.requestJSON(ctx, "GET", discordgo.EndpointUser(id), discordgo.EndpointUsers, nil, nil, &u)
	switch {
	case err == nil:
		a.names.learn(&u)
		return displayName(&u), true
	case apiCode(err) == codeUnknownUser || httpStatus(err) == 404:
		return "", false
	default:
		a.log.Warn("could not look a user up", "user", id, "err", err)
		return id, true
	}
}

// nameCache remembers the names of users seen in events, so that
// resolving a mention rarely costs a request. It forgets everything when
// full: names are only for display.
type nameCache struct {
	mu  sync.Mutex
	max int
	m   map[string]string
}

func newNameCache(max int) *nameCache { return &nameCache{max: max, m: map[string]string{}} }

func (c *nameCache) learn(u *discordgo.User) {
	if u == nil || u.ID == "" {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.m) >= c.max {
		clear(c.m)
	}
	c.m[u.ID] = displayName(u)
}

func (c *nameCache) get(id string) (string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	n, ok := c.m[id]
	return n, ok
}
