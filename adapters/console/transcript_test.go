package console

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/entraide/entraide/bot"
	"github.com/entraide/entraide/internal/testutil"
	"github.com/entraide/entraide/ledger"
	"github.com/entraide/entraide/schedules"
)

var update = flag.Bool("update", false, "rewrite testdata transcripts with the replies the bot gives now")

// A transcript is a scripted console conversation: "> line" is typed, the
// lines after it are the bot's replies, "#! key: value" sets up the
// community or moves the clock, "#" starts a comment. After the first
// message, "#! advance: 20m" (or 2d) moves the clock, "#! tick" runs the
// bot's timed work (followed by what it posts) and "#! restart" starts a
// new bot and console on the same ledger, then runs the start-up tick.
// "#! unchanged" after a refusal checks that the message before it left
// the ledger's exports (journal, balances, decisions, cases, council
// draws, held payments, groups and reminders) as they were.
func TestTranscripts(t *testing.T) {
	files, err := filepath.Glob("testdata/*.txt")
	if err != nil || len(files) == 0 {
		t.Fatalf("no transcripts: %v", err)
	}
	for _, f := range files {
		t.Run(strings.TrimSuffix(filepath.Base(f), ".txt"), func(t *testing.T) { runTranscript(t, f) })
	}
}

func runTranscript(t *testing.T, path string) {
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimRight(string(raw), "\n"), "\n")
	paris, _ := time.LoadLocation("Europe/Paris")
	com := &bot.Community{
		Slug: "coop", Name: "la coopérative", Language: "fr", Location: paris,
		Limits: bot.DefaultLimits(), UndoWindow: 15 * time.Minute,
		Categories: bot.DefaultCategories(),
		Moderators: []string{"console:ana"},
		Rooms:      []string{"console:*"},
	}
	clk := testutil.NewClock(time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC))

	// The set-up directives come first, before anything is typed.
	body := 0
	var members []string // "#! members: bob, chloe": accounts that exist before the script
	var random io.Reader // "#! seed: …": the source of council draws' seeds
	for ; body < len(lines) && strings.HasPrefix(lines[body], "#"); body++ {
		key, value, ok := directive(lines[body])
		if !ok {
			continue
		}
		if key == "members" {
			for _, m := range strings.Split(value, ",") {
				members = append(members, strings.TrimSpace(m))
			}
			continue
		}
		if key == "seed" { // "#! seed: 32 hex digits": council draws take their seeds from it
			seed, err := ledger.ParseSeed(value)
			if err != nil {
				t.Fatalf("%s:%d: seed: %v", path, body+1, err)
			}
			random = &seedReader{next: seed}
			continue
		}
		if key == "start" { // "#! start: 2026-03-27T17:00:00Z": when the script begins
			at, err := time.Parse(time.RFC3339, value)
			if err != nil {
				t.Fatalf("%s:%d: start: %v", path, body+1, err)
			}
			clk.Set(at)
			continue
		}
		if err := setUp(com, key, value); err != nil {
			t.Fatalf("%s:%d: %v", path, body+1, err)
		}
	}

	ctx := context.Background()
	dbPath := filepath.Join(t.TempDir(), "t.db")
	files := t.TempDir()
	var out bytes.Buffer
	var (
		db *ledger.DB
		b  *bot.Bot
		a  *Adapter
	)
	// start opens the ledger and starts a bot with a console attached, as
	// serve does.
	start := func() {
		var err error
		if db, err = ledger.Open(ctx, dbPath, ledger.Options{Now: clk.Now, Durability: ledger.DurabilityNormal}); err != nil {
			t.Fatal(err)
		}
		if b, err = bot.New(ctx, bot.Options{Ledger: db, Communities: []*bot.Community{com}, Now: clk.Now, Random: random}); err != nil {
			t.Fatal(err)
		}
		a = New(Options{Out: &out, As: "ana", Members: append([]string{"ana", "bob", "chloe", "david", "emma"}, members...), RunID: "t", FileDir: files,
			Spaces: ledgerSpaces(db), Say: b.Catalog().In(com.Language).S})
		b.Attach(a)
	}
	start()
	defer func() { db.Close() }()
	for _, m := range members {
		if _, err := db.EnsureMember(ctx, com.LedgerID(), ledger.Identity{Platform: Platform, UserID: m, Name: m}); err != nil {
			t.Fatal(err)
		}
	}
	// tick runs the bot's timed work and returns what it posted.
	tick := func(i int) []string {
		out.Reset()
		if err := b.Tick(ctx); err != nil {
			t.Fatalf("%s:%d: tick: %v", path, i+1, err)
		}
		if s := strings.TrimRight(out.String(), "\n"); s != "" {
			s = strings.ReplaceAll(s, files+string(filepath.Separator), "$FILES/")
			return strings.Split(s, "\n")
		}
		return nil
	}

	var got []string // the transcript as it happens now
	n := 0
	checksUnchanged := strings.Contains(string(raw), "\n#! unchanged")
	var before string // the exports before the last message, for "#! unchanged"
	for i, line := range lines {
		if i < body {
			got = append(got, line)
			continue
		}
		switch {
		case strings.HasPrefix(line, "> "):
			got = append(got, line)
			n++
			if checksUnchanged {
				before = ledgerExports(t, db, com.LedgerID())
			}
			out.Reset()
			m, ok := a.parse(strings.TrimPrefix(line, "> "), n)
			if !ok && out.Len() > 0 {
				// The console refused it (not a member of a private space).
				got = append(got, strings.Split(strings.TrimRight(out.String(), "\n"), "\n")...)
				continue
			}
			if !ok {
				t.Fatalf("%s:%d: %q is not a message", path, i+1, line)
			}
			b.Receive(ctx, a, m)
			reply := strings.ReplaceAll(strings.TrimRight(out.String(), "\n"), files+string(filepath.Separator), "$FILES/")
			if reply != "" {
				got = append(got, strings.Split(reply, "\n")...)
			}
		case strings.HasPrefix(line, "#"):
			got = append(got, line)
			key, value, ok := directive(line)
			switch {
			case !ok:
			case key == "advance":
				d, err := parseAdvance(value)
				if err != nil {
					t.Fatalf("%s:%d: %v", path, i+1, err)
				}
				clk.Advance(d)
			case key == "unchanged":
				if after := ledgerExports(t, db, com.LedgerID()); after != before {
					t.Errorf("%s:%d: the message before changed the ledger:\n%s", path, i+1, testutil.DiffLines(before, after))
				}
			case key == "tick":
				got = append(got, tick(i)...)
			case key == "restart":
				if err := db.Close(); err != nil {
					t.Fatal(err)
				}
				start()
				got = append(got, tick(i)...)
			default:
				t.Fatalf("%s:%d: only advance, tick, restart and unchanged may come after the first message", path, i+1)
			}
		case line == "":
			got = append(got, line)
		}
	}

	want := strings.Join(lines, "\n") + "\n"
	have := strings.Join(got, "\n") + "\n"
	if *update {
		if err := os.WriteFile(path, []byte(have), 0o644); err != nil {
			t.Fatal(err)
		}
	} else if have != want {
		t.Errorf("transcript %s differs (run with -update to accept):\n%s", path, testutil.DiffLines(want, have))
	}

	rep, err := db.Verify(ctx)
	if err != nil || !rep.OK() {
		t.Errorf("ledger after %s: %v %v", path, err, rep.Problems)
	}
	// Every council draw can be re-run from its record.
	draws, err := db.CouncilDraws(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range draws {
		if !d.Reproduces() {
			t.Errorf("%s: council draw #%d does not reproduce from its seed %s", path, d.Number, d.SeedHex())
		}
	}
}

