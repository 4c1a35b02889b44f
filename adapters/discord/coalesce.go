package discord

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// editQueue coalesces the edits of each message: after an edit starts,
// the message's slot stays taken until editSpacing has passed since it
// ended; edits asked meanwhile wait there, only the latest kept, and it
// goes then. Edit returns at once for an edit that waits: the card it
// carries is superseded by a later one anyway.
type editQueue struct {
	log func(msg string, args ...any)

	wg      sync.WaitGroup
	mu      sync.Mutex
	pending map[string]*editSlot
}

// editSpacing is the least time between two edits of one message. Discord
// budgets edits per route (a webhook token allows five in two seconds);
// spaced this way, a burst of votes stays inside the budget and never
// waits on a 429, while the card lags the last vote by about half a
// second at most.
const editSpacing = 500 * time.Millisecond

type editSlot struct {
	next func(context.Context) error // the latest edit asked, not sent yet
}

func newEditQueue(log func(string, ...any)) *editQueue {
	return &editQueue{log: log, pending: map[string]*editSlot{}}
}

// edit sends send now if the message's slot is free; otherwise it keeps
// send as the next edit (replacing any older one waiting) and returns.
func (q *editQueue) edit(ctx context.Context, message string, send func(context.Context) error) error {
	q.mu.Lock()
	if slot, busy := q.pending[message]; busy {
		slot.next = send
		q.mu.Unlock()
		return nil
	}
	slot := &editSlot{}
	q.pending[message] = slot
	q.wg.Add(1)
	q.mu.Unlock()

	err := send(ctx)
	// The caller (a vote waiting to be acknowledged) never waits for
	// edits other than its own; the callers' contexts may be gone by
	// the time the waiting ones go.
	go q.flush(context.WithoutCancel(ctx), message, slot)
	return err
}

// flush sends, editSpacing after each edit, the latest one asked
// meanwhile, and frees the slot once none was.
func (q *editQueue) flush(ctx context.Context, message string, slot *editSlot) {
	defer q.wg.Done()
	for {
		time.Sleep(editSpacing)
		q.mu.Lock()
		next := slot.next
		slot.next = nil
		if next == nil {
			delete(q.pending, message)
			q.mu.Unlock()
			return
		}
		q.mu.Unlock()
		if err := next(ctx); err != nil {
			q.log("a coalesced edit failed", "message", message, "err", err)
		}
	}
}

// wait blocks until no coalesced edit is on its way.
func (q *editQueue) wait() { q.wg.Wait() }

// metrics are counters tests and benchmarks read.
type metrics struct {
	edits atomic.Int64 // message edits sent
}
