package bot

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/entraide/entraide/ledger"
	"golang.org/x/time/rate"
)

// Ledger is what the core needs from the ledger package. Each method's
// errors are documented there: *ledger.Error codes and *ledger.LimitError
// are told to members; anything else is internal and only logged.
type Ledger interface {
	EnsureCommunity(ctx context.Context, slug string) (ledger.CommunityID, error)
	Give(ctx context.Context, req ledger.GiveRequest) (*ledger.Receipt, error)
	Undo(ctx context.Context, req ledger.UndoRequest) (*ledger.Receipt, error)
	Reverse(ctx context.Context, req ledger.ReverseRequest) (*ledger.Receipt, error)
	Member(ctx context.Context, c ledger.CommunityID, id ledger.Identity) (ledger.Account, bool, error)
	Commons(ctx context.Context, c ledger.CommunityID) (ledger.Account, error)
	Accounts(ctx context.Context, c ledger.CommunityID) ([]ledger.Account, error)
	History(ctx context.Context, c ledger.CommunityID, id ledger.Identity, page, size int) (ledger.HistoryPage, error)
	CommonsHistory(ctx context.Context, c ledger.CommunityID, page, size int) (ledger.HistoryPage, error)
	Statement(ctx context.Context, c ledger.CommunityID, id ledger.Identity) (ledger.Account, []ledger.Exchange, error)
	LinkCode(ctx context.Context, c ledger.CommunityID, id ledger.Identity, ttl time.Duration) (string, time.Time, error)
	Link(ctx context.Context, req ledger.LinkRequest) (*ledger.LinkResult, error)
	Unlink(ctx context.Context, req ledger.UnlinkRequest) (*ledger.LinkResult, error)
	DecisionLedger
	GroupLedger
	ConflictLedger
	MembershipLedger
	CommonsLedger
	AidLedger
	EditorialLedger
}

// Options configure a Bot.
type Options struct {
	Ledger      Ledger
	Communities []*Community
	Logger      *slog.Logger
	// Now is the clock (rate limits, dates in replies); tests inject one.
	Now func() time.Time
	// Random is where council draws take their seeds: crypto/rand unless
	// a test injects a fixed source. Each draw records its seed.
	Random io.Reader
	// Observer hears how each command ended (optional: metrics).
	Observer CommandObserver
}

// Bot is the core. It is safe for concurrent use by several adapters.
type Bot struct {
	ledger      Ledger
	communities []*Community
	catalog     *Catalog
	log         *slog.Logger
	now         func() time.Time
	commands    []*Command

	mu       sync.Mutex
	limiters map[string]*rate.Limiter

	adaptersMu sync.Mutex
	adapters   map[string]Adapter         // by platform, for proactive sends (Attach)
	tickMu     sync.Mutex                 // one Tick (or outcome announcement) at a time
	cardsMu    sync.Mutex                 // card edits leave in the order of the states they show
	waiting    map[ledger.ProposalID]bool // outcomes said to wait for an adapter (under tickMu)
	groups     groupState                 // reminders and newsletters (groups.go)
	conflicts  conflictState              // cases' private spaces (conflicts.go)
	random     io.Reader                  // council draws' seeds (council.go)
	enrolled   enrolled                   // identities known to be members (membership.go)
	observer   CommandObserver            // nil when nobody watches
}

