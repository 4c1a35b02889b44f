package schedules

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/entraide/entraide/internal/testutil"
)

// testWords are French and English as the bot's catalogues give them,
// written out here so that the parsers are tested on their own.
func testWords() *Words {
	w := &Words{
		Every:    []string{"every", "each", "chaque", "tous les", "toutes les"},
		Daily:    []string{"daily", "quotidien"},
		Day:      []string{"day", "days", "jour", "jours"},
		Workday:  []string{"weekday", "weekdays", "jour ouvré", "jours ouvrés"},
		And:      []string{"and", "&", ",", "et"},
		At:       []string{"at", "à", "vers"},
		In:       []string{"in", "dans"},
		On:       []string{"on", "the", "le"},
		Today:    []string{"today", "aujourd'hui"},
		Tomorrow: []string{"tomorrow", "demain"},
		Noon:     []string{"noon", "midi"},
		Midnight: []string{"midnight", "minuit"},
		Duration: func(s string) (time.Duration, bool) {
			d, ok := map[string]time.Duration{"2h": 2 * time.Hour, "2 hours": 2 * time.Hour, "45 min": 45 * time.Minute, "9000h": 9000 * time.Hour}[s]
			return d, ok
		},
	}
	for _, names := range []string{"dimanche lundi mardi mercredi jeudi vendredi samedi", "dim. lun. mar. mer. jeu. ven. sam.",
		"Sunday Monday Tuesday Wednesday Thursday Friday Saturday", "Sun Mon Tue Wed Thu Fri Sat"} {
		w.AddWeekdays(strings.Fields(names))
	}
	for _, names := range []string{"janvier février mars avril mai juin juillet août septembre octobre novembre décembre",
		"janv. févr. mars avr. mai juin juil. août sept. oct. nov. déc.",
		"January February March April May June July August September October November December",
		"Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec"} {
		w.AddMonths(strings.Fields(names))
	}
	return w
}

