package discord

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/entraide/entraide/ledger"
)

// burstSize members press the Consent button of one card within two
// seconds, against Discord's per-route rate limits.
const burstSize = 200

// Each vote is recorded once, each presser is acknowledged privately, no
// interaction answer waits behind the channel's rate limit, and the card's
// edits coalesce: the last shows every vote. How long the acknowledgements
// take (Discord allows three seconds) is measured and reported, not
// enforced: the machine running the tests may be loaded, and the race
// detector slows everything several times.
func TestVoteBurst(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{before: func(e *env) {
		e.f.RateLimits()
		e.f.ResponseWindow = time.Minute
	}})
	voters := make([]*fakeUser, burstSize)
	ids := make([]ledger.Identity, burstSize)
	for i := range voters {
		voters[i] = e.f.AddUser(fmt.Sprintf("member%03d", i), "")
		ids[i] = ledger.Identity{Platform: Platform, UserID: voters[i].ID, Name: voters[i].Username}
	}
	e.f.Join(e.guild, voters...)
	// They are members before the proposal opens, so they may respond.
	if _, err := e.db.Give(e.ctx, ledger.GiveRequest{Header: ledger.Header{Community: e.com.LedgerID(), Key: "welcome", Source: Platform, Actor: ledger.Identity{Platform: Platform, UserID: e.ana.ID, Name: "Ana"}}, Recipients: ids, Minutes: 1, Limits: e.com.Limits}); err != nil {
		t.Fatal(err)
	}
	e.slash(e.ana, "propose", opt("text", "We open the workshop on Sundays."))
	card := e.card()
	consent := button(t, card, "Consent")

	start := time.Now()
	presses := make([]string, burstSize)
	var wg sync.WaitGroup
	for i, u := range voters {
		wg.Add(1)
		go func() {
			defer wg.Done()
			time.Sleep(time.Duration(i) * 2 * time.Second / burstSize)
			presses[i] = e.f.Press(u, card.ID, consent)
		}()
	}
	wg.Wait()
	e.f.Wait("every press acknowledged", func() bool {
		for _, id := range presses {
			if !e.f.Interactions[id].Acked {
				return false
			}
		}
		return true
	})
	e.f.Wait("the card to show every vote", func() bool {
		return card.Embeds[0].Footer != nil && strings.Contains(card.Embeds[len(card.Embeds)-1].Footer.Text, fmt.Sprintf("consent %d ", burstSize))
	})
	var last time.Time
	var slowest time.Duration
	e.f.Locked(func() {
		for _, id := range presses {
			in := e.f.Interactions[id]
			if in.AckedAt.After(last) {
				last = in.AckedAt
			}
			slowest = max(slowest, in.AckedAt.Sub(in.Created))
			if in.Original == nil || in.Original.Flags&64 == 0 {
				t.Errorf("press %s was not acknowledged privately", id)
			}
		}
	})
	p, err := e.db.Proposal(e.ctx, e.com.LedgerID(), 1)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(p.Tally().Consent); n != burstSize {
		t.Errorf("%d consents recorded, want %d", n, burstSize)
	}
	var interaction429 int
	for _, c := range e.f.CallsTo("", `^/(interactions|webhooks)/`) {
		if c.Status == 429 {
			interaction429++
		}
	}
	if interaction429 > 0 {
		t.Errorf("%d interaction answers were rate limited", interaction429)
	}
	edits := e.a.metrics.edits.Load()
	if edits >= burstSize/2 {
		t.Errorf("%d card edits for %d votes: they do not coalesce", edits, burstSize)
	}
	t.Logf("%d presses over 2 s: last acknowledgement %v after the first press, slowest %v; %d card edits; %d 429s from the channel's bucket",
		burstSize, last.Sub(start).Round(time.Millisecond), slowest.Round(time.Millisecond), edits, e.f.TooMany)
}
