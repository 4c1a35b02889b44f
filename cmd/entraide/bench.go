package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/entraide/entraide/bot"
	"github.com/entraide/entraide/ledger"
)

// Targets the report checks: /give against bare SQLite single-row
// inserts committed the same way (benchTargetRatio), its p99 at full
// durability, and the bot answering within a second of starting on a
// ledger of the benchmarked size.
const (
	benchTargetP99     = 10 * time.Millisecond
	benchTargetStartup = time.Second
)

// benchTargetRatio is the least /give per second may be, as a share of
// the raw ceiling measured in the same run. At full durability each raw
// insert waits for its own fsync while group commit lets concurrent gifts
// share one, so a gift must keep up with a bare insert; at normal
// durability nothing waits for the disk and the bot's own work counts.
func benchTargetRatio(d ledger.Durability) float64 {
	if d == ledger.DurabilityNormal {
		return 0.15
	}
	return 1.0
}

// benchPlatform is the platform and room the benchmark's messages come
// from; seeded identities live on it.
const benchPlatform = "bench"

// benchConfig is what the bench flags say.
type benchConfig struct {
	db         string
	keep       bool
	members    int
	exchanges  int
	senders    int
	ops        int
	gifts      int             // driven alone, after the mix
	mix        [benchKinds]int // weights of /give, /balance, /history
	durability ledger.Durability
	raw        int
	seed       int64
	cpuProfile string
}

type benchKind int

const (
	benchGive benchKind = iota
	benchBalance
	benchHistory
	benchKinds
)

func (k benchKind) String() string { return [...]string{"/give", "/balance", "/history"}[k] }

