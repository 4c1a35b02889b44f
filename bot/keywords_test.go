package bot

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/entraide/entraide/internal/testutil"
	"github.com/entraide/entraide/schedules"
)

// testCatalog is the embedded catalogue, for tests of the parsers.
func testCatalog(t testing.TB) *Catalog {
	t.Helper()
	c, err := NewCatalog()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// The parsers' small words come from every catalogue: typed in either
// language, with the punctuation of a sentence or a typographic
// apostrophe, they are understood; other words are not.
func TestKeywords(t *testing.T) {
	c := testCatalog(t)
	for _, tc := range []struct {
		id, word string
		want     bool
	}{
		{kwFor, "for", true}, {kwFor, "Pour", true}, {kwFor, "par", false},
		{kwAnd, "and", true}, {kwAnd, "et", true}, {kwAnd, ",", true}, {kwAnd, "&", true}, {kwAnd, "ou", false},
		{kwUntil, "until", true}, {kwUntil, "jusqu’au", true}, {kwUntil, "jusqu'à", true}, {kwUntil, "au", false},
		{kwMediator, "médiatrice", true}, {kwMediator, "mediator:", true}, {kwMediator, "médiateur·rice", true}, {kwMediator, "party", false},
		{kwAbout, "sur", true}, {kwAbout, "about", true},
		{kwRequest, "demande", true}, {kwAll, "toutes", true}, {kwGroup, "groupe", true}, {kwAt, "à", true}, {kwAt, "vers", true},
		{kwAt, "", false},
	} {
		if got := c.is(tc.id, tc.word); got != tc.want {
			t.Errorf("%s %q = %v, want %v", tc.id, tc.word, got, tc.want)
		}
	}
	for _, id := range keywordIDs() {
		if len(c.keywords[id]) < 2 {
			t.Errorf("%s has %d words: a language lacks it", id, len(c.keywords[id]))
		}
	}
}

// The schedules' words are the catalogues': every phrase below reads with
// them, in either language, and each refusal of schedules is worded by
// the message it had before the parser moved there.
func TestScheduleWordsComeFromTheCatalogues(t *testing.T) {
	c, loc := testCatalog(t), testutil.Paris(t)
	now := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC) // Monday 10:00 in Paris
	for _, tc := range []struct{ in, spec, once string }{
		{in: "every Monday and Thursday at 6pm", spec: "0 18 * * 1,4"},
		{in: "each day at midnight", spec: "0 0 * * *"},
		{in: "every weekdays 8h", spec: "0 8 * * 1-5"},
		{in: "daily at noon", spec: "0 12 * * *"},
		{in: "chaque lun., jeu. vers 18h", spec: "0 18 * * 1,4"},
		{in: "tous les jours à minuit", spec: "0 0 * * *"},
		{in: "tous les mardis 9h", spec: "0 9 * * 2"},
		{in: "chaque jours ouvrés à 8h30", spec: "30 8 * * 1-5"},
		{in: "quotidien à midi", spec: "0 12 * * *"},
		{in: "in 1h30", once: "2026-11-23T11:30:00+01:00"},
		{in: "dans 2 heures", once: "2026-11-23T12:00:00+01:00"},
		{in: "the 5 Dec 9:00", once: "2026-12-05T09:00:00+01:00"},
		{in: "le 1er décembre à 9h", once: "2026-12-01T09:00:00+01:00"},
		{in: "today at 17:00", once: "2026-11-23T17:00:00+01:00"},
		{in: "aujourd’hui 17h", once: "2026-11-23T17:00:00+01:00"},
		{in: "tomorrow 9:00", once: "2026-11-24T09:00:00+01:00"},
		{in: "Demain à 9h", once: "2026-11-24T09:00:00+01:00"},
		{in: "vendredis 18h", once: "2026-11-27T18:00:00+01:00"},
	} {
		w, err := schedules.ParseWhen(strings.Fields(tc.in), c.words, now, loc)
		if err != nil || w.Spec != tc.spec || tc.once != "" && w.At.In(loc).Format(time.RFC3339) != tc.once || w.Words != len(strings.Fields(tc.in)) {
			t.Errorf("%q: %+v, %v; want spec %q once %s", tc.in, w, err, tc.spec, tc.once)
		}
	}
	for in, want := range map[string]string{"demain": "2026-11-24", "tomorrow": "2026-11-24", "ven.": "2026-11-27", "Friday": "2026-11-27"} {
		if d, ok := schedules.ParseDeadline(in, c.words, now, loc); !ok || d.In(loc).Format("2006-01-02 15:04") != want+" 23:59" {
			t.Errorf("deadline %q: %v %v, want %s 23:59", in, d, ok, want)
		}
	}
	for _, tc := range []struct{ in, id string }{
		{"every monday", msgRemindBadWhen},
		{`cron "0 18"`, msgRemindBadCron},
		{"today 9:00", msgRemindPast},
		{"on 2030-01-01 10:00", msgRemindTooFar},
	} {
		_, err := schedules.ParseWhen(strings.Fields(tc.in), c.words, now, loc)
		var ref *refusal
		if !errors.As(whenRefusal(err), &ref) || ref.id != tc.id || ref.data["Input"] == "" {
			t.Errorf("%q: %v, want %s with its input", tc.in, err, tc.id)
		}
	}
}
