package main

import (
	"github.com/entraide/entraide/bot"
)

// GroupsConfig is what a community's config says of its working groups,
// their reminders and its newsletter; its keys sit directly under the
// community (groups:, reminders:, newsletter:).
type GroupsConfig struct {
	Groups     []GroupConfig    `yaml:"groups"`
	Reminders  RemindersConfig  `yaml:"reminders"`
	Newsletter NewsletterConfig `yaml:"newsletter"`
}

// GroupConfig declares a working group, created at start-up. Room is
// platform:room (leave it out and a member types /group create NAME in the
// room); Timezone overrides the community's for its reminders; Pings says
// whether its reminders mention its members (left out: /group pings
// decides).
type GroupConfig struct {
	Name     string `yaml:"name"`
	Room     string `yaml:"room"`
	Timezone string `yaml:"timezone"`
	Pings    *bool  `yaml:"pings"`
}

// RemindersConfig: a reminder that fell due less than Grace ago while the
// bot was down is posted late; older ones are summed up once ("2h").
type RemindersConfig struct {
	Grace string `yaml:"grace"`
}

// NewsletterConfig schedules the newsletter: a cron line read in the
// community's time zone ("0 9 * * MON") and the announcement room
// (platform:room). Both or neither.
type NewsletterConfig struct {
	Schedule string `yaml:"schedule"`
	Room     string `yaml:"room"`
}

// settings turns the config into the core's, with errors that name the key.
func (gc GroupsConfig) settings() (bot.GroupSettings, error) {
	var s bot.GroupSettings
	for _, g := range gc.Groups {
		s.Declared = append(s.Declared, bot.DeclaredGroup{Name: g.Name, Room: g.Room, Timezone: g.Timezone, Pings: g.Pings})
	}
	if gc.Reminders.Grace != "" {
		d, err := parsePeriod("reminders.grace", gc.Reminders.Grace, "want a grace period like 2h or 90min")
		if err != nil {
			return s, err
		}
		s.ReminderGrace = d
	}
	s.Newsletter = bot.NewsletterSettings{Schedule: gc.Newsletter.Schedule, Room: gc.Newsletter.Room}
	return s, s.Validate()
}
