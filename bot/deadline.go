package bot

import (
	"fmt"
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
