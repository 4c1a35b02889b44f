package main

import (
	"fmt"
	"slices"
	"strings"

	"github.com/entraide/entraide/adapters/console"
	"github.com/entraide/entraide/adapters/discord"
	"github.com/entraide/entraide/adapters/matrix"
)

// knownPlatforms are the platforms a room or a member may name.
func knownPlatforms() []string { return []string{console.Platform, matrix.Platform, discord.Platform} }

// checkPlatformRef checks one platform:value reference of the setting key:
// an unknown platform ("irc:general", "matirx:@ana:…") would bind nothing
// and be silently ignored.
func checkPlatformRef(key, ref, want string) error {
	p, v, ok := strings.Cut(ref, ":")
	if !ok || p == "" || v == "" {
		return fmt.Errorf("%s: %q should be %s", key, ref, want)
	}
	if !slices.Contains(knownPlatforms(), p) {
		msg := fmt.Sprintf("%s: %q names the platform %q, which is none of %s", key, ref, p, strings.Join(knownPlatforms(), ", "))
		if near := closest(p, knownPlatforms()); near != "" {
			msg += fmt.Sprintf("; did you mean %s:%s?", near, v)
		}
		return fmt.Errorf("%s", msg)
	}
	return nil
}

// checkPlatformRefs checks the references of a community's other settings
// (its groups, newsletter, moderators' room and council).
func (cc CommunityConfig) checkPlatformRefs() error {
	const room = "platform:room, like console:moderateurs or matrix:!abc:example.org"
	for i, g := range cc.Groups {
		if g.Room == "" {
			continue
		}
		if err := checkPlatformRef(fmt.Sprintf("groups[%d].room", i), g.Room, room); err != nil {
			return err
		}
	}
	if r := cc.Newsletter.Room; r != "" {
		if err := checkPlatformRef("newsletter.room", r, room); err != nil {
			return err
		}
	}
	if r := cc.Conflicts.ModeratorsRoom; r != "" {
		if err := checkPlatformRef("conflicts.moderators_room", r, room); err != nil {
			return err
		}
	}
	for i, m := range cc.Conflicts.Council.Members {
		if err := checkPlatformRef(fmt.Sprintf("conflicts.council.members[%d]", i), m, "platform:user-id, like console:ana"); err != nil {
			return err
		}
	}
	return nil
}

// checkPlatforms refuses a platform section that is present but
// incomplete: a missing token must stop the bot with the reason, never
// quietly start something else.
func (cfg Config) checkPlatforms() error {
	if cfg.sections[matrix.Platform] {
		m := cfg.Matrix
		var missing []string
		if m.Homeserver == "" {
			missing = append(missing, "matrix.homeserver")
		}
		if m.UserID == "" {
			missing = append(missing, "matrix.user_id")
		}
		if m.AccessToken == "" && m.Password == "" {
			missing = append(missing, "matrix.access_token (or matrix.password)")
		}
		if len(missing) > 0 {
			return fmt.Errorf("config: matrix: the section is incomplete: set %s, or remove the section to run without Matrix", strings.Join(missing, " and "))
		}
	}
	if cfg.sections[discord.Platform] && cfg.Discord.Token == "" {
		return fmt.Errorf("config: discord: the section is incomplete: set discord.token, or remove the section to run without Discord")
	}
	return nil
}
