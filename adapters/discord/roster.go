package discord

import (
	"context"
	"fmt"
	"net/url"
	"strconv"

	"github.com/bwmarrin/discordgo"

	"github.com/entraide/entraide/bot"
)

var _ bot.RoomLister = (*Adapter)(nil)

// membersPage is the most members one list call returns (Discord's cap).
const membersPage = 1000

// RoomMembers implements bot.RoomLister for a community's guild (its
// rooms on Discord are guilds): with the Server Members intent, the
// guild's members, bots left out, a thousand a call; without it, nobody,
// since Discord lets no bot list them: members then count from their
// first use of the bot.
func (a *Adapter) RoomMembers(ctx context.Context, guild string) ([]bot.User, error) {
	if !a.cfg.MembersIntent || !isSnowflake(guild) {
		return nil, nil
	}
	var users []bot.User
	after := ""
	for {
		q := url.Values{"limit": {strconv.Itoa(membersPage)}}
		if after != "" {
			q.Set("after", after)
		}
		var page []*discordgo.Member
		endpoint := discordgo.EndpointGuildMembers(guild) + "?" + q.Encode()
		if err := a.requestJSON(ctx, "GET", endpoint, discordgo.EndpointGuildMembers(guild), nil, nil, &page); err != nil {
			return nil, fmt.Errorf("discord: members of guild %s: %w", guild, err)
		}
		for _, m := range page {
			if m.User == nil {
				continue
			}
			after = m.User.ID
			if m.User.Bot {
				continue
			}
			users = append(users, userOf(m.User))
		}
		if len(page) < membersPage {
			return users, nil
		}
	}
}
