package schedules

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
)

// Recurrences of reminders and newsletters. They are not jobs of the
// Scheduler: their next due time is stored in the ledger and the bot's
// every-minute tick compares it with the bot's own clock, so that tests
// drive them with a fake clock and a restart finds what fell due while the
// bot was down. These helpers only compute occurrences, with robfig/cron's
// parser and its Schedule.Next.

// ErrNever is returned for a specification that never occurs (30 February).
var ErrNever = errors.New("schedules: the specification never occurs")

// ParseSpec reads a standard five-field cron line ("0 18 * * MON") or a
// descriptor ("@weekly"), as robfig/cron's ParseStandard does. A leading
// "TZ=Area/City " or "CRON_TZ=…" fixes the zone; otherwise occurrences are
// computed in the zone Next is given.
func ParseSpec(spec string) (cron.Schedule, error) {
	spec = strings.TrimSpace(spec)
	if spec == "" {
		return nil, fmt.Errorf("schedules: empty specification")
	}
	s, err := cron.ParseStandard(spec)
	if err != nil {
		return nil, fmt.Errorf("schedules: %q: %w", spec, err)
	}
	return s, nil
}

// Next is the first occurrence of spec strictly after t, computed in loc
// (18:00 stays 18:00 local time across daylight-saving changes), in UTC.
func Next(spec string, after time.Time, loc *time.Location) (time.Time, error) {
	s, err := ParseSpec(spec)
	if err != nil {
		return time.Time{}, err
	}
	return next(s, after, loc)
}

// next is s.Next in loc, except that a wall-clock time the autumn change
// repeats (02:30 happens twice in Paris on the last Sunday of October)
// occurs once, the first time. A time the spring change skips (02:30 on
// the last Sunday of March) does not occur that day, as in robfig/cron.
func next(s cron.Schedule, after time.Time, loc *time.Location) (time.Time, error) {
	if loc == nil {
		loc = time.UTC
	}
	t := after.In(loc)
	for i := 0; i < 4; i++ {
		n := s.Next(t)
		if n.IsZero() {
			return time.Time{}, ErrNever
		}
		n = n.In(loc)
		first, again := earlier(n)
		if !again {
			return n.UTC(), nil
		}
		// Every time of the repeated hour is a second showing: go past
		// them all at once (a spec every minute has sixty of them).
		start, _ := n.ZoneBounds()
		t = start.Add(n.Sub(first) - time.Second)
	}
	return time.Time{}, ErrNever
}

// earlier is the first time t's wall-clock time was shown the same day,
// when the autumn change shows it twice and t is the second: 02:30 CET on
// the last Sunday of October in Paris was 02:30 CEST an hour before.
func earlier(t time.Time) (time.Time, bool) {
	_, now := t.Zone()
	_, before := t.Add(-3 * time.Hour).Zone()
	if before <= now {
		return t, false
	}
	first := t.Add(-time.Duration(before-now) * time.Second)
	if first.Format("2006-01-02 15:04") != t.Format("2006-01-02 15:04") {
		return t, false
	}
	return first, true
}

// Occurrences lists the occurrences of spec in (after, until], oldest
// first, at most max of them; more is true when there were others after
// the last one listed.
func Occurrences(spec string, after, until time.Time, loc *time.Location, max int) (times []time.Time, more bool, err error) {
	s, err := ParseSpec(spec)
	if err != nil {
		return nil, false, err
	}
	t := after
	for {
		n, err := next(s, t, loc)
		if errors.Is(err, ErrNever) || (err == nil && n.After(until)) {
			return times, false, nil
		}
		if err != nil {
			return nil, false, err
		}
		if len(times) == max {
			return times, true, nil
		}
		times = append(times, n)
		t = n
	}
}

// Latest is the last occurrence of spec in (after, until], if any.
// It walks the occurrences, so after should not be years before until for
// a spec that occurs every minute; limit bounds the walk.
func Latest(spec string, after, until time.Time, loc *time.Location, limit int) (time.Time, bool, error) {
	s, err := ParseSpec(spec)
	if err != nil {
		return time.Time{}, false, err
	}
	var last time.Time
	t := after
	for i := 0; i < limit; i++ {
		n, err := next(s, t, loc)
		if errors.Is(err, ErrNever) || (err == nil && n.After(until)) {
			break
		}
		if err != nil {
			return time.Time{}, false, err
		}
		last, t = n, n
	}
	if last.IsZero() {
		return time.Time{}, false, nil
	}
	return last, true, nil
}
