package bot

import "context"

// Target says where a reply goes.
type Target struct {
	Room    string
	Thread  string
	ReplyTo string // the event being answered, if any
	User    User   // the member a private reply is for
}

// MessageID is a platform's ID of a message the bot posted ("" where the
// platform has none, as on the console).
type MessageID string

// TargetOf is where replies to m go.
func TargetOf(m Message) Target {
	return Target{Room: m.Room, Thread: m.Thread, ReplyTo: m.ID, User: m.Sender}
}

// Inbox receives the messages an adapter hears. Receive must be safe for
// concurrent use; it returns once every reply has been handed to the adapter.
type Inbox interface {
	Receive(ctx context.Context, from Adapter, m Message)
}

// Adapter connects one platform. Send posts plain text with its mentions;
// everything richer is an optional capability below, checked by type
// assertion, with a text fallback in the core.
type Adapter interface {
	Platform() string
	// Run listens until ctx ends, handing every message to the inbox.
	Run(ctx context.Context, inbox Inbox) error
	// Send posts r.Text to t; it retries what the platform asks to retry
	// and returns an error only when the reply could not be delivered.
	Send(ctx context.Context, t Target, r Reply) (MessageID, error)
}

// PrivateSender answers a member so that only they see it (an ephemeral
// reply, a direct message).
type PrivateSender interface {
	SendPrivate(ctx context.Context, t Target, r Reply) (MessageID, error)
}

// ButtonSender shows r.Buttons as native choices.
type ButtonSender interface {
	SendButtons(ctx context.Context, t Target, r Reply) (MessageID, error)
}

// FileSender uploads r.File (images shown inline where the platform can).
type FileSender interface {
	SendFile(ctx context.Context, t Target, r Reply) (MessageID, error)
}

// ThreadOpener starts a thread in t.Room, on the message t.ReplyTo when it
// is set (a message the bot posted, such as a proposal card).
type ThreadOpener interface {
	OpenThread(ctx context.Context, t Target, title string) (thread string, err error)
}

// Editor replaces the text (and buttons) of a message the bot posted, such
// as a tally updated in place.
type Editor interface {
	Edit(ctx context.Context, t Target, id MessageID, r Reply) error
}

// PrivateSpaceCreator makes a space only the named members (and the bot)
// can read, which they cannot open to others.
type PrivateSpaceCreator interface {
	CreatePrivateSpace(ctx context.Context, name string, members []User) (room string, err error)
}
