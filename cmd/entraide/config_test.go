package main

import (
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/entraide/entraide/bot"
)

// noEnv is an empty environment.
func noEnv(string) (string, bool) { return "", false }

// envOf is an environment holding vars; it records every name looked up.
func envOf(vars map[string]string, asked *[]string) func(string) (string, bool) {
	return func(name string) (string, bool) {
		if asked != nil {
			*asked = append(*asked, name)
		}
		v, ok := vars[name]
		return v, ok
	}
}

// oneCommunity is a config of one community "coop" with the given lines
// added under it (each written as at the community's indentation).
func oneCommunity(lines ...string) string {
	s := "communities:\n  - id: coop\n"
	for _, l := range lines {
		s += "    " + l + "\n"
	}
	return s
}

// parseCommunity is the community oneCommunity(lines...) configures.
func parseCommunity(t *testing.T, lines ...string) *bot.Community {
	t.Helper()
	cfg, err := ParseConfig([]byte(oneCommunity(lines...)), noEnv)
	if err != nil {
		t.Fatal(err)
	}
	coms, err := cfg.BotCommunities()
	if err != nil {
		t.Fatal(err)
	}
	return coms[0]
}

// wantRefused checks that a community configured with line is refused,
// with an error that names each of want.
func wantRefused(t *testing.T, line string, want []string) {
	t.Helper()
	_, err := ParseConfig([]byte(oneCommunity(line)), noEnv)
	if err == nil {
		t.Fatalf("accepted %q", line)
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q does not contain %q", err, w)
		}
	}
}

func TestConfigShippedFile(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("..", "..", "config.yaml"))
	if err != nil {
		t.Fatalf("the repository must ship config.yaml at its root: %v", err)
	}
	// It works as shipped: with no environment variable set.
	cfg, err := ParseConfig(raw, noEnv)
	if err != nil {
		t.Fatalf("shipped config.yaml does not parse: %v", err)
	}
	coms, err := cfg.BotCommunities()
	if err != nil {
		t.Fatal(err)
	}
	if len(coms) != 1 {
		t.Fatalf("shipped config has %d communities, want 1", len(coms))
	}
	c := coms[0]
	if cfg.Database == "" || cfg.Durability != "full" {
		t.Errorf("database %q, durability %q: want a database and full durability", cfg.Database, cfg.Durability)
	}
	if c.Slug == "" || (c.Language != "fr" && c.Language != "en") || c.Location == nil {
		t.Errorf("community: slug %q, language %q, location %v", c.Slug, c.Language, c.Location)
	}
	if c.Limits.Floor > 0 || c.Limits.Ceiling < 0 || c.Limits.MaxAmount <= 0 {
		t.Errorf("limits %+v", c.Limits)
	}
	if len(c.Moderators) == 0 {
		t.Error("shipped config names no moderator")
	}
	if len(cfg.Console.Members) == 0 || cfg.Console.As == "" {
		t.Errorf("console %+v: want a default speaker and members to mention", cfg.Console)
	}

	// What runs without config.yaml is what the shipped file says.
	def, err := DefaultConfig().BotCommunities()
	if err != nil {
		t.Fatalf("DefaultConfig is invalid: %v", err)
	}
	d := def[0]
	if c.Slug != d.Slug || c.Language != d.Language || c.Location.String() != d.Location.String() ||
		c.Limits != d.Limits || c.UndoWindow != d.UndoWindow || c.RateLimit != d.RateLimit ||
		!slices.Equal(c.Moderators, d.Moderators) || !slices.Equal(c.Rooms, d.Rooms) ||
		!reflect.DeepEqual(c.Categories, d.Categories) {
		t.Errorf("shipped config.yaml and DefaultConfig differ:\n file:    %+v\n default: %+v", *c, *d)
	}
	if dc := DefaultConfig(); cfg.Database != dc.Database || cfg.Log != dc.Log ||
		cfg.Console.As != dc.Console.As || !slices.Equal(cfg.Console.Members, dc.Console.Members) {
		t.Errorf("shipped config.yaml and DefaultConfig differ:\n file:    %+v\n default: %+v", cfg, dc)
	}

	// "Every field is documented in the shipped file": each key of Config
	// appears in it, set or in a comment.
	var missing []string
	for _, key := range yamlKeys(reflect.TypeFor[Config]()) {
		if !regexp.MustCompile(`(?m)(^|[\s{,#])` + regexp.QuoteMeta(key) + `:`).Match(raw) {
			missing = append(missing, key)
		}
	}
	if len(missing) > 0 {
		t.Errorf("config.yaml does not mention %v", missing)
	}
}

