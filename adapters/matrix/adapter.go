// Package matrix connects Entraide to Matrix rooms through mautrix-go: it
// syncs as a bot account, turns commands into the core's neutral messages
// (mentions resolved to Matrix user IDs) and renders replies as notices
// with pills, threads, reactions as buttons, private rooms and uploads. With
// the goolm build tag it also reads and writes end-to-end encrypted rooms.
package matrix

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"maunium.net/go/mautrix"
	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"

	"github.com/entraide/entraide/bot"
)

// Adapter is one Matrix bot account. It implements bot.Adapter and the
// optional bot.ButtonSender, bot.ThreadOpener, bot.PrivateSpaceCreator,
// bot.FileSender, bot.Editor and bot.PrivateSender: Matrix has no message
// only one member of a room can see, so private replies go to a direct
// chat between the bot and the member.
type Adapter struct {
	cfg    Config
	state  StateStore
	log    *slog.Logger
	client *mautrix.Client
	syncer *hookSyncer
	botID  id.UserID

	// Tunables: production defaults from New; tests shorten them.
	syncTimeout   time.Duration
	timelineLimit int
	gapLimit      int // events fetched at most to fill one room's gap
	backoff       backoffPolicy
	undecryptTTL  time.Duration // how long an event waits for its keys
	shutdownGrace time.Duration // how long a started batch may outlive Run's ctx
	dmRetryAfter  time.Duration // how long private replies go to the room after a direct chat could not be opened

	txnPrefix string
	txnSeq    atomic.Uint64

	running   atomic.Bool
	readyOnce sync.Once
	ready     chan struct{}
	connectMu sync.Mutex // serialises connect when Run is called again
	e2ee      e2ee       // set once by connect, before ready is closed

	queues   roomQueues
	rooms    roomCache
	cards    cardCache
	replyTo  aliasMap // reaction event → the message replies should answer
	direct   directChats
	pending  undecrypted
	loggedIn bool // guarded by connectMu

	reports bot.ConnectionReports // set by Observe before Run
}

// Interfaces the core checks for.
var (
	_ bot.Adapter             = (*Adapter)(nil)
	_ bot.ButtonSender        = (*Adapter)(nil)
	_ bot.ThreadOpener        = (*Adapter)(nil)
	_ bot.PrivateSpaceCreator = (*Adapter)(nil)
	_ bot.FileSender          = (*Adapter)(nil)
	_ bot.Editor              = (*Adapter)(nil)
	_ bot.PrivateSender       = (*Adapter)(nil)
)

// New checks cfg and prepares the client; nothing touches the network
// until Run.
func New(cfg Config, state StateStore, log *slog.Logger) (*Adapter, error) {
	if err := cfg.validate(); err != nil {
		return nil, fmt.Errorf("matrix: %w", err)
	}
	if cfg.Encryption && !e2eeBuilt {
		return nil, errors.New("matrix: this build has no end-to-end encryption; build with -tags goolm")
	}
	if state == nil {
		return nil, errors.New("matrix: a state store is required to keep the sync token")
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	log = log.With("platform", Platform)
	// The token is set by connect, never here, so that nothing the client
	// logs before then could carry it.
	client, err := mautrix.NewClient(cfg.Homeserver, id.UserID(cfg.UserID), "")
	if err != nil {
		return nil, fmt.Errorf("matrix: homeserver %q: %w", cfg.Homeserver, err)
	}
	if cfg.HTTPClient != nil {
		client.Client = cfg.HTTPClient
	}
	client.UserAgent = "Entraide (mautrix-go)"
	client.Log = zerologTo(log.With("component", "mautrix"))
	// mautrix retries nothing by default; the adapter retries itself, with
	// the server's retry_after_ms and a capped backoff.
	client.DefaultHTTPRetries = 0
	syncer := newHookSyncer()
	client.Syncer = syncer
	if !cfg.Encryption {
		// With encryption, the crypto helper brings a persistent store.
		client.StateStore = newMemoryStateStore()
		syncer.OnEvent(client.StateStoreSyncHandler)
	}
	var prefix [6]byte
	if _, err := rand.Read(prefix[:]); err != nil {
		return nil, fmt.Errorf("matrix: %w", err)
	}
	return &Adapter{
		cfg:           cfg,
		state:         state,
		log:           log,
		client:        client,
		syncer:        syncer,
		botID:         id.UserID(cfg.UserID),
		syncTimeout:   30 * time.Second,
		timelineLimit: 50,
		gapLimit:      1000,
		backoff:       backoffPolicy{base: time.Second, max: 2 * time.Minute},
		undecryptTTL:  time.Hour,
		shutdownGrace: 5 * time.Second,
		dmRetryAfter:  15 * time.Minute,
		txnPrefix:     "entraide." + hex.EncodeToString(prefix[:]),
		ready:         make(chan struct{}),
		rooms:         newRoomCache(),
		cards:         newCardCache(),
		replyTo:       newAliasMap(),
		direct:        newDirectChats(),
	}, nil
}

// newMemoryStateStore is mautrix's in-memory state store with every map
// made: v0.26.0's constructor leaves JoinRules nil, and the first
// m.room.join_rules event would panic.
func newMemoryStateStore() mautrix.StateStore {
	s := mautrix.NewMemoryStateStore()
	if m, ok := s.(*mautrix.MemoryStateStore); ok && m.JoinRules == nil {
		m.JoinRules = map[id.RoomID]*event.JoinRulesEventContent{}
	}
	return s
}

// Platform implements bot.Adapter.
func (a *Adapter) Platform() string { return Platform }

// Run logs in (once), then syncs until ctx ends, handing commands to inbox.
// Network failures are retried with a capped backoff; Run returns an error
// only for what a retry cannot fix, such as a revoked token.
func (a *Adapter) Run(ctx context.Context, inbox bot.Inbox) error {
	if !a.running.CompareAndSwap(false, true) {
		return errors.New("matrix: Run is already running")
	}
	defer a.running.Store(false)
	if err := a.connect(ctx); err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return err
	}
	a.readyOnce.Do(func() { close(a.ready) })
	a.log.Info("connected", "user", a.botID, "device", a.client.DeviceID, "encryption", a.e2ee != nil)
	return a.syncLoop(ctx, inbox)
}

// Close releases the crypto store. Call it after Run has returned.
func (a *Adapter) Close() error {
	a.connectMu.Lock()
	defer a.connectMu.Unlock()
	if a.e2ee == nil {
		return nil
	}
	return a.e2ee.close()
}

// waitReady blocks until Run has logged in: replies asked for earlier (a
// reminder at startup) wait instead of failing.
func (a *Adapter) waitReady(ctx context.Context) error {
	select {
	case <-a.ready:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("matrix: not connected yet: %w", ctx.Err())
	}
}

func (a *Adapter) newTxnID() string {
	return fmt.Sprintf("%s.%d", a.txnPrefix, a.txnSeq.Add(1))
}

// user is how the core sees a Matrix account: its ID, and its display name
// in room when it has one.
func (a *Adapter) user(ctx context.Context, room id.RoomID, u id.UserID) bot.User {
	name := a.rooms.displayName(ctx, a, room, u)
	if name == "" {
		name = u.Localpart()
	}
	return bot.User{ID: string(u), Name: name}
}
