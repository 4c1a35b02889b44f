package schedules

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Reading when a reminder is due, as members write it in any language the
// Words hold: "every monday 18:00", "chaque lundi 18h", "le 5 décembre
// 9h", "in 2 hours", "cron \"0 18 * * MON\"".

// MaxAhead is how far ahead a one-time schedule may be.
const MaxAhead = 366 * 24 * time.Hour

// When is a schedule read at the start of a phrase: a recurrence (Spec)
// or one time (At).
type When struct {
	Spec  string    // a recurrence as a cron line ("0 18 * * 1"), for Next and Occurrences; "" for one time
	At    time.Time // one time, in UTC; zero for a recurrence
	Input string    // the words read, as typed
	Words int       // how many of the fields the schedule took

	// StartsWithDay is set when the phrase starts with a day's name
	// (Weekday): for one time, "lundi 18h" is the next Monday only, and
	// the edge may suggest the weekly form.
	StartsWithDay bool
	Weekday       time.Weekday
}

// WhenErrorCode says why a schedule was refused, for the edge to word.
type WhenErrorCode int

const (
	WhenUnreadable WhenErrorCode = iota + 1 // not a schedule, or a day that does not exist (31/02)
	WhenBadCron                             // cron without quotes, or not a cron line
	WhenPast                                // one time already past
	WhenTooFar                              // one time more than MaxAhead away
)

// WhenError is a refused schedule with the words refused: the first few
// words of the phrase, or the schedule as far as it was read.
type WhenError struct {
	Code  WhenErrorCode
	Input string
}

func (e *WhenError) Error() string {
	why := map[WhenErrorCode]string{WhenUnreadable: "not a schedule", WhenBadCron: "not a cron line",
		WhenPast: "already past", WhenTooFar: "too far ahead"}[e.Code]
	return fmt.Sprintf("schedules: %q: %s", e.Input, why)
}

var (
	clockTime = regexp.MustCompile(`^(\d{1,2})(?:(?::|h|H|\.)(\d{2})?)?\s*(am|pm)?$`)
	isoTime   = regexp.MustCompile(`^(\d{4}-\d{1,2}-\d{1,2})[t ](\d{1,2}:\d{2})$`)
	isoDate   = regexp.MustCompile(`^(\d{4})-(\d{1,2})-(\d{1,2})$`)
	shortDate = regexp.MustCompile(`^(\d{1,2})[/.](\d{1,2})(?:[/.](\d{2}|\d{4}))?$`)
)

