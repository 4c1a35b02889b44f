// Package testutil holds the small test doubles several packages share: a
// clock tests move by hand, a buffer goroutines write to while a test
// reads it, and a diff of expected and actual text. It imports nothing of
// the project.
package testutil

import (
	"bytes"
	"fmt"
	"strings"
	"sync"
	"time"
)

// Clock is a time tests move by hand, so that windows, deadlines and
// timestamps are exact, never timed. It is safe for concurrent use.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock is a clock reading t.
func NewClock(t time.Time) *Clock { return &Clock{t: t} }

// Now is the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// Set moves the clock to t.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

// Buffer collects what goroutines write (logs, a console's output) for a
// test to read.
type Buffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *Buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

// String is everything written so far.
func (b *Buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// DiffLines shows the first line where have differs from want, for a test
// comparing a transcript or a golden file.
func DiffLines(want, have string) string {
	w, h := strings.Split(want, "\n"), strings.Split(have, "\n")
	for i := 0; i < len(w) || i < len(h); i++ {
		var wl, hl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(h) {
			hl = h[i]
		}
		if wl != hl {
			return fmt.Sprintf("line %d:\n  want: %s\n  have: %s", i+1, wl, hl)
		}
	}
	return "(same lines, different endings)"
}
