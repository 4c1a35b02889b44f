package bot

import (
	"fmt"
	"strings"
	"time"

	"github.com/entraide/entraide/ledger"
)

// Category is one kind of contribution of the wealth matrix.
type Category struct {
	ID    string            // stored in the ledger
	Names map[string]string // language → name members type and read
}

// Name is the category's name in lang, its ID when it has none.
func (c Category) Name(lang string) string {
	if n := c.Names[lang]; n != "" {
		return n
	}
	return c.ID
}

// DefaultCategories is the wealth matrix of the seeds.
func DefaultCategories() []Category {
	return []Category{
		{ID: "production", Names: map[string]string{"fr": "production", "en": "production"}},
		{ID: "documentation", Names: map[string]string{"fr": "documentation", "en": "documentation"}},
		{ID: "communication", Names: map[string]string{"fr": "communication", "en": "communication"}},
		{ID: "support", Names: map[string]string{"fr": "soutien", "en": "support"}},
		{ID: "research", Names: map[string]string{"fr": "recherche", "en": "research"}},
		{ID: "joy", Names: map[string]string{"fr": "joie", "en": "joy"}},
	}
}

// RateLimit bounds how many commands one member may send; PerMinute 0
// turns it off.
type RateLimit struct {
	PerMinute float64
	Burst     int
}

// Community is one community's settings, as config.yaml gives them.
type Community struct {
	Slug       string
	Name       string
	Language   string
	Location   *time.Location
	Limits     ledger.Limits
	UndoWindow time.Duration
	Categories []Category
	// Moderators are "platform:userID" identities.
	Moderators []string
	// Rooms are "platform:room" (or "platform:*" for all rooms of a
	// platform) that belong to this community.
	Rooms     []string
	RateLimit RateLimit
	// MaxRecipients caps the members one /give names; 0 means
	// DefaultMaxRecipients.
	MaxRecipients int
	// Decisions set the default deadline and the quorum of proposals.
	Decisions Decisions
	// Groups are the working groups config.yaml declares, the reminders'
	// grace period and the newsletter's schedule (groups.go).
	Groups GroupSettings
	// Conflicts are the mediation settings: the moderators' room, the
	// rules, check-ins and the council (conflicts.go).
	Conflicts ConflictSettings
	// Aid are the offers-and-needs settings: where cards go, how long a
	// need stays open (aid.go).
	Aid AidSettings

	id ledger.CommunityID
}

// LedgerID is the community's ID in the ledger, set by New.
func (c *Community) LedgerID() ledger.CommunityID { return c.id }

// DefaultLimits are the limits of a community whose config names none:
// −20h floor, +40h ceiling, 10h at most per transfer.
func DefaultLimits() ledger.Limits {
	return ledger.Limits{Floor: -20 * 60, Ceiling: 40 * 60, MaxAmount: 10 * 60}
}

// DefaultMaxRecipients is how many members one /give may name when the
// community's config says nothing: a gift to a whole room of volunteers
// fits, a pasted member list does not.
const DefaultMaxRecipients = 25

func (c *Community) maxRecipients() int {
	if c.MaxRecipients > 0 {
		return c.MaxRecipients
	}
	return DefaultMaxRecipients
}

// Validate names the first setting that is wrong.
func (c *Community) Validate() error {
	switch {
	case c.Slug == "":
		return fmt.Errorf("id is required")
	case !SupportedLanguage(c.Language):
		return fmt.Errorf("language %q: want fr or en", c.Language)
	case c.Location == nil:
		return fmt.Errorf("timezone is required")
	case c.Limits.Floor > 0:
		return fmt.Errorf("limits.floor must be zero or negative")
	case c.Limits.Ceiling < 0:
		return fmt.Errorf("limits.ceiling must be zero or positive")
	case c.Limits.MaxAmount <= 0:
		return fmt.Errorf("limits.max_amount must be positive")
	case c.MaxRecipients < 0:
		return fmt.Errorf("limits.max_recipients must not be negative")
	case c.UndoWindow < 0:
		return fmt.Errorf("undo_window must not be negative")
	case len(c.Categories) == 0:
		return fmt.Errorf("categories: at least one is required")
	}
	if err := c.Decisions.validate(); err != nil {
		return err
	}
	if err := c.Conflicts.Validate(); err != nil {
		return err
	}
	if err := c.Aid.Validate(); err != nil {
		return err
	}
	owner := map[string]string{} // lower-cased name → category ID
	ids := map[string]bool{}
	for _, cat := range c.Categories {
		if cat.ID == "" {
			return fmt.Errorf("categories: a category has no id")
		}
		if ids[cat.ID] {
			return fmt.Errorf("categories: id %q is used twice", cat.ID)
		}
		ids[cat.ID] = true
		for _, n := range append([]string{cat.ID}, mapValues(cat.Names)...) {
			if n == "" {
				continue // a missing translation falls back to the ID
			}
			k := strings.ToLower(n)
			if prev, ok := owner[k]; ok && prev != cat.ID {
				return fmt.Errorf("categories: %q names both %s and %s", n, prev, cat.ID)
			}
			owner[k] = cat.ID
		}
	}
	return nil
}

func mapValues(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for _, v := range m {
		out = append(out, v)
	}
	return out
}

// category finds a category by any of its names, case-insensitively.
func (c *Community) category(name string) (Category, bool) {
	for _, cat := range c.Categories {
		if strings.EqualFold(name, cat.ID) {
			return cat, true
		}
		for _, n := range cat.Names {
			if strings.EqualFold(name, n) {
				return cat, true
			}
		}
	}
	return Category{}, false
}

func (c *Community) categoryName(id, lang string) string {
	if cat, ok := c.category(id); ok {
		return cat.Name(lang)
	}
	return id
}

func (c *Community) isModerator(platform, userID string) bool {
	for _, m := range c.Moderators {
		if m == platform+":"+userID {
			return true
		}
	}
	return false
}
