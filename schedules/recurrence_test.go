package schedules

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/entraide/entraide/internal/testutil"
)

// 18:00 stays 18:00 in Paris across both daylight-saving changes of 2026
// (last Sundays of March and October): 17:00 UTC in winter, 16:00 in summer.
func TestNextKeepsLocalTimeAcrossDST(t *testing.T) {
	loc := testutil.Paris(t)
	for _, c := range []struct {
		after time.Time
		want  []string // successive occurrences, UTC
	}{
		{time.Date(2026, 3, 27, 12, 0, 0, 0, time.UTC), []string{"2026-03-27T17:00:00Z", "2026-03-28T17:00:00Z", "2026-03-29T16:00:00Z", "2026-03-30T16:00:00Z"}},
		{time.Date(2026, 10, 23, 12, 0, 0, 0, time.UTC), []string{"2026-10-23T16:00:00Z", "2026-10-24T16:00:00Z", "2026-10-25T17:00:00Z", "2026-10-26T17:00:00Z"}},
	} {
		at := c.after
		for _, w := range c.want {
			n, err := Next("0 18 * * *", at, loc)
			if err != nil {
				t.Fatal(err)
			}
			if got := n.Format(time.RFC3339); got != w {
				t.Errorf("after %s: next %s, want %s", at.Format(time.RFC3339), got, w)
			}
			if h := n.In(loc).Hour(); h != 18 {
				t.Errorf("%s is %d:00 in Paris", n, h)
			}
			at = n
		}
	}
}

func TestOccurrencesAndLatest(t *testing.T) {
	loc := testutil.Paris(t)
	after := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC) // Monday
	until := after.Add(7 * 24 * time.Hour)
	got, more, err := Occurrences("0 9 * * 1-5", after, until, loc, 100)
	if err != nil || more || len(got) != 5 {
		t.Fatalf("weekdays: %v %v %v", got, more, err)
	}
	got, more, _ = Occurrences("* * * * *", after, until, loc, 10)
	if len(got) != 10 || !more {
		t.Errorf("capped: %d %v", len(got), more)
	}
	last, ok, err := Latest("0 9 * * MON", after.Add(-30*24*time.Hour), after, loc, 1000)
	if err != nil || !ok || !last.Equal(time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)) {
		t.Errorf("latest %v %v %v", last, ok, err)
	}
	if _, ok, _ := Latest("0 9 * * MON", after, after.Add(time.Hour), loc, 1000); ok {
		t.Error("an occurrence in an empty window")
	}
	if _, err := Next("0 0 30 2 *", after, loc); !errors.Is(err, ErrNever) {
		t.Errorf("30 February: %v", err)
	}
	for _, bad := range []string{"", "every monday", "0 18 * * FUNDAY", "61 * * * *"} {
		if _, err := ParseSpec(bad); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
	// A zone named in the spec wins over the one given.
	n, err := Next("CRON_TZ=America/Montreal 0 18 * * *", after, loc)
	if err != nil || n.Format(time.RFC3339) != "2026-11-23T23:00:00Z" {
		t.Errorf("CRON_TZ: %v %v", n, err)
	}
}

// When the clocks go back, 02:30 happens twice: a reminder posts once.
// When they go forward, 02:30 does not exist that day.
func TestNextAroundTheChangedHour(t *testing.T) {
	loc := testutil.Paris(t)
	var got []string
	at := time.Date(2026, 10, 23, 12, 0, 0, 0, time.UTC)
	for i := 0; i < 3; i++ {
		n, err := Next("30 2 * * *", at, loc)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, n.Format(time.RFC3339))
		at = n
	}
	if want := "2026-10-24T00:30:00Z 2026-10-25T00:30:00Z 2026-10-26T01:30:00Z"; strings.Join(got, " ") != want {
		t.Errorf("autumn: %v, want %s", got, want)
	}
	n, _ := Next("30 2 * * *", time.Date(2026, 3, 28, 12, 0, 0, 0, time.UTC), loc)
	if n.Format(time.RFC3339) != "2026-03-30T00:30:00Z" {
		t.Errorf("spring: %v", n)
	}
	// A spec with many times in the repeated hour skips them all, and
	// goes on after it: every quarter hour, 02:00 to 02:45 summer time,
	// then 03:00 winter time.
	got = got[:0]
	times, more, err := Occurrences("*/15 * * * *", time.Date(2026, 10, 24, 23, 50, 0, 0, time.UTC), time.Date(2026, 10, 25, 2, 15, 0, 0, time.UTC), loc, 100)
	for _, n := range times {
		got = append(got, n.In(loc).Format("15:04-07"))
	}
	if want := "02:00+02 02:15+02 02:30+02 02:45+02 03:00+01 03:15+01"; err != nil || more || strings.Join(got, " ") != want {
		t.Errorf("every quarter hour across the autumn change: %v %v %v, want %s", got, more, err, want)
	}
	if n, err := Next("* * * * *", time.Date(2026, 10, 25, 0, 59, 0, 0, time.UTC), loc); err != nil || n.Format(time.RFC3339) != "2026-10-25T02:00:00Z" {
		t.Errorf("every minute, after 02:59 summer time: %v %v", n, err)
	}
	// 18:00 and the hour the clocks go back are not affected.
	if n, _ := Next("0 2 * * *", time.Date(2026, 10, 24, 12, 0, 0, 0, time.UTC), loc); n.Format(time.RFC3339) != "2026-10-25T00:00:00Z" {
		t.Errorf("02:00 on the autumn Sunday: %v", n)
	}
}
