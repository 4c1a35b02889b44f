package main

import (
	"context"
	"fmt"

	"github.com/entraide/entraide/adapters/discord"
	"github.com/entraide/entraide/bot"
)

// DiscordConfig is config.yaml's discord section. The adapter starts when
// the token is set.
type DiscordConfig struct {
	Token          string   `yaml:"token"`
	Guilds         []string `yaml:"guilds"`
	MessageContent bool     `yaml:"message_content"`
	PrivateChannel string   `yaml:"private_channel"`
}

func (d DiscordConfig) enabled() bool { return d.Token != "" }

// anyPlatform is true when some chat platform has credentials.
func (cfg Config) anyPlatform() bool { return cfg.Discord.enabled() }

// platformAdapters builds the adapters whose credentials are configured;
// none means the console chat.
func (e *env) platformAdapters(ctx context.Context) ([]func(*bot.Bot) bot.Adapter, error) {
	var out []func(*bot.Bot) bot.Adapter
	if e.cfg.Discord.enabled() {
		a, err := discord.New(discord.Config{
			Token:          e.cfg.Discord.Token,
			Guilds:         e.cfg.Discord.Guilds,
			MessageContent: e.cfg.Discord.MessageContent,
			PrivateChannel: e.cfg.Discord.PrivateChannel,
		}, e.log.With("platform", discord.Platform))
		if err != nil {
			return nil, fmt.Errorf("config: discord: %w", err)
		}
		out = append(out, func(*bot.Bot) bot.Adapter { return a })
	}
	return out, nil
}
