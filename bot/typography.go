package bot

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

const (
	nbsp  = "\u00a0" // before ":" and inside « », between a number and its unit
	nnbsp = "\u202f" // before ";", "!" and "?"
)

// frenchTypography applies French spacing to a catalogue template once, at
// load, so that no string has to type the invisible spaces by hand and a
// string that did type them renders the same: a narrow no-break space before
// ";", "!" and "?", a no-break space before ":" and inside « », and after
// "n°". It works on the template's text, never on the values filled in, so
// what a member typed is shown as typed.
func frenchTypography(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 16)
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == '«':
			b.WriteString("«" + nbsp)
			i = skipSpaces(s, i+size)
			continue
		case isTypoSpace(r):
			j := skipSpaces(s, i)
			if j < len(s) {
				next, nsize := utf8.DecodeRuneInString(s[j:])
				switch {
				case next == '»':
					b.WriteString(nbsp + "»")
					i = j + nsize
					continue
				case (next == ';' || next == '!' || next == '?') && endsPunctuation(s, j+nsize):
					b.WriteString(nnbsp)
					i = j
					continue
				case next == ':' && endsPunctuation(s, j+nsize):
					b.WriteString(nbsp)
					i = j
					continue
				}
			}
		case r == '»':
			// "»" typed right after a word: the space is missing.
			b.WriteString(nbsp + "»")
			i += size
			continue
		case r == '°' && strings.HasSuffix(b.String(), "n"):
			b.WriteString("°" + nbsp)
			i = skipSpaces(s, i+size)
			continue
		}
		b.WriteRune(r)
		i += size
	}
	return b.String()
}

// isTypoSpace is a space the layer may replace: a plain space or one of the
// two no-break spaces typed by hand.
func isTypoSpace(r rune) bool { return r == ' ' || r == '\u00a0' || r == '\u202f' }

func skipSpaces(s string, i int) int {
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		if !isTypoSpace(r) {
			break
		}
		i += size
	}
	return i
}

// endsPunctuation reports whether the mark ending at i is punctuation and
// not the start of a word such as "!donner" or a time such as " :30": it is
// followed by the end, a space, or another closing mark.
func endsPunctuation(s string, i int) bool {
	if i >= len(s) {
		return true
	}
	r, _ := utf8.DecodeRuneInString(s[i:])
	return unicode.IsSpace(r) || r == '\u202f' || strings.ContainsRune(")]»\"'.,…!?;:*_`", r)
}