// cmdBench seeds a ledger, starts the real core on it, drives commands
// from concurrent senders and prints throughput, latencies, the raw SQLite
// ceiling on the same disk, memory, and the ledger's verification.
func cmdBench(ctx context.Context, args []string, io stdio) error {
	cfg, err := parseBenchFlags(args, io)
	if err != nil {
		return err
	}

	// The database is new: seeding into an existing ledger would collide
	// with its members, and a benchmark must not touch real data.
	path, cleanup, err := benchPath(cfg)
	if err != nil {
		return err
	}
	defer cleanup()
	out := io.out
	total := cfg.mix[benchGive] + cfg.mix[benchBalance] + cfg.mix[benchHistory]
	fmt.Fprintf(out, "entraide bench: %d members, %d exchanges, %d senders, %d commands (%s), then %d gifts alone, durability %s, seed %d\n",
		cfg.members, cfg.exchanges, cfg.senders, cfg.ops, benchMixText(cfg.mix, total), cfg.gifts, cfg.durability, cfg.seed)
	fmt.Fprintf(out, "database: %s\n\n", path)

	// Seeding.
	seeded, err := benchSeed(ctx, cfg, path)
	if err != nil {
		return err
	}
	size := benchFileSize(path)
	fmt.Fprintf(out, "seeding:     %d members, %d exchanges in %s (%.0f exchanges/s); file %.1f MiB\n",
		seeded.Members, seeded.Exchanges, fmtSeconds(seeded.Took), float64(seeded.Exchanges)/seeded.Took.Seconds(), size)

	// Seeding's page cache is no part of what serving needs: the peak is
	// read now and the kernel's high-water mark reset, where it can be.
	rssAll := benchMaxRSS()
	rssReset := benchResetPeakRSS()

	// Start-up: what a restart costs before the first member is answered.
	opts := ledger.Options{Durability: cfg.durability}
	t0 := time.Now()
	db, err := ledger.Open(ctx, path, opts)
	if err != nil {
		return err
	}
	defer db.Close()
	tOpen := time.Since(t0)
	b, err := bot.New(ctx, bot.Options{Ledger: db, Communities: []*bot.Community{benchCommunity()}})
	if err != nil {
		return err
	}
	tNew := time.Since(t0)
	first := benchBalanceMessage("startup", 1, 0)
	if text, ok := benchCheck(benchBalance, b.Handle(ctx, first)); !ok {
		return fmt.Errorf("the first /balance failed: %q", text)
	}
	startup := time.Since(t0)
	fmt.Fprintf(out, "start-up:    %s (ledger.Open %s, bot.New %s, first /balance %s)   target < %s: %s\n",
		fmtMillis(startup), fmtMillis(tOpen), fmtMillis(tNew-tOpen), fmtMillis(startup-tNew),
		benchTargetStartup, okOrMissed(startup < benchTargetStartup))

	if cfg.cpuProfile != "" {
		stop, err := startCPUProfile(cfg.cpuProfile)
		if err != nil {
			return err
		}
		defer stop()
	}

	// The mix: what members typing at once cost, command by command.
	plan := benchPlan(cfg)
	run := newBenchRun(plan)
	for r := range benchRounds {
		lo, hi := r*len(plan)/benchRounds, (r+1)*len(plan)/benchRounds
		if err := run.drive(ctx, b, lo, hi, cfg.senders); err != nil {
			return err
		}
	}
	fmt.Fprintf(out, "\ncommands:    %d senders, %d commands in %s\n", cfg.senders, len(plan), fmtSeconds(run.wall))
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "  command\tcount\tfailed\tcmds/s\tp50\tp99\t")
	for k := range benchKinds + 1 { // the kinds, then all of them together
		s := run.stats(k)
		if s.count == 0 && k != benchKinds {
			continue
		}
		name := "all"
		if k < benchKinds {
			name = k.String()
		}
		fmt.Fprintf(tw, "  %s\t%d\t%d\t%.1f\t%s\t%s\t\n", name, s.count, s.failed, s.perSecond, fmtMillis(s.p50), fmtMillis(s.p99))
	}
	tw.Flush()
	run.printCPU(out, "command")

	// Gifts alone against the raw ceiling: a raw insert has the cores to
	// itself, so /give is measured with nothing else asked of the bot.
	// The raw inserts are made on the same filesystem, interleaved with
	// the gifts in rounds: the speed of a disk shared with other work
	// drifts within a run (fsync latency may double from one minute to
	// the next), and the ratio must compare the two under the same
	// conditions, not depend on the moment each was taken.
	gifts, raw, commits, err := benchGiftsAlone(ctx, cfg, db, b, filepath.Dir(path))
	if err != nil {
		return err
	}
	givesAlone := gifts.stats(benchGive)
	fmt.Fprintf(out, "\ngifts alone: %d senders, %d /give in %s: %.1f /give per second, p50 %s, p99 %s, %d failed\n",
		cfg.senders, givesAlone.count, fmtSeconds(gifts.wall), givesAlone.perSecond, fmtMillis(givesAlone.p50), fmtMillis(givesAlone.p99), givesAlone.failed)
	gifts.printCPU(out, "gift")
	fmt.Fprintf(out, "raw ceiling: %.1f inserts/s, p50 %s, p99 %s (%d single-row inserts, each its own transaction, between the rounds)\n",
		raw.PerSecond, fmtMillis(raw.P50), fmtMillis(raw.P99), raw.Inserts)
	if commits.Commits > 0 {
		fmt.Fprintf(out, "group commit: %d commands in %d commits, %.2f per commit; %d background checkpoints\n",
			commits.Commands, commits.Commits, float64(commits.Commands)/float64(commits.Commits), commits.Checkpoints)
		fmt.Fprintf(out, "  writer: busy %.0f%% of the time, %s per commit, %s per command\n",
			100*commits.WriterBusy.Seconds()/gifts.wall.Seconds(), fmtMicros(commits.WriterBusy/time.Duration(commits.Commits)),
			fmtMicros(commits.WriterBusy/time.Duration(commits.Commands)))
	}
	if givesAlone.count > 0 {
		ratio, target := givesAlone.perSecond/raw.PerSecond, benchTargetRatio(cfg.durability)
		fmt.Fprintf(out, "give ÷ raw:  %.2f (%.1f /give per second ÷ %.1f raw inserts per second)   target ≥ %.2f: %s\n",
			ratio, givesAlone.perSecond, raw.PerSecond, target, okOrMissed(ratio >= target))
		if cfg.durability == ledger.DurabilityFull {
			fmt.Fprintf(out, "give p99:    %s with %d senders   target < %s: %s\n", fmtMillis(givesAlone.p99), cfg.senders,
				benchTargetP99, okOrMissed(givesAlone.p99 < benchTargetP99))
		}
	} else {
		fmt.Fprintf(out, "give ÷ raw:  n/a (no /give driven)\n")
	}

	// Reads at this size.
	bal, hist := run.stats(benchBalance), run.stats(benchHistory)
	fmt.Fprintf(out, "reads at %d exchanges: /balance p50 %s p99 %s; /history p50 %s p99 %s\n",
		seeded.Exchanges, fmtMillis(bal.p50), fmtMillis(bal.p99), fmtMillis(hist.p50), fmtMillis(hist.p99))

	// The newsletter is composed from aggregates over the period and the
	// last 12 weeks; its cost must not follow the size of the journal.
	if err := benchNewsletter(ctx, out, b, seeded.Exchanges); err != nil {
		return err
	}

	// Memory.
	if rssReset {
		fmt.Fprintf(out, "peak RSS:    %.1f MiB while serving; %.1f MiB for the whole run, seeding included\n", benchMaxRSS(), max(rssAll, benchMaxRSS()))
	} else {
		fmt.Fprintf(out, "peak RSS:    %.1f MiB for the whole run, seeding included\n", benchMaxRSS())
	}

	// Verification: the load must leave the ledger exact.
	rep, err := db.Verify(ctx)
	if err != nil {
		return err
	}
	failed := run.stats(benchKinds).failed + givesAlone.failed
	wantEntries := seeded.Exchanges + run.stats(benchGive).count - run.stats(benchGive).failed + givesAlone.count - givesAlone.failed
	switch {
	case !rep.OK():
		fmt.Fprintf(out, "verify:      FAILED — %d problem(s)\n", len(rep.Problems))
		for _, p := range rep.Problems {
			fmt.Fprintf(out, "  PROBLEM: %s\n", p)
		}
	case rep.Exchanges != wantEntries:
		fmt.Fprintf(out, "verify:      FAILED — %d entries, want %d (seeded plus accepted gifts)\n", rep.Exchanges, wantEntries)
	default:
		fmt.Fprintf(out, "verify:      ok — %d accounts, %d entries; every balance equals its entries\n", rep.Accounts, rep.Exchanges)
	}
	if failed > 0 {
		fmt.Fprintf(out, "\nfailed commands: %d; the first answers were:\n", failed)
		for _, f := range append(run.firstFailures, gifts.firstFailures...) {
			fmt.Fprintf(out, "  %s\n", f)
		}
	}
	if cfg.keep {
		fmt.Fprintf(out, "\nkept: %s\n", path)
	}
	if !rep.OK() || rep.Exchanges != wantEntries || failed > 0 {
		return errFailed
	}
	return nil
}

