package ledger

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"
)

// Working groups: a named set of members of one community, bound to the
// room where it was created, where its reminders are posted.

// GroupID is a working group's row.
type GroupID int64

// Group error codes, beyond the common ones (ENOTFOUND: no such group;
// EFORBIDDEN: the actor is neither a member of the group nor a moderator).
const (
	EEXISTS    Code = "exists"     // a group of that name already exists (and has its room)
	ETOOMANY   Code = "too_many"   // a group has as many reminders as it may
	EPAUSED    Code = "paused"     // the reminder is paused
	ENOTREPEAT Code = "not_repeat" // a one-time reminder has no next occurrence to skip
)

// GroupExistsError refuses a group whose name is taken by a group with
// its room (EEXISTS), with that group, so that a reply can say where it is.
type GroupExistsError struct{ Group Group }

func (e *GroupExistsError) Error() string {
	return fmt.Sprintf("ledger: group %q exists", e.Group.Name)
}

func (e *GroupExistsError) code() Code { return EEXISTS }

// GroupForbiddenError refuses a change of a group's settings or reminders
// to someone neither a member of it nor a moderator (EFORBIDDEN), with the
// group's name.
type GroupForbiddenError struct{ Group string }

func (e *GroupForbiddenError) Error() string {
	return fmt.Sprintf("ledger: not a member of group %q", e.Group)
}

func (e *GroupForbiddenError) code() Code { return EFORBIDDEN }

// MaxGroupNameLength is the longest group name, in characters.
const MaxGroupNameLength = 32

var groupName = regexp.MustCompile(`^[\p{Ll}\p{Lo}\p{N}][-_\p{Ll}\p{Lo}\p{N}]*$`)

// NormalizeGroupName is a group name as stored: lower case, without
// spaces around it. ok is false when it is not a valid name: letters,
// digits, "-" and "_", starting with a letter or digit, at most
// MaxGroupNameLength characters.
func NormalizeGroupName(s string) (string, bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	if n := len([]rune(s)); n == 0 || n > MaxGroupNameLength {
		return s, false
	}
	return s, groupName.MatchString(s)
}

// Group is a working group with its members.
type Group struct {
	ID        GroupID
	Community CommunityID
	Name      string
	Platform  string // the room it is bound to, "" until it is bound
	Room      string
	Timezone  string // IANA zone, "" for the community's
	Pings     bool   // its reminders mention its members
	Declared  bool   // declared in config.yaml
	CreatedAt time.Time
	// Members by name; UserID is their identity on the group's platform.
	Members []Voter
}

// Bound is true when the group has a room.
func (g Group) Bound() bool { return g.Room != "" }

// HasMember reports whether account is in the group.
func (g Group) HasMember(account AccountID) bool {
	for _, m := range g.Members {
		if m.Account == account {
			return true
		}
	}
	return false
}

// GroupReceipt is what a group command returns, the same on a replay.
type GroupReceipt struct {
	Group    Group // as it is after the command (now, on a replay)
	Replayed bool
	// Changed is false when the command found things already so (joining
	// a group one is in): nothing was written.
	Changed bool
}

// GroupRequest is a group command. Room is the room of Source where it
// is typed (for create); Moderator says the actor is a moderator, who may
// change any group's settings.
type GroupRequest struct {
	Header
	Moderator bool
	Name      string
	Room      string
}

// Operation kinds of group_ops.
const (
	opGroupCreate   = "group_create"
	opGroupJoin     = "group_join"
	opGroupLeave    = "group_leave"
	opGroupPings    = "group_pings"
	opGroupTimezone = "group_timezone"
)

