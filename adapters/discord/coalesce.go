package discord

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// editQueue coalesces the edits of each message: at most one is in
// flight; asked meanwhile, only the latest is kept and sent next, no
// sooner than editSpacing after the one before. Edit returns at once for
// an edit that waits: the card it carries is superseded by a later one
// anyway.
type editQueue struct {
	log func(msg string, args ...any)

	wg      sync.WaitGroup
	mu      sync.Mutex
	pending map[string]*editSlot
}

// editSpacing is the least time between the starts of two edits of one
// message. Discord budgets edits per route (a webhook token allows five in
// two seconds); spaced this way, a burst of votes uses four of them at
// most and never waits on a 429, while the card lags the last vote by
// half a second at most.
const editSpacing = 500 * time.Millisecond

type editSlot struct {
	sent time.Time                   // when the last edit started
	next func(context.Context) error // the latest edit asked, not sent yet
}

func newEditQueue(log func(string, ...any)) *editQueue {
	return &editQueue{log: log, pending: map[string]*editSlot{}}
}

// edit sends send now if no edit of message is in flight; otherwise it
// keeps send as the next edit (replacing any older one waiting) and
// returns: the edit in flight sends it when done.
func (q *editQueue) edit(ctx context.Context, message string, send func(context.Context) error) error {
	q.mu.Lock()
	if slot, busy := q.pending[message]; busy {
		slot.next = send
		q.mu.Unlock()
		return nil
	}
	slot := &editSlot{sent: time.Now()}
	q.pending[message] = slot
	q.mu.Unlock()

	err := send(ctx)
	// What was asked meanwhile goes aside, the latest only, so that the
	// caller (a vote waiting to be acknowledged) never waits for edits
	// other than its own. The callers' contexts may be gone by then.
	if q.take(message, slot) != nil {
		q.wg.Add(1)
		go q.flush(context.WithoutCancel(ctx), message, slot)
	}
	return err
}

// take is the edit waiting for message; when none waits it is nil and the
// slot is freed.
func (q *editQueue) take(message string, slot *editSlot) func(context.Context) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	next := slot.next
	if next == nil {
		delete(q.pending, message)
	}
	return next
}

// flush sends the latest waiting edit until none waits.
func (q *editQueue) flush(ctx context.Context, message string, slot *editSlot) {
	defer q.wg.Done()
	for {
		// Edits asked during the pause replace the waiting one.
		time.Sleep(time.Until(slot.sent.Add(editSpacing)))
		q.mu.Lock()
		next := slot.next
		slot.next = nil
		slot.sent = time.Now()
		q.mu.Unlock()
		if next != nil {
			if err := next(ctx); err != nil {
				q.log("a coalesced edit failed", "message", message, "err", err)
			}
		}
		if q.take(message, slot) == nil {
			return
		}
	}
}

// wait blocks until no coalesced edit is on its way.
func (q *editQueue) wait() { q.wg.Wait() }

// metrics are counters tests and benchmarks read.
type metrics struct {
	edits atomic.Int64 // message edits sent
}
