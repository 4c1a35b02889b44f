package discord

import "github.com/entraide/entraide/internal/fakediscord"

// The tests drive the adapter against the independent fake Discord.
type (
	fakeDiscord = fakediscord.Server
	fakeUser    = fakediscord.User
	fakeMessage = fakediscord.Message
	commandDef  = fakediscord.CommandDef
	optionDef   = fakediscord.OptionDef
	option      = fakediscord.Option
	payload     = fakediscord.Payload
)

var (
	newFakeDiscord = fakediscord.New
	opt            = fakediscord.Opt
)
