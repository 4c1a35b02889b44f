package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/entraide/entraide/adapters/console"
	"github.com/entraide/entraide/bot"
	"github.com/entraide/entraide/schedules"
	"github.com/mattn/go-isatty"
)

// cmdRun starts every adapter the configuration enables. With no platform
// configured, that is the console chat, but only on a terminal or when
// asked: under Docker without -it or systemd, an empty input would end the
// console at once and the service would stop (or restart) without a word.
func cmdRun(ctx context.Context, args []string, io stdio) error {
	fs, c := newFlags("run", io)
	withConsole := fs.Bool("console", false, "chat on standard input and output too (the only chat when no platform is configured)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	cfg, _, _, err := c.load(io)
	if err != nil {
		return err
	}
	if !cfg.anyPlatform() {
		if !*withConsole && !isTerminal(io.in) {
			return errors.New("no chat platform is configured and standard input is not a terminal: " +
				"add a matrix: or discord: section to the config (see README.md), " +
				"or run `entraide run --console` (or `entraide console`) to chat on standard input")
		}
		*withConsole = true
		c.quietLogs()
	}
	e, err := c.open(ctx, io)
	if err != nil {
		return err
	}
	defer e.close()
	adapters, err := e.platformAdapters(ctx)
	if err != nil {
		return err
	}
	if *withConsole {
		adapters = append(adapters, e.consoleAdapter(ctx, io, "", ""))
	}
	return e.serve(ctx, io, adapters...)
}

// quietLogs keeps the logs to warnings and errors unless --log-level
// says otherwise: the console shares the terminal with them.
func (c *common) quietLogs() {
	if c.level == "" {
		c.level = "warn"
	}
}

// isTerminal says whether r is an interactive terminal (not merely a
// character device: /dev/null is one, and is what systemd gives).
func isTerminal(r io.Reader) bool {
	f, ok := r.(*os.File)
	return ok && isatty.IsTerminal(f.Fd())
}

// cmdConsole runs the console chat only.
func cmdConsole(ctx context.Context, args []string, io stdio) error {
	fs, c := newFlags("console", io)
	as := fs.String("as", "", "member who says lines that name nobody (overrides config)")
	runID := fs.String("run-id", "", "event ID prefix; replaying a script with the same one records nothing twice")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	c.quietLogs()
	e, err := c.open(ctx, io)
	if err != nil {
		return err
	}
	defer e.close()
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
		tr := b.Catalog().In("fr")
		if com, ok := b.CommunityOf(console.Platform, console.Room); ok {
			tr = b.Catalog().In(com.Language)
		}
		interactive := isTerminal(io.in)
		if interactive {
			fmt.Fprintln(io.out, tr.S(bot.MsgConsoleBanner, map[string]any{"Database": e.cfg.Database}))
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
			Say:     tr.S,
		})
	}
}