// CreateGroup creates a group bound to the room where it is typed, with
// the actor as its first member. A group declared in config.yaml without
// a room gets this one. It returns *Error with EINVALID (a bad name) or
// EEXISTS (the name is taken).
func (db *DB) CreateGroup(ctx context.Context, req GroupRequest) (*GroupReceipt, error) {
	name, ok := NormalizeGroupName(req.Name)
	switch {
	case !ok:
		return nil, errorf(EINVALID, "group name %q", req.Name)
	case req.Source == "" || req.Room == "":
		return nil, errorf(EINVALID, "a group needs a platform and a room")
	}
	fp := fingerprint(opGroupCreate, req.Community, req.Actor, name, req.Room)
	return db.groupCommand(ctx, req.Header, fp, opGroupCreate, func(tx *Tx) (int64, AccountID, bool, error) {
		g, err := groupByName(ctx, tx, req.Community, name)
		switch {
		case err == nil && g.Bound():
			return 0, 0, false, &GroupExistsError{Group: g}
		case err == nil:
			if _, err := tx.ExecContext(ctx, "UPDATE groups SET platform = ?, room = ? WHERE id = ?", req.Source, req.Room, g.ID); err != nil {
				return 0, 0, false, fmt.Errorf("ledger: bind group: %w", err)
			}
		case ErrorCode(err) == ENOTFOUND:
			res, err := tx.ExecContext(ctx, `INSERT INTO groups (community_id, name, platform, room, created_at) VALUES (?, ?, ?, ?, ?)`,
				req.Community, name, req.Source, req.Room, tx.now.Unix())
			if err != nil {
				return 0, 0, false, fmt.Errorf("ledger: create group: %w", err)
			}
			n, _ := res.LastInsertId()
			g.ID = GroupID(n)
		default:
			return 0, 0, false, err
		}
		actor, err := memberAccount(ctx, tx, req.Community, req.Actor)
		if err != nil {
			return 0, 0, false, err
		}
		if _, err := tx.ExecContext(ctx, "INSERT OR IGNORE INTO group_members (group_id, account_id, joined_at) VALUES (?, ?, ?)",
			g.ID, actor.ID, tx.now.Unix()); err != nil {
			return 0, 0, false, fmt.Errorf("ledger: join group: %w", err)
		}
		return int64(g.ID), actor.ID, true, nil
	})
}

// JoinGroup adds the actor to a group. It returns *Error with ENOTFOUND;
// joining a group one is in changes nothing (Changed is false).
func (db *DB) JoinGroup(ctx context.Context, req GroupRequest) (*GroupReceipt, error) {
	name, _ := NormalizeGroupName(req.Name)
	fp := fingerprint(opGroupJoin, req.Community, req.Actor, name)
	return db.groupCommand(ctx, req.Header, fp, opGroupJoin, func(tx *Tx) (int64, AccountID, bool, error) {
		g, err := groupByName(ctx, tx, req.Community, name)
		if err != nil {
			return 0, 0, false, err
		}
		actor, err := memberAccount(ctx, tx, req.Community, req.Actor)
		if err != nil {
			return 0, 0, false, err
		}
		res, err := tx.ExecContext(ctx, "INSERT OR IGNORE INTO group_members (group_id, account_id, joined_at) VALUES (?, ?, ?)",
			g.ID, actor.ID, tx.now.Unix())
		if err != nil {
			return 0, 0, false, fmt.Errorf("ledger: join group: %w", err)
		}
		n, _ := res.RowsAffected()
		return int64(g.ID), actor.ID, n == 1, nil
	})
}

// LeaveGroup takes the actor out of a group. It returns *Error with
// ENOTFOUND; leaving a group one is not in changes nothing.
func (db *DB) LeaveGroup(ctx context.Context, req GroupRequest) (*GroupReceipt, error) {
	name, _ := NormalizeGroupName(req.Name)
	fp := fingerprint(opGroupLeave, req.Community, req.Actor, name)
	return db.groupCommand(ctx, req.Header, fp, opGroupLeave, func(tx *Tx) (int64, AccountID, bool, error) {
		g, err := groupByName(ctx, tx, req.Community, name)
		if err != nil {
			return 0, 0, false, err
		}
		acct, found, err := lookupAccount(ctx, tx, req.Community, req.Actor)
		if err != nil || !found {
			return int64(g.ID), 0, false, err
		}
		res, err := tx.ExecContext(ctx, "DELETE FROM group_members WHERE group_id = ? AND account_id = ?", g.ID, acct)
		if err != nil {
			return 0, 0, false, fmt.Errorf("ledger: leave group: %w", err)
		}
		n, _ := res.RowsAffected()
		return int64(g.ID), acct, n == 1, nil
	})
}