// clock reads "18:00", "18h", "18h30", "9:30", "6pm", "6:30pm", noon and
// midnight. A bare number is not a time.
func (w *Words) clock(s string) (hour, minute int, ok bool) {
	switch {
	case is(w.Noon, s):
		return 12, 0, true
	case is(w.Midnight, s):
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

// ParseWhen reads the schedule at the start of fields, in loc, as of
// now. Forms (in any language of words):
//
//	every monday 18:00, every monday and thursday at 6pm, every day 9:00,
//	every weekday 8h30, chaque lundi 18h, tous les jours à 9h,
//	tous les lundis et jeudis 18h30, chaque jour ouvré 8h, daily at noon;
//	on 2026-12-05 09:30, le 05/12 9h30, 05/12/2026 à 9h30, le 5 décembre
//	9h, tomorrow 9:00, demain 9h, friday 18:00 (the next one), today
//	17:00; in 2 hours, dans 45 min;
//	cron "0 18 * * MON".
//
// A date without a year already past this year is next year's. Refusals
// are *WhenError.
func ParseWhen(fields []string, words *Words, now time.Time, loc *time.Location) (When, error) {
	bad := func() (When, error) {
		return When{}, &WhenError{Code: WhenUnreadable, Input: strings.Join(fields[:min(len(fields), 4)], " ")}
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
		i += match(words.At, fields, i)
		h, m, ok := words.clock(at(i))
		return h, m, i + 1, ok
	}
	day, startsWithDay := words.weekday(fields[0], true)

	if at(0) == "cron" {
		return parseCron(fields)
	}
	every, daily := match(words.Every, fields, 0), match(words.Daily, fields, 0)
	if every > 0 || daily > 0 {
		i, dow := daily, "*"
		if daily == 0 {
			var ok bool
			if dow, i, ok = words.days(fields, every); !ok {
				return bad()
			}
		}
		h, m, n, ok := clock(i)
		if !ok {
			return bad()
		}
		spec := fmt.Sprintf("%d %d * * %s", m, h, dow)
		if _, err := Next(spec, now, loc); err != nil {
			return bad()
		}
		return When{Spec: spec, Input: strings.Join(fields[:n], " "), Words: n}, nil
	}

	// One time, after a while: "dans 2h", "in 2 hours", "in 45 min".
	if k := match(words.In, fields, 0); k > 0 && len(fields) > k && words.Duration != nil {
		for n := k + 1; n <= min(k+2, len(fields)); n++ {
			d, ok := words.Duration(strings.Join(fields[k:n], " "))
			if !ok {
				continue
			}
			t := now.Add(d).Truncate(time.Minute)
			input := strings.Join(fields[:n], " ")
			if t.Sub(now) > MaxAhead {
				return When{}, &WhenError{Code: WhenTooFar, Input: input}
			}
			return When{At: t.UTC(), Input: input, Words: n}, nil
		}
		return bad()
	}

	// One time: [on|le] <date|tomorrow|today|weekday> [at] <time>, or an
	// ISO date and time in one word.
	i := match(words.On, fields, 0)
	today := now.In(loc)
	var y, d int
	var mo time.Month
	var yearless, relative bool
	word := at(i)
	split := 0 // 1 when "2026-12-05T09:30" was one word
	if m := isoTime.FindStringSubmatch(word); m != nil {
		fields = append(append(append([]string(nil), fields[:i]...), m[1], m[2]), fields[i+1:]...)
		word, split = m[1], 1
	}
	wd, isDay := words.weekday(word, true)
	if dd, mon, ok := words.dayAndMonth(word, at(i+1)); ok {
		// "5 décembre", "1er décembre", "December 5": two words.
		fields = append(append(append([]string(nil), fields[:i]...), fields[i]+" "+fields[i+1]), fields[i+2:]...)
		y, mo, d, yearless = today.Year(), mon, dd, true
		split = -1
	} else if isDay {
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
	} else if is(words.Today, word) {
		y, mo, d, relative = today.Year(), today.Month(), today.Day(), true
	} else if is(words.Tomorrow, word) {
		y, mo, d, relative = today.Year(), today.Month(), today.Day()+1, true
	} else {
		return bad()
	}
	h, m, n, ok := clock(i + 1)
	if !ok {
		return bad()
	}
	t := time.Date(y, mo, d, h, m, 0, 0, loc)
	if !relative && !isDay && (t.Day() != d || t.Month() != mo) {
		return bad() // 31/02
	}
	if isDay && !t.After(now) {
		t = time.Date(y, mo, d+7, h, m, 0, 0, loc) // the same day next week
	}
	if yearless && time.Date(y, mo, d, 0, 0, 0, 0, loc).Before(time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, loc)) {
		t = time.Date(y+1, mo, d, h, m, 0, 0, loc) // a day already past this year: next year's
		if t.Day() != d {
			return bad() // 29/02 typed after this year's, when next year has none
		}
	}
	// A time the autumn change shows twice is the first one, as for a
	// recurrence (time.Date would give the second). A time the spring
	// change skips is read with the offset before the change, as
	// time.Date does: 02:30 on the last Sunday of March is 03:30 summer
	// time, an hour late rather than never.
	t, _ = earlier(t)
	input := strings.Join(fields[:n], " ")
	switch {
	case !t.After(now):
		return When{}, &WhenError{Code: WhenPast, Input: input}
	case t.Sub(now) > MaxAhead:
		return When{}, &WhenError{Code: WhenTooFar, Input: input}
	}
	return When{At: t.UTC(), Input: input, Words: n - split, StartsWithDay: startsWithDay, Weekday: day}, nil
}

// dayAndMonth reads a date written with its month's name: "5 décembre",
// "1er décembre", "5 December", "December 5".
func (w *Words) dayAndMonth(a, b string) (int, time.Month, bool) {
	day := func(s string) (int, bool) {
		s = strings.TrimSuffix(strings.TrimSuffix(norm(s), "er"), "st")
		d, err := strconv.Atoi(s)
		return d, err == nil && d >= 1 && d <= 31
	}
	if d, ok := day(a); ok {
		if m, ok := w.month(b); ok {
			return d, m, true
		}
	}
	if m, ok := w.month(a); ok {
		if d, ok := day(b); ok {
			return d, m, true
		}
	}
	return 0, 0, false
}

// days reads the days of "every …" from field i: day, weekday, or a list
// of day names; it returns the cron day-of-week field and the field after.
func (w *Words) days(fields []string, i int) (string, int, bool) {
	if n := match(w.Workday, fields, i); n > 0 {
		return "1-5", i + n, true
	}
	if n := match(w.Day, fields, i); n > 0 {
		return "*", i + n, true
	}
	var days []string
	seen := map[time.Weekday]bool{}
	for i < len(fields) {
		parts := strings.Split(strings.Trim(strings.ToLower(fields[i]), ","), ",")
		matched := false
		for _, p := range parts {
			if p == "" {
				continue
			}
			d, ok := w.weekday(p, true)
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
		if i+1 < len(fields) && is(w.And, fields[i]) {
			if _, ok := w.weekday(fields[i+1], true); ok {
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
func parseCron(fields []string) (When, error) {
	open := map[string]string{`"`: `"`, "“": "”", "«": "»", "'": "'", "”": "”"}
	usage := func() (When, error) {
		return When{}, &WhenError{Code: WhenBadCron, Input: strings.Join(fields[1:min(len(fields), 7)], " ")}
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
	if _, err := ParseSpec(spec); err != nil {
		return When{}, &WhenError{Code: WhenBadCron, Input: spec}
	}
	return When{Spec: spec, Input: `cron "` + spec + `"`, Words: end + 1}, nil
}