// seedReader gives a fixed seed, then the next one (its last byte plus
// one) on each read of a whole seed: draws in a transcript are fixed.
type seedReader struct {
	next [ledger.SeedSize]byte
	off  int
}

func (s *seedReader) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		c := copy(p[n:], s.next[s.off:])
		n += c
		s.off += c
		if s.off == len(s.next) {
			s.off = 0
			s.next[len(s.next)-1]++
		}
	}
	return n, nil
}

// ledgerSpaces lists the console's private spaces the ledger knows: the
// spaces of cases, with their members, as serve gives them to the console.
func ledgerSpaces(db *ledger.DB) func(ctx context.Context) (map[string][]string, error) {
	return func(ctx context.Context) (map[string][]string, error) {
		return db.CaseRooms(ctx, Platform)
	}
}

func directive(line string) (key, value string, ok bool) {
	rest, ok := strings.CutPrefix(line, "#! ")
	if !ok {
		return "", "", false
	}
	key, value, _ = strings.Cut(rest, ":")
	return strings.TrimSpace(key), strings.TrimSpace(value), true
}

// parseAdvance reads a Go duration, or whole days: "2d".
func parseAdvance(s string) (time.Duration, error) {
	if days, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(days)
		if err != nil {
			return 0, fmt.Errorf("advance: %q is not a number of days", s)
		}
		return time.Duration(n) * 24 * time.Hour, nil
	}
	return time.ParseDuration(s)
}

