package bot

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/entraide/entraide/ledger"
)

// benchBot is a bot serving one community, in language, over a ledger of
// its own that lives as long as the benchmark.
func benchBot(b *testing.B, language string) (*ledger.DB, *Community, *Bot) {
	b.Helper()
	ctx := context.Background()
	db, err := ledger.Open(ctx, filepath.Join(b.TempDir(), "bench.db"), ledger.Options{Durability: ledger.DurabilityNormal})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	com := &Community{Slug: "bench", Name: "Bench", Language: language, Location: time.UTC, Limits: ledger.NoLimits(),
		Categories: DefaultCategories(), Rooms: []string{"bench:*"}}
	bot, err := New(ctx, Options{Ledger: db, Communities: []*Community{com}})
	if err != nil {
		b.Fatal(err)
	}
	return db, com, bot
}

// BenchmarkComposeNewsletter composes an issue over a ledger seeded like
// `entraide bench` (10,000 members, exchanges spread over a year, the last
// one now): the first issue's week, and twelve weeks for the chart. The
// target is under 200 ms at 1,000,000 exchanges. "sql" leaves the chart
// out; "full" draws it too. -short runs only the smaller ledger.
func BenchmarkComposeNewsletter(b *testing.B) {
	for _, n := range []int{100_000, 1_000_000} {
		b.Run(fmt.Sprintf("exchanges=%d", n), func(b *testing.B) {
			if testing.Short() && n > 100_000 {
				b.Skip("-short")
			}
			ctx := context.Background()
			db, com, bot := benchBot(b, "en")
			res, err := db.Seed(ctx, ledger.SeedOptions{Community: com.LedgerID(), Platform: "bench", Members: 10_000,
				Exchanges: n, Seed: 1, Start: time.Now(), Span: 365 * 24 * time.Hour})
			if err != nil {
				b.Fatal(err)
			}
			b.Logf("seeded %d exchanges in %s", res.Exchanges, res.Took.Round(time.Millisecond))
			b.Run("sql", func(b *testing.B) {
				for b.Loop() {
					if _, err := bot.composeNewsletter(ctx, com, time.Now(), "bench", false); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run("full", func(b *testing.B) {
				for b.Loop() {
					nl, err := bot.ComposeNewsletter(ctx, "bench", NewsletterMarkdown)
					if err != nil {
						b.Fatal(err)
					}
					if nl.Stats.Exchanges == 0 || len(nl.Chart.Series) != 6 {
						b.Fatalf("composed %d exchanges, %d series", nl.Stats.Exchanges, len(nl.Chart.Series))
					}
				}
			})
		})
	}
}
