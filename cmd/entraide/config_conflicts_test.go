package main

import (
	"testing"
	"time"
)

func TestConfigConflicts(t *testing.T) {
	com := parseCommunity(t,
		"conflicts:",
		`  moderators_room: "matrix:!mods:example.org"`,
		"  check_in: 5d",
		"  inactive_after: 3w",
		"  mediation_rules: {fr: \"Se respecter.\", en: \"  Respect each other.  \"}",
		`  council: {members: ["matrix:@ana:example.org", "discord:42"], drawn: 2, eligible: active 90d}`,
	)
	s := com.Conflicts
	if s.ModeratorsRoom != "matrix:!mods:example.org" || s.CheckIn != 5*24*time.Hour || s.InactiveAfter != 21*24*time.Hour ||
		s.Rules["fr"] != "Se respecter." || s.Rules["en"] != "Respect each other." ||
		len(s.Council.Members) != 2 || s.Council.Drawn != 2 || s.Council.ActiveWithin != 90*24*time.Hour {
		t.Errorf("settings %+v", s)
	}
	// Nothing said: the defaults, three seats drawn among all members.
	def, _ := ParseConfig([]byte(oneCommunity()), noEnv)
	dc, _ := def.BotCommunities()
	if d := dc[0].Conflicts; d.ModeratorsRoom != "" || d.CheckIn != 0 || d.InactiveAfter != 0 || d.Council.Drawn != 3 || d.Council.ActiveWithin != 0 {
		t.Errorf("defaults %+v", d)
	}
	none, err := ParseConfig([]byte(oneCommunity("conflicts: {council: {drawn: 0}}")), noEnv)
	if err != nil {
		t.Fatal(err)
	}
	if nc, _ := none.BotCommunities(); nc[0].Conflicts.Council.Drawn != 0 {
		t.Errorf("drawn: 0 gave %d", nc[0].Conflicts.Council.Drawn)
	}
}

func TestConfigConflictsErrors(t *testing.T) {
	for _, tc := range []struct {
		name, line string
		want       []string
	}{
		{"moderators room", "conflicts: {moderators_room: mods}", []string{"communities[0]", "conflicts.moderators_room", `"mods"`}},
		{"check-in", "conflicts: {check_in: weekly}", []string{"conflicts.check_in", `"weekly"`}},
		{"inactive", "conflicts: {inactive_after: 0d}", []string{"conflicts.inactive_after"}},
		{"rules language", "conflicts: {mediation_rules: {de: Respekt}}", []string{"conflicts.mediation_rules", `"de"`}},
		{"council member", "conflicts: {council: {members: [ana]}}", []string{"conflicts.council.members[0]", `"ana"`}},
		{"drawn", "conflicts: {council: {drawn: -1}}", []string{"conflicts.council.drawn"}},
		{"eligible", "conflicts: {council: {eligible: everyone}}", []string{"conflicts.council.eligible", `"everyone"`}},
		{"eligible period", "conflicts: {council: {eligible: active soon}}", []string{"conflicts.council.eligible"}},
		{"confidential", "conflicts: {confidential: true}", []string{"conflicts.confidential", "not available yet"}},
		{"unknown field", "conflicts: {moderator_room: \"console:x\"}", []string{"moderator_room"}},
	} {
		t.Run(tc.name, func(t *testing.T) { wantRefused(t, tc.line, tc.want) })
	}
}
