package discord

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"github.com/bwmarrin/discordgo"
	"github.com/entraide/entraide/bot"
)

// Thread settings.
const (
	maxThreadName = 100
	// A public thread hides after a day without messages; a private
	// space after a week, since mediation moves slowly. Posting in a
	// hidden thread shows it again.
	publicArchiveMinutes  = 1440
	privateArchiveMinutes = 10080
)

// threadStart is the body of both thread-creating endpoints.
type threadStart struct {
	Name                string                `json:"name"`
	Type                discordgo.ChannelType `json:"type,omitempty"`
	AutoArchiveDuration int                   `json:"auto_archive_duration"`
	Invitable           *bool                 `json:"invitable,omitempty"`
}

// OpenThread implements bot.ThreadOpener: a public thread on the message
// t.ReplyTo, or in t.Room without one (also when the message is not one
// Discord knows, such as an interaction's ID).
func (a *Adapter) OpenThread(ctx context.Context, t bot.Target, title string) (string, error) {
	room := t.Room
	if info, err := a.channel(ctx, room); err == nil && info.thread && info.parent != "" {
		// Threads don't nest: open it beside, in the parent channel.
		room = info.parent
	}
	name := threadName(title)
	var ch discordgo.Channel
	if t.ReplyTo != "" && isSnowflake(t.ReplyTo) && room == t.Room {
		endpoint := discordgo.EndpointChannelMessageThread(room, t.ReplyTo)
		err := a.requestJSON(ctx, "POST", endpoint, discordgo.EndpointChannelMessageThread(room, ""), threadStart{Name: name, AutoArchiveDuration: publicArchiveMinutes}, nil, &ch)
		switch {
		case err == nil:
			a.channels.learn(&ch, "")
			return ch.ID, nil
		case apiCode(err) != codeUnknownMessage:
			return "", fmt.Errorf("discord: open a thread on message %s: %w", t.ReplyTo, err)
		}
	}
	endpoint := discordgo.EndpointChannelThreads(room)
	body := threadStart{Name: name, Type: discordgo.ChannelTypeGuildPublicThread, AutoArchiveDuration: publicArchiveMinutes}
	if err := a.requestJSON(ctx, "POST", endpoint, endpoint, body, nil, &ch); err != nil {
		return "", fmt.Errorf("discord: open a thread in %s: %w", room, err)
	}
	a.channels.learn(&ch, "")
	a.log.Info("thread opened", "channel", room, "thread", ch.ID)
	return ch.ID, nil
}

// CreatePrivateSpace implements bot.PrivateSpaceCreator: a private thread
// in the configured channel that members cannot invite others to, with
// exactly the named members added. If a member cannot be added, the thread
// is deleted: a space missing someone is not the one asked for. Guild
// moderators with Manage Threads can still read it (Discord's rule).
func (a *Adapter) CreatePrivateSpace(ctx context.Context, name string, members []bot.User) (string, error) {
	if a.cfg.PrivateChannel == "" {
		return "", errors.New("discord: no private channel is configured for private threads")
	}
	no := false
	body := threadStart{Name: threadName(name), Type: discordgo.ChannelTypeGuildPrivateThread, AutoArchiveDuration: privateArchiveMinutes, Invitable: &no}
	var ch discordgo.Channel
	endpoint := discordgo.EndpointChannelThreads(a.cfg.PrivateChannel)
	if err := a.requestJSON(ctx, "POST", endpoint, endpoint, body, nil, &ch); err != nil {
		return "", fmt.Errorf("discord: create a private thread in %s: %w", a.cfg.PrivateChannel, err)
	}
	a.channels.learn(&ch, "")
	log := a.log.With("channel", a.cfg.PrivateChannel, "thread", ch.ID)
	self, _ := a.identity()
	added := map[string]bool{self: true} // the creator is a member already
	for _, m := range members {
		if m.ID == "" || added[m.ID] {
			continue
		}
		added[m.ID] = true
		endpoint := discordgo.EndpointThreadMember(ch.ID, m.ID)
		if _, err := a.request(ctx, "PUT", endpoint, discordgo.EndpointThreadMember(ch.ID, ""), nil, nil); err != nil {
			a.deleteChannel(ctx, ch.ID, log)
			return "", fmt.Errorf("discord: add %s to the private thread: %w", m.ID, err)
		}
	}
	log.Info("private thread created", "members", len(added)-1)
	return ch.ID, nil
}

func (a *Adapter) deleteChannel(ctx context.Context, id string, log *slog.Logger) {
	endpoint := discordgo.EndpointChannel(id)
	if _, err := a.request(ctx, "DELETE", endpoint, endpoint, nil, nil); err != nil {
		log.Warn("could not delete an incomplete private thread", "err", err)
	}
}

// threadName fits a title into Discord's thread names.
func threadName(title string) string {
	title = strings.Join(strings.Fields(title), " ")
	if title == "" {
		title = "Entraide"
	}
	return truncate(title, maxThreadName)
}
