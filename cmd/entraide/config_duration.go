package main

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/entraide/entraide/bot"
	"github.com/entraide/entraide/schedules"
)

// durationExamples is what every duration error shows: the forms members
// type in chat, which are the only ones config.yaml takes.
const durationExamples = "15min, 1h30, 36h, 7d or 2 heures"

// parsePeriod reads the duration value of the setting key, which must be
// more than zero; want says what to write instead of zero. Errors name the
// key.
func parsePeriod(key, value, want string) (time.Duration, error) {
	d, err := parseConfigDuration(value)
	if err == nil && d <= 0 {
		err = fmt.Errorf("%q: %s", value, want)
	}
	if err != nil {
		return 0, fmt.Errorf("%s: %w", key, err)
	}
	return d, nil
}

// parseConfigDuration reads a duration of config.yaml in the grammar
// members use in chat: an amount of time (bot.ParseDuration: "15min",
// "1h30", "2 heures") or a whole number of days or weeks
// (schedules.ParseDeadlineDuration: "7d", "3j", "2w"). Zero ("0", "0min") is
// zero: the settings that need more say so. A period
// of hours or days is checked against the days grammar first, so that
// "2000h" is a long period rather than an amount above the chat's cap.
func parseConfigDuration(s string) (time.Duration, error) {
	t := strings.TrimSpace(s)
	if t == "0" {
		return 0, nil
	}
	if d, ok := schedules.ParseDeadlineDuration(t); ok {
		return d, nil
	}
	m, err := parseMinutes(t)
	if err != nil {
		return 0, explainDuration(s, err)
	}
	return time.Duration(m) * time.Minute, nil
}

// explainDuration turns the chat parser's refusal into a sentence for the
// volunteer: a cap is named as a cap, not as a malformed duration.
func explainDuration(s string, err error) error {
	var de *bot.DurationError
	if !errors.As(err, &de) {
		return err
	}
	switch de.Code {
	case bot.DurationNegative:
		return fmt.Errorf("%q must not be negative", s)
	case bot.DurationTooLarge:
		return fmt.Errorf("%q goes beyond the cap of %s on amounts and limits of time", s, bot.FormatMinutes(bot.MaxDurationMinutes))
	}
	return fmt.Errorf("%q is not a duration like %s", s, durationExamples)
}

// parseLimit reads a balance limit or an amount: "40h", "-20h" or "0".
func parseLimit(original string, negative bool) (int64, error) {
	s := strings.TrimSpace(original)
	if s == "0" || s == "-0h" {
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
	m, err := parseMinutes(s)
	if err != nil {
		return 0, explainDuration(strings.TrimSpace(original), err)
	}
	return sign * m, nil
}

// parseMinutes is bot.ParseDuration with zero allowed: in the config, a
// zero limit or period is a choice, not a gift of no time.
func parseMinutes(s string) (int64, error) {
	m, err := bot.ParseDuration(s)
	var de *bot.DurationError
	if errors.As(err, &de) && de.Code == bot.DurationZero {
		return 0, nil
	}
	return m, err
}
