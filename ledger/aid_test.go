package ledger

import (
	"strings"
	"testing"
	"time"
)

func (e *env) post(actor Identity, kind PostKind, text string) Post {
	e.t.Helper()
	r, err := e.db.PostAid(e.ctx, PostRequest{CaseActor: e.caseActor(actor, false), Kind: kind, Text: text, Room: "room"})
	if err != nil {
		e.t.Fatalf("post %q: %v", text, err)
	}
	return r.Post
}

func (e *env) find(words ...string) string {
	e.t.Helper()
	page, err := e.db.OpenPosts(e.ctx, e.community, AidFilter{Words: words})
	if err != nil {
		e.t.Fatal(err)
	}
	var out []string
	for _, p := range page.Posts {
		out = append(out, string(p.Kind)+p.Text())
	}
	return strings.Join(out, "|")
}

func TestPostsAreNumberedPerKindAndFoundWithoutAccents(t *testing.T) {
	e := newEnv(t)
	n1 := e.post(ana, Need, "Réparer mon vélo")
	o1 := e.post(bob, Offer, "Je répare les vélos")
	n2 := e.post(cleo, Need, "Cours de cuisine")
	if n1.Number != 1 || o1.Number != 1 || n2.Number != 2 || n1.Author.Name != "Ana" || n1.Text() != "Réparer mon vélo" {
		t.Fatalf("numbers %d %d %d, %+v", n1.Number, o1.Number, n2.Number, n1)
	}
	for _, tc := range []struct{ words, want string }{
		{"velo", "offerJe répare les vélos|needRéparer mon vélo"},
		{"VÉLOS", "offerJe répare les vélos"},
		{"repar velo", "offerJe répare les vélos|needRéparer mon vélo"},
		{"cuisine", "needCours de cuisine"},
		{`cuisine" OR "x`, ""}, // query syntax is not passed through
		{"jardin", ""},
	} {
		if got := e.find(strings.Fields(tc.words)...); got != tc.want {
			t.Errorf("find %q = %q, want %q", tc.words, got, tc.want)
		}
	}
	// An edit is a new version, and the search sees the text now.
	if _, err := e.db.EditAid(e.ctx, AidAction{CaseActor: e.caseActor(cleo, false), Ref: PostRef{Need, 2}, Text: "Cours de pâtisserie"}); err != nil {
		t.Fatal(err)
	}
	if got := e.find("cuisine"); got != "" {
		t.Errorf("the old text is still found: %q", got)
	}
	if p := e.aid(Need, 2); len(p.Versions) != 2 || p.Text() != "Cours de pâtisserie" || e.find("patisserie") != "needCours de pâtisserie" {
		t.Errorf("after edit %+v", p)
	}
	e.verifyOK()
}

func (e *env) aid(kind PostKind, n int) Post {
	e.t.Helper()
	p, err := e.db.AidPost(e.ctx, e.community, PostRef{kind, n})
	if err != nil {
		e.t.Fatal(err)
	}
	return p
}

// Refusals change nothing: the counts of every table stay.
func TestAidRefusals(t *testing.T) {
	e := newEnv(t)
	e.members(bob, mod)
	e.post(ana, Need, "Réparer mon vélo")
	before := e.aidCounts()
	act := func(actor Identity, moderator bool, ref PostRef) AidAction {
		return AidAction{CaseActor: e.caseActor(actor, moderator), Ref: ref, Text: "autre", Reason: "spam"}
	}
	post := func(kind PostKind, text string, discreet bool) func() error {
		return func() error {
			_, err := e.db.PostAid(e.ctx, PostRequest{CaseActor: e.caseActor(ana, false), Kind: kind, Text: text, Discreet: discreet, Room: "room"})
			return err
		}
	}
	need1, need9 := PostRef{Need, 1}, PostRef{Need, 9}
	for _, tc := range []struct {
		name string
		do   func() error
		want Code
	}{
		{"close someone else's", func() error { _, err := e.db.CloseAid(e.ctx, act(bob, false, need1), false); return err }, EFORBIDDEN},
		{"edit someone else's", func() error { _, err := e.db.EditAid(e.ctx, act(bob, true, need1)); return err }, EFORBIDDEN},
		{"hide as a member", func() error { _, err := e.db.CloseAid(e.ctx, act(bob, false, need1), true); return err }, EFORBIDDEN},
		{"hide without a reason", func() error {
			a := act(mod, true, need1)
			a.Reason = " "
			_, err := e.db.CloseAid(e.ctx, a, true)
			return err
		}, EINVALID},
		{"contact one's own", func() error { _, err := e.db.ContactAid(e.ctx, act(ana, false, need1)); return err }, ESELF},
		{"contact an unknown one", func() error { _, err := e.db.ContactAid(e.ctx, act(bob, false, need9)); return err }, ENOTFOUND},
		{"edit to the same text", func() error {
			a := act(ana, false, need1)
			a.Text = "Réparer mon vélo"
			_, err := e.db.EditAid(e.ctx, a)
			return err
		}, ENOTHING},
		{"empty post", post(Need, "  ", false), EINVALID},
		{"too long", post(Offer, strings.Repeat("é", MaxPostLength+1), false), EINVALID},
		{"bidi override", post(Need, "vélo \u202eolév", false), ETEXT},
		{"escape in a message", func() error {
			a := act(bob, false, need1)
			a.Message = "hi \x1b[2J"
			_, err := e.db.ContactAid(e.ctx, a)
			return err
		}, ETEXT},
		{"discreet offer", post(Offer, "x", true), EINVALID},
		{"gift for an unknown need", func() error {
			r := e.giveReq(ana, 30, bob)
			r.Answers = &need9
			_, err := e.db.Give(e.ctx, r)
			return err
		}, ENOTFOUND},
	} {
		if err := tc.do(); ErrorCode(err) != tc.want {
			t.Errorf("%s: %v, want %s", tc.name, err, tc.want)
		}
		if after := e.aidCounts(); after != before {
			t.Errorf("%s changed the ledger: %s → %s", tc.name, before, after)
		}
	}
}

