package discord

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/bwmarrin/discordgo"
	"github.com/entraide/entraide/bot"
)

// Discord's limits on application commands.
const (
	maxChoices     = 25
	maxDescription = 100
	maxChoiceName  = 100
	maxChoiceValue = 100
)

// localeFR is Discord's locale for French; English is the default name.
const localeFR = discordgo.French

// commandName is what Discord accepts as a command or option name.
var commandName = regexp.MustCompile(`^[-_\p{Ll}\p{Lo}\p{N}]{1,32}$`)

// registerCommands writes the guild's commands with one bulk overwrite:
// Discord replaces the guild's set with exactly this one, so registering
// again at each start-up is idempotent. It runs once per guild and process;
// a failure is retried at the next READY or GUILD_CREATE.
func (a *Adapter) registerCommands(ctx context.Context, inbox bot.Inbox, guild string) {
	cat, ok := inbox.(bot.CommandCatalog)
	if !ok {
		return
	}
	a.regMu.Lock()
	defer a.regMu.Unlock()
	a.mu.Lock()
	done := a.registered[guild]
	a.mu.Unlock()
	if done {
		return
	}
	_, app := a.identity()
	if app == "" {
		return // before READY: its handler registers every guild
	}
	log := a.log.With("guild", guild)
	specs := cat.Specs(Platform, guild)
	cmds, err := buildCommands(specs, func(msg string, args ...any) { log.Warn(msg, args...) })
	if err != nil {
		log.Error("the slash commands break Discord's rules", "err", err)
		return
	}
	var created []discordgo.ApplicationCommand
	endpoint := discordgo.EndpointApplicationGuildCommands(app, guild)
	if err := a.requestJSON(ctx, "PUT", endpoint, endpoint, cmds, nil, &created); err != nil {
		log.Error("could not register the slash commands", "err", err)
		return
	}
	a.mu.Lock()
	a.registered[guild] = true
	a.specs[guild] = specs
	a.mu.Unlock()
	log.Info("slash commands registered", "commands", len(created))
}

// Commands are the slash commands registered for a catalogue, exactly as
// sent to Discord; the error names what breaks Discord's rules (a
// configured category too long for a choice).
func Commands(specs []bot.Spec, warn func(string, ...any)) ([]*discordgo.ApplicationCommand, error) {
	return buildCommands(specs, warn)
}

// checkCatalogue refuses to start with commands Discord would refuse: the
// error says which setting to fix.
func (a *Adapter) checkCatalogue(inbox bot.Inbox) error {
	cat, ok := inbox.(bot.CommandCatalog)
	if !ok {
		return nil
	}
	for _, g := range a.cfg.Guilds {
		if _, err := buildCommands(cat.Specs(Platform, g), func(string, ...any) {}); err != nil {
			return fmt.Errorf("discord: the commands of guild %s: %w", g, err)
		}
	}
	return nil
}

// specsOf is the command catalogue of a guild: the one registered there,
// or the core's current one.
func (a *Adapter) specsOf(inbox bot.Inbox, guild string) []bot.Spec {
	a.mu.Lock()
	specs, ok := a.specs[guild]
	a.mu.Unlock()
	if ok {
		return specs
	}
	if cat, ok := inbox.(bot.CommandCatalog); ok {
		return cat.Specs(Platform, guild)
	}
	return nil
}