func parseBenchFlags(args []string, io stdio) (benchConfig, error) {
	fs := flag.NewFlagSet("entraide bench", flag.ContinueOnError)
	fs.SetOutput(io.err)
	var cfg benchConfig
	var durability string
	fs.StringVar(&cfg.db, "db", "", "SQLite file to create (default: one in a new temporary directory); it must not exist")
	fs.BoolVar(&cfg.keep, "keep", false, "keep the database afterwards instead of removing it")
	fs.IntVar(&cfg.members, "members", 10000, "members to seed (at least 2)")
	fs.IntVar(&cfg.exchanges, "exchanges", 1000000, "exchanges to seed before measuring")
	fs.IntVar(&cfg.senders, "senders", 8, "members sending commands at the same time")
	fs.IntVar(&cfg.ops, "ops", 3000, "commands to drive in total, split by the mix")
	fs.IntVar(&cfg.gifts, "gifts", 3000, "gifts to drive alone afterwards, against the raw ceiling (0: none)")
	fs.IntVar(&cfg.mix[benchGive], "give", 60, "weight of /give in the mix")
	fs.IntVar(&cfg.mix[benchBalance], "balance", 20, "weight of /balance in the mix")
	fs.IntVar(&cfg.mix[benchHistory], "history", 20, "weight of /history in the mix")
	fs.StringVar(&durability, "durability", string(ledger.DurabilityFull), "full (fsync every commit) or normal")
	fs.IntVar(&cfg.raw, "raw", 2000, "single-row inserts that measure the raw SQLite ceiling")
	fs.Int64Var(&cfg.seed, "seed", 1, "random seed of the ledger and of the commands")
	fs.StringVar(&cfg.cpuProfile, "cpuprofile", "", "write a CPU profile of the commands (not of the seeding) to this file, for go tool pprof")
	if err := parseFlags(fs, args); err != nil {
		return cfg, err
	}
	cfg.durability = ledger.Durability(durability)
	var problem string
	switch {
	case cfg.members < 2:
		problem = fmt.Sprintf("--members must be at least 2 (a gift needs a giver and a receiver), got %d", cfg.members)
	case cfg.exchanges < 0:
		problem = fmt.Sprintf("--exchanges must not be negative, got %d", cfg.exchanges)
	case cfg.senders < 1:
		problem = fmt.Sprintf("--senders must be at least 1, got %d", cfg.senders)
	case cfg.ops < 1:
		problem = fmt.Sprintf("--ops must be at least 1, got %d", cfg.ops)
	case cfg.gifts < 0:
		problem = fmt.Sprintf("--gifts must not be negative, got %d", cfg.gifts)
	case cfg.raw < 1:
		problem = fmt.Sprintf("--raw must be at least 1, got %d", cfg.raw)
	case cfg.durability != ledger.DurabilityFull && cfg.durability != ledger.DurabilityNormal:
		problem = fmt.Sprintf("--durability must be full or normal, got %q", durability)
	case cfg.mix[benchGive] < 0 || cfg.mix[benchBalance] < 0 || cfg.mix[benchHistory] < 0:
		problem = "--give, --balance and --history weights must not be negative"
	case cfg.mix[benchGive]+cfg.mix[benchBalance]+cfg.mix[benchHistory] == 0:
		problem = "--give, --balance and --history weights are all zero: nothing to drive"
	}
	if problem != "" {
		fmt.Fprintf(io.err, "entraide bench: %s\n", problem)
		return cfg, errUsage
	}
	return cfg, nil
}

