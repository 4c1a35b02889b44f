package bot

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/entraide/entraide/ledger"
)

func testCommunity(slug string, rooms ...string) *Community {
	return &Community{
		Slug: slug, Name: slug, Language: "en", Location: time.UTC,
		Limits: DefaultLimits(), UndoWindow: 15 * time.Minute,
		Categories: DefaultCategories(), Rooms: rooms,
	}
}

func newTestBot(t *testing.T, opts Options) *Bot {
	t.Helper()
	if opts.Ledger == nil {
		db, err := ledger.Open(context.Background(), filepath.Join(t.TempDir(), "b.db"), ledger.Options{Durability: ledger.DurabilityNormal})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		opts.Ledger = db
	}
	if opts.Communities == nil {
		opts.Communities = []*Community{testCommunity("c")}
	}
	b, err := New(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func msg(id, from, text string, mentions ...string) Message {
	m := Message{ID: id, Platform: "test", Room: "r", Sender: User{ID: from, Name: from}, Text: text}
	for _, u := range mentions {
		m.Mentions = append(m.Mentions, Mention{Text: "@" + u, User: User{ID: u, Name: u}})
	}
	return m
}

func only(t *testing.T, replies []Reply) Reply {
	t.Helper()
	if len(replies) != 1 {
		t.Fatalf("got %d replies, want 1: %+v", len(replies), replies)
	}
	return replies[0]
}

func TestSplitCommand(t *testing.T) {
	for _, c := range []struct {
		in, name, rest string
		ok             bool
	}{
		{"/give 2h @ana", "give", "2h @ana", true},
		{"!give 2h @ana", "give", "2h @ana", true},
		{"  /solde  ", "solde", "", true},
		{"/help\tgive", "help", "give", true},
		{"give 2h", "", "", false},
		{"/", "", "", false},
		{"!", "", "", false},
		{"", "", "", false},
		{"hello /give", "", "", false},
	} {
		name, rest, ok := splitCommand(c.in)
		if name != c.name || rest != c.rest || ok != c.ok {
			t.Errorf("splitCommand(%q) = %q, %q, %v; want %q, %q, %v", c.in, name, rest, ok, c.name, c.rest, c.ok)
		}
	}
}

func TestParseGiveArgs(t *testing.T) {
	com := testCommunity("c")
	mentions := []Mention{
		{Text: "@ana", User: User{ID: "ana"}},
		{Text: "@bob", User: User{ID: "bob"}},
		{Text: "<@42>", User: User{ID: "42"}},
	}
	for _, c := range []struct {
		args       string
		minutes    int64
		recipients []string
		note       string
		category   string
		refusal    string // message ID, or "duration"
	}{
		{"2h @ana", 120, []string{"ana"}, "", "", ""},
		{"2 h @ana @bob", 120, []string{"ana", "bob"}, "", "", ""},
		{"1h30 @ana for the garden #production", 90, []string{"ana"}, "the garden", "production", ""},
		{"1h30 @ana pour le jardin #soutien", 90, []string{"ana"}, "le jardin", "support", ""},
		{"#joie 1h @ana", 60, []string{"ana"}, "", "joy", ""},
		{"@ana 45min", 45, []string{"ana"}, "", "", ""},
		{"1h @ana, @bob and <@42> for the meeting", 60, []string{"ana", "bob", "42"}, "the meeting", "", ""},
		{"1h @ana et @bob", 60, []string{"ana", "bob"}, "", "", ""},
		{"1h @ana thanks a lot", 60, []string{"ana"}, "thanks a lot", "", ""},
		{"1h @ana for helping @bob", 60, []string{"ana"}, "helping @bob", "", ""},
		{"1h @ana for room #3 upstairs", 60, []string{"ana"}, "room #3 upstairs", "", ""},
		{"2 heures @ana", 120, []string{"ana"}, "", "", ""},
		{"1h @ana #RESEARCH", 60, []string{"ana"}, "", "research", ""},
		{"@ana", 0, nil, "", "", msgGiveNoAmount},
		{"2h", 0, nil, "", "", msgGiveNoRecipient},
		{"2h @zoe", 0, nil, "", "", msgGiveUnknownMember},
		{"2h @ana #garden", 0, nil, "", "", msgGiveUnknownCategory},
		{"2h @ana #joy #research", 0, nil, "", "", msgGiveTwoCategories},
		{"zero @ana", 0, nil, "", "", "duration"},
		{"0h @ana", 0, nil, "", "", "duration"},
	} {
		g, err := parseGiveArgs(testCatalog(t), strings.Fields(c.args), mentions, com, "en")
		if c.refusal != "" {
			var ref *refusal
			var de *DurationError
			switch {
			case c.refusal == "duration" && errors.As(err, &de):
			case errors.As(err, &ref) && ref.id == c.refusal:
			default:
				t.Errorf("%q: err = %v, want %s", c.args, err, c.refusal)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q: %v", c.args, err)
			continue
		}
		var ids []string
		for _, r := range g.recipients {
			ids = append(ids, r.User.ID)
		}
		if g.minutes != c.minutes || strings.Join(ids, ",") != strings.Join(c.recipients, ",") || g.note != c.note || g.category != c.category {
			t.Errorf("%q = %d %v %q %q; want %d %v %q %q", c.args, g.minutes, ids, g.note, g.category, c.minutes, c.recipients, c.note, c.category)
		}
	}
}

func TestRoomsMapToCommunities(t *testing.T) {
	b := newTestBot(t, Options{Communities: []*Community{
		testCommunity("garden", "test:r1", "other:*"),
		testCommunity("bakery", "test:r2"),
	}})
	for _, c := range []struct{ room, want string }{{"r1", "garden"}, {"r2", "bakery"}, {"r3", ""}} {
		com, ok := b.CommunityOf("test", c.room)
		if c.want == "" {
			if ok {
				t.Errorf("room %s belongs to %s, want none", c.room, com.Slug)
			}
			continue
		}
		if !ok || com.Slug != c.want {
			t.Errorf("room %s: got %v, want %s", c.room, com, c.want)
		}
	}
	if com, ok := b.CommunityOf("other", "anything"); !ok || com.Slug != "garden" {
		t.Errorf("other:* did not match")
	}
	m := msg("e1", "ana", "/balance")
	m.Room = "r3"
	if r := only(t, b.Handle(context.Background(), m)); !strings.Contains(r.Text, "isn't part of any community") || !strings.Contains(r.Text, "ne fait partie d'aucune") {
		t.Errorf("unlinked room reply = %q", r.Text)
	}
	// The same member has a separate account in each community.
	ctx := context.Background()
	give := msg("e2", "ana", "/give 1h @bob", "bob")
	give.Room = "r1"
	b.Handle(ctx, give)
	bal := msg("e3", "bob", "/balance")
	bal.Room = "r2"
	if r := only(t, b.Handle(ctx, bal)); !strings.Contains(r.Text, "Your balance: 0h") {
		t.Errorf("bakery balance = %q, want 0h", r.Text)
	}
	bal.Room = "r1"
	if r := only(t, b.Handle(ctx, bal)); !strings.Contains(r.Text, "Your balance: +1h") {
		t.Errorf("garden balance = %q, want +1h", r.Text)
	}
}

func TestRateLimitPerMember(t *testing.T) {
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	com := testCommunity("c")
	com.RateLimit = RateLimit{PerMinute: 6, Burst: 2}
	b := newTestBot(t, Options{Communities: []*Community{com}, Now: clock})
	ctx := context.Background()
	limited := func(from string) bool {
		r := only(t, b.Handle(ctx, msg("", from, "/balance")))
		return strings.Contains(r.Text, "lot of commands")
	}
	if limited("ana") || limited("ana") {
		t.Fatal("the burst was refused")
	}
	if !limited("ana") {
		t.Fatal("the third command in a burst of two was allowed")
	}
	if limited("bob") {
		t.Fatal("one member's flood limited another")
	}
	mu.Lock()
	now = now.Add(10 * time.Second) // one token at 6 per minute
	mu.Unlock()
	if limited("ana") {
		t.Fatal("still limited after the refill")
	}
	local := msg("", "ana", "/balance")
	local.Local = true
	for i := 0; i < 5; i++ {
		if r := only(t, b.Handle(ctx, local)); strings.Contains(r.Text, "lot of commands") {
			t.Fatal("the operator's console was rate limited")
		}
	}
}

// panickyLedger is a ledger whose writes panic or fail, to show the core
// answers anyway and keeps the details in the log.
type panickyLedger struct {
	Ledger
	panic bool
}

func (p panickyLedger) Give(ctx context.Context, req ledger.GiveRequest) (*ledger.Receipt, error) {
	if p.panic {
		panic("boom")
	}
	return nil, errors.New("disk I/O error at /secret/path")
}

func TestFailuresAreAnsweredAndLogged(t *testing.T) {
	db, err := ledger.Open(context.Background(), filepath.Join(t.TempDir(), "p.db"), ledger.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, panics := range []bool{true, false} {
		var logs bytes.Buffer
		b := newTestBot(t, Options{Ledger: panickyLedger{Ledger: db, panic: panics}, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
		r := only(t, b.Handle(context.Background(), msg("e", "ana", "/give 1h @bob", "bob")))
		if !strings.Contains(r.Text, "went wrong on my side") || strings.Contains(r.Text, "secret") {
			t.Errorf("reply = %q, want a plain apology without details", r.Text)
		}
		want := "disk I/O error"
		if panics {
			want = "boom"
		}
		if !strings.Contains(logs.String(), want) {
			t.Errorf("log lacks %q:\n%s", want, logs.String())
		}
	}
}

// plainAdapter has no optional capability: everything falls back to text.
type plainAdapter struct{ sent []Reply }

func (p *plainAdapter) Platform() string                       { return "test" }
func (p *plainAdapter) Run(ctx context.Context, _ Inbox) error { return nil }
func (p *plainAdapter) Send(ctx context.Context, t Target, r Reply) (MessageID, error) {
	p.sent = append(p.sent, r)
	return MessageID("m" + string(rune('0'+len(p.sent)))), nil
}

func TestDeliverFallsBackToText(t *testing.T) {
	b := newTestBot(t, Options{})
	a := &plainAdapter{}
	ctx := context.Background()
	id, err := b.Deliver(ctx, a, Target{Room: "r"}, Reply{
		Text:    "Proposal #1",
		Buttons: []Button{{Label: "Consent", Payload: "/consent 1"}, {Label: "Object", Payload: "/object 1", Ask: "Why?"}},
		File:    &File{Name: "x.csv", Data: []byte("a")},
		Private: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(a.sent) != 1 || id != "m1" {
		t.Fatalf("sent %d messages, id %q", len(a.sent), id)
	}
	got := a.sent[0]
	if got.Buttons != nil || got.File != nil {
		t.Error("capabilities the adapter lacks reached it")
	}
	for _, want := range []string{"Proposal #1", "/consent 1", "Consent", "/object 1 …", "entraide export"} {
		if !strings.Contains(got.Text, want) {
			t.Errorf("fallback text %q lacks %q", got.Text, want)
		}
	}
}

func TestNewRefusesBadCommunities(t *testing.T) {
	db, err := ledger.Open(context.Background(), filepath.Join(t.TempDir(), "n.db"), ledger.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for name, mutate := range map[string]func(c *Community){
		"no slug":          func(c *Community) { c.Slug = "" },
		"language":         func(c *Community) { c.Language = "de" },
		"no location":      func(c *Community) { c.Location = nil },
		"positive floor":   func(c *Community) { c.Limits.Floor = 60 },
		"negative ceiling": func(c *Community) { c.Limits.Ceiling = -60 },
		"zero max":         func(c *Community) { c.Limits.MaxAmount = 0 },
		"no categories":    func(c *Community) { c.Categories = nil },
		"shared name": func(c *Community) {
			c.Categories = append(c.Categories, Category{ID: "fun", Names: map[string]string{"en": "joy"}})
		},
	} {
		c := testCommunity("c")
		mutate(c)
		if _, err := New(context.Background(), Options{Ledger: db, Communities: []*Community{c}}); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if _, err := New(context.Background(), Options{Ledger: db, Communities: []*Community{testCommunity("a"), testCommunity("a")}}); err == nil {
		t.Error("a community configured twice was accepted")
	}
}

func TestAmbiguousMentionsAreAskedAbout(t *testing.T) {
	b := newTestBot(t, Options{})
	m := msg("e1", "ana", "/give 1h @Bob")
	m.Ambiguous = []Ambiguity{{Text: "@Bob", Candidates: []User{{ID: "@bob:a.org", Name: "Bob"}, {ID: "@bob:b.org", Name: "Bob"}}}}
	r := only(t, b.Handle(context.Background(), m))
	for _, want := range []string{"Several members are called @Bob", "Bob (@bob:a.org) and Bob (@bob:b.org)"} {
		if !strings.Contains(r.Text, want) {
			t.Errorf("reply %q lacks %q", r.Text, want)
		}
	}
	if bal := only(t, b.Handle(context.Background(), msg("e2", "ana", "/balance"))); !strings.Contains(bal.Text, "Your balance: 0h") {
		t.Errorf("an ambiguous gift changed the balance: %q", bal.Text)
	}
}

func TestNoticesSpeakTheRoomsLanguage(t *testing.T) {
	fr := testCommunity("fr", "test:r-fr")
	fr.Language = "fr"
	b := newTestBot(t, Options{Communities: []*Community{fr, testCommunity("en", "test:r-en")}})
	if got := b.Notice("test", "r-en", NoticeInviteRefused); !strings.HasPrefix(got, "I only serve") || strings.Contains(got, "Je ne") {
		t.Errorf("English room notice = %q", got)
	}
	if got := b.Notice("test", "r-fr", NoticeInviteRefused); !strings.HasPrefix(got, "Je ne sers") {
		t.Errorf("French room notice = %q", got)
	}
	if got := b.Notice("test", "elsewhere", NoticeInviteRefused); !strings.Contains(got, "Je ne sers") || !strings.Contains(got, "I only serve") {
		t.Errorf("unknown room notice = %q, want both languages", got)
	}
}

func TestLinkJoinsIdentitiesAcrossPlatforms(t *testing.T) {
	b := newTestBot(t, Options{})
	ctx := context.Background()
	onDiscord := func(id, text string) Message {
		m := msg(id, "42", text)
		m.Platform, m.Sender.Name = "discord", "ana_d"
		return m
	}
	b.Handle(ctx, msg("e1", "bob", "/give 2h @ana", "ana"))
	gift := onDiscord("d1", "/give 30min <@7>")
	gift.Mentions = []Mention{{Text: "<@7>", User: User{ID: "7", Name: "cleo"}}}
	if r := only(t, b.Handle(ctx, gift)); !strings.Contains(r.Text, "gave 30min") {
		t.Fatalf("discord gift = %q", r.Text)
	}
	codeReply := only(t, b.Handle(ctx, msg("e2", "ana", "/link")))
	code := regexp.MustCompile(`\b\d{6}\b`).FindString(codeReply.Text)
	if code == "" || !codeReply.Private {
		t.Fatalf("code reply = %+v", codeReply)
	}
	if r := only(t, b.Handle(ctx, msg("e3", "bob", "/link "+code))); !strings.Contains(r.Text, "from test too") {
		t.Errorf("same-platform link = %q", r.Text)
	}
	linked := only(t, b.Handle(ctx, onDiscord("d2", "/link "+code)))
	for _, want := range []string{"Linked: this discord account is now part of ana's account, balance +1h30.", "-30min", "/unlink"} {
		if !strings.Contains(linked.Text, want) {
			t.Errorf("link reply %q lacks %q", linked.Text, want)
		}
	}
	for _, m := range []Message{msg("e4", "ana", "/balance"), onDiscord("d3", "/balance")} {
		if r := only(t, b.Handle(ctx, m)); !strings.Contains(r.Text, "Your balance: +1h30") {
			t.Errorf("%s sees %q, want +1h30", m.Platform, r.Text)
		}
	}
	if r := only(t, b.Handle(ctx, onDiscord("d4", "/unlink"))); !strings.Contains(r.Text, "Unlinked") {
		t.Errorf("unlink = %q", r.Text)
	}
	if r := only(t, b.Handle(ctx, onDiscord("d5", "/unlink"))); !strings.Contains(r.Text, "wasn't linked") {
		t.Errorf("second unlink = %q", r.Text)
	}
	if r := only(t, b.Handle(ctx, msg("e5", "ana", "/balance"))); !strings.Contains(r.Text, "Your balance: +2h") {
		t.Errorf("after unlink ana sees %q", r.Text)
	}
}
