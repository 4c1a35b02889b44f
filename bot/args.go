package bot

import (
	"strconv"
	"strings"
	"unicode"
)

// Reading a command's arguments: the text after some words, numbers as
// members type them ("3", "#3"), and the usage to show when they are
// wrong.

// rest is the message's text after the command's words ("/remind add"),
// with its own spacing.
func (r *request) rest() string {
	depth := 0
	for c := r.cmd; c != nil; c = c.parent {
		depth++
	}
	return r.textAfter(depth - 1)
}

// restAfter is rest without its first n words.
func (r *request) restAfter(n int) string {
	depth := 0
	for c := r.cmd; c != nil; c = c.parent {
		depth++
	}
	return r.textAfter(depth - 1 + n)
}

func (r *request) moderator() bool { return r.com.isModerator(r.msg.Platform, r.msg.Sender.ID) }

func (r *request) usage() error {
	return refuse(msgUsage, map[string]any{"Usage": r.tr.S(r.cmd.Usage, nil)})
}

// cmdPath is a top-level command as typed in the community's language.
func (r *request) cmdPath(name string) string {
	for _, c := range r.bot.commands {
		if c.Name == name {
			return c.path(r.tr.Lang())
		}
	}
	return "/" + name
}

// subName is a subcommand's word in the community's language.
func (r *request) subName(parent, name string) string {
	for _, c := range r.bot.commands {
		if c.Name != parent {
			continue
		}
		for _, s := range c.Sub {
			if s.Name == name {
				if r.tr.Lang() == "fr" && len(s.Aliases) > 0 {
					return s.Aliases[0]
				}
				return s.Name
			}
		}
	}
	return name
}

// textAfter is the message's text after the command word and n more
// words, with its own spacing and line breaks kept.
func (r *request) textAfter(n int) string {
	_, rest, _ := splitCommand(r.msg.Text)
	for i := 0; i < n; i++ {
		rest = strings.TrimLeftFunc(rest, unicode.IsSpace)
		end := strings.IndexFunc(rest, unicode.IsSpace)
		if end < 0 {
			return ""
		}
		rest = rest[end:]
	}
	return strings.TrimSpace(rest)
}

// numberOf reads a number as members type it: "3" or "#3", with the
// punctuation of a sentence after it.
func numberOf(s string) (int, bool) {
	n, err := strconv.Atoi(strings.TrimPrefix(strings.TrimRight(s, ",;:"), "#"))
	return n, err == nil && n > 0
}

// numberArg reads the first argument as a number: the usage when there is
// none, the refusal bad (with the input and the usage) when it is not one.
func (r *request) numberArg(bad string) (int, error) {
	if len(r.args) == 0 {
		return 0, r.usage()
	}
	n, ok := numberOf(r.args[0])
	if !ok {
		return 0, refuse(bad, map[string]any{"Input": r.args[0], "Usage": r.tr.S(r.cmd.Usage, nil)})
	}
	return n, nil
}

// number reads the proposal number, the first argument.
func (r *request) number() (int, error) { return r.numberArg(msgDecisionBadNumber) }

// wordSpans are the byte offsets of text's whitespace-separated words.
func wordSpans(text string) [][2]int {
	var out [][2]int
	start := -1
	for i, c := range text {
		if unicode.IsSpace(c) {
			if start >= 0 {
				out = append(out, [2]int{start, i})
				start = -1
			}
		} else if start < 0 {
			start = i
		}
	}
	if start >= 0 {
		out = append(out, [2]int{start, len(text)})
	}
	return out
}
