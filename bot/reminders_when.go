package bot

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/entraide/entraide/ledger"
	"github.com/entraide/entraide/schedules"
)

// Reading when a reminder is due, as members write it in either
// language: "every monday 18:00", "chaque lundi 18h", "le 5 décembre 9h",
// "in 2 hours", "cron \"0 18 * * MON\"".

// when is a schedule as /remind reads it.
type when struct {
	kind  ledger.ReminderKind
	spec  string    // for a recurring reminder
	at    time.Time // for a one-time reminder
	input string    // as typed
}

var (
	clockTime = regexp.MustCompile(`^(\d{1,2})(?:(?::|h|H|\.)(\d{2})?)?\s*(am|pm)?$`)
	isoTime   = regexp.MustCompile(`^(\d{4}-\d{1,2}-\d{1,2})[t ](\d{1,2}:\d{2})$`)
)

// norm is a word as the schedule parser compares it.
func norm(s string) string {
	s = strings.ToLower(strings.ReplaceAll(s, "’", "'"))
	return strings.TrimRight(s, ",;")
}

// parseClock reads "18:00", "18h", "18h30", "9:30", "6pm", "6:30pm", noon
// and midnight, in either language. A bare number is not a time.
func parseClock(s string) (hour, minute int, ok bool) {
	switch norm(s) {
	case "noon", "midi":
		return 12, 0, true
	case "midnight", "minuit":
		return 0, 0, true
	}
	m := clockTime.FindStringSubmatch(norm(s))
	if m == nil || (m[2] == "" && m[3] == "" && !strings.ContainsAny(s, "hH:")) {
		return 0, 0, false
	}
	hour, _ = strconv.Atoi(m[1])
	if m[2] != "" {
		minute, _ = strconv.Atoi(m[2])
	}
	switch m[3] {
	case "am", "pm":
		if hour < 1 || hour > 12 {
			return 0, 0, false
		}
		hour %= 12
		if m[3] == "pm" {
			hour += 12
		}
	}
	return hour, minute, hour < 24 && minute < 60
}

// weekday reads a day's name in either language, long or short, singular
// or plural ("monday", "mon", "lundis", "lun.").
func (c *Catalog) weekday(s string) (time.Weekday, bool) {
	s = strings.TrimSuffix(norm(s), ".")
	if s == "" {
		return 0, false
	}
	for _, lang := range Languages() {
		tr := c.In(lang)
		for _, list := range []string{msgDateWeekdays, msgDateWeekdaysShort} {
			for i, name := range strings.Fields(tr.S(list, nil)) {
				name = strings.ToLower(strings.TrimSuffix(name, "."))
				if s == name || s == name+"s" {
					return time.Weekday(i), true
				}
			}
		}
	}
	return 0, false
}

