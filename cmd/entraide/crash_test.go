//go:build unix

package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/entraide/entraide/adapters/console"
	"github.com/entraide/entraide/bot"
)

// The crash tests run the real binary as a child process, kill it with
// SIGKILL in the middle of a scripted load, restart it and check that every
// exchange the bot acknowledged is in the ledger exactly once.

var crashMembers = []string{"ana", "bob", "chloe", "david", "emma"}

// crashGiver and crashRecipient are who says and who receives line i (0-based).
func crashGiver(i int) string     { return crashMembers[i%len(crashMembers)] }
func crashRecipient(i int) string { return crashMembers[(i+1)%len(crashMembers)] }
func crashNote(i int) string      { return "load-" + strconv.Itoa(i+1) }

// crashScript is n lines "NAME: /give 1m @OTHER for load-<i>", line i
// carrying note load-(i+1).
func crashScript(n int) []string {
	lines := make([]string, n)
	for i := range lines {
		lines[i] = fmt.Sprintf("%s: /give 1m @%s for %s", crashGiver(i), crashRecipient(i), crashNote(i))
	}
	return lines
}

var (
	// entraide: ana gave 1min to @bob for “load-1”. Entry #1. Your balance: -1min.
	crashGave = regexp.MustCompile(`^entraide: (\S+) gave (\S+) to @(\S+) for “(load-\d+)”\. Entry #(\d+)\. `)
	// entraide: Already recorded as entry #1: nothing was added. Your balance: ...
	crashReplayed = regexp.MustCompile(`^entraide: Already recorded as entry #(\d+): nothing was added\. `)
)

// crashReply is the bot's answer to one script line.
type crashReply struct {
	replayed bool
	entry    int64
	giver    string
	amount   string
	to       string
	note     string
	raw      string
}

func parseCrashReply(line string) (crashReply, bool) {
	if m := crashGave.FindStringSubmatch(line); m != nil {
		id, _ := strconv.ParseInt(m[5], 10, 64)
		return crashReply{entry: id, giver: m[1], amount: m[2], to: m[3], note: m[4], raw: line}, true
	}
	if m := crashReplayed.FindStringSubmatch(line); m != nil {
		id, _ := strconv.ParseInt(m[1], 10, 64)
		return crashReply{replayed: true, entry: id, raw: line}, true
	}
	return crashReply{raw: line}, false
}

// checkGave fails unless r acknowledges a new exchange for script line i.
func checkGave(t *testing.T, i int, r crashReply) {
	t.Helper()
	if r.replayed || r.giver != crashGiver(i) || r.to != crashRecipient(i) || r.note != crashNote(i) || r.amount != "1min" {
		t.Fatalf("line %d: reply %q does not acknowledge a new gift of 1min from %s to %s for %s",
			i+1, r.raw, crashGiver(i), crashRecipient(i), crashNote(i))
	}
}

// crashEnv is one test's configuration and database.
type crashEnv struct {
	bin, dir, cfg, db string
}

func buildEntraide(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "entraide")
	start := time.Now()
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	t.Logf("built %s in %v", bin, time.Since(start).Round(time.Millisecond))
	return bin
}

func newCrashEnv(t *testing.T, bin string) crashEnv {
	t.Helper()
	dir := t.TempDir()
	e := crashEnv{bin: bin, dir: dir, cfg: filepath.Join(dir, "config.yaml"), db: filepath.Join(dir, "data", "ledger.db")}
	yaml := fmt.Sprintf(`database: %q
durability: full
log:
  level: warn
communities:
  - id: crash
    name: Crash test
    language: en
    timezone: UTC
    moderators: ["console:ana"]
    rooms: ["console:*"]
    limits:
      floor: -1000h
      ceiling: 1000h
      max_amount: 10h
console:
  as: ana
  members: [%s]
  files: %q
`, e.db, strings.Join(crashMembers, ", "), filepath.Join(dir, "exports"))
	if err := os.WriteFile(e.cfg, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	return e
}

// command is a child entraide process run with this env's configuration.
func (e crashEnv) command(ctx context.Context, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, e.bin, append(args, "--config", e.cfg)...)
	cmd.Dir = e.dir
	cmd.Env = append(os.Environ(), "LANG=C")
	return cmd
}

