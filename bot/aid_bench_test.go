package bot

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/entraide/entraide/ledger"
)

// BenchmarkFind searches 100,000 open offers and needs through the core,
// as a member's /find does, and reports the latency's p50 and p99 (the
// target: p99 under 20 ms). Queries rotate over words of different
// frequency, accents left out as members type them.
func BenchmarkFind(b *testing.B) {
	ctx := context.Background()
	db, com, bot := benchBot(b, "fr")
	const posts = 100_000
	res, err := db.Seed(ctx, ledger.SeedOptions{Community: com.LedgerID(), Platform: "bench", Members: 2_000, Seed: 1})
	if err != nil {
		b.Fatal(err)
	}
	took, err := db.SeedPosts(ctx, ledger.SeedPostsOptions{Community: com.LedgerID(), Platform: "bench",
		FirstAccount: res.FirstAccount, Members: res.Members, Posts: posts, Seed: 1})
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("seeded %d posts in %s", posts, took.Round(time.Millisecond))
	queries := []string{"velo", "cuisine vegetarienne", "demenagement samedi", "PATISSERIE", "jardin partage gare", "tricot", "xylophone"}
	var lat []time.Duration
	i := 0
	for b.Loop() {
		q := queries[i%len(queries)]
		i++
		start := time.Now()
		replies := bot.Handle(ctx, Message{Platform: "bench", Room: "r", ID: fmt.Sprint("f", i), Sender: User{ID: ledger.SeedUserID(1)},
			Text: "/chercher " + q})
		lat = append(lat, time.Since(start))
		if len(replies) != 1 || (q != "xylophone" && !strings.Contains(replies[0].Text, "les plus récents")) {
			b.Fatalf("/find %s: %+v", q, replies)
		}
	}
	slices.Sort(lat)
	pct := func(q float64) float64 { return float64(lat[int(q*float64(len(lat)-1))]) / float64(time.Millisecond) }
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
}