// parseWhen reads the schedule at the start of fields, in loc, and says
// how many fields it took. Forms (either language):
//
//	every monday 18:00, every monday and thursday at 6pm, every day 9:00,
//	every weekday 8h30, chaque lundi 18h, tous les jours à 9h,
//	tous les lundis et jeudis 18h30, chaque jour ouvré 8h;
//	on 2026-12-05 09:30, le 05/12 9h30, 05/12/2026 à 9h30, tomorrow 9:00,
//	demain 9h, friday 18:00 (the next one), today 17:00;
//	cron "0 18 * * MON".
func (c *Catalog) parseWhen(fields []string, now time.Time, loc *time.Location) (when, int, error) {
	bad := func() (when, int, error) {
		input := strings.Join(fields[:min(len(fields), 4)], " ")
		return when{}, 0, refuse(msgRemindBadWhen, map[string]any{"Input": input})
	}
	if len(fields) == 0 {
		return bad()
	}
	at := func(i int) string {
		if i < len(fields) {
			return norm(fields[i])
		}
		return ""
	}
	// clock reads "[at] 18:00" from field i.
	clock := func(i int) (int, int, int, bool) {
		if c.is(kwAt, at(i)) {
			i++
		}
		h, m, ok := parseClock(at(i))
		return h, m, i + 1, ok
	}

	switch w := at(0); {
	case w == "cron":
		return c.parseCron(fields)

	case w == "every" || w == "each" || w == "chaque" || w == "daily" || w == "quotidien" ||
		((w == "tous" || w == "toutes") && at(1) == "les"):
		i := 1
		if w == "tous" || w == "toutes" {
			i = 2
		}
		dow := "*"
		if w != "daily" && w != "quotidien" {
			var ok bool
			if dow, i, ok = c.parseDays(fields, i); !ok {
				return bad()
			}
		}
		h, m, n, ok := clock(i)
		if !ok {
			return bad()
		}
		spec := fmt.Sprintf("%d %d * * %s", m, h, dow)
		if _, err := schedules.Next(spec, now, loc); err != nil {
			return bad()
		}
		return when{kind: ledger.ReminderCron, spec: spec, input: strings.Join(fields[:n], " ")}, n, nil
	}

	// One time, after a while: "dans 2h", "in 2 hours", "in 45 min".
	if w := at(0); (w == "in" || w == "dans") && len(fields) > 1 {
		for n := 2; n <= min(3, len(fields)); n++ {
			d, err := ParseDuration(strings.Join(fields[1:n], " "))
			if err != nil {
				continue
			}
			t := now.Add(time.Duration(d) * time.Minute).Truncate(time.Minute)
			input := strings.Join(fields[:n], " ")
			if t.Sub(now) > maxReminderAhead {
				return when{}, 0, refuse(msgRemindTooFar, map[string]any{"Input": input})
			}
			return when{kind: ledger.ReminderOnce, at: t.UTC(), input: input}, n, nil
		}
		return bad()
	}

	// One time: [on|le] <date|tomorrow|today|weekday> [at] <time>, or an
	// ISO date and time in one word.
	i := 0
	if w := at(0); w == "on" || w == "le" || w == "the" {
		i = 1
	}
	today := now.In(loc)
	var y, d int
	var mo time.Month
	var yearless bool
	word := at(i)
	split := 0 // 1 when "2026-12-05T09:30" was one word
	if m := isoTime.FindStringSubmatch(word); m != nil {
		fields = append(append(append([]string(nil), fields[:i]...), m[1], m[2]), fields[i+1:]...)
		word, split = m[1], 1
	}
	if day, mon, ok := c.dayAndMonth(word, at(i+1)); ok {
		// "5 décembre", "1er décembre", "December 5": two words.
		fields = append(append(append([]string(nil), fields[:i]...), fields[i]+" "+fields[i+1]), fields[i+2:]...)
		y, mo, d, yearless = today.Year(), mon, day, true
		split = -1
	} else if wd, ok := c.weekday(word); ok {
		ahead := (int(wd) - int(today.Weekday()) + 7) % 7
		y, mo, d = today.Year(), today.Month(), today.Day()+ahead
	} else if m := isoDate.FindStringSubmatch(word); m != nil {
		y, _ = strconv.Atoi(m[1])
		n, _ := strconv.Atoi(m[2])
		mo = time.Month(n)
		d, _ = strconv.Atoi(m[3])
	} else if m := shortDate.FindStringSubmatch(word); m != nil {
		d, _ = strconv.Atoi(m[1])
		n, _ := strconv.Atoi(m[2])
		mo = time.Month(n)
		y, yearless = today.Year(), m[3] == ""
		if !yearless {
			y, _ = strconv.Atoi(m[3])
			if y < 100 {
				y += 2000
			}
		}
	} else {
		switch word {
		case "today", "aujourd'hui":
			y, mo, d = today.Year(), today.Month(), today.Day()
		case "tomorrow", "demain":
			y, mo, d = today.Year(), today.Month(), today.Day()+1
		default:
			return bad()
		}
	}
	h, m, n, ok := clock(i + 1)
	if !ok {
		return bad()
	}
	t := time.Date(y, mo, d, h, m, 0, 0, loc)
	if word != "today" && word != "tomorrow" && word != "demain" && word != "aujourd'hui" {
		if _, isDay := c.weekday(word); !isDay && (t.Day() != d || t.Month() != mo) {
			return bad() // 31/02
		}
	}
	if _, isDay := c.weekday(word); isDay && !t.After(now) {
		t = time.Date(y, mo, d+7, h, m, 0, 0, loc) // the same day next week
	}
	if yearless && time.Date(y, mo, d, 0, 0, 0, 0, loc).Before(time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, loc)) {
		t = time.Date(y+1, mo, d, h, m, 0, 0, loc) // a day already past this year: next year's
	}
	input := strings.Join(fields[:n], " ")
	switch {
	case !t.After(now):
		return when{}, 0, refuse(msgRemindPast, map[string]any{"Input": input})
	case t.Sub(now) > maxReminderAhead:
		return when{}, 0, refuse(msgRemindTooFar, map[string]any{"Input": input})
	}
	return when{kind: ledger.ReminderOnce, at: t.UTC(), input: input}, n - split, nil
}

