package discord

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/bwmarrin/discordgo"
	"github.com/entraide/entraide/bot"
)

// Discord's limits on messages.
const (
	maxContent         = 2000
	maxAllowedMentions = 100
	flagEphemeral      = 1 << 6
)

// allowedMentions says whom a message may notify: exactly the members the
// reply names, never a role, @everyone or @here, whatever its text says.
type allowedMentions struct {
	Parse       []string `json:"parse"`
	Users       []string `json:"users"`
	RepliedUser bool     `json:"replied_user"`
}

// messagePayload is a message as the channel, interaction and webhook
// endpoints take it. Nonce with enforce_nonce makes Discord return the
// message already created instead of a second one when a retried request
// had in fact gone through.
type messagePayload struct {
	Content         string                       `json:"content,omitempty"`
	Nonce           string                       `json:"nonce,omitempty"`
	EnforceNonce    bool                         `json:"enforce_nonce,omitempty"`
	Flags           int                          `json:"flags,omitempty"`
	AllowedMentions *allowedMentions             `json:"allowed_mentions"`
	Components      []discordgo.MessageComponent `json:"components,omitempty"`
	Embeds          []*discordgo.MessageEmbed    `json:"embeds,omitempty"`
	Attachments     []attachmentRef              `json:"attachments,omitempty"`
}

// editPayload replaces a message's text, embeds and buttons; empty ones
// remove what was there.
type editPayload struct {
	Content         string                       `json:"content"`
	AllowedMentions *allowedMentions             `json:"allowed_mentions"`
	Components      []discordgo.MessageComponent `json:"components"`
	Embeds          []*discordgo.MessageEmbed    `json:"embeds"`
}

// attachmentRef ties a multipart file part (files[id]) to its name.
type attachmentRef struct {
	ID       int    `json:"id"`
	Filename string `json:"filename"`
}

// rendered is a reply made ready for Discord: its text cut into messages
// Discord accepts, with the buttons and files for the last one, or a card
// as embeds in one message.
type rendered struct {
	chunks     []string
	allowed    *allowedMentions
	components []discordgo.MessageComponent
	embeds     []*discordgo.MessageEmbed
	files      []upload
}

// render writes each mention of r as Discord's <@id> and allows exactly
// those users to be notified. A card becomes embeds, Discord's form for
// structured messages, which fit in one message by design.
func (a *Adapter) render(ctx context.Context, r bot.Reply) (rendered, error) {
	out := rendered{
		allowed: mentionsAllowed(r.Mentions),
		files:   uploadOf(r.File),
	}
	if r.Card != nil {
		out.chunks, out.embeds = []string{""}, embedsOf(r.Card)
	} else {
		out.chunks = split(renderMentions(r.Text, r.Mentions), maxContent)
	}
	if len(r.Buttons) > 0 {
		var err error
		out.components, err = a.buttons.components(ctx, r.Buttons, func(msg string, args ...any) { a.log.Warn(msg, args...) })
		if err != nil {
			return rendered{}, err
		}
	}
	return out, nil
}

// payload is the i-th message of out.
func (out rendered) payload(i int, flags int) messagePayload {
	p := messagePayload{Content: out.chunks[i], Flags: flags, AllowedMentions: out.allowed}
	if i == len(out.chunks)-1 {
		p.Components = out.components
		p.Embeds = out.embeds
		for j, f := range out.files {
			p.Attachments = append(p.Attachments, attachmentRef{ID: j, Filename: f.Name})
		}
	}
	return p
}

// filesFor are the uploads that go with the i-th message.
func (out rendered) filesFor(i int) []upload {
	if i == len(out.chunks)-1 {
		return out.files
	}
	return nil
}

func mentionsAllowed(ms []bot.Mention) *allowedMentions {
	am := &allowedMentions{Parse: []string{}, Users: []string{}}
	seen := map[string]bool{}
	for _, m := range ms {
		if m.User.ID == "" || seen[m.User.ID] || !isSnowflake(m.User.ID) {
			continue
		}
		seen[m.User.ID] = true
		am.Users = append(am.Users, m.User.ID)
	}
	if len(am.Users) > maxAllowedMentions {
		am.Users = am.Users[:maxAllowedMentions]
	}
	return am
}

