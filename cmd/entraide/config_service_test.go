package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Every duration of the file takes the grammar members type in chat.
func TestConfigDurationGrammar(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want time.Duration
	}{
		{"15min", 15 * time.Minute},
		{"15m", 15 * time.Minute},
		{"1h30", 90 * time.Minute},
		{"1h30m", 90 * time.Minute},
		{"1,5h", 90 * time.Minute},
		{"2 heures", 2 * time.Hour},
		{"36h", 36 * time.Hour},
		{"7d", 7 * 24 * time.Hour},
		{"3j", 3 * 24 * time.Hour},
		{"2 semaines", 14 * 24 * time.Hour},
		{"2000h", 2000 * time.Hour},
		{"0", 0},
		{"0min", 0},
		{"0h", 0},
	} {
		got, err := parseConfigDuration(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("parseConfigDuration(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
	for _, tc := range []struct{ in, want string }{
		{"soon", "is not a duration like 15min, 1h30, 36h, 7d or 2 heures"},
		{"-5m", "must not be negative"},
		{"1500h30", "goes beyond the cap of 1000h"},
		{"15 minutes please", "is not a duration like"},
	} {
		if _, err := parseConfigDuration(tc.in); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("parseConfigDuration(%q): %v; want an error saying %q", tc.in, err, tc.want)
		}
	}
	c := parseCommunity(t, "undo_window: 20min", "reminders: {grace: 1h30}", "decisions: {deadline: 2 semaines}",
		"conflicts: {check_in: 36h, inactive_after: 2w, council: {eligible: active 90j}}")
	if c.UndoWindow != 20*time.Minute || c.Groups.ReminderGrace != 90*time.Minute || c.Decisions.Deadline != 14*24*time.Hour ||
		c.Conflicts.CheckIn != 36*time.Hour || c.Conflicts.InactiveAfter != 14*24*time.Hour || c.Conflicts.Council.ActiveWithin != 90*24*time.Hour {
		t.Errorf("durations read as %v, %v, %v, %v, %v, %v", c.UndoWindow, c.Groups.ReminderGrace, c.Decisions.Deadline,
			c.Conflicts.CheckIn, c.Conflicts.InactiveAfter, c.Conflicts.Council.ActiveWithin)
	}
}

func TestConfigServiceErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		yaml string
		env  map[string]string
		want []string
	}{
		{"unknown key with a near one", oneCommunity("undo_windw: 15min"), nil,
			[]string{"communities[0].undo_windw: unknown setting (line 3)", "did you mean communities[0].undo_window?"}},
		{"unknown nested key", oneCommunity("limits: {max_recipient: 3}"), nil,
			[]string{"communities[0].limits.max_recipient", "did you mean communities[0].limits.max_recipients?"}},
		{"unknown key far from any", "zzzzzzzz: 1\n" + oneCommunity(), nil, []string{"zzzzzzzz: unknown setting"}},
		{"type error names the path", oneCommunity("rate_limit: {burst: lots}"), nil,
			[]string{"communities[0].rate_limit.burst", "(line 3)"}},
		{"type error in a flow mapping names its setting", oneCommunity("rate_limit: {per_minute: fast, burst: 2}"), nil,
			[]string{"communities[0].rate_limit.per_minute: cannot unmarshal !!str `fast`"}},
		{"type error of a block", oneCommunity("moderators: {ana: yes}"), nil,
			[]string{"communities[0].moderators: cannot unmarshal !!map into []string (line 3)"}},
		{"unset variable", oneCommunity() + "discord:\n  token: ${DISCORD_TOKEN}\n", nil,
			[]string{"discord.token", "DISCORD_TOKEN", "not set"}},
		{"unset variable in a list", oneCommunity(`rooms: ["console:${ROOM}"]`), nil,
			[]string{"communities[0].rooms[0]", "ROOM"}},
		{"empty platform section", oneCommunity() + "matrix: {}\n", nil,
			[]string{"matrix", "incomplete", "matrix.homeserver", "matrix.user_id", "matrix.access_token"}},
		{"empty token", oneCommunity() + "discord:\n  token: ${DISCORD_TOKEN}\n", map[string]string{"DISCORD_TOKEN": ""},
			[]string{"discord", "incomplete", "discord.token"}},
		{"unknown room platform", oneCommunity(`rooms: ["irc:general"]`), nil,
			[]string{"communities[0]: rooms", `"irc"`, "console, matrix, discord"}},
		{"misspelt moderator platform", oneCommunity(`moderators: ["matirx:@ana:example.org"]`), nil,
			[]string{"communities[0]: moderators", "did you mean matrix:@ana:example.org?"}},
		{"unknown moderators_room platform", oneCommunity(`conflicts: {moderators_room: "slack:mods"}`), nil,
			[]string{"conflicts.moderators_room", `"slack"`}},
		{"unknown council member platform", oneCommunity(`conflicts: {council: {members: ["disocrd:1"]}}`), nil,
			[]string{"conflicts.council.members[0]", "did you mean discord:1?"}},
		{"floor beyond the cap", oneCommunity("limits: {floor: -2000h}"), nil,
			[]string{"limits.floor", `"-2000h" goes beyond the cap of 1000h`}},
		{"negative recipients", oneCommunity("limits: {max_recipients: -1}"), nil, []string{"limits.max_recipients"}},
		{"bad listen", "http: {listen: 9464}\n" + oneCommunity(), nil, []string{"http.listen", "127.0.0.1:9464"}},
		{"bad backup schedule", "backups: {schedule: nightly}\n" + oneCommunity(), nil, []string{"backups.schedule", "0 3 * * *"}},
		{"negative keep", "backups: {schedule: \"0 3 * * *\", keep: -1}\n" + oneCommunity(), nil, []string{"backups.keep"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseConfig([]byte(tc.yaml), envOf(tc.env, nil))
			if err == nil {
				t.Fatalf("accepted:\n%s", tc.yaml)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

func TestConfigPlatformSections(t *testing.T) {
	cfg, err := ParseConfig([]byte(oneCommunity()+`matrix:
  homeserver: https://matrix.example.org
  user_id: "@bot:example.org"
  password: ${PW}
discord:
  token: ${TOKEN}
`), envOf(map[string]string{"PW": "pw", "TOKEN": "t"}, nil))
	if err != nil {
		t.Fatal(err)
	}
	if !cfg.enabled("matrix") || !cfg.enabled("discord") || !cfg.anyPlatform() {
		t.Errorf("sections present but not enabled: %v", cfg.sections)
	}
	cfg, err = ParseConfig([]byte(oneCommunity()), noEnv)
	if err != nil || cfg.anyPlatform() {
		t.Errorf("no section: anyPlatform %v, %v", cfg.anyPlatform(), err)
	}
	if c := parseCommunity(t, "limits: {max_recipients: 3}"); c.MaxRecipients != 3 {
		t.Errorf("max_recipients read as %d", c.MaxRecipients)
	}
}

// Relative paths are the config file's folder's; ENTRAIDE_CONFIG names
// the file when --config does not.
func TestConfigPathsAndEnvironment(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(t.TempDir())
	path := filepath.Join(dir, "entraide.yaml")
	if err := os.WriteFile(path, []byte(`database: ./data/l.db
console: {files: exports}
backups: {schedule: "0 3 * * *", folder: /srv/backups}
`+oneCommunity()), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, got, err := LoadConfig("", envOf(map[string]string{configEnv: path}, nil))
	if err != nil || got != path {
		t.Fatalf("LoadConfig through %s: %q, %v", configEnv, got, err)
	}
	if cfg.Database != filepath.Join(dir, "data", "l.db") || cfg.Console.Files != filepath.Join(dir, "exports") ||
		cfg.Backups.Folder != "/srv/backups" || cfg.Backups.Keep != defaultBackupsKept {
		t.Errorf("paths: database %q, files %q, backups %q (keep %d)", cfg.Database, cfg.Console.Files, cfg.Backups.Folder, cfg.Backups.Keep)
	}
	if _, _, err := LoadConfig("", envOf(map[string]string{configEnv: filepath.Join(dir, "missing.yaml")}, nil)); err == nil {
		t.Errorf("a missing %s file gave the defaults", configEnv)
	}
}
