package bot

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/entraide/entraide/ledger"
)

// DefaultDecisionDeadline is how long a proposal stays open when neither
// /propose nor the community's settings say.
const DefaultDecisionDeadline = 7 * 24 * time.Hour

// Decisions are a community's settings for decisions by consent.
type Decisions struct {
	// Deadline is how long a proposal stays open when /propose names no
	// deadline; zero means DefaultDecisionDeadline.
	Deadline time.Duration
	// Quorum is how many members must respond for a proposal to pass.
	Quorum Quorum
}

// deadline is the default deadline, the zero value standing for the default.
func (d Decisions) deadline() time.Duration {
	if d.Deadline == 0 {
		return DefaultDecisionDeadline
	}
	return d.Deadline
}

func (d Decisions) validate() error {
	switch {
	case d.Deadline < 0:
		return fmt.Errorf("decisions.deadline must not be negative")
	case d.Deadline > ledger.MaxDeadlineAhead:
		return fmt.Errorf("decisions.deadline must be at most %d days", int(ledger.MaxDeadlineAhead.Hours()/24))
	case d.Quorum.Count < 0:
		return fmt.Errorf("decisions.quorum must not be negative")
	case d.Quorum.Percent < 0 || d.Quorum.Percent > 100:
		return fmt.Errorf("decisions.quorum must be a percentage from 0%% to 100%%")
	case d.Quorum.Count > 0 && d.Quorum.Percent > 0:
		return fmt.Errorf("decisions.quorum is either a number of members or a percentage")
	}
	return nil
}

// Quorum is the respondents a proposal's last round needs: Count members,
// or Percent of the members eligible when it opened (rounded up). The
// zero value needs nobody.
type Quorum struct {
	Count   int
	Percent int
}

// String writes q as config.yaml does: "0", "3" or "50%".
func (q Quorum) String() string {
	if q.Percent > 0 {
		return strconv.Itoa(q.Percent) + "%"
	}
	return strconv.Itoa(q.Count)
}

// ParseQuorum reads a quorum as config.yaml writes it: a number of members
// ("0" for none, "3") or a percentage of the eligible members ("50%").
func ParseQuorum(s string) (Quorum, error) {
	s = strings.TrimSpace(s)
	if p, ok := strings.CutSuffix(s, "%"); ok {
		n, err := strconv.Atoi(strings.TrimSpace(p))
		if err != nil || n < 0 || n > 100 {
			return Quorum{}, fmt.Errorf("%q is not a percentage from 0%% to 100%%", s)
		}
		return Quorum{Percent: n}, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return Quorum{}, fmt.Errorf("%q is not a number of members (like 3) or a percentage (like 50%%)", s)
	}
	return Quorum{Count: n}, nil
}

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

var (
	isoDate   = regexp.MustCompile(`^(\d{4})-(\d{1,2})-(\d{1,2})$`)
	shortDate = regexp.MustCompile(`^(\d{1,2})[/.](\d{1,2})(?:[/.](\d{2}|\d{4}))?$`)
)

// parseDeadline reads when a proposal closes: a date (2026-12-05, 05/12 or
// 05/12/2026, day first), a weekday or "tomorrow" in either language (that
// day at 23:59; a weekday means next week when it is today), or a duration
// from now (3d, 3j, 36h). Dates and days are in loc.
func (c *Catalog) parseDeadline(s string, now time.Time, loc *time.Location) (time.Time, bool) {
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
	for _, lang := range Languages() {
		tr := c.In(lang)
		if s == strings.ToLower(tr.S(msgDateTomorrow, nil)) {
			return endOf(today.Year(), today.Month(), today.Day()+1)
		}
		for _, list := range []string{msgDateWeekdays, msgDateWeekdaysShort} {
			for i, name := range strings.Fields(tr.S(list, nil)) {
				if s != strings.ToLower(strings.TrimSuffix(name, ".")) {
					continue
				}
				ahead := (i - int(today.Weekday()) + 7) % 7
				if ahead == 0 {
					ahead = 7
				}
				return endOf(today.Year(), today.Month(), today.Day()+ahead)
			}
		}
	}
	return time.Time{}, false
}

// dayTime shows a moment as "Mon 30 Nov 23:59" ("lun. 30 nov. à 23:59").
func dayTime(tr Tr, t time.Time, loc *time.Location) string {
	t = t.In(loc)
	days := strings.Fields(tr.S(msgDateWeekdaysShort, nil))
	months := strings.Fields(tr.S(msgDateMonthsShort, nil))
	data := map[string]any{"Day": t.Day(), "Time": t.Format("15:04"), "Weekday": "", "Month": ""}
	if t.Day() == 1 {
		data["Day"] = tr.S(msgDateFirstDay, nil) // "1er" in French
	}
	if len(days) == 7 {
		data["Weekday"] = days[t.Weekday()]
	}
	if len(months) == 12 {
		data["Month"] = months[t.Month()-1]
	}
	return tr.S(msgDateDayTime, data)
}

// shortDateTime shows a moment as the history does ("Nov 23 10:00").
func shortDateTime(tr Tr, t time.Time, loc *time.Location) string {
	return t.In(loc).Format(tr.S(msgDateLayout, nil))
}