// renderMentions replaces each mention's text ("@bob") by <@id>, only
// where it stands as a whole name: "@bob" in "@bobby" is left alone.
// Longer names go first, so "@ana maria" wins over "@ana".
func renderMentions(text string, ms []bot.Mention) string {
	ms = append([]bot.Mention(nil), ms...)
	sort.SliceStable(ms, func(i, j int) bool { return len(ms[i].Text) > len(ms[j].Text) })
	for _, m := range ms {
		if m.Text == "" || !isSnowflake(m.User.ID) {
			continue
		}
		var b strings.Builder
		rest := text
		for {
			i := strings.Index(rest, m.Text)
			if i < 0 {
				b.WriteString(rest)
				break
			}
			end := i + len(m.Text)
			before, _ := utf8.DecodeLastRuneInString(rest[:i])
			after, _ := utf8.DecodeRuneInString(rest[end:])
			if (i > 0 && nameRune(before)) || (end < len(rest) && nameRune(after)) {
				b.WriteString(rest[:end])
			} else {
				b.WriteString(rest[:i] + "<@" + m.User.ID + ">")
			}
			rest = rest[end:]
		}
		text = b.String()
	}
	return text
}

// nameRune is a character that continues a name.
func nameRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_' || r == '-'
}

// split cuts text into pieces of at most n characters, at line ends where
// it can, else at spaces, never inside a word unless a word is too long.
func split(text string, n int) []string {
	var out []string
	for utf8.RuneCountInString(text) > n {
		r := []rune(text)
		head := string(r[:n])
		cut := strings.LastIndex(head, "\n")
		if cut <= 0 {
			cut = strings.LastIndexFunc(head, unicode.IsSpace)
		}
		if cut <= 0 {
			cut = len(head)
		}
		out = append(out, strings.TrimRightFunc(text[:cut], unicode.IsSpace))
		text = strings.TrimLeftFunc(text[cut:], unicode.IsSpace)
	}
	return append(out, strings.TrimRightFunc(text, unicode.IsSpace))
}

