package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/entraide/entraide/internal/fakediscord"
	"github.com/entraide/entraide/ledger"
)

// The real serve wiring with the console and Discord (a fake gateway and
// REST API) on one ledger: Ana links her console account to her Discord
// account, gives with a slash command, sees the balance on the console; a
// proposal opened on Discord gets its card there, with buttons that work,
// and its outcome is posted there.
func TestServeConsoleAndDiscord(t *testing.T) {
	f := fakediscord.New(t)
	ana, bob := f.AddUser("ana", "Ana"), f.AddUser("bob", "Bob")
	g, general := f.AddGuild("Coop", ana, bob)
	mediation := f.AddChannel(g.ID, "mediation")

	dir := t.TempDir()
	cfg := filepath.Join(dir, "config.yaml")
	yaml := fmt.Sprintf(`database: %q
log: {level: warn}
communities:
  - id: coop
    language: en
    moderators: ["console:ana"]
    rooms: ["console:*"]
    discord: [{guild: %q, mediation_channel: %q}]
console:
  as: ana
  members: [ana, bob]
discord:
  token: ${DISCORD_TOKEN}
`, filepath.Join(dir, "ledger.db"), g.ID, mediation)
	if err := os.WriteFile(cfg, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	in, typed := io.Pipe()
	out, errs := &lockedBuffer{}, &lockedBuffer{}
	done := make(chan int, 1)
	env := func(k string) (string, bool) {
		if k == "DISCORD_TOKEN" {
			return f.Token, true
		}
		return "", false
	}
	go func() {
		done <- run(ctx, []string{"run", "--console", "--config", cfg}, stdio{in: in, out: out, err: errs, lookupEnv: env, discord: f.Client()})
	}()
	defer func() {
		cancel()
		typed.Close()
		if code := <-done; code != 0 {
			t.Errorf("run ended with %d: %s", code, errs.String())
		}
	}()
	console := func(line string, want *regexp.Regexp) []string {
		t.Helper()
		start := len(out.String())
		fmt.Fprintln(typed, line)
		for {
			if m := want.FindStringSubmatch(out.String()[start:]); m != nil {
				return m
			}
			if ctx.Err() != nil {
				t.Fatalf("the console did not answer %q with %v; it printed:\n%s\nstderr:\n%s", line, want, out.String()[start:], errs.String())
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	discord := func(command, want string, opts ...fakediscord.Option) *fakediscord.Message {
		t.Helper()
		id, err := f.Slash(ana, general, command, opts...)
		if err != nil {
			t.Fatal(err)
		}
		var found *fakediscord.Message
		for found == nil {
			m := f.Next()
			if strings.Contains(m.Content, want) || len(m.Embeds) > 0 && strings.Contains(m.Embeds[0].Title+m.Embeds[0].Description, want) {
				found = m
			}
		}
		// The command is handled to its end (a card recorded) once its
		// interaction holds no "thinking…" any more.
		f.Wait("the command handled", func() bool {
			in := f.Interactions[id]
			return in.Acked && (in.Original == nil || !in.Original.Placeholder || in.Original.Deleted)
		})
		return found
	}
	f.Wait("the commands registered", func() bool { return f.Online() && f.CommandPuts[g.ID] > 0 })

	code := console("/link", regexp.MustCompile(`link code: (\S+)\.`))[1]
	discord("link", "Linked", fakediscord.Opt("code", code))
	discord("give", "gave 2h", fakediscord.Opt("amount", "2h"), fakediscord.Opt("members", "<@"+bob.ID+">"))
	console("/balance", regexp.MustCompile(`Your balance: -2h`))

	card := discord("propose", "We open on Sundays.", fakediscord.Opt("text", "We open on Sundays."))
	var consent string
	for _, b := range card.Buttons() {
		if b.Label == "Consent" {
			consent = b.CustomID
		}
	}
	// The card is recorded once its discussion thread is open.
	db, err := ledger.Open(ctx, filepath.Join(dir, "ledger.db"), ledger.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for {
		ps, err := db.Proposals(ctx, 0, ledger.ProposalsOpen)
		if err != nil {
			t.Fatal(err)
		}
		if len(ps) == 1 && ps[0].Card == card.ID {
			break
		}
		if ctx.Err() != nil {
			t.Fatal("the card was not recorded")
		}
		time.Sleep(10 * time.Millisecond)
	}
	f.Press(bob, card.ID, consent)
	f.Wait("Bob's consent on the card", func() bool {
		return card.Embeds[0].Footer != nil && strings.Contains(card.Embeds[0].Footer.Text, "consent 1 ")
	})
	console("/consent 1", regexp.MustCompile(`consents to proposal #1`))
	console("/close 1", regexp.MustCompile(`Proposal #1 is closed`))
	for {
		m := f.Next()
		if m.ChannelID == general && strings.Contains(m.Content, "is adopted") {
			break
		}
	}
	f.Wait("the card's final state", func() bool {
		return strings.Contains(card.Embeds[0].Footer.Text, "Adopted") && len(card.Buttons()) == 0
	})
}
