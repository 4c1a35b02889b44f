package schedules

import (
	"strings"
	"time"
)

// Words are what the parsers of this package understand besides numbers:
// the names of days and months and the small words between them, every
// language's at once, so that members may mix them. The bot fills them
// from its catalogues; this package knows no language. A phrase of
// several words ("tous les", "jour ouvré") is one string with spaces.
type Words struct {
	weekdays map[string]time.Weekday
	months   map[string]time.Month

	Every    []string // starts a recurrence: "every", "chaque", "tous les"
	Daily    []string // a recurrence every day, no day named: "daily", "quotidien"
	Day      []string // after Every, every day: "day", "jours"
	Workday  []string // after Every, Monday to Friday: "weekday", "jour ouvré"
	And      []string // between days: "and", "et"
	At       []string // before a time of day: "at", "à"
	In       []string // a one-time after a while: "in 2 hours", "dans 2h"
	On       []string // before a date: "on", "le"
	Today    []string // "today", "aujourd'hui"
	Tomorrow []string // "tomorrow", "demain"
	Noon     []string // 12:00: "noon", "midi"
	Midnight []string // 00:00: "midnight", "minuit"

	// Duration reads the while of "in 2 hours" ("2h", "45 min"); without
	// it, "in …" is not read. It is the bot's reader of amounts of time,
	// so that a gift and a reminder read them alike.
	Duration func(string) (time.Duration, bool)
}

// AddWeekdays adds the names of the days, Sunday first ("dimanche
// lundi …", "Sun Mon …"); case and a final dot do not matter.
func (w *Words) AddWeekdays(names []string) {
	if w.weekdays == nil {
		w.weekdays = map[string]time.Weekday{}
	}
	for i, name := range names {
		w.weekdays[nameForm(name)] = time.Weekday(i % 7)
	}
}

// AddMonths adds the names of the months, January first.
func (w *Words) AddMonths(names []string) {
	if w.months == nil {
		w.months = map[string]time.Month{}
	}
	for i, name := range names {
		w.months[nameForm(name)] = time.Month(i%12 + 1)
	}
}

// norm is a word as the parsers compare it: lower case, typographic
// apostrophes as plain ones, the commas and semicolons of a sentence
// after it dropped.
func norm(s string) string {
	s = strings.ToLower(strings.ReplaceAll(s, "’", "'"))
	return strings.TrimRight(s, ",;")
}

// nameForm is a day's or month's name as compared: "Lun." is "lun".
func nameForm(s string) string { return strings.TrimSuffix(norm(s), ".") }

// smallForm is a small word of Words as compared: lower case, the
// punctuation of a sentence after it dropped ("à:"), unless nothing would
// remain (the "," of "mon , thu" stays a comma).
func smallForm(s string) string {
	if t := strings.TrimRight(s, ",;:"); t != "" {
		s = t
	}
	return strings.ToLower(strings.ReplaceAll(s, "’", "'"))
}

// weekday reads a day's name, long or short; with plural, "lundis" and
// "mondays" too.
func (w *Words) weekday(s string, plural bool) (time.Weekday, bool) {
	s = nameForm(s)
	if s == "" {
		return 0, false
	}
	if d, ok := w.weekdays[s]; ok {
		return d, true
	}
	if base, ok := strings.CutSuffix(s, "s"); ok && plural && base != "" {
		d, ok := w.weekdays[base]
		return d, ok
	}
	return 0, false
}

// month reads a month's name, long or short.
func (w *Words) month(s string) (time.Month, bool) {
	m, ok := w.months[nameForm(s)]
	return m, ok
}

// match is how many of fields, from i, the longest phrase of list takes;
// 0 when none is there.
func match(list []string, fields []string, i int) int {
	best := 0
	for _, phrase := range list {
		words := strings.Fields(phrase)
		if len(words) == 0 || len(words) <= best || i+len(words) > len(fields) {
			continue
		}
		same := true
		for j, word := range words {
			if smallForm(norm(fields[i+j])) != smallForm(word) {
				same = false
				break
			}
		}
		if same {
			best = len(words)
		}
	}
	return best
}

// is reports whether word is one of list's one-word phrases.
func is(list []string, word string) bool { return match(list, []string{word}, 0) == 1 }