// tool runs a maintenance subcommand to its end.
func (e crashEnv) tool(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return runCmd(t, e.command(ctx, args...), "")
}

// consoleChild is a running "entraide console" child.
type consoleChild struct {
	cmd     *exec.Cmd
	stdin   io.WriteCloser
	replies chan string // one line of standard output each; closed at EOF
	stderr  *bytes.Buffer
}

func (e crashEnv) startConsole(t *testing.T, ctx context.Context, runID string) *consoleChild {
	t.Helper()
	cmd := e.command(ctx, "console", "--run-id", runID)
	c := &consoleChild{cmd: cmd, replies: make(chan string, 1024), stderr: &bytes.Buffer{}}
	cmd.Stderr = c.stderr
	c.stdin = startPiped(t, cmd, (*exec.Cmd).StdoutPipe, c.replies)
	return c
}

// startPiped starts cmd with a pipe to its standard input, which it
// returns, and sends each line of the output that pipe opens (its
// standard output or error) on lines, closed at the end.
func startPiped(t *testing.T, cmd *exec.Cmd, pipe func(*exec.Cmd) (io.ReadCloser, error), lines chan<- string) io.WriteCloser {
	t.Helper()
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out, err := pipe(cmd)
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	return stdin
}

// next waits for the next reply line; ok is false at EOF.
func (c *consoleChild) next(t *testing.T) (string, bool) {
	t.Helper()
	select {
	case line, ok := <-c.replies:
		return line, ok
	case <-time.After(15 * time.Second):
		t.Fatalf("no reply from the console within 15s; stderr:\n%s", c.stderr.String())
		return "", false
	}
}

// nextReply is the console's next reply, false at the end of its output;
// any output that is not a reply fails the test.
func (c *consoleChild) nextReply(t *testing.T) (crashReply, bool) {
	t.Helper()
	line, ok := c.next(t)
	if !ok {
		return crashReply{}, false
	}
	r, ok := parseCrashReply(line)
	if !ok {
		t.Fatalf("unexpected console output %q; stderr:\n%s", line, c.stderr.String())
	}
	return r, true
}

func (c *consoleChild) send(t *testing.T, line string) {
	t.Helper()
	if _, err := io.WriteString(c.stdin, line+"\n"); err != nil {
		t.Fatalf("write to console: %v; stderr:\n%s", err, c.stderr.String())
	}
}

// loadAndKill feeds script to a fresh console, never more than window lines
// ahead of its acknowledgements, and kills it with SIGKILL once killAfter
// exchanges are acknowledged. It returns the entry ID of every
// acknowledged line, in script order: every reply that reached standard
// output before the kill, read to EOF.
func (e crashEnv) loadAndKill(t *testing.T, runID string, script []string, killAfter, window int) []int64 {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	c := e.startConsole(t, ctx, runID)

	sent := 0
	for ; sent < window && sent < len(script); sent++ {
		c.send(t, script[sent])
	}
	var acked []int64
	for len(acked) < killAfter {
		r, ok := c.nextReply(t)
		if !ok {
			t.Fatalf("console ended after %d replies, before the kill; stderr:\n%s", len(acked), c.stderr.String())
		}
		checkGave(t, len(acked), r)
		acked = append(acked, r.entry)
		if sent < len(script) {
			c.send(t, script[sent])
			sent++
		}
	}
	if err := c.cmd.Process.Kill(); err != nil { // SIGKILL on Unix
		t.Fatalf("kill: %v", err)
	}
	// Replies written before the kill are acknowledged too: read them all.
	for {
		r, ok := c.nextReply(t)
		if !ok {
			break
		}
		checkGave(t, len(acked), r)
		acked = append(acked, r.entry)
	}
	err := c.cmd.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) {
		t.Fatalf("console was not killed: Wait returned %v", err)
	}
	ws, ok := ee.Sys().(syscall.WaitStatus)
	if !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
		t.Fatalf("console did not die of SIGKILL: %v", err)
	}
	if len(acked) >= len(script) {
		t.Fatalf("the kill did not land mid-load: all %d lines were acknowledged", len(script))
	}
	for i := 1; i < len(acked); i++ {
		if acked[i] <= acked[i-1] {
			t.Fatalf("entry IDs not increasing: line %d got #%d after #%d", i+1, acked[i], acked[i-1])
		}
	}
	t.Logf("killed with SIGKILL after %d of %d lines acknowledged (%d sent)", len(acked), len(script), sent)
	return acked
}

