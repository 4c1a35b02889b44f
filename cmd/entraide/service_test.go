//go:build unix

package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/entraide/entraide/ledger"
	_ "github.com/mattn/go-sqlite3" // to age a ledger's schema as a newer binary would
)

// The service tests run the real binary, as a volunteer's server or the
// Docker image does: no terminal, a config file in its own folder, the
// working directory elsewhere, the environment as the only input.

// svc is one test's folder: the config lives in conf/, the process runs in
// work/ (as the image's WORKDIR /data and its /etc/entraide).
type svc struct {
	bin, conf, work, cfg string
}

func newSvc(t *testing.T, bin, yaml string) svc {
	t.Helper()
	dir := t.TempDir()
	s := svc{bin: bin, conf: filepath.Join(dir, "conf"), work: filepath.Join(dir, "work")}
	s.cfg = filepath.Join(s.conf, "config.yaml")
	for _, d := range []string{s.conf, s.work} {
		if err := os.MkdirAll(d, 0o750); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(s.cfg, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	return s
}

// svcConfig is a working config with a relative database path; extra is
// appended at the top level.
func svcConfig(extra string) string {
	return `database: ./data/ledger.db
log: {level: info, format: json}
communities:
  - id: coop
    language: en
    moderators: ["console:ana"]
console:
  members: [ana, bob, chloe]
` + extra
}

// command is the binary with args, run in work/ with ENTRAIDE_CONFIG
// naming the config and env added; no --config on the line.
func (s svc) command(ctx context.Context, env []string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, s.bin, args...)
	cmd.Dir = s.work
	cmd.Env = append(append(os.Environ(), "LANG=C", configEnv+"="+s.cfg), env...)
	return cmd
}

// run runs the binary to its end, stdin from /dev/null (no terminal).
func (s svc) run(t *testing.T, env []string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return runCmd(t, s.command(ctx, env, args...), "")
}

func runCmd(t *testing.T, cmd *exec.Cmd, stdin string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if stdin != "" {
		cmd.Stdin = strings.NewReader(stdin)
	}
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee) && ee.Exited():
		code = ee.ExitCode()
	default:
		t.Fatalf("%v: %v\n%s", cmd.Args, err, errb.String())
	}
	return out.String(), errb.String(), code
}

// chat says lines on the console, which must end well.
func (s svc) chat(t *testing.T, lines string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, stderr, code := runCmd(t, s.command(ctx, nil, "console"), lines)
	if code != 0 {
		t.Fatalf("console: exit %d: %s", code, stderr)
	}
	return out
}

// wantFail checks a refusal: a non-zero exit and stderr naming each of want.
func wantFail(t *testing.T, what string, stderr string, code int, want ...string) {
	t.Helper()
	if code == 0 {
		t.Errorf("%s: exit 0, want a failure; stderr %q", what, stderr)
	}
	for _, w := range want {
		if !strings.Contains(stderr, w) {
			t.Errorf("%s: stderr %q does not say %q", what, stderr, w)
		}
	}
}

// serving is a running "entraide console" whose input stays open.
type serving struct {
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	listen string // the bound /healthz and /metrics address, from the start-up line
	stderr *stderrLines
}

// stderrLines is the child's stderr, line by line as it comes, and all
// the lines read so far.
type stderrLines struct {
	lines chan string
	all   strings.Builder
}

func (s svc) serve(t *testing.T, ctx context.Context) *serving {
	t.Helper()
	cmd := s.command(ctx, nil, "console", "--log-level", "info")
	sv := &serving{cmd: cmd, stderr: &stderrLines{lines: make(chan string, 256)}}
	sv.stdin = startPiped(t, cmd, (*exec.Cmd).StderrPipe, sv.stderr.lines)
	t.Cleanup(func() {
		sv.stdin.Close()
		cmd.Wait()
	})
	for {
		select {
		case line, ok := <-sv.stderr.lines:
			if !ok {
				t.Fatalf("the bot stopped before its start-up line:\n%s", sv.stderr.all.String())
			}
			sv.stderr.all.WriteString(line + "\n")
			var start struct {
				Msg, Listen string
			}
			if json.Unmarshal([]byte(line), &start) == nil && start.Msg == "entraide started" {
				sv.listen = start.Listen
				return sv
			}
		case <-ctx.Done():
			t.Fatal("no start-up line")
		}
	}
}

// stop closes the console's input and waits for the stop line.
func (sv *serving) stop(t *testing.T) string {
	t.Helper()
	sv.stdin.Close()
	return sv.wait(t)
}

// terminate sends SIGTERM, as docker stop and systemctl stop do, and
// waits for the stop line.
func (sv *serving) terminate(t *testing.T) string {
	t.Helper()
	if err := sv.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	return sv.wait(t)
}

