package main

import (
	"context"
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/entraide/entraide/internal/fakediscord"
	"github.com/entraide/entraide/internal/fakematrix"
	"github.com/entraide/entraide/internal/testutil"
	"github.com/entraide/entraide/ledger"
)

// matrixSide is a fake homeserver where Ana and Bob talk with the bot in
// one room.
type matrixSide struct {
	t                   *testing.T
	hs                  *fakematrix.Server
	ana, bob, bot, room string
	cursor              int
}

func newMatrixSide(t *testing.T) *matrixSide {
	hs := fakematrix.New(t)
	m := &matrixSide{t: t, hs: hs}
	m.ana, m.bob, m.bot = hs.AddUser("ana", "Ana", ""), hs.AddUser("bob", "Bob", ""), hs.AddUser("entraide", "Entraide", "")
	m.room = hs.CreateRoom(m.ana, "Garden", m.bob, m.bot)
	m.cursor = hs.StreamLen()
	return m
}

// config is config.yaml's matrix section.
func (m *matrixSide) config() string {
	return fmt.Sprintf("matrix:\n  homeserver: %s\n  user_id: %q\n  access_token: %s\n  device_name: Entraide\n", m.hs.URL(), m.bot, m.hs.Token(m.bot))
}

// awaitSynced waits until the bot has synced once: what Ana says before
// is history, which a first start skips.
func (m *matrixSide) awaitSynced(s *served) {
	m.t.Helper()
	db, err := ledger.Open(s.ctx, filepath.Join(s.dir, "ledger.db"), ledger.Options{})
	if err != nil {
		m.t.Fatal(err)
	}
	defer db.Close()
	for {
		_, ok, err := db.State(s.ctx, "matrix", "next_batch")
		if err != nil {
			m.t.Fatal(err)
		}
		if ok {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// say sends Ana's text as Element does (Bob as a pill), and waits for the
// bot's message containing want.
func (m *matrixSide) say(ctx context.Context, text, want string) {
	m.t.Helper()
	pills := strings.ReplaceAll(text, m.bob, `<a href="https://matrix.to/#/`+m.bob+`">Bob</a>`)
	content := map[string]any{"msgtype": "m.text", "body": strings.ReplaceAll(text, m.bob, "Bob")}
	if pills != text {
		content["format"], content["formatted_body"] = "org.matrix.custom.html", pills
		content["m.mentions"] = map[string]any{"user_ids": []any{m.bob}}
	}
	m.hs.Send(m.ana, m.room, "m.room.message", content)
	m.await(ctx, want)
}

// await waits for the bot's message containing want in any room.
func (m *matrixSide) await(ctx context.Context, want string) *fakematrix.Event {
	m.t.Helper()
	for {
		ev, err := m.hs.Next(ctx, &m.cursor, func(ev *fakematrix.Event) bool { return ev.Sender == m.bot && ev.Type == "m.room.message" })
		if err != nil {
			m.t.Fatalf("no message from the bot on Matrix containing %q: %v", want, err)
		}
		if body, _ := ev.Content["body"].(string); strings.Contains(body, want) {
			return ev
		}
	}
}

// discordSide is a fake Discord where Ana and Bob are in one guild.
type discordSide struct {
	t                   *testing.T
	f                   *fakediscord.Server
	ana, bob            *fakediscord.User
	guild, general, med string
}

func newDiscordSide(t *testing.T) *discordSide {
	f := fakediscord.New(t)
	d := &discordSide{t: t, f: f, ana: f.AddUser("ana", "Ana"), bob: f.AddUser("bob", "Bob")}
	g, general := f.AddGuild("Coop", d.ana, d.bob)
	d.guild, d.general, d.med = g.ID, general, f.AddChannel(g.ID, "mediation")
	return d
}

// community is a community's discord setting for the guild.
func (d *discordSide) community() string {
	return `discord: [{guild: "` + d.guild + `", mediation_channel: "` + d.med + `"}]`
}

// config is config.yaml's discord section.
func (d *discordSide) config() string { return "discord:\n  token: ${DISCORD_TOKEN}\n" }

// env gives the bot the fake's token.
func (d *discordSide) env(k string) (string, bool) {
	if k == "DISCORD_TOKEN" {
		return d.f.Token, true
	}
	return "", false
}

// slash runs Ana's command and waits for a message containing want (in
// its text or its card), then for the command to be handled to its end.
func (d *discordSide) slash(command, want string, opts ...fakediscord.Option) *fakediscord.Message {
	d.t.Helper()
	id, err := d.f.Slash(d.ana, d.general, command, opts...)
	if err != nil {
		d.t.Fatal(err)
	}
	found := d.await(want)
	// The command is handled to its end (a card recorded) once its
	// interaction holds no "thinking…" any more.
	d.f.Wait("the command handled", func() bool {
		in := d.f.Interactions[id]
		return in.Acked && (in.Original == nil || !in.Original.Placeholder || in.Original.Deleted)
	})
	return found
}

// await waits for the bot's next message containing want.
func (d *discordSide) await(want string) *fakediscord.Message {
	d.t.Helper()
	for {
		m := d.f.Next()
		if strings.Contains(m.Content, want) || len(m.Embeds) > 0 && strings.Contains(m.Embeds[0].Title+m.Embeds[0].Description, want) {
			return m
		}
	}
}

// button is the custom_id of a card's button.
func button(m *fakediscord.Message, label string) string {
	for _, b := range m.Buttons() {
		if b.Label == label {
			return b.CustomID
		}
	}
	return ""
}

// awaitCard waits for the ledger to record proposal n's card.
func awaitCard(ctx context.Context, t *testing.T, dir string, n int, card string) {
	t.Helper()
	db, err := ledger.Open(ctx, filepath.Join(dir, "ledger.db"), ledger.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for {
		ps, err := db.Proposals(ctx, 0, ledger.ProposalsAll) // of every community
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range ps {
			if p.Number == n && p.Card == card {
				return
			}
		}
		if ctx.Err() != nil {
			t.Fatalf("proposal #%d's card was not recorded", n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// The real serve wiring with the console and Matrix (a fake homeserver) on
// one ledger: Ana links her console account to her Matrix account, gives
// from Matrix, and sees the balance on the console.
func TestServeConsoleAndMatrix(t *testing.T) {
	m := newMatrixSide(t)
	s := serveConfig(t, []string{`rooms: ["console:*", "matrix:` + m.room + `"]`}, m.config(), stdio{})
	m.awaitSynced(s)
	code := s.console("/link", regexp.MustCompile(`link code: (\S+)\.`))[1]
	m.say(s.ctx, "!link "+code, "Linked")
	m.say(s.ctx, "!give 2h "+m.bob+" for the garden", "gave 2h")
	s.console("/balance", regexp.MustCompile(`Your balance: -2h`))
}

// The real serve wiring with the console and Discord (a fake gateway and
// REST API) on one ledger: Ana links her console account to her Discord
// account, gives with a slash command, sees the balance on the console; a
// proposal opened on Discord gets its card there, with buttons that work,
// and its outcome is posted there.
func TestServeConsoleAndDiscord(t *testing.T) {
	d := newDiscordSide(t)
	s := serveConfig(t, []string{`rooms: ["console:*"]`, d.community()}, d.config(), stdio{lookupEnv: d.env, discord: d.f.Client()})
	d.f.Wait("the commands registered", func() bool { return d.f.Online() && d.f.CommandPuts[d.guild] > 0 })

	code := s.console("/link", regexp.MustCompile(`link code: (\S+)\.`))[1]
	d.slash("link", "Linked", fakediscord.Opt("code", code))
	d.slash("give", "gave 2h", fakediscord.Opt("amount", "2h"), fakediscord.Opt("members", "<@"+d.bob.ID+">"))
	s.console("/balance", regexp.MustCompile(`Your balance: -2h`))

	card := d.slash("propose", "We open on Sundays.", fakediscord.Opt("text", "We open on Sundays."))
	awaitCard(s.ctx, t, s.dir, 1, card.ID)
	d.f.Press(d.bob, card.ID, button(card, "Consent"))
	d.f.Wait("Bob's consent on the card", func() bool {
		return card.Embeds[0].Footer != nil && strings.Contains(card.Embeds[0].Footer.Text, "consent 1 ")
	})
	s.console("/consent 1", regexp.MustCompile(`consents to proposal #1`))
	s.console("/close 1", regexp.MustCompile(`Proposal #1 is closed`))
	for m := d.f.Next(); m.ChannelID != d.general || !strings.Contains(m.Content, "is adopted"); m = d.f.Next() {
	}
	d.f.Wait("the card's final state", func() bool {
		return strings.Contains(card.Embeds[0].Footer.Text, "Adopted") && len(card.Buttons()) == 0
	})
}

// The real serve wiring with every platform at once on one ledger: the
// console, Matrix (a fake homeserver) and Discord (a fake gateway). Ana
// links her Matrix and Discord accounts, gives on Discord and sees the
// balance on Matrix; a proposal opened on Discord gets its outcome posted
// there when its deadline passes, while the garden group's reminder, due
// at the same time, is posted in its Matrix room.
func TestServeEveryPlatform(t *testing.T) {
	m, d := newMatrixSide(t), newDiscordSide(t)
	clock := testutil.NewClock(time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC))
	ticks := make(chan time.Time)
	s := serveConfig(t, []string{"timezone: UTC", `rooms: ["console:*", "matrix:` + m.room + `"]`, d.community(),
		`groups: [{name: garden, room: "matrix:` + m.room + `"}]`}, d.config()+m.config(), stdio{lookupEnv: d.env, discord: d.f.Client(), clock: clock.Now, ticks: ticks})
	d.f.Wait("the commands registered", func() bool { return d.f.Online() && d.f.CommandPuts[d.guild] > 0 })
	m.awaitSynced(s)

	code := d.slash("link", "link code:").Content
	code = regexp.MustCompile(`link code: (\S+)\.`).FindStringSubmatch(code)[1]
	m.say(s.ctx, "!link "+code, "Linked")
	d.slash("give", "gave 2h", fakediscord.Opt("amount", "2h"), fakediscord.Opt("members", "<@"+d.bob.ID+">"))
	m.say(s.ctx, "!balance", "Your balance: -2h")

	card := d.slash("propose", "We open on Sundays.", fakediscord.Opt("text", "We open on Sundays."), fakediscord.Opt("deadline", "2d"))
	awaitCard(s.ctx, t, s.dir, 1, card.ID)
	m.say(s.ctx, "!group join garden", "garden")
	m.say(s.ctx, "!remind garden on 2026-11-25 09:00 Water the tomatoes", "Water the tomatoes")

	clock.Advance(48 * time.Hour)
	ticks <- clock.Now()
	if ev := m.await(s.ctx, "Water the tomatoes"); ev.Room != m.room {
		t.Errorf("the reminder went to %s, want the garden's Matrix room", ev.Room)
	}
	for msg := d.f.Next(); msg.ChannelID != d.general || !strings.Contains(msg.Content, "Proposal #1"); msg = d.f.Next() {
	}
	d.f.Wait("the card's final state", func() bool {
		return card.Embeds[0].Footer != nil && strings.Contains(card.Embeds[0].Footer.Text, "dopted") && len(card.Buttons()) == 0
	})
}
