package bot

import (
	"context"
	"fmt"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/entraide/entraide/ledger"
)

// Conflict cases (issue 7): a member asks for mediation privately; a
// moderator opens a case in a private space holding exactly its parties
// and mediators (PrivateSpaceCreator); the mediators follow it to an
// agreement, a close without one, or the council. The scheduler checks in
// on each case and tells the moderators about cases left idle.
//
// Privacy: nothing about a case (names, topic, notes) is said anywhere but
// in its own space, in the moderators' room, and privately to the member
// who asked. Notes are never shown in a case's space, which its parties
// read. The newsletter shows counts only (ledger.ConflictCounter).

// ConflictLedger is what conflict cases and the council need from the
// ledger; each method's errors are documented there.
type ConflictLedger interface {
	RequestCase(ctx context.Context, a ledger.CaseActor, text string) (*ledger.CaseReceipt, error)
	OpenCase(ctx context.Context, req ledger.OpenCaseRequest) (*ledger.CaseReceipt, error)
	AddCaseMember(ctx context.Context, req ledger.CaseMemberRequest) (*ledger.CaseReceipt, error)
	RemoveCaseMember(ctx context.Context, req ledger.CaseMemberRequest) (*ledger.CaseReceipt, error)
	NoteCase(ctx context.Context, a ledger.CaseActor, number int, text string) (*ledger.CaseReceipt, error)
	SetCaseState(ctx context.Context, a ledger.CaseActor, number int, to ledger.CaseState, text string) (*ledger.CaseReceipt, error)
	Case(ctx context.Context, c ledger.CommunityID, number int) (ledger.Case, error)
	CaseInRoom(ctx context.Context, c ledger.CommunityID, platform, room string) (ledger.Case, bool, error)
	Cases(ctx context.Context, c ledger.CommunityID, filter ledger.CaseFilter) ([]ledger.Case, error)
	CasesOf(ctx context.Context, c ledger.CommunityID, id ledger.Identity) ([]ledger.Case, error)
	NextCaseNumber(ctx context.Context, c ledger.CommunityID) (int, error)
	CaseOp(ctx context.Context, key string) (number int, found bool, err error)
	CaseSpaces(ctx context.Context) ([]ledger.CaseSpace, error)
	CaseLog(ctx context.Context, id ledger.CaseID) ([]ledger.CaseLogEntry, error)
	UserOn(ctx context.Context, account ledger.AccountID, platform string) (string, error)
	DueCheckIns(ctx context.Context, c ledger.CommunityID, asOf time.Time) ([]ledger.Case, error)
	RecordCheckIn(ctx context.Context, id ledger.CaseID, due, next time.Time) (bool, error)
	InactiveCases(ctx context.Context, c ledger.CommunityID, before time.Time) ([]ledger.Case, error)
	FlagInactive(ctx context.Context, id ledger.CaseID, lastActivity time.Time) (bool, error)
	RecordCouncilDraw(ctx context.Context, req ledger.CouncilDrawRequest) (*ledger.CouncilDrawReceipt, error)
	LatestCouncilDraw(ctx context.Context, c ledger.CommunityID, platform string) (ledger.CouncilDraw, bool, error)
}

// PrivateSpaceEditor adds members to a private space the bot made, and
// takes them out. Without it, /conflict add and remove are recorded and
// the moderators are told to do it by hand.
type PrivateSpaceEditor interface {
	AddToPrivateSpace(ctx context.Context, room string, u User) error
	RemoveFromPrivateSpace(ctx context.Context, room string, u User) error
}

// LateHistoryHider is a PrivateSpaceEditor whose spaces show a member only
// what is said once they are invited (a Matrix room's history visibility,
// and its encryption keys): the welcome said before is lost on them, so
// the bot says it again when it adds someone.
type LateHistoryHider interface {
	PrivateSpaceEditor
	HidesEarlierHistory() bool
}

// Defaults of the conflicts settings.
const (
	DefaultCheckIn       = 7 * 24 * time.Hour
	DefaultInactiveAfter = 14 * 24 * time.Hour
	// MaxCouncilDrawn bounds the seats drawn by lot.
	MaxCouncilDrawn = 50
)

// ConflictSettings are a community's mediation settings, as config.yaml
// gives them.
type ConflictSettings struct {
	// ModeratorsRoom is "platform:room": where requests for mediation,
	// escalations and idle cases are told. Without it, /conflict request
	// is refused (there is nobody to tell).
	ModeratorsRoom string
	// Rules are the mediation rules the welcome states, by language; the
	// catalogue's are used where they are missing.
	Rules map[string]string
	// CheckIn is how often the bot checks in on an open case;
	// InactiveAfter how long a case may stay without any action before
	// the moderators are told. Zero means the default.
	CheckIn       time.Duration
	InactiveAfter time.Duration
	Council       CouncilSettings
}

