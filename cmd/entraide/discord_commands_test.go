package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// entraide discord commands prints, per guild, the commands registered
// there; a category Discord would refuse is an error that names it.
func TestDiscordCommands(t *testing.T) {
	dir := t.TempDir()
	write := func(categories string) string {
		path := filepath.Join(dir, "config.yaml")
		cfg := "database: " + filepath.Join(dir, "e.db") + "\ncommunities:\n  - id: coop\n    language: fr\n" + categories +
			"    discord: [{guild: \"123\"}]\n"
		if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	var out, errOut bytes.Buffer
	io := stdio{out: &out, err: &errOut, lookupEnv: noEnv}
	if code := run(t.Context(), []string{"discord", "commands", "--config", write("")}, io); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	var got map[string][]struct {
		Name              string            `json:"name"`
		Description       string            `json:"description"`
		NameLocalizations map[string]string `json:"name_localizations"`
	}
	if err := json.Unmarshal(out.Bytes(), &got); err != nil {
		t.Fatalf("%v: %s", err, out.String())
	}
	names := map[string]string{}
	for _, c := range got["123"] {
		names[c.Name] = c.NameLocalizations["fr"]
	}
	if names["give"] != "donner" || names["propose"] != "proposer" || len(got["123"]) < 10 {
		t.Errorf("commands %v", names)
	}
	if _, err := os.Stat(filepath.Join(dir, "e.db")); err == nil {
		t.Error("printing the commands created the database")
	}

	out.Reset()
	errOut.Reset()
	long := strings.Repeat("x", 101)
	code := run(t.Context(), []string{"discord", "commands", "--config", write("    categories: [{id: " + long + ", fr: Jardin, en: Garden}]\n")}, io)
	if code == 0 || !strings.Contains(errOut.String(), long) || !strings.Contains(errOut.String(), "100 characters") {
		t.Errorf("exit %d: %s", code, errOut.String())
	}
}