// feedAll runs a console on the whole of lines, closing its input at the
// end, and returns its replies; the console must exit 0 at EOF.
func (e crashEnv) feedAll(t *testing.T, runID string, lines []string) []crashReply {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	c := e.startConsole(t, ctx, runID)
	werr := make(chan error, 1)
	go func() {
		_, err := io.WriteString(c.stdin, strings.Join(lines, "\n")+"\n")
		if cerr := c.stdin.Close(); err == nil {
			err = cerr
		}
		werr <- err
	}()
	var out []crashReply
	for {
		r, ok := c.nextReply(t)
		if !ok {
			break
		}
		out = append(out, r)
	}
	if err := <-werr; err != nil {
		t.Fatalf("write script: %v", err)
	}
	if err := c.cmd.Wait(); err != nil {
		t.Fatalf("console on replay: %v; stderr:\n%s", err, c.stderr.String())
	}
	if len(out) != len(lines) {
		t.Fatalf("%d lines fed, %d replies", len(lines), len(out))
	}
	return out
}

// exportRows runs "entraide export --csv" and returns its rows keyed by
// column name.
func (e crashEnv) exportRows(t *testing.T) []map[string]string {
	t.Helper()
	out, errs, code := e.tool(t, "export", "--csv")
	if code != 0 {
		t.Fatalf("export --csv exited %d: %s", code, errs)
	}
	recs, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil {
		t.Fatalf("export is not CSV: %v\n%s", err, out)
	}
	if len(recs) == 0 || !slices.Equal(recs[0], bot.ExchangeCSVHeader()) {
		t.Fatalf("export header: got %v, want %v", recs[:min(1, len(recs))], bot.ExchangeCSVHeader())
	}
	var rows []map[string]string
	for _, rec := range recs[1:] {
		row := map[string]string{}
		for j, col := range recs[0] {
			row[col] = rec[j]
		}
		rows = append(rows, row)
	}
	return rows
}

// checkAcknowledged fails unless the entry of every acknowledged line is in
// rows exactly once, with that line's note, members and amount.
func checkAcknowledged(t *testing.T, rows []map[string]string, acked []int64) {
	t.Helper()
	byID := map[string]int{}
	byNote := map[string]int{}
	for _, r := range rows {
		byID[r["id"]]++
		byNote[r["note"]]++
	}
	for i, id := range acked {
		ids := strconv.FormatInt(id, 10)
		if byID[ids] != 1 {
			t.Errorf("acknowledged entry #%d (%s) is in the export %d times", id, crashNote(i), byID[ids])
		}
		if byNote[crashNote(i)] != 1 {
			t.Errorf("acknowledged note %s is in the export %d times, want exactly once", crashNote(i), byNote[crashNote(i)])
		}
		for _, r := range rows {
			if r["id"] != ids {
				continue
			}
			want := map[string]string{"note": crashNote(i), "from": crashGiver(i), "to": crashRecipient(i), "minutes": "1", "source": "console", "actor": crashGiver(i)}
			for k, v := range want {
				if r[k] != v {
					t.Errorf("entry #%d: %s is %q, want %q (row %v)", id, k, r[k], v, r)
				}
			}
		}
	}
}

func (e crashEnv) checkVerify(t *testing.T, entries int) {
	t.Helper()
	out, errs, code := e.tool(t, "verify")
	if code != 0 {
		t.Fatalf("verify exited %d:\n%s%s", code, out, errs)
	}
	if want := fmt.Sprintf("ok — %d accounts, %d entries", len(crashMembers)+1, entries); !strings.Contains(out, want) {
		t.Fatalf("verify says %q, want it to contain %q", out, want)
	}
}

// killedMidLoad is a fresh ledger whose console was killed while giving
// the n lines of crashScript(n) under runID, with the entries acknowledged
// before the kill (see loadAndKill).
func killedMidLoad(t *testing.T, bin string, n int, runID string, killAfter, window int) (crashEnv, []string, []int64) {
	t.Helper()
	e := newCrashEnv(t, bin)
	script := crashScript(n)
	return e, script, e.loadAndKill(t, runID, script, killAfter, window)
}

