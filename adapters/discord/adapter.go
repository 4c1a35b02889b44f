// Package discord connects Entraide to Discord servers (guilds) through
// discordgo: native slash commands built from the core's command catalogue,
// interaction replies within Discord's three-second window, prefix commands
// ("!give …") when the Message Content intent is enabled, buttons and
// modals, threads, private threads as private spaces, and attachments.
//
// The adapter never parses commands: it turns every invocation back into
// the text the core reads (bot.Spec.Text) and resolves <@id> mentions into
// bot.Mentions. Idempotency is the core's: interaction and message IDs are
// the event IDs, so an event Discord delivers again records nothing twice.
package discord

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/entraide/entraide/bot"
	"github.com/gorilla/websocket"
)

// Adapter is a Discord bot serving the configured guilds. It implements
// bot.Adapter and the optional bot.PrivateSender, bot.ButtonSender,
// bot.FileSender, bot.ThreadOpener, bot.PrivateSpaceCreator and bot.Editor.
type Adapter struct {
	cfg    Config
	log    *slog.Logger
	s      *discordgo.Session
	guilds map[string]bool

	// deferAfter is how long an interaction waits for the core before it
	// is acknowledged with a deferred response: Discord allows three
	// seconds, and the acknowledgement itself needs time to travel.
	deferAfter time.Duration
	// retryBase and attempts shape the retries of transient REST failures.
	retryBase time.Duration
	attempts  int
	// reconnectBase is the first wait between failed gateway connections.
	reconnectBase time.Duration

	buttons  *buttons
	edits    *editQueue
	metrics  metrics
	names    *nameCache
	channels *channelCache
	replies  *interactionMessages
	seen     *tracker

	regMu sync.Mutex // serialises command registrations

	reports bot.ConnectionReports // set by Observe before Run

	mu         sync.Mutex            // guards the fields below
	self       string                // the bot's user ID, from READY
	app        string                // the application ID, from READY
	run        *running              // nil unless Run is listening
	dms        map[string]string     // user → direct-message channel
	specs      map[string][]bot.Spec // guild → the commands registered there
	registered map[string]bool       // guilds whose commands are registered

	tasks sync.WaitGroup // event handlers in flight
}

// running is what event handlers need from Run.
type running struct {
	ctx   context.Context
	inbox bot.Inbox
}

var (
	_ bot.Adapter             = (*Adapter)(nil)
	_ bot.PrivateSender       = (*Adapter)(nil)
	_ bot.ButtonSender        = (*Adapter)(nil)
	_ bot.FileSender          = (*Adapter)(nil)
	_ bot.ThreadOpener        = (*Adapter)(nil)
	_ bot.PrivateSpaceCreator = (*Adapter)(nil)
	_ bot.Editor              = (*Adapter)(nil)
)

// New checks the configuration and prepares a session; nothing connects
// until Run. Sending works before Run (REST needs no gateway).
func New(cfg Config, log *slog.Logger) (*Adapter, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s, err := discordgo.New("Bot " + cfg.Token)
	if err != nil {
		return nil, fmt.Errorf("discord: new session: %w", err)
	}
	if cfg.HTTPClient != nil {
		s.Client = cfg.HTTPClient
	} else {
		s.Client = &http.Client{Timeout: 20 * time.Second}
	}
	s.Identify.Intents = cfg.intents()
	// Run supervises reconnections itself, so that they stop when its
	// context ends (discordgo's own loop never does).
	s.ShouldReconnectOnError = false
	// The adapter keeps the little state it needs (channel kinds, names);
	// discordgo's cache would hold every guild member for nothing.
	s.StateEnabled = false
	s.LogLevel = discordgo.LogError

	a := &Adapter{
		cfg:           cfg,
		log:           log.With("platform", Platform),
		s:             s,
		guilds:        map[string]bool{},
		deferAfter:    2 * time.Second,
		retryBase:     500 * time.Millisecond,
		attempts:      4,
		reconnectBase: time.Second,
		buttons:       newButtons(cfg.Components),
		names:         newNameCache(10000),
		channels:      newChannelCache(),
		replies:       newInteractionMessages(),
		seen:          newTracker(),
		dms:           map[string]string{},
		specs:         map[string][]bot.Spec{},
		registered:    map[string]bool{},
	}
	a.edits = newEditQueue(a.log.Warn)
	for _, g := range cfg.Guilds {
		a.guilds[g] = true
	}
	s.AddHandler(a.onReady)
	s.AddHandler(a.onResumed)
	s.AddHandler(a.onGuildCreate)
	s.AddHandler(a.onThreadCreate)
	s.AddHandler(a.onChannelCreate)
	s.AddHandler(a.onInteraction)
	s.AddHandler(a.onMessage)
	s.AddHandler(a.onRateLimit)
	s.AddHandler(func(*discordgo.Session, *discordgo.Event) { a.seen.hear() })
	return a, nil
}