// CouncilSettings compose the council: named members ("platform:user")
// and Drawn seats drawn by lot among the other members (those who gave or
// received time within ActiveWithin, when it is set).
type CouncilSettings struct {
	Members      []string
	Drawn        int
	ActiveWithin time.Duration
}

func (s ConflictSettings) checkIn() time.Duration {
	if s.CheckIn <= 0 {
		return DefaultCheckIn
	}
	return s.CheckIn
}

func (s ConflictSettings) inactiveAfter() time.Duration {
	if s.InactiveAfter <= 0 {
		return DefaultInactiveAfter
	}
	return s.InactiveAfter
}

// Validate names the first setting that is wrong.
func (s ConflictSettings) Validate() error {
	if s.ModeratorsRoom != "" {
		if _, _, ok := splitRoom(s.ModeratorsRoom); !ok {
			return fmt.Errorf("conflicts.moderators_room: %q should be platform:room", s.ModeratorsRoom)
		}
	}
	for lang, text := range s.Rules {
		if !SupportedLanguage(lang) {
			return fmt.Errorf("conflicts.mediation_rules: %q is not a language; use fr and en", lang)
		}
		if utf8.RuneCountInString(text) > 1500 {
			return fmt.Errorf("conflicts.mediation_rules.%s: at most 1500 characters", lang)
		}
	}
	switch {
	case s.CheckIn < 0:
		return fmt.Errorf("conflicts.check_in must be positive")
	case s.CheckIn > 0 && s.CheckIn < time.Hour:
		return fmt.Errorf("conflicts.check_in: at least an hour")
	case s.InactiveAfter < 0:
		return fmt.Errorf("conflicts.inactive_after must be positive")
	case s.InactiveAfter > 0 && s.InactiveAfter < time.Hour:
		return fmt.Errorf("conflicts.inactive_after: at least an hour")
	case s.Council.Drawn < 0 || s.Council.Drawn > MaxCouncilDrawn:
		return fmt.Errorf("conflicts.council.drawn: between 0 and %d", MaxCouncilDrawn)
	case s.Council.ActiveWithin < 0:
		return fmt.Errorf("conflicts.council.eligible: the period must be positive")
	}
	for i, m := range s.Council.Members {
		if _, _, ok := splitRoom(m); !ok {
			return fmt.Errorf("conflicts.council.members[%d]: %q should be platform:user-id", i, m)
		}
	}
	return nil
}

// conflictState is the bot's state for cases.
type conflictState struct {
	mu     sync.Mutex
	spaces map[string]*Community // "platform:room" of each case's space → its community
	// openMu makes a case's number known before its space is made: one
	// request or open at a time, so the number the space is named after
	// is the one the case gets.
	openMu sync.Mutex
	// warned: what the tick logged once (no moderators' room, no adapter).
	warned map[string]bool
}

// loadCaseSpaces learns which community each case's space belongs to.
func (b *Bot) loadCaseSpaces(ctx context.Context) error {
	spaces, err := b.ledger.CaseSpaces(ctx)
	if err != nil {
		return fmt.Errorf("case spaces: %w", err)
	}
	for _, s := range spaces {
		for _, c := range b.communities {
			if c.id == s.Community {
				b.addCaseSpace(s.Platform, s.Room, c)
			}
		}
	}
	return nil
}

func (b *Bot) addCaseSpace(platform, room string, c *Community) {
	b.conflicts.mu.Lock()
	defer b.conflicts.mu.Unlock()
	if b.conflicts.spaces == nil {
		b.conflicts.spaces = map[string]*Community{}
	}
	b.conflicts.spaces[platform+":"+room] = c
}

// caseSpaceCommunity is the community of a case whose space is room, nil
// when room is no case's.
func (b *Bot) caseSpaceCommunity(platform, room string) *Community {
	b.conflicts.mu.Lock()
	defer b.conflicts.mu.Unlock()
	return b.conflicts.spaces[platform+":"+room]
}

// warnOnce logs a problem of the timed work once per key.
func (b *Bot) warnOnce(key, msg string, args ...any) {
	b.conflicts.mu.Lock()
	if b.conflicts.warned == nil {
		b.conflicts.warned = map[string]bool{}
	}
	seen := b.conflicts.warned[key]
	b.conflicts.warned[key] = true
	b.conflicts.mu.Unlock()
	if !seen {
		b.log.Warn(msg, args...)
	}
}
