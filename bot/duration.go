package bot

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxDurationMinutes is the largest amount the parser accepts (1000 hours);
// anything above is absurd for a time bank.
const MaxDurationMinutes = 1000 * 60

// DurationErrorCode tells the caller which localized message to show; the
// English text of DurationError is for logs only.
type DurationErrorCode int

const (
	DurationEmpty     DurationErrorCode = iota + 1 // nothing typed
	DurationMalformed                              // not a duration we understand
	DurationZero                                   // 0h, 0m, 0,0h
	DurationNegative                               // -2h, −2h
	DurationTooLarge                               // more than MaxDurationMinutes
)

func (c DurationErrorCode) String() string {
	switch c {
	case DurationEmpty:
		return "empty"
	case DurationMalformed:
		return "malformed"
	case DurationZero:
		return "zero"
	case DurationNegative:
		return "negative"
	case DurationTooLarge:
		return "too large"
	}
	return "DurationErrorCode(" + strconv.Itoa(int(c)) + ")"
}

// DurationError explains why a typed amount of time was refused.
type DurationError struct {
	Code  DurationErrorCode
	Input string
}

func (e *DurationError) Error() string {
	return fmt.Sprintf("duration %q: %s", e.Input, e.Code)
}

// maxIntDigits bounds the significant digits of the number we convert:
// 10^7 hours or minutes is already far above MaxDurationMinutes, so longer
// digit strings are refused as too large without any risk of overflow.
const maxIntDigits = 7

// ParseDuration parses a human-typed amount of time into whole minutes (> 0).
// Accepted forms are "<number> <unit>" and "<hours> <hour-unit> <mm> [<minute-unit>]",
// where the number may have a decimal part written with '.' or ','.
// A bare number is refused because "2" could mean hours or minutes.
// Errors are always *DurationError.
func ParseDuration(s string) (int64, error) {
	fail := func(c DurationErrorCode) (int64, error) {
		return 0, &DurationError{Code: c, Input: s}
	}

	p := scanner{s: strings.TrimFunc(s, unicode.IsSpace)}
	if p.done() {
		return fail(DurationEmpty)
	}

	negative := p.consume("-") || p.consume("\u2212")
	if negative {
		p.skipSpace()
	}

	intPart := p.digits()
	if intPart == "" {
		return fail(DurationMalformed)
	}
	var fracPart string
	if p.consume(".") || p.consume(",") {
		if fracPart = p.digits(); fracPart == "" {
			return fail(DurationMalformed)
		}
	}
	p.skipSpace()
	unit := unitOf(p.word())
	if unit == 0 {
		return fail(DurationMalformed)
	}
	p.skipSpace()

	// Only "1h30"-style input has a trailing minutes part; "1.5h30" and
	// "1m30" are refused because their meaning is unclear.
	var extraMinutes string
	if unit == time60 && !p.done() && fracPart == "" {
		extraMinutes = p.digits()
		if extraMinutes == "" || len(extraMinutes) > 2 {
			return fail(DurationMalformed)
		}
		p.skipSpace()
		if !p.done() {
			if unitOf(p.word()) != time1 {
				return fail(DurationMalformed)
			}
			p.skipSpace()
		}
	}
	if !p.done() {
		return fail(DurationMalformed)
	}

	fracMinutes, ok := fractionMinutes(fracPart, int64(unit))
	if !ok {
		return fail(DurationMalformed)
	}
	var extra int64
	if extraMinutes != "" {
		extra, _ = strconv.ParseInt(extraMinutes, 10, 64) // at most 2 digits
		if extra >= 60 {
			return fail(DurationMalformed)
		}
	}

	intPart = strings.TrimLeft(intPart, "0")
	tooLarge := len(intPart) > maxIntDigits
	var total int64
	if !tooLarge {
		n, _ := strconv.ParseInt("0"+intPart, 10, 64) // bounded digit count, cannot fail
		total = n*int64(unit) + fracMinutes + extra
		tooLarge = total > MaxDurationMinutes
	}

	// Zero wins over the sign so "-0h" is reported as the simpler mistake;
	// the sign wins over the size because "-5000h" is wrong for that reason first.
	switch {
	case !tooLarge && total == 0:
		return fail(DurationZero)
	case negative:
		return fail(DurationNegative)
	case tooLarge:
		return fail(DurationTooLarge)
	}
	return total, nil
}

// timeUnit is the number of minutes in one unit, so 0 can mean "unknown".
type timeUnit int64

const (
	time1  timeUnit = 1
	time60 timeUnit = 60
)

func unitOf(word string) timeUnit {
	switch word {
	case "h", "hr", "hrs", "hour", "hours", "heure", "heures":
		return time60
	case "m", "mn", "min", "mins", "minute", "minutes":
		return time1
	}
	return 0
}

// fractionMinutes converts the decimal digits after the separator into
// minutes exactly, refusing fractions that do not land on a whole minute.
// After trailing zeros are dropped the last digit is not 0, and f/10^k of
// 60 minutes is whole only when k <= 2 (60 = 2²·3·5), so at most two digits
// need converting and nothing can overflow.
func fractionMinutes(frac string, unit int64) (int64, bool) {
	frac = strings.TrimRight(frac, "0")
	if frac == "" {
		return 0, true
	}
	if len(frac) > 2 {
		return 0, false
	}
	f, _ := strconv.ParseInt(frac, 10, 64)
	scale := int64(10)
	if len(frac) == 2 {
		scale = 100
	}
	if f*unit%scale != 0 {
		return 0, false
	}
	return f * unit / scale, true
}

// scanner walks the input left to right; it only understands ASCII digits
// and letters so that look-alike Unicode characters are never taken for units.
type scanner struct {
	s string
	i int
}

func (p *scanner) done() bool { return p.i >= len(p.s) }

func (p *scanner) consume(prefix string) bool {
	if strings.HasPrefix(p.s[p.i:], prefix) {
		p.i += len(prefix)
		return true
	}
	return false
}

func (p *scanner) skipSpace() {
	for !p.done() {
		r, size := utf8.DecodeRuneInString(p.s[p.i:])
		if !unicode.IsSpace(r) {
			return
		}
		p.i += size
	}
}

func (p *scanner) digits() string {
	start := p.i
	for !p.done() && '0' <= p.s[p.i] && p.s[p.i] <= '9' {
		p.i++
	}
	return p.s[start:p.i]
}

// word returns the ASCII letters at the cursor, lowercased, because units
// are matched case-insensitively ("2H", "2 Heures").
func (p *scanner) word() string {
	start := p.i
	for !p.done() {
		c := p.s[p.i] | 0x20 // ASCII lowercase for letters
		if c < 'a' || c > 'z' {
			break
		}
		p.i++
	}
	return strings.ToLower(p.s[start:p.i])
}

// FormatMinutes renders minutes compactly and language-neutrally, in a form
// ParseDuration accepts back: 120 -> "2h", 90 -> "1h30", 45 -> "45min",
// 65 -> "1h05", 0 -> "0h", -90 -> "-1h30".
func FormatMinutes(m int64) string {
	sign := ""
	abs := uint64(m)
	if m < 0 {
		sign = "-"
		abs = -abs // unsigned negation keeps math.MinInt64 correct
	}
	h, r := abs/60, abs%60
	switch {
	case r == 0:
		return fmt.Sprintf("%s%dh", sign, h)
	case h == 0:
		return fmt.Sprintf("%s%dmin", sign, r)
	}
	return fmt.Sprintf("%s%dh%02d", sign, h, r)
}
