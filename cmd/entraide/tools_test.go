package main

import (
	"bytes"
	"database/sql"
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/entraide/entraide/bot"
)

// toolsEnv is a configuration in a temporary directory; run drives the
// command line in-process, as main does.
type toolsEnv struct {
	dir, cfg, db string
}

func newToolsEnv(t *testing.T) toolsEnv {
	t.Helper()
	dir := t.TempDir()
	e := toolsEnv{dir: dir, cfg: filepath.Join(dir, "config.yaml"), db: filepath.Join(dir, "data", "ledger.db")}
	yaml := fmt.Sprintf(`database: %q
log: {level: warn}
communities:
  - id: coop
    language: en
    timezone: Europe/Paris
    moderators: ["console:ana"]
console:
  as: ana
  members: [ana, bob, chloe]
  files: %q
`, e.db, filepath.Join(dir, "exports"))
	if err := os.WriteFile(e.cfg, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	return e
}

// run runs "entraide COMMAND --config CFG ARGS..." with stdin, returning
// what it printed and its exit status. (Flags go before FILE arguments:
// the flag package stops at the first non-flag.)
func (e toolsEnv) run(t *testing.T, stdin, command string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	return runMain(t, stdin, append([]string{command, "--config", e.cfg}, args...)...)
}

func runMain(t *testing.T, stdin string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errb bytes.Buffer
	env := func(string) (string, bool) { return "", false }
	code = run(t.Context(), args, stdio{in: strings.NewReader(stdin), out: &out, err: &errb, lookupEnv: env})
	return out.String(), errb.String(), code
}

// toolsScript records four entries: #1 ana→bob 2h (production, "garden"),
// #2 bob→chloe 30min ("soup"), #3 chloe→ana and #4 chloe→bob 1h15 each
// ("transport"). Balances: ana −45min, bob +2h45, chloe −2h.
const toolsScript = `# a comment, then a blank line

ana: /give 2h @bob for garden #production
bob: /give 30m @chloe for soup
chloe: /give 1h15 @ana @bob for transport
`

func (e toolsEnv) seed(t *testing.T) {
	t.Helper()
	out := e.playScript(t,
		"entraide: ana gave 2h to @bob for “garden” · #production. Entry #1. Your balance: -2h.",
		"entraide: bob gave 30min to @chloe for “soup”. Entry #2. Your balance: +1h30.",
		"entraide: chloe gave 1h15 each to @ana and @bob (2h30 in all) for “transport”. Entries #3 and #4. Your balance: -2h.",
	)
	if n := strings.Count(out, "\n"); n != 3 {
		t.Errorf("console wrote %d lines for 3 commands:\n%s", n, out)
	}
}

// playScript says toolsScript in the console under the run ID "seed"
// and checks its output holds each of want.
func (e toolsEnv) playScript(t *testing.T, want ...string) string {
	t.Helper()
	out, errs, code := e.run(t, toolsScript, "console", "--run-id", "seed")
	if code != 0 {
		t.Fatalf("console exited %d: %s", code, errs)
	}
	for _, w := range want {
		if !strings.Contains(out, w) {
			t.Errorf("console output lacks %q:\n%s", w, out)
		}
	}
	return out
}

func readCSV(t *testing.T, s string) [][]string {
	t.Helper()
	recs, err := csv.NewReader(strings.NewReader(s)).ReadAll()
	if err != nil {
		t.Fatalf("not CSV: %v\n%s", err, s)
	}
	return recs
}

// fields splits a table's lines into their space-separated cells.
func fields(s string) [][]string {
	var out [][]string
	for _, l := range strings.Split(strings.TrimRight(s, "\n"), "\n") {
		out = append(out, strings.Fields(l))
	}
	return out
}

func TestToolsConsoleReplayRecordsNothing(t *testing.T) {
	e := newToolsEnv(t)
	e.seed(t)
	out := e.playScript(t,
		"entraide: Already recorded as entry #1: nothing was added.",
		"entraide: Already recorded as entry #2: nothing was added.",
		"entraide: Already recorded as entries #3 and #4: nothing was added.",
	)
	if strings.Contains(out, " gave ") {
		t.Errorf("replay recorded again:\n%s", out)
	}
	out, _, code := e.run(t, "", "verify")
	if code != 0 || !strings.Contains(out, "4 entries") {
		t.Errorf("after replay verify says (exit %d) %q, want 4 entries", code, out)
	}
}

func TestToolsBalances(t *testing.T) {
	e := newToolsEnv(t)
	e.seed(t)

	out, errs, code := e.run(t, "", "balances")
	if code != 0 {
		t.Fatalf("balances exited %d: %s", code, errs)
	}
	want := [][]string{
		{"community", "account", "balance"},
		{"coop", "(commons)", "0h"},
		{"coop", "ana", "-45min"},
		{"coop", "bob", "2h45"},
		{"coop", "chloe", "-2h"},
	}
	if got := fields(out); !slices.EqualFunc(got, want, slices.Equal) {
		t.Errorf("balances:\n%s\nwant rows %v", out, want)
	}

	out, errs, code = e.run(t, "", "balances", "--csv")
	if code != 0 {
		t.Fatalf("balances --csv exited %d: %s", code, errs)
	}
	wantCSV := [][]string{
		{"community", "account", "kind", "minutes"},
		{"coop", "commons", "commons", "0"},
		{"coop", "ana", "member", "-45"},
		{"coop", "bob", "member", "165"},
		{"coop", "chloe", "member", "-120"},
	}
	if got := readCSV(t, out); !slices.EqualFunc(got, wantCSV, slices.Equal) {
		t.Errorf("balances --csv:\n%s\nwant %v", out, wantCSV)
	}
}

func TestToolsExport(t *testing.T) {
	e := newToolsEnv(t)
	before := time.Now().Add(-time.Second)
	e.seed(t)
	after := time.Now().Add(time.Second)

	out, errs, code := e.run(t, "", "export", "--csv")
	if code != 0 {
		t.Fatalf("export --csv exited %d: %s", code, errs)
	}
	recs := readCSV(t, out)
	header := bot.ExchangeCSVHeader()
	if len(recs) == 0 || !slices.Equal(recs[0], header) {
		t.Fatalf("export --csv header: %v, want %v", recs[:min(1, len(recs))], header)
	}
	want := []map[string]string{
		{"id": "1", "from": "ana", "to": "bob", "minutes": "120", "category": "production", "note": "garden", "actor": "ana"},
		{"id": "2", "from": "bob", "to": "chloe", "minutes": "30", "category": "", "note": "soup", "actor": "bob"},
		{"id": "3", "from": "chloe", "to": "ana", "minutes": "75", "category": "", "note": "transport", "actor": "chloe"},
		{"id": "4", "from": "chloe", "to": "bob", "minutes": "75", "category": "", "note": "transport", "actor": "chloe"},
	}
	if len(recs)-1 != len(want) {
		t.Fatalf("export --csv has %d rows, want %d:\n%s", len(recs)-1, len(want), out)
	}
	for i, w := range want {
		row := map[string]string{}
		for j, col := range header {
			row[col] = recs[i+1][j]
		}
		w["source"] = "console"
		w["reverses"], w["reversed_by"], w["reason"] = "", "", ""
		for k, v := range w {
			if row[k] != v {
				t.Errorf("row %d: %s = %q, want %q", i+1, k, row[k], v)
			}
		}
		ts, err := time.Parse(time.RFC3339, row["time_utc"])
		if err != nil || !strings.HasSuffix(row["time_utc"], "Z") || ts.Before(before) || ts.After(after) {
			t.Errorf("row %d: time_utc %q is not a UTC RFC 3339 time of the test run (%v)", i+1, row["time_utc"], err)
		}
	}

	out, errs, code = e.run(t, "", "export")
	if code != 0 {
		t.Fatalf("export exited %d: %s", code, errs)
	}
	rows := fields(out)
	if len(rows) != 5 || !strings.HasPrefix(strings.Join(rows[0], " "), "id time (UTC) from to amount category note") {
		t.Fatalf("export table:\n%s", out)
	}
	wantCells := [][]string{
		{"#1", "ana", "bob", "2h", "production", "garden"},
		{"#2", "bob", "chloe", "30min", "soup"},
		{"#3", "chloe", "ana", "1h15", "transport"},
		{"#4", "chloe", "bob", "1h15", "transport"},
	}
	for i, w := range wantCells {
		// id, date, time, then the rest.
		got := rows[i+1]
		if len(got) < 3 {
			t.Errorf("export row %d: %v", i+1, got)
			continue
		}
		if cells := append([]string{got[0]}, got[3:]...); !slices.Equal(cells, w) {
			t.Errorf("export row %d: %v, want %v", i+1, cells, w)
		}
		if _, err := time.Parse("2006-01-02 15:04", got[1]+" "+got[2]); err != nil {
			t.Errorf("export row %d: time %q %q: %v", i+1, got[1], got[2], err)
		}
	}
}

var verifyOK = regexp.MustCompile(`^(.+): ok — (\d+) accounts, (\d+) entries; `)

// A head printed by verify is a witness a later verify checks: held, it
// says so; mistyped or naming no community, the command refuses (exit 2);
// one the chain no longer holds is a problem (exit 1).
func TestToolsVerifyChecksAKeptHead(t *testing.T) {
	e := newToolsEnv(t)
	e.seed(t)
	out, errs, code := e.run(t, "", "verify")
	m := regexp.MustCompile(`(?m)^chain head of (\S+): (\d+:[0-9a-f]{12})$`).FindStringSubmatch(out)
	if code != 0 || m == nil {
		t.Fatalf("verify (exit %d): %q %q; want a chain head line", code, out, errs)
	}
	kept := m[1] + ":" + m[2]
	out, errs, code = e.run(t, "", "verify", "--head", kept)
	if code != 0 || !strings.Contains(out, "chain head "+kept+": held") {
		t.Fatalf("verify --head %s (exit %d): %q %q; want it held", kept, code, out, errs)
	}
	pos, _, _ := strings.Cut(m[2], ":")
	forged := m[1] + ":" + pos + ":000000000000"
	out, errs, code = e.run(t, "", "verify", "--head", forged)
	if code != 1 || !strings.Contains(out, "PROBLEM: chain: community "+m[1]+" entry "+pos+" has hash ") {
		t.Errorf("verify --head %s (exit %d): %q %q; want exit 1 naming the entry", forged, code, out, errs)
	}
	for _, bad := range []string{"12", "nowhere:" + m[2]} {
		if out, errs, code := e.run(t, "", "verify", "--head", bad); code != 2 || out != "" || errs == "" {
			t.Errorf("verify --head %s: exit %d, out %q, err %q; want exit 2 and the reason", bad, code, out, errs)
		}
	}
}

func TestToolsVerifyAndBackup(t *testing.T) {
	e := newToolsEnv(t)
	e.seed(t)

	out, errs, code := e.run(t, "", "verify")
	m := verifyOK.FindStringSubmatch(out)
	if code != 0 || m == nil || m[1] != e.db || m[2] != "4" || m[3] != "4" {
		t.Fatalf("verify (exit %d): %q %q; want %s: ok — 4 accounts, 4 entries", code, out, errs, e.db)
	}

	copyPath := filepath.Join(t.TempDir(), "copy.db")
	out, errs, code = e.run(t, "", "backup", copyPath)
	if code != 0 || !strings.Contains(out, "backup written to "+copyPath) {
		t.Fatalf("backup (exit %d): %q %q", code, out, errs)
	}
	for _, suffix := range []string{"-wal", "-shm"} {
		if _, err := os.Stat(copyPath + suffix); err == nil {
			t.Errorf("backup left %s beside the copy: it should be one self-contained file", copyPath+suffix)
		}
	}

	// The copy verifies on its own, with the same counts, balances and
	// entries as the live database.
	out, errs, code = e.run(t, "", "verify", "--db", copyPath)
	m = verifyOK.FindStringSubmatch(out)
	if code != 0 || m == nil || m[1] != copyPath || m[2] != "4" || m[3] != "4" {
		t.Fatalf("verify --db copy (exit %d): %q %q", code, out, errs)
	}
	for _, args := range [][]string{{"balances", "--csv"}, {"export", "--csv"}} {
		live, _, c1 := e.run(t, "", args[0], args[1:]...)
		copied, _, c2 := e.run(t, "", args[0], append([]string{"--db", copyPath}, args[1:]...)...)
		if c1 != 0 || c2 != 0 || live != copied || live == "" {
			t.Errorf("%v: the copy differs from the live database:\nlive:\n%s\ncopy:\n%s", args, live, copied)
		}
	}

	// A backup never overwrites.
	existing := filepath.Join(e.dir, "existing.db")
	if err := os.WriteFile(existing, []byte("precious"), 0o600); err != nil {
		t.Fatal(err)
	}
	out, errs, code = e.run(t, "", "backup", existing)
	if code != 1 || !strings.Contains(errs, "already exists") || strings.Contains(out, "backup written") {
		t.Errorf("backup onto an existing file: exit %d, stdout %q, stderr %q; want exit 1 and \"already exists\"", code, out, errs)
	}
	if b, _ := os.ReadFile(existing); string(b) != "precious" {
		t.Errorf("backup changed the existing file: %q", b)
	}

	// Usage mistakes exit 2 and say how to call it.
	for _, args := range [][]string{{"backup"}, {"backup", "a.db", "b.db"}} {
		out, errs, code = e.run(t, "", args[0], args[1:]...)
		if code != 2 || !strings.Contains(errs, "Usage: entraide backup") || out != "" {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want exit 2 and the usage", args, code, out, errs)
		}
	}
}

func TestToolsMissingDatabase(t *testing.T) {
	e := newToolsEnv(t)
	missing := filepath.Join(e.dir, "nowhere", "ledger.db")
	for _, args := range [][]string{
		{"verify", "--db", missing},
		{"balances", "--db", missing},
		{"export", "--csv", "--db", missing},
		{"backup", "--db", missing, filepath.Join(e.dir, "copy.db")},
		{"verify"}, // the configured database, never created: no console ran
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			want := missing
			if len(args) == 1 {
				want = e.db
			}
			out, errs, code := e.run(t, "", args[0], args[1:]...)
			wantCode := 1
			if args[0] == "verify" {
				wantCode = 2 // not a ledger, or unreadable
			}
			if code != wantCode || out != "" || !strings.Contains(errs, "no ledger at "+want) {
				t.Errorf("exit %d, stdout %q, stderr %q; want exit %d and \"no ledger at %s\"", code, out, errs, wantCode, want)
			}
			for _, p := range []string{want, filepath.Dir(want), filepath.Join(e.dir, "copy.db")} {
				if _, err := os.Stat(p); err == nil {
					t.Errorf("%s was created", p)
				}
			}
		})
	}
}

