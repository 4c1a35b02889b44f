package bot

import (
	"context"
	"errors"
	"strings"

	"github.com/entraide/entraide/ledger"
)

// Reading conflict commands: their words, the case they name, and who
// may act on it.

// openArgs is what "/conflict open @a @b mediator @m about the shed" says.
type openArgs struct {
	request   int
	parties   []Mention
	mediators []Mention
	topic     string
}

func (r *request) parseOpen() (openArgs, error) {
	var o openArgs
	text := r.rest()
	spans := wordSpans(text)
	word := func(i int) string { return text[spans[i][0]:spans[i][1]] }
	mediators := false
	for i := 0; i < len(spans); i++ {
		w := word(i)
		switch {
		case i == 0 && r.bot.catalog.is(kwRequest, w):
			if i+1 >= len(spans) {
				return o, r.usage()
			}
			n, ok := numberOf(word(i + 1))
			if !ok {
				return o, refuse(msgConflictBadNumber, map[string]any{"Input": word(i + 1), "Usage": r.tr.S(r.cmd.Usage, nil)})
			}
			o.request = n
			i++
		case r.bot.catalog.is(kwMediator, w):
			mediators = true
		case r.bot.catalog.is(kwAbout, w):
			if i+1 < len(spans) {
				o.topic = strings.TrimSpace(text[spans[i+1][0]:])
			}
			i = len(spans)
		case r.bot.catalog.is(kwAnd, w):
		default:
			m, ok := mentionFor(w, r.msg.Mentions)
			switch {
			case ok && mediators:
				o.mediators = append(o.mediators, m)
			case ok:
				o.parties = append(o.parties, m)
			case strings.HasPrefix(w, "@") && len(w) > 1:
				return o, refuse(msgConflictUnknownMember, map[string]any{"Name": strings.TrimRight(w, ",;:.!?")})
			default:
				// Words without "about": the rest is the topic.
				o.topic = strings.TrimSpace(text[spans[i][0]:])
				i = len(spans)
			}
		}
	}
	o.topic = strings.Join(strings.Fields(o.topic), " ")
	return o, nil
}

// caseNumber reads the case number, the first argument.
func (r *request) caseNumber() (int, error) { return r.numberArg(msgConflictBadNumber) }

// inModeratorsRoom is true when the message is in the moderators' room.
func (r *request) inModeratorsRoom() bool {
	p, room, ok := splitRoom(r.com.Conflicts.ModeratorsRoom)
	return ok && p == r.msg.Platform && room == r.msg.Room
}

// inSpaceOf is true when the message is in the case's private space.
func (r *request) inSpaceOf(c ledger.Case) bool {
	return c.Room != "" && c.Platform == r.msg.Platform && (c.Room == r.msg.Room || c.Room == r.msg.Thread)
}

// spaceCase is the case whose private space the message is in.
func (r *request) spaceCase() (ledger.Case, bool, error) {
	c, ok, err := r.bot.ledger.CaseInRoom(r.ctx, r.com.id, r.msg.Platform, r.msg.Room)
	if err != nil || ok || r.msg.Thread == "" {
		return c, ok, err
	}
	return r.bot.ledger.CaseInRoom(r.ctx, r.com.id, r.msg.Platform, r.msg.Thread)
}

// private is whether a reply about case c must be private: anything about
// a case is said openly only in its own space and in the moderators' room.
func (r *request) private(c ledger.Case) bool { return !r.inModeratorsRoom() && !r.inSpaceOf(c) }

// caseRefusal turns the ledger's refusals about case n into replies.
func (r *request) caseRefusal(err error, n int) error {
	data := map[string]any{"Number": n}
	switch ledger.ErrorCode(err) {
	case ledger.ENOTFOUND:
		return refuse(msgConflictNotFound, data)
	}
	var act *ledger.CaseActError
	if errors.As(err, &act) {
		return actRefusal(act)
	}
	var state *ledger.CaseStateError
	if errors.As(err, &state) {
		data["State"] = stateName(r.tr, state.State)
		data["Command"] = r.cmd.path(r.tr.Lang())
		return refuse(msgConflictBadState, data)
	}
	return tooLongAs(err, msgConflictTooLong)
}

// findCase is the numbered case, or a refusal.
func (r *request) findCase(n int) (ledger.Case, error) {
	c, err := r.bot.ledger.Case(r.ctx, r.com.id, n)
	if err != nil {
		return c, r.caseRefusal(err, n)
	}
	return c, nil
}

// mayActOn is nil when the sender may act on c (the ledger's rule,
// ledger.Case.MayAct), else the refusal that says why.
func (r *request) mayActOn(c ledger.Case) error {
	me, _, err := r.bot.ledger.Member(r.ctx, r.com.id, r.sender())
	if err != nil {
		return err
	}
	var act *ledger.CaseActError
	if err := c.MayAct(me.ID, r.moderator()); errors.As(err, &act) {
		return actRefusal(act)
	}
	return nil
}

// actRefusal is why someone may not act on a case.
func actRefusal(e *ledger.CaseActError) error {
	if e.Party {
		return refuse(msgConflictOwnCase, map[string]any{"Number": e.Number})
	}
	return refuse(msgConflictForbidden, map[string]any{"Number": e.Number})
}

// mayRead is whether the sender may read c's status: a moderator, someone
// in the case, or anyone in its space (only its members are).
func (r *request) mayRead(c ledger.Case) (bool, error) {
	if r.moderator() || r.inSpaceOf(c) {
		return true, nil
	}
	me, found, err := r.bot.ledger.Member(r.ctx, r.com.id, r.sender())
	if err != nil {
		return false, err
	}
	return found && c.Role(me.ID) != "", nil
}

// moderatorsAdapter is the moderators' room and the adapter that posts
// there; ok is false when there is no room or no adapter.
func (b *Bot) moderatorsAdapter(ctx context.Context, com *Community) (Adapter, Target, bool) {
	p, room, ok := splitRoom(com.Conflicts.ModeratorsRoom)
	if !ok {
		return nil, Target{}, false
	}
	a := b.adapterFor(ctx, p)
	return a, Target{Room: room}, a != nil
}
