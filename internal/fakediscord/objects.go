package fakediscord

import "strconv"

func (f *Server) guildJSON(g *Guild) map[string]any {
	var channels, threads []map[string]any
	for _, c := range f.Channels {
		if c.GuildID != g.ID {
			continue
		}
		if c.Type == 11 || c.Type == 12 {
			threads = append(threads, f.channelJSON(c))
		} else {
			channels = append(channels, f.channelJSON(c))
		}
	}
	return map[string]any{
		"id": g.ID, "name": g.Name, "unavailable": false, "system_channel_id": g.SystemChannel,
		"channels": channels, "threads": threads, "members": []any{}, "roles": f.rolesJSON(g), "owner_id": f.ownerOf(g),
		"joined_at": fakeTimestamp, "member_count": len(g.Members),
	}
}

func (u *User) json() map[string]any {
	m := map[string]any{"id": u.ID, "username": u.Username, "discriminator": "0", "avatar": nil, "bot": u.Bot, "global_name": nil}
	if u.GlobalName != "" {
		m["global_name"] = u.GlobalName
	}
	return m
}

// rolesJSON are the guild's roles: @everyone (the guild's ID) and the
// bot's.
func (f *Server) rolesJSON(g *Guild) []any {
	role := func(id, name string, perms int64) map[string]any {
		return map[string]any{"id": id, "name": name, "permissions": strconv.FormatInt(perms, 10), "position": 0,
			"color": 0, "hoist": false, "managed": false, "mentionable": false}
	}
	return []any{role(g.ID, "@everyone", g.EveryonePerms), role(g.BotRole, "Entraide", g.BotPerms)}
}

// ownerOf is the guild's owner: its first member who is not the bot.
func (f *Server) ownerOf(g *Guild) string {
	for _, m := range g.Members {
		if m != f.Bot.ID {
			return m
		}
	}
	return "1"
}

func (f *Server) memberJSON(u *User, withUser bool) map[string]any {
	roles := []any{}
	if u == f.Bot {
		for _, g := range f.Guilds {
			roles = append(roles, g.BotRole)
		}
	}
	m := map[string]any{"roles": roles, "joined_at": fakeTimestamp, "deaf": false, "mute": false, "nick": nil}
	if withUser {
		m["user"] = u.json()
	}
	return m
}

func (f *Server) channelJSON(c *Channel) map[string]any {
	m := map[string]any{"id": c.ID, "type": c.Type, "name": c.Name}
	if c.GuildID != "" {
		m["guild_id"] = c.GuildID
	}
	if c.ParentID != "" {
		m["parent_id"] = c.ParentID
		m["owner_id"] = f.Bot.ID
		meta := map[string]any{"archived": c.Archived, "locked": false, "auto_archive_duration": c.AutoArchive,
			"archive_timestamp": fakeTimestamp}
		if c.Invitable != nil {
			meta["invitable"] = *c.Invitable
		}
		m["thread_metadata"] = meta
	}
	if c.GuildID != "" && c.ParentID == "" {
		ows := []any{}
		for _, o := range c.Overwrites {
			ows = append(ows, map[string]any{"id": o.ID, "type": o.Type,
				"allow": strconv.FormatInt(o.Allow, 10), "deny": strconv.FormatInt(o.Deny, 10)})
		}
		m["permission_overwrites"] = ows
	}
	if c.DMUser != "" {
		m["recipients"] = []any{f.Users[c.DMUser].json()}
	}
	return m
}
