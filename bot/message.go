// Package bot is Entraide's platform-neutral core: it turns a Message heard
// on any platform into ledger operations and Replies in the community's
// language. It never parses platform syntax; adapters resolve mentions.
package bot

// User is a platform account as an adapter sees it: ID is the platform's
// immutable user ID, Name only a display name.
type User struct {
	ID   string
	Name string
}

// Mention is a member named in a text. Text is the single whitespace-free
// token that stands for them in Message.Text or Reply.Text ("@ana",
// "<@123>", "@bob:example.org"), so the core can find them without knowing
// the platform's syntax and the adapter can render them as a ping.
type Mention struct {
	Text  string
	User  User
	IsBot bool // the mention names the bot itself
}

// Message is one thing a member said to the bot.
type Message struct {
	ID       string // platform event ID: the idempotency key of what it writes
	Platform string
	Space    string // guild or server, when the platform has one
	Room     string
	Thread   string
	Sender   User
	Text     string
	Mentions []Mention
	// Ambiguous are "@name" tokens that fit several members; the core asks
	// which one was meant instead of guessing.
	Ambiguous []Ambiguity
	Direct    bool // said in a private conversation with the bot
	// Local is true for what the operator types on the bot's own machine
	// (the console): flood limits guard shared rooms, not the operator.
	Local bool
}

// Ambiguity is a name in a message that more than one member answers to.
type Ambiguity struct {
	Text       string
	Candidates []User
}

// Button is a choice offered under a reply; pressing it sends Payload back
// as if the member had typed it.
type Button struct {
	Label   string
	Payload string
	// Emoji stands for the button where choices are reactions (Matrix).
	Emoji string
	// Ask, when set, is the question to ask before sending: the answer is
	// appended to Payload (a modal on Discord, a prompt in the thread on
	// Matrix).
	Ask string
}

// File is an attachment: a CSV statement or a PNG chart.
type File struct {
	Name string
	MIME string
	Data []byte
	// Alt describes an image for who cannot see it.
	Alt string
}

// Reply is what the bot says back.
type Reply struct {
	Text string
	// Mentions are the members Text names; adapters ping exactly these and
	// never a room or a role.
	Mentions []Mention
	// Private asks for an answer only the sender sees, where the platform can.
	Private bool
	Buttons []Button
	File    *File
	// Kind tells an answer to a command (the default) from an
	// announcement that should notify its readers; platforms that show
	// them differently (Matrix: m.notice and m.text) use it.
	Kind Kind
	// Markdown marks Text as Markdown (headings, lists, emphasis), which
	// platforms with rich text render; the others show it as written.
	Markdown bool
	// Card is Text's structure, for platforms that show structured
	// messages (Discord's embeds); the others show Text, which stays
	// complete.
	Card *Card
}

// Card is a reply as a titled body with labelled parts. A platform may
// shorten it to fit its limits, pointing to More for everything; it never
// drops a part marked Keep.
type Card struct {
	Title  string
	Body   string
	Fields []CardField
	Footer string
	// More says where to read the card in full ("/proposal 3").
	More string
}

// CardField is one labelled part of a card.
type CardField struct {
	Name, Value string
	// Keep marks what must never vanish from the card (an objection): it
	// may be shortened, never left out.
	Keep bool
}

// Kind is what a message is to the people who read it.
type Kind int

const (
	// KindAnswer answers a command, or tells what the bot did.
	KindAnswer Kind = iota
	// KindAnnouncement is news for the room: a newsletter, a reminder, a
	// decision's outcome, a mediation's check-in.
	KindAnnouncement
)
