package discord

import (
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/bwmarrin/discordgo"
	"github.com/entraide/entraide/bot"
)

// Discord's limits on message components and modals.
const (
	maxCustomID      = 100
	maxButtonsPerRow = 5
	maxRows          = 5
	maxButtonLabel   = 80
	maxModalTitle    = 45
	maxInputLabel    = 45
	maxPlaceholder   = 100
	maxAnswer        = 1000
)

// answerInput is the custom ID of the modal's text input.
const answerInput = "answer"

// A button's custom_id carries what pressing it does, so that a press
// works even after a restart:
//
//	p<i>:<payload>               a plain button
//	a<i>:<n>:<payload><ask>      a button that asks first; n is the
//	                             payload's length in bytes
//	m<i>:<key>                   too long for Discord's 100 characters:
//	                             the button is kept in memory under key
//
// <i> is the button's place in its message, because Discord wants custom
// IDs unique within a message. Buttons kept in memory are lost when the
// process restarts; pressing one then says the button expired.
type buttonStore struct {
	mu    sync.Mutex
	max   int
	next  uint64
	m     map[string]bot.Button
	order []string
}

func newButtonStore(max int) *buttonStore { return &buttonStore{max: max, m: map[string]bot.Button{}} }

// encode is the custom_id of the i-th button of a message.
func (s *buttonStore) encode(i int, b bot.Button) string {
	n := strconv.Itoa(i)
	id := "p" + n + ":" + b.Payload
	if b.Ask != "" {
		id = "a" + n + ":" + strconv.Itoa(len(b.Payload)) + ":" + b.Payload + b.Ask
	}
	if utf8.RuneCountInString(id) <= maxCustomID {
		return id
	}
	return "m" + n + ":" + s.keep(b)
}

// keep stores b and returns its key, forgetting the oldest buttons beyond
// max so that memory stays bounded.
func (s *buttonStore) keep(b bot.Button) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.next++
	key := strconv.FormatUint(s.next, 36)
	s.m[key] = b
	s.order = append(s.order, key)
	for len(s.order) > s.max {
		delete(s.m, s.order[0])
		s.order = s.order[1:]
	}
	return key
}

// decode reads a custom_id back into the button; ok is false for IDs the
// adapter did not write or buttons it no longer remembers. The label of an
// inline button is not in its ID: Discord shows it, and it is taken from
// the message when needed.
func (s *buttonStore) decode(id string) (bot.Button, bool) {
	if len(id) < 3 {
		return bot.Button{}, false
	}
	kind := id[0]
	_, rest, ok := strings.Cut(id[1:], ":")
	if !ok {
		return bot.Button{}, false
	}
	switch kind {
	case 'p':
		return bot.Button{Payload: rest}, true
	case 'a':
		ns, rest, ok := strings.Cut(rest, ":")
		n, err := strconv.Atoi(ns)
		if !ok || err != nil || n < 0 || n > len(rest) {
			return bot.Button{}, false
		}
		return bot.Button{Payload: rest[:n], Ask: rest[n:]}, true
	case 'm':
		s.mu.Lock()
		defer s.mu.Unlock()
		b, ok := s.m[rest]
		return b, ok
	}
	return bot.Button{}, false
}

// components lays buttons out in rows of five, at most five rows: what
// Discord accepts. The rest are dropped with a warning.
func (s *buttonStore) components(buttons []bot.Button, warn func(string, ...any)) []discordgo.MessageComponent {
	if len(buttons) > maxButtonsPerRow*maxRows {
		warn("more buttons than Discord shows; the last ones were left out", "buttons", len(buttons))
		buttons = buttons[:maxButtonsPerRow*maxRows]
	}
	var rows []discordgo.MessageComponent
	for start := 0; start < len(buttons); start += maxButtonsPerRow {
		var row []discordgo.MessageComponent
		for i := start; i < min(start+maxButtonsPerRow, len(buttons)); i++ {
			b := buttons[i]
			row = append(row, discordgo.Button{
				Label:    truncate(b.Label, maxButtonLabel),
				Style:    discordgo.SecondaryButton,
				CustomID: s.encode(i, b),
			})
		}
		rows = append(rows, discordgo.ActionsRow{Components: row})
	}
	return rows
}

// labelOf finds the label of the button with customID in a message.
func labelOf(m *discordgo.Message, customID string) string {
	if m == nil {
		return ""
	}
	for _, c := range m.Components {
		row, ok := c.(*discordgo.ActionsRow)
		if !ok {
			continue
		}
		for _, c := range row.Components {
			if b, ok := c.(*discordgo.Button); ok && b.CustomID == customID {
				return b.Label
			}
		}
	}
	return ""
}

// modal asks b.Ask in one paragraph; its custom_id is the button's, so
// that the submission finds the payload again.
func modal(customID, title string, b bot.Button) *discordgo.InteractionResponse {
	if strings.TrimSpace(title) == "" {
		title = b.Ask
	}
	input := discordgo.TextInput{
		CustomID:  answerInput,
		Label:     truncate(b.Ask, maxInputLabel),
		Style:     discordgo.TextInputParagraph,
		Required:  true,
		MaxLength: maxAnswer,
	}
	if utf8.RuneCountInString(b.Ask) > maxInputLabel {
		input.Placeholder = truncate(b.Ask, maxPlaceholder)
	}
	return &discordgo.InteractionResponse{
		Type: discordgo.InteractionResponseModal,
		Data: &discordgo.InteractionResponseData{
			CustomID:   customID,
			Title:      truncate(title, maxModalTitle),
			Components: []discordgo.MessageComponent{discordgo.ActionsRow{Components: []discordgo.MessageComponent{input}}},
		},
	}
}

// answerOf is what the member typed in the modal.
func answerOf(d discordgo.ModalSubmitInteractionData) string {
	for _, c := range d.Components {
		row, ok := c.(*discordgo.ActionsRow)
		if !ok {
			continue
		}
		for _, c := range row.Components {
			if in, ok := c.(*discordgo.TextInput); ok && in.CustomID == answerInput {
				return strings.TrimSpace(in.Value)
			}
		}
	}
	return ""
}
