package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"

	"github.com/entraide/entraide/adapters/console"
	"github.com/entraide/entraide/bot"
	"github.com/entraide/entraide/schedules"
)

// cmdRun starts every adapter the configuration enables. With no platform
// configured, that is the console chat.
func cmdRun(ctx context.Context, args []string, io stdio) error {
	fs, c := newFlags("run", io)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	cfg, _, _, err := c.load(io)
	if err != nil {
		return err
	}
	if c.level == "" && !cfg.anyPlatform() {
		// The console shares the terminal with the logs; keep them quiet.
		c.level = "warn"
	}
	e, err := c.open(ctx, io)
	if err != nil {
		return err
	}
	defer e.close()
	platforms, err := e.platformAdapters(ctx)
	if err != nil {
		return err
	}
	if len(platforms) > 0 {
		return e.serve(ctx, io, platforms...)
	}
	e.log.Info("no platform credentials configured: starting the console chat", "database", e.cfg.Database)
	return e.serve(ctx, io, e.consoleAdapter(ctx, io, "", ""))
}

// cmdConsole runs the console chat only.
func cmdConsole(ctx context.Context, args []string, io stdio) error {
	fs, c := newFlags("console", io)
	as := fs.String("as", "", "member who says lines that name nobody (overrides config)")
	runID := fs.String("run-id", "", "event ID prefix; replaying a script with the same one records nothing twice")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if c.level == "" {
		c.level = "warn"
	}
	e, err := c.open(ctx, io)
	if err != nil {
		return err
	}
	defer e.db.Close()
	return e.serve(ctx, io, e.consoleAdapter(ctx, io, *as, *runID))
}

// consoleAdapter builds the console chat; it is interactive when standard
// input is a terminal.
func (e *env) consoleAdapter(ctx context.Context, io stdio, as, runID string) func(*bot.Bot) bot.Adapter {
	return func(b *bot.Bot) bot.Adapter {
		if as == "" {
			as = e.cfg.Console.As
		}
		files := e.cfg.Console.Files
		if files == "" {
			files = filepath.Join(filepath.Dir(e.cfg.Database), "exports")
		}
		interactive := false
		if f, ok := io.in.(*os.File); ok {
			if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
				interactive = true
			}
		}
		if interactive {
			fmt.Fprintf(io.out, "Entraide — console (%s). Type /help, or /aide; \"name: text\" speaks as another member; Ctrl-D quits.\n", e.cfg.Database)
		}
		return console.New(console.Options{
			In:      io.in,
			Out:     io.out,
			As:      as,
			Members: e.cfg.Console.Members,
			Known: func(ctx context.Context) ([]string, error) {
				com, ok := b.CommunityOf(console.Platform, console.Room)
				if !ok {
					return nil, nil
				}
				return e.db.Identities(ctx, com.LedgerID(), console.Platform)
			},
			RunID:   runID,
			Prompt:  interactive,
			FileDir: files,
			Spaces:  consoleSpaces(e.db),
		})
	}
}

// serve runs the adapters and the scheduler until the adapters end or ctx
// does. The console ends at the end of its input. The scheduler ticks the
// bot once at start-up and then every minute (see bot.Tick).
func (e *env) serve(ctx context.Context, io stdio, adapters ...func(*bot.Bot) bot.Adapter) error {
	b, err := e.newBot(ctx)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	sched := schedules.New(e.log, e.communities[0].Location)
	if err := sched.Add("verify", "30 3 * * *", func(ctx context.Context) error {
		rep, err := e.db.Verify(ctx)
		if err != nil {
			return err
		}
		if !rep.OK() {
			return fmt.Errorf("ledger invariants broken: %v", rep.Problems)
		}
		return nil
	}); err != nil {
		return err
	}
	// Decisions: close proposals whose deadline passed, announce outcomes,
	// send reminders; then the groups' reminders and the scheduled
	// newsletter (bot.Tick runs both). Once at start-up, for what fell due
	// while the bot was down, then every minute.
	if err := sched.AddQuiet("decisions", "* * * * *", b.Tick); err != nil {
		return err
	}
	// Every adapter is attached before any runs, so that what the bot says
	// on its own (outcomes, reminders) finds its platform.
	started := make([]bot.Adapter, 0, len(adapters))
	for _, mk := range adapters {
		a := mk(b)
		b.Attach(a)
		started = append(started, a)
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		if err := b.Tick(ctx); err != nil && ctx.Err() == nil {
			// What failed stays pending: the next tick retries it.
			e.log.Error("start-up tick", "err", err)
		}
		sched.Run(ctx)
	}()

	errc := make(chan error, len(started))
	for _, a := range started {
		go func() { errc <- a.Run(ctx, b) }()
	}
	var first error
	for range adapters {
		if err := <-errc; err != nil && first == nil {
			first = err
			cancel()
		}
	}
	cancel()
	wg.Wait()
	return first
}
