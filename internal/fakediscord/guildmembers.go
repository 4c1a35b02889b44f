package fakediscord

import (
	"net/http"
	"slices"
	"strconv"
)

// The Server Members intent is privileged: listing a guild's members
// over REST, and asking the gateway for GUILD_MEMBERS (1 << 1), need it
// enabled in the Developer Portal (GuildMembersIntent). Without it the
// gateway closes with 4014 and the list answers 403, Missing Access.

const intentGuildMembers = 1 << 1

// listGuildMembers is GET /guilds/{id}/members?limit=&after=: members in
// ascending user ID after "after", at most limit (1 to 1000, 1 when left
// out).
func (f *Server) listGuildMembers(w http.ResponseWriter, r *http.Request, guildID string) {
	g := f.guild(guildID)
	if g == nil || f.Left[g.ID] {
		apiError(w, 404, codeUnknownGuild, "Unknown Guild")
		return
	}
	if !f.GuildMembersIntent {
		apiError(w, 403, 50001, "Missing Access")
		return
	}
	q := r.URL.Query()
	limit := 1
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 1000 {
			apiError(w, 400, 50035, "Invalid Form Body")
			return
		}
		limit = n
	}
	after := uint64(0)
	if s := q.Get("after"); s != "" {
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			apiError(w, 400, 50035, "Invalid Form Body")
			return
		}
		after = n
	}
	ids := slices.Clone(g.Members)
	slices.SortFunc(ids, func(a, b string) int {
		x, _ := strconv.ParseUint(a, 10, 64)
		y, _ := strconv.ParseUint(b, 10, 64)
		switch {
		case x < y:
			return -1
		case x > y:
			return 1
		}
		return 0
	})
	out := []any{}
	for _, id := range ids {
		if n, _ := strconv.ParseUint(id, 10, 64); n <= after {
			continue
		}
		if len(out) == limit {
			break
		}
		if u := f.Users[id]; u != nil {
			out = append(out, f.memberJSON(u, true))
		}
	}
	writeJSON(w, 200, out)
}
