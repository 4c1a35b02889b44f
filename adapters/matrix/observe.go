package matrix

import "github.com/entraide/entraide/bot"

var _ bot.Observable = (*Adapter)(nil)

// Observe implements bot.Observable: syncs report the connection, the
// homeserver's M_LIMIT_EXCEEDED its waits.
func (a *Adapter) Observe(o bot.ConnectionObserver) { a.reports.Observe(o) }
