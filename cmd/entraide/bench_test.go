package main

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/entraide/entraide/bot"
	"github.com/entraide/entraide/ledger"
)

// runBench runs `entraide bench` with args in-process.
func runBench(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = run(t.Context(), append([]string{"bench"}, args...), stdio{
		in: strings.NewReader(""), out: &out, err: &errOut,
		lookupEnv: func(string) (string, bool) { return "", false },
	})
	return out.String(), errOut.String(), code
}

func TestBenchSmallRun(t *testing.T) {
	db := filepath.Join(t.TempDir(), "bench.db")
	out, errOut, code := runBench(t, "--members", "50", "--exchanges", "2000", "--ops", "120", "--gifts", "60", "--raw", "50",
		"--senders", "4", "--durability", "normal", "--db", db)
	if code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	num := `\d+(\.\d+)?`
	ms := num + `ms`
	for _, section := range []string{
		`seeding: +50 members, 2000 exchanges in ` + num + `s \(` + num + ` exchanges/s\)`,
		`start-up: +` + ms + ` \(ledger\.Open ` + ms + `, bot\.New ` + ms + `, first /balance ` + ms + `\) +target < 1s: (ok|MISSED)`,
		`(?m)commands: +4 senders, 120 commands in ` + num + `s$`,
		`/give +72 +0 +` + num + ` +` + ms + ` +` + ms,
		`/balance +24 +0 +` + num + ` +` + ms + ` +` + ms,
		`/history +24 +0 +` + num + ` +` + ms + ` +` + ms,
		`all +120 +0 +` + num + ` +` + ms + ` +` + ms,
		`CPU: \d+µs per command \(`,
		`gifts alone: 4 senders, 60 /give in ` + num + `s: ` + num + ` /give per second, p50 ` + ms + `, p99 ` + ms + `, 0 failed`,
		`CPU: \d+µs per gift \(`,
		`raw ceiling: ` + num + ` inserts/s, p50 ` + ms + `, p99 ` + ms + ` \(50 single-row inserts`,
		`group commit: 60 commands in \d+ commits, ` + num + ` per commit; \d+ background checkpoints`,
		`writer: busy \d+% of the time, \d+µs per commit, \d+µs per command`,
		`give ÷ raw: +` + num + ` .* target ≥ 0\.15: (ok|MISSED)`,
		`reads at 2000 exchanges: /balance p50 ` + ms + ` p99 ` + ms + `; /history p50 ` + ms + ` p99 ` + ms,
		`newsletter: +composed in ` + ms + ` \(median of 6, slowest ` + ms + `\) over 2000 exchanges, chart included +target < 200ms: (ok|MISSED)`,
		`peak RSS: +` + num + ` MiB`,
		`verify: +ok — 51 accounts, 2132 entries`, // seeded, 72 gifts in the mix, 60 alone
	} {
		if !regexp.MustCompile(section).MatchString(out) {
			t.Errorf("the report has no line matching %s\n%s", section, out)
		}
	}
	// --db without --keep: the file bench created is gone.
	if matches, _ := filepath.Glob(db + "*"); len(matches) != 0 {
		t.Errorf("bench left %v behind", matches)
	}
}

func TestBenchMixFlags(t *testing.T) {
	out, errOut, code := runBench(t, "--members", "10", "--exchanges", "0", "--ops", "10", "--gifts", "0", "--raw", "5",
		"--give", "0", "--balance", "0", "--history", "1", "--durability", "normal")
	if code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	// With nothing seeded, history is empty but answered; no /give ran.
	for _, want := range []string{"100% /history", "/history  10", "give ÷ raw:  n/a", "verify:      ok"} {
		if !strings.Contains(out, want) {
			t.Errorf("the report lacks %q\n%s", want, out)
		}
	}
}