func (sv *serving) wait(t *testing.T) string {
	t.Helper()
	for line := range sv.stderr.lines {
		sv.stderr.all.WriteString(line + "\n")
	}
	if err := sv.cmd.Wait(); err != nil {
		t.Errorf("the bot exited with %v:\n%s", err, sv.stderr.all.String())
	}
	return sv.stderr.all.String()
}

// TestService builds the binary once for its parts.
func TestService(t *testing.T) {
	bin := buildEntraide(t)
	t.Run("FailsLoudly", func(t *testing.T) { serviceFailsLoudly(t, bin) })
	t.Run("PathsAndFlags", func(t *testing.T) { servicePathsAndFlags(t, bin) })
	t.Run("Restore", func(t *testing.T) { serviceRestore(t, bin) })
	t.Run("NewerSchemaRefused", func(t *testing.T) { serviceNewerSchemaRefused(t, bin) })
	t.Run("HealthAndMetrics", func(t *testing.T) { serviceHealthAndMetrics(t, bin) })
	t.Run("OneBotPerLedger", func(t *testing.T) { serviceOneBotPerLedger(t, bin) })
}

func serviceFailsLoudly(t *testing.T, bin string) {

	t.Run("UnsetVariable", func(t *testing.T) {
		s := newSvc(t, bin, svcConfig("matrix:\n  homeserver: https://matrix.example.org\n  user_id: \"@bot:example.org\"\n  access_token: ${MATRIX_TOKEN}\n"))
		_, stderr, code := s.run(t, nil, "run")
		wantFail(t, "run with ${MATRIX_TOKEN} unset", stderr, code, "matrix.access_token", "MATRIX_TOKEN", "not set")
		if _, err := os.Stat(filepath.Join(s.conf, "data")); err == nil {
			t.Error("a refused start created the database folder")
		}
	})

	t.Run("IncompletePlatformSection", func(t *testing.T) {
		s := newSvc(t, bin, svcConfig("matrix:\n  homeserver: https://matrix.example.org\n  access_token: ${MATRIX_TOKEN}\n"))
		_, stderr, code := s.run(t, []string{"MATRIX_TOKEN=secret-token"}, "run")
		wantFail(t, "run with matrix.user_id missing", stderr, code, "matrix", "incomplete", "matrix.user_id")
		if strings.Contains(stderr, "secret-token") {
			t.Errorf("the error shows the token: %q", stderr)
		}
		s = newSvc(t, bin, svcConfig("discord:\n  guilds: [\"123\"]\n"))
		_, stderr, code = s.run(t, nil, "run")
		wantFail(t, "run with discord.token missing", stderr, code, "discord", "incomplete", "discord.token")
	})

	t.Run("NoTerminal", func(t *testing.T) {
		s := newSvc(t, bin, svcConfig(""))
		_, stderr, code := s.run(t, nil, "run")
		wantFail(t, "run with no platform and no terminal", stderr, code, "no chat platform", "matrix:", "discord:", "--console")
		if _, err := os.Stat(filepath.Join(s.conf, "data", "ledger.db")); err == nil {
			t.Error("a refused start created the database")
		}
		// --console asks for the console chat: the input ends, so does the bot.
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		out, stderr, code := runCmd(t, s.command(ctx, nil, "run", "--console"), "/balance\n")
		if code != 0 || !strings.Contains(out, "Your balance") {
			t.Errorf("run --console: exit %d, stdout %q, stderr %q", code, out, stderr)
		}
	})

	t.Run("UnknownPlatform", func(t *testing.T) {
		for _, tc := range []struct{ line, want string }{
			{`rooms: ["irc:general"]`, `"irc"`},
			{`moderators: ["matirx:@ana:example.org"]`, "did you mean matrix:@ana:example.org?"},
		} {
			s := newSvc(t, bin, "communities:\n  - id: coop\n    "+tc.line+"\n")
			_, stderr, code := s.run(t, nil, "console")
			wantFail(t, tc.line, stderr, code, "communities[0]", tc.want, "console, matrix, discord")
		}
	})

	t.Run("Durations", func(t *testing.T) {
		// One grammar, the members' own, for every duration of the file.
		s := newSvc(t, bin, strings.Replace(svcConfig(""), "    language: en\n", `    language: en
    undo_window: 15min
    reminders: {grace: 1h30}
    decisions: {deadline: 2 semaines}
    conflicts: {check_in: 7d, inactive_after: 2 weeks}
`, 1))
		if _, stderr, code := s.run(t, nil, "console"); code != 0 {
			t.Errorf("durations in the chat's grammar refused: exit %d, %s", code, stderr)
		}
		for _, tc := range []struct{ line, want string }{
			{"undo_window: 15 minutes please", `communities[0]: undo_window: "15 minutes please" is not a duration like 15min, 1h30, 36h, 7d or 2 heures`},
			{"limits: {floor: -2000h}", `limits.floor: "-2000h" goes beyond the cap of 1000h`},
			{"undo_windw: 15min", "communities[0].undo_windw: unknown setting (line 3); did you mean communities[0].undo_window?"},
			{"rate_limit: {burst: lots}", "communities[0].rate_limit.burst: cannot unmarshal"},
		} {
			s := newSvc(t, bin, "communities:\n  - id: coop\n    "+tc.line+"\n")
			_, stderr, code := s.run(t, nil, "console")
			wantFail(t, tc.line, stderr, code, tc.want)
		}
	})
}