// buildCommands turns the core's catalogue into Discord commands: a spec
// whose path has one word is a command, specs sharing a first word are the
// subcommands of a group ("/commons give"), described as the group.
// Moderator commands stay visible to everyone (no
// default_member_permissions): the core refuses non-moderators with a
// reply that says why, and moderators are the community's, not Discord
// roles. What the configuration can break (a category's name or value
// beyond Discord's 100 characters) is an error, not a silent cut.
func buildCommands(specs []bot.Spec, warn func(string, ...any)) ([]*discordgo.ApplicationCommand, error) {
	var out []*discordgo.ApplicationCommand
	top := map[string]*discordgo.ApplicationCommand{}
	group := map[string]bool{}
	for _, s := range specs {
		if len(s.Path) == 0 || len(s.Path) > 3 {
			warn("a command Discord cannot represent was left out", "command", strings.Join(s.Path, " "))
			continue
		}
		cmd, ok := top[s.Path[0]]
		if !ok {
			desc := groupDescriptions(s, 0)
			cmd = &discordgo.ApplicationCommand{
				Type:                     discordgo.ChatApplicationCommand,
				Name:                     s.Path[0],
				NameLocalizations:        locales(localizedName(s.Names, 0, warn)),
				Description:              description(desc["en"], s.Path[0]),
				DescriptionLocalizations: locales(localizedDescription(desc)),
				Options:                  []*discordgo.ApplicationCommandOption{},
			}
			top[s.Path[0]] = cmd
			group[s.Path[0]] = len(s.Path) > 1
			out = append(out, cmd)
		} else if !group[s.Path[0]] || len(s.Path) == 1 {
			// Discord has no command that is also a group.
			warn("a command clashes with another of the same name and was left out", "command", strings.Join(s.Path, " "))
			continue
		}
		opts, err := options(s.Options, warn)
		if err != nil {
			return nil, fmt.Errorf("/%s: %w", strings.Join(s.Path, " "), err)
		}
		if len(s.Path) == 1 {
			cmd.Options = opts
			continue
		}
		parent := &cmd.Options
		for depth := 1; depth < len(s.Path)-1; depth++ {
			parent = &subOption(parent, s, depth, discordgo.ApplicationCommandOptionSubCommandGroup, warn).Options
		}
		leaf := subOption(parent, s, len(s.Path)-1, discordgo.ApplicationCommandOptionSubCommand, warn)
		leaf.Options = opts
	}
	return out, nil
}

// groupDescriptions describe the path's word at depth, by language: its
// group's own description, or the command's for its last word.
func groupDescriptions(s bot.Spec, depth int) map[string]string {
	if depth == len(s.Path)-1 {
		return s.Descriptions
	}
	out := map[string]string{}
	for lang, ds := range s.GroupDescriptions {
		if depth < len(ds) {
			out[lang] = ds[depth]
		}
	}
	if out["en"] == "" {
		return s.Descriptions
	}
	return out
}

// subOption finds or adds the subcommand (group) named s.Path[depth].
func subOption(parent *[]*discordgo.ApplicationCommandOption, s bot.Spec, depth int, typ discordgo.ApplicationCommandOptionType, warn func(string, ...any)) *discordgo.ApplicationCommandOption {
	for _, o := range *parent {
		if o.Name == s.Path[depth] {
			return o
		}
	}
	desc := groupDescriptions(s, depth)
	o := &discordgo.ApplicationCommandOption{
		Type:                     typ,
		Name:                     s.Path[depth],
		NameLocalizations:        localizedName(s.Names, depth, warn),
		Description:              description(desc["en"], s.Path[depth]),
		DescriptionLocalizations: localizedDescription(desc),
	}
	*parent = append(*parent, o)
	return o
}