// exportedNotes is the export's exchange rows, once checked that the
// acknowledged entries kept their numbers, and how many rows hold each
// note.
func (e crashEnv) exportedNotes(t *testing.T, acked []int64) ([]map[string]string, map[string]int) {
	t.Helper()
	rows := e.exportRows(t)
	checkAcknowledged(t, rows, acked)
	notes := map[string]int{}
	for _, r := range rows {
		notes[r["note"]]++
	}
	return rows, notes
}

func TestCrashRecovery(t *testing.T) {
	bin := buildEntraide(t)

	// Killed mid-load, restarted with the same --run-id on the whole
	// script: the platform redelivers every event, the ledger records each
	// once.
	t.Run("SameRunIDRedeliversAll", func(t *testing.T) {
		start := time.Now()
		const n = 400
		e, script, acked := killedMidLoad(t, bin, n, "crash1", 150, 24)

		replies := e.feedAll(t, "crash1", script)
		replayed := 0
		for replayed < len(replies) && replies[replayed].replayed {
			replayed++
		}
		// The console answers a line before reading the next, so at most
		// one line can be recorded without its answer having been written.
		if replayed < len(acked) || replayed > len(acked)+1 {
			t.Fatalf("%d lines acknowledged before the kill, but %d said \"Already recorded\" on restart", len(acked), replayed)
		}
		for i, id := range acked {
			if replies[i].entry != id {
				t.Errorf("line %d: acknowledged as entry #%d, replayed as entry #%d", i+1, id, replies[i].entry)
			}
		}
		for i := replayed; i < n; i++ {
			checkGave(t, i, replies[i])
		}

		rows, notes := e.exportedNotes(t, acked)
		if len(rows) != n {
			t.Errorf("export has %d exchange rows, want %d", len(rows), n)
		}
		for i := range n {
			if notes[crashNote(i)] != 1 {
				t.Errorf("note %s is in the export %d times, want exactly once", crashNote(i), notes[crashNote(i)])
			}
		}
		e.checkVerify(t, n)

		// Everyone gave and received the same 80 minutes: every balance is
		// back to zero only if nothing was lost or doubled.
		out, errs, code := e.tool(t, "balances", "--csv")
		if code != 0 {
			t.Fatalf("balances --csv exited %d: %s", code, errs)
		}
		recs, err := csv.NewReader(strings.NewReader(out)).ReadAll()
		if err != nil || len(recs) != len(crashMembers)+2 {
			t.Fatalf("balances --csv: %v\n%s", err, out)
		}
		for _, rec := range recs[1:] {
			if rec[3] != "0" {
				t.Errorf("balance of %s is %s minutes, want 0", rec[1], rec[3])
			}
		}
		t.Logf("%d acknowledged, %d recorded before the kill; took %v", len(acked), replayed, time.Since(start).Round(time.Millisecond))
	})

	// Killed, restarted with a different --run-id on only the lines that
	// were not acknowledged: what was acknowledged was durable, so nothing
	// acknowledged is missing or doubled. (A line recorded but not yet
	// answered when the kill landed is sent again under a new event ID, so
	// it may be recorded twice: that is the one duplicate a client that
	// changes event IDs can cause, and it was never acknowledged.)
	t.Run("NewRunIDResendsUnacknowledged", func(t *testing.T) {
		start := time.Now()
		const n = 120
		e, script, acked := killedMidLoad(t, bin, n, "crash2a", 50, 12)

		replies := e.feedAll(t, "crash2b", script[len(acked):])
		for j, r := range replies {
			checkGave(t, len(acked)+j, r)
		}

		rows, notes := e.exportedNotes(t, acked)
		doubled := 0
		for i := range n {
			c := notes[crashNote(i)]
			switch {
			case c == 1:
			case c == 2 && i == len(acked):
				doubled++ // recorded, killed before its answer, sent again
			default:
				t.Errorf("note %s is in the export %d times", crashNote(i), c)
			}
		}
		if len(rows) != n+doubled {
			t.Errorf("export has %d rows, want %d", len(rows), n+doubled)
		}
		e.checkVerify(t, n+doubled)
		t.Logf("%d acknowledged, %d unacknowledged line recorded twice; took %v", len(acked), doubled, time.Since(start).Round(time.Millisecond))
	})
}