// nonce is a random message nonce (Discord allows 25 characters).
func nonce() string {
	var b [12]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// Send implements bot.Adapter: a message in t's thread or channel.
func (a *Adapter) Send(ctx context.Context, t bot.Target, r bot.Reply) (bot.MessageID, error) {
	return a.send(ctx, t, r, false)
}

// SendPrivate implements bot.PrivateSender. Outside an interaction (whose
// replies are ephemeral) a private reply is a direct message.
func (a *Adapter) SendPrivate(ctx context.Context, t bot.Target, r bot.Reply) (bot.MessageID, error) {
	return a.send(ctx, t, r, true)
}

// SendButtons implements bot.ButtonSender with message components.
func (a *Adapter) SendButtons(ctx context.Context, t bot.Target, r bot.Reply) (bot.MessageID, error) {
	return a.send(ctx, t, r, r.Private)
}

// SendFile implements bot.FileSender: the file is attached to the reply;
// Discord shows images inline.
func (a *Adapter) SendFile(ctx context.Context, t bot.Target, r bot.Reply) (bot.MessageID, error) {
	return a.send(ctx, t, r, r.Private)
}

func (a *Adapter) send(ctx context.Context, t bot.Target, r bot.Reply, private bool) (bot.MessageID, error) {
	channel := t.Room
	if t.Thread != "" {
		channel = t.Thread
	}
	if private {
		if t.User.ID == "" {
			return "", errors.New("discord: a private reply needs the member it is for")
		}
		dm, err := a.dmChannel(ctx, t.User.ID)
		if err != nil {
			return "", err
		}
		channel = dm
	}
	if channel == "" {
		return "", errors.New("discord: no channel to send to")
	}
	return a.post(ctx, channel, r, 0)
}

// post sends r to a channel, in several messages when it is long.
func (a *Adapter) post(ctx context.Context, channel string, r bot.Reply, flags int) (bot.MessageID, error) {
	out, err := a.render(ctx, r)
	if err != nil {
		return "", err
	}
	var id string
	for i := range out.chunks {
		p := out.payload(i, flags)
		p.Nonce, p.EnforceNonce = nonce(), true
		var m discordgo.Message
		err := a.requestJSON(ctx, "POST", discordgo.EndpointChannelMessages(channel), discordgo.EndpointChannelMessages(channel), p, out.filesFor(i), &m)
		if apiCode(err) == codeArchivedThread {
			if err = a.unarchive(ctx, channel); err == nil {
				err = a.requestJSON(ctx, "POST", discordgo.EndpointChannelMessages(channel), discordgo.EndpointChannelMessages(channel), p, out.filesFor(i), &m)
			}
		}
		if err != nil {
			return bot.MessageID(id), fmt.Errorf("discord: send to channel %s: %w", channel, err)
		}
		id = m.ID
	}
	return bot.MessageID(id), nil
}

// dmChannel opens (or finds) the direct-message channel with a user.
func (a *Adapter) dmChannel(ctx context.Context, user string) (string, error) {
	a.mu.Lock()
	ch, ok := a.dms[user]
	a.mu.Unlock()
	if ok {
		return ch, nil
	}
	var c discordgo.Channel
	endpoint := discordgo.EndpointUserChannels("@me")
	if err := a.requestJSON(ctx, "POST", endpoint, endpoint, map[string]string{"recipient_id": user}, nil, &c); err != nil {
		return "", fmt.Errorf("discord: open a direct message with %s: %w", user, err)
	}
	a.mu.Lock()
	a.dms[user] = c.ID
	a.mu.Unlock()
	return c.ID, nil
}

// Edit implements bot.Editor: the message's text, card and buttons are
// replaced (an attachment stays as it was). A message that answered an
// interaction is edited through the interaction's webhook while its token
// lasts, since an ephemeral one exists nowhere else. Edits of one message
// coalesce: while one is on its way, only the latest of those asked
// meanwhile follows it, so a burst of votes costs a few edits, never a
// queue behind the channel's rate limit.
func (a *Adapter) Edit(ctx context.Context, t bot.Target, id bot.MessageID, r bot.Reply) error {
	return a.edits.edit(ctx, string(id), func(ctx context.Context) error { return a.editNow(ctx, t, id, r) })
}

// editNow sends one edit.
func (a *Adapter) editNow(ctx context.Context, t bot.Target, id bot.MessageID, r bot.Reply) error {
	out, err := a.render(ctx, r)
	if err != nil {
		return err
	}
	p := editPayload{AllowedMentions: out.allowed, Components: out.components, Embeds: out.embeds}
	if out.embeds == nil {
		// A long text that is no card still fits as an embed's body.
		text := strings.Join(out.chunks, "\n")
		if runes(text) <= maxContent {
			p.Content = text
		} else {
			p.Embeds = []*discordgo.MessageEmbed{{Description: cut(text, maxEmbedBody)}}
		}
	}
	if p.Components == nil {
		p.Components = []discordgo.MessageComponent{}
	}
	if p.Embeds == nil {
		p.Embeds = []*discordgo.MessageEmbed{}
	}
	a.metrics.edits.Add(1)
	if app, token, ok := a.replies.token(string(id)); ok {
		endpoint := discordgo.EndpointWebhookMessage(app, token, string(id))
		return a.requestJSON(ctx, "PATCH", endpoint, discordgo.EndpointWebhookToken(app, token), p, nil, nil)
	}
	channel := t.Room
	if t.Thread != "" {
		channel = t.Thread
	}
	endpoint := discordgo.EndpointChannelMessage(channel, string(id))
	if err := a.requestJSON(ctx, "PATCH", endpoint, discordgo.EndpointChannelMessage(channel, ""), p, nil, nil); err != nil {
		return fmt.Errorf("discord: edit message %s: %w", id, err)
	}
	return nil
}
