package ledger

import (
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Witness is a chain head a member kept outside the ledger, as a
// newsletter or `entraide verify` printed it (ChainHead.Short), with the
// community's slug in front when the ledger holds several. Recomputing
// the chain proves every entry follows from the ones before it, but
// someone with the file can rewrite a record and compute every hash
// after it again; the entry at a witnessed position then no longer has
// the hash the member kept.
type Witness struct {
	Slug     string // empty: the ledger's only community
	Position int64
	Hash     string // hexadecimal, lower case: the start of the hash at least
}

// minWitnessDigits is the least of a hash a witness must give: Short
// prints 12 digits, and fewer would let a forged chain match by chance.
const minWitnessDigits = 8

func (w Witness) String() string {
	s := strconv.FormatInt(w.Position, 10) + ":" + w.Hash
	if w.Slug != "" {
		s = w.Slug + ":" + s
	}
	return s
}

// ParseWitness reads "position:hash" or "community:position:hash".
func ParseWitness(s string) (Witness, error) {
	var w Witness
	parts := strings.Split(strings.TrimSpace(s), ":")
	switch len(parts) {
	case 3:
		w.Slug, parts = parts[0], parts[1:]
	case 2:
	default:
		return w, fmt.Errorf("a chain head is written position:hash or community:position:hash (as the newsletter prints it), not %q", s)
	}
	pos, err := strconv.ParseInt(parts[0], 10, 64)
	if err != nil || pos < 1 {
		return w, fmt.Errorf("%q: the position must be a whole number from 1", s)
	}
	w.Position, w.Hash = pos, strings.ToLower(parts[1])
	hexDigits := strings.Trim(w.Hash, "0123456789abcdef") == ""
	if !hexDigits || len(w.Hash) < minWitnessDigits || len(w.Hash) > 2*sha256.Size {
		return w, fmt.Errorf("%q: the hash must be %d to %d hexadecimal digits", s, minWitnessDigits, 2*sha256.Size)
	}
	return w, nil
}

// WitnessError is a witness that names no community of the ledger, or
// none when the ledger holds several: nothing was compared.
type WitnessError struct {
	Witness Witness
	Reason  string
}

func (e *WitnessError) Error() string { return fmt.Sprintf("chain head %s: %s", e.Witness, e.Reason) }

// witness compares the chain with a head a member kept. A witness that
// does not match is a problem of the ledger; one that names no community
// of it, or none when there are several, is the caller's mistake.
func (v *verifier) witness(w Witness) error {
	slug := w.Slug
	if slug == "" {
		if len(v.rep.Heads) != 1 {
			return &WitnessError{w, fmt.Sprintf("the ledger holds %d communities: write it community:%s", len(v.rep.Heads), w)}
		}
		slug = v.rep.Heads[0].Slug
	}
	var head *ChainHead
	for i := range v.rep.Heads {
		if v.rep.Heads[i].Slug == slug {
			head = &v.rep.Heads[i]
		}
	}
	if head == nil {
		return &WitnessError{w, fmt.Sprintf("the ledger has no community %q", slug)}
	}
	if w.Position > head.Position {
		v.add("chain: community %s has %d entries, but a witness kept entry %d (%s): entries were deleted", slug, head.Position, w.Position, w)
		return nil
	}
	var hash []byte
	err := v.tx.QueryRowContext(v.ctx, "SELECT hash FROM chain WHERE community_id = ? AND seq = ?", head.Community, w.Position).Scan(&hash)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		v.add("chain: community %s has no entry %d, which a witness kept (%s)", slug, w.Position, w)
	case err != nil:
		return err
	case !strings.HasPrefix(hex.EncodeToString(hash), w.Hash):
		v.add("chain: community %s entry %d has hash %.12x, but a witness kept %s: the history up to it was rewritten", slug, w.Position, hash, w)
	default:
		v.rep.Witnessed = append(v.rep.Witnessed, w)
	}
	return nil
}