func (e *env) aidCounts() string {
	var out []string
	for _, table := range []string{"aid_ops", "aid_posts", "aid_versions", "aid_closures", "aid_contacts", "aid_gifts", "operations", "exchanges", "accounts"} {
		out = append(out, table+"="+string(rune('0'+e.count(table))))
	}
	return strings.Join(out, " ")
}

// A gift from the need's author to the member who helped meets the need:
// it leaves the lists, the gift names it, and a replay says the same.
func TestGiftFromTheAuthorMeetsTheNeed(t *testing.T) {
	e := newEnv(t)
	e.post(ana, Need, "Réparer mon vélo")
	e.post(bob, Offer, "Je répare les vélos")
	c, err := e.db.ContactAid(e.ctx, AidAction{CaseActor: e.caseActor(bob, false), Ref: PostRef{Need, 1}, Message: "je passe demain"})
	if err != nil || c.Contact == nil || c.Contact.Member.Name != "Bob" || c.Contact.AuthorOn != ana.UserID || c.Post.Contacts != 1 {
		t.Fatalf("contact: %+v, %v", c, err)
	}
	if err := e.db.SetAidSpace(e.ctx, c.Contact.ID, "private-1"); err != nil {
		t.Fatal(err)
	}

	// Someone else's gift naming the need links it, but does not meet it.
	r := e.giveReq(cleo, 30, bob)
	r.Answers = &PostRef{Need, 1}
	g, err := e.db.Give(e.ctx, r)
	if err != nil || g.Answered == nil || g.Answered.Met {
		t.Fatalf("cleo's gift: %+v, %v", g, err)
	}
	if !e.aid(Need, 1).Open() {
		t.Fatal("a gift from another member met the need")
	}
	r = e.giveReq(ana, 60, bob)
	r.Answers = &PostRef{Need, 1}
	g, err = e.db.Give(e.ctx, r)
	if err != nil || g.Answered == nil || !g.Answered.Met || g.Answered.Ref != (PostRef{Need, 1}) {
		t.Fatalf("ana's gift: %+v, %v", g, err)
	}
	again, err := e.db.Give(e.ctx, r)
	if err != nil || !again.Replayed || again.Answered == nil || *again.Answered != *g.Answered {
		t.Fatalf("replay: %+v, %v", again, err)
	}
	p := e.aid(Need, 1)
	if p.Open() || p.End != PostMet || len(p.Helpers) != 2 || p.Helpers[1].Name != "Bob" {
		t.Fatalf("need after the gift: %+v", p)
	}
	if got := e.find("velo"); got != "offerJe répare les vélos" {
		t.Errorf("a met need is still listed: %q", got)
	}
	// An offer answered by a gift stays open: it can help again.
	r = e.giveReq(ana, 30, bob)
	r.Answers = &PostRef{Offer, 1}
	if g, err := e.db.Give(e.ctx, r); err != nil || g.Answered == nil || g.Answered.Met || !e.aid(Offer, 1).Open() {
		t.Fatalf("gift for an offer: %+v, %v", g, err)
	}
	e.verifyOK()
}

func TestDiscreetNeedsAndHiding(t *testing.T) {
	e := newEnv(t)
	e.members(bob, mod)
	r, err := e.db.PostAid(e.ctx, PostRequest{CaseActor: e.caseActor(ana, false), Kind: Need, Text: "De l'aide pour mes courses", Discreet: true, Room: "room"})
	if err != nil || !r.Post.Discreet {
		t.Fatalf("discreet: %+v, %v", r, err)
	}
	if got := e.find("courses"); got != "" {
		t.Errorf("a discreet need was found: %q", got)
	}
	// Members do not learn it exists; moderators may answer it.
	_, err = e.db.ContactAid(e.ctx, AidAction{CaseActor: e.caseActor(bob, false), Ref: PostRef{Need, 1}})
	wantCode(t, err, ENOTFOUND)
	if _, err := e.db.ContactAid(e.ctx, AidAction{CaseActor: e.caseActor(mod, true), Ref: PostRef{Need, 1}}); err != nil {
		t.Fatal(err)
	}

	e.post(bob, Offer, "Vente de bijoux")
	h, err := e.db.CloseAid(e.ctx, AidAction{CaseActor: e.caseActor(mod, true), Ref: PostRef{Offer, 1}, Reason: "commercial, not mutual aid"}, true)
	if err != nil || h.Post.End != PostHidden || h.Post.EndReason != "commercial, not mutual aid" || h.Post.EndedBy.Name != "Mod" {
		t.Fatalf("hide: %+v, %v", h, err)
	}
	if got := e.find("bijoux"); got != "" {
		t.Errorf("a hidden offer was found: %q", got)
	}
	_, err = e.db.CloseAid(e.ctx, AidAction{CaseActor: e.caseActor(bob, false), Ref: PostRef{Offer, 1}}, false)
	wantCode(t, err, ECLOSED)
}

