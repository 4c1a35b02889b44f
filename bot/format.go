package bot

import "strings"

// Signed shows a balance with its sign: "+2h", "0h", "-1h30" ("+2 h" in French).
func (t Tr) Signed(m int64) string {
	if m > 0 {
		return "+" + t.Minutes(m)
	}
	return t.Minutes(m)
}

// Number shows the number of an entry, a proposal or a case: "n° 3" in
// French, "#3" in English; "#3" is accepted when typed in either.
func (t Tr) Number(n any) string { return t.S(msgNumber, map[string]any{"Number": n}) }

// Minutes shows a duration as the language writes it: "2 h", "1 h 30",
// "45 min" in French (no-break spaces, which ParseDuration reads back), the
// compact "2h", "1h30", "45min" in English.
func (t Tr) Minutes(m int64) string {
	s := FormatMinutes(m)
	if t.lang != "fr" {
		return s
	}
	if strings.HasSuffix(s, "min") {
		return strings.TrimSuffix(s, "min") + nbsp + "min"
	}
	h, rest, _ := strings.Cut(s, "h")
	if rest == "" {
		return h + nbsp + "h"
	}
	return h + nbsp + "h" + nbsp + rest
}