func TestBenchBadFlags(t *testing.T) {
	existing := filepath.Join(t.TempDir(), "ledger.db")
	if _, out, code := runBench(t, "--members", "2", "--exchanges", "1", "--ops", "1", "--raw", "1", "--durability", "normal", "--db", existing, "--keep"); code != 0 {
		t.Fatalf("setup: exit %d: %s", code, out)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--members", "0"}, "--members must be at least 2"},
		{[]string{"--senders", "0"}, "--senders must be at least 1"},
		{[]string{"--ops", "-3"}, "--ops must be at least 1"},
		{[]string{"--raw", "0"}, "--raw must be at least 1"},
		{[]string{"--gifts", "-1"}, "--gifts must not be negative"},
		{[]string{"--exchanges", "-1"}, "--exchanges must not be negative"},
		{[]string{"--durability", "fast"}, `--durability must be full or normal, got "fast"`},
		{[]string{"--give", "0", "--balance", "0", "--history", "0"}, "weights are all zero"},
		{[]string{"--give", "-1"}, "must not be negative"},
		{[]string{"extra"}, `unexpected argument "extra"`},
		{[]string{"--members", "many"}, `invalid value "many" for flag -members`},
	} {
		out, errOut, code := runBench(t, tc.args...)
		if code == 0 || !strings.Contains(errOut, tc.want) {
			t.Errorf("bench %v: exit %d, stderr %q; want a failure saying %q", tc.args, code, errOut, tc.want)
		}
		if out != "" {
			t.Errorf("bench %v printed a report: %q", tc.args, out)
		}
	}
	// An existing file is never seeded over.
	_, errOut, code := runBench(t, "--db", existing)
	if code == 0 || !strings.Contains(errOut, "already exists") {
		t.Errorf("bench on an existing file: exit %d, stderr %q", code, errOut)
	}
}

func TestBenchPlanFollowsTheMix(t *testing.T) {
	cfg := benchConfig{members: 5, ops: 101, mix: [benchKinds]int{60, 20, 20}, seed: 3}
	var counts [benchKinds]int
	for _, op := range benchPlan(cfg) {
		counts[op.kind]++
		if op.msg.Sender.ID == "" || op.msg.ID == "" {
			t.Fatalf("incomplete message %+v", op.msg)
		}
		for _, m := range op.msg.Mentions {
			if m.User.ID == op.msg.Sender.ID {
				t.Fatalf("%s names its own sender", op.msg.Text)
			}
		}
	}
	if counts != [benchKinds]int{61, 20, 20} {
		t.Errorf("101 commands split %v, want [61 20 20]", counts)
	}
}

// benchCore is the real core on a ledger seeded once for a benchmark.
func benchCore(b *testing.B, d ledger.Durability, members, exchanges int) *bot.Bot {
	b.Helper()
	ctx := b.Context()
	db, err := ledger.Open(ctx, filepath.Join(b.TempDir(), "ledger.db"), ledger.Options{Durability: d})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	id, err := db.EnsureCommunity(ctx, benchCommunity().Slug)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := db.Seed(ctx, ledger.SeedOptions{Community: id, Platform: benchPlatform, Members: members,
		Exchanges: exchanges, Seed: 1, Start: time.Now(), Span: 365 * 24 * time.Hour}); err != nil {
		b.Fatal(err)
	}
	core, err := bot.New(ctx, bot.Options{Ledger: db, Communities: []*bot.Community{benchCommunity()}})
	if err != nil {
		b.Fatal(err)
	}
	return core
}

// The core's benchmarks run over 1,000 members and 100,000 exchanges; the
// seeding happens before b.Loop, which times only the loop.
const benchMembers, benchExchanges = 1000, 100_000

func BenchmarkGive(b *testing.B) {
	for _, d := range []ledger.Durability{ledger.DurabilityNormal, ledger.DurabilityFull} {
		b.Run(string(d), func(b *testing.B) {
			core := benchCore(b, d, benchMembers, benchExchanges)
			rng := rand.New(rand.NewPCG(1, 2))
			benchHandle(b, core, benchGive, func(i int) bot.Message {
				from := 1 + i%benchMembers
				to := 1 + (i+1+i/benchMembers)%benchMembers
				if to == from {
					to = 1 + to%benchMembers
				}
				return benchGiveMessage(fmt.Sprintf("b-%d", i), from, to, rng)
			})
		})
	}
}

func BenchmarkBalance(b *testing.B) {
	core := benchCore(b, ledger.DurabilityNormal, benchMembers, benchExchanges)
	benchHandle(b, core, benchBalance, func(i int) bot.Message { return benchBalanceMessage("", 1+i%benchMembers, 0) })
}

func BenchmarkHistory(b *testing.B) {
	core := benchCore(b, ledger.DurabilityNormal, benchMembers, benchExchanges)
	benchHandle(b, core, benchHistory, func(i int) bot.Message { return benchHistoryMessage("", 1+i%benchMembers, 1) })
}

// benchHandle times the core handling the message of each iteration i,
// failing on an answer that is not of the kind's.
func benchHandle(b *testing.B, core *bot.Bot, kind benchKind, message func(i int) bot.Message) {
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		m := message(i)
		if text, ok := benchCheck(kind, core.Handle(b.Context(), m)); !ok {
			b.Fatalf("%s → %s", m.Text, text)
		}
		i++
	}
}