// The group-commit soak: a helper process (this test binary, re-run) drives
// the real core from crashSenders goroutines at once, so that the writer
// batches their gifts, and is killed with SIGKILL in the middle of the
// load, while batches are in flight. Every round resends, under the same
// event IDs, every line not acknowledged yet; at the end every line is in
// the ledger exactly once, every acknowledged entry kept its number, and
// verify (hash chain included) passes. ENTRAIDE_CRASH_KILLS sets the
// number of kills (3 by default; the report's soak used 2,000).

const crashSenders = 8

// TestMain lets the test binary serve as the soak's helper process.
func TestMain(m *testing.M) {
	if cfg := os.Getenv("ENTRAIDE_CRASH_HELPER"); cfg != "" {
		os.Exit(crashHelper(cfg, os.Getenv("ENTRAIDE_CRASH_LINES")))
	}
	os.Exit(m.Run())
}

// crashHelper gives, from crashSenders goroutines, the script lines listed
// (one index a line) in file lines, printing "INDEX REPLY COMMITS COMMANDS"
// once each is answered.
func crashHelper(cfg, lines string) int {
	raw, err := os.ReadFile(lines)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 3
	}
	var todo []int
	for _, f := range strings.Fields(string(raw)) {
		i, err := strconv.Atoi(f)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 3
		}
		todo = append(todo, i)
	}
	ctx := context.Background()
	io := stdio{in: strings.NewReader(""), out: os.Stdout, err: os.Stderr, lookupEnv: os.LookupEnv}
	c := &common{config: cfg}
	e, err := c.open(ctx, io)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 3
	}
	defer e.db.Close()
	b, err := e.newBot(ctx)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 3
	}
	var mu sync.Mutex
	var next atomic.Int64
	var wg sync.WaitGroup
	for range crashSenders {
		wg.Go(func() {
			for {
				k := int(next.Add(1) - 1)
				if k >= len(todo) {
					return
				}
				i := todo[k]
				from, to := crashGiver(i), crashRecipient(i)
				replies := b.Handle(ctx, bot.Message{
					ID: "soak:" + strconv.Itoa(i), Platform: console.Platform, Room: console.Room,
					Sender:   bot.User{ID: from, Name: from},
					Text:     fmt.Sprintf("/give 1m @%s for %s", to, crashNote(i)),
					Mentions: []bot.Mention{{Text: "@" + to, User: bot.User{ID: to, Name: to}}},
					Direct:   true, Local: true,
				})
				st := e.db.CommitStats()
				mu.Lock()
				for _, r := range replies {
					fmt.Fprintf(os.Stdout, "%d\tentraide: %s\t%d\t%d\n", i, r.Text, st.Commits, st.Commands)
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return 0
}

// soakRound runs the helper on the lines in todo and kills it once
// killAfter of them are answered (never, when killAfter is 0). It returns
// the answers read before the kill, by line, and the helper's last commit
// counts.
func (e crashEnv) soakRound(t *testing.T, todo []int, killAfter int) (map[int]crashReply, ledgerCommits) {
	t.Helper()
	list := filepath.Join(e.dir, "todo.txt")
	var sb strings.Builder
	for _, i := range todo {
		sb.WriteString(strconv.Itoa(i) + "\n")
	}
	if err := os.WriteFile(list, []byte(sb.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(ctx, self, "-test.run=^$")
	cmd.Dir = e.dir
	cmd.Env = append(os.Environ(), "ENTRAIDE_CRASH_HELPER="+e.cfg, "ENTRAIDE_CRASH_LINES="+list)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	got := map[int]crashReply{}
	var commits ledgerCommits
	sc := bufio.NewScanner(stdout)
	killed := false
	for sc.Scan() {
		f := strings.Split(sc.Text(), "\t")
		if len(f) != 4 {
			t.Fatalf("helper wrote %q; stderr:\n%s", sc.Text(), stderr.String())
		}
		i, _ := strconv.Atoi(f[0])
		r, ok := parseCrashReply(f[1])
		if !ok {
			t.Fatalf("line %d: unexpected reply %q; stderr:\n%s", i, f[1], stderr.String())
		}
		if _, dup := got[i]; dup {
			t.Fatalf("line %d answered twice in one round", i)
		}
		got[i] = r
		commits.commits, _ = strconv.ParseInt(f[2], 10, 64)
		commits.commands, _ = strconv.ParseInt(f[3], 10, 64)
		if killAfter > 0 && len(got) == killAfter && !killed {
			if err := cmd.Process.Kill(); err != nil {
				t.Fatal(err)
			}
			killed = true
		}
	}
	err = cmd.Wait()
	if killAfter == 0 {
		if err != nil {
			t.Fatalf("helper: %v; stderr:\n%s", err, stderr.String())
		}
		return got, commits
	}
	var ee *exec.ExitError
	if !errors.As(err, &ee) {
		t.Fatalf("helper was not killed (%d of %d answered): %v; stderr:\n%s", len(got), len(todo), err, stderr.String())
	}
	if ws, ok := ee.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
		t.Fatalf("helper did not die of SIGKILL: %v; stderr:\n%s", err, stderr.String())
	}
	return got, commits
}

type ledgerCommits struct{ commits, commands int64 }

func TestCrashSoakMidBatch(t *testing.T) {
	kills := 3
	if s := os.Getenv("ENTRAIDE_CRASH_KILLS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			t.Fatalf("ENTRAIDE_CRASH_KILLS=%q: want a positive number", s)
		}
		kills = n
	}
	bin := buildEntraide(t)
	e := newCrashEnv(t, bin)
	// Each round answers a few lines more than the senders hold in flight
	// before the kill lands, so a batch is being written when it does.
	perRound := 2 * crashSenders
	// Lines answered after the kill signal count too: up to perRound
	// lines a round in all.
	n := (kills*perRound + 2*perRound + 4) / 5 * 5 // a multiple of 5: every balance ends at zero
	start := time.Now()
	entry := map[int]int64{} // line → its entry, once acknowledged
	batched := false
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 14))
	for k := 0; k < kills; k++ {
		var todo []int
		for i := range n {
			if _, ok := entry[i]; !ok {
				todo = append(todo, i)
			}
		}
		if len(todo) <= perRound {
			t.Fatalf("round %d: only %d lines left to send; the script is too short for %d kills", k, len(todo), kills)
		}
		killAfter := 1 + rng.IntN(perRound)
		got, commits := e.soakRound(t, todo, killAfter)
		if len(got) >= len(todo) {
			t.Fatalf("round %d: all %d lines were answered before the kill", k, len(todo))
		}
		for i, r := range got {
			if !r.replayed {
				checkGave(t, i, r)
			}
			if prev, ok := entry[i]; ok && prev != r.entry {
				t.Fatalf("line %d: acknowledged as #%d, then as #%d", i, prev, r.entry)
			}
			entry[i] = r.entry
		}
		if commits.commands > commits.commits {
			batched = true
		}
	}
	var todo []int
	for i := range n {
		if _, ok := entry[i]; !ok {
			todo = append(todo, i)
		}
	}
	got, _ := e.soakRound(t, todo, 0)
	for i, r := range got {
		if prev, ok := entry[i]; ok && prev != r.entry {
			t.Fatalf("line %d: acknowledged as #%d, then as #%d", i, prev, r.entry)
		}
		entry[i] = r.entry
	}
	if len(entry) != n {
		t.Fatalf("%d of %d lines answered in the end", len(entry), n)
	}
	if !batched {
		t.Error("no commit ever carried more than one command: the kills did not land in batches")
	}
	rows := e.exportRows(t)
	if len(rows) != n {
		t.Errorf("export has %d rows, want %d (lost or doubled)", len(rows), n)
	}
	notes := map[string]string{}
	for _, r := range rows {
		if _, dup := notes[r["note"]]; dup {
			t.Errorf("note %s is in the export twice", r["note"])
		}
		notes[r["note"]] = r["id"]
	}
	for i, id := range entry {
		if notes[crashNote(i)] != strconv.FormatInt(id, 10) {
			t.Errorf("line %d: acknowledged as #%d, exported as #%s", i, id, notes[crashNote(i)])
		}
	}
	e.checkVerify(t, n)
	t.Logf("%d SIGKILLs mid-load, %d gifts from %d senders; every line recorded once; took %v",
		kills, n, crashSenders, time.Since(start).Round(time.Millisecond))
}
