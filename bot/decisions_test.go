package bot

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/entraide/entraide/internal/testutil"
	"github.com/entraide/entraide/ledger"
)

// richAdapter is a platform with buttons, threads and editing, recording
// what the bot does with them.
type richAdapter struct {
	mu       sync.Mutex
	n        int
	posts    []posted
	edits    []posted
	threads  []Target
	failSend bool
}

type posted struct {
	ID     MessageID
	Target Target
	Reply  Reply
}

func (a *richAdapter) Platform() string                       { return "test" }
func (a *richAdapter) Run(ctx context.Context, _ Inbox) error { return nil }

func (a *richAdapter) post(t Target, r Reply) (MessageID, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.failSend {
		return "", errors.New("platform unavailable")
	}
	a.n++
	id := MessageID(fmt.Sprintf("m%d", a.n))
	a.posts = append(a.posts, posted{ID: id, Target: t, Reply: r})
	return id, nil
}

func (a *richAdapter) Send(ctx context.Context, t Target, r Reply) (MessageID, error) {
	return a.post(t, r)
}
func (a *richAdapter) SendButtons(ctx context.Context, t Target, r Reply) (MessageID, error) {
	return a.post(t, r)
}

func (a *richAdapter) OpenThread(ctx context.Context, t Target, title string) (string, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.threads = append(a.threads, t)
	return fmt.Sprintf("t%d", len(a.threads)), nil
}

func (a *richAdapter) Edit(ctx context.Context, t Target, id MessageID, r Reply) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.edits = append(a.edits, posted{ID: id, Target: t, Reply: r})
	return nil
}

func (a *richAdapter) counts() (posts, edits int) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.posts), len(a.edits)
}

func (a *richAdapter) last() posted {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.posts[len(a.posts)-1]
}

func (a *richAdapter) lastEdit() posted {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.edits[len(a.edits)-1]
}

// decisionEnv is a ledger file, a clock and a community the bots share,
// so a test can restart the bot.
type decisionEnv struct {
	t     *testing.T
	ctx   context.Context
	db    *ledger.DB
	clock *testutil.Clock
	com   *Community
}

