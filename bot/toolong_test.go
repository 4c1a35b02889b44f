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
