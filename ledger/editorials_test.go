package ledger

import (
	"strings"
	"testing"
	"time"
)

// The latest editorial written since the last issue opens the next one;
// publishing sets its issue once, and the next issue has none until a new
// one is written. Editorials are chained and kept.
func TestEditorials(t *testing.T) {
	e := newEnv(t)
	write := func(text string) *EditorialReceipt {
		t.Helper()
		r, err := e.db.WriteEditorial(e.ctx, NewsRequest{Header: e.header(mod), Text: text})
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	if _, ok, err := e.db.NextEditorial(e.ctx, e.community); err != nil || ok {
		t.Fatalf("an editorial before any was written: %v %v", ok, err)
	}
	write("First words.")
	second := write("Better words.")
	if ed, ok, _ := e.db.NextEditorial(e.ctx, e.community); !ok || ed.ID != second.Editorial.ID || ed.Author.Name != "Mod" {
		t.Fatalf("next editorial %+v, want the latest", ed)
	}
	for _, bad := range []string{"  ", strings.Repeat("é", MaxEditorialLength+1), "a\x1b[2Jb"} {
		if _, err := e.db.WriteEditorial(e.ctx, NewsRequest{Header: e.header(mod), Text: bad}); err == nil {
			t.Errorf("editorial %q accepted", bad)
		}
	}
	now := e.clock.Now()
	if _, err := e.db.RecordIssue(e.ctx, IssueRequest{Header: Header{Community: e.community, Key: nextKey(), Source: "console"}, From: now.Add(-time.Hour), To: now,
		ScheduledFor: now, Platform: "console", Room: "r", Text: "# 1", Editorial: second.Editorial.ID}); err != nil {
		t.Fatal(err)
	}
	if ed, ok, _ := e.db.NextEditorial(e.ctx, e.community); ok {
		t.Fatalf("the published editorial (or an older one) comes back: %+v", ed)
	}
	third := write("For the second issue.")
	if ed, ok, _ := e.db.NextEditorial(e.ctx, e.community); !ok || ed.ID != third.Editorial.ID {
		t.Fatalf("next editorial %+v, want the third", ed)
	}
	for _, stmt := range []string{"UPDATE newsletter_editorials SET text = 'x'", "DELETE FROM newsletter_editorials",
		"UPDATE newsletter_editorials SET issue_id = NULL WHERE issue_id IS NOT NULL"} {
		if _, err := e.db.writer.ExecContext(e.ctx, stmt); err == nil {
			t.Errorf("%s was allowed", stmt)
		}
	}
	e.verifyOK()
}