// dayAndMonth reads a date written with its month's name, in either
// language: "5 décembre", "1er décembre", "5 December", "December 5".
func (c *Catalog) dayAndMonth(a, b string) (int, time.Month, bool) {
	month := func(s string) (time.Month, bool) {
		s = strings.TrimSuffix(norm(s), ".")
		for _, lang := range Languages() {
			for _, list := range []string{msgDateMonths, msgDateMonthsShort} {
				for i, name := range strings.Fields(c.In(lang).S(list, nil)) {
					if s != "" && s == strings.ToLower(strings.TrimSuffix(name, ".")) {
						return time.Month(i + 1), true
					}
				}
			}
		}
		return 0, false
	}
	day := func(s string) (int, bool) {
		s = strings.TrimSuffix(strings.TrimSuffix(norm(s), "er"), "st")
		d, err := strconv.Atoi(s)
		return d, err == nil && d >= 1 && d <= 31
	}
	if d, ok := day(a); ok {
		if m, ok := month(b); ok {
			return d, m, true
		}
	}
	if m, ok := month(a); ok {
		if d, ok := day(b); ok {
			return d, m, true
		}
	}
	return 0, 0, false
}

// parseDays reads the days of "every …" from field i: day, weekday, or a
// list of day names; it returns the cron day-of-week field.
func (c *Catalog) parseDays(fields []string, i int) (string, int, bool) {
	at := func(i int) string {
		if i < len(fields) {
			return norm(fields[i])
		}
		return ""
	}
	switch w := at(i); w {
	case "day", "days", "jour", "jours":
		if n := at(i + 1); n == "ouvré" || n == "ouvrés" || n == "ouvre" || n == "ouvres" {
			return "1-5", i + 2, true
		}
		return "*", i + 1, true
	case "weekday", "weekdays":
		return "1-5", i + 1, true
	}
	var days []string
	seen := map[time.Weekday]bool{}
	for i < len(fields) {
		raw := strings.ToLower(fields[i])
		parts := strings.Split(strings.Trim(raw, ","), ",")
		matched := false
		for _, p := range parts {
			if p == "" {
				continue
			}
			d, ok := c.weekday(p)
			if !ok {
				matched = false
				break
			}
			matched = true
			if !seen[d] {
				seen[d] = true
				days = append(days, strconv.Itoa(int(d)))
			}
		}
		if !matched {
			break
		}
		i++
		if c.is(kwAnd, at(i)) {
			if _, ok := c.weekday(at(i + 1)); ok {
				i++
			}
		}
	}
	if len(days) == 0 {
		return "", i, false
	}
	return strings.Join(days, ","), i, true
}

// parseCron reads `cron "0 18 * * MON"`: the line between quotes
// (straight, curly or French), checked by robfig/cron.
func (c *Catalog) parseCron(fields []string) (when, int, error) {
	open := map[string]string{`"`: `"`, "“": "”", "«": "»", "'": "'", "”": "”"}
	usage := func() (when, int, error) {
		return when{}, 0, refuse(msgRemindBadCron, map[string]any{"Input": strings.Join(fields[1:min(len(fields), 7)], " ")})
	}
	if len(fields) < 2 {
		return usage()
	}
	first := fields[1]
	var closeQ string
	for o, cl := range open {
		if strings.HasPrefix(first, o) {
			closeQ = cl
			first = strings.TrimPrefix(first, o)
			break
		}
	}
	if closeQ == "" {
		return usage()
	}
	var parts []string
	end := -1
	for j := 1; j < len(fields); j++ {
		w := fields[j]
		if j == 1 {
			w = first
		}
		if strings.HasSuffix(w, closeQ) && (j > 1 || w != "") {
			parts = append(parts, strings.TrimSuffix(w, closeQ))
			end = j
			break
		}
		parts = append(parts, w)
	}
	if end < 0 {
		return usage()
	}
	spec := strings.Join(strings.Fields(strings.Join(parts, " ")), " ")
	if _, err := schedules.ParseSpec(spec); err != nil {
		return when{}, 0, refuse(msgRemindBadCron, map[string]any{"Input": spec})
	}
	return when{kind: ledger.ReminderCron, spec: spec, input: `cron "` + spec + `"`}, end + 1, nil
}