func servicePathsAndFlags(t *testing.T, bin string) {
	s := newSvc(t, bin, svcConfig(""))
	s.chat(t, "/give 2h @bob\n")
	// The database is relative to the config file's folder, not to the
	// working directory, and every tool finds it through ENTRAIDE_CONFIG.
	db := filepath.Join(s.conf, "data", "ledger.db")
	if _, err := os.Stat(db); err != nil {
		t.Fatalf("no ledger beside the config: %v", err)
	}
	if out, stderr, code := s.run(t, nil, "verify"); code != 0 || !strings.Contains(out, db+": ok") {
		t.Errorf("verify with no flag: exit %d, stdout %q, stderr %q", code, out, stderr)
	}
	// Flags anywhere: after the file as before it; the backup's folder is
	// created.
	backup := filepath.Join(s.work, "backups", "x.db")
	if out, stderr, code := s.run(t, nil, "backup", backup, "--log-level", "warn"); code != 0 || !strings.Contains(out, backup) {
		t.Errorf("backup FILE --log-level warn: exit %d, stdout %q, stderr %q", code, out, stderr)
	}
	other := filepath.Join(s.work, "other.db")
	if _, stderr, code := s.run(t, nil, "backup", other, "--db", db); code != 0 {
		t.Errorf("backup FILE --db X: exit %d, stderr %q", code, stderr)
	}
	if _, stderr, code := s.run(t, nil, "verify", "extra"); code != 2 || !strings.Contains(stderr, `unexpected argument "extra"`) {
		t.Errorf("verify extra: exit %d, stderr %q", code, stderr)
	}
	if out, _, code := s.run(t, nil, "version"); code != 0 || !regexp.MustCompile(`^entraide \S+ \(revision \S+.*go1\.\d+`).MatchString(out) {
		t.Errorf("version: exit %d, %q", code, out)
	}
}

func serviceRestore(t *testing.T, bin string) {
	s := newSvc(t, bin, svcConfig(""))
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	give := func(line string) {
		t.Helper()
		s.chat(t, line+"\n")
	}
	balances := func() string {
		t.Helper()
		out, stderr, code := s.run(t, nil, "balances", "--csv")
		if code != 0 {
			t.Fatalf("balances: exit %d: %s", code, stderr)
		}
		return out
	}
	give("/give 2h @bob")
	backup := filepath.Join(s.work, "b.db")
	if _, stderr, code := s.run(t, nil, "backup", backup); code != 0 {
		t.Fatalf("backup: %s", stderr)
	}
	atBackup := balances()
	give("/give 1h @chloe")

	// Refused while a bot serves the ledger: nothing changes.
	sv := s.serve(t, ctx)
	_, stderr, code := s.run(t, nil, "restore", backup)
	wantFail(t, "restore while the bot runs", stderr, code, "serving", "stop the bot first", "nothing was changed")
	if logs := sv.terminate(t); !strings.Contains(logs, `"msg":"entraide stopped","reason":"asked to stop (signal)"`) {
		t.Errorf("SIGTERM: no stop line saying why:\n%s", logs)
	}
	if got := balances(); got == atBackup {
		t.Error("a refused restore changed the ledger")
	}

	// A file that is no ledger is refused before anything moves.
	junk := filepath.Join(s.work, "junk.db")
	os.WriteFile(junk, []byte("not a database"), 0o600)
	_, stderr, code = s.run(t, nil, "restore", junk)
	wantFail(t, "restore of a broken file", stderr, code, "nothing was changed")

	out, stderr, code := s.run(t, nil, "restore", backup)
	if code != 0 {
		t.Fatalf("restore: exit %d, %s", code, stderr)
	}
	db := filepath.Join(s.conf, "data", "ledger.db")
	m := regexp.MustCompile(`the replaced ledger is kept at (\S+)`).FindStringSubmatch(out)
	if !strings.Contains(out, "restored "+backup+" into "+db+": verified, ") || m == nil {
		t.Fatalf("restore said %q", out)
	}
	if got := balances(); got != atBackup {
		t.Errorf("balances after restore:\n%s\nwant those of the backup:\n%s", got, atBackup)
	}
	// The replaced ledger, with its last gift, is kept and sound.
	out, stderr, code = s.run(t, nil, "export", "--db", m[1])
	if code != 0 || !strings.Contains(out, "chloe") {
		t.Errorf("the replaced ledger kept aside: exit %d, %q, %s", code, out, stderr)
	}
}

