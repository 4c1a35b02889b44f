package ledger

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Text hygiene at the ledger's edge. What members type is stored and
// shown again in replies, histories, newsletters, CSV files and terminals:
// a control character, an ANSI escape or a bidirectional override stored
// once would reorder or hide what every later reader sees ("for the
// garden" shown while "nedrag eht rof" is stored). Such text is refused,
// never cleaned silently, so that what is recorded is what was meant.

// ETEXT: a text holds a character the ledger does not record.
const ETEXT Code = "text"

// TextError names the field and the first character refused in it.
type TextError struct {
	Field string // note, reason, text, topic, name…
	Rune  rune   // utf8.RuneError for bytes that are not UTF-8
	// Invalid is true when the text is not UTF-8 at all.
	Invalid bool
}

func (e *TextError) Error() string {
	if e.Invalid {
		return fmt.Sprintf("ledger text: the %s is not valid UTF-8", e.Field)
	}
	return fmt.Sprintf("ledger text: the %s holds %U", e.Field, e.Rune)
}

// UnsafeRune reports whether r acts on a display rather than being shown:
// control characters (C0, DEL, C1, which include the ANSI escape), the
// bidirectional embeddings, overrides and isolates, line and paragraph
// separators, and the byte-order mark inside a text.
func UnsafeRune(r rune) bool {
	switch {
	case unicode.IsControl(r):
		return true
	case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069: // LRE RLE PDF LRO RLO, LRI RLI FSI PDI
		return true
	case r == 0x2028 || r == 0x2029 || r == 0xfeff:
		return true
	}
	return false
}

// checkText refuses invalid UTF-8 and unsafe characters in one field;
// multiline fields may hold newlines (and the CR of a CRLF).
func checkText(field, s string, multiline bool) error {
	if !utf8.ValidString(s) {
		return &TextError{Field: field, Rune: utf8.RuneError, Invalid: true}
	}
	for i, r := range s {
		if !UnsafeRune(r) {
			continue
		}
		if multiline && (r == '\n' || r == '\r' && strings.HasPrefix(s[i+1:], "\n")) {
			continue
		}
		return &TextError{Field: field, Rune: r}
	}
	return nil
}

// textField is one field of a request, for checkTexts.
type textField struct {
	name      string
	value     string
	multiline bool
}

// checkTexts checks the fields in order and returns the first refusal.
func checkTexts(fields ...textField) error {
	for _, f := range fields {
		if err := checkText(f.name, f.value, f.multiline); err != nil {
			return err
		}
	}
	return nil
}

// requiredText is the text of field f, trimmed, as the ledger keeps it:
// refused when it holds what checkTexts refuses, when it is empty
// (EINVALID: what needs a text), or when it is longer than max characters
// (*TooLongError).
func requiredText(f textField, what string, max int) (string, error) {
	s, err := optionalText(f, max)
	if err == nil && s == "" {
		return "", errorf(EINVALID, "%s needs a text", what)
	}
	return s, err
}

// optionalText is requiredText for a text that may be empty.
func optionalText(f textField, max int) (string, error) {
	s := strings.TrimSpace(f.value)
	if err := checkTexts(textField{name: f.name, value: s, multiline: f.multiline}); err != nil {
		return "", err
	}
	if utf8.RuneCountInString(s) > max {
		return "", tooLong(f.name, s, max)
	}
	return s, nil
}

// line and lines are the fields of one line and of several.
func line(name, value string) textField  { return textField{name: name, value: value} }
func lines(name, value string) textField { return textField{name: name, value: value, multiline: true} }
