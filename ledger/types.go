package ledger

import (
	"math"
	"time"
)

// Typed IDs keep one kind of row from being passed where another is meant.
type (
	CommunityID int64
	AccountID   int64
	ExchangeID  int64
	OperationID int64
)

// Identity is one platform account: the platform name and its immutable
// user ID. Name is only the display name to record for a new account.
type Identity struct {
	Platform string
	UserID   string
	Name     string
}

// AccountKind tells a member's account from the community's commons.
type AccountKind string

const (
	KindMember  AccountKind = "member"
	KindCommons AccountKind = "commons"
)

// Account is a member's or the commons' position in one community.
type Account struct {
	ID        AccountID
	Community CommunityID
	Kind      AccountKind
	Name      string
	Balance   int64 // minutes
	CreatedAt time.Time
}

// OperationKind is what a command did to the journal.
type OperationKind string

const (
	OpGive    OperationKind = "give"    // a member gave time
	OpCommons OperationKind = "commons" // a moderator paid from the commons
	OpUndo    OperationKind = "undo"    // a giver took back their last gift
	OpReverse OperationKind = "reverse" // a moderator reversed an entry
	OpLink    OperationKind = "link"    // an identity joined another's account
	OpUnlink  OperationKind = "unlink"  // a linked identity got its account back
)

// Exchange is one journal entry: Minutes moved From → To.
type Exchange struct {
	ID         ExchangeID
	Operation  OperationID
	Kind       OperationKind // what recorded it: a gift, an undo, a link…
	Community  CommunityID
	From, To   AccountID
	FromName   string
	ToName     string
	FromKind   AccountKind
	ToKind     AccountKind
	Minutes    int64
	Category   string
	Note       string
	Actor      AccountID
	ActorName  string
	Source     string
	Reverses   ExchangeID // the entry this one cancels, or 0
	ReversedBy ExchangeID // the entry that cancels this one, or 0
	Reason     string
	CreatedAt  time.Time
	// Hash is the entry's hash in its community's chain (EachExchange only).
	Hash []byte
}

// Receipt is what a write returns, the same on a replay of its key.
type Receipt struct {
	Operation OperationID
	Kind      OperationKind
	Key       string
	Exchanges []Exchange
	// Replayed is true when the key had already been recorded: nothing new
	// was written and Exchanges are the original ones.
	Replayed bool
	// ActorBalance is the actor's balance after the operation (now, on a replay).
	ActorBalance int64
	// CommonsBalance is the commons' balance after a commons payment.
	CommonsBalance int64
	CreatedAt      time.Time
	// Answered is the need or offer the gift named, if any.
	Answered *Answered
}

// Limits are a community's bounds, in minutes, checked inside the write
// transaction so that concurrent transfers cannot breach them together.
type Limits struct {
	Floor     int64 // lowest balance a member may reach (≤ 0)
	Ceiling   int64 // highest balance a member may reach (≥ 0)
	MaxAmount int64 // largest single transfer to one member (> 0)
}

// NoLimits bounds nothing; for tools and tests that need no limits.
func NoLimits() Limits {
	return Limits{Floor: math.MinInt64 / 4, Ceiling: math.MaxInt64 / 4, MaxAmount: math.MaxInt64 / 4}
}

// MaxNoteLength is the longest note an exchange may carry, in characters.
const MaxNoteLength = 280