// Platform implements bot.Adapter.
func (a *Adapter) Platform() string { return Platform }

// Run connects to the gateway and hands every command to inbox until ctx
// ends. A dropped connection is resumed (discordgo sends RESUME with the
// session and the last sequence number, so Discord replays what was
// missed); Run returns an error only when Discord refuses the bot.
func (a *Adapter) Run(ctx context.Context, inbox bot.Inbox) error {
	a.mu.Lock()
	if a.run != nil {
		a.mu.Unlock()
		return errors.New("discord: the adapter is already running")
	}
	a.run = &running{ctx: ctx, inbox: inbox}
	a.mu.Unlock()
	defer func() {
		// No handler starts once run is nil; wait for those in flight.
		a.mu.Lock()
		a.run = nil
		a.mu.Unlock()
		a.tasks.Wait()
		a.edits.wait()
	}()

	if _, ok := inbox.(bot.CommandCatalog); !ok {
		a.log.Warn("the core offers no command catalogue: no slash commands will be registered")
	}
	if err := a.checkCatalogue(inbox); err != nil {
		return err
	}
	if err := a.checkToken(ctx); err != nil || ctx.Err() != nil {
		return err
	}
	if err := a.checkChannels(ctx); err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return err
	}
	disconnected := make(chan struct{}, 1)
	remove := a.s.AddHandler(func(*discordgo.Session, *discordgo.Disconnect) {
		a.reports.Disconnected(Platform)
		a.seen.lose()
		select {
		case disconnected <- struct{}{}:
		default:
		}
	})
	defer remove()

	if err := a.connect(ctx); err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return err
	}
	for {
		select {
		case <-ctx.Done():
			if err := a.s.Close(); err != nil {
				a.log.Warn("closing the gateway connection", "err", err)
			}
			return nil
		case <-disconnected:
			if ctx.Err() != nil {
				continue // our own Close; the loop ends above
			}
			a.log.Warn("gateway connection lost; resuming")
			// Wait before reconnecting: a discordgo heartbeat goroutine of
			// the lost connection may still fail and call Close, which
			// would close the new connection if it were already open.
			if !sleep(ctx, a.reconnectBase) {
				continue
			}
			drain(disconnected)
			if err := a.connect(ctx); err != nil {
				if ctx.Err() != nil {
					continue
				}
				return err
			}
		}
	}
}

// checkToken asks Discord for the gateway as this bot, so that a wrong
// token fails at start with a clear message instead of in a loop.
func (a *Adapter) checkToken(ctx context.Context) error {
	wait := a.reconnectBase
	for {
		gw, err := a.s.GatewayBot(discordgo.WithContext(ctx))
		switch {
		case err == nil:
			a.log.Info("discord gateway", "shards", gw.Shards, "session_starts_remaining", gw.SessionStartLimit.Remaining)
			return nil
		case httpStatus(err) == http.StatusUnauthorized || httpStatus(err) == http.StatusForbidden:
			return fmt.Errorf("discord: the bot token was refused (check DISCORD_TOKEN): %w", err)
		case ctx.Err() != nil:
			return nil
		}
		a.log.Warn("discord is unreachable; retrying", "err", redact(err), "in", wait)
		if !sleep(ctx, wait) {
			return nil
		}
		wait = min(wait*2, time.Minute)
	}
}

