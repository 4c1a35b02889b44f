package discord

import (
	"context"
	"fmt"
	"log/slog"
	"strings"

	"github.com/bwmarrin/discordgo"
	"github.com/entraide/entraide/bot"
)

// Thread settings.
const (
	maxThreadName = 100
	// Threads archive after a week without activity, the longest Discord
	// allows (every guild may, since 2022): discussions of proposals that
	// run for days, and mediation that moves slowly. The adapter
	// unarchives a thread before it writes or changes members there.
	archiveMinutes = 10080
	// codeArchivedThread is Discord's refusal to act in an archived thread.
	codeArchivedThread = 50083
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
		err := a.requestJSON(ctx, "POST", endpoint, discordgo.EndpointChannelMessageThread(room, ""), threadStart{Name: name, AutoArchiveDuration: archiveMinutes}, nil, &ch)
		switch {
		case err == nil:
			a.channels.learn(&ch, "")
			return ch.ID, nil
		case apiCode(err) != codeUnknownMessage:
			return "", fmt.Errorf("discord: open a thread on message %s: %w", t.ReplyTo, err)
		}
	}
	endpoint := discordgo.EndpointChannelThreads(room)
	body := threadStart{Name: name, Type: discordgo.ChannelTypeGuildPublicThread, AutoArchiveDuration: archiveMinutes}
	if err := a.requestJSON(ctx, "POST", endpoint, endpoint, body, nil, &ch); err != nil {
		return "", fmt.Errorf("discord: open a thread in %s: %w", room, err)
	}
	a.channels.learn(&ch, "")
	a.log.Info("thread opened", "channel", room, "thread", ch.ID)
	return ch.ID, nil
}

// CreatePrivateSpace implements bot.PrivateSpaceCreator for an adapter
// that serves one guild with a mediation channel; commands reach the core
// through a guildAdapter, which knows its guild.
func (a *Adapter) CreatePrivateSpace(ctx context.Context, name string, members []bot.User) (string, error) {
	return a.createPrivateSpace(ctx, "", name, members)
}

// createPrivateSpace makes a private thread in the guild's mediation
// channel, closed to invitations, with exactly the named members added. If
// a member cannot be added, the thread is deleted: a space missing
// someone is not the one asked for. Guild moderators with Manage Threads
// can still read it (Discord's rule).
func (a *Adapter) createPrivateSpace(ctx context.Context, guild, name string, members []bot.User) (string, error) {
	channel, err := a.cfg.mediationChannel(guild)
	if err != nil {
		return "", err
	}
	no := false
	body := threadStart{Name: threadName(name), Type: discordgo.ChannelTypeGuildPrivateThread, AutoArchiveDuration: archiveMinutes, Invitable: &no}
	var ch discordgo.Channel
	endpoint := discordgo.EndpointChannelThreads(channel)
	if err := a.requestJSON(ctx, "POST", endpoint, endpoint, body, nil, &ch); err != nil {
		return "", fmt.Errorf("discord: create a private thread in %s: %w", channel, err)
	}
	a.channels.learn(&ch, "")
	log := a.log.With("channel", channel, "thread", ch.ID)
	self, _ := a.identity()
	added := map[string]bool{self: true} // the creator is a member already
	for _, m := range members {
		if m.ID == "" || added[m.ID] {
			continue
		}
		added[m.ID] = true
		if err := a.threadMember(ctx, "PUT", ch.ID, m.ID); err != nil {
			a.deleteChannel(ctx, ch.ID, log)
			return "", fmt.Errorf("discord: add %s to the private thread: %w", m.ID, err)
		}
	}
	log.Info("private thread created", "members", len(added)-1)
	return ch.ID, nil
}

// threadMember adds (PUT) or removes (DELETE) a member of a thread,
// unarchiving the thread first if Discord says it is archived: it refuses
// member changes there.
func (a *Adapter) threadMember(ctx context.Context, method, thread, user string) error {
	endpoint := discordgo.EndpointThreadMember(thread, user)
	bucket := discordgo.EndpointThreadMember(thread, "")
	_, err := a.request(ctx, method, endpoint, bucket, nil, nil)
	if apiCode(err) == codeArchivedThread {
		if err := a.unarchive(ctx, thread); err != nil {
			return err
		}
		_, err = a.request(ctx, method, endpoint, bucket, nil, nil)
	}
	return err
}

// unarchive brings an archived thread back, with the longest archive
// duration again.
func (a *Adapter) unarchive(ctx context.Context, thread string) error {
	no := false
	endpoint := discordgo.EndpointChannel(thread)
	body := map[string]any{"archived": &no, "auto_archive_duration": archiveMinutes}
	if _, err := a.request(ctx, "PATCH", endpoint, endpoint, body, nil); err != nil {
		return fmt.Errorf("discord: unarchive thread %s: %w", thread, err)
	}
	a.log.Info("thread unarchived", "thread", thread)
	return nil
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
