package fakediscord

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Payload is a message body as the fake reads it.
type Payload struct {
	Content         string            `json:"content"`
	Nonce           string            `json:"nonce"`
	EnforceNonce    bool              `json:"enforce_nonce"`
	Flags           int               `json:"flags"`
	AllowedMentions json.RawMessage   `json:"allowed_mentions"`
	Components      []json.RawMessage `json:"components"`
	Embeds          []Embed           `json:"embeds"`
	Attachments     []struct {
		ID       int    `json:"id"`
		Filename string `json:"filename"`
	} `json:"attachments"`
}

// Embed is a rich embed as Discord takes it.
type Embed struct {
	Title       string       `json:"title,omitempty"`
	Description string       `json:"description,omitempty"`
	Color       int          `json:"color,omitempty"`
	Fields      []EmbedField `json:"fields,omitempty"`
	Footer      *struct {
		Text string `json:"text"`
	} `json:"footer,omitempty"`
	Author *struct {
		Name string `json:"name"`
	} `json:"author,omitempty"`
}

// EmbedField is one name/value pair of an embed.
type EmbedField struct {
	Name   string `json:"name"`
	Value  string `json:"value"`
	Inline bool   `json:"inline,omitempty"`
}

// readPayload checks a message the way Discord does; the problem is ""
// when Discord would take it.
func readPayload(raw []byte, files []Attachment, edit bool) (Payload, string) {
	var p Payload
	if err := json.Unmarshal(raw, &p); err != nil {
		return p, "unreadable body: " + err.Error()
	}
	if utf8.RuneCountInString(p.Content) > maxContent {
		return p, fmt.Sprintf("content: Must be %d or fewer in length", maxContent)
	}
	if !edit && strings.TrimSpace(p.Content) == "" && len(p.Components) == 0 && len(files) == 0 && len(p.Embeds) == 0 {
		return p, "Cannot send an empty message"
	}
	if msg := checkEmbeds(p.Embeds); msg != "" {
		return p, msg
	}
	if msg := checkComponents(p.Components); msg != "" {
		return p, msg
	}
	if p.AllowedMentions != nil {
		var am struct {
			Parse []string `json:"parse"`
			Users []string `json:"users"`
		}
		_ = json.Unmarshal(p.AllowedMentions, &am)
		if slices.Contains(am.Parse, "users") && len(am.Users) > 0 {
			return p, "allowed_mentions: parse users and users are mutually exclusive"
		}
		if len(am.Users) > maxAllowedUsers {
			return p, fmt.Sprintf("allowed_mentions.users: Must be %d or fewer in length", maxAllowedUsers)
		}
	}
	if len(p.Nonce) > 25 {
		return p, "nonce: Must be 25 or fewer in length"
	}
	return p, ""
}

func (f *Server) newMessage(channel string, p Payload, files []Attachment) *Message {
	m := &Message{ID: f.NewID(), ChannelID: channel, Nonce: p.Nonce}
	f.apply(m, p, files)
	f.Messages = append(f.Messages, m)
	return m
}

func (f *Server) apply(m *Message, p Payload, files []Attachment) {
	m.Content = p.Content
	m.Flags = p.Flags
	if p.Embeds != nil {
		m.Embeds = p.Embeds
	}
	if p.AllowedMentions != nil {
		m.Allowed = p.AllowedMentions
	}
	comps, _ := json.Marshal(p.Components)
	if p.Components == nil {
		comps = []byte("[]")
	}
	m.Components = comps
	if len(files) > 0 {
		m.Attachments = files
	}
}

func (f *Server) show(m *Message) {
	select {
	case f.Feed <- m:
	default:
		f.t.Error("fake discord: the feed is full")
	}
}

func (f *Server) MessageLocked(id string) *Message {
	for _, m := range f.Messages {
		if m.ID == id {
			return m
		}
	}
	return nil
}

func (f *Server) messageJSON(m *Message) map[string]any {
	var atts []any
	for i, a := range m.Attachments {
		atts = append(atts, map[string]any{"id": strconv.Itoa(i + 1), "filename": a.Filename, "content_type": a.ContentType, "size": len(a.Data), "url": "https://cdn.discordapp.com/attachments/" + a.Filename, "proxy_url": ""})
	}
	author := f.Bot
	if m.AuthorID != "" {
		author = f.Users[m.AuthorID]
	}
	embeds := m.Embeds
	if embeds == nil {
		embeds = []Embed{}
	}
	comps := m.Components
	if comps == nil {
		comps = json.RawMessage("[]")
	}
	var mentions []any
	for _, id := range mentionedUsers(m.Content) {
		if u := f.Users[id]; u != nil {
			mentions = append(mentions, u.json())
		}
	}
	j := map[string]any{
		"id": m.ID, "channel_id": m.ChannelID, "content": m.Content, "flags": m.Flags, "author": author.json(),
		"components": comps, "attachments": atts, "embeds": embeds, "mentions": mentions,
		"mention_roles": []any{}, "timestamp": fakeTimestamp, "type": 0, "tts": false, "pinned": false,
	}
	if m.Nonce != "" {
		j["nonce"] = m.Nonce
	}
	if ch := f.Channels[m.ChannelID]; ch != nil && ch.GuildID != "" {
		j["guild_id"] = ch.GuildID
	}
	if m.InteractionID != "" {
		j["webhook_id"] = f.AppID
		j["type"] = 20
	}
	return j
}

// callback answers POST /interactions/{id}/{token}/callback.
