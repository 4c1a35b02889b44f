package discord

import (
	"strings"
	"unicode/utf8"

	"github.com/bwmarrin/discordgo"
	"github.com/entraide/entraide/bot"
)

// Discord's embed limits.
const (
	maxEmbeds      = 10
	maxEmbedTitle  = 256
	maxEmbedBody   = 4096
	maxEmbedFields = 25
	maxFieldName   = 256
	maxFieldValue  = 1024
	maxFooter      = 2048
	maxEmbedTotal  = 6000 // every title, description, field and footer of a message
	// minBody is what is left of a card's body, at worst, when its parts
	// need the room.
	minBody = 300
	// minKept is what is left of each part that must stay, at worst.
	minKept = 40
)

// embedField is a card's part as it will be shown.
type embedField struct {
	name, value string
	keep        bool
}

// embedsOf lays a card out in embeds that fit Discord's limits by design:
// the body and the parts that may go are shortened first (the card then
// says where to read it all), and a part marked Keep (an objection) is
// shortened only when nothing else is left, never dropped.
func embedsOf(c *bot.Card) []*discordgo.MessageEmbed {
	title := cut(c.Title, maxEmbedTitle)
	footer := cut(c.Footer, maxFooter)
	var fields []embedField
	for _, f := range c.Fields {
		if strings.TrimSpace(f.Name) == "" || strings.TrimSpace(f.Value) == "" {
			continue
		}
		fields = append(fields, embedField{name: cut(f.Name, maxFieldName), value: cut(f.Value, maxFieldValue), keep: f.Keep})
	}
	// At most ten embeds of 25 fields: the parts that may go give way.
	for len(fields) > maxEmbeds*maxEmbedFields && hasLoose(fields) {
		fields = dropLastLoose(fields)
	}
	fields = fields[:min(len(fields), maxEmbeds*maxEmbedFields)]
	more := "\n\n" + c.More
	body := c.Body
	shortened := false
	for _, f := range c.Fields {
		if utf8.RuneCountInString(f.Value) > maxFieldValue {
			shortened = true
		}
	}
	total := func() int {
		n := runes(title) + runes(footer) + runes(body)
		if shortened {
			n += runes(more)
		}
		for _, f := range fields {
			n += runes(f.name) + runes(f.value)
		}
		return n
	}
	limit := maxEmbedTotal
	if runes(body) > maxEmbedBody-runes(more) {
		body, shortened = cut(body, maxEmbedBody-runes(more)), true
	}
	if total() > limit {
		shortened = true
		body = cut(body, max(minBody, runes(body)-(total()-limit)))
	}
	// Then the loose parts: shortened, then dropped from the end.
	for i := range fields {
		if over := total() - limit; over > 0 && !fields[i].keep {
			fields[i].value = cut(fields[i].value, max(minKept, runes(fields[i].value)-over))
		}
	}
	for total() > limit && hasLoose(fields) {
		fields = dropLastLoose(fields)
	}
	// Last, the parts that stay share what is left, each keeping at least
	// its beginning.
	if over := total() - limit; over > 0 {
		kept := 0
		for _, f := range fields {
			kept += runes(f.value)
		}
		room := max(kept-over, 0)
		share := max(room/max(len(fields), 1), minKept)
		for i := range fields {
			fields[i].value = cut(fields[i].value, share)
		}
	}
	if shortened && c.More != "" {
		body += more
	}
	var out []*discordgo.MessageEmbed
	for start := 0; start == 0 || start < len(fields); start += maxEmbedFields {
		e := &discordgo.MessageEmbed{}
		if start == 0 {
			e.Title, e.Description = title, body
		}
		for _, f := range fields[start:min(start+maxEmbedFields, len(fields))] {
			e.Fields = append(e.Fields, &discordgo.MessageEmbedField{Name: f.name, Value: f.value})
		}
		out = append(out, e)
	}
	if footer != "" {
		out[len(out)-1].Footer = &discordgo.MessageEmbedFooter{Text: footer}
	}
	return out
}

func runes(s string) int { return utf8.RuneCountInString(s) }

// cut shortens s to at most n characters, marking the cut.
func cut(s string, n int) string {
	if n <= 0 {
		return ""
	}
	return truncate(s, n)
}

func hasLoose(fs []embedField) bool {
	for _, f := range fs {
		if !f.keep {
			return true
		}
	}
	return false
}

// dropLastLoose removes the last part that may go.
func dropLastLoose(fs []embedField) []embedField {
	for i := len(fs) - 1; i >= 0; i-- {
		if !fs[i].keep {
			return append(fs[:i:i], fs[i+1:]...)
		}
	}
	return fs
}
