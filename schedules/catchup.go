package schedules

import (
	"errors"
	"time"
)

// MaxCatchUp bounds the missed occurrences counted one by one after a
// long downtime (a reminder every minute, down for a week).
const MaxCatchUp = 10000

// CatchUp is what became of a reminder's occurrences by now, from the
// first one not yet delivered: at most one to post, the one within the
// grace period (the latest, late or on time); those before it, or all of
// them when none is within the grace period, missed, to be told once in a
// summary; and when it comes back.
type CatchUp struct {
	Post time.Time // the occurrence to post; zero when none is within the grace period

	MissedFirst, MissedLast time.Time // the missed occurrences' first and last
	Missed                  int       // how many were missed; 0 for none
	More                    bool      // more were missed than counted: Missed is the number counted

	Next time.Time // the first occurrence after now; zero for one time, or a recurrence that never comes back
}

// PlanCatchUp lays out the occurrences of spec (a cron line; "" for one
// time) from due, the first one not yet delivered, to now, in loc. An
// occurrence is within the grace period while now is less than grace
// after it. Occurrences are counted one by one up to MaxCatchUp; beyond
// that, the latest one within the grace period is still found and posted.
// Before its first occurrence, a recurrence is not due: Post is zero and
// nothing is missed.
func PlanCatchUp(spec string, due, now time.Time, loc *time.Location, grace time.Duration) (CatchUp, error) {
	var c CatchUp
	if due.After(now) {
		return c, nil
	}
	occ := []time.Time{due}
	if spec != "" {
		later, more, err := Occurrences(spec, due, now, loc, MaxCatchUp)
		if err != nil {
			return CatchUp{}, err
		}
		occ, c.More = append(occ, later...), more
		if c.Next, err = Next(spec, now, loc); err != nil && !errors.Is(err, ErrNever) {
			return CatchUp{}, err
		}
	}
	latest := occ[len(occ)-1]
	if c.More {
		if t, ok, err := Latest(spec, now.Add(-grace), now, loc, MaxCatchUp); err == nil && ok {
			latest = t
			occ = append(occ, t)
		}
	}
	missed := occ
	if now.Sub(latest) < grace {
		c.Post = latest
		missed = occ[:len(occ)-1]
	}
	if len(missed) > 0 {
		c.MissedFirst, c.MissedLast, c.Missed = missed[0], missed[len(missed)-1], len(missed)
	}
	return c, nil
}