// benchPath chooses the database file and returns what removes it.
func benchPath(cfg benchConfig) (string, func(), error) {
	if cfg.db == "" {
		dir, err := os.MkdirTemp("", "entraide-bench-*")
		if err != nil {
			return "", nil, err
		}
		path := filepath.Join(dir, "ledger.db")
		if cfg.keep {
			return path, func() {}, nil
		}
		return path, func() { os.RemoveAll(dir) }, nil
	}
	if _, err := os.Stat(cfg.db); err == nil {
		return "", nil, fmt.Errorf("%s already exists: bench seeds a new ledger, name a file that does not exist", cfg.db)
	} else if !errors.Is(err, os.ErrNotExist) {
		return "", nil, err
	}
	if cfg.keep {
		return cfg.db, func() {}, nil
	}
	return cfg.db, func() {
		for _, p := range []string{cfg.db, cfg.db + "-wal", cfg.db + "-shm"} {
			os.Remove(p)
		}
	}, nil
}

// benchCommunity is the community commands are driven in: English, UTC,
// no limit a gift could reach, and no flood limit, so that every command
// does its full work and none is refused.
func benchCommunity() *bot.Community {
	return &bot.Community{
		Slug:       "bench",
		Name:       "Bench",
		Language:   "en",
		Location:   time.UTC,
		Limits:     ledger.NoLimits(),
		UndoWindow: 5 * time.Minute,
		Categories: bot.DefaultCategories(),
		Rooms:      []string{benchPlatform + ":*"},
	}
}

