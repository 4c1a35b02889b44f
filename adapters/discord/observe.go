package discord

import "github.com/entraide/entraide/bot"

var _ bot.Observable = (*Adapter)(nil)

// Observe implements bot.Observable: READY and RESUMED report the
// connection, a lost gateway its loss, Discord's 429s their waits.
func (a *Adapter) Observe(o bot.ConnectionObserver) { a.reports.Observe(o) }
