package schedules

import (
	"regexp"
	"strconv"
	"strings"
	"time"
)

// durationDeadline is "3d", "3j", "36h", "2w", "2sem" (and their long forms).
var durationDeadline = regexp.MustCompile(`^(\d{1,4})\s*(d|days?|j|jours?|h|hours?|heures?|w|weeks?|sem|semaines?)$`)

// ParseDeadlineDuration reads a duration as /propose and config.yaml take
// it: a whole number of days, hours or weeks ("7d", "3j", "36h", "2w").
func ParseDeadlineDuration(s string) (time.Duration, bool) {
	m := durationDeadline.FindStringSubmatch(strings.ToLower(strings.TrimSpace(s)))
	if m == nil {
		return 0, false
	}
	n, _ := strconv.Atoi(m[1])
	unit := 24 * time.Hour
	switch m[2][0] {
	case 'h':
		unit = time.Hour
	case 'w', 's':
		unit = 7 * 24 * time.Hour
	}
	return time.Duration(n) * unit, true
}

// ParseDeadline reads when something closes, as of now: a date
// (2026-12-05, 05/12 or 05/12/2026, day first), a weekday or tomorrow
// (that day at 23:59 in loc; a weekday means next week when it is today),
// or a duration from now (3d, 3j, 36h). A date without a year already
// past is next year's. A date that does not exist (31/02) is refused.
func ParseDeadline(s string, words *Words, now time.Time, loc *time.Location) (time.Time, bool) {
	s = strings.ToLower(strings.TrimRight(strings.TrimSpace(s), ",;!?"))
	if d, ok := ParseDeadlineDuration(s); ok {
		return now.Add(d), d > 0
	}
	today := now.In(loc)
	endOf := func(y int, m time.Month, d int) (time.Time, bool) {
		t := time.Date(y, m, d, 23, 59, 0, 0, loc)
		return t, t.Year() == y && t.Month() == m && t.Day() == d
	}
	if m := isoDate.FindStringSubmatch(s); m != nil {
		y, _ := strconv.Atoi(m[1])
		mo, _ := strconv.Atoi(m[2])
		d, _ := strconv.Atoi(m[3])
		return endOf(y, time.Month(mo), d)
	}
	if m := shortDate.FindStringSubmatch(s); m != nil {
		d, _ := strconv.Atoi(m[1])
		mo, _ := strconv.Atoi(m[2])
		if m[3] != "" {
			y, _ := strconv.Atoi(m[3])
			if y < 100 {
				y += 2000
			}
			return endOf(y, time.Month(mo), d)
		}
		t, ok := endOf(today.Year(), time.Month(mo), d)
		if ok && t.Before(now) {
			t, ok = endOf(today.Year()+1, time.Month(mo), d)
		}
		return t, ok
	}
	s = strings.TrimSuffix(s, ".")
	if is(words.Tomorrow, s) {
		return endOf(today.Year(), today.Month(), today.Day()+1)
	}
	if wd, ok := words.weekday(s, false); ok {
		ahead := (int(wd) - int(today.Weekday()) + 7) % 7
		if ahead == 0 {
			ahead = 7
		}
		return endOf(today.Year(), today.Month(), today.Day()+ahead)
	}
	return time.Time{}, false
}
