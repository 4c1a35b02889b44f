package main

import (
	"github.com/entraide/entraide/bot"
)

// AidConfig is a community's aid: section, for offers and needs.
type AidConfig struct {
	// Room (platform:room) is where need and offer cards are posted; left
	// out, each card goes to the room where it was typed.
	Room string `yaml:"room"`
	// NeedExpiry is how long a need without a deadline stays open ("30d").
	NeedExpiry string `yaml:"need_expiry"`
}

// settings turns the config into the core's, with errors that name the key.
func (ac AidConfig) settings() (bot.AidSettings, error) {
	s := bot.AidSettings{Room: ac.Room}
	if ac.NeedExpiry != "" {
		d, err := parsePeriod("aid.need_expiry", ac.NeedExpiry, "want a period like 30d")
		if err != nil {
			return s, err
		}
		s.NeedExpiry = d
	}
	return s, nil
}