func TestParseWhen(t *testing.T) {
	loc := testutil.Paris(t)
	monday := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC) // Monday 10:00 in Paris
	for _, tc := range []struct {
		in    string
		now   time.Time // monday when zero
		spec  string    // a recurrence
		once  string    // one time, with its offset in Paris
		words int
		input string        // the words read, or refused; unchecked when empty
		err   WhenErrorCode // a refusal
		day   bool          // starts with a day's name
	}{
		{in: "every monday 18:00 Garden meeting", spec: "0 18 * * 1", words: 3, input: "every monday 18:00"},
		{in: "every Monday at 6pm x", spec: "0 18 * * 1", words: 4},
		{in: "every monday and thursday 18h30 x", spec: "30 18 * * 1,4", words: 5},
		{in: "every mon,thu 7:05am x", spec: "5 7 * * 1,4", words: 3},
		{in: "every monday , thursday 18h x", err: WhenUnreadable, input: "every monday , thursday"},
		{in: "every day 9:00 x", spec: "0 9 * * *", words: 3},
		{in: "every weekday 8h x", spec: "0 8 * * 1-5", words: 3},
		{in: "each day at midnight x", spec: "0 0 * * *", words: 4},
		{in: "daily at noon x", spec: "0 12 * * *", words: 3},
		{in: "quotidien à midi x", spec: "0 12 * * *", words: 3},
		{in: "chaque lundi 18h Réunion", spec: "0 18 * * 1", words: 3, input: "chaque lundi 18h"},
		{in: "tous les jours à 9h x", spec: "0 9 * * *", words: 5},
		{in: "tous les lundis et jeudis 12h x", spec: "0 12 * * 1,4", words: 6},
		{in: "chaque jour ouvré à 8h30 x", spec: "30 8 * * 1-5", words: 5},
		{in: "chaque jour à 2h30 x", spec: "30 2 * * *", words: 4}, // DST: see recurrence_test.go
		{in: "toutes les semaines 9h x", err: WhenUnreadable, input: "toutes les semaines 9h"},
		{in: "tous lundis 9h x", err: WhenUnreadable},
		{in: `cron "0 18 * * MON" x`, spec: "0 18 * * MON", words: 6, input: `cron "0 18 * * MON"`},
		{in: `cron « 0 18 * * 1-5 » x`, spec: "0 18 * * 1-5", words: 8},
		{in: `cron “@weekly” x`, spec: "@weekly", words: 2},
		{in: `cron "0 9 31 * *" x`, spec: "0 9 31 * *", words: 6}, // months of 31 days only: see TestMonthEnds
		{in: `cron "0 18 * *" x`, err: WhenBadCron, input: "0 18 * *"},
		{in: `cron 0 18 * * MON x`, err: WhenBadCron, input: "0 18 * * MON x"},
		{in: "on 2026-12-05 09:30 Seed swap", once: "2026-12-05T09:30:00+01:00", words: 3},
		{in: "2026-12-05T09:30 x", once: "2026-12-05T09:30:00+01:00", words: 1, input: "2026-12-05 09:30"},
		{in: "le 05/12 9h30 Troc", once: "2026-12-05T09:30:00+01:00", words: 3},
		{in: "le 05/12/2026 à 9h30 Troc", once: "2026-12-05T09:30:00+01:00", words: 4},
		{in: "le 15/01 9h x", once: "2027-01-15T09:00:00+01:00", words: 3}, // past this year: next year's
		{in: "tomorrow 9:00 x", once: "2026-11-24T09:00:00+01:00", words: 2},
		{in: "demain à 9h x", once: "2026-11-24T09:00:00+01:00", words: 3},
		{in: "aujourd’hui 17h x", once: "2026-11-23T17:00:00+01:00", words: 2},
		{in: "today 17:00 x", once: "2026-11-23T17:00:00+01:00", words: 2},
		{in: "friday 18:00 x", once: "2026-11-27T18:00:00+01:00", words: 2, day: true},
		{in: "lundi 18h x", once: "2026-11-23T18:00:00+01:00", words: 2, day: true}, // later today
		{in: "lundi 9h x", once: "2026-11-30T09:00:00+01:00", words: 2, day: true},  // passed today: next week
		{in: "le lundi 9h x", once: "2026-11-30T09:00:00+01:00", words: 3},
		{in: "le 5 décembre 9h Troc", once: "2026-12-05T09:00:00+01:00", words: 4, input: "le 5 décembre 9h"},
		{in: "le 1er décembre à 9h x", once: "2026-12-01T09:00:00+01:00", words: 5},
		{in: "on December 5 9:00 x", once: "2026-12-05T09:00:00+01:00", words: 4},
		{in: "5 Dec 9:00 x", once: "2026-12-05T09:00:00+01:00", words: 3},
		{in: "le 31 février 9h x", err: WhenUnreadable, input: "le 31 février 9h x"},
		{in: "dans 2h Réunion", once: "2026-11-23T12:00:00+01:00", words: 2, input: "dans 2h"},
		{in: "in 2 hours x", once: "2026-11-23T12:00:00+01:00", words: 3},
		{in: "dans 45 min x", once: "2026-11-23T10:45:00+01:00", words: 3},
		{in: "in soon x", err: WhenUnreadable, input: "in soon x"},
		{in: "in 9000h x", err: WhenTooFar, input: "in 9000h"},
		{in: "today 9:00 x", err: WhenPast, input: "today 9:00"},
		{in: "on 2020-01-01 10:00 x", err: WhenPast, input: "on 2020-01-01 10:00"},
		{in: "on 2030-01-01 10:00 x", err: WhenTooFar, input: "on 2030-01-01 10:00"},
		{in: "le 31/02 9h x", err: WhenUnreadable, input: "le 31/02 9h x"},
		{in: "every monday x", err: WhenUnreadable},
		{in: "every monday 25:00 x", err: WhenUnreadable},
		{in: "every monday 13pm x", err: WhenUnreadable},
		{in: "every monday 18 x", err: WhenUnreadable}, // a bare number is not a time
		{in: "soon x", err: WhenUnreadable, input: "soon x"},
		{in: "", err: WhenUnreadable},

		// Month ends: a day the month lacks is refused, never moved to
		// the next month.
		{in: "le 30/04 9h x", once: "2027-04-30T09:00:00+02:00", words: 3},
		{in: "le 31/04 9h x", err: WhenUnreadable},
		{in: "le 31 novembre 9h x", err: WhenUnreadable},
		{in: "le 31/12 23h59 x", once: "2026-12-31T23:59:00+01:00", words: 3},

		// Leap days. A date without a year is read in the current year,
		// or the next once it is past: 29 February typed in 2027 is
		// refused (2027 has none; "29/02/2028" is read), typed in January
		// 2028 it is that month's, typed after it it is refused (2029
		// has none), never moved to 1 March.
		{in: "le 29/02 9h x", now: time.Date(2027, 11, 23, 9, 0, 0, 0, time.UTC), err: WhenUnreadable},
		{in: "le 29/02/2028 9h x", now: time.Date(2027, 11, 23, 9, 0, 0, 0, time.UTC), once: "2028-02-29T09:00:00+01:00", words: 3},
		{in: "le 29/02/2027 9h x", now: time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC), err: WhenUnreadable},
		{in: "le 29/02 9h x", now: time.Date(2028, 1, 10, 9, 0, 0, 0, time.UTC), once: "2028-02-29T09:00:00+01:00", words: 3},
		{in: "le 29 février 9h x", now: time.Date(2028, 3, 1, 9, 0, 0, 0, time.UTC), err: WhenUnreadable},
		{in: "le 28/02 9h x", now: time.Date(2028, 3, 1, 9, 0, 0, 0, time.UTC), once: "2029-02-28T09:00:00+01:00", words: 3},

		// Daylight saving in Paris. 02:30 on the last Sunday of March
		// does not exist: it is read an hour late, 03:30 summer time. On
		// the last Sunday of October 02:30 happens twice: the first, in
		// summer time, as for a recurrence. A while is elapsed time.
		{in: "le 29/03 2h30 x", now: time.Date(2026, 3, 27, 12, 0, 0, 0, time.UTC), once: "2026-03-29T03:30:00+02:00", words: 3},
		{in: "le 29/03 3h x", now: time.Date(2026, 3, 27, 12, 0, 0, 0, time.UTC), once: "2026-03-29T03:00:00+02:00", words: 3},
		{in: "le 25/10 2h30 x", now: time.Date(2026, 10, 23, 12, 0, 0, 0, time.UTC), once: "2026-10-25T02:30:00+02:00", words: 3},
		{in: "le 25/10 3h30 x", now: time.Date(2026, 10, 23, 12, 0, 0, 0, time.UTC), once: "2026-10-25T03:30:00+01:00", words: 3},
		{in: "dans 2h x", now: time.Date(2026, 3, 29, 0, 30, 0, 0, time.UTC), once: "2026-03-29T04:30:00+02:00", words: 2},
	} {
		now := tc.now
		if now.IsZero() {
			now = monday
		}
		w, err := ParseWhen(strings.Fields(tc.in), testWords(), now, loc)
		if tc.err != 0 {
			var we *WhenError
			if !errors.As(err, &we) || we.Code != tc.err || (tc.input != "" && we.Input != tc.input) {
				t.Errorf("%q: err %v, want code %d on %q", tc.in, err, tc.err, tc.input)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q: %v", tc.in, err)
			continue
		}
		var once time.Time
		if tc.once != "" {
			if once, err = time.Parse(time.RFC3339, tc.once); err != nil {
				t.Fatal(err)
			}
		}
		switch {
		case w.Spec != tc.spec || !w.At.Equal(once):
			t.Errorf("%q: spec %q at %v, want %q at %v", tc.in, w.Spec, w.At.In(loc), tc.spec, tc.once)
		case w.Words != tc.words:
			t.Errorf("%q: took %d words, want %d", tc.in, w.Words, tc.words)
		case tc.input != "" && w.Input != tc.input:
			t.Errorf("%q: input %q, want %q", tc.in, w.Input, tc.input)
		case w.StartsWithDay != tc.day || (tc.day && w.Weekday != once.Weekday()):
			t.Errorf("%q: starts with day %v (%s)", tc.in, w.StartsWithDay, w.Weekday)
		}
	}
}

