package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/entraide/entraide/bot"
	"github.com/entraide/entraide/ledger"
)

// stdio is the process's world, injectable for tests.
type stdio struct {
	in        io.Reader
	out, err  io.Writer
	lookupEnv func(string) (string, bool)
	// discord carries the Discord adapter's requests; nil is the internet.
	discord *http.Client
	// clock is the ledger's and the bot's time, nil for the real one;
	// ticks, when set, run the bot's timed work besides the scheduler's
	// minutes. Tests move time with both.
	clock func() time.Time
	ticks <-chan time.Time
}

// now is the clock the tools and the bot run on.
func (io stdio) now() func() time.Time {
	if io.clock != nil {
		return io.clock
	}
	return time.Now
}

type subcommand struct {
	name    string
	summary string
	run     func(ctx context.Context, args []string, io stdio) error
}

func subcommands() []subcommand {
	return []subcommand{
		{"run", "start the adapters enabled in config (the console chat when none is)", cmdRun},
		{"console", "chat with the bot on standard input and output", cmdConsole},
		{"balances", "print every account's balance", cmdBalances},
		{"export", "print every ledger entry", cmdExport},
		{"verify", "check every ledger invariant; exit status 0 only when all hold", cmdVerify},
		{"backup", "write a consistent copy of the live database to FILE", cmdBackup},
		{"restore", "replace the ledger by a verified BACKUP (the bot must be stopped); the replaced file is kept aside", cmdRestore},
		{"health", "ask the running bot's /healthz; exit status 0 only when it is ready", cmdHealth},
		{"version", "print the version and the VCS revision of this binary", cmdVersion},
		{"bench", "seed a ledger and measure commands per second and latencies", cmdBench},
		{"newsletter", "print a community's next newsletter issue (markdown or html) without sending it", cmdNewsletter},
		{"discord", "discord commands: print the slash commands registered in each guild, as the JSON sent", cmdDiscord},
	}
}

// errUsage marks a command-line mistake: the usage was already printed.
var errUsage = errors.New("usage")

// errFailed says the command printed its own failure (verify found problems).
var errFailed = errors.New("failed")

// errNotLedger says the command printed that its file is not a ledger or
// cannot be read (verify exits 2 then).
var errNotLedger = errors.New("not a ledger")

func run(ctx context.Context, args []string, io stdio) int {
	name := "run"
	if len(args) > 0 && (!strings.HasPrefix(args[0], "-") || args[0] == "-h" || args[0] == "--help") {
		name, args = args[0], args[1:]
	}
	if name == "help" || name == "-h" || name == "--help" {
		usage(io.out)
		return 0
	}
	for _, sc := range subcommands() {
		if sc.name != name {
			continue
		}
		err := sc.run(ctx, args, io)
		switch {
		case err == nil:
			return 0
		case errors.Is(err, flag.ErrHelp):
			return 0
		case errors.Is(err, errUsage), errors.Is(err, errNotLedger):
			return 2
		case errors.Is(err, errFailed):
			return 1
		}
		fmt.Fprintf(io.err, "entraide %s: %v\n", name, err)
		return 1
	}
	fmt.Fprintf(io.err, "entraide: unknown command %q\n\n", name)
	usage(io.err)
	return 2
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "Usage: entraide [command] [flags]   (entraide <command> -h for its flags)")
	fmt.Fprintln(w)
	for _, sc := range subcommands() {
		fmt.Fprintf(w, "  %-9s %s\n", sc.name, sc.summary)
	}
}

// common are the flags every command that opens the ledger takes.
type common struct {
	config string
	db     string
	level  string
}

func newFlags(name string, io stdio) (*flag.FlagSet, *common) {
	fs := flag.NewFlagSet("entraide "+name, flag.ContinueOnError)
	fs.SetOutput(io.err)
	c := &common{}
	fs.StringVar(&c.config, "config", "", "configuration file (default: ./config.yaml if present, else built-in defaults)")
	fs.StringVar(&c.db, "db", "", "SQLite database file (overrides config)")
	fs.StringVar(&c.level, "log-level", "", "debug, info, warn or error (overrides config)")
	return fs, c
}