// clockedLedger is a ledger file of the test's own whose time is the
// returned clock's, so that a test can move it past deadlines.
func clockedLedger(t *testing.T) (*ledger.DB, *testutil.Clock) {
	t.Helper()
	clock := testutil.NewClock(time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC))
	db, err := ledger.Open(context.Background(), filepath.Join(t.TempDir(), "l.db"), ledger.Options{Durability: ledger.DurabilityNormal, Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db, clock
}

func newDecisionEnv(t *testing.T, members ...string) *decisionEnv {
	t.Helper()
	db, clock := clockedLedger(t)
	com := testCommunity("c")
	com.Moderators = []string{"test:mod"}
	e := &decisionEnv{t: t, ctx: context.Background(), db: db, clock: clock, com: com}
	e.bot() // creates the community
	for _, m := range members {
		if _, err := db.EnsureMember(e.ctx, com.LedgerID(), ledger.Identity{Platform: "test", UserID: m, Name: m}); err != nil {
			t.Fatal(err)
		}
	}
	return e
}

// bot starts a bot on the shared ledger, as a restart does.
func (e *decisionEnv) bot() *Bot {
	e.t.Helper()
	return newTestBot(e.t, Options{Ledger: e.db, Communities: []*Community{e.com}, Now: e.clock.Now})
}

// richBot is bot with a richAdapter attached, which records what is posted.
func (e *decisionEnv) richBot() (*Bot, *richAdapter) {
	e.t.Helper()
	b := e.bot()
	a := &richAdapter{}
	b.Attach(a)
	return b, a
}

func (e *decisionEnv) proposal(n int) ledger.Proposal {
	e.t.Helper()
	p, err := e.db.Proposal(e.ctx, e.com.LedgerID(), n)
	if err != nil {
		e.t.Fatal(err)
	}
	return p
}

func tick(t *testing.T, b *Bot) {
	t.Helper()
	if err := b.Tick(context.Background()); err != nil {
		t.Fatalf("tick: %v", err)
	}
}

func mentioned(r Reply) []string {
	var ids []string
	for _, m := range r.Mentions {
		ids = append(ids, m.User.ID)
	}
	slices.Sort(ids)
	return ids
}

func TestProposalCardIsPostedEditedAndAnnouncedOnce(t *testing.T) {
	e := newDecisionEnv(t, "bob", "chloe")
	b, a := e.richBot()
	ctx := context.Background()

	if replies := b.Handle(ctx, msg("e1", "ana", "/propose Buy a trailer\nfor the garden until 3d")); len(replies) != 0 {
		t.Fatalf("the card is the answer, got replies %+v", replies)
	}
	card := a.last()
	if card.Target.Room != "r" || !strings.Contains(card.Reply.Text, "Proposal #1 by @ana (v1): Buy a trailer\nfor the garden") ||
		!strings.Contains(card.Reply.Text, "waiting for 3") || !slices.Equal(mentioned(card.Reply), []string{"ana"}) {
		t.Fatalf("card = %+v", card)
	}
	want := []Button{
		{Label: "Consent", Payload: "/consent 1", Emoji: "👍"},
		{Label: "Concern", Payload: "/concern 1", Emoji: "🤔", Ask: b.catalog.In("en").S(msgDecisionAskConcern, nil)},
		{Label: "Stand aside", Payload: "/standaside 1", Emoji: "🙊"},
		{Label: "Object", Payload: "/object 1", Emoji: "✋", Ask: b.catalog.In("en").S(msgDecisionAskObjection, nil)},
	}
	if !slices.Equal(card.Reply.Buttons, want) {
		t.Fatalf("buttons = %+v", card.Reply.Buttons)
	}
	if len(a.threads) != 1 || a.threads[0].ReplyTo != string(card.ID) || a.threads[0].Room != "r" {
		t.Fatalf("threads = %+v", a.threads)
	}
	if p := e.proposal(1); p.Card != string(card.ID) || p.Thread != "t1" {
		t.Fatalf("stored card %q thread %q", p.Card, p.Thread)
	}

	// A response edits the card in place and is confirmed privately.
	r := only(t, b.Handle(ctx, msg("e2", "bob", "/consent 1")))
	if !r.Private || strings.Contains(r.Text, "waiting for") {
		t.Fatalf("confirmation = %+v", r)
	}
	edit := a.lastEdit()
	if edit.ID != card.ID || !strings.Contains(edit.Reply.Text, "consent 1 ·") || !strings.Contains(edit.Reply.Text, "👍 Consent: bob") || len(edit.Reply.Buttons) != 4 {
		t.Fatalf("edit = %+v", edit)
	}
	// A button's question is answered by appending the answer.
	only(t, b.Handle(ctx, msg("e3", "chloe", want[3].Payload+" "+"no place to keep it")))
	if edit := a.lastEdit(); !strings.Contains(edit.Reply.Text, "objections 1") || !strings.Contains(edit.Reply.Text, "chloe (“no place to keep it”)") {
		t.Fatalf("edit = %+v", edit)
	}

	// A day before the deadline, the reminder names who hasn't responded.
	posts, _ := a.counts()
	e.clock.Advance(2*24*time.Hour + time.Minute)
	tick(t, b)
	tick(t, b)
	if n, _ := a.counts(); n != posts+1 {
		t.Fatalf("%d posts after two ticks, want one reminder", n-posts)
	}
	if rem := a.last(); !strings.Contains(rem.Reply.Text, "closes") || !slices.Equal(mentioned(rem.Reply), []string{"ana"}) {
		t.Fatalf("reminder = %+v", rem)
	}

	// The deadline passes: the card shows the outcome without buttons, the
	// outcome is posted once and mentions the proposer and the objector.
	e.clock.Advance(24 * time.Hour)
	tick(t, b)
	out := a.last()
	if !strings.Contains(out.Reply.Text, "is not adopted") || !strings.Contains(out.Reply.Text, "@chloe: “no place to keep it” — stands") ||
		!slices.Equal(mentioned(out.Reply), []string{"ana", "chloe"}) || out.Target.Room != "r" {
		t.Fatalf("outcome = %+v", out)
	}
	if edit := a.lastEdit(); edit.ID != card.ID || len(edit.Reply.Buttons) != 0 || !strings.Contains(edit.Reply.Text, "Not adopted") {
		t.Fatalf("final card = %+v", edit)
	}
	posts, edits := a.counts()
	tick(t, b)
	if p, ed := a.counts(); p != posts || ed != edits {
		t.Fatalf("a second tick posted %d and edited %d", p-posts, ed-edits)
	}

	// A restart announces nothing again.
	b2 := e.bot()
	a2 := &richAdapter{}
	b2.Attach(a2)
	tick(t, b2)
	if p, ed := a2.counts(); p != 0 || ed != 0 {
		t.Fatalf("after a restart: %d posts, %d edits", p, ed)
	}
}

func TestOutcomeWaitsForItsAdapter(t *testing.T) {
	e := newDecisionEnv(t, "bob")
	b := e.bot()
	ctx := context.Background()
	// No adapter at hand: the card is the reply.
	card := only(t, b.Handle(ctx, msg("e1", "ana", "/propose Paint the shed until 1d")))
	if !strings.Contains(card.Text, "Proposal #1") || len(card.Buttons) != 4 || card.Private {
		t.Fatalf("card = %+v", card)
	}
	e.clock.Advance(25 * time.Hour)
	tick(t, b)
	if p := e.proposal(1); p.Open() || !p.AnnouncedAt.IsZero() {
		t.Fatalf("closed %v announced %v: want closed, not announced", !p.Open(), p.AnnouncedAt)
	}
	// The platform fails: the outcome stays pending.
	a := &richAdapter{failSend: true}
	b.Attach(a)
	if err := b.Tick(ctx); err == nil {
		t.Fatal("a failed post was not reported")
	}
	if p := e.proposal(1); !p.AnnouncedAt.IsZero() {
		t.Fatal("a failed post was marked announced")
	}
	a.failSend = false
	tick(t, b)
	tick(t, b)
	if n, _ := a.counts(); n != 1 || !strings.Contains(a.last().Reply.Text, "is adopted") {
		t.Fatalf("%d posts, last %+v", n, a.posts)
	}
	if p := e.proposal(1); p.AnnouncedAt.IsZero() {
		t.Fatal("not marked announced")
	}
}

func TestCloseAnnouncesOnceWhereProposed(t *testing.T) {
	e := newDecisionEnv(t, "bob")
	b, a := e.richBot()
	ctx := context.Background()
	b.Handle(ctx, msg("e1", "ana", "/propose Paint the shed"))
	only(t, b.Handle(ctx, msg("e2", "bob", "/concern 1 the colour")))
	only(t, b.Handle(ctx, msg("e2b", "ana", "/consent 1")))
	if replies := b.Handle(ctx, msg("e3", "ana", "/close 1")); len(replies) != 0 {
		t.Fatalf("closing in the proposal's room: replies %+v", replies)
	}
	out := a.last()
	if !strings.Contains(out.Reply.Text, "is adopted") || !strings.Contains(out.Reply.Text, "Closed early by @ana") ||
		!strings.Contains(out.Reply.Text, "bob: “the colour”") {
		t.Fatalf("outcome = %+v", out)
	}
	posts, _ := a.counts()
	tick(t, b)
	// Redelivered, the close says it was recorded and posts nothing.
	r := only(t, b.Handle(ctx, msg("e3", "ana", "/close 1")))
	if !r.Private || !strings.Contains(r.Text, "Already recorded") {
		t.Fatalf("replayed close: %+v", r)
	}
	if n, _ := a.counts(); n != posts {
		t.Fatalf("%d more posts after a tick and a redelivery", n-posts)
	}
	// From another room, the closer is told where the outcome went.
	b.Handle(ctx, msg("e4", "bob", "/propose Paint the gate"))
	m := msg("e5", "mod", "/close 2 the gate was painted last week")
	m.Room = "elsewhere"
	if r := only(t, b.Handle(ctx, m)); !r.Private || !strings.Contains(r.Text, "posted where it was proposed") {
		t.Fatalf("close from elsewhere: %+v", r)
	}
	if out := a.last(); out.Target.Room != "r" || !strings.Contains(out.Reply.Text, "Proposal #2") ||
		!strings.Contains(out.Reply.Text, "Closed early by @mod, ") || !strings.Contains(out.Reply.Text, ": “the gate was painted last week”") {
		t.Fatalf("outcome of #2 = %+v", out)
	}
}

func TestCloseWhenThePlatformFailsIsAnnouncedByTheNextTick(t *testing.T) {
	e := newDecisionEnv(t, "bob")
	b, a := e.richBot()
	ctx := context.Background()
	b.Handle(ctx, msg("e1", "ana", "/propose Paint the shed"))
	b.Handle(ctx, msg("e1b", "ana", "/consent 1"))
	b.Handle(ctx, msg("e1c", "bob", "/consent 1"))
	a.failSend = true
	r := only(t, b.Handle(ctx, msg("e2", "ana", "/close 1")))
	if !r.Private || !strings.Contains(r.Text, "could not be posted yet") {
		t.Fatalf("close while the platform fails: %+v", r)
	}
	if p := e.proposal(1); p.Open() || !p.AnnouncedAt.IsZero() {
		t.Fatalf("open %v, announced %v: want closed and pending", p.Open(), p.AnnouncedAt)
	}
	a.failSend = false
	tick(t, b)
	tick(t, b)
	if n, _ := a.counts(); n != 2 || !strings.Contains(a.last().Reply.Text, "is adopted") {
		t.Fatalf("%d posts (card and outcome expected), last %+v", n, a.last())
	}
}

func TestProposeDeadlines(t *testing.T) {
	e := newDecisionEnv(t)
	e.com.Decisions.Deadline = 3 * 24 * time.Hour
	b := e.bot()
	ctx := context.Background()
	for _, c := range []struct{ text, want string }{
		{"/propose x until 2026-01-01", "has already passed"},
		{"/propose x until 2027-06-01", "more than 90 days away"},
		{"/propose x until someday", "I don't understand the deadline “someday”"},
		{"/propose until friday", "Usage: /propose"},
		{"/propose", "Usage: /propose"},
	} {
		if r := only(t, b.Handle(ctx, msg("k-"+c.text, "ana", c.text))); !r.Private || !strings.Contains(r.Text, c.want) {
			t.Errorf("%s: %q, want %q", c.text, r.Text, c.want)
		}
	}
	only(t, b.Handle(ctx, msg("k1", "ana", "/propose Paint the shed")))
	if p := e.proposal(1); !p.Deadline.Equal(e.clock.Now().Add(3 * 24 * time.Hour)) {
		t.Fatalf("default deadline %v", p.Deadline)
	}
	only(t, b.Handle(ctx, msg("k2", "ana", "/proposer Repeindre la porte jusqu’au vendredi")))
	if p := e.proposal(2); p.Text() != "Repeindre la porte" || p.Deadline.Weekday() != time.Friday {
		t.Fatalf("#2 = %q until %v", p.Text(), p.Deadline)
	}
}

func TestParseQuorumAndDecisionSettings(t *testing.T) {
	for in, want := range map[string]Quorum{"0": {}, "3": {Count: 3}, "50%": {Percent: 50}, " 100 % ": {Percent: 100}} {
		if got, err := ParseQuorum(in); err != nil || got != want {
			t.Errorf("ParseQuorum(%q) = %+v, %v; want %+v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "-1", "101%", "half", "1.5"} {
		if _, err := ParseQuorum(in); err == nil {
			t.Errorf("ParseQuorum(%q) accepted", in)
		}
	}
	for _, d := range []Decisions{
		{Deadline: -time.Hour},
		{Deadline: 91 * 24 * time.Hour},
		{Quorum: Quorum{Count: -1}},
		{Quorum: Quorum{Percent: 120}},
	} {
		c := testCommunity("c")
		c.Decisions = d
		if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "decisions.") {
			t.Errorf("Decisions %+v: err = %v, want one naming decisions.", d, err)
		}
	}
}

func TestDecisionCommandsHaveSpecs(t *testing.T) {
	b := newTestBot(t, Options{Communities: []*Community{testCommunity("c", "test:*")}})
	specs := map[string]Spec{}
	for _, s := range b.Specs("test", "r") {
		specs[strings.Join(s.Path, " ")] = s
	}
	for _, name := range []string{"propose", "consent", "concern", "standaside", "object", "withdraw", "amend", "resolve", "close", "proposal", "decisions"} {
		s, ok := specs[name]
		if !ok {
			t.Errorf("no spec for %s", name)
			continue
		}
		for lang, d := range s.Descriptions {
			if d == "" || len([]rune(d)) > 100 {
				t.Errorf("%s: %s description %q", name, lang, d)
			}
		}
	}
	if got := specs["propose"].Text(map[string]string{"text": "Paint the shed", "deadline": "friday"}); got != "/propose Paint the shed until friday" {
		t.Errorf("propose text = %q", got)
	}
	if got := specs["resolve"].Text(map[string]string{"number": "3", "member": "<@1>", "resolution": "integrated", "reason": "done"}); got != "/resolve 3 <@1> integrated done" {
		t.Errorf("resolve text = %q", got)
	}
}

func TestDecisionCSVHasOneRowPerVersion(t *testing.T) {
	e := newDecisionEnv(t, "bob", "chloe")
	b := e.bot()
	ctx := context.Background()
	for i, text := range []string{
		"/propose Buy a trailer",
		"/object 1 no storage",
		"/amend 1 Buy a trailer, and rent a shed",
		"/concern 1 the rent",
		"/object 1 still no storage",
		"/resolve 1 @chloe not-paramount the shed is storage",
		"/close 1 the shed settles it",
	} {
		who := []string{"ana", "bob", "ana", "bob", "chloe", "mod", "mod"}[i]
		m := msg(fmt.Sprint("k", i), who, text)
		if strings.Contains(text, "@chloe") {
			m.Mentions = []Mention{{Text: "@chloe", User: User{ID: "chloe", Name: "chloe"}}}
		}
		b.Handle(ctx, m)
	}
	var buf strings.Builder
	w, err := NewDecisionCSV(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Write("c", e.proposal(1)); err != nil {
		t.Fatal(err)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 3 || lines[0] != strings.Join(DecisionCSVHeader(), ",") {
		t.Fatalf("csv:\n%s", buf.String())
	}
	for i, want := range []string{
		`c,1,1,Buy a trailer,ana,2026-11-23T09:00:00Z,2026-11-30T09:00:00Z,2026-11-23T09:00:00Z,amended,0,0,0,1,0,,bob: no storage [superseded],,`,
		`c,1,2,"Buy a trailer, and rent a shed",ana,2026-11-23T09:00:00Z,2026-11-30T09:00:00Z,2026-11-23T09:00:00Z,adopted,0,1,0,0,0,bob: the rent,chloe: still no storage [not_paramount by mod: the shed is storage],mod,the shed settles it`,
	} {
		if lines[i+1] != want {
			t.Errorf("row %d:\n have %s\n want %s", i+1, lines[i+1], want)
		}
	}
}