// options maps the core's option kinds to Discord's types. Required
// options come first, as Discord demands; the text form keeps the core's
// order, since Spec.Text writes it.
func options(specs []bot.OptionSpec, warn func(string, ...any)) ([]*discordgo.ApplicationCommandOption, error) {
	required := []*discordgo.ApplicationCommandOption{}
	var optional []*discordgo.ApplicationCommandOption
	for _, s := range specs {
		o := &discordgo.ApplicationCommandOption{
			Name:                     s.Name,
			NameLocalizations:        optionNames(s, warn),
			Description:              description(s.Descriptions["en"], s.Name),
			DescriptionLocalizations: localizedDescription(s.Descriptions),
			Required:                 s.Required,
		}
		switch s.Kind {
		case bot.OptionMember:
			o.Type = discordgo.ApplicationCommandOptionUser
		case bot.OptionInteger:
			o.Type = discordgo.ApplicationCommandOptionInteger
			one := 1.0
			o.MinValue = &one
		case bot.OptionCategory:
			o.Type = discordgo.ApplicationCommandOptionString
			if len(s.Choices) > maxChoices {
				// More than Discord lists: as a member types, Discord asks
				// the adapter for the choices that match (see completions).
				o.Autocomplete = true
			} else {
				for _, c := range s.Choices {
					o.Choices = append(o.Choices, &discordgo.ApplicationCommandOptionChoice{
						Name:              choiceName(c, "en"),
						NameLocalizations: map[discordgo.Locale]string{localeFR: choiceName(c, "fr")},
						Value:             c.Value,
					})
				}
			}
			if err := checkChoices(s.Choices); err != nil {
				return nil, err
			}
		default:
			// Free text, and members: a string that takes several <@id>
			// mentions, since a USER option holds only one member.
			o.Type = discordgo.ApplicationCommandOptionString
		}
		if s.Complete != bot.CompleteNone {
			// The core offers its values as the member types (open
			// proposals, groups): see completions.
			o.Autocomplete = true
		}
		if s.Required {
			required = append(required, o)
		} else {
			optional = append(optional, o)
		}
	}
	return append(required, optional...), nil
}

// checkChoices refuses the categories Discord cannot offer: a value or a
// name (in any language) of more than 100 characters, or an empty one.
func checkChoices(cs []bot.Choice) error {
	for _, c := range cs {
		if n := utf8.RuneCountInString(c.Value); n == 0 || n > maxChoiceValue {
			return fmt.Errorf("the category %q: its id must have 1 to %d characters for Discord (it has %d)", c.Value, maxChoiceValue, n)
		}
		for _, lang := range []string{"en", "fr"} {
			if n := utf8.RuneCountInString(choiceName(c, lang)); n > maxChoiceName {
				return fmt.Errorf("the category %q: its %s name must have at most %d characters for Discord (it has %d)", c.Value, lang, maxChoiceName, n)
			}
		}
	}
	return nil
}

func choiceName(c bot.Choice, lang string) string {
	if n := c.Names[lang]; n != "" {
		return n
	}
	return c.Value
}

func localizedName(names map[string][]string, depth int, warn func(string, ...any)) map[discordgo.Locale]string {
	fr := names["fr"]
	if depth >= len(fr) {
		return nil
	}
	return validName(fr[depth], warn)
}

func optionNames(s bot.OptionSpec, warn func(string, ...any)) map[discordgo.Locale]string {
	return validName(s.Names["fr"], warn)
}

func validName(name string, warn func(string, ...any)) map[discordgo.Locale]string {
	name = strings.ToLower(name)
	if name == "" {
		return nil
	}
	if !commandName.MatchString(name) {
		warn("a French command name Discord would refuse was left out", "name", name)
		return nil
	}
	return map[discordgo.Locale]string{localeFR: name}
}

func localizedDescription(d map[string]string) map[discordgo.Locale]string {
	if d["fr"] == "" {
		return nil
	}
	return map[discordgo.Locale]string{localeFR: truncate(d["fr"], maxDescription)}
}

// description is never empty: Discord requires one.
func description(d, fallback string) string {
	if strings.TrimSpace(d) == "" {
		d = fallback
	}
	return truncate(d, maxDescription)
}

// truncate cuts s to at most n characters, marking the cut.
func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// locales is m as the pointer discordgo's command fields want.
func locales(m map[discordgo.Locale]string) *map[discordgo.Locale]string {
	if len(m) == 0 {
		return nil
	}
	return &m
}

// invocation reads the command path and the chosen options out of a slash
// command: subcommands are options of type SUB_COMMAND(_GROUP).
func invocation(d discordgo.ApplicationCommandInteractionData) (path []string, opts []*discordgo.ApplicationCommandInteractionDataOption) {
	path = []string{d.Name}
	opts = d.Options
	for len(opts) == 1 && (opts[0].Type == discordgo.ApplicationCommandOptionSubCommand || opts[0].Type == discordgo.ApplicationCommandOptionSubCommandGroup) {
		path = append(path, opts[0].Name)
		opts = opts[0].Options
	}
	return path, opts
}

