package fakediscord

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"unicode/utf8"
)

// The rules of application commands, from Discord's documentation
// (Application Commands: naming, structure, limits).
const (
	maxGuildCommands  = 100
	maxOptions        = 25
	maxChoices        = 25
	maxDescription    = 100
	maxChoiceName     = 100
	maxChoiceValue    = 100
	maxCommandSize    = 8000 // names, descriptions and values, per command
	typeSubCommand    = 1
	typeSubGroup      = 2
	typeChatInput     = 1
	optionTypeString  = 3
	optionTypeInteger = 4
	optionTypeUser    = 6
)

// commandName is the documented CHAT_INPUT naming rule; such names must
// also be lowercase wherever the script has case.
var commandName = regexp.MustCompile(`^[-_'\p{L}\p{N}\p{Devanagari}\p{Thai}]{1,32}$`)

// locales are the locale keys Discord accepts in localization maps.
var locales = map[string]bool{
	"id": true, "da": true, "de": true, "en-GB": true, "en-US": true, "es-ES": true, "es-419": true, "fr": true,
	"hr": true, "it": true, "lt": true, "hu": true, "nl": true, "no": true, "pl": true, "pt-BR": true, "ro": true,
	"fi": true, "sv-SE": true, "vi": true, "tr": true, "cs": true, "el": true, "bg": true, "ru": true, "uk": true,
	"hi": true, "th": true, "zh-CN": true, "ja": true, "zh-TW": true, "ko": true,
}

// commandProblem is one broken rule: where (Discord's error path) and why.
type commandProblem struct{ path, code, msg string }

func problem(path, code, format string, args ...any) *commandProblem {
	return &commandProblem{path: path, code: code, msg: fmt.Sprintf(format, args...)}
}

func (f *Server) putCommands(w http.ResponseWriter, app, guild string, body []byte) {
	if app != f.AppID {
		apiError(w, 404, codeUnknownApplication, "Unknown Application")
		return
	}
	if f.guild(guild) == nil {
		apiError(w, 404, codeUnknownGuild, "Unknown Guild")
		return
	}
	var cmds []CommandDef
	if err := json.Unmarshal(body, &cmds); err != nil {
		formError(w, "_root", "MODEL_TYPE_CONVERT", err.Error())
		return
	}
	if p := checkCommands(cmds); p != nil {
		formError(w, p.path, p.code, p.msg)
		return
	}
	for i := range cmds {
		cmds[i].ID = f.NewID()
	}
	f.Commands[guild] = cmds
	f.CommandPuts[guild]++
	out, _ := json.Marshal(cmds)
	var generic []map[string]any
	_ = json.Unmarshal(out, &generic)
	for _, c := range generic {
		c["application_id"], c["guild_id"], c["version"] = f.AppID, guild, f.NewID()
	}
	writeJSON(w, 200, generic)
}

// checkCommands applies the documented rules to a bulk overwrite.
func checkCommands(cmds []CommandDef) *commandProblem {
	if len(cmds) > maxGuildCommands {
		return problem("_root", "BASE_TYPE_MAX_LENGTH", "must be %d or fewer in length", maxGuildCommands)
	}
	names := map[string]string{} // locale + name → command
	for i, c := range cmds {
		path := fmt.Sprint(i)
		if c.Type != 0 && c.Type != typeChatInput {
			continue
		}
		if p := checkName(path, c.Name, c.NameLocalizations); p != nil {
			return p
		}
		if p := checkDescription(path, c.Description, c.DescriptionLocalizations); p != nil {
			return p
		}
		for _, key := range namesOf(c.Name, c.NameLocalizations) {
			if other, dup := names[key]; dup {
				return problem(path+".name", "APPLICATION_COMMANDS_DUPLICATE_NAME", "Application command names must be unique (%s and %s)", other, c.Name)
			}
			names[key] = c.Name
		}
		if p := checkOptions(path+".options", c.Options, 0); p != nil {
			return p
		}
		if commandSize(c) > maxCommandSize {
			return problem(path, "APPLICATION_COMMAND_TOO_LARGE", "Command exceeds maximum size (%d)", maxCommandSize)
		}
	}
	return nil
}

// namesOf is each name a command or option answers to, keyed by locale.
func namesOf(name string, loc map[string]string) []string {
	out := []string{"default\x00" + name}
	for l, n := range loc {
		out = append(out, l+"\x00"+n)
	}
	return out
}

func checkName(path, name string, loc map[string]string) *commandProblem {
	bad := func(n string) bool { return !commandName.MatchString(n) || strings.ToLower(n) != n }
	if bad(name) {
		return problem(path+".name", "APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid: %q", name)
	}
	for l, n := range loc {
		if !locales[l] {
			return problem(path+".name_localizations", "INVALID_LOCALE", "%q is not a valid locale", l)
		}
		if bad(n) {
			return problem(path+".name_localizations."+l, "APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid: %q", n)
		}
	}
	return nil
}

