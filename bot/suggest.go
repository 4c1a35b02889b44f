package bot

import (
	"strings"
	"unicode"

	"github.com/agnivade/levenshtein"
	"golang.org/x/text/runes"

	"github.com/entraide/entraide/ledger"
	"golang.org/x/text/transform"
	unorm "golang.org/x/text/unicode/norm"
)

// fold is a word as a suggestion compares it: lower case, without
// accents ("Chloé" and "chloe" are the same name to a typing thumb).
func fold(s string) string {
	t := transform.Chain(unorm.NFD, runes.Remove(runes.In(unicode.Mn)), unorm.NFC)
	out, _, err := transform.String(t, s)
	if err != nil {
		out = s
	}
	return strings.ToLower(out)
}

// closest is the candidate nearest to word, when it is near enough to be
// what was meant: one edit for words of up to four letters, two beyond.
// A candidate equal but for case and accents wins outright; ties keep the
// first candidate.
func closest(word string, candidates []string) (string, bool) {
	w := fold(word)
	if w == "" {
		return "", false
	}
	limit := 1
	if len([]rune(w)) > 4 {
		limit = 2
	}
	best, bestDist := "", limit+1
	for _, c := range candidates {
		d := levenshtein.ComputeDistance(w, fold(c))
		if d < bestDist {
			best, bestDist = c, d
		}
	}
	return best, bestDist <= limit
}

// unknownCommand is the refusal for a command name nobody knows: the
// closest command or alias in either language when there is one, and a
// word about the space when "/ solde" left the name empty.
func (b *Bot) unknownCommand(name, rest string) error {
	var names []string
	for _, c := range b.commands {
		names = append(names, c.Name)
		names = append(names, c.Aliases...)
	}
	if name == "" {
		first, _, _ := strings.Cut(rest, " ")
		if c, _ := b.find(b.commands, first, ""); c != nil && first != "" {
			return refuse(msgCommandEmptySuggest, map[string]any{"Command": "/" + first})
		}
		return refuse(msgCommandEmpty, nil)
	}
	if c, ok := closest(name, names); ok {
		return refuse(msgUnknownCommandSuggest, map[string]any{"Name": name, "Command": "/" + c})
	}
	return refuse(msgUnknownCommand, map[string]any{"Name": name})
}

// memberHint catches two slips before a gift is read: a known member named
// without "@" ("/give 1h bob", where "1h bob" is no duration), and an
// unknown "@chloé" that is a member but for accents or a typo ("@chloe").
func (r *request) memberHint(args []string) error {
	var bare, unknown []string
	named := false
	for _, tok := range args {
		switch {
		case r.bot.catalog.is(kwFor, tok):
			bare = append(bare, "") // nothing after "for" is a recipient
		case strings.HasPrefix(tok, "@") && len(tok) > 1:
			if _, ok := mentionFor(tok, r.msg.Mentions); ok {
				named = true
			} else {
				unknown = append(unknown, tok)
			}
		default:
			bare = append(bare, tok)
		}
	}
	if named && len(unknown) == 0 {
		return nil
	}
	accounts, err := r.bot.ledger.Accounts(r.ctx, r.com.id)
	if err != nil {
		return err
	}
	var names []string
	for _, a := range accounts {
		if a.Kind == ledger.KindMember {
			names = append(names, a.Name)
		}
	}
	for _, tok := range unknown {
		name := strings.TrimRight(tok[1:], ",;:.!?")
		if c, ok := closest(name, names); ok && c != name {
			return refuse(msgMemberDidYouMean, map[string]any{"Name": tok, "Mention": "@" + c})
		}
	}
	if named || len(unknown) > 0 {
		return nil
	}
	for _, tok := range bare {
		if tok == "" {
			break
		}
		for _, n := range names {
			if fold(strings.TrimRight(tok, ",;:.!?")) != fold(n) {
				continue
			}
			fixed := make([]string, len(args))
			for i, a := range args {
				fixed[i] = a
				if a == tok {
					fixed[i] = "@" + n
				}
			}
			return refuse(msgGiveForgotAt, map[string]any{"Name": n,
				"Command": r.cmd.path(r.tr.Lang()) + " " + strings.Join(fixed, " ")})
		}
	}
	return nil
}
