package matrix

import (
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/entraide/entraide/bot"
	"github.com/entraide/entraide/internal/fakematrix"
)

// withClock gives e a core whose clock runs ahead by what advance adds,
// to run ticks.
func withClock(t *testing.T, e *env) (advance func(time.Duration)) {
	var ahead atomic.Int64
	now := func() time.Time { return time.Now().Add(time.Duration(ahead.Load())) }
	core, err := bot.New(e.ctx, bot.Options{Ledger: e.db, Communities: []*bot.Community{e.com}, Logger: slog.New(e.logs), Now: now})
	if err != nil {
		t.Fatal(err)
	}
	e.core = core
	return func(d time.Duration) { ahead.Add(int64(d)) }
}

// A proposal's card answers the command that opened it (a notice in reply
// to it); its outcome is an announcement (m.text, so that it notifies) in
// reply to the card.
func TestProposalCardAndOutcome(t *testing.T) {
	e := newEnv(t)
	advance := withClock(t, e)
	r := e.start(e.config())
	e.core.Attach(r.a)
	cmd := e.say(e.ana, e.room, "!propose Buy a shared trailer until friday")
	card := e.next(e.room)
	if !strings.Contains(body(card), "Proposal #1") || card.Content["msgtype"] != "m.notice" || inReplyTo(card) != cmd {
		t.Errorf("card = %s %q in reply to %q, want a notice answering %s", card.Content["msgtype"], body(card), inReplyTo(card), cmd)
	}
	e.say(e.ana, e.room, "!consent 1")
	e.say(e.bob, e.room, "!consent 1")
	e.waitFor("Ana's and Bob's consents recorded", func() bool {
		p, err := e.db.Proposal(e.ctx, e.com.LedgerID(), 1)
		return err == nil && p.Card != "" && len(p.Tally().Waiting) == 0
	})
	advance(8 * 24 * time.Hour)
	if err := e.core.Tick(e.ctx); err != nil {
		t.Fatal(err)
	}
	for {
		m := e.next(e.room)
		if !strings.Contains(body(m), "adopted") || strings.HasPrefix(body(m), "* ") {
			continue // the thread's title, the tally, the card edited
		}
		if m.Content["msgtype"] != "m.text" || inReplyTo(m) != card.ID {
			t.Errorf("outcome = %s in reply to %q, want m.text in reply to the card %s", m.Content["msgtype"], inReplyTo(m), card.ID)
		}
		break
	}
}

// The newsletter is an announcement: an m.text whose formatted_body is
// the HTML of its Markdown (headings, emphasis), then its chart as an
// m.image with its size and an alt text.
func TestNewsletterRendersAsHTML(t *testing.T) {
	e := newEnv(t)
	e.start(e.config())
	e.sayPills(e.ana, e.room, "!give 2h "+e.bob+" for the garden #production", nil)
	e.next(e.room)
	e.say(e.ana, e.room, "!newsletter send")
	var issue *fakematrix.Event
	for issue == nil {
		if m := e.next(e.room); strings.HasPrefix(body(m), "#") {
			issue = m
		}
	}
	html, _ := issue.Content["formatted_body"].(string)
	if issue.Content["msgtype"] != "m.text" || !strings.Contains(html, "<h1>") || !strings.Contains(html, "<h2>") || strings.Contains(html, "\n# ") {
		t.Errorf("newsletter = %s with formatted_body\n%s\nwant m.text with HTML headings", issue.Content["msgtype"], html)
	}
	chart := e.next(e.room)
	info, _ := chart.Content["info"].(map[string]any)
	if chart.Content["msgtype"] != "m.image" || num(info["w"]) <= 0 || num(info["h"]) <= 0 || !strings.Contains(body(chart), "week") || chart.Content["filename"] == body(chart) {
		t.Errorf("chart = %s %q (info %v), want an m.image with its size and an alt text", chart.Content["msgtype"], body(chart), info)
	}
}
