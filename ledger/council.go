package ledger

import (
	"context"
	"database/sql"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// The council that arbitrates when mediation fails is partly drawn by lot
// ("trois actionnaires tirés au sort"). A draw is reproducible: its row
// keeps the seed, the eligible accounts and the result, and DrawLots run
// on the first two gives the third, for anyone who wants to check.

// DrawAlgorithm names the way DrawLots draws, recorded with each draw.
const DrawAlgorithm = "pcg-dxsm-fisher-yates-v1"

// SeedSize is the length of a draw's seed, in bytes.
const SeedSize = 16

// DrawLots draws seats accounts among eligible with seed, as
// DrawAlgorithm says:
//
//  1. the eligible account IDs are sorted in ascending order;
//  2. a PCG-DXSM generator (Go's math/rand/v2 PCG) is seeded with the
//     seed's first and last 8 bytes, each read as a big-endian uint64;
//  3. a Fisher–Yates shuffle runs from the last position down to the
//     second: position i is swapped with position j = Uint64() mod (i+1);
//  4. the first seats accounts (all of them, if there are fewer) are drawn,
//     in that order.
//
// The same seed and eligible accounts always give the same result.
func DrawLots(seed [SeedSize]byte, eligible []AccountID, seats int) []AccountID {
	ids := slices.Clone(eligible)
	slices.Sort(ids)
	g := rand.NewPCG(binary.BigEndian.Uint64(seed[:8]), binary.BigEndian.Uint64(seed[8:]))
	for i := len(ids) - 1; i > 0; i-- {
		j := int(g.Uint64() % uint64(i+1))
		ids[i], ids[j] = ids[j], ids[i]
	}
	if seats < 0 {
		seats = 0
	}
	return ids[:min(seats, len(ids))]
}

// CouncilDraw is one recorded draw.
type CouncilDraw struct {
	ID          int64
	Community   CommunityID
	Number      int
	Seed        [SeedSize]byte
	Algorithm   string
	Seats       int
	Eligible    []Voter // ascending account ID
	Drawn       []Voter // in draw order
	Excluded    []Voter // left out: the named members
	ActiveSince time.Time
	Actor       Voter
	Key         string
	CreatedAt   time.Time
	// Reason is why a moderator drew again while the council sat on an
	// escalated case, "" otherwise.
	Reason string
	// Hash is the draw's hash in its community's chain.
	Hash []byte
}

// SeedHex is the seed as recorded.
func (d CouncilDraw) SeedHex() string { return hex.EncodeToString(d.Seed[:]) }

// Reproduces reports whether running DrawLots on the recorded seed and
// eligible accounts gives the recorded result.
func (d CouncilDraw) Reproduces() bool {
	if d.Algorithm != DrawAlgorithm {
		return false
	}
	return slices.Equal(DrawLots(d.Seed, voterIDs(d.Eligible), d.Seats), voterIDs(d.Drawn))
}

// SeatsFor is the draw's council for one case: the first Seats members
// in draw order, passing over those stepAside says take part in the case,
// whose seats go to the next in the order. With stepAside nil it is Drawn.
func (d CouncilDraw) SeatsFor(stepAside func(AccountID) bool) []Voter {
	byID := make(map[AccountID]Voter, len(d.Eligible))
	for _, v := range d.Eligible {
		byID[v.Account] = v
	}
	var out []Voter
	// The whole order is DrawLots with every seat: the draw is its first
	// Seats, and the next ones are who would have come after.
	for _, id := range DrawLots(d.Seed, voterIDs(d.Eligible), len(d.Eligible)) {
		if len(out) == d.Seats {
			break
		}
		if stepAside == nil || !stepAside(id) {
			out = append(out, byID[id])
		}
	}
	return out
}

func voterIDs(vs []Voter) []AccountID {
	out := make([]AccountID, len(vs))
	for i, v := range vs {
		out[i] = v.Account
	}
	return out
}

// CouncilDrawRequest draws the council's seats by lot among the
// community's members, leaving out the Exclude identities (the named
// members), and only members who gave or received time since ActiveSince
// when it is set. Seed comes from the caller (crypto/rand in the bot).
// Platform is where the result is shown, for the members' identities.
type CouncilDrawRequest struct {
	CaseActor
	Seed        [SeedSize]byte
	Seats       int
	Exclude     []Identity
	ActiveSince time.Time
	Platform    string
	// Reason lets a moderator draw again while the council sits on an
	// escalated case; without one such a draw is *CouncilSittingError.
	Reason string
}

// CouncilSittingError refuses a new draw while the council sits on
// escalated cases that are not closed, and no reason was given.
type CouncilSittingError struct {
	Cases []int // the escalated cases' numbers
}

func (e *CouncilSittingError) Error() string {
	return fmt.Sprintf("ledger: the council sits on escalated cases %v", e.Cases)
}

// CouncilDrawReceipt is what a draw returns, the same on a replay.
type CouncilDrawReceipt struct {
	Draw     CouncilDraw
	Replayed bool
}

// RecordCouncilDraw draws and records the council's seats. The actor must
// be a moderator. A replayed key returns the draw it made, whatever the
// seed given this time. It returns *CouncilSittingError, or *Error with
// EFORBIDDEN or EINVALID (no seats to draw, a reason too long).
func (db *DB) RecordCouncilDraw(ctx context.Context, req CouncilDrawRequest) (*CouncilDrawReceipt, error) {
	if err := checkTexts(line("reason", strings.TrimSpace(req.Reason))); err != nil {
		return nil, err
	}
	switch {
	case req.Key == "":
		return nil, errorf(EINVALID, "missing idempotency key")
	case !req.Moderator:
		return nil, errorf(EFORBIDDEN, "only moderators draw the council")
	case req.Seats <= 0:
		return nil, errorf(EINVALID, "no seats to draw")
	case utf8.RuneCountInString(req.Reason) > MaxCaseText:
		return nil, tooLong("reason", req.Reason, MaxCaseText)
	}
	req.Reason = strings.TrimSpace(req.Reason)
	// The seed and the time are the bot's, not the request's: a
	// redelivered event must find its draw, not conflict with it.
	fp := fingerprint(opCouncilDraw, req.Community, req.Actor)
	if req.Reason != "" {
		fp = fingerprint(fp, req.Reason)
	}
	replay := func(tx *Tx, prior priorOp) (*CouncilDrawReceipt, error) {
		var drawID int64
		if err := tx.QueryRowContext(ctx, "SELECT id FROM council_draws WHERE op_id = ?", prior.id).Scan(&drawID); err != nil {
			return nil, err
		}
		d, err := loadDraw(ctx, tx, drawID, req.Platform)
		if err != nil {
			return nil, err
		}
		return &CouncilDrawReceipt{Draw: d, Replayed: true}, nil
	}
	return keyed(ctx, db, caseOps, req.Key, fp, opCouncilDraw, replay, func(tx *Tx) (*CouncilDrawReceipt, error) {
		return drawTx(ctx, tx, req, fp)
	})
}

// drawTx draws the council and records the draw with its operation.
func drawTx(ctx context.Context, tx *Tx, req CouncilDrawRequest, fp string) (*CouncilDrawReceipt, error) {
	if req.Reason == "" {
		sitting, err := scanIDs[int64](ctx, tx, `SELECT number FROM cases
			WHERE community_id = ? AND state = 'escalated' AND closed_at IS NULL ORDER BY number`, req.Community)
		if err != nil {
			return nil, err
		}
		if len(sitting) > 0 {
			e := &CouncilSittingError{}
			for _, n := range sitting {
				e.Cases = append(e.Cases, int(n))
			}
			return nil, e
		}
	}
	actor, err := memberAccount(ctx, tx, req.Community, req.Actor)
	if err != nil {
		return nil, err
	}
	var excluded []AccountID
	for _, id := range req.Exclude {
		acct, found, err := lookupAccount(ctx, tx, req.Community, id)
		if err != nil {
			return nil, err
		}
		if found && !slices.Contains(excluded, acct) {
			excluded = append(excluded, acct)
		}
	}
	slices.Sort(excluded)
	where, args := eligibleWhere, []any{req.Community}
	var since any
	if !req.ActiveSince.IsZero() {
		since = req.ActiveSince.Unix()
		where += ` AND a.id IN (SELECT from_id FROM exchanges WHERE community_id = ? AND created_at > ?
			UNION SELECT to_id FROM exchanges WHERE community_id = ? AND created_at > ?)`
		args = append(args, req.Community, since, req.Community, since)
	}
	members, err := scanIDs[AccountID](ctx, tx, "SELECT a.id FROM accounts a WHERE "+where+" ORDER BY a.id", args...)
	if err != nil {
		return nil, err
	}
	var eligible []AccountID
	for _, id := range members {
		if !slices.Contains(excluded, id) {
			eligible = append(eligible, id)
		}
	}
	drawn := DrawLots(req.Seed, eligible, req.Seats)
	number, err := nextNumber(ctx, tx, "council_draws", req.Community)
	if err != nil {
		return nil, err
	}
	op, err := caseOps.insert(ctx, tx, req.op(fp, opCouncilDraw, 0, actor.ID))
	if err != nil {
		return nil, fmt.Errorf("ledger: record draw: %w", err)
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO council_draws (community_id, number, seed, algorithm, seats, eligible, result, excluded,
		active_since, actor_id, op_id, created_at, reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		req.Community, number, hex.EncodeToString(req.Seed[:]), DrawAlgorithm, req.Seats, joinIDs(eligible), joinIDs(drawn),
		joinIDs(excluded), since, actor.ID, op, tx.now.Unix(), req.Reason)
	if err != nil {
		return nil, fmt.Errorf("ledger: insert draw: %w", err)
	}
	// case_ops is append-only, so its target stays 0: a draw is found
	// through its op_id.
	id, _ := res.LastInsertId()
	d, err := loadDraw(ctx, tx, id, req.Platform)
	if err != nil {
		return nil, err
	}
	return &CouncilDrawReceipt{Draw: d}, nil
}

// LatestCouncilDraw is a community's last draw, with its members'
// identities on platform.
func (db *DB) LatestCouncilDraw(ctx context.Context, community CommunityID, platform string) (CouncilDraw, bool, error) {
	tx, err := db.read(ctx)
	if err != nil {
		return CouncilDraw{}, false, err
	}
	defer tx.Rollback()
	var id int64
	err = tx.QueryRowContext(ctx, "SELECT id FROM council_draws WHERE community_id = ? ORDER BY number DESC LIMIT 1", community).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return CouncilDraw{}, false, nil
	}
	if err != nil {
		return CouncilDraw{}, false, err
	}
	d, err := loadDraw(ctx, tx, id, platform)
	return d, err == nil, err
}

// CouncilDraws lists every draw (of every community when community is 0),
// oldest first.
func (db *DB) CouncilDraws(ctx context.Context, community CommunityID) ([]CouncilDraw, error) {
	// Without a platform: an export names accounts, not their identities.
	load := func(ctx context.Context, q queryer, id int64) (CouncilDraw, error) { return loadDraw(ctx, q, id, "") }
	return loadAll(ctx, db, load, "SELECT id FROM council_draws WHERE ? = 0 OR community_id = ? ORDER BY community_id, number",
		community, community)
}

func loadDraw(ctx context.Context, q queryer, id int64, platform string) (CouncilDraw, error) {
	var d CouncilDraw
	var seed, eligible, result, excluded string
	var since sql.NullInt64
	var created int64
	err := q.QueryRowContext(ctx, `SELECT d.id, d.community_id, d.number, d.seed, d.algorithm, d.seats, d.eligible, d.result, d.excluded,
		d.active_since, d.actor_id, a.display_name, o.idem_key, d.created_at, d.reason, h.hash
		FROM council_draws d JOIN accounts a ON a.id = d.actor_id JOIN case_ops o ON o.id = d.op_id
		LEFT JOIN chain h ON h.tbl = 'council_draws' AND h.row_id = d.id WHERE d.id = ?`, id).Scan(
		&d.ID, &d.Community, &d.Number, &seed, &d.Algorithm, &d.Seats, &eligible, &result, &excluded, &since,
		&d.Actor.Account, &d.Actor.Name, &d.Key, &created, &d.Reason, &d.Hash)
	if errors.Is(err, sql.ErrNoRows) {
		return CouncilDraw{}, errorf(ENOTFOUND, "no draw %d", id)
	}
	if err != nil {
		return CouncilDraw{}, err
	}
	raw, err := hex.DecodeString(seed)
	if err != nil || len(raw) != SeedSize {
		return CouncilDraw{}, fmt.Errorf("ledger: draw %d has a malformed seed %q", id, seed)
	}
	copy(d.Seed[:], raw)
	d.ActiveSince, d.CreatedAt = nullTime(since), unixUTC(created)
	for _, part := range []struct {
		ids  string
		into *[]Voter
	}{{eligible, &d.Eligible}, {result, &d.Drawn}, {excluded, &d.Excluded}} {
		for _, acct := range splitIDs(part.ids) {
			v := Voter{Account: acct}
			if err := q.QueryRowContext(ctx, "SELECT display_name FROM accounts WHERE id = ?", acct).Scan(&v.Name); err != nil {
				return CouncilDraw{}, err
			}
			if platform != "" {
				if v.UserID, err = userOnPlatform(ctx, q, acct, platform); err != nil {
					return CouncilDraw{}, err
				}
			}
			*part.into = append(*part.into, v)
		}
	}
	return d, nil
}

func joinIDs(ids []AccountID) string {
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = strconv.FormatInt(int64(id), 10)
	}
	return strings.Join(s, ",")
}

func splitIDs(s string) []AccountID {
	if s == "" {
		return nil
	}
	var out []AccountID
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.ParseInt(f, 10, 64)
		if err == nil {
			out = append(out, AccountID(n))
		}
	}
	return out
}

// ParseSeed reads a draw's seed as recorded (32 hex digits).
func ParseSeed(s string) ([SeedSize]byte, error) {
	var seed [SeedSize]byte
	raw, err := hex.DecodeString(strings.TrimSpace(s))
	if err != nil || len(raw) != SeedSize {
		return seed, fmt.Errorf("a seed is %d hex digits", 2*SeedSize)
	}
	copy(seed[:], raw)
	return seed, nil
}
