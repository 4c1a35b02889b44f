package main

import (
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
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
	HTTP        HTTPConfig        `yaml:"http"`
	Backups     BackupsConfig     `yaml:"backups"`

	// sections are the top-level keys the file sets: a platform's section
	// that is present must be complete (platformSections).
	sections map[string]bool
}

// HTTPConfig is the optional listener of /healthz and /metrics; off when
// Listen is empty.
type HTTPConfig struct {
	Listen string `yaml:"listen"`
}

// BackupsConfig schedules backups: a cron line in the first community's
// time zone, the folder they are written to, and how many are kept (the
// oldest are removed). Off when Schedule is empty.
type BackupsConfig struct {
	Schedule string `yaml:"schedule"`
	Folder   string `yaml:"folder"`
	Keep     int    `yaml:"keep"`
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
	// discord: the community's guilds and channels (config_discord.go).
	CommunityDiscord `yaml:",inline"`
	// Offers and needs (config_aid.go).
	Aid AidConfig `yaml:"aid"`
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
	// MaxRecipients caps the members one /give names (25 unless said).
	MaxRecipients int `yaml:"max_recipients"`
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
	// defaultBackupsKept is how many scheduled backups stay when the
	// config names no number: a week of nightly ones.
	defaultBackupsKept = 7
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

// configEnv names the configuration file when --config does not: the
// Docker image sets it, so that "docker exec … entraide backup FILE" finds
// the same ledger as the running bot.
const configEnv = "ENTRAIDE_CONFIG"

// LoadConfig reads path; when path is "", the file ENTRAIDE_CONFIG names,
// else ./config.yaml, else DefaultConfig. Relative paths in the file are
// resolved against the file's folder, so that a tool run from any working
// directory opens the same ledger as the bot.
func LoadConfig(path string, lookup func(string) (string, bool)) (Config, string, error) {
	if path == "" {
		if p, ok := lookup(configEnv); ok && p != "" {
			path = p
		} else if _, err := os.Stat("config.yaml"); err == nil {
			path = "config.yaml"
		} else {
			return DefaultConfig(), "", nil
		}
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		return Config{}, path, err
	}
	cfg, err := ParseConfig(raw, lookup)
	if err != nil {
		return Config{}, path, err
	}
	cfg.resolvePaths(filepath.Dir(path))
	return cfg, path, nil
}

// ParseConfig decodes YAML strictly: an unknown setting is an error that
// names its path and the closest known one, so a typo cannot silently
// drop a setting.
func ParseConfig(raw []byte, lookup func(string) (string, bool)) (Config, error) {
	cfg := Config{}
	var doc yaml.Node
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		return Config{}, fmt.Errorf("config: %w", err)
	}
	if len(doc.Content) > 0 {
		if err := expandEnv(&doc, "", lookup); err != nil {
			return Config{}, err
		}
		k := keyChecker{lines: map[int][]setting{}}
		if err := k.check(&doc, reflect.TypeFor[Config](), ""); err != nil {
			return Config{}, err
		}
		if err := doc.Decode(&cfg); err != nil {
			return Config{}, k.explainTypeErrors(err)
		}
		if top := doc.Content[0]; top.Kind == yaml.MappingNode {
			cfg.sections = map[string]bool{}
			for i := 0; i+1 < len(top.Content); i += 2 {
				cfg.sections[top.Content[i].Value] = true
			}
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
	if cfg.Backups.Keep == 0 {
		cfg.Backups.Keep = defaultBackupsKept
	}
	if len(cfg.Communities) == 0 {
		return Config{}, fmt.Errorf("config: communities: at least one community is required")
	}
	if err := cfg.checkPlatforms(); err != nil {
		return Config{}, err
	}
	if err := cfg.checkService(); err != nil {
		return Config{}, err
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
		if c.UndoWindow, err = parseConfigDuration(cc.UndoWindow); err != nil {
			return nil, fmt.Errorf("undo_window: %w", err)
		}
	}
	if cc.Decisions.Deadline != "" {
		if c.Decisions.Deadline, err = parsePeriod("decisions.deadline", cc.Decisions.Deadline, "a proposal needs time to be read"); err != nil {
			return nil, err
		}
	}
	if cc.Decisions.Quorum != "" {
		if c.Decisions.Quorum, err = bot.ParseQuorum(cc.Decisions.Quorum); err != nil {
			return nil, fmt.Errorf("decisions.quorum: %w", err)
		}
	}
	if cc.RateLimit.PerMinute < 0 || cc.RateLimit.Burst < 0 {
		return nil, fmt.Errorf("rate_limit: values must not be negative")
	}
	if cc.Limits.MaxRecipients < 0 {
		return nil, fmt.Errorf("limits.max_recipients: %d must not be negative", cc.Limits.MaxRecipients)
	}
	c.MaxRecipients = cc.Limits.MaxRecipients // 0: the core's default
	for _, m := range cc.Moderators {
		if err := checkPlatformRef("moderators", m, "platform:user-id, like console:ana"); err != nil {
			return nil, err
		}
	}
	for _, r := range cc.Rooms {
		if err := checkPlatformRef("rooms", r, "platform:room, like console:* or matrix:!abc:example.org"); err != nil {
			return nil, err
		}
	}
	if len(cc.Categories) == 0 {
		c.Categories = bot.DefaultCategories()
	}
	for _, cat := range cc.Categories {
		c.Categories = append(c.Categories, bot.Category{ID: cat.ID, Names: map[string]string{"fr": cat.FR, "en": cat.EN}})
	}
	if err := cc.checkPlatformRefs(); err != nil {
		return nil, err
	}
	if c.Groups, err = cc.GroupsConfig.settings(); err != nil {
		return nil, err
	}
	if c.Conflicts, err = cc.Conflicts.settings(); err != nil {
		return nil, err
	}
	if err := cc.CommunityDiscord.apply(c); err != nil {
		return nil, err
	}
	if c.Aid, err = cc.Aid.settings(); err != nil {
		return nil, err
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return c, nil
}

func parseLevel(s string) (slog.Level, error) {
	var l slog.Level
	err := l.UnmarshalText([]byte(s))
	return l, err
}