// Without a reader of durations, "in 2h" is not a schedule.
func TestParseWhenWithoutDurations(t *testing.T) {
	words := testWords()
	words.Duration = nil
	_, err := ParseWhen(strings.Fields("in 2h x"), words, time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC), time.UTC)
	if we, ok := err.(*WhenError); !ok || we.Code != WhenUnreadable {
		t.Errorf("err %v, want unreadable", err)
	}
}

func TestParseDeadline(t *testing.T) {
	paris := testutil.Paris(t)
	monday := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC) // Monday 10:00 in Paris
	day := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 23, 59, 0, 0, paris) }
	for _, tc := range []struct {
		in   string
		now  time.Time // monday when zero
		want time.Time // zero for a refusal
	}{
		{in: "friday", want: day(2026, 11, 27)},
		{in: "Vendredi", want: day(2026, 11, 27)},
		{in: "ven.", want: day(2026, 11, 27)},
		{in: "Fri", want: day(2026, 11, 27)},
		{in: "monday", want: day(2026, 11, 30)}, // today: next week
		{in: "lundi", want: day(2026, 11, 30)},
		{in: "sunday", want: day(2026, 11, 29)},
		{in: "tomorrow", want: day(2026, 11, 24)},
		{in: "demain!", want: day(2026, 11, 24)},
		{in: "2026-12-05", want: day(2026, 12, 5)},
		{in: "05/12", want: day(2026, 12, 5)},
		{in: "5/12/2026", want: day(2026, 12, 5)},
		{in: "05.12.26", want: day(2026, 12, 5)},
		{in: "01/01", want: day(2027, 1, 1)}, // passed this year: next year's
		{in: "23/11", want: day(2026, 11, 23)},
		{in: "3d", want: monday.Add(72 * time.Hour)},
		{in: "3j", want: monday.Add(72 * time.Hour)},
		{in: "3 jours", want: monday.Add(72 * time.Hour)},
		{in: "36h", want: monday.Add(36 * time.Hour)},
		{in: "2w", want: monday.Add(14 * 24 * time.Hour)},
		{in: "2sem", want: monday.Add(14 * 24 * time.Hour)},
		{in: ""}, {in: "soon"}, {in: "0d"}, {in: "31/02"}, {in: "2026-02-30"}, {in: "13/13"}, {in: "next friday"}, {in: "3x"},
		{in: "mondays"}, // the plural is for recurrences

		// Month ends and leap days, as for ParseWhen: a day the month
		// lacks is refused, this year's or next year's.
		{in: "30/04", want: day(2027, 4, 30)},
		{in: "31/04"},
		{in: "29/02", now: time.Date(2027, 11, 23, 9, 0, 0, 0, time.UTC)},
		{in: "29/02", now: time.Date(2028, 1, 10, 9, 0, 0, 0, time.UTC), want: day(2028, 2, 29)},
		{in: "29/02", now: time.Date(2028, 3, 1, 9, 0, 0, 0, time.UTC)},
		{in: "2028-02-29", want: day(2028, 2, 29)},

		// Across the spring change: a day ends at 23:59 summer time; a
		// duration is elapsed time, 10:00 winter time plus 3 days is
		// 11:00 summer time.
		{in: "29/03", now: time.Date(2026, 3, 27, 9, 0, 0, 0, time.UTC), want: day(2026, 3, 29)},
		{in: "3d", now: time.Date(2026, 3, 27, 9, 0, 0, 0, time.UTC), want: time.Date(2026, 3, 30, 11, 0, 0, 0, paris)},
	} {
		now := tc.now
		if now.IsZero() {
			now = monday
		}
		got, ok := ParseDeadline(tc.in, testWords(), now, paris)
		if ok != !tc.want.IsZero() || (ok && !got.Equal(tc.want)) {
			t.Errorf("ParseDeadline(%q) = %v, %v; want %v", tc.in, got, ok, tc.want)
		}
	}
}