// yamlKeys lists the yaml keys of a struct type and of the structs in it.
func yamlKeys(t reflect.Type) []string {
	var keys []string
	for f := range t.Fields() {
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if name == "" || name == "-" {
			continue
		}
		keys = append(keys, name)
		ft := f.Type
		if ft.Kind() == reflect.Slice {
			ft = ft.Elem()
		}
		if ft.Kind() == reflect.Struct {
			keys = append(keys, yamlKeys(ft)...)
		}
	}
	return keys
}

func TestConfigDefaults(t *testing.T) {
	cfg, err := ParseConfig([]byte(oneCommunity()), noEnv)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Database != defaultDatabase || cfg.Durability != "full" || cfg.Log.Level != "info" ||
		cfg.Log.Format != "text" || cfg.Console.As != "ana" {
		t.Errorf("defaults not filled in: %+v", cfg)
	}
	coms, err := cfg.BotCommunities()
	if err != nil {
		t.Fatal(err)
	}
	c := coms[0]
	if c.Name != "coop" || c.Language != "fr" || c.Location.String() != "UTC" ||
		c.Limits != bot.DefaultLimits() || c.UndoWindow != 15*time.Minute ||
		!reflect.DeepEqual(c.Categories, bot.DefaultCategories()) {
		t.Errorf("community defaults: %+v", *c)
	}
}

func TestConfigValues(t *testing.T) {
	cfg, err := ParseConfig([]byte(`database: /srv/entraide/ledger.db
durability: normal
log: {level: debug, format: json}
`+oneCommunity(
		`name: Les Jardins`,
		`language: en`,
		`timezone: America/Montreal`,
		`moderators: ["console:ana", "matrix:@bob:example.org"]`,
		`rooms: ["matrix:!abc:example.org", "discord:123"]`,
		`limits: {floor: -1h30, ceiling: 2h, max_amount: 45min}`,
		`undo_window: 2m`,
		`rate_limit: {per_minute: 6, burst: 2}`,
		`categories: [{id: garden, fr: jardin, en: gardening}, {id: kitchen, fr: cuisine, en: cooking}]`,
	)), noEnv)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Database != "/srv/entraide/ledger.db" || cfg.Durability != "normal" || cfg.Log != (LogConfig{"debug", "json"}) {
		t.Errorf("top level: %+v", cfg)
	}
	coms, err := cfg.BotCommunities()
	if err != nil {
		t.Fatal(err)
	}
	c := coms[0]
	want := bot.Community{
		Slug: "coop", Name: "Les Jardins", Language: "en",
		Limits:     bot.DefaultLimits(),
		UndoWindow: 2 * time.Minute,
		Moderators: []string{"console:ana", "matrix:@bob:example.org"},
		Rooms:      []string{"matrix:!abc:example.org", "discord:123"},
		RateLimit:  bot.RateLimit{PerMinute: 6, Burst: 2},
		Categories: []bot.Category{
			{ID: "garden", Names: map[string]string{"fr": "jardin", "en": "gardening"}},
			{ID: "kitchen", Names: map[string]string{"fr": "cuisine", "en": "cooking"}},
		},
		Conflicts: bot.ConflictSettings{Council: bot.CouncilSettings{Drawn: 3}}, // three drawn by lot unless said
	}
	want.Limits.Floor, want.Limits.Ceiling, want.Limits.MaxAmount = -90, 120, 45
	if c.Location == nil || c.Location.String() != "America/Montreal" {
		t.Errorf("location %v", c.Location)
	}
	c.Location = nil
	if !reflect.DeepEqual(*c, want) {
		t.Errorf("community:\n got  %+v\n want %+v", *c, want)
	}
}

