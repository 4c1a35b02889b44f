package main

import (
	"bytes"
	"html"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestConfigGroups(t *testing.T) {
	com := parseCommunity(t,
		"timezone: Europe/Paris",
		"groups:",
		"  - {name: Jardin, room: \"matrix:!garden:example.org\", timezone: America/Montreal, pings: true}",
		"  - name: cuisine",
		"reminders: {grace: 90m}",
		`newsletter: {schedule: "0 9 * * MON", room: "discord:123"}`,
	)
	g := com.Groups
	if len(g.Declared) != 2 || g.Declared[0].Name != "Jardin" || g.Declared[0].Room != "matrix:!garden:example.org" ||
		g.Declared[0].Timezone != "America/Montreal" || g.Declared[0].Pings == nil || !*g.Declared[0].Pings ||
		g.Declared[1].Pings != nil || g.Declared[1].Room != "" {
		t.Errorf("groups %+v", g.Declared)
	}
	if g.ReminderGrace != 90*time.Minute || g.Newsletter.Schedule != "0 9 * * MON" || g.Newsletter.Room != "discord:123" {
		t.Errorf("settings %+v", g)
	}
	// Nothing said: no group, the default grace, no scheduled newsletter.
	def, _ := ParseConfig([]byte(oneCommunity()), noEnv)
	dc, _ := def.BotCommunities()
	if d := dc[0].Groups; len(d.Declared) != 0 || d.ReminderGrace != 0 || d.Newsletter.Schedule != "" {
		t.Errorf("defaults %+v", d)
	}
}

func TestConfigGroupsErrors(t *testing.T) {
	for _, tc := range []struct {
		name, line string
		want       []string
	}{
		{"unknown group field", "groups: [{name: jardin, pingz: true}]", []string{"pingz"}},
		{"bad group name", "groups: [{name: \"my garden\"}]", []string{"communities[0]: groups[0]", `"my garden"`}},
		{"reserved group name", "groups: [{name: list}]", []string{"groups[0]", "command word"}},
		{"group twice", "groups: [{name: jardin}, {name: Jardin}]", []string{"groups[1]", "twice"}},
		{"group room", "groups: [{name: jardin, room: general}]", []string{"groups[0].room", `"general"`}},
		{"group zone", "groups: [{name: jardin, timezone: Mars/Olympus}]", []string{"groups[0].timezone"}},
		{"grace", "reminders: {grace: soon}", []string{"reminders.grace", `"soon"`}},
		{"newsletter schedule", `newsletter: {schedule: "mondays", room: "console:console"}`, []string{"newsletter.schedule", `"mondays"`}},
		{"newsletter without room", `newsletter: {schedule: "0 9 * * MON"}`, []string{"newsletter.room"}},
		{"unknown newsletter field", `newsletter: {shedule: "0 9 * * MON"}`, []string{"shedule"}},
	} {
		t.Run(tc.name, func(t *testing.T) { wantRefused(t, tc.line, tc.want) })
	}
}

// The shipped config.yaml documents the groups, reminders and newsletter
// keys (yamlKeys does not see inline structs).
func TestConfigShippedFileDocumentsGroups(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("..", "..", "config.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"groups:", "name:", "pings:", "reminders:", "grace:", "newsletter:", "schedule:"} {
		if !bytes.Contains(raw, []byte(key)) {
			t.Errorf("config.yaml does not mention %s", key)
		}
	}
}

func TestNewsletterCommand(t *testing.T) {
	e := newToolsEnv(t)
	e.seed(t)
	out, errs, code := e.run(t, "", "newsletter")
	if code != 0 || !strings.HasPrefix(out, "# 📰 The journal of coop — issue #1") ||
		!strings.Contains(out, "- 4 exchanges, 5h in all.") || !strings.Contains(out, "- production: 2h (1 exchange)") {
		t.Fatalf("markdown: exit %d\n%s\n%s", code, out, errs)
	}
	chart := filepath.Join(e.dir, "chart.png")
	out, errs, code = e.run(t, "", "newsletter", "--community", "coop", "--format", "html", "--chart", chart)
	if code != 0 || !strings.HasPrefix(out, "<!DOCTYPE html>") || !strings.Contains(out, "<li>production: 2h (1 exchange)</li>") {
		t.Fatalf("html: exit %d\n%s\n%s", code, out, errs)
	}
	// The page shows the chart by the name it was written to.
	if !strings.Contains(out, `<img src="`+html.EscapeString(chart)+`"`) {
		t.Errorf("html does not show %s:\n%s", chart, out)
	}
	raw, err := os.ReadFile(chart)
	if err != nil {
		t.Fatal(err)
	}
	// Without --chart, the page carries the chart itself.
	if out, _, code := e.run(t, "", "newsletter", "--format", "html"); code != 0 || !strings.Contains(out, `<img src="data:image/png;base64,`) {
		t.Errorf("html without --chart: exit %d\n%s", code, out)
	}
	if _, err := png.Decode(bytes.NewReader(raw)); err != nil {
		t.Errorf("chart: %v", err)
	}
	if _, errs, code := e.run(t, "", "newsletter", "--format", "pdf"); code != 2 || !strings.Contains(errs, "markdown or html") {
		t.Errorf("--format pdf: exit %d, %q", code, errs)
	}
	if _, errs, code := e.run(t, "", "newsletter", "--community", "nope"); code != 1 || !strings.Contains(errs, `no community "nope"`) {
		t.Errorf("--community nope: exit %d, %q", code, errs)
	}
	// It composes; it sends and records nothing: twice, the same issue.
	again, _, _ := e.run(t, "", "newsletter")
	if first, _, _ := e.run(t, "", "newsletter"); !strings.Contains(again, "issue #1") || !strings.Contains(first, "issue #1") {
		t.Errorf("an issue was recorded:\n%s", again)
	}
}
