package fakediscord

import (
	"encoding/json"
	"fmt"
	"unicode/utf8"
)

// Message, embed, component and modal limits, from Discord's documentation.
const (
	maxContent       = 2000
	maxAllowedUsers  = 100
	maxEmbeds        = 10
	maxEmbedTitle    = 256
	maxEmbedDesc     = 4096
	maxEmbedFields   = 25
	maxFieldName     = 256
	maxFieldValue    = 1024
	maxFooter        = 2048
	maxAuthor        = 256
	maxEmbedTotal    = 6000
	maxRows          = 5
	maxRowButtons    = 5
	maxCustomID      = 100
	maxButtonLabel   = 80
	maxModalTitle    = 45
	maxInputLabel    = 45
	maxModalRows     = 5
	maxPlaceholder   = 100
	maxInputLength   = 4000
	componentRow     = 1
	componentButton  = 2
	componentSelect  = 3
	componentInput   = 4
	buttonStyleLink  = 5
	buttonStyleFirst = 1
)

func runes(s string) int { return utf8.RuneCountInString(s) }

// checkEmbeds applies the embed limits: each field's, and 6000 characters
// across every embed of the message.
func checkEmbeds(es []Embed) string {
	if len(es) > maxEmbeds {
		return fmt.Sprintf("embeds: Must be %d or fewer in length", maxEmbeds)
	}
	total := 0
	for i, e := range es {
		p := fmt.Sprintf("embeds.%d", i)
		switch {
		case runes(e.Title) > maxEmbedTitle:
			return p + ".title: too long"
		case runes(e.Description) > maxEmbedDesc:
			return p + ".description: too long"
		case len(e.Fields) > maxEmbedFields:
			return p + ".fields: too many"
		case e.Footer != nil && runes(e.Footer.Text) > maxFooter:
			return p + ".footer.text: too long"
		case e.Author != nil && runes(e.Author.Name) > maxAuthor:
			return p + ".author.name: too long"
		}
		total += runes(e.Title) + runes(e.Description)
		if e.Footer != nil {
			total += runes(e.Footer.Text)
		}
		if e.Author != nil {
			total += runes(e.Author.Name)
		}
		for j, f := range e.Fields {
			if n := runes(f.Name); n < 1 || n > maxFieldName {
				return fmt.Sprintf("%s.fields.%d.name: Must be between 1 and %d in length", p, j, maxFieldName)
			}
			if n := runes(f.Value); n < 1 || n > maxFieldValue {
				return fmt.Sprintf("%s.fields.%d.value: Must be between 1 and %d in length", p, j, maxFieldValue)
			}
			total += runes(f.Name) + runes(f.Value)
		}
	}
	if total > maxEmbedTotal {
		return fmt.Sprintf("embeds: Embed size exceeds maximum size of %d", maxEmbedTotal)
	}
	return ""
}

// component is a message component as the fake reads it.
type component struct {
	Type       int         `json:"type"`
	CustomID   string      `json:"custom_id"`
	Label      string      `json:"label"`
	Style      int         `json:"style"`
	URL        string      `json:"url"`
	Emoji      *emoji      `json:"emoji"`
	Value      string      `json:"value"`
	Components []component `json:"components"`
}

type emoji struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// checkComponents applies the rules of message components: at most five
// action rows of at most five buttons, custom IDs of 1 to 100 characters,
// unique within the message, labels of at most 80.
func checkComponents(rows []json.RawMessage) string {
	if len(rows) > maxRows {
		return fmt.Sprintf("components: Must be %d or fewer in length", maxRows)
	}
	ids := map[string]bool{}
	for i, raw := range rows {
		var row component
		if err := json.Unmarshal(raw, &row); err != nil || row.Type != componentRow {
			return fmt.Sprintf("components.%d: an action row is expected at the top level", i)
		}
		if len(row.Components) == 0 || len(row.Components) > maxRowButtons {
			return fmt.Sprintf("components.%d.components: Must be between 1 and %d in length", i, maxRowButtons)
		}
		for j, c := range row.Components {
			p := fmt.Sprintf("components.%d.components.%d", i, j)
			if c.Type != componentButton && c.Type != componentSelect {
				return p + ".type: not a message component"
			}
			if c.Type == componentButton && c.Style == buttonStyleLink {
				if c.URL == "" || c.CustomID != "" {
					return p + ": a link button has a url and no custom_id"
				}
			} else {
				if n := runes(c.CustomID); n < 1 || n > maxCustomID {
					return fmt.Sprintf("%s.custom_id: Must be between 1 and %d in length", p, maxCustomID)
				}
				if ids[c.CustomID] {
					return p + ".custom_id: Component custom id cannot be duplicated"
				}
				ids[c.CustomID] = true
			}
			if c.Type == componentButton {
				if c.Style < buttonStyleFirst || c.Style > buttonStyleLink {
					return p + ".style: invalid"
				}
				if runes(c.Label) > maxButtonLabel {
					return fmt.Sprintf("%s.label: Must be %d or fewer in length", p, maxButtonLabel)
				}
				if c.Label == "" && c.Emoji == nil {
					return p + ": a button needs a label or an emoji"
				}
				if c.Emoji != nil && c.Emoji.ID == "" && c.Emoji.Name == "" {
					return p + ".emoji: invalid emoji"
				}
			}
		}
	}
	return ""
}

// checkModal applies the rules of a modal: a title of 1 to 45 characters,
// a custom ID, 1 to 5 rows each holding one text input with a label of 1
// to 45 characters.
func checkModal(raw json.RawMessage) string {
	var m struct {
		Title      string      `json:"title"`
		CustomID   string      `json:"custom_id"`
		Components []component `json:"components"`
	}
	if err := json.Unmarshal(raw, &m); err != nil {
		return "data: unreadable"
	}
	if n := runes(m.Title); n < 1 || n > maxModalTitle {
		return fmt.Sprintf("data.title: Must be between 1 and %d in length", maxModalTitle)
	}
	if n := runes(m.CustomID); n < 1 || n > maxCustomID {
		return fmt.Sprintf("data.custom_id: Must be between 1 and %d in length", maxCustomID)
	}
	if len(m.Components) < 1 || len(m.Components) > maxModalRows {
		return fmt.Sprintf("data.components: Must be between 1 and %d in length", maxModalRows)
	}
	for i, row := range m.Components {
		if row.Type != componentRow || len(row.Components) != 1 || row.Components[0].Type != componentInput {
			return fmt.Sprintf("data.components.%d: a row holds one text input", i)
		}
		in := row.Components[0]
		if n := runes(in.Label); n < 1 || n > maxInputLabel {
			return fmt.Sprintf("data.components.%d.components.0.label: Must be between 1 and %d in length", i, maxInputLabel)
		}
		if n := runes(in.CustomID); n < 1 || n > maxCustomID {
			return fmt.Sprintf("data.components.%d.components.0.custom_id: Must be between 1 and %d in length", i, maxCustomID)
		}
	}
	return ""
}
