package discord

import (
	"slices"
	"strings"
	"testing"
	"time"
)

// The connection drops and Discord will not resume the session (discordgo
// resumes at the wrong URL): commands typed in the gap are read back from
// the channel and handled once each; the one handled before is not handled
// again; the slash command of the gap was never acknowledged and records
// nothing.
func TestDroppedConnectionLosesNoAcknowledgedCommand(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{messageContent: true})
	e.f.Say(e.ana, e.general, "!give 1h <@"+e.bob.ID+">")
	if m := e.f.Next(); !strings.Contains(m.Content, "gave 1h") {
		t.Fatalf("reply %q", m.Content)
	}

	e.f.Locked(func() { e.f.GatewayDown = true })
	e.f.Drop()
	e.f.Say(e.carol, e.general, "!give 30m <@"+e.bob.ID+">")
	e.f.Say(e.bob, e.general, "see you at the garden")
	gap, err := e.f.Slash(e.ana, e.general, "give", opt("amount", "2h"), opt("members", "<@"+e.bob.ID+">"))
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond) // a few refused connections
	e.f.Locked(func() { e.f.GatewayDown = false })

	if m := e.f.Next(); !strings.Contains(m.Content, "gave 30m") || m.ChannelID != e.general {
		t.Errorf("reply after the reconnection %q", m.Content)
	}
	e.f.Locked(func() {
		if e.f.RefusedResumes == 0 || len(e.f.Identifies) != 2 {
			t.Errorf("%d resumes refused, %d identifies: want the session lost and a new one", e.f.RefusedResumes, len(e.f.Identifies))
		}
		if e.f.HistoryReads == 0 {
			t.Error("the adapter did not read the channel's history")
		}
		if in := e.f.Interactions[gap]; in.Acked {
			t.Error("the slash command of the gap was acknowledged")
		}
		var gifts []string
		for _, m := range e.f.Messages {
			if m.AuthorID == "" && strings.Contains(m.Content, "gave") {
				gifts = append(gifts, m.Content)
			}
		}
		if len(gifts) != 2 {
			t.Errorf("the bot answered %d gifts, want 2: %q", len(gifts), gifts)
		}
	})
	e.wantEntries(2, e.bob, 90)
}

// Discord asks for a reconnection (op 7), times the session out (4009),
// or stops acknowledging heartbeats: each time the adapter comes back and
// a command said meanwhile is handled once.
func TestGatewayInterruptions(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name      string
		heartbeat time.Duration // what HELLO asks for, when not Discord's
		cause     func(*env)
		check     func(*testing.T, *env)
	}{
		{"op 7", 0, func(e *env) { e.f.Reconnect() }, func(t *testing.T, e *env) {
			if !slices.Contains(e.f.ClientCloses, 1012) {
				t.Errorf("close codes %v: want a close that keeps the session (not 1000)", e.f.ClientCloses)
			}
		}},
		{"session timed out", 0, func(e *env) { e.f.TimeOut() }, nil},
		{"heartbeat ACKs stop", 20 * time.Millisecond, func(e *env) {
			e.f.Locked(func() { e.f.SilenceAcks = true })
			e.f.Wait("the client to give up on the connection", func() bool { return len(e.f.ClientCloses) > 0 })
			e.f.Locked(func() { e.f.SilenceAcks = false })
		}, func(t *testing.T, e *env) {
			// discordgo closes with 1000, which ends the session.
			if !slices.Contains(e.f.ClientCloses, 1000) {
				t.Errorf("close codes %v", e.f.ClientCloses)
			}
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, envOptions{messageContent: true, before: func(e *env) {
				if c.heartbeat > 0 {
					e.f.HeartbeatInterval = c.heartbeat
				}
			}})
			c.cause(e)
			e.f.Say(e.carol, e.general, "!give 30m <@"+e.bob.ID+">")
			e.f.Wait("a new session", func() bool { return len(e.f.Identifies) >= 2 && e.f.Online() })
			if m := e.f.Next(); !strings.Contains(m.Content, "gave 30m") {
				t.Errorf("reply %q", m.Content)
			}
			if n := e.entries(); n != 1 {
				t.Errorf("%d entries, want 1", n)
			}
			if c.check != nil {
				e.f.Locked(func() { c.check(t, e) })
			}
		})
	}
}
