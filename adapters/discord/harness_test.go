package discord

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/entraide/entraide/bot"
	"github.com/entraide/entraide/bot/adaptertest"
)

// harness plays Discord around the adapter for the conformance suite. In
// slash mode members type commands as Discord's slash commands, with
// their options filled from the text (as a member picks them in the
// client); what a client would not send as a slash command (an unknown
// command, a missing option) is typed as a message instead. In prefix
// mode every command is a message.
type harness struct {
	t       *testing.T
	f       *fakeDiscord
	a       *Adapter
	slash   bool
	guild   string
	channel string
	members []*fakeUser
}

func newHarness(t *testing.T, slash bool) adaptertest.Harness {
	f := newFakeDiscord(t)
	ana, bob := f.AddUser("ana", "Ana"), f.AddUser("bob", "Bob")
	g, general := f.AddGuild("Suite", ana, bob)
	private := f.AddChannel(g.ID, "mediation")
	a, _ := newAdapter(t, f, Config{Guilds: []string{g.ID}, MessageContent: true, PrivateChannel: private})
	return &harness{t: t, f: f, a: a, slash: slash, guild: g.ID, channel: general, members: []*fakeUser{ana, bob}}
}

func (h *harness) Adapter() bot.Adapter { return h.a }

func (h *harness) Members() []bot.User {
	var out []bot.User
	for _, m := range h.members {
		out = append(out, bot.User{ID: m.ID, Name: m.GlobalName})
	}
	return out
}

func (h *harness) Mention(u bot.User) string { return "<@" + u.ID + ">" }

func (h *harness) Room() bot.Target { return bot.Target{Room: h.channel} }

func (h *harness) user(u bot.User) (*fakeUser, error) {
	for _, m := range h.members {
		if m.ID == u.ID {
			return m, nil
		}
	}
	return nil, fmt.Errorf("no member %s", u.ID)
}

func (h *harness) Say(ctx context.Context, u bot.User, text string) (string, error) {
	// Wait until the bot is connected and its commands registered.
	if err := h.f.WaitErr("the bot to be ready", func() bool { return h.f.Online() && h.f.CommandPuts[h.guild] > 0 }); err != nil {
		return "", err
	}
	member, err := h.user(u)
	if err != nil {
		return "", err
	}
	if h.slash {
		if command, opts, ok := h.slashOf(text); ok {
			if id, err := h.f.Slash(member, h.channel, command, opts...); err == nil {
				return id, nil
			}
		}
	}
	id, ok := h.f.Say(member, h.channel, text)
	if !ok {
		return "", fmt.Errorf("discord did not deliver %q", text)
	}
	return id, nil
}

func (h *harness) Redeliver(ctx context.Context, id string) error {
	h.f.Redeliver(id)
	return nil
}

func (h *harness) Next(ctx context.Context) (adaptertest.Posted, error) {
	select {
	case <-ctx.Done():
		return adaptertest.Posted{}, ctx.Err()
	case m := <-h.f.Feed:
		return h.posted(m), nil
	}
}

// posted is a message as a member sees it.
func (h *harness) posted(m *fakeMessage) adaptertest.Posted {
	p := adaptertest.Posted{Text: h.f.Readable(m.Content), Pinged: m.Pinged()}
	h.f.Locked(func() {
		ch := h.f.Channels[m.ChannelID]
		if ch != nil && (ch.Type == 11 || ch.Type == 12) {
			p.Thread = ch.ID
		}
		p.Private = m.Flags&64 != 0 || (ch != nil && ch.Type == 1)
	})
	for _, b := range m.Buttons() {
		btn, ok, _ := h.a.buttons.decode(context.Background(), b.CustomID)
		if !ok {
			h.t.Errorf("button %q has a custom_id the adapter cannot read: %q", b.Label, b.CustomID)
		}
		btn.Label = b.Label
		p.Buttons = append(p.Buttons, btn)
	}
	if len(m.Attachments) > 0 {
		a := m.Attachments[0]
		p.File = &bot.File{Name: a.Filename, MIME: a.ContentType, Data: a.Data}
	}
	return p
}

func (h *harness) SpaceMembers(ctx context.Context, room string) ([]string, error) {
	var out []string
	var err error
	h.f.Locked(func() {
		ch := h.f.Channels[room]
		if ch == nil || ch.Type != 12 || ch.Invitable == nil || *ch.Invitable {
			err = fmt.Errorf("%s is not a private thread closed to invitations", room)
			return
		}
		for _, m := range ch.Members {
			if m != h.f.Bot.ID {
				out = append(out, m)
			}
		}
	})
	return out, err
}

// slashOf fills a registered command's options from typed text, the way
// a member picks them in Discord's client.
func (h *harness) slashOf(text string) (command string, opts []option, ok bool) {
	words := strings.Fields(text)
	if len(words) == 0 || !strings.HasPrefix(words[0], "/") {
		return "", nil, false
	}
	command = strings.TrimPrefix(words[0], "/")
	var defs []optionDef
	found := false
	h.f.Locked(func() {
		for _, c := range h.f.Commands[h.guild] {
			if c.Name == command {
				defs, found = c.Options, true
			}
		}
	})
	if !found {
		return "", nil, false
	}
	words = words[1:]
	if len(words) > 0 {
		for _, d := range defs {
			if d.Type == 1 && d.Name == words[0] {
				command, defs, words = command+" "+words[0], d.Options, words[1:]
				break
			}
		}
	}
	has := func(name string) bool {
		return slices.ContainsFunc(defs, func(d optionDef) bool { return d.Name == name })
	}
	var note, members, positional []string
	inNote := false
	for _, w := range words {
		switch {
		case strings.HasPrefix(w, "#") && has("category"):
			opts = append(opts, opt("category", strings.TrimPrefix(w, "#")))
		case inNote:
			note = append(note, w)
		case w == "for" && has("note"):
			inNote = true
		case userMention.MatchString(w) && has("members"):
			members = append(members, w)
		case userMention.MatchString(w) && has("member"):
			opts = append(opts, opt("member", w))
		default:
			positional = append(positional, w)
		}
	}
	if len(members) > 0 {
		opts = append(opts, opt("members", strings.Join(members, " ")))
	}
	if len(note) > 0 {
		opts = append(opts, opt("note", strings.Join(note, " ")))
	}
	// The other options take the remaining words in order, the last one
	// all that is left ("/reverse 1 a typing mistake").
	var rest []optionDef
	for _, d := range defs {
		if !slices.Contains([]string{"members", "member", "note", "category"}, d.Name) {
			rest = append(rest, d)
		}
	}
	for i, d := range rest {
		if len(positional) == 0 {
			break
		}
		if i == len(rest)-1 {
			opts = append(opts, opt(d.Name, strings.Join(positional, " ")))
			positional = nil
			break
		}
		opts = append(opts, opt(d.Name, positional[0]))
		positional = positional[1:]
	}
	if len(positional) > 0 {
		return "", nil, false
	}
	return command, opts, true
}

// TestConformanceSlashCommands runs the suite with members using slash
// commands: replies are interaction responses, private ones ephemeral.
func TestConformanceSlashCommands(t *testing.T) {
	t.Parallel()
	adaptertest.Run(t, func(t *testing.T) adaptertest.Harness { return newHarness(t, true) })
}

// TestConformancePrefixCommands runs the suite with members typing
// commands in messages: private replies are direct messages.
func TestConformancePrefixCommands(t *testing.T) {
	t.Parallel()
	adaptertest.Run(t, func(t *testing.T) adaptertest.Harness { return newHarness(t, false) })
}
