package bot

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/entraide/entraide/internal/testutil"
	"github.com/entraide/entraide/ledger"
)

// spaceAdapter makes private spaces (and, when editor is set, changes
// their members), recording what it posts where.
type spaceAdapter struct {
	mu        sync.Mutex
	spaces    map[string][]string
	posts     []posted
	failSpace error
}

func (a *spaceAdapter) Platform() string                       { return "test" }
func (a *spaceAdapter) Run(ctx context.Context, _ Inbox) error { return nil }
func (a *spaceAdapter) Send(ctx context.Context, t Target, r Reply) (MessageID, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.posts = append(a.posts, posted{Target: t, Reply: r})
	return "", nil
}

// SendPrivate keeps private replies apart, under "dm:" and the member.
func (a *spaceAdapter) SendPrivate(ctx context.Context, t Target, r Reply) (MessageID, error) {
	return a.Send(ctx, Target{Room: "dm:" + t.User.ID}, r)
}

func (a *spaceAdapter) CreatePrivateSpace(ctx context.Context, name string, members []User) (string, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.failSpace != nil {
		return "", a.failSpace
	}
	if a.spaces == nil {
		a.spaces = map[string][]string{}
	}
	room := fmt.Sprintf("space-%d", len(a.spaces)+1)
	for _, m := range members {
		a.spaces[room] = append(a.spaces[room], m.ID)
	}
	return room, nil
}

// postsIn lists what was posted in room.
func (a *spaceAdapter) postsIn(room string) []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	var out []string
	for _, p := range a.posts {
		if p.Target.Room == room {
			out = append(out, p.Reply.Text)
		}
	}
	return out
}

// editingAdapter can also change a space's members.
type editingAdapter struct{ spaceAdapter }

func (a *editingAdapter) AddToPrivateSpace(ctx context.Context, room string, u User) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.spaces[room] = append(a.spaces[room], u.ID)
	return nil
}

func (a *editingAdapter) RemoveFromPrivateSpace(ctx context.Context, room string, u User) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.spaces[room] = slices.DeleteFunc(a.spaces[room], func(id string) bool { return id == u.ID })
	return nil
}

type caseEnv struct {
	t     *testing.T
	ctx   context.Context
	db    *ledger.DB
	coms  []*Community
	clock *testutil.Clock
	b     *Bot
	seq   int
}

// newCaseEnv is two communities on platform "test", each with its room
// and moderators' room; "mod" moderates both.
func newCaseEnv(t *testing.T) *caseEnv {
	t.Helper()
	db, clock := clockedLedger(t)
	a := testCommunity("a", "test:room-a", "test:mods-a")
	a.Language = "fr"
	a.Moderators = []string{"test:mod"}
	a.Conflicts.ModeratorsRoom = "test:mods-a"
	b := testCommunity("b", "test:room-b", "test:mods-b")
	b.Moderators = []string{"test:mod"}
	b.Conflicts.ModeratorsRoom = "test:mods-b"
	e := &caseEnv{t: t, ctx: context.Background(), db: db, coms: []*Community{a, b}, clock: clock}
	e.start()
	return e
}

// start makes a new bot on the ledger, as a restart does.
func (e *caseEnv) start() {
	e.b = newTestBot(e.t, Options{Ledger: e.db, Communities: e.coms, Now: e.clock.Now,
		Random: bytes.NewReader(bytes.Repeat([]byte{7}, 1024))})
}

func (e *caseEnv) say(a Adapter, room, from, text string, mentions ...string) []Reply {
	e.seq++
	m := msg(fmt.Sprintf("e%d", e.seq), from, text, mentions...)
	m.Room = room
	ctx := withAdapter(context.Background(), a)
	replies := e.b.Handle(ctx, m)
	for _, r := range replies {
		if _, err := e.b.Deliver(ctx, a, TargetOf(m), r); err != nil {
			e.t.Fatal(err)
		}
	}
	return replies
}