// serve runs the adapters and the scheduler until the adapters end or ctx
// does. The console ends at the end of its input. The scheduler ticks the
// bot once at start-up and then every minute (see bot.Tick). While it
// serves, it holds the ledger's lock and, when configured, answers
// /healthz and /metrics; it logs one line when it starts and one when it
// stops.
func (e *env) serve(ctx context.Context, io stdio, adapters ...func(*bot.Bot) bot.Adapter) (err error) {
	release, err := lockLedger(e.cfg.Database)
	if err != nil {
		return err
	}
	defer release()
	ver := currentVersion()
	mon := newMonitor(e.db, ver.short())
	b, err := bot.New(ctx, bot.Options{Ledger: e.db, Communities: e.communities, Logger: e.log, Now: io.now(), Observer: mon})
	if err != nil {
		return err
	}
	parent := ctx
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	verify := func(ctx context.Context) error {
		rep, err := e.db.Verify(ctx)
		if err != nil {
			return err
		}
		mon.verified(rep.OK(), time.Now())
		if !rep.OK() {
			return fmt.Errorf("ledger invariants broken: %v", rep.Problems)
		}
		return nil
	}
	sched, err := e.scheduler(b, mon, verify)
	if err != nil {
		return err
	}
	// Every adapter is attached before any runs, so that what the bot says
	// on its own (outcomes, reminders) finds its platform.
	started := make([]bot.Adapter, 0, len(adapters))
	for _, mk := range adapters {
		a := mk(b)
		b.Attach(a)
		mon.expect(a.Platform())
		if o, ok := a.(bot.Observable); ok {
			o.Observe(mon)
		}
		started = append(started, a)
	}
	listen := "off"
	if e.cfg.HTTP.Listen != "" {
		bound, stop, err := startHTTP(e.cfg.HTTP.Listen, e.db, mon)
		if err != nil {
			return err
		}
		defer stop()
		listen = bound
	}
	if err := e.logStart(ctx, ver, started, listen); err != nil {
		return err
	}
	begun := time.Now()
	defer func() {
		reason := "the chat ended" // the console's input, for one
		switch {
		case err != nil:
			reason = err.Error()
		case parent.Err() != nil:
			reason = "asked to stop (signal)"
		}
		e.log.Info("entraide stopped", "reason", reason, "uptime", time.Since(begun).Round(time.Second))
	}()

	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		if err := b.Tick(ctx); err != nil && ctx.Err() == nil {
			// What failed stays pending: the next tick retries it.
			e.log.Error("start-up tick", "err", err)
		}
		sched.Run(ctx)
	}()
	if io.ticks != nil {
		wg.Add(1)
		go func() {
			defer wg.Done()
			e.tickOn(ctx, b, io.ticks)
		}()
	}
	go func() {
		// Once at start, so that the verify metrics say something before
		// the first night; a reader snapshot, beside the bot's writes.
		defer wg.Done()
		if err := verify(ctx); err != nil && ctx.Err() == nil {
			e.log.Error("start-up check of the ledger", "err", err)
		}
	}()

	errc := make(chan error, len(started))
	for _, a := range started {
		_, observed := a.(bot.Observable)
		if !observed {
			// Running is all such an adapter can say of its link.
			mon.Connected(a.Platform())
		}
		go func() {
			errc <- a.Run(ctx, b)
			if !observed {
				mon.Disconnected(a.Platform())
			}
		}()
	}
	var first error
	for range started {
		if err := <-errc; err != nil && first == nil {
			first = err
			cancel()
		}
	}
	cancel()
	wg.Wait()
	return first
}

// scheduler is the timed work: the nightly check of the ledger, the
// scheduled backups, and the core's tick every minute (proposals whose
// deadline passed, outcomes, the groups' reminders, the newsletter; once
// at start-up too, for what fell due while the bot was down).
func (e *env) scheduler(b *bot.Bot, mon *monitor, verify schedules.Job) (*schedules.Scheduler, error) {
	sched := schedules.New(e.log, e.communities[0].Location)
	sched.Observe(mon)
	mon.expectJob("verify")
	if err := sched.Add("verify", "30 3 * * *", verify); err != nil {
		return nil, err
	}
	if bc := e.cfg.Backups; bc.Schedule != "" {
		mon.expectJob("backup")
		if err := sched.Add("backup", bc.Schedule, func(ctx context.Context) error {
			_, err := e.scheduledBackup(ctx, time.Now())
			return err
		}); err != nil {
			return nil, err
		}
	}
	mon.expectJob("decisions")
	if err := sched.AddQuiet("decisions", "* * * * *", b.Tick); err != nil {
		return nil, err
	}
	return sched, nil
}

// logStart is the one line that says what serves: the version, the
// communities, the adapters, the ledger's schema and durability, and the
// HTTP listener.
func (e *env) logStart(ctx context.Context, ver version, adapters []bot.Adapter, listen string) error {
	schema, err := e.db.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	names := make([]string, len(adapters))
	for i, a := range adapters {
		names[i] = a.Platform()
	}
	slugs := make([]string, len(e.communities))
	for i, c := range e.communities {
		slugs[i] = c.Slug
	}
	e.log.Info("entraide started", "version", ver.short(), "communities", slugs, "adapters", names,
		"schema", schema, "durability", e.cfg.Durability, "database", e.cfg.Database, "listen", listen)
	return nil
}

// tickOn runs the bot's timed work on each tick until ctx ends: a test
// moves the clock, then ticks.
func (e *env) tickOn(ctx context.Context, b *bot.Bot, ticks <-chan time.Time) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticks:
			if err := b.Tick(ctx); err != nil && ctx.Err() == nil {
				e.log.Error("tick", "err", err)
			}
		}
	}
}
