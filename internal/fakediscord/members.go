package fakediscord

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Option is one value a member chose in a slash command.
type Option struct{ name, value string }

func Opt(name, value string) Option { return Option{name, value} }

// slash makes u run a registered command ("give", "commons give") in a
// channel, the way a Discord client sends it: typed values, <@id> users
// resolved. It refuses what a client would refuse (unknown command or
// Option, missing required Option, a value not among the choices).
func (f *Server) Slash(u *User, channel, command string, opts ...Option) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	ch := f.Channels[channel]
	if ch == nil {
		return "", fmt.Errorf("no channel %s", channel)
	}
	words := strings.Fields(command)
	var def *CommandDef
	for i := range f.Commands[ch.GuildID] {
		if f.Commands[ch.GuildID][i].Name == words[0] {
			def = &f.Commands[ch.GuildID][i]
		}
	}
	if def == nil {
		return "", fmt.Errorf("command %q is not registered", words[0])
	}
	resolvedUsers, resolvedMembers := map[string]any{}, map[string]any{}
	defs := def.Options
	var wrap func([]any) []any = func(o []any) []any { return o }
	for _, sub := range words[1:] {
		var found *OptionDef
		for i := range defs {
			if defs[i].Name == sub && (defs[i].Type == 1 || defs[i].Type == 2) {
				found = &defs[i]
			}
		}
		if found == nil {
			return "", fmt.Errorf("%q has no subcommand %q", def.Name, sub)
		}
		outer, name, typ := wrap, found.Name, found.Type
		wrap = func(o []any) []any {
			return outer([]any{map[string]any{"type": typ, "name": name, "options": o}})
		}
		defs = found.Options
	}
	given := map[string]bool{}
	var values []any
	for _, o := range opts {
		var d *OptionDef
		for i := range defs {
			if defs[i].Name == o.name {
				d = &defs[i]
			}
		}
		if d == nil {
			return "", fmt.Errorf("%s has no Option %q", command, o.name)
		}
		given[o.name] = true
		v := map[string]any{"name": o.name, "type": d.Type}
		switch d.Type {
		case 3:
			v["value"] = o.value
			if len(d.Choices) > 0 && !slices.ContainsFunc(d.Choices, func(c ChoiceDef) bool { return c.Value == o.value }) {
				return "", fmt.Errorf("%q is not a choice of %s", o.value, o.name)
			}
		case 4:
			n, err := strconv.ParseInt(o.value, 10, 64)
			if err != nil {
				return "", fmt.Errorf("%s takes an integer, not %q", o.name, o.value)
			}
			if d.MinValue != nil && float64(n) < *d.MinValue {
				return "", fmt.Errorf("%s must be at least %v", o.name, *d.MinValue)
			}
			v["value"] = n
		case 6:
			id := strings.Trim(o.value, "<@!>")
			target := f.Users[id]
			if target == nil {
				return "", fmt.Errorf("no user %s", id)
			}
			v["value"] = id
			resolvedUsers[id] = target.json()
			resolvedMembers[id] = f.memberJSON(target, false)
		default:
			return "", fmt.Errorf("Option type %d not faked", d.Type)
		}
		values = append(values, v)
	}
	for _, d := range defs {
		if d.Required && !given[d.Name] {
			return "", fmt.Errorf("%s needs %s", command, d.Name)
		}
	}
	data := map[string]any{"id": def.ID, "name": def.Name, "type": 1, "guild_id": ch.GuildID, "options": wrap(values)}
	if len(resolvedUsers) > 0 {
		data["resolved"] = map[string]any{"users": resolvedUsers, "members": resolvedMembers}
	}
	return f.interactLocked(2, u, channel, data, nil), nil
}

// Autocomplete makes u type typed in the option named option of a
// registered top-level command, as Discord asks the bot for choices then.
func (f *Server) Autocomplete(u *User, channel, command, option, typed string) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	ch := f.Channels[channel]
	if ch == nil {
		return "", fmt.Errorf("no channel %s", channel)
	}
	for _, def := range f.Commands[ch.GuildID] {
		if def.Name != command {
			continue
		}
		for _, o := range def.Options {
			if o.Name != option {
				continue
			}
			if !o.Autocomplete {
				return "", fmt.Errorf("%s of %s has no autocomplete", option, command)
			}
			data := map[string]any{"id": def.ID, "name": def.Name, "type": 1, "guild_id": ch.GuildID,
				"options": []any{map[string]any{"name": o.Name, "type": o.Type, "value": typed, "focused": true}}}
			return f.interactLocked(4, u, channel, data, nil), nil
		}
		return "", fmt.Errorf("%s has no option %s", command, option)
	}
	return "", fmt.Errorf("command %q is not registered", command)
}

