package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/entraide/entraide/adapters/discord"
	"github.com/entraide/entraide/bot"
	"github.com/entraide/entraide/ledger"
)

// cmdDiscord holds the Discord tools; "commands" prints the slash commands
// the bot registers in each configured guild: the exact JSON it sends
// (one bulk overwrite per guild), for an admin to review.
func cmdDiscord(ctx context.Context, args []string, io stdio) error {
	if len(args) == 0 || args[0] != "commands" {
		fmt.Fprintln(io.err, "Usage: entraide discord commands [--config FILE]")
		return errUsage
	}
	fs, c := newFlags("discord commands", io)
	if err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	cfg, communities, _, err := c.load(io)
	if err != nil {
		return err
	}
	guilds, _, err := cfg.discordGuilds()
	if err != nil {
		return err
	}
	if len(guilds) == 0 {
		return errors.New("no Discord guild is configured (discord.guilds, or a community's discord: list)")
	}
	// The catalogue depends on the configuration only; a scratch ledger
	// serves the core, so that no database is needed or touched.
	dir, err := os.MkdirTemp("", "entraide-commands-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	db, err := ledger.Open(ctx, filepath.Join(dir, "catalogue.db"), ledger.Options{Durability: ledger.DurabilityNormal})
	if err != nil {
		return err
	}
	defer db.Close()
	b, err := bot.New(ctx, bot.Options{Ledger: db, Communities: communities})
	if err != nil {
		return err
	}
	out := map[string]any{}
	for _, g := range guilds {
		cmds, err := discord.Commands(b.Specs(discord.Platform, g), func(msg string, args ...any) {
			fmt.Fprintln(io.err, append([]any{"warning:", msg}, args...)...)
		})
		if err != nil {
			return fmt.Errorf("guild %s: %w", g, err)
		}
		out[g] = cmds
	}
	enc := json.NewEncoder(io.out)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}