// parseFlags parses flags wherever they sit on the line, for a command
// that takes no other argument.
func parseFlags(fs *flag.FlagSet, args []string) error {
	rest, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		fmt.Fprintf(fs.Output(), "%s: unexpected argument %q\n", fs.Name(), rest[0])
		return errUsage
	}
	return nil
}

// parseFileArg parses the flags of a command that takes one file, which
// the usage names.
func parseFileArg(fs *flag.FlagSet, args []string, usage string) (string, error) {
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), usage)
		fs.PrintDefaults()
	}
	rest, err := parseArgs(fs, args)
	if err != nil {
		return "", err
	}
	if len(rest) != 1 {
		fs.Usage()
		return "", errUsage
	}
	return rest[0], nil
}

// parseArgs parses flags wherever they sit on the line, before or after
// the other arguments ("backup FILE --db X" as "backup --db X FILE"),
// which it returns in order. "--" ends the flags.
func parseArgs(fs *flag.FlagSet, args []string) ([]string, error) {
	var rest []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, errUsage
		}
		remaining := fs.Args()
		if len(remaining) == 0 {
			return rest, nil
		}
		if consumed := len(args) - len(remaining); consumed > 0 && args[consumed-1] == "--" {
			return append(rest, remaining...), nil
		}
		rest = append(rest, remaining[0])
		args = remaining[1:]
	}
}

// env is a loaded configuration with the ledger open.
type env struct {
	cfg         Config
	communities []*bot.Community
	db          *ledger.DB
	log         *slog.Logger
	closers     []func() error // run by close, before the ledger's
	discordHTTP *http.Client   // nil: the adapter's own client
}

// close releases what the command opened, the ledger last.
func (e *env) close() {
	for _, c := range e.closers {
		if err := c(); err != nil {
			e.log.Warn("close", "err", err)
		}
	}
	e.db.Close()
}

func (c *common) load(io stdio) (Config, []*bot.Community, *slog.Logger, error) {
	cfg, _, err := LoadConfig(c.config, io.lookupEnv)
	if err != nil {
		return Config{}, nil, nil, err
	}
	if c.db != "" {
		cfg.Database = c.db
	}
	if c.level != "" {
		cfg.Log.Level = c.level
	}
	communities, err := cfg.BotCommunities()
	if err != nil {
		return Config{}, nil, nil, err
	}
	return cfg, communities, newLogger(cfg.Log, io.err), nil
}

// open loads the configuration and opens (creating if needed) the ledger.
func (c *common) open(ctx context.Context, io stdio) (*env, error) {
	cfg, communities, log, err := c.load(io)
	if err != nil {
		return nil, err
	}
	if err := makeDir(cfg.Database); err != nil {
		return nil, err
	}
	db, err := ledger.Open(ctx, cfg.Database, ledger.Options{Durability: ledger.Durability(cfg.Durability), Now: io.now()})
	if err != nil {
		return nil, err
	}
	return &env{cfg: cfg, communities: communities, db: db, log: log, discordHTTP: io.discord}, nil
}

// openExisting is open for tools that must not create a database.
func (c *common) openExisting(ctx context.Context, io stdio) (*env, error) {
	cfg, _, _, err := c.load(io)
	if err != nil {
		return nil, err
	}
	if _, err := os.Stat(cfg.Database); err != nil {
		return nil, fmt.Errorf("no ledger at %s (use --db, --config, %s or config.yaml's database)", cfg.Database, configEnv)
	}
	return c.open(ctx, io)
}

// parseAndOpen parses a tool's flags and opens the existing ledger, for
// the tools with nothing to check in between; the caller closes it.
func (c *common) parseAndOpen(ctx context.Context, fs *flag.FlagSet, args []string, io stdio) (*env, error) {
	if err := parseFlags(fs, args); err != nil {
		return nil, err
	}
	return c.openExisting(ctx, io)
}

func (e *env) newBot(ctx context.Context) (*bot.Bot, error) {
	return bot.New(ctx, bot.Options{Ledger: e.db, Communities: e.communities, Logger: e.log, Now: time.Now})
}
