package ledger

import (
	"errors"
	"testing"
)

func TestCheckText(t *testing.T) {
	for _, tc := range []struct {
		in        string
		multiline bool
		rune      rune // 0: accepted
		invalid   bool
	}{
		{in: "pour le jardin, « vite » !"},
		{in: "deux\nlignes", multiline: true},
		{in: "deux\r\nlignes", multiline: true},
		{in: "deux\nlignes", rune: '\n'},
		{in: "cr\ralone", multiline: true, rune: '\r'},
		{in: "tab\there", multiline: true, rune: '\t'},
		{in: "\x1b[31mred", rune: 0x1b},
		{in: "del\x7f", rune: 0x7f},
		{in: "c1\u0085", rune: 0x85},
		{in: "the \u202egarden", rune: 0x202e},
		{in: "\u202aembed", rune: 0x202a},
		{in: "iso\u2067late", rune: 0x2067},
		{in: "sep\u2028", multiline: true, rune: 0x2028},
		{in: "bom\ufeff", rune: 0xfeff},
		{in: "bad \xff utf8", invalid: true},
		{in: "זה בסדר: עברית", rune: 0}, // right-to-left text itself is fine
	} {
		err := checkText("note", tc.in, tc.multiline)
		var te *TextError
		switch {
		case tc.rune == 0 && !tc.invalid:
			if err != nil {
				t.Errorf("%q: refused: %v", tc.in, err)
			}
		case !errors.As(err, &te) || te.Field != "note" || te.Invalid != tc.invalid || !tc.invalid && te.Rune != tc.rune:
			t.Errorf("%q: %v, want %U refused (invalid %v)", tc.in, err, tc.rune, tc.invalid)
		case ErrorCode(err) != ETEXT:
			t.Errorf("%q: code %s", tc.in, ErrorCode(err))
		}
	}
}

// A refused text changes nothing; a display name from a platform is
// cleaned instead, since the member did not type it in a command.
func TestTextRefusalsRecordNothing(t *testing.T) {
	e := newEnv(t)
	req := GiveRequest{Header: e.header(ana), Recipients: []Identity{bob},
		Minutes: 10, Note: "for the \u202egarden", Limits: testLimits}
	if _, err := e.db.Give(e.ctx, req); ErrorCode(err) != ETEXT {
		t.Fatalf("Give with a bidi override: %v", err)
	}
	if _, err := e.db.Reverse(e.ctx, e.reverseReq(1, "oops\x1b[2J")); ErrorCode(err) != ETEXT {
		t.Fatalf("Reverse with an escape: %v", err)
	}
	if rep := e.verifyOK(); rep.Exchanges != 0 || rep.Accounts != 1 {
		t.Fatalf("a refusal recorded something: %+v", rep)
	}
	odd := Identity{Platform: "console", UserID: "u-odd", Name: "Ev\u202eil\x1b[0m \xffName"}
	e.mustGive(odd, 5, bob)
	a, _, err := e.db.Member(e.ctx, e.community, odd)
	if err != nil || a.Name != "Ev il [0m Name" {
		t.Fatalf("display name %q, %v", a.Name, err)
	}
}
