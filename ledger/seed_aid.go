package ledger

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"
)

// SeedPostsOptions describe the offers and needs SeedPosts makes, for
// benchmarks: Posts posts by the members Seed made (FirstAccount and the
// Members after it), alternately needs and offers, spread over Span
// before now.
type SeedPostsOptions struct {
	Community    CommunityID
	Platform     string
	FirstAccount AccountID
	Members      int
	Posts        int
	Seed         int64
	Span         time.Duration
}

// seedPostWords make posts like the ones members write, in French, with
// the accents that search folds.
var seedPostWords = [][]string{
	{"Réparer", "Cherche de l'aide pour", "Je propose", "Besoin d'un coup de main pour", "Atelier de", "Cours de", "Prêt de"},
	{"vélo", "cuisine végétarienne", "jardin partagé", "déménagement", "couture", "traduction", "garde d'enfants",
		"bricolage", "compost", "informatique", "covoiturage", "pâtisserie", "tricot", "poulailler", "menuiserie"},
	{"samedi", "le soir", "en semaine", "près de la gare", "au local", "chez moi", "", "", ""},
}

// SeedPosts writes opts.Posts posts in batches, with their texts and
// search index, and returns how long it took.
func (db *DB) SeedPosts(ctx context.Context, opts SeedPostsOptions) (time.Duration, error) {
	if opts.Community == 0 || opts.FirstAccount == 0 || opts.Members < 1 || opts.Posts < 0 || opts.Platform == "" {
		return 0, errorf(EINVALID, "seed posts: want a community, its seeded members and a platform")
	}
	if opts.Span <= 0 {
		opts.Span = 90 * 24 * time.Hour
	}
	begin := time.Now()
	sctx := context.WithoutCancel(ctx)                              // see Seed: cancellation is checked between batches
	rng := rand.New(rand.NewPCG(uint64(opts.Seed), 0x6f6666726573)) // "offres"
	now := db.now()
	first := now.Add(-opts.Span)
	for done := 0; done < opts.Posts; {
		if err := ctx.Err(); err != nil {
			return 0, err
		}
		n := min(seedBatch, opts.Posts-done)
		if err := db.seedPosts(sctx, opts, rng, done, n, first, now); err != nil {
			return 0, err
		}
		done += n
	}
	return time.Since(begin), nil
}

func (db *DB) seedPosts(ctx context.Context, opts SeedPostsOptions, rng *rand.Rand, from, n int, first, now time.Time) error {
	tx, err := db.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var lastOp, lastPost int64
	var lastNeed, lastOffer int
	if err := tx.QueryRowContext(ctx, `SELECT (SELECT COALESCE(MAX(id), 0) FROM aid_ops), (SELECT COALESCE(MAX(id), 0) FROM aid_posts),
		(SELECT COALESCE(MAX(number), 0) FROM aid_posts WHERE community_id = ? AND kind = 'need'),
		(SELECT COALESCE(MAX(number), 0) FROM aid_posts WHERE community_id = ? AND kind = 'offer')`,
		opts.Community, opts.Community).Scan(&lastOp, &lastPost, &lastNeed, &lastOffer); err != nil {
		return err
	}
	ops := newSeedInserter(tx, "INSERT INTO aid_ops (id, community_id, idem_key, fingerprint, kind, target, actor_id, source, created_at) VALUES ",
		"(?, ?, ?, '', 'post', 0, ?, ?, ?)", 6)
	posts := newSeedInserter(tx, "INSERT INTO aid_posts (id, community_id, kind, number, author_id, category, expires_at, platform, room, op_id, created_at) VALUES ",
		"(?, ?, ?, ?, ?, ?, ?, ?, 'seed', ?, ?)", 10)
	texts := newSeedInserter(tx, "INSERT INTO aid_versions (post_id, version, text, op_id, created_at) VALUES ", "(?, 1, ?, ?, ?)", 4)
	index := newSeedInserter(tx, "INSERT INTO aid_search (docid, body) VALUES ", "(?, ?)", 2)
	defer ops.close()
	defer posts.close()
	defer texts.close()
	defer index.close()
	span := now.Sub(first).Seconds()
	for i := 0; i < n; i++ {
		op, id := lastOp+int64(i)+1, lastPost+int64(i)+1
		created := seedTime(first, span, from+i, opts.Posts)
		author := opts.FirstAccount + AccountID(rng.IntN(opts.Members))
		kind, number, expires := Offer, 0, any(nil)
		if (from+i)%2 == 0 {
			lastNeed++
			kind, number, expires = Need, lastNeed, now.Add(30*24*time.Hour).Unix()
		} else {
			lastOffer++
			number = lastOffer
		}
		var words []string
		for _, choices := range seedPostWords {
			if w := choices[rng.IntN(len(choices))]; w != "" {
				words = append(words, w)
			}
		}
		text := strings.Join(words, " ")
		ops.add(op, opts.Community, fmt.Sprintf("seed:post:%d", id), author, opts.Platform, created)
		posts.add(id, opts.Community, kind, number, author, SeedCategories[rng.IntN(len(SeedCategories))], expires, opts.Platform, op, created)
		texts.add(id, text, op, created)
		index.add(id, text)
		for _, s := range []*seedInserter{ops, posts, texts, index} {
			if len(s.args) >= seedRows*s.width {
				if err := s.flush(ctx); err != nil {
					return fmt.Errorf("ledger: seed posts: %w", err)
				}
			}
		}
	}
	// Parents before children: the posts need their operations, and the
	// texts their posts.
	for _, s := range []*seedInserter{ops, posts, texts, index} {
		if err := s.flush(ctx); err != nil {
			return fmt.Errorf("ledger: seed posts: %w", err)
		}
	}
	return tx.Commit()
}
