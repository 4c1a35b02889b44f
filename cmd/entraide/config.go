package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"regexp"
	"strings"
	"time"

	"github.com/entraide/entraide/bot"
	"github.com/entraide/entraide/ledger"
	"gopkg.in/yaml.v3"
)

// Config is config.yaml. Every field is documented in the shipped file.
type Config struct {
	Database    string            `yaml:"database"`
	Durability  string            `yaml:"durability"`
	Log         LogConfig         `yaml:"log"`
	Communities []CommunityConfig `yaml:"communities"`
	Console     ConsoleConfig     `yaml:"console"`
	Matrix      MatrixConfig      `yaml:"matrix"`
	Discord     DiscordConfig     `yaml:"discord"`
}

// LogConfig sets what the logs say and how.
type LogConfig struct {
	Level  string `yaml:"level"`
	Format string `yaml:"format"`
}

// CommunityConfig is one community.
type CommunityConfig struct {
	ID         string           `yaml:"id"`
	Name       string           `yaml:"name"`
	Language   string           `yaml:"language"`
	Timezone   string           `yaml:"timezone"`
	Moderators []string         `yaml:"moderators"`
	Rooms      []string         `yaml:"rooms"`
	Limits     LimitsConfig     `yaml:"limits"`
	UndoWindow string           `yaml:"undo_window"`
	RateLimit  RateLimitConfig  `yaml:"rate_limit"`
	Categories []CategoryConfig `yaml:"categories"`
	Decisions  DecisionsConfig  `yaml:"decisions"`
	// groups:, reminders: and newsletter: (config_groups.go).
	GroupsConfig `yaml:",inline"`
	// Mediation cases and the council (config_conflicts.go).
	Conflicts ConflictsConfig `yaml:"conflicts"`
}

// DecisionsConfig sets decisions by consent: the deadline of a proposal
// that names none ("7d", "36h") and the quorum ("0" for none, a number of
// members, or a percentage of the members like "50%").
type DecisionsConfig struct {
	Deadline string `yaml:"deadline"`
	Quorum   string `yaml:"quorum"`
}

// LimitsConfig holds durations as members write them ("-20h", "40h").
type LimitsConfig struct {
	Floor     string `yaml:"floor"`
	Ceiling   string `yaml:"ceiling"`
	MaxAmount string `yaml:"max_amount"`
}

// RateLimitConfig bounds commands per member.
type RateLimitConfig struct {
	PerMinute float64 `yaml:"per_minute"`
	Burst     int     `yaml:"burst"`
}

// CategoryConfig is one kind of contribution with its names.
type CategoryConfig struct {
	ID string `yaml:"id"`
	FR string `yaml:"fr"`
	EN string `yaml:"en"`
}

// ConsoleConfig sets up the console chat.
type ConsoleConfig struct {
	As      string   `yaml:"as"`
	Members []string `yaml:"members"`
	Files   string   `yaml:"files"`
}

// Default settings, used where config.yaml says nothing.
const (
	defaultDatabase   = "./data/entraide.db"
	defaultUndoWindow = 15 * time.Minute
)

// DefaultConfig is what runs when there is no config.yaml: one French
// community served on the console.
func DefaultConfig() Config {
	return Config{
		Database:   defaultDatabase,
		Durability: string(ledger.DurabilityFull),
		Log:        LogConfig{Level: "info", Format: "text"},
		Communities: []CommunityConfig{{
			ID:         "coop",
			Name:       "la coopérative",
			Language:   "fr",
			Timezone:   "Europe/Paris",
			Moderators: []string{"console:ana"},
			Rooms:      []string{"console:*"},
			RateLimit:  RateLimitConfig{PerMinute: 30, Burst: 10},
			Decisions:  DecisionsConfig{Deadline: "7d", Quorum: "0"},
			Conflicts:  ConflictsConfig{ModeratorsRoom: "console:moderateurs"},
		}},
		Console: ConsoleConfig{As: "ana", Members: []string{"ana", "bob", "chloe", "david", "emma"}},
	}
}

