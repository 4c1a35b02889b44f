package fakediscord

import "regexp"

// Message formatting as Discord documents it: a user is mentioned as
// <@USER_ID>, and older clients write <@!USER_ID>. A role is <@&ROLE_ID>
// and pings nobody by name.
var userMention = regexp.MustCompile(`<@!?([0-9]{17,20})>`)

// mentionedUsers lists the user IDs content mentions, once each, in order.
func mentionedUsers(content string) []string {
	var out []string
	seen := map[string]bool{}
	for _, m := range userMention.FindAllStringSubmatch(content, -1) {
		if !seen[m[1]] {
			seen[m[1]] = true
			out = append(out, m[1])
		}
	}
	return out
}
