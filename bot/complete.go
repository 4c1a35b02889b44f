package bot

import (
	"context"
	"strconv"
	"strings"

	"github.com/entraide/entraide/ledger"
)

// Completion is what an option's values are, for platforms that offer
// them as members type (Discord's autocomplete).
type Completion int

const (
	CompleteNone          Completion = iota
	CompleteOpenProposals            // the numbers of the open proposals
	CompleteGroups                   // the names of the working groups
)

// maxCompletions is how many values a platform lists at most (Discord's 25).
const maxCompletions = 25

// Completer offers the values of an option whose Complete is set, among
// those matching what the member typed; *Bot implements it.
type Completer interface {
	Complete(ctx context.Context, platform, room string, c Completion, typed, lang string) []Choice
}

var _ Completer = (*Bot)(nil)

// Complete implements Completer: the community's open proposals ("#3 We
// repaint the shed…", value "3") or its groups, newest proposals first.
func (b *Bot) Complete(ctx context.Context, platform, room string, c Completion, typed, lang string) []Choice {
	com := b.communityFor(Message{Platform: platform, Room: room, Space: room})
	if com == nil {
		return nil
	}
	typed = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(typed, "#")))
	var out []Choice
	add := func(value, name string) bool {
		if typed == "" || strings.Contains(strings.ToLower(name), typed) {
			out = append(out, Choice{Value: value, Names: map[string]string{lang: name}})
		}
		return len(out) < maxCompletions
	}
	switch c {
	case CompleteOpenProposals:
		ps, err := b.ledger.Proposals(ctx, com.id, ledger.ProposalsOpen)
		if err != nil {
			b.log.Warn("no completions", "err", err)
			return nil
		}
		for _, p := range ps {
			if !add(strconv.Itoa(p.Number), "#"+strconv.Itoa(p.Number)+" "+truncate(p.Text(), 80)) {
				break
			}
		}
	case CompleteGroups:
		gs, err := b.ledger.Groups(ctx, com.id)
		if err != nil {
			b.log.Warn("no completions", "err", err)
			return nil
		}
		for _, g := range gs {
			if !add(g.Name, g.Name) {
				break
			}
		}
	}
	return out
}