// SetGroupPings says whether the group's reminders mention its members.
// Members of the group and moderators may. It returns *Error with
// ENOTFOUND or EFORBIDDEN.
func (db *DB) SetGroupPings(ctx context.Context, req GroupRequest, on bool) (*GroupReceipt, error) {
	name, _ := NormalizeGroupName(req.Name)
	fp := fingerprint(opGroupPings, req.Community, req.Actor, name, on)
	return db.changeGroup(ctx, req, name, fp, opGroupPings, func(g Group) bool { return g.Pings == on }, func(tx *Tx, g Group) error {
		if _, err := tx.ExecContext(ctx, "UPDATE groups SET pings = ? WHERE id = ?", on, g.ID); err != nil {
			return fmt.Errorf("ledger: set pings: %w", err)
		}
		return nil
	})
}

// changeGroup runs a change of the settings of group name, which a member
// of it or a moderator may make: same says whether the group is already
// so (then nothing is written), set writes the change.
func (db *DB) changeGroup(ctx context.Context, req GroupRequest, name, fp, kind string,
	same func(Group) bool, set func(tx *Tx, g Group) error) (*GroupReceipt, error) {
	return db.groupCommand(ctx, req.Header, fp, kind, func(tx *Tx) (int64, AccountID, bool, error) {
		g, actor, err := groupForChange(ctx, tx, req, name)
		if err != nil {
			return 0, 0, false, err
		}
		if same(g) {
			return int64(g.ID), actor, false, nil
		}
		return int64(g.ID), actor, true, set(tx, g)
	})
}

// NextFunc computes a reminder's next occurrence strictly after after, in
// the zone r.Timezone names ("" for the community's); ok is false when
// there is none.
type NextFunc func(r Reminder, after time.Time) (next time.Time, ok bool)

// SetGroupTimezone sets the zone the group's reminders are computed in
// ("" for the community's), and reschedules its recurring reminders from
// now with next, in the same transaction. Members of the group and
// moderators may. It returns *Error with ENOTFOUND, EFORBIDDEN or
// EINVALID (an unknown zone).
func (db *DB) SetGroupTimezone(ctx context.Context, req GroupRequest, tz string, next NextFunc) (*GroupReceipt, error) {
	name, _ := NormalizeGroupName(req.Name)
	if tz != "" {
		if _, err := time.LoadLocation(tz); err != nil {
			return nil, errorf(EINVALID, "time zone %q", tz)
		}
	}
	fp := fingerprint(opGroupTimezone, req.Community, req.Actor, name, tz)
	return db.changeGroup(ctx, req, name, fp, opGroupTimezone, func(g Group) bool { return g.Timezone == tz }, func(tx *Tx, g Group) error {
		if _, err := tx.ExecContext(ctx, "UPDATE groups SET timezone = ? WHERE id = ?", tz, g.ID); err != nil {
			return fmt.Errorf("ledger: set time zone: %w", err)
		}
		return rescheduleGroup(ctx, tx, g.ID, next)
	})
}

// DeclaredGroup is a group config.yaml declares. Room ("" for none yet)
// is on Platform; Timezone "" and Pings nil leave the group's as they are.
type DeclaredGroup struct {
	Name     string
	Platform string
	Room     string
	Timezone string
	Pings    *bool
}

