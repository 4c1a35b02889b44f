package ledger

import (
	"testing"
	"time"
)

// anaOnDiscord is Ana's second identity, on another platform.
var anaOnDiscord = Identity{Platform: "discord", UserID: "1001", Name: "ana_d"}

func (e *env) code(id Identity) string {
	e.t.Helper()
	code, _, err := e.db.LinkCode(e.ctx, e.community, id, 10*time.Minute)
	if err != nil {
		e.t.Fatal(err)
	}
	if len(code) != 6 {
		e.t.Fatalf("code %q", code)
	}
	return code
}

func (e *env) link(actor Identity, code string) (*LinkResult, error) {
	return e.db.Link(e.ctx, LinkRequest{Header: Header{Community: e.community, Key: nextKey(), Source: actor.Platform, Actor: actor}, Code: code})
}

func (e *env) unlink(actor Identity) (*LinkResult, error) {
	return e.db.Unlink(e.ctx, UnlinkRequest{Header: Header{Community: e.community, Key: nextKey(), Source: actor.Platform, Actor: actor}})
}

func TestLinkWithoutHistoryJoinsTheIdentity(t *testing.T) {
	e := newEnv(t)
	e.mustGive(bob, 60, ana)
	res, err := e.link(anaOnDiscord, e.code(ana))
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Exchanges) != 0 || res.Moved != 0 || res.Account.Balance != 60 {
		t.Errorf("link moved %d with %d entries; balance %d", res.Moved, len(res.Exchanges), res.Account.Balance)
	}
	// The balance shows on both identities, and a gift from either moves it.
	if e.balance(anaOnDiscord) != 60 || e.balance(ana) != 60 {
		t.Fatalf("balances %d / %d, want 60 on both", e.balance(ana), e.balance(anaOnDiscord))
	}
	e.mustGive(anaOnDiscord, 30, cleo)
	if e.balance(ana) != 30 {
		t.Errorf("after a gift from Discord, the console sees %d", e.balance(ana))
	}
	e.verifyOK()
}

func TestLinkWithHistoryMovesTheBalanceAndUnlinkMovesItBack(t *testing.T) {
	e := newEnv(t)
	e.mustGive(bob, 60, ana)
	e.mustGive(anaOnDiscord, 45, cleo) // the Discord identity's own account: -45
	entries := e.count("exchanges")

	code := e.code(ana)
	req := LinkRequest{Header: Header{Community: e.community, Key: nextKey(), Source: "discord", Actor: anaOnDiscord}, Code: code}
	res, err := e.db.Link(e.ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Exchanges) != 1 || res.Moved != -45 || res.Account.Balance != 15 {
		t.Fatalf("link: %d entries, moved %d, balance %d; want 1, -45, 15", len(res.Exchanges), res.Moved, res.Account.Balance)
	}
	if e.count("exchanges") != entries+1 {
		t.Errorf("linking rewrote or added more than one entry")
	}
	if x := res.Exchanges[0]; x.Kind != OpLink || x.Minutes != 45 {
		t.Errorf("link entry = %+v", x)
	}
	e.verifyOK()

	// The same event again gets the same receipt; other content under its
	// key is refused.
	again, err := e.db.Link(e.ctx, req)
	if err != nil || !again.Replayed || again.Exchanges[0].ID != res.Exchanges[0].ID || again.Moved != -45 {
		t.Fatalf("replay: %+v, %v", again, err)
	}
	other := req
	other.Code = "000000"
	if _, err := e.db.Link(e.ctx, other); ErrorCode(err) != ECONFLICT {
		t.Errorf("reused key: %v, want ECONFLICT", err)
	}
	if e.count("exchanges") != entries+1 {
		t.Errorf("a replay recorded something")
	}

	un, err := e.unlink(anaOnDiscord)
	if err != nil {
		t.Fatal(err)
	}
	if un.Account.Balance != -45 || un.Moved != -45 || len(un.Exchanges) != 1 || un.Exchanges[0].Reverses != res.Exchanges[0].ID {
		t.Fatalf("unlink: balance %d moved %d entries %+v", un.Account.Balance, un.Moved, un.Exchanges)
	}
	if e.balance(ana) != 60 || e.balance(anaOnDiscord) != -45 {
		t.Errorf("after unlink: %d and %d, want 60 and -45", e.balance(ana), e.balance(anaOnDiscord))
	}
	e.verifyOK()
	if _, err := e.unlink(anaOnDiscord); ErrorCode(err) != ENOTLINKED {
		t.Errorf("second unlink: %v, want ENOTLINKED", err)
	}
	// Linking again works, with a fresh code.
	if _, err := e.link(anaOnDiscord, e.code(ana)); err != nil {
		t.Errorf("relink: %v", err)
	}
	e.verifyOK()
}

func TestLinkRefusals(t *testing.T) {
	e := newEnv(t)
	code := e.code(ana)
	before := e.state()
	for name, c := range map[string]struct {
		actor Identity
		code  string
		want  Code
	}{
		"unknown code":   {anaOnDiscord, "999999x", ENOTFOUND},
		"same platform":  {bob, code, ESAMEPLATFORM},
		"same identity":  {ana, code, ESAMEPLATFORM},
		"empty code":     {anaOnDiscord, "", ENOTFOUND},
		"code elsewhere": {anaOnDiscord, "12345", ENOTFOUND},
	} {
		_, err := e.link(c.actor, c.code)
		if ErrorCode(err) != c.want {
			t.Errorf("%s: %v, want %s", name, err, c.want)
		}
	}
	e.wantUnchanged(before)

	// A code from another community does not work here.
	other := e.ensure("other")
	foreign, _, err := e.db.LinkCode(e.ctx, other, ana, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.link(anaOnDiscord, foreign); ErrorCode(err) != ENOTFOUND {
		t.Errorf("foreign code: %v", err)
	}

	// Expired.
	late := e.code(ana)
	e.clock.Advance(11 * time.Minute)
	if _, err := e.link(anaOnDiscord, late); ErrorCode(err) != EEXPIRED {
		t.Errorf("expired code: %v", err)
	}

	// Used once only; then the accounts are already one.
	fresh := e.code(ana)
	if _, err := e.link(anaOnDiscord, fresh); err != nil {
		t.Fatal(err)
	}
	if _, err := e.link(anaOnDiscord, fresh); ErrorCode(err) != ENOTFOUND {
		t.Errorf("used code: %v", err)
	}
	if _, err := e.link(anaOnDiscord, e.code(ana)); ErrorCode(err) != EALREADY {
		t.Errorf("already linked: %v", err)
	}

	// An account holding two identities cannot be joined to a third's.
	matrixBob := Identity{Platform: "matrix", UserID: "@bob:x", Name: "Bob"}
	if _, err := e.link(matrixBob, e.code(bob)); err != nil {
		t.Fatal(err)
	}
	if _, err := e.link(anaOnDiscord, e.code(matrixBob)); ErrorCode(err) != EBUSY {
		t.Errorf("busy account: %v", err)
	}
	e.verifyOK()
}

func TestLinkLogIsAppendOnly(t *testing.T) {
	e := newEnv(t)
	if _, err := e.link(anaOnDiscord, e.code(ana)); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{"UPDATE identity_links SET kind = 'unlink'", "DELETE FROM identity_links"} {
		if _, err := e.db.writer.ExecContext(e.ctx, q); err == nil {
			t.Errorf("%s succeeded", q)
		}
	}
}