// connect opens the gateway (resuming when a session exists), retrying
// with backoff until it works or ctx ends.
func (a *Adapter) connect(ctx context.Context) error {
	wait := a.reconnectBase
	for {
		err := a.s.Open()
		if err == nil || errors.Is(err, discordgo.ErrWSAlreadyOpen) {
			return nil
		}
		if s := httpStatus(err); s == http.StatusUnauthorized || s == http.StatusForbidden {
			return fmt.Errorf("discord: the bot token was refused: %w", err)
		}
		if err := refusal(err); err != nil {
			return err
		}
		a.log.Warn("gateway connection failed; retrying", "err", redact(err), "in", wait)
		if !sleep(ctx, wait) {
			return ctx.Err()
		}
		wait = min(wait*2, time.Minute)
	}
}

// refusal explains the gateway's close codes that no retry can fix.
func refusal(err error) error {
	var ce *websocket.CloseError
	if !errors.As(err, &ce) {
		return nil
	}
	switch ce.Code {
	case 4004:
		return fmt.Errorf("discord: the gateway refused the bot token (check DISCORD_TOKEN): %w", err)
	case 4013, 4014:
		return fmt.Errorf("discord: the gateway refused the intents: with message_content: true, enable the Message Content intent on the Bot page of the Developer Portal (or set message_content: false): %w", err)
	case 4010, 4011, 4012:
		return fmt.Errorf("discord: the gateway refused the connection: %w", err)
	}
	return nil
}

// drain forgets signals about connections that are already gone.
func drain(c chan struct{}) {
	for {
		select {
		case <-c:
		default:
			return
		}
	}
}

// sleep waits d or until ctx ends; false means ctx ended.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// begin registers an event handler as in flight; ok is false when Run is
// not listening (the event is dropped: Discord redelivers what a resumed
// session missed).
func (a *Adapter) begin() (ctx context.Context, inbox bot.Inbox, ok bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.run == nil || a.run.ctx.Err() != nil {
		return nil, nil, false
	}
	a.tasks.Add(1)
	return a.run.ctx, a.run.inbox, true
}

func (a *Adapter) end() { a.tasks.Done() }

// identity is the bot's user and application IDs, known after READY.
func (a *Adapter) identity() (self, app string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.self, a.app
}

func (a *Adapter) onReady(_ *discordgo.Session, r *discordgo.Ready) {
	a.reports.Connected(Platform)
	a.mu.Lock()
	if r.User != nil {
		a.self = r.User.ID
	}
	if r.Application != nil && r.Application.ID != "" {
		a.app = r.Application.ID
	} else if a.app == "" && r.User != nil {
		// Applications made since 2020 share their bot's ID.
		a.app = r.User.ID
	}
	a.mu.Unlock()
	a.log.Info("connected to discord", "guilds", len(r.Guilds))
	ctx, inbox, ok := a.begin()
	if !ok {
		return
	}
	defer a.end()
	for _, g := range a.cfg.Guilds {
		a.registerCommands(ctx, inbox, g)
	}
	if reconnected, since := a.seen.ready(); reconnected {
		a.log.Warn("a new gateway session: events of the gap are lost; catching up on messages")
		a.catchUp(ctx, since)
	}
}

func (a *Adapter) onResumed(*discordgo.Session, *discordgo.Resumed) {
	a.reports.Connected(Platform)
	a.log.Info("gateway session resumed")
	ctx, _, ok := a.begin()
	if !ok {
		return
	}
	defer a.end()
	_, since := a.seen.ready()
	a.catchUp(ctx, since)
}

func (a *Adapter) onRateLimit(_ *discordgo.Session, rl *discordgo.RateLimit) {
	a.reports.RateLimited(Platform, rl.RetryAfter)
	a.log.Warn("rate limited by discord; waiting", "route", redactURL(rl.URL), "retry_after", rl.RetryAfter)
}