// DeclareGroup creates a group config.yaml declares, or brings an existing
// one in line with it: its room, zone and pings when the file names them.
// Recurring reminders are rescheduled with next when the zone changes.
// Declaring again what is already so writes nothing.
func (db *DB) DeclareGroup(ctx context.Context, community CommunityID, d DeclaredGroup, next NextFunc) (Group, error) {
	name, ok := NormalizeGroupName(d.Name)
	if !ok {
		return Group{}, errorf(EINVALID, "group name %q", d.Name)
	}
	if (d.Platform == "") != (d.Room == "") {
		return Group{}, errorf(EINVALID, "group %q: a room needs its platform", name)
	}
	if d.Timezone != "" {
		if _, err := time.LoadLocation(d.Timezone); err != nil {
			return Group{}, errorf(EINVALID, "group %q: time zone %q", name, d.Timezone)
		}
	}
	if g, err := db.Group(ctx, community, name); err == nil && g.Declared &&
		(d.Room == "" || (g.Platform == d.Platform && g.Room == d.Room)) &&
		(d.Timezone == "" || g.Timezone == d.Timezone) && (d.Pings == nil || g.Pings == *d.Pings) {
		return g, nil
	}
	tx, err := db.begin(ctx)
	if err != nil {
		return Group{}, err
	}
	defer tx.Rollback()
	g, err := groupByName(ctx, tx, community, name)
	switch {
	case ErrorCode(err) == ENOTFOUND:
		pings := d.Pings != nil && *d.Pings
		res, err := tx.ExecContext(ctx, `INSERT INTO groups (community_id, name, platform, room, timezone, pings, declared, created_at)
			VALUES (?, ?, ?, ?, ?, ?, 1, ?)`, community, name, d.Platform, d.Room, d.Timezone, pings, tx.now.Unix())
		if err != nil {
			return Group{}, fmt.Errorf("ledger: declare group: %w", err)
		}
		n, _ := res.LastInsertId()
		g.ID = GroupID(n)
	case err != nil:
		return Group{}, err
	default:
		platform, room, tz, pings := g.Platform, g.Room, g.Timezone, g.Pings
		if d.Room != "" {
			platform, room = d.Platform, d.Room
		}
		if d.Timezone != "" {
			tz = d.Timezone
		}
		if d.Pings != nil {
			pings = *d.Pings
		}
		if _, err := tx.ExecContext(ctx, "UPDATE groups SET platform = ?, room = ?, timezone = ?, pings = ?, declared = 1 WHERE id = ?",
			platform, room, tz, pings, g.ID); err != nil {
			return Group{}, fmt.Errorf("ledger: declare group: %w", err)
		}
		if tz != g.Timezone {
			if err := rescheduleGroup(ctx, tx, g.ID, next); err != nil {
				return Group{}, err
			}
		}
	}
	if g, err = loadGroup(ctx, tx, g.ID); err != nil {
		return Group{}, err
	}
	return g, tx.Commit()
}

// Group returns a community's group by name, with its members. It returns
// *Error with ENOTFOUND.
func (db *DB) Group(ctx context.Context, community CommunityID, name string) (Group, error) {
	name, _ = NormalizeGroupName(name)
	tx, err := db.read(ctx)
	if err != nil {
		return Group{}, err
	}
	defer tx.Rollback()
	return groupByName(ctx, tx, community, name)
}

