package bot

import "strings"

func cmdHelp(r *request) error {
	if len(r.args) > 0 {
		name := strings.TrimLeft(r.args[0], "/!")
		rest := strings.Join(r.args[1:], " ")
		cmd, _ := r.bot.find(r.bot.commands, name, rest)
		if cmd == nil {
			return r.bot.unknownCommand(name, rest)
		}
		lines := []string{r.tr.S(cmd.Summary, nil), r.tr.S(msgUsage, map[string]any{"Usage": r.tr.S(cmd.Usage, nil)})}
		if len(cmd.Aliases) > 0 {
			names := []string{cmd.Name}
			names = append(names, cmd.Aliases...)
			lines = append(lines, r.tr.S(msgHelpAliases, map[string]any{"Names": "/" + strings.Join(names, ", /")}))
		}
		if cmd.Moderator {
			lines = append(lines, r.tr.S(msgHelpModerators, nil))
		}
		for _, s := range cmd.Sub {
			if s.Hidden {
				continue
			}
			lines = append(lines, "  "+r.tr.S(s.Usage, nil)+" — "+r.tr.S(s.Summary, nil))
		}
		r.reply(Reply{Text: strings.Join(lines, "\n"), Private: true})
		return nil
	}
	lines := []string{r.tr.S(msgHelpHeader, map[string]any{"Community": r.com.Name})}
	lines = append(lines, helpOverview(r.tr, r.bot.commands)...)
	lines = append(lines, r.tr.S(msgHelpFooter, nil))
	r.reply(Reply{Text: strings.Join(lines, "\n"), Private: true})
	return nil
}

// helpThemes group the commands for /help's overview, so that it fits one
// chat message; /help <command> gives the details.
var helpThemes = []struct {
	title    string
	commands []string
}{
	{msgHelpThemeBank, []string{"give", "balance", "history", "undo", "reverse", "commons", "export", "link", "unlink"}},
	{msgHelpThemeDecisions, []string{"propose", "consent", "concern", "standaside", "object", "withdraw", "amend", "resolve", "close", "proposal", "decisions"}},
	{msgHelpThemeGroups, []string{"group", "remind"}},
	{msgHelpThemeAid, []string{"need", "offer", "find"}},
	{msgHelpThemeJournal, []string{"newsletter", "news"}},
	{msgHelpThemeMediation, []string{"conflict", "council"}},
}

// helpOverview is one line per theme: its title and its commands' names
// in the community's language.
func helpOverview(tr Tr, cs []*Command) []string {
	byName := map[string]*Command{}
	for _, c := range cs {
		byName[c.Name] = c
	}
	var lines []string
	for _, th := range helpThemes {
		var names []string
		for _, n := range th.commands {
			if c, ok := byName[n]; ok {
				names = append(names, c.path(tr.Lang()))
			}
		}
		if len(names) > 0 {
			lines = append(lines, tr.S(msgHelpTheme, map[string]any{"Name": tr.S(th.title, nil), "List": strings.Join(names, " ")}))
		}
	}
	return lines
}