// benchSeed creates the ledger, its community and its journal, and closes
// it, so that the start-up measured next opens a file at rest.
func benchSeed(ctx context.Context, cfg benchConfig, path string) (ledger.SeedResult, error) {
	start := time.Now()
	db, err := ledger.Open(ctx, path, ledger.Options{Durability: cfg.durability})
	if err != nil {
		return ledger.SeedResult{}, err
	}
	id, err := db.EnsureCommunity(ctx, benchCommunity().Slug)
	if err != nil {
		db.Close()
		return ledger.SeedResult{}, err
	}
	res, err := db.Seed(ctx, ledger.SeedOptions{
		Community: id, Platform: benchPlatform, Members: cfg.members, Exchanges: cfg.exchanges,
		Seed: cfg.seed, Start: time.Now(), Span: 365 * 24 * time.Hour,
	})
	if err != nil {
		db.Close()
		return res, fmt.Errorf("seed: %w", err)
	}
	// Closing checkpoints the WAL into the database file: part of what
	// seeding costs, and the start-up measured next opens a file at rest.
	if err := db.Close(); err != nil {
		return res, err
	}
	res.Took = time.Since(start)
	return res, nil
}

// benchMember is the mention of seeded member n.
func benchMember(n int) bot.Mention {
	id := ledger.SeedUserID(n)
	return bot.Mention{Text: "@" + id, User: bot.User{ID: id, Name: ledger.SeedUserName(n)}}
}

func benchMessage(id string, from int, text string, mentions ...bot.Mention) bot.Message {
	return bot.Message{
		ID:       id,
		Platform: benchPlatform,
		Room:     benchPlatform,
		Sender:   bot.User{ID: ledger.SeedUserID(from), Name: ledger.SeedUserName(from)},
		Text:     text,
		Mentions: mentions,
	}
}

var benchAmounts = []string{"15m", "30m", "45min", "1h", "1h30", "2h"}

// benchGiveMessage is member from giving to member to, as typed in chat.
func benchGiveMessage(id string, from, to int, rng *rand.Rand) bot.Message {
	m := benchMember(to)
	cat := bot.DefaultCategories()[rng.IntN(6)].Name("en")
	text := fmt.Sprintf("/give %s %s for bench #%s", benchAmounts[rng.IntN(len(benchAmounts))], m.Text, cat)
	return benchMessage(id, from, text, m)
}

// benchBalanceMessage asks member from's balance, or other's when other > 0.
func benchBalanceMessage(id string, from, other int) bot.Message {
	if other > 0 {
		m := benchMember(other)
		return benchMessage(id, from, "/balance "+m.Text, m)
	}
	return benchMessage(id, from, "/balance")
}

// benchHistoryMessage asks a page of member from's history.
func benchHistoryMessage(id string, from, page int) bot.Message {
	if page > 1 {
		return benchMessage(id, from, fmt.Sprintf("/history %d", page))
	}
	return benchMessage(id, from, "/history")
}

// benchCheck tells an answer from a refusal: each command has one reply,
// and its text says what a successful one says.
func benchCheck(kind benchKind, replies []bot.Reply) (string, bool) {
	if len(replies) != 1 {
		texts := make([]string, len(replies))
		for i, r := range replies {
			texts[i] = r.Text
		}
		return fmt.Sprintf("%d replies: %q", len(replies), texts), false
	}
	text := replies[0].Text
	switch kind {
	case benchGive:
		return text, strings.Contains(text, " gave ")
	case benchBalance:
		return text, strings.Contains(text, "balance: ")
	default:
		return text, strings.HasPrefix(text, "History of ") || strings.Contains(text, "no exchanges yet") ||
			strings.HasPrefix(text, "There is no page ")
	}
}

