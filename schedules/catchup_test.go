package schedules

import (
	"testing"
	"time"

	"github.com/entraide/entraide/internal/testutil"
)

func TestPlanCatchUp(t *testing.T) {
	loc := testutil.Paris(t)
	utc := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	const grace = 4 * time.Hour
	monday := utc("2026-11-23T08:00:00Z") // Monday 09:00 in Paris
	for _, tc := range []struct {
		name      string
		spec      string // "" for one time
		due, now  time.Time
		post      string // RFC3339, "" for none
		missed    int
		first     string // the first and last missed, when missed > 0
		last      string
		next      string // "" for none
		moreThan  int    // > 0: More is set and Missed is above it
		notDueYet bool
	}{
		{name: "on time", spec: "0 9 * * *", due: monday, now: monday,
			post: "2026-11-23T08:00:00Z", next: "2026-11-24T08:00:00Z"},
		// The grace period is open at its end: a minute inside it the
		// occurrence is posted late; at its end it is missed.
		{name: "just inside the grace period", spec: "0 9 * * *", due: monday, now: monday.Add(grace - time.Minute),
			post: "2026-11-23T08:00:00Z", next: "2026-11-24T08:00:00Z"},
		{name: "just outside the grace period", spec: "0 9 * * *", due: monday, now: monday.Add(grace),
			missed: 1, first: "2026-11-23T08:00:00Z", last: "2026-11-23T08:00:00Z", next: "2026-11-24T08:00:00Z"},
		{name: "days missed, the latest posted", spec: "0 9 * * *", due: monday, now: utc("2026-11-26T09:00:00Z"),
			post: "2026-11-26T08:00:00Z", missed: 3, first: "2026-11-23T08:00:00Z", last: "2026-11-25T08:00:00Z", next: "2026-11-27T08:00:00Z"},
		{name: "days missed, none within grace", spec: "0 9 * * *", due: monday, now: utc("2026-11-26T13:00:00Z"),
			missed: 4, first: "2026-11-23T08:00:00Z", last: "2026-11-26T08:00:00Z", next: "2026-11-27T08:00:00Z"},
		{name: "one time within grace", due: monday, now: monday.Add(time.Hour), post: "2026-11-23T08:00:00Z"},
		{name: "one time beyond grace", due: monday, now: monday.Add(5 * time.Hour),
			missed: 1, first: "2026-11-23T08:00:00Z", last: "2026-11-23T08:00:00Z"},
		{name: "not due yet", spec: "0 9 * * *", due: monday, now: monday.Add(-time.Minute), notDueYet: true},
		// Every minute for a month: the count stops at MaxCatchUp, and
		// the latest occurrence is still posted.
		{name: "beyond the count", spec: "* * * * *", due: monday.AddDate(0, -1, 0), now: monday,
			post: "2026-11-23T08:00:00Z", first: "2026-10-23T08:00:00Z", next: "2026-11-23T08:01:00Z", moreThan: MaxCatchUp},

		// Autumn: 02:30 happens twice on Sunday 25 October; it is one
		// occurrence, the first (summer time), as Next counts it.
		{name: "autumn change", spec: "30 2 * * *", due: utc("2026-10-24T00:30:00Z"), now: utc("2026-10-26T02:00:00Z"),
			post: "2026-10-26T01:30:00Z", missed: 2, first: "2026-10-24T00:30:00Z", last: "2026-10-25T00:30:00Z", next: "2026-10-27T01:30:00Z"},
		// Spring: 02:30 does not exist on Sunday 29 March; that day has
		// no occurrence.
		{name: "spring change", spec: "30 2 * * *", due: utc("2026-03-28T01:30:00Z"), now: utc("2026-03-30T01:00:00Z"),
			post: "2026-03-30T00:30:00Z", missed: 1, first: "2026-03-28T01:30:00Z", last: "2026-03-28T01:30:00Z", next: "2026-03-31T00:30:00Z"},

		// 29 February comes back in the next leap year, four years on.
		{name: "leap day", spec: "0 9 29 2 *", due: utc("2028-02-29T08:00:00Z"), now: utc("2028-02-29T08:30:00Z"),
			post: "2028-02-29T08:00:00Z", next: "2032-02-29T08:00:00Z"},
		{name: "leap days missed", spec: "0 9 29 2 *", due: utc("2024-02-29T08:00:00Z"), now: utc("2028-03-01T08:00:00Z"),
			missed: 2, first: "2024-02-29T08:00:00Z", last: "2028-02-29T08:00:00Z", next: "2032-02-29T08:00:00Z"},
		// The 31st skips the months of 30 days (robfig/cron): after 31
		// October comes 31 December, not 30 November or 1 December.
		{name: "month end", spec: "0 9 31 * *", due: utc("2026-10-31T08:00:00Z"), now: utc("2026-12-01T08:00:00Z"),
			missed: 1, first: "2026-10-31T08:00:00Z", last: "2026-10-31T08:00:00Z", next: "2026-12-31T08:00:00Z"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := PlanCatchUp(tc.spec, tc.due, tc.now, loc, grace)
			if err != nil {
				t.Fatal(err)
			}
			if tc.notDueYet {
				if c != (CatchUp{}) {
					t.Errorf("not due yet: %+v", c)
				}
				return
			}
			show := func(v time.Time) string {
				if v.IsZero() {
					return ""
				}
				return v.UTC().Format(time.RFC3339)
			}
			if show(c.Post) != tc.post || show(c.Next) != tc.next {
				t.Errorf("post %q next %q, want %q and %q", show(c.Post), show(c.Next), tc.post, tc.next)
			}
			if tc.moreThan > 0 {
				if !c.More || c.Missed <= tc.moreThan || show(c.MissedFirst) != tc.first {
					t.Errorf("%+v, want more than %d missed from %s", c, tc.moreThan, tc.first)
				}
				return
			}
			if c.More || c.Missed != tc.missed || show(c.MissedFirst) != tc.first || show(c.MissedLast) != tc.last {
				t.Errorf("missed %d from %q to %q (more %v), want %d from %q to %q",
					c.Missed, show(c.MissedFirst), show(c.MissedLast), c.More, tc.missed, tc.first, tc.last)
			}
		})
	}
	if _, err := PlanCatchUp("every day", monday, monday, loc, grace); err == nil {
		t.Error("a bad spec was planned")
	}
}
