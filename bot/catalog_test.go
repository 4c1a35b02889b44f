package bot

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// Every message ID the code declares exists in every language, and every
// language has the same IDs, with the same plural forms.
func TestCatalogsAreComplete(t *testing.T) {
	ids := declaredMessageIDs(t)
	if len(ids) < 50 {
		t.Fatalf("found only %d message IDs in messages.go", len(ids))
	}
	catalogs := map[string]map[string]any{}
	for _, lang := range Languages() {
		m := catalogYAML(t, lang)
		catalogs[lang] = m
		for _, id := range ids {
			if _, ok := m[id]; !ok {
				t.Errorf("%s.yaml lacks %q", lang, id)
			}
		}
	}
	for lang, m := range catalogs {
		for id, v := range m {
			for other, om := range catalogs {
				ov, ok := om[id]
				if !ok {
					t.Errorf("%q is in %s.yaml but not in %s.yaml", id, lang, other)
					continue
				}
				if _, plural := v.(map[string]any); plural {
					if _, otherPlural := ov.(map[string]any); !otherPlural {
						t.Errorf("%q has plural forms in %s.yaml only", id, lang)
					}
				}
			}
		}
	}
}

// Every message renders in every language without leaving a template
// action or a missing-value marker behind.
func TestCatalogsRender(t *testing.T) {
	c, err := NewCatalog()
	if err != nil {
		t.Fatal(err)
	}
	data := map[string]any{}
	for _, k := range []string{"Name", "Amount", "Total", "Recipients", "Details", "Entries", "Balance", "Commons",
		"Giver", "Note", "Input", "Max", "Length", "List", "Account", "Limit", "After", "Floor", "Ceiling", "ID",
		"Date", "Other", "Of", "By", "Reason", "Page", "Command", "Window", "Originals", "New", "From", "To",
		"Label", "Payload", "Community", "Names", "Usage", "Candidates", "Code", "Minutes", "Platform", "Moved",
		"Number", "Version", "Text", "Proposer", "Deadline", "Tally", "Consent", "Concern", "StandAside", "Objection",
		"Waiting", "Responded", "Quorum", "Kind", "Resolution", "Actor", "Next", "Weekday", "Day", "Month", "Time", "Count"} {
		data[k] = "X" + k
	}
	// Groups, reminders and the newsletter (messages_groups.go).
	for _, k := range []string{"Where", "Join", "Remind", "Group", "Zone", "Pings", "Now", "When", "Late", "Due", "First", "Last",
		"Skipped", "Hours", "Opened", "Closed", "Open", "Weeks", "Room", "Approve", "Reject", "OptIn", "OptOut"} {
		data[k] = "X" + k
	}
	// Conflict cases and the council (messages_conflicts.go).
	for _, k := range []string{"Parties", "Mediators", "Rules", "Every", "Status", "Topic", "Summary", "Role", "Mention", "State",
		"Days", "Council", "Aside", "Reason", "Eligible", "Seed", "Seats", "Algorithm"} {
		data[k] = "X" + k
	}
	// Rules of governance (messages_governance.go).
	for _, k := range []string{"Requester", "Joined", "Show", "Cases", "Case",
		// Offers and needs (messages_aid.go).
		"Post", "Author", "Member", "Message", "Give", "Words", "Helpers", "Close", "End", "Offers", "Needs", "Period", "Year", "FromDay", "ToDay", "Database", "Week", "Title"} {
		data[k] = "X" + k
	}
	for _, lang := range Languages() {
		for id, out := range renderCatalog(t, c, lang, data) {
			for _, s := range out {
				if s == "["+id+"]" {
					t.Errorf("%s %s: does not render", lang, id)
				}
				if strings.Contains(s, "<no value>") || strings.Contains(s, "{{") {
					t.Errorf("%s %s: %q", lang, id, s)
				}
			}
		}
	}
}

// renderCatalog renders every declared message of lang with data, plural
// ones for one and for three.
func renderCatalog(t *testing.T, c *Catalog, lang string, data map[string]any) map[string][]string {
	t.Helper()
	tr := c.In(lang)
	plurals := pluralIDs(t, lang)
	out := map[string][]string{}
	for _, id := range declaredMessageIDs(t) {
		if plurals[id] {
			out[id] = []string{tr.N(id, 1, copyMap(data)), tr.N(id, 3, copyMap(data))}
		} else {
			out[id] = []string{tr.S(id, data)}
		}
	}
	return out
}

// catalogYAML merges every catalogue file of a language: "en.yaml" and
// the per-feature ones such as "conflicts.en.yaml". An ID defined twice is
// an error, since one definition would silently win.
func catalogYAML(t *testing.T, lang string) map[string]any {
	t.Helper()
	names, err := fs.Glob(localeFiles, "locales/*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]any{}
	for _, name := range names {
		base := strings.TrimSuffix(strings.TrimPrefix(name, "locales/"), ".yaml")
		if base != lang && !strings.HasSuffix(base, "."+lang) {
			continue
		}
		raw, err := fs.ReadFile(localeFiles, name)
		if err != nil {
			t.Fatal(err)
		}
		part := map[string]any{}
		if err := yaml.Unmarshal(raw, &part); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for id, v := range part {
			if _, dup := m[id]; dup {
				t.Errorf("%s defines %q again", name, id)
			}
			m[id] = v
		}
	}
	return m
}

// pluralIDs are the messages of a catalogue that have plural forms.
func pluralIDs(t *testing.T, lang string) map[string]bool {
	t.Helper()
	out := map[string]bool{}
	for id, v := range catalogYAML(t, lang) {
		if _, ok := v.(map[string]any); ok {
			out[id] = true
		}
	}
	return out
}

func copyMap(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// declaredMessageIDs reads the msg… constants of messages.go and of the
// per-feature messages_*.go files.
func declaredMessageIDs(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob("messages*.go")
	if err != nil || len(files) == 0 {
		t.Fatalf("no messages*.go: %v", err)
	}
	var ids []string
	for _, file := range files {
		f, err := parser.ParseFile(token.NewFileSet(), file, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, messageIDsIn(t, f)...)
	}
	return ids
}

func messageIDsIn(t *testing.T, f *ast.File) []string {
	var ids []string
	ast.Inspect(f, func(n ast.Node) bool {
		vs, ok := n.(*ast.ValueSpec)
		if !ok {
			return true
		}
		for i, name := range vs.Names {
			if !strings.HasPrefix(name.Name, "msg") {
				continue
			}
			lit, ok := vs.Values[i].(*ast.BasicLit)
			if !ok {
				t.Fatalf("%s is not a string literal", name.Name)
			}
			id, err := strconv.Unquote(lit.Value)
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, id)
		}
		return true
	})
	return ids
}