type benchOp struct {
	kind benchKind
	msg  bot.Message
}

// benchPlan draws the commands: the mix's shares exactly, in a random
// order, from random senders to random other members.
func benchPlan(cfg benchConfig) []benchOp {
	rng := rand.New(rand.NewPCG(uint64(cfg.seed), 0x62656e6368)) // "bench"
	total := cfg.mix[benchGive] + cfg.mix[benchBalance] + cfg.mix[benchHistory]
	// Each kind gets its share rounded down; what rounding leaves goes one
	// by one to the kinds in the mix, writes first.
	var counts [benchKinds]int
	left := cfg.ops
	for k, w := range cfg.mix {
		counts[k] = cfg.ops * w / total
		left -= counts[k]
	}
	for k := 0; left > 0; k = (k + 1) % int(benchKinds) {
		if cfg.mix[k] > 0 {
			counts[k]++
			left--
		}
	}
	kinds := make([]benchKind, 0, cfg.ops)
	for k, n := range counts {
		for range n {
			kinds = append(kinds, benchKind(k))
		}
	}
	rng.Shuffle(len(kinds), func(i, j int) { kinds[i], kinds[j] = kinds[j], kinds[i] })

	// A run ID keeps event IDs unique should two runs share a file.
	runID := fmt.Sprintf("%x", rand.Uint64())
	plan := make([]benchOp, len(kinds))
	for i, k := range kinds {
		id := fmt.Sprintf("bench-%s-%d", runID, i)
		from := 1 + rng.IntN(cfg.members)
		other := 1 + rng.IntN(cfg.members-1)
		if other >= from {
			other++
		}
		switch k {
		case benchGive:
			plan[i] = benchOp{k, benchGiveMessage(id, from, other, rng)}
		case benchBalance:
			if rng.IntN(4) > 0 {
				other = 0 // mostly one's own balance
			}
			plan[i] = benchOp{k, benchBalanceMessage(id, from, other)}
		case benchHistory:
			page := 1
			if rng.IntN(4) == 0 {
				page = 2
			}
			plan[i] = benchOp{k, benchHistoryMessage(id, from, page)}
		}
	}
	return plan
}

// benchRun is what driving the plan measured.
type benchRun struct {
	plan          []benchOp
	latency       []time.Duration
	ok            []bool
	texts         []string
	wall          time.Duration // the rounds' total
	cpu           time.Duration // the process's CPU time during the rounds
	firstFailures []string
}

type benchStats struct {
	count, failed int
	perSecond     float64
	p50, p99      time.Duration
}

// stats summarises one kind of command, or all of them for benchKinds.
func (r *benchRun) stats(kind benchKind) benchStats {
	var s benchStats
	var lat []time.Duration
	for i, op := range r.plan {
		if kind != benchKinds && op.kind != kind {
			continue
		}
		s.count++
		if !r.ok[i] {
			s.failed++
		}
		lat = append(lat, r.latency[i])
	}
	slices.Sort(lat)
	s.perSecond = float64(s.count) / r.wall.Seconds()
	s.p50, s.p99 = benchPercentile(lat, 0.50), benchPercentile(lat, 0.99)
	return s
}

