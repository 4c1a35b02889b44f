package discord

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"iter"
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

// ComponentStore keeps what each button does, under the short key its
// custom_id carries, so that a button works for the whole life of its
// message, across restarts. *ledger.DB implements it.
type ComponentStore interface {
	SaveComponent(ctx context.Context, platform, id, payload, ask string) error
	Component(ctx context.Context, platform, id string) (payload, ask string, found bool, err error)
}

// A button's custom_id is "b<i>:<key>": <i> is its place in its message
// (Discord wants custom IDs unique within a message) and <key> is derived
// from what it does (its payload and question), so the same button keeps
// the same ID across edits and restarts, and always fits Discord's 100
// characters. The store maps keys back to buttons.
//
// Cards posted by earlier versions carry their payload inline ("p<i>:…",
// "a<i>:<n>:…") or a key of a memory that is gone ("m<i>:…"); the first
// two still work, the last answers that the button expired.
type buttons struct {
	store ComponentStore

	mu    sync.Mutex
	saved map[string]bool // keys known to be in the store
}

func newButtons(store ComponentStore) *buttons {
	if store == nil {
		store = newMemoryComponents()
	}
	return &buttons{store: store, saved: map[string]bool{}}
}

// componentKey is a button's key: 120 bits of a hash of what it does.
func componentKey(b bot.Button) string {
	sum := sha256.Sum256([]byte(b.Payload + "\x00" + b.Ask))
	return base64.RawURLEncoding.EncodeToString(sum[:15])
}

// encode is the custom_id of the i-th button of a message, after making
// sure the store knows it.
func (s *buttons) encode(ctx context.Context, i int, b bot.Button) (string, error) {
	key := componentKey(b)
	s.mu.Lock()
	known := s.saved[key]
	s.mu.Unlock()
	if !known {
		if err := s.store.SaveComponent(ctx, Platform, key, b.Payload, b.Ask); err != nil {
			return "", fmt.Errorf("discord: keep a button: %w", err)
		}
		s.mu.Lock()
		if len(s.saved) >= 10000 {
			clear(s.saved) // only a cache of what is stored
		}
		s.saved[key] = true
		s.mu.Unlock()
	}
	return "b" + strconv.Itoa(i) + ":" + key, nil
}

// decode reads a custom_id back into its button; found is false for IDs
// the adapter did not write or no longer knows. The label is not in the
// ID: Discord shows it, and it is taken from the message when needed.
func (s *buttons) decode(ctx context.Context, id string) (b bot.Button, found bool, err error) {
	if len(id) < 3 {
		return bot.Button{}, false, nil
	}
	kind := id[0]
	_, rest, ok := strings.Cut(id[1:], ":")
	if !ok {
		return bot.Button{}, false, nil
	}
	switch kind {
	case 'b':
		payload, ask, found, err := s.store.Component(ctx, Platform, rest)
		return bot.Button{Payload: payload, Ask: ask}, found, err
	case 'p':
		return bot.Button{Payload: rest}, true, nil
	case 'a':
		ns, rest, ok := strings.Cut(rest, ":")
		n, err := strconv.Atoi(ns)
		if !ok || err != nil || n < 0 || n > len(rest) {
			return bot.Button{}, false, nil
		}
		return bot.Button{Payload: rest[:n], Ask: rest[n:]}, true, nil
	}
	return bot.Button{}, false, nil
}

// components lays buttons out in rows of five, at most five rows: what
// Discord accepts. The rest are dropped with a warning.
func (s *buttons) components(ctx context.Context, bs []bot.Button, warn func(string, ...any)) ([]discordgo.MessageComponent, error) {
	if len(bs) > maxButtonsPerRow*maxRows {
		warn("more buttons than Discord shows; the last ones were left out", "buttons", len(bs))
		bs = bs[:maxButtonsPerRow*maxRows]
	}
	var rows []discordgo.MessageComponent
	for start := 0; start < len(bs); start += maxButtonsPerRow {
		var row []discordgo.MessageComponent
		for i := start; i < min(start+maxButtonsPerRow, len(bs)); i++ {
			b := bs[i]
			id, err := s.encode(ctx, i, b)
			if err != nil {
				return nil, err
			}
			btn := discordgo.Button{Label: truncate(b.Label, maxButtonLabel), Style: discordgo.SecondaryButton, CustomID: id}
			if b.Emoji != "" {
				btn.Emoji = &discordgo.ComponentEmoji{Name: b.Emoji}
			}
			row = append(row, btn)
		}
		rows = append(rows, discordgo.ActionsRow{Components: row})
	}
	return rows, nil
}

// memoryComponents is the store of an adapter without a ledger (tests,
// tools): its buttons do not outlive the process.
type memoryComponents struct {
	mu sync.Mutex
	m  map[string]bot.Button
}

func newMemoryComponents() *memoryComponents { return &memoryComponents{m: map[string]bot.Button{}} }

func (s *memoryComponents) SaveComponent(_ context.Context, _, id, payload, ask string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.m[id]; !ok {
		s.m[id] = bot.Button{Payload: payload, Ask: ask}
	}
	return nil
}

func (s *memoryComponents) Component(_ context.Context, _, id string) (string, string, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, ok := s.m[id]
	return b.Payload, b.Ask, ok, nil
}

// labelOf finds the label of the button with customID in a message.
func labelOf(m *discordgo.Message, customID string) string {
	if m == nil {
		return ""
	}
	for c := range inRows(m.Components) {
		if b, ok := c.(*discordgo.Button); ok && b.CustomID == customID {
			return b.Label
		}
	}
	return ""
}

// inRows yields the components inside a message's or a modal's action
// rows.
func inRows(components []discordgo.MessageComponent) iter.Seq[discordgo.MessageComponent] {
	return func(yield func(discordgo.MessageComponent) bool) {
		for _, c := range components {
			row, ok := c.(*discordgo.ActionsRow)
			if !ok {
				continue
			}
			for _, c := range row.Components {
				if !yield(c) {
					return
				}
			}
		}
	}
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
	for c := range inRows(d.Components) {
		if in, ok := c.(*discordgo.TextInput); ok && in.CustomID == answerInput {
			return strings.TrimSpace(in.Value)
		}
	}
	return ""
}