func TestToolsBadConfig(t *testing.T) {
	e := newToolsEnv(t)
	if err := os.WriteFile(e.cfg, []byte("communities:\n  - id: coop\n    language: de\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, cmd := range []string{"verify", "balances", "export", "console"} {
		out, errs, code := e.run(t, "", cmd)
		wantCode := 1
		if cmd == "verify" {
			wantCode = 2 // it cannot tell which file to read
		}
		if code != wantCode || !strings.Contains(errs, "entraide "+cmd+": config: communities[0]: language") {
			t.Errorf("%s with a bad config: exit %d, stdout %q, stderr %q", cmd, code, out, errs)
		}
	}
	e.cfg = filepath.Join(e.dir, "absent.yaml")
	if _, errs, code := e.run(t, "", "verify"); code != 2 || !strings.Contains(errs, "absent.yaml") {
		t.Errorf("verify with a missing --config: exit %d, stderr %q", code, errs)
	}
}

func TestRunUnknownCommand(t *testing.T) {
	out, errs, code := runMain(t, "", "frobnicate")
	if code != 2 || out != "" || !strings.Contains(errs, `unknown command "frobnicate"`) || !strings.Contains(errs, "Usage: entraide") {
		t.Errorf("exit %d, stdout %q, stderr %q; want exit 2, the name and the usage", code, out, errs)
	}
}

func TestRunUnknownFlag(t *testing.T) {
	e := newToolsEnv(t)
	out, errs, code := e.run(t, "", "verify", "--frobnicate")
	if code != 2 || out != "" || !strings.Contains(errs, "frobnicate") {
		t.Errorf("exit %d, stdout %q, stderr %q; want exit 2 naming the flag", code, out, errs)
	}
	if _, err := os.Stat(e.db); err == nil {
		t.Error("a usage mistake created the database")
	}
}

func checkHelp(t *testing.T, arg string) {
	t.Helper()
	out, errs, code := runMain(t, "", arg)
	if code != 0 || errs != "" || !strings.HasPrefix(out, "Usage: entraide [command]") {
		t.Errorf("%s: want exit 0 and the list of commands on stdout; got exit %d, stdout %q, stderr %q", arg, code, out, errs)
		return
	}
	for _, name := range []string{"run", "console", "balances", "export", "verify", "backup", "bench"} {
		if !regexp.MustCompile(`(?m)^\s+` + name + `\s+\S`).MatchString(out) {
			t.Errorf("%s does not list %q with its summary:\n%s", arg, name, out)
		}
	}
}

func TestRunHelp(t *testing.T) {
	checkHelp(t, "help")

	// A subcommand's -h prints its flags and is not an error.
	_, errs, code := runMain(t, "", "verify", "-h")
	if code != 0 || !strings.Contains(errs, "-db") || !strings.Contains(errs, "-config") {
		t.Errorf("verify -h: exit %d, stderr %q", code, errs)
	}
}

// "entraide -h" and "entraide --help" list the subcommands like "entraide
// help" (app.go means them to: run checks for them by name).
func TestRunDashHelp(t *testing.T) {
	checkHelp(t, "-h")
	checkHelp(t, "--help")
}

// A wrong Matrix setting is named once: "config: matrix: …", not
// "config: matrix: matrix: …".
func TestRunBadMatrixConfig(t *testing.T) {
	for _, tc := range []struct{ name, yaml, want string }{
		{"user ID", "  user_id: entraide\n", `entraide run: config: matrix: user ID "entraide"`},
		{"msgtype", "  user_id: \"@entraide:example.org\"\n  msgtypes: {announcements: m.emote}\n", `entraide run: config: matrix: msgtype "m.emote"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newToolsEnv(t)
			yaml, err := os.ReadFile(e.cfg)
			if err != nil {
				t.Fatal(err)
			}
			yaml = append(yaml, "matrix:\n  homeserver: https://matrix.example.org\n  access_token: secret\n"+tc.yaml...)
			if err := os.WriteFile(e.cfg, yaml, 0o600); err != nil {
				t.Fatal(err)
			}
			_, errs, code := e.run(t, "", "run")
			if code != 1 || !strings.Contains(errs, tc.want) || strings.Contains(errs, "matrix: matrix:") {
				t.Errorf("exit %d, stderr %q; want exit 1 and %q", code, errs, tc.want)
			}
		})
	}
}

// verify reads a file it is given, never writes to it, and tells a file
// that is not a ledger (exit 2) from a ledger that is broken (exit 1).
func TestToolsVerifyExitCodes(t *testing.T) {
	e := newToolsEnv(t)
	e.seed(t)
	out, errs, code := e.run(t, "", "verify")
	if code != 0 || !regexp.MustCompile(`(?m)^chain head of coop: 7:[0-9a-f]{12}$`).MatchString(out) ||
		!strings.Contains(out, "7 records chained") {
		t.Fatalf("verify (exit %d): %q %q", code, out, errs)
	}

	empty := filepath.Join(e.dir, "empty.db")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	foreign := filepath.Join(e.dir, "foreign.db")
	fdb, err := sql.Open("sqlite3", foreign)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fdb.Exec("CREATE TABLE photos (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO photos (name) VALUES ('cat')"); err != nil {
		t.Fatal(err)
	}
	fdb.Close()
	for _, path := range []string{empty, foreign} {
		before, _ := os.ReadFile(path)
		out, errs, code := e.run(t, "", "verify", "--db", path)
		if code != 2 || out != "" || !strings.Contains(errs, "is not an Entraide ledger") {
			t.Errorf("verify %s: exit %d, stdout %q, stderr %q; want exit 2", filepath.Base(path), code, out, errs)
		}
		if after, _ := os.ReadFile(path); !bytes.Equal(before, after) {
			t.Errorf("verify %s changed the file", filepath.Base(path))
		}
		if _, err := os.Stat(path + "-wal"); err == nil {
			t.Errorf("verify %s created a -wal", filepath.Base(path))
		}
	}

	// Rewrite entry #2 behind the ledger's back, balances fixed, triggers
	// restored: every sum holds, the chain does not.
	raw, err := sql.Open("sqlite3", e.db)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	var upd string
	if err := raw.QueryRow("SELECT sql FROM sqlite_schema WHERE name = 'exchanges_append_only_update'").Scan(&upd); err != nil {
		t.Fatal(err)
	}
	for _, stmt := range []string{
		"DROP TRIGGER exchanges_append_only_update",
		"UPDATE exchanges SET minutes = 300 WHERE id = 2",
		"UPDATE accounts SET balance = balance - 270 WHERE id = (SELECT from_id FROM exchanges WHERE id = 2)",
		"UPDATE accounts SET balance = balance + 270 WHERE id = (SELECT to_id FROM exchanges WHERE id = 2)",
		upd,
	} {
		if _, err := raw.Exec(stmt); err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
	}
	raw.Close()
	out, errs, code = e.run(t, "", "verify")
	if code != 1 || !strings.Contains(out, "PROBLEM: chain: community coop breaks at entry 4, exchanges #2: the record was changed") {
		t.Errorf("verify after tampering: exit %d, stdout %q, stderr %q", code, out, errs)
	}
}

// A note a spreadsheet would run as a formula is exported as text; the
// terminal table escapes what a terminal would act on.
func TestToolsExportNeutralisesFormulas(t *testing.T) {
	e := newToolsEnv(t)
	script := "ana: /give 1h @bob for =HYPERLINK(\"http://evil.example\",\"click\")\nbob: /give 30m @chloe for -2+3\n"
	if _, errs, code := e.run(t, script, "console", "--run-id", "f"); code != 0 {
		t.Fatalf("console: %s", errs)
	}
	out, _, code := e.run(t, "", "export", "--csv")
	recs := readCSV(t, out)
	if code != 0 || len(recs) != 3 {
		t.Fatalf("export --csv (exit %d):\n%s", code, out)
	}
	note := slices.Index(recs[0], "note")
	if got := recs[1][note]; got != `'=HYPERLINK("http://evil.example","click")` {
		t.Errorf("formula note exported as %q", got)
	}
	if got := recs[2][note]; got != "'-2+3" {
		t.Errorf("formula note exported as %q", got)
	}
	hash := slices.Index(recs[0], "chain_hash")
	if hash < 0 || !regexp.MustCompile(`^[0-9a-f]{64}$`).MatchString(recs[1][hash]) || recs[1][hash] == recs[2][hash] {
		t.Errorf("chain hashes %v", recs)
	}
	for _, tc := range []struct{ in, want string }{
		{"-120", "-120"}, {"+3", "+3"}, {"@ana", "'@ana"}, {"\tx", "'\tx"}, {"\rx", "'\rx"}, {"x=1", "x=1"}, {"", ""},
	} {
		if got := bot.CSVCell(tc.in); got != tc.want {
			t.Errorf("CSVCell(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	if got := termSafe("a\x1b[2J\u202eb\tc\xff"); got != `a\u001b[2J\u202eb\u0009c\xff` {
		t.Errorf("termSafe = %q", got)
	}
}