func TestConfigZeroLimits(t *testing.T) {
	cfg, err := ParseConfig([]byte(oneCommunity(`limits: {floor: 0, ceiling: 0h, max_amount: 1m}`)), noEnv)
	if err != nil {
		t.Fatalf("a floor and ceiling of zero are allowed: %v", err)
	}
	coms, _ := cfg.BotCommunities()
	if l := coms[0].Limits; l.Floor != 0 || l.Ceiling != 0 || l.MaxAmount != 1 {
		t.Errorf("limits %+v", l)
	}
}

func TestConfigEnvExpansion(t *testing.T) {
	raw := `database: ${DATA_DIR}/ledger.db
communities:
  - id: coop
    name: "Prix: 5$, $HOME et ${COOP_NAME}"
`
	var asked []string
	cfg, err := ParseConfig([]byte(raw), envOf(map[string]string{
		"DATA_DIR":  "/var/lib/entraide",
		"COOP_NAME": "Les Jardins",
		"HOME":      "/root",
	}, &asked))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Database != "/var/lib/entraide/ledger.db" {
		t.Errorf("database %q: ${DATA_DIR} not expanded", cfg.Database)
	}
	if got, want := cfg.Communities[0].Name, "Prix: 5$, $HOME et Les Jardins"; got != want {
		t.Errorf("name %q, want %q: only the braced form is expanded, a lone $ stays", got, want)
	}
	slices.Sort(asked)
	if !slices.Equal(asked, []string{"COOP_NAME", "DATA_DIR"}) {
		t.Errorf("looked up %v, want only the braced references", asked)
	}

	// A value full of YAML syntax stays one value: it can neither break
	// the file nor add a setting.
	hostile := "*anchor\ndurability: normal\n\"quote"
	cfg, err = ParseConfig([]byte("communities:\n  - id: coop\n    name: ${EVIL}\n"), envOf(map[string]string{"EVIL": hostile}, nil))
	if err != nil {
		t.Fatalf("hostile value: %v", err)
	}
	if cfg.Communities[0].Name != hostile || cfg.Durability != "full" {
		t.Errorf("hostile value became name %q, durability %q", cfg.Communities[0].Name, cfg.Durability)
	}

	// A reference inside a comment expands to nothing harmful either.
	if _, err := ParseConfig([]byte("# token: ${SECRET}\n"+oneCommunity()), envOf(map[string]string{"SECRET": "s3cr3t"}, nil)); err != nil {
		t.Errorf("reference in a comment: %v", err)
	}
}

func TestConfigErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		yaml string
		want []string // substrings of the error
	}{
		{"unknown top-level field", "databse: x.db\n" + oneCommunity(), []string{"databse"}},
		{"unknown community field", oneCommunity("langage: en"), []string{"langage"}},
		{"unknown limits field", oneCommunity("limits: {flor: -2h}"), []string{"flor"}},
		{"unknown console field", oneCommunity() + "console: {ass: bob}\n", []string{"ass"}},
		{"wrong language", oneCommunity("language: de"), []string{"communities[0]: language", `"de"`}},
		{"bad timezone", oneCommunity("timezone: Mars/Olympus"), []string{"communities[0]: timezone", "Mars/Olympus"}},
		{"floor positive", oneCommunity("limits: {floor: 5h}"), []string{"communities[0]: limits.floor", `"5h"`}},
		{"floor not a duration", oneCommunity("limits: {floor: -lots}"), []string{"communities[0]: limits.floor", "lots"}},
		{"ceiling negative", oneCommunity("limits: {ceiling: -5h}"), []string{"communities[0]: limits.ceiling", `"-5h"`}},
		{"ceiling not a duration", oneCommunity("limits: {ceiling: plenty}"), []string{"communities[0]: limits.ceiling", "plenty"}},
		{"max_amount zero", oneCommunity("limits: {max_amount: 0}"), []string{"communities[0]: limits.max_amount"}},
		{"max_amount negative", oneCommunity("limits: {max_amount: -1h}"), []string{"communities[0]: limits.max_amount"}},
		{"undo_window not a duration", oneCommunity("undo_window: soon"), []string{"communities[0]: undo_window", "soon"}},
		{"undo_window negative", oneCommunity("undo_window: -5m"), []string{"communities[0]: undo_window"}},
		{"durability", "durability: paranoid\n" + oneCommunity(), []string{"durability", `"paranoid"`}},
		{"log level", "log: {level: loud}\n" + oneCommunity(), []string{"log.level", "loud"}},
		{"log format", "log: {format: xml}\n" + oneCommunity(), []string{"log.format", `"xml"`}},
		{"moderator without platform", oneCommunity(`moderators: ["ana"]`), []string{"communities[0]: moderators", `"ana"`}},
		{"moderator without user", oneCommunity(`moderators: ["console:"]`), []string{"communities[0]: moderators", `"console:"`}},
		{"room without platform", oneCommunity(`rooms: ["general"]`), []string{"communities[0]: rooms", `"general"`}},
		{"rate_limit negative", oneCommunity("rate_limit: {per_minute: -1}"), []string{"communities[0]: rate_limit"}},
		{"duplicate category name", oneCommunity(
			"categories: [{id: garden, fr: jardin, en: garden}, {id: orchard, fr: jardin, en: orchard}]"),
			[]string{"communities[0]: categories", `"jardin"`, "garden", "orchard"}},
		{"category name is another's id", oneCommunity(
			"categories: [{id: garden, fr: jardin, en: gardening}, {id: food, fr: nourriture, en: garden}]"),
			[]string{"communities[0]: categories", `"garden"`}},
		{"category without id", oneCommunity("categories: [{fr: jardin, en: garden}]"), []string{"communities[0]: categories", "id"}},
		{"community without id", "communities:\n  - language: en\n", []string{"communities[0]: id"}},
		{"second community wrong", oneCommunity() + "  - id: other\n    language: es\n", []string{"communities[1]: language", `"es"`}},
		{"empty communities", "communities: []\n", []string{"communities", "at least one"}},
		{"no communities key", "database: x.db\n", []string{"communities", "at least one"}},
		{"empty file", "", []string{"communities", "at least one"}},
		{"not a mapping", "- just\n- a list\n", []string{"config"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseConfig([]byte(tc.yaml), noEnv)
			if err == nil {
				t.Fatalf("accepted:\n%s", tc.yaml)
			}
			if !strings.HasPrefix(err.Error(), "config: ") {
				t.Errorf("error %q does not start with \"config: \"", err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

// A category may leave out its name in a language: Category.Name falls
// back to the ID. Two such categories must not be refused as sharing the
// empty name.
func TestConfigCategoryNameOptional(t *testing.T) {
	cfg, err := ParseConfig([]byte(oneCommunity(
		"categories: [{id: garden, fr: jardin}, {id: kitchen, fr: cuisine}]")), noEnv)
	if err != nil {
		t.Fatalf("categories without an English name refused: %v", err)
	}
	coms, err := cfg.BotCommunities()
	if err != nil {
		t.Fatal(err)
	}
	if got := coms[0].Categories[0].Name("en"); got != "garden" {
		t.Errorf("English name of garden: %q, want its id", got)
	}
}

func TestConfigLoad(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)

	// No path and no ./config.yaml: the built-in defaults.
	cfg, path, err := LoadConfig("", noEnv)
	if err != nil || path != "" || !reflect.DeepEqual(cfg, DefaultConfig()) {
		t.Errorf("LoadConfig without config.yaml: %+v, %q, %v; want DefaultConfig", cfg, path, err)
	}

	// A missing explicit path is an error, never the defaults.
	if _, _, err := LoadConfig(filepath.Join(dir, "missing.yaml"), noEnv); err == nil {
		t.Error("LoadConfig of a missing file succeeded")
	}

	// ./config.yaml is found when no path is given.
	if err := os.WriteFile("config.yaml", []byte("database: here.db\n"+oneCommunity("language: en")), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, path, err = LoadConfig("", noEnv)
	if err != nil || path != "config.yaml" || cfg.Database != "here.db" || cfg.Communities[0].Language != "en" {
		t.Errorf("LoadConfig with ./config.yaml: %+v, %q, %v", cfg, path, err)
	}

	// An invalid file names itself through its error.
	bad := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(bad, []byte(oneCommunity("language: xx")), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, p, err := LoadConfig(bad, noEnv); err == nil || p != bad || !strings.Contains(err.Error(), "communities[0]: language") {
		t.Errorf("LoadConfig(bad): %q, %v", p, err)
	}
}