func checkDescription(path, d string, loc map[string]string) *commandProblem {
	if n := utf8.RuneCountInString(d); n < 1 || n > maxDescription {
		return problem(path+".description", "BASE_TYPE_BAD_LENGTH", "Must be between 1 and %d in length", maxDescription)
	}
	for l, d := range loc {
		if !locales[l] {
			return problem(path+".description_localizations", "INVALID_LOCALE", "%q is not a valid locale", l)
		}
		if n := utf8.RuneCountInString(d); n < 1 || n > maxDescription {
			return problem(path+".description_localizations."+l, "BASE_TYPE_BAD_LENGTH", "Must be between 1 and %d in length", maxDescription)
		}
	}
	return nil
}

// checkOptions checks one level of options; depth 0 is the command's.
func checkOptions(path string, opts []OptionDef, depth int) *commandProblem {
	if len(opts) > maxOptions {
		return problem(path, "BASE_TYPE_MAX_LENGTH", "Must be %d or fewer in length", maxOptions)
	}
	seenOptional := false
	names := map[string]bool{}
	for i, o := range opts {
		p := fmt.Sprintf("%s.%d", path, i)
		if pr := checkName(p, o.Name, o.NameLocalizations); pr != nil {
			return pr
		}
		if pr := checkDescription(p, o.Description, o.DescriptionLocalizations); pr != nil {
			return pr
		}
		for _, key := range namesOf(o.Name, o.NameLocalizations) {
			if names[key] {
				return problem(p+".name", "APPLICATION_COMMAND_OPTIONS_NAME_ALREADY_EXISTS", "Option names must be unique")
			}
			names[key] = true
		}
		switch o.Type {
		case typeSubGroup:
			if depth > 0 {
				return problem(p+".type", "APPLICATION_COMMAND_OPTIONS_TYPE_INVALID", "Subcommand groups can only be at the top level")
			}
			for j, sub := range o.Options {
				if sub.Type != typeSubCommand {
					return problem(fmt.Sprintf("%s.options.%d.type", p, j), "APPLICATION_COMMAND_OPTIONS_TYPE_INVALID", "A group holds only subcommands")
				}
			}
			if pr := checkOptions(p+".options", o.Options, depth+1); pr != nil {
				return pr
			}
			continue
		case typeSubCommand:
			if depth > 1 {
				return problem(p+".type", "APPLICATION_COMMAND_OPTIONS_TYPE_INVALID", "Subcommands nest at most in one group")
			}
			if pr := checkOptions(p+".options", o.Options, 2); pr != nil {
				return pr
			}
			continue
		}
		if len(o.Options) > 0 {
			return problem(p+".options", "APPLICATION_COMMAND_OPTIONS_TYPE_INVALID", "Only subcommands and groups have options")
		}
		if o.Required && seenOptional {
			return problem(p+".required", "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID", "Required options must be placed before non-required options")
		}
		seenOptional = seenOptional || !o.Required
		if len(o.Choices) > maxChoices {
			return problem(p+".choices", "BASE_TYPE_MAX_LENGTH", "Must be %d or fewer in length", maxChoices)
		}
		if len(o.Choices) > 0 && o.Autocomplete {
			return problem(p+".autocomplete", "APPLICATION_COMMAND_AUTOCOMPLETE_INVALID", "Autocomplete cannot be set with choices")
		}
		for j, c := range o.Choices {
			cp := fmt.Sprintf("%s.choices.%d", p, j)
			if n := utf8.RuneCountInString(c.Name); n < 1 || n > maxChoiceName {
				return problem(cp+".name", "BASE_TYPE_BAD_LENGTH", "Must be between 1 and %d in length", maxChoiceName)
			}
			for l, n := range c.NameLocalizations {
				if !locales[l] {
					return problem(cp+".name_localizations", "INVALID_LOCALE", "%q is not a valid locale", l)
				}
				if k := utf8.RuneCountInString(n); k < 1 || k > maxChoiceName {
					return problem(cp+".name_localizations."+l, "BASE_TYPE_BAD_LENGTH", "Must be between 1 and %d in length", maxChoiceName)
				}
			}
			if s, ok := c.Value.(string); ok && (utf8.RuneCountInString(s) < 1 || utf8.RuneCountInString(s) > maxChoiceValue) {
				return problem(cp+".value", "BASE_TYPE_BAD_LENGTH", "Must be between 1 and %d in length", maxChoiceValue)
			}
		}
	}
	return nil
}

// commandSize counts what Discord counts against a command's size: its
// names, descriptions and choice values, the longest localization of each.
func commandSize(c CommandDef) int {
	n := longest(c.Name, c.NameLocalizations) + longest(c.Description, c.DescriptionLocalizations)
	var opts func([]OptionDef)
	opts = func(os []OptionDef) {
		for _, o := range os {
			n += longest(o.Name, o.NameLocalizations) + longest(o.Description, o.DescriptionLocalizations)
			for _, ch := range o.Choices {
				n += longest(ch.Name, ch.NameLocalizations) + utf8.RuneCountInString(fmt.Sprint(ch.Value))
			}
			opts(o.Options)
		}
	}
	opts(c.Options)
	return n
}

func longest(s string, loc map[string]string) int {
	n := utf8.RuneCountInString(s)
	for _, v := range loc {
		n = max(n, utf8.RuneCountInString(v))
	}
	return n
}
