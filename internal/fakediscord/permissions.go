package fakediscord

// Permission bits, from Discord's documentation.
const (
	permCreateInstantInvite   int64 = 1 << 0
	permViewChannel           int64 = 1 << 10
	permSendMessages          int64 = 1 << 11
	permEmbedLinks            int64 = 1 << 14
	permAttachFiles           int64 = 1 << 15
	permReadHistory           int64 = 1 << 16
	permUseCommands           int64 = 1 << 31
	permManageThreads         int64 = 1 << 34
	permCreatePublicThreads   int64 = 1 << 35
	permCreatePrivateThreads  int64 = 1 << 36
	permSendMessagesInThreads int64 = 1 << 38
)

// BotPermissions is what the bot's role holds in a new guild: what its
// invite link asks for.
const BotPermissions = permViewChannel | permSendMessages | permSendMessagesInThreads | permCreatePublicThreads |
	permCreatePrivateThreads | permManageThreads | permAttachFiles | permEmbedLinks | permReadHistory | permUseCommands

// Deny takes perms away from the bot's role on a channel (a permission
// overwrite, as a server admin sets it).
func (f *Server) Deny(channel string, perms int64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	ch := f.Channels[channel]
	g := f.guild(ch.GuildID)
	ch.Overwrites = append(ch.Overwrites, Overwrite{ID: g.BotRole, Type: 0, Deny: perms})
}

// botCan reports whether the bot holds perms in a channel (a thread takes
// its parent's), computed as Discord documents: @everyone, then the roles,
// then the channel's overwrites for @everyone and for the roles.
func (f *Server) botCan(channel string, perms int64) bool {
	ch := f.Channels[channel]
	if ch == nil || ch.GuildID == "" {
		return true
	}
	if ch.ParentID != "" {
		ch = f.Channels[ch.ParentID]
	}
	g := f.guild(ch.GuildID)
	have := g.EveryonePerms | g.BotPerms
	var allow, deny int64
	for _, o := range ch.Overwrites {
		switch o.ID {
		case g.ID:
			have = have&^o.Deny | o.Allow
		case g.BotRole:
			allow, deny = allow|o.Allow, deny|o.Deny
		}
	}
	have = have&^deny | allow
	return have&perms == perms
}