// A need expires at its expiry; its author is told a day before, once.
func TestNeedsExpire(t *testing.T) {
	e := newEnv(t)
	now := e.clock.Now()
	r, err := e.db.PostAid(e.ctx, PostRequest{CaseActor: e.caseActor(ana, false), Kind: Need, Text: "Un coup de main samedi",
		ExpiresAt: now.Add(3 * 24 * time.Hour), ExpiresInput: "3d", Room: "room"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.db.PostAid(e.ctx, PostRequest{CaseActor: e.caseActor(ana, false), Kind: Need, Text: "x", ExpiresAt: now, Room: "room"}); ErrorCode(err) != EDEADLINE {
		t.Fatalf("an expiry now: %v", err)
	}
	soon, err := e.db.ExpiringNeeds(e.ctx, e.community, now, 24*time.Hour)
	if err != nil || len(soon) != 0 {
		t.Fatalf("expiring now: %+v, %v", soon, err)
	}
	e.clock.Advance(2*24*time.Hour + time.Hour)
	soon, err = e.db.ExpiringNeeds(e.ctx, e.community, e.clock.Now(), 24*time.Hour)
	if err != nil || len(soon) != 1 || soon[0].ID != r.Post.ID {
		t.Fatalf("expiring within a day: %+v, %v", soon, err)
	}
	if err := e.db.MarkNeedReminded(e.ctx, r.Post.ID); err != nil {
		t.Fatal(err)
	}
	if soon, _ = e.db.ExpiringNeeds(e.ctx, e.community, e.clock.Now(), 24*time.Hour); len(soon) != 0 {
		t.Fatalf("reminded twice: %+v", soon)
	}
	if gone, err := e.db.ExpireNeeds(e.ctx, e.community, e.clock.Now()); err != nil || len(gone) != 0 {
		t.Fatalf("expired early: %+v, %v", gone, err)
	}
	e.clock.Advance(23 * time.Hour) // the need's expiry, to the second
	gone, err := e.db.ExpireNeeds(e.ctx, e.community, e.clock.Now())
	if err != nil || len(gone) != 1 || gone[0].End != PostExpired {
		t.Fatalf("expire: %+v, %v", gone, err)
	}
	if again, err := e.db.ExpireNeeds(e.ctx, e.community, e.clock.Now()); err != nil || len(again) != 0 {
		t.Fatalf("expired twice: %+v, %v", again, err)
	}
	e.verifyOK()
}

// What was posted stays: only the card and the reminder mark are set,
// once.
func TestAidAppendOnly(t *testing.T) {
	e := newEnv(t)
	p := e.post(ana, Need, "Réparer mon vélo")
	e.members(bob)
	if err := e.db.SetAidCard(e.ctx, p.ID, "m1"); err != nil {
		t.Fatal(err)
	}
	for _, stmt := range []string{
		"UPDATE aid_posts SET card = 'm2'",
		"UPDATE aid_posts SET author_id = (SELECT MAX(id) FROM accounts)",
		"DELETE FROM aid_posts",
		"UPDATE aid_versions SET text = 'x'",
		"DELETE FROM aid_versions",
		"UPDATE aid_ops SET kind = 'edit'",
		"DELETE FROM aid_ops",
	} {
		if _, err := e.db.writer.ExecContext(e.ctx, stmt); err == nil {
			t.Errorf("%s was allowed", stmt)
		}
	}
}

// The newsletter counts a period's posts; a discreet need is a count apart.
func TestAidCountsIn(t *testing.T) {
	e := newEnv(t)
	e.post(ana, Need, "Avant la période")
	e.clock.Advance(time.Hour)
	from := e.clock.Now()
	e.post(bob, Offer, "Je répare les vélos")
	e.post(cleo, Need, "Réparer mon vélo")
	e.post(ana, Offer, "Cours de cuisine")
	if _, err := e.db.PostAid(e.ctx, PostRequest{CaseActor: e.caseActor(ana, false), Kind: Need, Text: "Courses", Discreet: true, Room: "room"}); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(time.Hour)
	to := e.clock.Now()
	e.post(bob, Need, "Après la période")
	got, err := e.db.AidCountsIn(e.ctx, e.community, from, to)
	if err != nil || got != (AidCounts{Offers: 2, Needs: 1, Discreet: 1}) {
		t.Fatalf("counts %+v, %v", got, err)
	}
}
