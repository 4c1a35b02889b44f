package main

import (
	"strings"
	"testing"
)

// Cases opened in one console run keep their private spaces in the next
// (members only, new spaces named apart), and `export --cases` gives the
// moderators the whole log, notes included; `export --council` gives each
// draw with what re-runs it.
func TestExportCasesAndCouncil(t *testing.T) {
	e := newToolsEnv(t)
	out, errs, code := e.run(t, `ana: /conflict open @bob @chloe about the shared bikes
bob@private-1: /conflict status
ana: /conflict note #1 Bob called me, worried
ana: /conflict mediate #1
ana: /council draw
`, "console", "--run-id", "one")
	if code != 0 || !strings.Contains(out, "[private-1] entraide: 🕊️ Mediation #1 — the shared bikes") ||
		!strings.Contains(out, "[private-1] entraide: 🕊️ Mediation #1 — open — the shared bikes") ||
		!strings.Contains(out, "🎲 Draw #1: among 3 eligible members") {
		t.Fatalf("first run: exit %d\n%s\n%s", code, out, errs)
	}
	out, errs, code = e.run(t, `chloe@private-1: /conflict status
emma@private-1: /conflict status
emma: /conflict
ana: /conflict open @bob @emma about the oven
ana: /conflict close #1 The bikes get a booking sheet
`, "console", "--run-id", "two")
	if code != 0 || !strings.Contains(out, "[private-1] entraide: 🕊️ Mediation #1 — in mediation — the shared bikes") ||
		!strings.Contains(out, "(console: emma is not a member of private-1; the line is not delivered)") ||
		!strings.Contains(out, "[private-2] entraide: 🕊️ Mediation #2 — the oven") {
		t.Fatalf("second run: exit %d\n%s\n%s", code, out, errs)
	}

	out, errs, code = e.run(t, "", "export", "--cases")
	if code != 0 {
		t.Fatalf("export --cases: exit %d: %s", code, errs)
	}
	for _, want := range []string{"#1", "opened", "member_added", "Bob called me, worried", "open → in_mediation",
		"in_mediation → closed_no_agreement", "The bikes get a booking sheet", "#2"} {
		if !strings.Contains(out, want) {
			t.Errorf("export --cases lacks %q:\n%s", want, out)
		}
	}
	out, _, code = e.run(t, "", "export", "--cases", "--csv")
	recs := readCSV(t, out)
	if code != 0 || strings.Join(recs[0], ",") != strings.Join(caseCSVHeader, ",") || len(recs) != 10 {
		t.Fatalf("export --cases --csv: exit %d, %d rows:\n%s", code, len(recs), out)
	}
	if r := recs[4]; r[1] != "1" || r[4] != "note" || r[5] != "ana" || r[10] != "Bob called me, worried" || r[11] != "console:one:3" {
		t.Errorf("note row %v", r)
	}
	// Each entry carries its hash in the chain: all different, all there.
	hashes := map[string]bool{}
	for _, r := range recs[1:] {
		if len(r[12]) != 64 || hashes[r[12]] {
			t.Errorf("row %v: chain hash %q missing or repeated", r, r[12])
		}
		hashes[r[12]] = true
	}

	out, _, code = e.run(t, "", "export", "--council", "--csv")
	recs = readCSV(t, out)
	if code != 0 || len(recs) != 2 || recs[1][0] != "coop" || len(recs[1][5]) != 32 || recs[1][7] == "" || recs[1][12] != "true" ||
		len(recs[1][13]) != 64 {
		t.Fatalf("export --council --csv: exit %d:\n%s", code, out)
	}
	if _, errs, code := e.run(t, "", "export", "--cases", "--council"); code != 2 || !strings.Contains(errs, "choose one") {
		t.Errorf("--cases --council: exit %d, %q", code, errs)
	}
}