// A case's private space belongs to the community that opened it, also
// after a restart, though no config names it: commands there are in that
// community's language and find its cases.
func TestCaseSpaceBelongsToItsCommunity(t *testing.T) {
	e := newCaseEnv(t)
	a := &spaceAdapter{}
	e.b.Attach(a)
	if c := e.b.communityFor(Message{Platform: "test", Room: "space-1"}); c != nil {
		t.Fatalf("an unknown room belongs to %s", c.Slug)
	}
	r := e.say(a, "mods-b", "mod", "/conflict open @ana @bob about the oven", "ana", "bob")
	if len(r) != 1 || !strings.Contains(r[0].Text, "Mediation #1 is open") || r[0].Private {
		t.Fatalf("open: %+v", r)
	}
	if !slices.Equal(a.spaces["space-1"], []string{"ana", "bob"}) {
		t.Fatalf("space members %v", a.spaces)
	}
	check := func() {
		t.Helper()
		if c := e.b.communityFor(Message{Platform: "test", Room: "space-1"}); c == nil || c.Slug != "b" {
			t.Fatalf("space-1 belongs to %v", c)
		}
		r := e.say(a, "space-1", "ana", "/conflict status")
		if len(r) != 1 || !strings.HasPrefix(r[0].Text, "🕊️ Mediation #1 — open — the oven") || r[0].Private {
			t.Fatalf("status in the space: %+v", r)
		}
	}
	check()
	e.start()
	e.b.Attach(a)
	check()
	// The other community has no case #1.
	if r := e.say(a, "mods-a", "mod", "/conflit etat #1"); !strings.Contains(r[0].Text, "Il n'y a pas de médiation n°\u00a01") {
		t.Errorf("community a sees %q", r[0].Text)
	}
}

// Without a private-space capability, or when the platform fails to make
// the space, opening is refused and nothing is recorded.
func TestOpenWithoutPrivateSpaces(t *testing.T) {
	e := newCaseEnv(t)
	plain := &plainAdapter{}
	e.b.Attach(plain)
	r := e.say(plain, "mods-b", "mod", "/conflict open @ana @bob about the oven", "ana", "bob")
	if len(r) != 1 || !strings.Contains(r[0].Text, "can't make private spaces") {
		t.Fatalf("open without spaces: %+v", r)
	}
	failing := &spaceAdapter{failSpace: errors.New("no private channel is configured")}
	e.b.Attach(failing)
	r = e.say(failing, "mods-b", "mod", "/conflict open @ana @bob about the oven", "ana", "bob")
	if len(r) != 1 || !strings.Contains(r[0].Text, "couldn't make the private space on test; nothing was recorded") {
		t.Fatalf("open with a failing platform: %+v", r)
	}
	if cs, _ := e.db.Cases(e.ctx, 0, ledger.CasesAll); len(cs) != 0 {
		t.Errorf("cases were recorded: %+v", cs)
	}
}

// Adding and removing members changes the space where the adapter can;
// where it can't, the change is recorded and the moderators are told to
// do it by hand.
func TestCaseMembersOnThePlatform(t *testing.T) {
	e := newCaseEnv(t)
	ed := &editingAdapter{}
	e.b.Attach(ed)
	e.say(ed, "mods-b", "mod", "/conflict open @ana @bob about the oven", "ana", "bob")
	r := e.say(ed, "mods-b", "mod", "/conflict add #1 @cleo mediator", "cleo")
	if !slices.Equal(ed.spaces["space-1"], []string{"ana", "bob", "cleo"}) || strings.Contains(r[0].Text, "yourself") {
		t.Fatalf("add: %v %+v", ed.spaces, r)
	}
	if posts := ed.postsIn("space-1"); !strings.Contains(posts[len(posts)-1], "@cleo joins mediation #1 (mediator)") {
		t.Errorf("the space was not told: %q", posts)
	}
	e.say(ed, "mods-b", "mod", "/conflict remove #1 @bob", "bob")
	if !slices.Equal(ed.spaces["space-1"], []string{"ana", "cleo"}) {
		t.Fatalf("remove: %v", ed.spaces)
	}

	plain := &spaceAdapter{}
	e.b.Attach(plain)
	e.say(plain, "mods-b", "mod", "/conflict open @ana @bob about the bikes", "ana", "bob")
	r = e.say(plain, "mods-b", "mod", "/conflict add #2 @cleo", "cleo")
	if !strings.Contains(r[0].Text, "please invite cleo yourself") {
		t.Errorf("add by hand: %q", r[0].Text)
	}
	c, _ := e.db.Case(e.ctx, e.coms[1].id, 2)
	if c.Role(mustAccount(t, e, "cleo")) != ledger.RoleParty {
		t.Errorf("the addition was not recorded: %+v", c.Members)
	}
}