// New validates the communities, makes sure each exists in the ledger, and
// returns a ready core.
func New(ctx context.Context, opts Options) (*Bot, error) {
	if opts.Ledger == nil {
		return nil, errors.New("bot: a ledger is required")
	}
	if len(opts.Communities) == 0 {
		return nil, errors.New("bot: at least one community is required")
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Random == nil {
		opts.Random = rand.Reader
	}
	catalog, err := NewCatalog()
	if err != nil {
		return nil, err
	}
	b := &Bot{
		ledger:      opts.Ledger,
		communities: opts.Communities,
		catalog:     catalog,
		log:         opts.Logger,
		now:         opts.Now,
		limiters:    map[string]*rate.Limiter{},
		random:      opts.Random,
		observer:    opts.Observer,
	}
	seen := map[string]bool{}
	for _, c := range opts.Communities {
		if err := c.Validate(); err != nil {
			return nil, fmt.Errorf("community %q: %w", c.Slug, err)
		}
		if seen[c.Slug] {
			return nil, fmt.Errorf("community %q is configured twice", c.Slug)
		}
		seen[c.Slug] = true
		if c.id, err = opts.Ledger.EnsureCommunity(ctx, c.Slug); err != nil {
			return nil, fmt.Errorf("community %q: %w", c.Slug, err)
		}
		if err := b.ensureGroups(ctx, c); err != nil {
			return nil, fmt.Errorf("community %q: %w", c.Slug, err)
		}
	}
	if err := b.loadCaseSpaces(ctx); err != nil {
		return nil, err
	}
	b.commands = b.commandTree()
	return b, nil
}

// Catalog gives adapters and tools the bot's messages.
func (b *Bot) Catalog() *Catalog { return b.catalog }

// Receive handles one message and hands its replies to the adapter it came
// from. A panic in a handler is logged and answered, never propagated.
func (b *Bot) Receive(ctx context.Context, from Adapter, m Message) {
	// Who said what is never logged above debug: a request for mediation
	// or a case's command would name its parties.
	log := b.log.With("platform", m.Platform, "event", m.ID)
	log.Debug("message", "room", m.Room, "sender", m.Sender.ID)
	ctx = withAdapter(withLogger(ctx, log), from)
	for _, r := range b.Handle(ctx, m) {
		if _, err := b.Deliver(ctx, from, TargetOf(m), r); err != nil {
			log.Error("reply not delivered", "err", err)
		}
	}
}

// Handle turns one message into its replies.
func (b *Bot) Handle(ctx context.Context, m Message) (replies []Reply) {
	log := loggerFrom(ctx, b.log)
	com := b.communityFor(m)
	tr := b.catalog.In("fr")
	if com != nil {
		tr = b.catalog.In(com.Language)
	}
	defer func() {
		if p := recover(); p != nil {
			log.Error("panic while handling a message", "panic", p, "stack", string(debug.Stack()))
			replies = []Reply{{Text: tr.S(msgInternal, nil), Private: true}}
		}
	}()

	name, rest, ok := splitCommand(m.Text)
	if !ok {
		if m.Direct && strings.TrimSpace(m.Text) != "" {
			return []Reply{{Text: tr.S(msgNotACommand, nil)}}
		}
		return nil
	}
	if com == nil {
		// No community, so no language: say it in every one.
		var texts []string
		for _, lang := range Languages() {
			texts = append(texts, b.catalog.In(lang).S(msgRoomUnlinked, nil))
		}
		return []Reply{{Text: strings.Join(texts, "\n")}}
	}
	if len(m.Ambiguous) > 0 {
		return []Reply{{Text: ambiguityText(tr, m.Ambiguous[0]), Private: true}}
	}
	if !b.allow(com, m) {
		log.Debug("command refused", "code", msgRateLimited)
		return []Reply{{Text: tr.S(msgRateLimited, nil), Private: true}}
	}
	req := &request{ctx: ctx, bot: b, msg: m, com: com, tr: tr, log: log}
	cmd, args := b.find(b.commands, name, rest)
	if cmd == nil {
		return []Reply{{Text: b.explain(req, b.unknownCommand(name, rest)), Private: true}}
	}
	req.cmd = cmd
	req.args = args
	b.enroll(ctx, com, m)
	if cmd.Moderator && !com.isModerator(m.Platform, m.Sender.ID) {
		return []Reply{{Text: tr.S(msgForbidden, map[string]any{"Command": cmd.path(tr.Lang())}), Private: true}}
	}
	start := time.Now()
	err := cmd.Run(req)
	took := time.Since(start)
	outcome, code := outcomeOf(err)
	if b.observer != nil {
		b.observer.ObserveCommand(cmd.Name, outcome, took)
	}
	switch outcome {
	case OutcomeOK:
		log.Info("command", "command", cmd.Name, "took", took)
	case OutcomeRefused:
		log.Debug("command refused", "command", cmd.Name, "code", code, "took", took)
	}
	if err != nil {
		return append(req.replies, Reply{Text: b.explain(req, err), Private: true})
	}
	return req.replies
}

// communityFor finds the community a room belongs to: the one whose
// config names it, else the one whose case has its private space there.
// With a single community, every room belongs to it.
func (b *Bot) communityFor(m Message) *Community {
	for _, c := range b.communities {
		for _, r := range c.Rooms {
			if r == m.Platform+":*" || r == m.Platform+":"+m.Room || (m.Space != "" && r == m.Platform+":"+m.Space) {
				return c
			}
		}
	}
	if c := b.caseSpaceCommunity(m.Platform, m.Room); c != nil {
		return c
	}
	if len(b.communities) == 1 {
		return b.communities[0]
	}
	return nil
}

func ambiguityText(tr Tr, a Ambiguity) string {
	names := make([]string, len(a.Candidates))
	for i, c := range a.Candidates {
		names[i] = c.Name + " (" + c.ID + ")"
	}
	return tr.S(msgMentionAmbiguous, map[string]any{"Name": a.Text, "Candidates": tr.List(names)})
}

// Notice is something an adapter must say on its own, such as why it
// leaves a room it was invited to.
type Notice string

// Notices adapters may need.
const (
	NoticeInviteRefused Notice = "notice.invite_refused"
	// NoticeButtonExpired answers a press on a button the platform no
	// longer knows (one sent before a restart).
	NoticeButtonExpired Notice = "notice.button_expired"
)

// Noticer gives adapters the bot's wording; *Bot implements it.
type Noticer interface {
	Notice(platform, room string, n Notice) string
}

// Notice implements Noticer: in the language of the room's community, or
// in every language when the room belongs to none.
func (b *Bot) Notice(platform, room string, n Notice) string {
	if com, ok := b.CommunityOf(platform, room); ok {
		return b.catalog.In(com.Language).S(string(n), nil)
	}
	var texts []string
	for _, lang := range Languages() {
		texts = append(texts, b.catalog.In(lang).S(string(n), nil))
	}
	return strings.Join(texts, "\n")
}

// CommunityOf is the community a platform's room belongs to, if any.
func (b *Bot) CommunityOf(platform, room string) (*Community, bool) {
	c := b.communityFor(Message{Platform: platform, Room: room})
	return c, c != nil
}

// allow applies the per-member flood limit.
func (b *Bot) allow(c *Community, m Message) bool {
	if c.RateLimit.PerMinute <= 0 || m.Local {
		return true
	}
	key := c.Slug + "\x00" + m.Platform + "\x00" + m.Sender.ID
	b.mu.Lock()
	lim, ok := b.limiters[key]
	if !ok {
		burst := c.RateLimit.Burst
		if burst < 1 {
			burst = 1
		}
		lim = rate.NewLimiter(rate.Limit(c.RateLimit.PerMinute/60), burst)
		b.limiters[key] = lim
	}
	b.mu.Unlock()
	return lim.AllowN(b.now(), 1)
}

// Deliver hands r to the adapter, using its optional capabilities and
// falling back to plain text for what it lacks.
func (b *Bot) Deliver(ctx context.Context, a Adapter, t Target, r Reply) (MessageID, error) {
	tr := b.catalog.In("fr")
	if com := b.communityFor(Message{Platform: a.Platform(), Room: t.Room}); com != nil {
		tr = b.catalog.In(com.Language)
	}
	if len(r.Buttons) > 0 {
		if bs, ok := a.(ButtonSender); ok {
			return bs.SendButtons(ctx, t, r)
		}
		choices := make([]string, len(r.Buttons))
		for i, btn := range r.Buttons {
			payload := btn.Payload
			if btn.Ask != "" {
				payload += " …"
			}
			choices[i] = tr.S(msgButtonChoice, map[string]any{"Label": btn.Label, "Payload": payload})
		}
		r.Text += "\n" + tr.S(msgButtonsFallback, nil) + "\n" + strings.Join(choices, "\n")
		r.Buttons = nil
	}
	if r.File != nil {
		if fs, ok := a.(FileSender); ok {
			return fs.SendFile(ctx, t, r)
		}
		r.Text += "\n" + tr.S(msgFileUnavailable, nil)
		r.File = nil
	}
	if r.Private {
		if ps, ok := a.(PrivateSender); ok {
			return ps.SendPrivate(ctx, t, r)
		}
	}
	return a.Send(ctx, t, r)
}

// request is one command being handled.
type request struct {
	ctx     context.Context
	bot     *Bot
	msg     Message
	com     *Community
	tr      Tr
	log     *slog.Logger
	cmd     *Command
	args    []string
	replies []Reply
}

func (r *request) reply(rep Reply) { r.replies = append(r.replies, rep) }

// replyList answers with empty when there is nothing to list, or with the
// header, counting the items, over one bullet a line.
func replyList[T any](r *request, private bool, items []T, empty, header string, line func(T) string) {
	if len(items) == 0 {
		r.reply(Reply{Private: private, Text: empty})
		return
	}
	lines := []string{r.tr.N(header, len(items), nil)}
	for _, it := range items {
		lines = append(lines, "• "+line(it))
	}
	r.reply(Reply{Private: private, Text: strings.Join(lines, "\n")})
}

func (r *request) sender() ledger.Identity {
	return ledger.Identity{Platform: r.msg.Platform, UserID: r.msg.Sender.ID, Name: r.msg.Sender.Name}
}

// header is the command header of what this message writes: every
// request to the ledger is built on it.
func (r *request) header() ledger.Header {
	return ledger.Header{Community: r.com.id, Key: r.key(), Source: r.msg.Platform, Actor: r.sender()}
}

// caseActor is the header of a command on a case or a mutual-aid post,
// with whether the sender moderates the community (who may act on any).
func (r *request) caseActor() ledger.CaseActor {
	return ledger.CaseActor{Header: r.header(), Moderator: r.moderator()}
}

// key is the idempotency key of what this message writes. A platform that
// gives no event ID gets a random one: such a message can't be redelivered.
func (r *request) key() string {
	if r.msg.ID != "" {
		return r.msg.Platform + ":" + r.msg.ID
	}
	var buf [12]byte
	rand.Read(buf[:])
	r.log.Warn("message without event ID; it is not idempotent")
	return r.msg.Platform + ":anon:" + hex.EncodeToString(buf[:])
}

type loggerKey struct{}

func withLogger(ctx context.Context, l *slog.Logger) context.Context {
	return context.WithValue(ctx, loggerKey{}, l)
}

func loggerFrom(ctx context.Context, fallback *slog.Logger) *slog.Logger {
	if l, ok := ctx.Value(loggerKey{}).(*slog.Logger); ok {
		return l
	}
	return fallback
}
