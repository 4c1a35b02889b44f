package main

import (
	"fmt"
	"strings"
	"time"

	"github.com/entraide/entraide/bot"
)

// ConflictsConfig is a community's conflicts: section, for mediation
// cases and the council.
type ConflictsConfig struct {
	// ModeratorsRoom (platform:room) hears requests for mediation,
	// escalations and idle cases.
	ModeratorsRoom string `yaml:"moderators_room"`
	// MediationRules replace the welcome's default rules, by language.
	MediationRules map[string]string `yaml:"mediation_rules"`
	// CheckIn is how often the bot checks in on an open case ("7d");
	// InactiveAfter how long a case may go without any action before the
	// moderators are told ("14d").
	CheckIn       string `yaml:"check_in"`
	InactiveAfter string `yaml:"inactive_after"`
	// Confidential would make a dedicated Discord channel instead of a
	// private thread; it is not available yet.
	Confidential bool          `yaml:"confidential"`
	Council      CouncilConfig `yaml:"council"`
}

// CouncilConfig composes the council: named members (platform:user-id),
// seats drawn by lot (3 unless said) among the eligible members: "all",
// or "active 90d" for those who gave or received time in the last 90 days.
type CouncilConfig struct {
	Members  []string `yaml:"members"`
	Drawn    *int     `yaml:"drawn"`
	Eligible string   `yaml:"eligible"`
}

// defaultCouncilDrawn is the seats drawn by lot when the config says
// nothing: the seeds' "trois actionnaires tirés au sort".
const defaultCouncilDrawn = 3

// settings turns the config into the core's, with errors that name the key.
func (cc ConflictsConfig) settings() (bot.ConflictSettings, error) {
	s := bot.ConflictSettings{ModeratorsRoom: cc.ModeratorsRoom, Council: bot.CouncilSettings{
		Members: cc.Council.Members, Drawn: defaultCouncilDrawn}}
	if cc.Confidential {
		return s, fmt.Errorf("conflicts.confidential: not available yet: mediation spaces are private threads on Discord (which members allowed to manage threads can read) and invite-only encrypted rooms on Matrix; leave it out")
	}
	for lang, text := range cc.MediationRules {
		if s.Rules == nil {
			s.Rules = map[string]string{}
		}
		s.Rules[lang] = strings.TrimSpace(text)
	}
	for _, f := range []struct {
		key, value string
		into       *time.Duration
	}{{"conflicts.check_in", cc.CheckIn, &s.CheckIn}, {"conflicts.inactive_after", cc.InactiveAfter, &s.InactiveAfter}} {
		if f.value == "" {
			continue
		}
		d, err := parsePeriod(f.key, f.value, "want a period like 7d or 36h")
		if err != nil {
			return s, err
		}
		*f.into = d
	}
	if cc.Council.Drawn != nil {
		s.Council.Drawn = *cc.Council.Drawn
	}
	switch e := strings.TrimSpace(cc.Council.Eligible); {
	case e == "" || e == "all":
	case strings.HasPrefix(e, "active "):
		d, err := parseConfigDuration(strings.TrimPrefix(e, "active "))
		if err != nil || d <= 0 {
			return s, fmt.Errorf("conflicts.council.eligible: %q: want all, or active followed by a period like 90d", e)
		}
		s.Council.ActiveWithin = d
	default:
		return s, fmt.Errorf("conflicts.council.eligible: %q: want all, or active followed by a period like 90d", e)
	}
	return s, s.Validate()
}