func mustAccount(t *testing.T, e *caseEnv, user string) ledger.AccountID {
	t.Helper()
	a, found, err := e.db.Member(e.ctx, e.coms[1].id, ledger.Identity{Platform: "test", UserID: user})
	if err != nil || !found {
		t.Fatalf("no account for %s: %v", user, err)
	}
	return a.ID
}

// Nothing about a case leaves its space and the moderators' room: the
// newsletter counts cases, and names no party, topic, note or summary.
func TestCaseDetailsAreNotInTheNewsletter(t *testing.T) {
	e := newCaseEnv(t)
	a := &spaceAdapter{}
	e.b.Attach(a)
	for _, u := range []string{"mod", "zoé", "yann", "xavier"} {
		if _, err := e.db.EnsureMember(e.ctx, e.coms[1].id, ledger.Identity{Platform: "test", UserID: u, Name: u}); err != nil {
			t.Fatal(err)
		}
	}
	e.clock.Advance(10 * 24 * time.Hour) // members are not newcomers
	e.say(a, "room-b", "zoé", "/conflict request Yann keeps borrowing my ladder")
	e.say(a, "mods-b", "mod", "/conflict open request 1 @yann mediator @xavier about the ladder dispute", "yann", "xavier")
	e.say(a, "room-b", "xavier", "/conflict note #1 Confidential: Zoé is moving out")
	e.say(a, "room-b", "xavier", "/conflict agree #1 The ladder stays in the shed with a sign-out sheet")
	e.say(a, "mods-b", "mod", "/conflict open @zoé @xavier about the hedge", "zoé", "xavier")
	e.clock.Advance(time.Hour)
	n, err := e.b.ComposeNewsletter(e.ctx, "b", NewsletterMarkdown)
	if err != nil {
		t.Fatal(err)
	}
	if !n.HasConflicts || n.Conflicts != (ledger.ConflictCounts{Opened: 2, Closed: 1, Open: 1}) ||
		!strings.Contains(n.Markdown, "- Mediations: 2 opened and 1 closed in this period; 1 in progress.") {
		t.Errorf("counts: %+v\n%s", n.Conflicts, n.Markdown)
	}
	for _, text := range []string{n.Markdown, n.HTML} {
		for _, banned := range []string{"zoé", "Zoé", "yann", "Yann", "xavier", "ladder", "hedge", "moving out", "sign-out", "Mediation #", "mediation #"} {
			if strings.Contains(text, banned) {
				t.Errorf("the newsletter shows %q:\n%s", banned, text)
			}
		}
	}
	// Nor did anything reach the community's room.
	if posts := a.postsIn("room-b"); len(posts) != 0 {
		t.Errorf("posted in the community room: %q", posts)
	}
}

// A draw's seed comes from Options.Random and is recorded: the result is
// re-computed from the record alone.
func TestCouncilDrawFromTheBot(t *testing.T) {
	e := newCaseEnv(t)
	e.coms[1].Conflicts.Council = CouncilSettings{Members: []string{"test:mod"}, Drawn: 2}
	a := &spaceAdapter{}
	e.b.Attach(a)
	for _, u := range []string{"ana", "bob", "cleo", "dan"} {
		e.db.EnsureMember(e.ctx, e.coms[1].id, ledger.Identity{Platform: "test", UserID: u, Name: u})
	}
	r := e.say(a, "mods-b", "mod", "/council draw")
	if len(r) != 1 || !strings.Contains(r[0].Text, "among 4 eligible members") ||
		!strings.Contains(r[0].Text, "seed 07070707070707070707070707070707") {
		t.Fatalf("draw: %+v", r)
	}
	d, ok, err := e.db.LatestCouncilDraw(e.ctx, e.coms[1].id, "test")
	if err != nil || !ok {
		t.Fatal(ok, err)
	}
	seed, _ := ledger.ParseSeed(d.SeedHex())
	ids := make([]ledger.AccountID, len(d.Eligible))
	for i, v := range d.Eligible {
		ids[i] = v.Account
	}
	got := ledger.DrawLots(seed, ids, d.Seats)
	if len(got) != 2 || got[0] != d.Drawn[0].Account || got[1] != d.Drawn[1].Account {
		t.Errorf("re-run %v, recorded %+v", got, d.Drawn)
	}
	r = e.say(a, "room-b", "bob", "/council")
	if !strings.Contains(r[0].Text, "Named members: mod") || !strings.Contains(r[0].Text, d.Drawn[0].Name) {
		t.Errorf("show: %q", r[0].Text)
	}
}
