package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/entraide/entraide/adapters/discord"
	"github.com/entraide/entraide/adapters/matrix"
	"github.com/entraide/entraide/bot"
)

// MatrixConfig is config.yaml's matrix section. The adapter starts when the
// section is present, which must then be complete (checkPlatforms).
type MatrixConfig struct {
	Homeserver     string   `yaml:"homeserver"`
	UserID         string   `yaml:"user_id"`
	AccessToken    string   `yaml:"access_token"`
	Password       string   `yaml:"password"`
	DeviceName     string   `yaml:"device_name"`
	AllowedServers []string `yaml:"allowed_servers"`
	Encryption     bool     `yaml:"encryption"`
	CryptoDB       string   `yaml:"crypto_db"`
	PickleKey      string   `yaml:"pickle_key"`
	// MsgTypes are the msgtypes of answers (m.notice) and announcements
	// (m.text) when the defaults do not suit.
	MsgTypes struct {
		Answers       string `yaml:"answers"`
		Announcements string `yaml:"announcements"`
	} `yaml:"msgtypes"`
}

// DiscordConfig is config.yaml's discord section. The adapter starts when
// the section is present, which must then hold the token.
type DiscordConfig struct {
	Token          string   `yaml:"token"`
	Guilds         []string `yaml:"guilds"`
	MessageContent bool     `yaml:"message_content"`
	MembersIntent  bool     `yaml:"members_intent"`
	PrivateChannel string   `yaml:"private_channel"`
}

// enabled says whether config.yaml has the platform's section.
func (cfg Config) enabled(platform string) bool { return cfg.sections[platform] }

// anyPlatform is true when some chat platform is configured.
func (cfg Config) anyPlatform() bool {
	return cfg.enabled(discord.Platform) || cfg.enabled(matrix.Platform)
}

// roomsOf lists the rooms the communities name on a platform ("matrix:!a:x"
// gives "!a:x"); "platform:*" names none in particular.
func (cfg Config) roomsOf(platform string) []string {
	var out []string
	for _, c := range cfg.Communities {
		for _, r := range c.Rooms {
			if room, ok := strings.CutPrefix(r, platform+":"); ok && room != "*" {
				out = append(out, room)
			}
		}
	}
	return out
}

// platformAdapters builds the adapters whose credentials are configured;
// none means the console chat.
func (e *env) platformAdapters(ctx context.Context) ([]func(*bot.Bot) bot.Adapter, error) {
	var out []func(*bot.Bot) bot.Adapter
	if m := e.cfg.Matrix; e.cfg.enabled(matrix.Platform) {
		if err := makeDir(m.CryptoDB); err != nil {
			return nil, fmt.Errorf("config: matrix.crypto_db: %w", err)
		}
		a, err := matrix.New(matrix.Config{
			Homeserver:     m.Homeserver,
			UserID:         m.UserID,
			AccessToken:    m.AccessToken,
			Password:       m.Password,
			DeviceName:     m.DeviceName,
			Rooms:          e.cfg.roomsOf(matrix.Platform),
			AllowedServers: m.AllowedServers,
			Encryption:     m.Encryption,
			CryptoDB:       m.CryptoDB,
			PickleKey:      m.PickleKey,

			AnswerMsgType:       m.MsgTypes.Answers,
			AnnouncementMsgType: m.MsgTypes.Announcements,
		}, e.db, e.log.With("platform", matrix.Platform))
		if err != nil {
			// The adapter's errors already say "matrix: ".
			return nil, fmt.Errorf("config: %w", err)
		}
		e.closers = append(e.closers, a.Close)
		out = append(out, func(*bot.Bot) bot.Adapter { return a })
	}
	if e.cfg.enabled(discord.Platform) {
		guilds, channels, err := e.cfg.discordGuilds()
		if err != nil {
			return nil, err
		}
		a, err := discord.New(discord.Config{
			Token:          e.cfg.Discord.Token,
			Guilds:         guilds,
			Channels:       channels,
			MessageContent: e.cfg.Discord.MessageContent,
			MembersIntent:  e.cfg.Discord.MembersIntent,
			PrivateChannel: e.cfg.Discord.PrivateChannel,
			Components:     e.db,
			HTTPClient:     e.discordHTTP,
		}, e.log.With("platform", discord.Platform))
		if err != nil {
			return nil, fmt.Errorf("config: discord: %w", err)
		}
		out = append(out, func(*bot.Bot) bot.Adapter { return a })
	}
	return out, nil
}