// interactLocked dispatches an interaction; f.mu is held.
func (f *Server) interactLocked(typ int, u *User, channel string, data any, message map[string]any) string {
	ch := f.Channels[channel]
	id := f.NewID()
	token := "interaction.token." + id + ".S3CR3T"
	in := map[string]any{
		"id": id, "application_id": f.AppID, "type": typ, "token": token, "version": 1,
		"channel_id": channel, "channel": map[string]any{"id": channel, "type": ch.Type},
		"locale": "fr", "data": data, "app_permissions": "2248473465835073",
	}
	if ch.GuildID != "" {
		in["guild_id"] = ch.GuildID
		in["guild_locale"] = "fr"
		in["member"] = f.memberJSON(u, true)
	} else {
		in["user"] = u.json()
	}
	if message != nil {
		in["message"] = message
	}
	raw, _ := json.Marshal(in)
	f.Interactions[id] = &Interaction{ID: id, Token: token, GuildID: ch.GuildID, ChannelID: channel, UserID: u.ID, Type: typ, Payload: raw, Created: time.Now()}
	f.dispatchLocked("INTERACTION_CREATE", json.RawMessage(raw))
	return id
}

// press makes u press the button customID under a message.
func (f *Server) Press(u *User, messageID, customID string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	m := f.MessageLocked(messageID)
	if m == nil {
		f.t.Fatalf("fake discord: no message %s", messageID)
	}
	if !slices.ContainsFunc(m.Buttons(), func(b struct{ Label, CustomID string }) bool { return b.CustomID == customID }) {
		f.t.Fatalf("fake discord: message %s has no button %q", messageID, customID)
	}
	return f.interactLocked(3, u, m.ChannelID, map[string]any{"custom_id": customID, "component_type": 2}, f.messageJSON(m))
}

// submit makes u answer the modal the bot showed for interaction id.
func (f *Server) Submit(u *User, id, answer string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	in := f.Interactions[id]
	if in == nil || in.Modal == nil {
		f.t.Fatalf("fake discord: interaction %s showed no modal", id)
	}
	var m struct {
		CustomID   string `json:"custom_id"`
		Components []struct {
			Components []struct {
				CustomID string `json:"custom_id"`
			} `json:"components"`
		} `json:"components"`
	}
	_ = json.Unmarshal(in.Modal, &m)
	input := m.Components[0].Components[0].CustomID
	data := map[string]any{"custom_id": m.CustomID, "components": []any{
		map[string]any{"type": 1, "components": []any{map[string]any{"type": 4, "custom_id": input, "value": answer}}},
	}}
	return f.interactLocked(5, f.Users[u.ID], in.ChannelID, data, nil)
}

// say makes u post a message. Discord sends it only to a bot that asked
// for guild messages, and without its text unless it asked for that too.
func (f *Server) Say(u *User, channel, content string) (id string, delivered bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	intents := 0
	if n := len(f.Identifies); n > 0 {
		intents = f.Identifies[n-1]
	}
	ch := f.Channels[channel]
	m := &Message{ID: f.NewID(), ChannelID: channel, Content: content, AuthorID: u.ID, Components: json.RawMessage("[]")}
	f.Messages = append(f.Messages, m)
	ch.Archived = false // a message in an archived thread brings it back
	ch.LastActive = time.Now()
	f.bump()
	if intents&intentGuildMessages == 0 {
		return m.ID, false
	}
	j := f.memberMessageJSON(m, intents)
	f.dispatchLocked("MESSAGE_CREATE", j)
	return m.ID, true
}

// memberMessageJSON is a member's message as the bot receives it: without
// its text unless the bot has the Message Content intent (or is
// mentioned), as Discord documents.
func (f *Server) memberMessageJSON(m *Message, intents int) map[string]any {
	ch := f.Channels[m.ChannelID]
	u := f.Users[m.AuthorID]
	var mentions []any
	for _, id := range mentionedUsers(m.Content) {
		if target := f.Users[id]; target != nil {
			j := target.json()
			j["member"] = f.memberJSON(target, false)
			mentions = append(mentions, j)
		}
	}
	content := m.Content
	if intents&intentMessageContent == 0 && !slices.Contains(mentionedUsers(content), f.Bot.ID) {
		content = ""
	}
	return map[string]any{
		"id": m.ID, "channel_id": m.ChannelID, "guild_id": ch.GuildID, "author": u.json(), "member": f.memberJSON(u, false),
		"content": content, "timestamp": fakeTimestamp, "tts": false, "mention_everyone": false,
		"mentions": mentions, "mention_roles": []any{}, "attachments": []any{}, "embeds": []any{}, "type": 0, "pinned": false,
	}
}

// Gateway intents the fake looks at.
const (
	intentGuildMessages  = 1 << 9
	intentMessageContent = 1 << 15
)