// Groups lists a community's groups by name, each with its members.
func (db *DB) Groups(ctx context.Context, community CommunityID) ([]Group, error) {
	tx, err := db.read(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	out, err := queryRows(ctx, tx, scanGroup, groupSelect+" WHERE g.community_id = ? ORDER BY g.name", community)
	if err != nil {
		return nil, err
	}
	for i := range out {
		if err := loadGroupMembers(ctx, tx, &out[i]); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// groupCommand runs one group command: its receipt is the group as the
// command left it (as it is now, on a replay).
func (db *DB) groupCommand(ctx context.Context, h Header, fp, kind string,
	write func(tx *Tx) (target int64, actor AccountID, changed bool, err error)) (*GroupReceipt, error) {
	return groupOp(ctx, db, h, fp, kind, write, func(tx *Tx, target int64, replayed, changed bool) (*GroupReceipt, error) {
		g, err := loadGroup(ctx, tx, GroupID(target))
		if err != nil {
			return nil, err
		}
		return &GroupReceipt{Group: g, Replayed: replayed, Changed: changed}, nil
	})
}

// groupOp runs one command of this feature (groups, reminders, news,
// newsletters), keyed in group_ops like every command, and builds its
// receipt with receipt in the same transaction: from what write wrote,
// or, for a key already recorded, from the record it names as it is now
// (write is not called). write reports whether it changed anything; only
// a change is recorded.
func groupOp[R any](ctx context.Context, db *DB, h Header, fp, kind string,
	write func(tx *Tx) (target int64, actor AccountID, changed bool, err error),
	receipt func(tx *Tx, target int64, replayed, changed bool) (R, error)) (R, error) {
	replay := func(tx *Tx, prior priorOp) (R, error) { return receipt(tx, prior.ref, true, true) }
	return keyed(ctx, db, groupOps, h.Key, fp, kind, replay, func(tx *Tx) (R, error) {
		target, actor, changed, err := write(tx)
		if err != nil {
			var zero R
			return zero, err
		}
		if changed {
			if _, err := groupOps.insert(ctx, tx, h.op(fp, kind, target, actor)); err != nil {
				var zero R
				return zero, fmt.Errorf("ledger: record %s: %w", kind, err)
			}
		}
		return receipt(tx, target, false, changed)
	})
}

// groupForChange is the named group if the actor may change its settings
// or reminders: a member of it, or a moderator.
func groupForChange(ctx context.Context, tx *Tx, req GroupRequest, name string) (Group, AccountID, error) {
	g, err := groupByName(ctx, tx, req.Community, name)
	if err != nil {
		return Group{}, 0, err
	}
	actor, err := mayChangeGroup(ctx, tx, g, req.Community, req.Actor, req.Moderator)
	return g, actor, err
}

// mayChangeGroup is the actor's account if they are a member of g or a
// moderator; EFORBIDDEN otherwise.
func mayChangeGroup(ctx context.Context, tx *Tx, g Group, community CommunityID, id Identity, moderator bool) (AccountID, error) {
	acct, found, err := lookupAccount(ctx, tx, community, id)
	if err != nil {
		return 0, err
	}
	if found && g.HasMember(acct) {
		return acct, nil
	}
	if !moderator {
		return 0, &GroupForbiddenError{Group: g.Name}
	}
	if !found {
		a, err := memberAccount(ctx, tx, community, id)
		if err != nil {
			return 0, err
		}
		acct = a.ID
	}
	return acct, nil
}

// checkGroup confirms a group belongs to a community.
func checkGroup(ctx context.Context, q queryer, community CommunityID, group GroupID) error {
	var n int
	if err := q.QueryRowContext(ctx, "SELECT COUNT(*) FROM groups WHERE id = ? AND community_id = ?", group, community).Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		return errorf(ENOTFOUND, "no group %d in community %d", group, community)
	}
	return nil
}

const groupSelect = `SELECT g.id, g.community_id, g.name, g.platform, g.room, g.timezone, g.pings, g.declared, g.created_at FROM groups g`

func scanGroup(row rowScanner) (Group, error) {
	var g Group
	var created int64
	if err := row.Scan(&g.ID, &g.Community, &g.Name, &g.Platform, &g.Room, &g.Timezone, &g.Pings, &g.Declared, &created); err != nil {
		return Group{}, err
	}
	g.CreatedAt = unixUTC(created)
	return g, nil
}

func groupByName(ctx context.Context, q queryer, community CommunityID, name string) (Group, error) {
	g, err := scanGroup(q.QueryRowContext(ctx, groupSelect+" WHERE g.community_id = ? AND g.name = ?", community, name))
	if errors.Is(err, sql.ErrNoRows) {
		return Group{}, errorf(ENOTFOUND, "no group %q", name)
	}
	if err != nil {
		return Group{}, err
	}
	return g, loadGroupMembers(ctx, q, &g)
}

func loadGroup(ctx context.Context, q queryer, id GroupID) (Group, error) {
	g, err := scanGroup(q.QueryRowContext(ctx, groupSelect+" WHERE g.id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return Group{}, errorf(ENOTFOUND, "no group %d", id)
	}
	if err != nil {
		return Group{}, err
	}
	return g, loadGroupMembers(ctx, q, &g)
}

// loadGroupMembers fills g.Members: the accounts in the group that still
// hold a platform identity, with their identity on the group's platform.
func loadGroupMembers(ctx context.Context, q queryer, g *Group) error {
	members, err := queryRows(ctx, q, scanVoter, `SELECT a.id, a.display_name,
		COALESCE((SELECT MIN(i.user_id) FROM identities i WHERE i.account_id = a.id AND i.platform = ?), '')
		FROM group_members m JOIN accounts a ON a.id = m.account_id
		WHERE m.group_id = ? AND EXISTS (SELECT 1 FROM identities i WHERE i.account_id = a.id)
		ORDER BY a.display_name COLLATE NOCASE, a.id`, g.Platform, g.ID)
	if err != nil {
		return err
	}
	g.Members = members
	return nil
}
