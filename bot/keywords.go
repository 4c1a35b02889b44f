package bot

import (
	"strings"
	"time"

	"github.com/entraide/entraide/schedules"
)

// Keywords are the small words the parsers understand between a command's
// arguments ("for", "until", "mediator"…). They come from the catalogues,
// every language at once, so that members may mix them and a third
// language is one more file.
const (
	kwFor      = "keyword.for"      // starts a gift's note
	kwAnd      = "keyword.and"      // joins members or weekdays
	kwUntil    = "keyword.until"    // introduces a deadline
	kwMediator = "keyword.mediator" // introduces a case's mediators
	kwAbout    = "keyword.about"    // introduces a case's topic
	kwRequest  = "keyword.request"  // introduces a request's number
	kwAll      = "keyword.all"      // every item, closed ones too
	kwGroup    = "keyword.group"    // introduces a proposal's group
	kwAt       = "keyword.at"       // introduces a time of day

	// The words of schedules ("every monday 18:00", "demain 9h"); a
	// phrase of several words is written with "+" between them.
	kwEvery    = "keyword.every"    // starts a recurrence
	kwDaily    = "keyword.daily"    // a recurrence every day
	kwDay      = "keyword.day"      // after kwEvery: every day
	kwWorkday  = "keyword.workday"  // after kwEvery: Monday to Friday
	kwIn       = "keyword.in"       // one time after a while
	kwOn       = "keyword.on"       // introduces a date
	kwToday    = "keyword.today"    // a day
	kwTomorrow = "keyword.tomorrow" // a day
	kwNoon     = "keyword.noon"     // a time of day
	kwMidnight = "keyword.midnight" // a time of day
)

// keywordIDs are every keyword message, loaded into the catalogue.
func keywordIDs() []string {
	return []string{kwFor, kwAnd, kwUntil, kwMediator, kwAbout, kwRequest, kwAll, kwGroup, kwAt,
		kwEvery, kwDaily, kwDay, kwWorkday, kwIn, kwOn, kwToday, kwTomorrow, kwNoon, kwMidnight}
}

// keywordForm is how a typed word is compared: lower case, the
// punctuation of a sentence after it dropped, typographic apostrophes
// as plain ones.
func keywordForm(s string) string {
	if t := strings.TrimRight(s, ",;:"); t != "" {
		s = t
	}
	return strings.ToLower(strings.ReplaceAll(s, "’", "'"))
}

// loadKeywords reads each keyword's words, space-separated, in every
// language.
func (c *Catalog) loadKeywords() {
	c.keywords = map[string]map[string]bool{}
	for _, id := range keywordIDs() {
		set := map[string]bool{}
		for _, lang := range Languages() {
			for _, w := range strings.Fields(c.In(lang).S(id, nil)) {
				set[keywordForm(w)] = true
			}
		}
		c.keywords[id] = set
	}
	c.words = c.scheduleWords()
}

// scheduleWords are the words schedules reads, every language's: the
// names of days and months as the dates show them, and the keywords.
func (c *Catalog) scheduleWords() *schedules.Words {
	phrases := func(id string) []string {
		var list []string
		for w := range c.keywords[id] {
			list = append(list, strings.ReplaceAll(w, "+", " "))
		}
		return list
	}
	w := &schedules.Words{
		Every: phrases(kwEvery), Daily: phrases(kwDaily), Day: phrases(kwDay), Workday: phrases(kwWorkday),
		And: phrases(kwAnd), At: phrases(kwAt), In: phrases(kwIn), On: phrases(kwOn),
		Today: phrases(kwToday), Tomorrow: phrases(kwTomorrow), Noon: phrases(kwNoon), Midnight: phrases(kwMidnight),
		Duration: func(s string) (time.Duration, bool) {
			m, err := ParseDuration(s)
			return time.Duration(m) * time.Minute, err == nil
		},
	}
	for _, lang := range Languages() {
		tr := c.In(lang)
		w.AddWeekdays(strings.Fields(tr.S(msgDateWeekdays, nil)))
		w.AddWeekdays(strings.Fields(tr.S(msgDateWeekdaysShort, nil)))
		w.AddMonths(strings.Fields(tr.S(msgDateMonths, nil)))
		w.AddMonths(strings.Fields(tr.S(msgDateMonthsShort, nil)))
	}
	return w
}

// keyword is the word a reply suggests typing, in tr's language: the
// first of the keyword's words there.
func keyword(tr Tr, id string) string {
	if w := strings.Fields(tr.S(id, nil)); len(w) > 0 {
		return w[0]
	}
	return ""
}

// is reports whether word is one of the keyword's words, in any language.
func (c *Catalog) is(id, word string) bool { return c.keywords[id][keywordForm(word)] }
