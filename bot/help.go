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
	var walk func(cs []*Command)
	walk = func(cs []*Command) {
		for _, c := range cs {
			if c.Run != nil && !c.Hidden {
				line := "  " + r.tr.S(c.Usage, nil) + " — " + r.tr.S(c.Summary, nil)
				if c.Moderator {
					line += " " + r.tr.S(msgHelpModeratorMark, nil)
				}
				lines = append(lines, line)
			}
			walk(c.Sub)
		}
	}
	walk(r.bot.commands)
	lines = append(lines, r.tr.S(msgHelpFooter, nil))
	r.reply(Reply{Text: strings.Join(lines, "\n"), Private: true})
	return nil
}