// benchGiftsAlone drives cfg.gifts gifts from cfg.senders senders in
// rounds, with cfg.raw raw inserts measured between them, and counts the
// group commits the gifts made.
func benchGiftsAlone(ctx context.Context, cfg benchConfig, db *ledger.DB, b *bot.Bot, dir string) (*benchRun, ledger.RawResult, ledger.CommitStats, error) {
	giftsCfg := cfg
	giftsCfg.ops, giftsCfg.mix, giftsCfg.seed = cfg.gifts, [benchKinds]int{benchGive: 1}, cfg.seed+1
	var plan []benchOp
	if cfg.gifts > 0 {
		plan = benchPlan(giftsCfg)
	}
	run := newBenchRun(plan)
	rawDir, err := os.MkdirTemp(dir, "entraide-raw-*")
	if err != nil {
		return nil, ledger.RawResult{}, ledger.CommitStats{}, err
	}
	defer os.RemoveAll(rawDir)
	before := db.CommitStats()
	var raws []ledger.RawResult
	for r := range benchRounds {
		if n := share(cfg.raw, r, benchRounds); n > 0 {
			res, err := ledger.MeasureRawInserts(ctx, rawDir, n, cfg.durability)
			if err != nil {
				return nil, ledger.RawResult{}, ledger.CommitStats{}, fmt.Errorf("raw ceiling: %w", err)
			}
			raws = append(raws, res)
		}
		lo := r * len(plan) / benchRounds
		if err := run.drive(ctx, b, lo, lo+share(len(plan), r, benchRounds), cfg.senders); err != nil {
			return nil, ledger.RawResult{}, ledger.CommitStats{}, err
		}
	}
	after := db.CommitStats()
	return run, poolRaw(raws), ledger.CommitStats{
		Commits:     after.Commits - before.Commits,
		Commands:    after.Commands - before.Commands,
		Checkpoints: after.Checkpoints - before.Checkpoints,
		WriterBusy:  after.WriterBusy - before.WriterBusy,
	}, nil
}

// printCPU says how much process CPU time each command of the run took.
func (run *benchRun) printCPU(out io.Writer, what string) {
	if len(run.plan) == 0 || run.wall <= 0 {
		return
	}
	fmt.Fprintf(out, "  CPU: %s per %s (%s of process CPU time over %s: %.2f of %d cores busy)\n",
		fmtMicros(run.cpu/time.Duration(len(run.plan))), what, fmtSeconds(run.cpu), fmtSeconds(run.wall),
		run.cpu.Seconds()/run.wall.Seconds(), runtime.NumCPU())
}

// benchRounds is how many slices the commands and the raw inserts are
// interleaved in.
const benchRounds = 10

// share is round r's part of n split into rounds parts.
func share(n, r, rounds int) int { return (r+1)*n/rounds - r*n/rounds }

func newBenchRun(plan []benchOp) *benchRun {
	return &benchRun{plan: plan, latency: make([]time.Duration, len(plan)), ok: make([]bool, len(plan)), texts: make([]string, len(plan))}
}

// drive hands plan[lo:hi] to senders goroutines, each taking the next
// command as soon as it has its answer, as members typing at once would.
func (run *benchRun) drive(ctx context.Context, b *bot.Bot, lo, hi, senders int) error {
	var next atomic.Int64
	next.Store(int64(lo))
	var wg sync.WaitGroup
	start, cpu := time.Now(), benchCPU()
	for range senders {
		wg.Go(func() {
			for ctx.Err() == nil {
				i := int(next.Add(1) - 1)
				if i >= hi {
					return
				}
				op := run.plan[i]
				t := time.Now()
				replies := b.Handle(ctx, op.msg)
				run.latency[i] = time.Since(t)
				run.texts[i], run.ok[i] = benchCheck(op.kind, replies)
			}
		})
	}
	wg.Wait()
	run.wall += time.Since(start)
	run.cpu += benchCPU() - cpu
	if err := ctx.Err(); err != nil {
		return err
	}
	for i := lo; i < hi; i++ {
		if !run.ok[i] && len(run.firstFailures) < 5 {
			run.firstFailures = append(run.firstFailures, fmt.Sprintf("%q → %q", run.plan[i].msg.Text, run.texts[i]))
		}
	}
	return nil
}