var envReference = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)\}`)

// expandEnv replaces ${NAME} by the environment variable NAME in the
// document's values only, after parsing: a secret full of YAML syntax stays
// one value and cannot add settings. A lone "$" stays as written.
func expandEnv(doc *yaml.Node, lookup func(string) (string, bool)) {
	if doc.Kind == yaml.ScalarNode {
		doc.Value = envReference.ReplaceAllStringFunc(doc.Value, func(m string) string {
			v, _ := lookup(envReference.FindStringSubmatch(m)[1])
			return v
		})
		return
	}
	for i, child := range doc.Content {
		// Keys are never expanded: a setting's name is not configuration.
		if doc.Kind == yaml.MappingNode && i%2 == 0 {
			continue
		}
		expandEnv(child, lookup)
	}
}

// LoadConfig reads path, or returns DefaultConfig when path is "" and no
// config.yaml is in the working directory.
func LoadConfig(path string, lookup func(string) (string, bool)) (Config, string, error) {
	if path == "" {
		if _, err := os.Stat("config.yaml"); err != nil {
			return DefaultConfig(), "", nil
		}
		path = "config.yaml"
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		return Config{}, path, err
	}
	cfg, err := ParseConfig(raw, lookup)
	return cfg, path, err
}

// ParseConfig decodes YAML strictly: an unknown field is an error that
// names it, so a typo cannot silently drop a setting.
func ParseConfig(raw []byte, lookup func(string) (string, bool)) (Config, error) {
	cfg := Config{}
	var doc yaml.Node
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		return Config{}, fmt.Errorf("config: %w", err)
	}
	if len(doc.Content) > 0 {
		expandEnv(&doc, lookup)
		expanded, err := yaml.Marshal(&doc)
		if err != nil {
			return Config{}, fmt.Errorf("config: %w", err)
		}
		// Decoding the expanded text, not the node, keeps the strict check
		// of unknown fields, which only a Decoder offers.
		dec := yaml.NewDecoder(bytes.NewReader(expanded))
		dec.KnownFields(true)
		if err := dec.Decode(&cfg); err != nil && !errors.Is(err, io.EOF) {
			return Config{}, fmt.Errorf("config: %w", err)
		}
	}
	def := DefaultConfig()
	if cfg.Database == "" {
		cfg.Database = def.Database
	}
	if cfg.Durability == "" {
		cfg.Durability = def.Durability
	}
	if cfg.Log.Level == "" {
		cfg.Log.Level = def.Log.Level
	}
	if cfg.Log.Format == "" {
		cfg.Log.Format = def.Log.Format
	}
	if cfg.Console.As == "" {
		cfg.Console.As = def.Console.As
	}
	if len(cfg.Communities) == 0 {
		return Config{}, fmt.Errorf("config: communities: at least one community is required")
	}
	_, err := cfg.BotCommunities()
	return cfg, err
}

// BotCommunities turns the communities into the core's settings, with
// errors that name the field.
func (cfg Config) BotCommunities() ([]*bot.Community, error) {
	if cfg.Durability != string(ledger.DurabilityFull) && cfg.Durability != string(ledger.DurabilityNormal) {
		return nil, fmt.Errorf("config: durability: want full or normal, got %q", cfg.Durability)
	}
	if _, err := parseLevel(cfg.Log.Level); err != nil {
		return nil, fmt.Errorf("config: log.level: %w", err)
	}
	if cfg.Log.Format != "text" && cfg.Log.Format != "json" {
		return nil, fmt.Errorf("config: log.format: want text or json, got %q", cfg.Log.Format)
	}
	var out []*bot.Community
	seen := map[string]bool{}
	for i, cc := range cfg.Communities {
		c, err := cc.community()
		if err != nil {
			return nil, fmt.Errorf("config: communities[%d]: %w", i, err)
		}
		if seen[c.Slug] {
			return nil, fmt.Errorf("config: communities[%d]: id %q is used twice", i, c.Slug)
		}
		seen[c.Slug] = true
		out = append(out, c)
	}
	return out, nil
}

func (cc CommunityConfig) community() (*bot.Community, error) {
	c := &bot.Community{
		Slug:       cc.ID,
		Name:       cc.Name,
		Language:   cc.Language,
		Moderators: cc.Moderators,
		Rooms:      cc.Rooms,
		Limits:     bot.DefaultLimits(),
		UndoWindow: defaultUndoWindow,
		RateLimit:  bot.RateLimit{PerMinute: cc.RateLimit.PerMinute, Burst: cc.RateLimit.Burst},
	}
	if c.Name == "" {
		c.Name = cc.ID
	}
	if c.Language == "" {
		c.Language = "fr"
	}
	tz := cc.Timezone
	if tz == "" {
		tz = "UTC"
	}
	loc, err := time.LoadLocation(tz)
	if err != nil {
		return nil, fmt.Errorf("timezone: %w", err)
	}
	c.Location = loc
	for _, f := range []struct {
		name, value string
		into        *int64
		negative    bool
	}{
		{"limits.floor", cc.Limits.Floor, &c.Limits.Floor, true},
		{"limits.ceiling", cc.Limits.Ceiling, &c.Limits.Ceiling, false},
		{"limits.max_amount", cc.Limits.MaxAmount, &c.Limits.MaxAmount, false},
	} {
		if f.value == "" {
			continue
		}
		m, err := parseLimit(f.value, f.negative)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f.name, err)
		}
		*f.into = m
	}
	if cc.UndoWindow != "" {
		if c.UndoWindow, err = time.ParseDuration(cc.UndoWindow); err != nil {
			return nil, fmt.Errorf("undo_window: %w", err)
		}
	}
	if cc.Decisions.Deadline != "" {
		d, ok := bot.ParseDeadlineDuration(cc.Decisions.Deadline)
		if !ok || d <= 0 {
			return nil, fmt.Errorf("decisions.deadline: %q is not a duration like 7d or 36h", cc.Decisions.Deadline)
		}
		c.Decisions.Deadline = d
	}
	if cc.Decisions.Quorum != "" {
		if c.Decisions.Quorum, err = bot.ParseQuorum(cc.Decisions.Quorum); err != nil {
			return nil, fmt.Errorf("decisions.quorum: %w", err)
		}
	}
	if cc.RateLimit.PerMinute < 0 || cc.RateLimit.Burst < 0 {
		return nil, fmt.Errorf("rate_limit: values must not be negative")
	}
	for _, m := range cc.Moderators {
		if p, u, ok := strings.Cut(m, ":"); !ok || p == "" || u == "" {
			return nil, fmt.Errorf("moderators: %q should be platform:user-id, like console:ana", m)
		}
	}
	for _, r := range cc.Rooms {
		if p, room, ok := strings.Cut(r, ":"); !ok || p == "" || room == "" {
			return nil, fmt.Errorf("rooms: %q should be platform:room, like console:* or matrix:!abc:example.org", r)
		}
	}
	if len(cc.Categories) == 0 {
		c.Categories = bot.DefaultCategories()
	}
	for _, cat := range cc.Categories {
		c.Categories = append(c.Categories, bot.Category{ID: cat.ID, Names: map[string]string{"fr": cat.FR, "en": cat.EN}})
	}
	if c.Groups, err = cc.GroupsConfig.settings(); err != nil {
		return nil, err
	}
	if c.Conflicts, err = cc.Conflicts.settings(); err != nil {
		return nil, err
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return c, nil
}

// parseLimit reads "40h", "-20h" or "0".
func parseLimit(original string, negative bool) (int64, error) {
	s := strings.TrimSpace(original)
	if s == "0" || s == "0h" || s == "-0h" {
		return 0, nil
	}
	sign := int64(1)
	if rest, ok := strings.CutPrefix(s, "-"); ok {
		if !negative {
			return 0, fmt.Errorf("%q must not be negative", s)
		}
		sign, s = -1, rest
	} else if negative {
		return 0, fmt.Errorf("%q must be negative or zero, like -20h", s)
	}
	m, err := bot.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("%q is not a duration like 20h or 1h30", strings.TrimSpace(original))
	}
	return sign * m, nil
}

func parseLevel(s string) (slog.Level, error) {
	var l slog.Level
	err := l.UnmarshalText([]byte(s))
	return l, err
}
