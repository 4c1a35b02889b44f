package bot

import (
	"regexp"
	"strings"
	"testing"
)

func TestFrenchTypography(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"Utilisation : {{.Usage}}", "Utilisation\u00a0: {{.Usage}}"},
		{"Vraiment ? Oui ; non !", "Vraiment\u202f? Oui\u202f; non\u202f!"},
		{"pour « {{.Note}} »", "pour «\u00a0{{.Note}}\u00a0»"},
		{"pour «{{.Note}}»", "pour «\u00a0{{.Note}}\u00a0»"},
		// Spaces typed by hand, right or wrong, come out right.
		{"Solde\u202f: 2h\u00a0!", "Solde\u00a0: 2h\u202f!"},
		{"«\u202fx\u202f»", "«\u00a0x\u00a0»"},
		{"la proposition n° {{.Number}}", "la proposition n°\u00a0{{.Number}}"},
		// Commands, times and addresses are not punctuation.
		{"tapez !donner ou /aide", "tapez !donner ou /aide"},
		{"à 18:00, https://exemple.org", "à 18:00, https://exemple.org"},
		{"(ou !)", "(ou\u202f!)"},
		{"a  b", "a  b"},
	} {
		if got := frenchTypography(tc.in); got != tc.want {
			t.Errorf("frenchTypography(%q) = %q, want %q", tc.in, got, tc.want)
		}
		if again := frenchTypography(tc.want); again != tc.want {
			t.Errorf("frenchTypography is not idempotent on %q: %q", tc.want, again)
		}
	}
}

var (
	// A space of the wrong kind, or none, before French punctuation.
	badBeforeTight = regexp.MustCompile(`[ \x{00a0}][;!?](\s|$|[)»"'.,…])`)
	badBeforeColon = regexp.MustCompile(`[ \x{202f}]:(\s|$)`)
	badGuillemets  = regexp.MustCompile(`«[^\x{00a0}]|[^\x{00a0}]»`)
)

// Every French message, as rendered, follows French typography, whether
// its catalogue typed the spaces or not.
func TestFrenchCatalogTypography(t *testing.T) {
	c, err := NewCatalog()
	if err != nil {
		t.Fatal(err)
	}
	for id, out := range renderCatalog(t, c, "fr", map[string]any{}) {
		for _, s := range out {
			s = strings.ReplaceAll(s, "<no value>", "x")
			for _, re := range []*regexp.Regexp{badBeforeTight, badBeforeColon, badGuillemets} {
				if m := re.FindString(s); m != "" {
					t.Errorf("fr %s: %q in %q", id, m, s)
				}
			}
		}
	}
}

// No catalogue writes "(s)": counts go through plural forms.
func TestCatalogsHaveNoParentheticalPlurals(t *testing.T) {
	paren := regexp.MustCompile(`\((s|es|e)\)|\w\((s|es)\)`)
	for _, lang := range Languages() {
		for id, v := range catalogYAML(t, lang) {
			var forms []string
			switch v := v.(type) {
			case string:
				forms = []string{v}
			case map[string]any:
				for _, f := range v {
					if s, ok := f.(string); ok {
						forms = append(forms, s)
					}
				}
			}
			for _, s := range forms {
				if paren.MatchString(s) {
					t.Errorf("%s %s: %q writes a plural in parentheses", lang, id, s)
				}
			}
		}
	}
}
