package console

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/entraide/entraide/bot"
	"github.com/entraide/entraide/bot/adaptertest"
)

// blockWriter hands each write to a channel: the adapter flushes one reply
// per write.
type blockWriter struct{ blocks chan string }

func (w blockWriter) Write(p []byte) (int, error) {
	w.blocks <- string(p)
	return len(p), nil
}

type harness struct {
	a      *Adapter
	in     *io.PipeWriter
	blocks chan string

	mu    sync.Mutex
	n     int
	lines map[string]string // event ID → line, to redeliver it
}

func newHarness(t *testing.T) adaptertest.Harness {
	r, w := io.Pipe()
	t.Cleanup(func() { w.Close() })
	blocks := make(chan string, 100)
	a := New(Options{In: r, Out: blockWriter{blocks}, As: "ana", Members: []string{"ana", "bob"}, FileDir: t.TempDir()})
	return &harness{a: a, in: w, blocks: blocks, lines: map[string]string{}}
}

func (h *harness) Adapter() bot.Adapter { return h.a }

func (h *harness) Members() []bot.User {
	return []bot.User{{ID: "ana", Name: "ana"}, {ID: "bob", Name: "bob"}}
}

func (h *harness) Mention(u bot.User) string { return "@" + u.ID }

func (h *harness) Room() bot.Target { return bot.Target{Room: Room} }

func (h *harness) Say(ctx context.Context, u bot.User, text string) (string, error) {
	h.mu.Lock()
	h.n++
	id := fmt.Sprintf("h%d", h.n)
	line := fmt.Sprintf("[%s] %s: %s\n", id, u.ID, text)
	h.lines[id] = line
	h.mu.Unlock()
	_, err := io.WriteString(h.in, line)
	return id, err
}

func (h *harness) Redeliver(ctx context.Context, id string) error {
	h.mu.Lock()
	line, ok := h.lines[id]
	h.mu.Unlock()
	if !ok {
		return fmt.Errorf("no event %s", id)
	}
	_, err := io.WriteString(h.in, line)
	return err
}

func (h *harness) SpaceMembers(ctx context.Context, room string) ([]string, error) {
	return h.a.SpaceMembers(room), nil
}

func (h *harness) Next(ctx context.Context) (adaptertest.Posted, error) {
	select {
	case <-ctx.Done():
		return adaptertest.Posted{}, ctx.Err()
	case block := <-h.blocks:
		return parseBlock(block, h.Members())
	}
}

// parseBlock reads one reply as a person at the terminal would.
func parseBlock(block string, members []bot.User) (adaptertest.Posted, error) {
	lines := strings.Split(strings.TrimSuffix(block, "\n"), "\n")
	var p adaptertest.Posted
	head := lines[0]
	if where, rest, ok := strings.Cut(head, "] "); ok && strings.HasPrefix(where, "[") {
		if _, thread, ok := strings.Cut(where, "🧵 "); ok {
			p.Thread = thread
		}
		head = rest
		if p.Thread != "" && !strings.HasPrefix(head, "entraide") {
			// The thread's title, posted when it opens.
			p.Text = head
			return p, nil
		}
	}
	switch {
	case strings.HasPrefix(head, "entraide: "):
		head = strings.TrimPrefix(head, "entraide: ")
	case strings.HasPrefix(head, "entraide 🔒 "):
		_, rest, ok := strings.Cut(head, ": ")
		if !ok {
			return p, fmt.Errorf("unreadable private reply %q", head)
		}
		p.Private, head = true, rest
	default:
		return p, fmt.Errorf("unexpected output %q", block)
	}
	text := []string{head}
	for _, l := range lines[1:] {
		l = strings.TrimPrefix(l, "  ")
		if path, ok := strings.CutPrefix(l, "📎 "); ok {
			data, err := os.ReadFile(path)
			if err != nil {
				return p, err
			}
			p.File = &bot.File{Name: filepath.Base(path), Data: data}
			continue
		}
		text = append(text, l)
	}
	p.Text = strings.Join(text, "\n")
	// On the console a mention is the "@name" itself.
	for _, tok := range strings.Fields(p.Text) {
		tok = strings.TrimRight(tok, ",;:.!?")
		for _, m := range members {
			if tok == "@"+m.ID && !slices.Contains(p.Pinged, m.ID) {
				p.Pinged = append(p.Pinged, m.ID)
			}
		}
	}
	return p, nil
}

func TestConformance(t *testing.T) {
	adaptertest.Run(t, newHarness)
}

func TestParseLines(t *testing.T) {
	a := New(Options{As: "ana", Members: []string{"bob"}, RunID: "r"})
	for _, c := range []struct {
		line     string
		ok       bool
		id, who  string
		text     string
		mentions []string
	}{
		{"/balance", true, "r:1", "ana", "/balance", nil},
		{"bob: /give 2h @ana", true, "r:1", "bob", "/give 2h @ana", []string{"ana"}},
		{"Bob: /solde", true, "r:1", "bob", "/solde", nil},
		{"[e7] bob: /give 1h @ana, @zoe", true, "e7", "bob", "/give 1h @ana, @zoe", []string{"ana"}},
		{"/give 1h @entraide", true, "r:1", "ana", "/give 1h @entraide", []string{"entraide"}},
		{"   ", false, "", "", "", nil},
		{"# a comment", false, "", "", "", nil},
		{"note:2h", true, "r:1", "ana", "note:2h", nil},
	} {
		m, ok := a.parse(c.line, 1)
		if ok != c.ok {
			t.Errorf("%q: ok = %v", c.line, ok)
			continue
		}
		if !ok {
			continue
		}
		var names []string
		for _, mm := range m.Mentions {
			names = append(names, mm.User.ID)
		}
		if m.ID != c.id || m.Sender.ID != c.who || m.Text != c.text || !slices.Equal(names, c.mentions) || !m.Local {
			t.Errorf("%q parsed as id=%q who=%q text=%q mentions=%v local=%v", c.line, m.ID, m.Sender.ID, m.Text, names, m.Local)
		}
	}
}
