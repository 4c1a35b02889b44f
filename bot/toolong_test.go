package bot

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/entraide/entraide/ledger"
)

// The ledger holds the limits on texts; the core words its refusal with
// the length and the most allowed, for every command that writes a text,
// and nothing is recorded.
func TestTooLongTextsAreRefusedByTheLedger(t *testing.T) {
	com := testCommunity("c", "test:*")
	com.Moderators = []string{"test:mod"}
	com.Groups.Declared = []DeclaredGroup{{Name: "garden", Room: "test:r"}}
	b := newTestBot(t, Options{Communities: []*Community{com}})
	ctx := context.Background()
	b.Handle(ctx, msg("g0", "mod", "/group join garden"))
	b.Handle(ctx, msg("p0", "mod", "/propose Paint the shed"))
	long := func(n int) string { return strings.Repeat("é", n) }
	for i, tc := range []struct {
		command string
		length  int
		max     int
	}{
		{"/propose " + long(ledger.MaxProposalLength+1), ledger.MaxProposalLength + 1, ledger.MaxProposalLength},
		{"/amend 1 " + long(ledger.MaxProposalLength+2), ledger.MaxProposalLength + 2, ledger.MaxProposalLength},
		{"/concern 1 " + long(ledger.MaxResponseLength+1), ledger.MaxResponseLength + 1, ledger.MaxResponseLength},
		{"/news " + long(ledger.MaxNewsLength+1), ledger.MaxNewsLength + 1, ledger.MaxNewsLength},
		{"/newsletter edito " + long(ledger.MaxEditorialLength+1), ledger.MaxEditorialLength + 1, ledger.MaxEditorialLength},
		{"/remind garden tomorrow 9:00 " + long(ledger.MaxReminderLength+1), ledger.MaxReminderLength + 1, ledger.MaxReminderLength},
		{"/need " + long(ledger.MaxPostLength+1), ledger.MaxPostLength + 1, ledger.MaxPostLength},
	} {
		r := only(t, b.Handle(ctx, msg(fmt.Sprint("k", i), "mod", tc.command)))
		want := fmt.Sprintf("This text is %d characters long; at most %d are allowed.", tc.length, tc.max)
		if !r.Private || !strings.Contains(r.Text, want) {
			t.Errorf("%.20s…: %q, want %q", tc.command, r.Text, want)
		}
	}
	if p, err := b.ledger.Proposals(ctx, com.id, ledger.ProposalsAll); err != nil || len(p) != 1 || p[0].Version() != 1 {
		t.Errorf("proposals after the refusals: %d, %v", len(p), err)
	}
}

// Where a command has words of its own for a text too long (a gift's
// note, a reversal's reason, a mediation's texts), the core says them with
// the numbers of the ledger's refusal; nothing is recorded, and a case
// whose topic is too long gets no private space.
func TestTooLongTextsInTheirCommandsWords(t *testing.T) {
	e := newCaseEnv(t)
	a := &spaceAdapter{}
	e.b.Attach(a)
	tr := e.b.catalog.In("en")
	long := func(n int) string { return strings.Repeat("é", n) }
	e.say(a, "room-b", "mod", "/give 1h @ana", "ana")
	if r := e.say(a, "mods-b", "mod", "/conflict open @ana @bob about the oven", "ana", "bob"); len(r) != 1 {
		t.Fatalf("open: %+v", r)
	}
	for _, tc := range []struct {
		room, from, command string
		mentions            []string
		id                  string
		length, max         int
	}{
		{"room-b", "mod", "/give 2h @ana for " + long(ledger.MaxNoteLength+1), []string{"ana"}, msgGiveNoteTooLong, ledger.MaxNoteLength + 1, ledger.MaxNoteLength},
		{"room-b", "mod", "/reverse 1 " + long(ledger.MaxNoteLength+3), nil, msgReverseReasonTooLong, ledger.MaxNoteLength + 3, ledger.MaxNoteLength},
		{"room-b", "cleo", "/conflict request " + long(ledger.MaxCaseText+1), nil, msgConflictTooLong, ledger.MaxCaseText + 1, ledger.MaxCaseText},
		{"mods-b", "mod", "/conflict open @ana @bob about " + long(ledger.MaxCaseTopic+1), []string{"ana", "bob"}, msgConflictTooLong, ledger.MaxCaseTopic + 1, ledger.MaxCaseTopic},
		{"mods-b", "mod", "/conflict note #1 " + long(ledger.MaxCaseText+2), nil, msgConflictTooLong, ledger.MaxCaseText + 2, ledger.MaxCaseText},
		{"mods-b", "mod", "/conflict escalate #1 " + long(ledger.MaxCaseText+1), nil, msgConflictTooLong, ledger.MaxCaseText + 1, ledger.MaxCaseText},
		{"mods-b", "mod", "/conflict close #1 " + long(ledger.MaxCaseSummary+1), nil, msgConflictTooLong, ledger.MaxCaseSummary + 1, ledger.MaxCaseSummary},
	} {
		r := only(t, e.say(a, tc.room, tc.from, tc.command, tc.mentions...))
		want := tr.S(tc.id, map[string]any{"Length": tc.length, "Max": tc.max})
		if r.Text != want {
			t.Errorf("%.24s…: %q, want %q", tc.command, r.Text, want)
		}
	}
	com := e.coms[1]
	if h, err := e.db.History(e.ctx, com.id, ledger.Identity{Platform: "test", UserID: "ana"}, 1, 10); err != nil || len(h.Entries) != 1 {
		t.Errorf("ana's history after the refusals: %+v, %v", h, err)
	}
	if cs, err := e.db.Cases(e.ctx, com.id, ledger.CasesAll); err != nil || len(cs) != 1 || cs[0].State != ledger.CaseOpen {
		t.Errorf("cases after the refusals: %+v, %v", cs, err)
	}
	if len(a.spaces) != 1 {
		t.Errorf("spaces made: %v", a.spaces)
	}
}
