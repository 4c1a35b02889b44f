package bot

import (
	"strconv"
	"strings"
)

// OptionKind is what a native command option holds.
type OptionKind int

const (
	OptionText     OptionKind = iota + 1 // free text
	OptionMembers                        // one or more member mentions
	OptionMember                         // one member mention
	OptionInteger                        // a whole number
	OptionCategory                       // one of the community's categories
)

// Option is one typed argument of a command, for platforms with native
// commands (Discord's slash commands).
type Option struct {
	Name        string            // English
	Names       map[string]string // other languages; the English name stands in
	Description string            // message ID
	Kind        OptionKind
	Required    bool
	// Prefix is written before the value in the text form: "for " for a
	// note, "#" for a category.
	Prefix string
	// Complete says what the platform may offer as members type.
	Complete Completion
}

// Choice is one allowed value of an option.
type Choice struct {
	Value string
	Names map[string]string // by language
}

// OptionSpec is an Option described in every language.
type OptionSpec struct {
	Name         string
	Names        map[string]string // by language, English included
	Descriptions map[string]string
	Kind         OptionKind
	Required     bool
	Prefix       string
	Choices      []Choice
	Complete     Completion
}

// Spec describes one command that can be invoked, in every language, for
// platforms that register native commands.
type Spec struct {
	Path         []string            // English names: ["commons", "give"]
	Names        map[string][]string // the path by language
	Descriptions map[string]string
	// GroupDescriptions describe the groups of the path (all but its
	// last word), by language: "/commons" in "/commons give".
	GroupDescriptions map[string][]string
	Moderator         bool
	Private           bool // its answers are for the asker only
	Options           []OptionSpec
}

// CommandCatalog is implemented by the core for adapters that register
// native commands; they find it on their Inbox by type assertion.
type CommandCatalog interface {
	// Specs lists the commands of the community a platform room belongs to.
	Specs(platform, room string) []Spec
}

// Specs implements CommandCatalog. Commands with subcommands become groups:
// only their subcommands are listed.
func (b *Bot) Specs(platform, room string) []Spec {
	com := b.communityFor(Message{Platform: platform, Room: room, Space: room})
	if com == nil {
		return nil
	}
	var out []Spec
	var walk func(cs []*Command, path []*Command)
	walk = func(cs []*Command, path []*Command) {
		for _, c := range cs {
			p := append(append([]*Command(nil), path...), c)
			if len(c.Sub) > 0 {
				walk(c.Sub, p)
				continue
			}
			out = append(out, b.spec(com, p))
		}
	}
	walk(b.commands, nil)
	return out
}

func (b *Bot) spec(com *Community, path []*Command) Spec {
	leaf := path[len(path)-1]
	s := Spec{Names: map[string][]string{}, Descriptions: map[string]string{}, GroupDescriptions: map[string][]string{},
		Moderator: leaf.Moderator, Private: leaf.Private}
	for _, c := range path {
		s.Path = append(s.Path, c.Name)
	}
	for _, lang := range Languages() {
		tr := b.catalog.In(lang)
		for _, c := range path {
			name := c.Name
			if lang == "fr" && len(c.Aliases) > 0 {
				name = c.Aliases[0]
			}
			s.Names[lang] = append(s.Names[lang], name)
		}
		s.Descriptions[lang] = tr.S(leaf.Summary, nil)
		for _, c := range path[:len(path)-1] {
			s.GroupDescriptions[lang] = append(s.GroupDescriptions[lang], tr.S(c.Summary, nil))
		}
	}
	for _, o := range leaf.Options {
		os := OptionSpec{Name: o.Name, Names: map[string]string{}, Descriptions: map[string]string{},
			Kind: o.Kind, Required: o.Required, Prefix: o.Prefix, Complete: o.Complete}
		for _, lang := range Languages() {
			os.Names[lang] = o.Name
			if n := o.Names[lang]; n != "" {
				os.Names[lang] = n
			}
			os.Descriptions[lang] = b.catalog.In(lang).S(o.Description, nil)
		}
		if o.Kind == OptionCategory {
			for _, c := range com.Categories {
				ch := Choice{Value: c.ID, Names: map[string]string{}}
				for _, lang := range Languages() {
					ch.Names[lang] = c.Name(lang)
				}
				os.Choices = append(os.Choices, ch)
			}
		}
		s.Options = append(s.Options, os)
	}
	return s
}

// Text writes an invocation of s in the words the core parses: values maps
// option names to what was chosen; members options hold mention tokens
// separated by spaces, integers their decimal form.
func (s Spec) Text(values map[string]string) string {
	words := []string{"/" + strings.Join(s.Path, " ")}
	for _, o := range s.Options {
		v := strings.TrimSpace(values[o.Name])
		if v == "" {
			continue
		}
		if o.Kind == OptionInteger {
			if _, err := strconv.ParseInt(v, 10, 64); err != nil {
				continue
			}
		}
		words = append(words, o.Prefix+v)
	}
	return strings.Join(words, " ")
}