func setUp(com *bot.Community, key, value string) error {
	switch key {
	case "language":
		com.Language = value
	case "moderators":
		com.Moderators = nil
		for _, m := range strings.Split(value, ",") {
			com.Moderators = append(com.Moderators, "console:"+strings.TrimSpace(m))
		}
	case "quorum":
		q, err := bot.ParseQuorum(value)
		if err != nil {
			return err
		}
		com.Decisions.Quorum = q
	case "deadline":
		d, ok := schedules.ParseDeadlineDuration(value)
		if !ok {
			return fmt.Errorf("deadline: %q is not a duration like 7d", value)
		}
		com.Decisions.Deadline = d
	case "undo":
		d, err := time.ParseDuration(value)
		if err != nil {
			return err
		}
		com.UndoWindow = d
	case "grace": // reminders posted late up to this long after they fell due
		d, err := time.ParseDuration(value)
		if err != nil {
			return err
		}
		com.Groups.ReminderGrace = d
	case "newsletter": // "#! newsletter: 0 9 * * MON", posted in the console
		com.Groups.Newsletter = bot.NewsletterSettings{Schedule: value, Room: "console:console"}
	case "group": // "#! group: garden [room] [Area/City] [pings]", as config.yaml declares it
		f := strings.Fields(value)
		if len(f) == 0 {
			return fmt.Errorf("group: want a name")
		}
		d := bot.DeclaredGroup{Name: f[0]}
		for _, w := range f[1:] {
			switch {
			case w == "room":
				d.Room = "console:console"
			case w == "pings":
				on := true
				d.Pings = &on
			case strings.Contains(w, "/"):
				d.Timezone = w
			default:
				return fmt.Errorf("group: unknown word %q", w)
			}
		}
		com.Groups.Declared = append(com.Groups.Declared, d)
	case "moderators_room": // "#! moderators_room: moderateurs", a console room
		com.Conflicts.ModeratorsRoom = Platform + ":" + value
	case "check_in", "inactive_after":
		d, ok := schedules.ParseDeadlineDuration(value)
		if !ok {
			return fmt.Errorf("%s: %q is not a duration like 7d", key, value)
		}
		if key == "check_in" {
			com.Conflicts.CheckIn = d
		} else {
			com.Conflicts.InactiveAfter = d
		}
	case "council": // "#! council: bob, chloe": the named members
		for _, m := range strings.Split(value, ",") {
			com.Conflicts.Council.Members = append(com.Conflicts.Council.Members, Platform+":"+strings.TrimSpace(m))
		}
	case "council_drawn":
		n, err := strconv.Atoi(value)
		if err != nil {
			return fmt.Errorf("council_drawn: %w", err)
		}
		com.Conflicts.Council.Drawn = n
	case "council_eligible": // "#! council_eligible: active 30d"
		d, ok := schedules.ParseDeadlineDuration(strings.TrimPrefix(value, "active "))
		if !ok {
			return fmt.Errorf("council_eligible: want active 30d, got %q", value)
		}
		com.Conflicts.Council.ActiveWithin = d
	case "max_recipients": // "#! max_recipients: 2": members one /give may name
		n, err := strconv.Atoi(value)
		if err != nil {
			return fmt.Errorf("max_recipients: want a number, got %q", value)
		}
		com.MaxRecipients = n
	case "limits":
		var floor, ceiling, max string
		if _, err := fmt.Sscanf(value, "%s %s %s", &floor, &ceiling, &max); err != nil {
			return fmt.Errorf("limits: want 'floor ceiling max', got %q", value)
		}
		for _, f := range []struct {
			s    string
			into *int64
		}{{floor, &com.Limits.Floor}, {ceiling, &com.Limits.Ceiling}, {max, &com.Limits.MaxAmount}} {
			sign := int64(1)
			s := f.s
			if rest, ok := strings.CutPrefix(s, "-"); ok {
				sign, s = -1, rest
			}
			m, err := bot.ParseDuration(s)
			if err != nil {
				return err
			}
			*f.into = sign * m
		}
	default:
		return fmt.Errorf("unknown directive %q", key)
	}
	return nil
}

// ledgerExports renders what the ledger can export of a community, for
// "#! unchanged": a refusal must leave every line of it as it was.
func ledgerExports(t *testing.T, db *ledger.DB, c ledger.CommunityID) string {
	t.Helper()
	ctx := context.Background()
	var lines []any
	var entries []ledger.Exchange
	err := db.EachExchange(ctx, func(x ledger.Exchange) error {
		entries = append(entries, x)
		return nil
	})
	lines = append(lines, entries, err)
	accounts, err := db.Accounts(ctx, c)
	lines = append(lines, accounts, err)
	proposals, err := db.Proposals(ctx, c, ledger.ProposalsAll)
	lines = append(lines, proposals, err)
	cases, err := db.Cases(ctx, c, ledger.CasesAll)
	lines = append(lines, cases, err)
	for _, k := range cases {
		log, err := db.CaseLog(ctx, k.ID)
		lines = append(lines, log, err)
	}
	draws, err := db.CouncilDraws(ctx, c)
	lines = append(lines, draws, err)
	payments, err := db.CommonsPayments(ctx, c, false)
	lines = append(lines, payments, err)
	groups, err := db.Groups(ctx, c)
	lines = append(lines, groups, err)
	reminders, err := db.Reminders(ctx, c, 0)
	lines = append(lines, reminders, err)
	var b strings.Builder
	for _, v := range lines {
		if err, ok := v.(error); ok {
			t.Fatalf("export: %v", err)
		}
		if v == nil {
			continue
		}
		// JSON follows pointers, so equal records give equal lines.
		out, err := json.Marshal(v)
		if err != nil {
			t.Fatalf("export: %v", err)
		}
		b.Write(out)
		b.WriteByte('\n')
	}
	return b.String()
}
