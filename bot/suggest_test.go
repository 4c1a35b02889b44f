package bot

import "testing"

func TestClosest(t *testing.T) {
	commands := []string{"give", "donner", "help", "aide", "balance", "solde"}
	for _, tc := range []struct {
		word, want string
		ok         bool
	}{
		{"doner", "donner", true},
		{"helpp", "help", true},
		{"GIVE", "give", true},
		{"soldé", "solde", true},
		{"xyz", "", false},
		{"", "", false},
		{"ballance", "balance", true},
		{"bal", "", false}, // two edits from "aide" is too far for three letters
	} {
		got, ok := closest(tc.word, commands)
		if ok != tc.ok || (ok && got != tc.want) {
			t.Errorf("closest(%q) = %q, %v; want %q, %v", tc.word, got, ok, tc.want, tc.ok)
		}
	}
	if fold("Chloé") != "chloe" {
		t.Errorf("fold(Chloé) = %q", fold("Chloé"))
	}
}

// /help's overview names every command in a theme, so a new command is
// not left out of it.
func TestHelpThemesCoverEveryCommand(t *testing.T) {
	b := newTestBot(t, Options{})
	themed := map[string]bool{"help": true}
	for _, th := range helpThemes {
		for _, n := range th.commands {
			themed[n] = true
		}
	}
	for _, c := range b.commands {
		if !themed[c.Name] {
			t.Errorf("/%s is in no theme of /help", c.Name)
		}
	}
}