// poolRaw combines raw measurements into one.
func poolRaw(rs []ledger.RawResult) ledger.RawResult {
	var p ledger.RawResult
	for _, r := range rs {
		p.Inserts += r.Inserts
		p.Took += r.Took
		p.Latencies = append(p.Latencies, r.Latencies...)
	}
	slices.Sort(p.Latencies)
	p.PerSecond = float64(p.Inserts) / p.Took.Seconds()
	p.P50, p.P99 = benchPercentile(p.Latencies, 0.50), benchPercentile(p.Latencies, 0.99)
	return p
}

// benchPercentile is the q-quantile of sorted latencies by nearest rank.
func benchPercentile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(math.Ceil(float64(len(sorted))*q)) - 1
	return sorted[max(0, min(rank, len(sorted)-1))]
}

func benchMixText(mix [benchKinds]int, total int) string {
	var parts []string
	for k, w := range mix {
		if w > 0 {
			parts = append(parts, fmt.Sprintf("%.0f%% %s", 100*float64(w)/float64(total), benchKind(k)))
		}
	}
	return strings.Join(parts, ", ")
}

// benchCPU is the CPU time the process has used (user and system). Per
// command, it tells the work done even when neighbours share the cores
// and the wall clock counts their work too.
func benchCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// benchMaxRSS is the process's peak resident memory in MiB.
func benchMaxRSS() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	if runtime.GOOS == "darwin" {
		return float64(ru.Maxrss) / (1 << 20) // bytes there
	}
	return float64(ru.Maxrss) / 1024 // KiB on Linux and the BSDs
}

// benchResetPeakRSS resets the kernel's record of peak memory, so that the
// peak read afterwards is the serving phase's alone. Only Linux can.
func benchResetPeakRSS() bool {
	if runtime.GOOS != "linux" {
		return false
	}
	return os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) == nil
}

func benchFileSize(path string) float64 {
	var n int64
	for _, p := range []string{path, path + "-wal"} {
		if st, err := os.Stat(p); err == nil {
			n += st.Size()
		}
	}
	return float64(n) / (1 << 20)
}

// startCPUProfile profiles the process into path until stop is called.
func startCPUProfile(path string) (stop func(), err error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}

func fmtMillis(d time.Duration) string {
	return fmt.Sprintf("%.2fms", float64(d)/float64(time.Millisecond))
}

func fmtMicros(d time.Duration) string {
	return fmt.Sprintf("%.0fµs", float64(d)/float64(time.Microsecond))
}

func fmtSeconds(d time.Duration) string { return fmt.Sprintf("%.2fs", d.Seconds()) }

func okOrMissed(ok bool) string {
	if ok {
		return "ok"
	}
	return "MISSED"
}

// benchNewsletterTarget is the longest a newsletter may take to compose.
const benchNewsletterTarget = 200 * time.Millisecond

// benchNewsletter composes the newsletter (Markdown and HTML, chart
// included) a few times and prints the median and slowest.
func benchNewsletter(ctx context.Context, out io.Writer, b *bot.Bot, exchanges int) error {
	var took []time.Duration
	for i := 0; i < 6; i++ {
		format := bot.NewsletterMarkdown
		if i%2 == 1 {
			format = bot.NewsletterHTML
		}
		start := time.Now()
		n, err := b.ComposeNewsletter(ctx, benchCommunity().Slug, format)
		if err != nil {
			return fmt.Errorf("newsletter: %w", err)
		}
		took = append(took, time.Since(start))
		if len(n.PNG) == 0 {
			return fmt.Errorf("newsletter: no chart was drawn")
		}
	}
	slices.Sort(took)
	median := took[len(took)/2]
	fmt.Fprintf(out, "newsletter:  composed in %s (median of %d, slowest %s) over %d exchanges, chart included   target < %s: %s\n",
		fmtMillis(median), len(took), fmtMillis(took[len(took)-1]), exchanges, benchNewsletterTarget, okOrMissed(median < benchNewsletterTarget))
	return nil
}