// optionValues writes each chosen option as the core's text form wants it:
// a member as its <@id> mention, numbers in decimal, text as typed.
func optionValues(opts []*discordgo.ApplicationCommandInteractionDataOption) map[string]string {
	values := map[string]string{}
	for _, o := range opts {
		switch o.Type {
		case discordgo.ApplicationCommandOptionUser, discordgo.ApplicationCommandOptionMentionable:
			if id, ok := o.Value.(string); ok && isSnowflake(id) {
				values[o.Name] = "<@" + id + ">"
			}
		case discordgo.ApplicationCommandOptionInteger:
			if f, ok := o.Value.(float64); ok {
				values[o.Name] = strconv.FormatInt(int64(f), 10)
			}
		case discordgo.ApplicationCommandOptionString:
			if s, ok := o.Value.(string); ok {
				values[o.Name] = s
			}
		default:
			values[o.Name] = fmt.Sprint(o.Value)
		}
	}
	return values
}

// findSpec is the spec invoked by path.
func findSpec(specs []bot.Spec, path []string) (bot.Spec, bool) {
	for _, s := range specs {
		if strings.Join(s.Path, " ") == strings.Join(path, " ") {
			return s, true
		}
	}
	return bot.Spec{}, false
}

// commandText is the text the core parses for a slash command, and
// whether its answers are private (the core's Spec says).
func commandText(specs []bot.Spec, d discordgo.ApplicationCommandInteractionData) (text string, path []string, private bool) {
	path, opts := invocation(d)
	spec, ok := findSpec(specs, path)
	if !ok {
		// Registered by an older catalogue: let the core answer it.
		spec = bot.Spec{Path: path}
	}
	return spec.Text(optionValues(opts)), path, spec.Private
}

// completions answers an autocomplete request: the values the core
// offers for the option (open proposals, groups), or the categories whose
// name (in the member's language) contains what they typed; at most
// Discord's 25.
func completions(ctx context.Context, inbox bot.Inbox, specs []bot.Spec, i *discordgo.Interaction) []*discordgo.ApplicationCommandOptionChoice {
	d := i.ApplicationCommandData()
	path, opts := invocation(d)
	spec, ok := findSpec(specs, path)
	if !ok {
		return nil
	}
	lang := "en"
	if strings.HasPrefix(string(i.Locale), "fr") {
		lang = "fr"
	}
	var focused *discordgo.ApplicationCommandInteractionDataOption
	for _, o := range opts {
		if o.Focused {
			focused = o
		}
	}
	if focused == nil {
		return nil
	}
	typed := strings.TrimSpace(fmt.Sprint(focused.Value))
	var out []*discordgo.ApplicationCommandOptionChoice
	for _, o := range spec.Options {
		if o.Name != focused.Name {
			continue
		}
		choices := o.Choices
		if o.Complete != bot.CompleteNone {
			c, ok := inbox.(bot.Completer)
			if !ok {
				return nil
			}
			choices = c.Complete(ctx, Platform, i.GuildID, o.Complete, typed, lang)
			typed = "" // the core matched already
		}
		typed = strings.ToLower(typed)
		for _, c := range choices {
			name := choiceName(c, lang)
			if typed != "" && !strings.Contains(strings.ToLower(name), typed) && !strings.Contains(strings.ToLower(c.Value), typed) {
				continue
			}
			var value any = c.Value
			if o.Kind == bot.OptionInteger {
				n, err := strconv.Atoi(c.Value)
				if err != nil {
					continue
				}
				value = n
			}
			out = append(out, &discordgo.ApplicationCommandOptionChoice{Name: truncate(name, maxChoiceName), Value: value})
			if len(out) == maxChoices {
				return out
			}
		}
	}
	return out
}