func serviceNewerSchemaRefused(t *testing.T, bin string) {
	s := newSvc(t, bin, svcConfig(""))
	s.chat(t, "/balance\n")
	db := filepath.Join(s.conf, "data", "ledger.db")
	known := ledger.KnownSchemaVersion()
	conn, err := sql.Open("sqlite3", db)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, 'from_the_future.sql', 0)", known+3); err != nil {
		t.Fatal(err)
	}
	conn.Close()
	for _, args := range [][]string{{"verify"}, {"run", "--console"}} {
		_, stderr, code := s.run(t, nil, args...)
		wantFail(t, fmt.Sprint(args), stderr, code, fmt.Sprintf("schema is version %d, newer than this binary's %d", known+3, known))
	}
}

func serviceHealthAndMetrics(t *testing.T, bin string) {
	s := newSvc(t, bin, svcConfig("http: {listen: \"127.0.0.1:0\"}\n"))
	// No listener configured: health says so.
	plain := newSvc(t, bin, svcConfig(""))
	_, stderr, code := plain.run(t, nil, "health")
	wantFail(t, "health with no listener", stderr, code, "http.listen is not set")

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	sv := s.serve(t, ctx)
	if !strings.HasPrefix(sv.listen, "127.0.0.1:") {
		t.Fatalf("start-up line gives listen %q", sv.listen)
	}
	for _, want := range []string{`"version":`, `"communities":["coop"]`, `"adapters":["console"]`, `"schema":`, `"durability":"full"`} {
		if !strings.Contains(sv.stderr.all.String(), want) {
			t.Errorf("start-up line lacks %s:\n%s", want, sv.stderr.all.String())
		}
	}
	url := "http://" + sv.listen
	fmt.Fprintln(sv.stdin, "/give 1h @bob")
	fmt.Fprintln(sv.stdin, "/give 0h @bob")
	fmt.Fprintln(sv.stdin, "/give 1h @bob") // the last line: once answered, the two before were too
	out, stderr, code := s.run(t, nil, "health", "--url", url+"/healthz")
	if code != 0 || !strings.Contains(out, `"status":"ok"`) || !strings.Contains(out, `"console":"connected"`) {
		t.Errorf("health while serving: exit %d, stdout %q, stderr %q", code, out, stderr)
	}
	var metrics string
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get(url + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		metrics = string(b)
		if strings.Contains(metrics, `entraide_commands_total{command="give",outcome="ok"} 2`) &&
			strings.Contains(metrics, "entraide_verify_ok 1") {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	for _, want := range []string{
		`entraide_commands_total{command="give",outcome="ok"} 2`,
		`entraide_commands_total{command="give",outcome="refused"} 1`,
		`entraide_command_duration_seconds_count{command="give"} 3`,
		`entraide_adapter_connected{platform="console"} 1`,
		`entraide_scheduled_jobs_due_total{job="verify"} 0`,
		`entraide_scheduled_jobs_late_total{job="decisions"} 0`,
		`entraide_ledger_entries 2`,
		"entraide_ledger_size_bytes ",
		"entraide_ledger_schema_version ",
		"entraide_verify_ok 1",
		"entraide_verify_timestamp_seconds 1", // a Unix time: the start-up check ran
		`entraide_adapter_reconnects_total{platform="console"} 0`,
		`entraide_platform_rate_limit_waits_total{platform="console"} 0`,
	} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	logs := sv.stop(t)
	if !strings.Contains(logs, `"msg":"entraide stopped"`) || !strings.Contains(logs, `"uptime_ms":`) {
		t.Errorf("no stop line with its uptime in milliseconds:\n%s", logs)
	}
	if strings.Contains(logs, "bob") {
		t.Errorf("logs at info name a member:\n%s", logs)
	}
	_, stderr, code = s.run(t, nil, "health", "--url", url+"/healthz")
	wantFail(t, "health once stopped", stderr, code, "does not answer")
}

// Two bots never serve one ledger: the second says which one is in use.
func serviceOneBotPerLedger(t *testing.T, bin string) {
	s := newSvc(t, bin, svcConfig(""))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	sv := s.serve(t, ctx)
	_, stderr, code := runCmd(t, s.command(ctx, nil, "console"), "/balance\n")
	wantFail(t, "a second bot on the ledger", stderr, code, "serving "+filepath.Join(s.conf, "data", "ledger.db"))
	if out, stderr, code := s.run(t, nil, "verify"); code != 0 {
		t.Errorf("verify beside the bot: exit %d, %q, %q", code, out, stderr)
	}
	sv.stop(t)
	s.chat(t, "/balance\n")
}
