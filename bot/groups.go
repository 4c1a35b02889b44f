package bot

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/entraide/entraide/ledger"
	"github.com/entraide/entraide/schedules"
)

// GroupLedger is what working groups, their reminders and the newsletter
// need from the ledger; each method's errors are documented there.
type GroupLedger interface {
	CreateGroup(ctx context.Context, req ledger.GroupRequest) (*ledger.GroupReceipt, error)
	JoinGroup(ctx context.Context, req ledger.GroupRequest) (*ledger.GroupReceipt, error)
	LeaveGroup(ctx context.Context, req ledger.GroupRequest) (*ledger.GroupReceipt, error)
	SetGroupPings(ctx context.Context, req ledger.GroupRequest, on bool) (*ledger.GroupReceipt, error)
	SetGroupTimezone(ctx context.Context, req ledger.GroupRequest, tz string, next ledger.NextFunc) (*ledger.GroupReceipt, error)
	DeclareGroup(ctx context.Context, c ledger.CommunityID, d ledger.DeclaredGroup, next ledger.NextFunc) (ledger.Group, error)
	Group(ctx context.Context, c ledger.CommunityID, name string) (ledger.Group, error)
	Groups(ctx context.Context, c ledger.CommunityID) ([]ledger.Group, error)

	AddReminder(ctx context.Context, req ledger.ReminderRequest) (*ledger.ReminderReceipt, error)
	ActOnReminder(ctx context.Context, req ledger.ReminderActionRequest) (*ledger.ReminderReceipt, error)
	Reminder(ctx context.Context, c ledger.CommunityID, id ledger.ReminderID) (ledger.Reminder, error)
	Reminders(ctx context.Context, c ledger.CommunityID, group ledger.GroupID) ([]ledger.Reminder, error)
	UpcomingReminders(ctx context.Context, c ledger.CommunityID, group ledger.GroupID, until time.Time) ([]ledger.Reminder, error)
	RemindersDue(ctx context.Context, c ledger.CommunityID, asOf time.Time) ([]ledger.Reminder, error)
	ClaimReminder(ctx context.Context, claim ledger.ReminderClaim) (ledger.ClaimResult, error)
	MarkDeliveries(ctx context.Context, ids []ledger.DeliveryID, state ledger.DeliveryState) error
	FailedDeliveries(ctx context.Context, c ledger.CommunityID) ([]ledger.Delivery, error)
	ConfirmUnknown(ctx context.Context) ([]ledger.Delivery, error)

	NewsletterStats(ctx context.Context, c ledger.CommunityID, after int64, from, to time.Time, weekStarts []time.Time, platform string) (ledger.PeriodStats, ledger.WeeklyTotals, error)
	ProposalsClosedIn(ctx context.Context, c ledger.CommunityID, from, to time.Time) ([]ledger.Proposal, error)
	LastIssue(ctx context.Context, c ledger.CommunityID) (ledger.Issue, bool, error)
	LastScheduledIssue(ctx context.Context, c ledger.CommunityID) (ledger.Issue, bool, error)
	RecordIssue(ctx context.Context, req ledger.IssueRequest) (*ledger.IssueReceipt, error)
	MarkIssuePosted(ctx context.Context, id int64) error
	NewsletterSince(ctx context.Context, c ledger.CommunityID, spec string) (time.Time, error)
	SubmitNews(ctx context.Context, req ledger.NewsRequest) (*ledger.NewsReceipt, error)
	DecideNews(ctx context.Context, req ledger.NewsRequest) (*ledger.NewsReceipt, error)
	PendingNews(ctx context.Context, c ledger.CommunityID) ([]ledger.News, error)
	UnpublishedNews(ctx context.Context, c ledger.CommunityID) ([]ledger.News, error)
	SetNewsletterOptOut(ctx context.Context, h ledger.Header, out bool) (changed, replayed bool, err error)
}

// DefaultReminderGrace is how late a reminder may still be posted after the
// bot was down when the community's settings do not say.
const DefaultReminderGrace = 2 * time.Hour

// GroupSettings are a community's working groups, reminders and
// newsletter settings, as config.yaml gives them.
type GroupSettings struct {
	// Declared groups are created at start-up (again: idempotently).
	Declared []DeclaredGroup
	// ReminderGrace: a reminder that fell due less than this long ago
	// while the bot was down is posted late, with a note; older missed
	// occurrences are told once, in one summary per group. Zero means
	// DefaultReminderGrace.
	ReminderGrace time.Duration
	Newsletter    NewsletterSettings
}

// DeclaredGroup is a group config.yaml declares. Room is "platform:room"
// ("" until a member types /group create in it); Timezone "" is the
// community's; Pings nil leaves it to /group pings.
type DeclaredGroup struct {
	Name     string
	Room     string
	Timezone string
	Pings    *bool
}

// NewsletterSettings schedule the newsletter. Schedule is a cron line read
// in the community's zone ("0 9 * * MON"), "" for no scheduled issue; Room
// is the announcement room, "platform:room".
type NewsletterSettings struct {
	Schedule string
	Room     string
}

func (s GroupSettings) grace() time.Duration {
	if s.ReminderGrace <= 0 {
		return DefaultReminderGrace
	}
	return s.ReminderGrace
}

// Validate names the first setting that is wrong.
func (s GroupSettings) Validate() error {
	seen := map[string]bool{}
	for i, d := range s.Declared {
		name, ok := ledger.NormalizeGroupName(d.Name)
		if !ok {
			return fmt.Errorf("groups[%d]: %q is not a group name: letters, digits, - and _, at most %d characters", i, d.Name, ledger.MaxGroupNameLength)
		}
		if reservedGroupName(name) {
			return fmt.Errorf("groups[%d]: %q is a command word; choose another name", i, d.Name)
		}
		if seen[name] {
			return fmt.Errorf("groups[%d]: %q is declared twice", i, name)
		}
		seen[name] = true
		if d.Room != "" {
			if _, _, ok := splitRoom(d.Room); !ok {
				return fmt.Errorf("groups[%d].room: %q should be platform:room", i, d.Room)
			}
		}
		if d.Timezone != "" {
			if _, err := time.LoadLocation(d.Timezone); err != nil {
				return fmt.Errorf("groups[%d].timezone: %w", i, err)
			}
		}
	}
	if s.ReminderGrace < 0 {
		return fmt.Errorf("reminders.grace must not be negative")
	}
	if n := s.Newsletter; n.Schedule != "" || n.Room != "" {
		if _, err := schedules.ParseSpec(n.Schedule); err != nil {
			return fmt.Errorf("newsletter.schedule: %q is not a cron line like \"0 9 * * MON\"", n.Schedule)
		}
		if _, _, ok := splitRoom(n.Room); !ok {
			return fmt.Errorf("newsletter.room: %q should be platform:room, the announcement room", n.Room)
		}
	}
	return nil
}

// splitRoom reads "platform:room".
func splitRoom(s string) (platform, room string, ok bool) {
	platform, room, ok = strings.Cut(s, ":")
	return platform, room, ok && platform != "" && room != ""
}

// groupState is the bot's state for the timed work of groups.
type groupState struct {
	mu      sync.Mutex      // one reminder and newsletter tick at a time
	swept   bool            // unconfirmed deliveries were looked at since start-up
	waiting map[string]bool // platforms whose missing adapter was logged (under mu)
	zones   sync.Map        // IANA name → *time.Location
}

// ensureGroups creates the groups config.yaml declares, or brings them in
// line with it.
func (b *Bot) ensureGroups(ctx context.Context, com *Community) error {
	if err := com.Groups.Validate(); err != nil {
		return err
	}
	for _, d := range com.Groups.Declared {
		dg := ledger.DeclaredGroup{Name: d.Name, Timezone: d.Timezone, Pings: d.Pings}
		if d.Room != "" {
			dg.Platform, dg.Room, _ = splitRoom(d.Room)
		}
		if _, err := b.ledger.DeclareGroup(ctx, com.id, dg, b.nextFunc(com)); err != nil {
			return fmt.Errorf("group %q: %w", d.Name, err)
		}
	}
	return nil
}

// zone is the location of a group's zone name, the community's for "".
func (b *Bot) zone(com *Community, tz string) *time.Location {
	if tz == "" {
		return com.Location
	}
	if l, ok := b.groups.zones.Load(tz); ok {
		return l.(*time.Location)
	}
	l, err := time.LoadLocation(tz)
	if err != nil {
		return com.Location
	}
	b.groups.zones.Store(tz, l)
	return l
}

// nextFunc computes reminders' occurrences in their group's zone.
func (b *Bot) nextFunc(com *Community) ledger.NextFunc {
	return func(r ledger.Reminder, after time.Time) (time.Time, bool) {
		if r.Kind != ledger.ReminderCron {
			return time.Time{}, false
		}
		n, err := schedules.Next(r.Spec, after, b.zone(com, r.Timezone))
		return n, err == nil
	}
}

// reservedGroupName tells whether name is a word of the /group and /remind
// subcommands: a group may not be named after one, or "/remind list" would
// be ambiguous. Config checks ask it before any bot exists.
func reservedGroupName(name string) bool {
	for _, c := range (&Bot{}).groupCommands()[:2] {
		for _, s := range c.Sub {
			if s.Name == name || slices.Contains(s.Aliases, name) {
				return true
			}
		}
	}
	return false
}

func (r *request) groupRequest(name string) ledger.GroupRequest {
	return ledger.GroupRequest{Header: r.header(), Moderator: r.moderator(), Name: name, Room: r.msg.Room}
}

// groupNames lists a community's groups for a refusal: "garden, kitchen".
func (r *request) groupNames() string {
	gs, err := r.bot.ledger.Groups(r.ctx, r.com.id)
	if err != nil || len(gs) == 0 {
		return r.tr.S(msgGroupNoneYet, nil)
	}
	names := make([]string, len(gs))
	for i, g := range gs {
		names[i] = g.Name
	}
	return strings.Join(names, ", ")
}

// findGroup is the named group, or a refusal that lists the others.
func (r *request) findGroup(name string) (ledger.Group, error) {
	g, err := r.bot.ledger.Group(r.ctx, r.com.id, name)
	if ledger.ErrorCode(err) == ledger.ENOTFOUND {
		return g, refuse(msgGroupNotFound, map[string]any{"Name": name, "List": r.groupNames()})
	}
	return g, err
}

// roomGroup is the group bound to the room the message is in.
func (r *request) roomGroup() (ledger.Group, bool, error) {
	gs, err := r.bot.ledger.Groups(r.ctx, r.com.id)
	if err != nil {
		return ledger.Group{}, false, err
	}
	for _, g := range gs {
		if g.Platform == r.msg.Platform && g.Room == r.msg.Room {
			return g, true, nil
		}
	}
	return ledger.Group{}, false, nil
}

// groupRefusal turns the ledger's group refusals into replies.
func (r *request) groupRefusal(err error, name string) error {
	data := map[string]any{"Name": name}
	switch ledger.ErrorCode(err) {
	case ledger.ENOTFOUND:
		data["List"] = r.groupNames()
		return refuse(msgGroupNotFound, data)
	case ledger.EFORBIDDEN:
		data["Command"] = r.cmdPath("group") + " " + r.subName("group", "join") + " " + name
		return refuse(msgGroupForbidden, data)
	case ledger.EEXISTS:
		return refuse(msgGroupExists, data)
	}
	return err
}

// where names a group's room for a member: "this room", or the room.
func (r *request) where(g ledger.Group) string {
	switch {
	case !g.Bound():
		return r.tr.S(msgGroupNoRoom, nil)
	case g.Platform == r.msg.Platform && g.Room == r.msg.Room:
		return r.tr.S(msgGroupThisRoom, nil)
	}
	return r.tr.S(msgGroupRoomOn, map[string]any{"Room": g.Room, "Platform": g.Platform})
}

func cmdGroupCreate(r *request) error {
	if len(r.args) > 1 {
		// "jardin potager": a name is one word, and the hyphenated one may do.
		if joined, ok := ledger.NormalizeGroupName(strings.Join(r.args, "-")); ok {
			return refuse(msgGroupOneWord, map[string]any{"Input": strings.Join(r.args, " "), "Name": joined,
				"Command": r.cmdPath("group") + " " + r.subName("group", "create") + " " + joined})
		}
	}
	if len(r.args) != 1 {
		return r.usage()
	}
	name, ok := ledger.NormalizeGroupName(r.args[0])
	if !ok {
		return refuse(msgGroupBadName, map[string]any{"Name": r.args[0], "Max": ledger.MaxGroupNameLength})
	}
	if reservedGroupName(name) {
		return refuse(msgGroupReservedName, map[string]any{"Name": name})
	}
	rec, err := r.bot.ledger.CreateGroup(r.ctx, r.groupRequest(name))
	var exists *ledger.GroupExistsError
	if errors.As(err, &exists) {
		return refuse(msgGroupExists, map[string]any{"Name": name, "Where": r.where(exists.Group),
			"Command": r.cmdPath("group") + " " + r.subName("group", "join") + " " + name})
	}
	if err != nil {
		return r.groupRefusal(err, name)
	}
	g := rec.Group
	data := map[string]any{"Name": g.Name, "Actor": displayName(Mention{User: r.msg.Sender}),
		"Join":   r.cmdPath("group") + " " + r.subName("group", "join") + " " + g.Name,
		"Remind": r.cmdPath("remind") + " " + g.Name}
	if rec.Replayed {
		r.reply(Reply{Private: true, Text: r.tr.S(msgGroupReplayed, data)})
		return nil
	}
	r.log.Info("group created", "group", g.Name, "declared", g.Declared)
	id := msgGroupCreated
	if g.Declared {
		id = msgGroupBound
	}
	r.reply(Reply{Text: r.tr.S(id, data)})
	return nil
}

func cmdGroupJoin(r *request) error  { return joinOrLeave(r, true) }
func cmdGroupLeave(r *request) error { return joinOrLeave(r, false) }

func joinOrLeave(r *request, join bool) error {
	if len(r.args) != 1 {
		return r.usage()
	}
	name, _ := ledger.NormalizeGroupName(r.args[0])
	op := r.bot.ledger.LeaveGroup
	if join {
		op = r.bot.ledger.JoinGroup
	}
	rec, err := op(r.ctx, r.groupRequest(name))
	if err != nil {
		return r.groupRefusal(err, name)
	}
	g := rec.Group
	data := map[string]any{"Name": g.Name, "Actor": displayName(Mention{User: r.msg.Sender})}
	switch {
	case rec.Replayed:
		r.reply(Reply{Private: true, Text: r.tr.S(msgGroupReplayed, data)})
	case !rec.Changed && join:
		r.reply(Reply{Private: true, Text: r.tr.S(msgGroupAlreadyMember, data)})
	case !rec.Changed:
		r.reply(Reply{Private: true, Text: r.tr.S(msgGroupNotMember, data)})
	case join:
		r.reply(Reply{Text: r.tr.N(msgGroupJoined, len(g.Members), data)})
	default:
		r.reply(Reply{Text: r.tr.N(msgGroupLeft, len(g.Members), data)})
	}
	return nil
}

func cmdGroupList(r *request) error {
	if len(r.args) > 0 {
		return r.usage()
	}
	gs, err := r.bot.ledger.Groups(r.ctx, r.com.id)
	if err != nil {
		return err
	}
	if len(gs) == 0 {
		r.reply(Reply{Private: true, Text: r.tr.S(msgGroupListEmpty, map[string]any{
			"Command": r.cmdPath("group") + " " + r.subName("group", "create")})})
		return nil
	}
	me, _, err := r.bot.ledger.Member(r.ctx, r.com.id, r.sender())
	if err != nil {
		return err
	}
	lines := []string{r.tr.N(msgGroupListHeader, len(gs), nil)}
	for _, g := range gs {
		data := map[string]any{"Name": g.Name, "Where": r.where(g)}
		line := r.tr.N(msgGroupListItem, len(g.Members), data)
		if me.ID != 0 && g.HasMember(me.ID) {
			line += " " + r.tr.S(msgGroupListYou, nil)
		}
		lines = append(lines, line)
	}
	r.reply(Reply{Private: true, Text: strings.Join(lines, "\n")})
	return nil
}

func cmdGroupInfo(r *request) error {
	var g ledger.Group
	var err error
	switch len(r.args) {
	case 0:
		var ok bool
		if g, ok, err = r.roomGroup(); err != nil {
			return err
		} else if !ok {
			return refuse(msgGroupNameNeeded, map[string]any{"Usage": r.tr.S(r.cmd.Usage, nil), "List": r.groupNames()})
		}
	case 1:
		if g, err = r.findGroup(r.args[0]); err != nil {
			return err
		}
	default:
		return r.usage()
	}
	loc := r.bot.zone(r.com, g.Timezone)
	names := make([]string, len(g.Members))
	for i, m := range g.Members {
		names[i] = m.Name
	}
	zone := loc.String()
	if g.Timezone == "" {
		zone = r.tr.S(msgGroupZoneCommunity, map[string]any{"Zone": loc.String()})
	}
	pings := msgGroupPingsOff
	if g.Pings {
		pings = msgGroupPingsOn
	}
	lines := []string{
		r.tr.N(msgGroupInfoHeader, len(g.Members), map[string]any{"Name": g.Name, "Names": r.tr.List(names)}),
		r.tr.S(msgGroupInfoRoom, map[string]any{"Where": r.where(g), "Zone": zone, "Pings": r.tr.S(pings, nil)}),
	}
	rs, err := r.bot.ledger.Reminders(r.ctx, r.com.id, g.ID)
	if err != nil {
		return err
	}
	if len(rs) == 0 {
		lines = append(lines, r.tr.S(msgGroupInfoNoReminder, map[string]any{"Command": r.cmdPath("remind") + " " + g.Name}))
	}
	for i, rm := range rs {
		if i == 5 {
			lines = append(lines, r.tr.S(msgGroupInfoMore, map[string]any{"Count": len(rs) - i,
				"Command": r.cmdPath("remind") + " " + r.subName("remind", "list") + " " + g.Name}))
			break
		}
		lines = append(lines, "• "+reminderLine(r.tr, r.bot.zone(r.com, rm.Timezone), rm, false))
	}
	ps, err := r.bot.ledger.Proposals(r.ctx, r.com.id, ledger.ProposalsOpen)
	if err != nil {
		return err
	}
	for _, p := range groupProposals(ps, g.ID) {
		lines = append(lines, "🗳️ "+openProposalLine(r.tr, r.com, p))
	}
	r.reply(Reply{Private: true, Text: strings.Join(lines, "\n")})
	return nil
}

// groupProposals are the proposals a group decides, oldest first.
func groupProposals(ps []ledger.Proposal, g ledger.GroupID) []ledger.Proposal {
	var out []ledger.Proposal
	for _, p := range ps {
		if p.Group == g {
			out = append(out, p)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Number < out[j].Number })
	return out
}

// openProposalLine is "#4 Buy seeds — until Fri 27 Nov 23:59, 2 have not responded".
func openProposalLine(tr Tr, com *Community, p ledger.Proposal) string {
	return tr.N(msgGroupOpenProposal, len(p.Tally().Waiting), map[string]any{"Number": p.Number, "Text": truncate(p.Text(), 60),
		"Deadline": dayTime(tr, p.Deadline, com.Location)})
}

// onOff reads on/off in either language.
func onOff(s string) (on, ok bool) {
	switch strings.ToLower(s) {
	case "on", "yes", "oui", "activer", "active", "activées", "activees":
		return true, true
	case "off", "no", "non", "desactiver", "désactiver", "desactivees", "désactivées":
		return false, true
	}
	return false, false
}

func cmdGroupPings(r *request) error {
	var name string
	var on bool
	switch len(r.args) {
	case 1, 2:
		var ok bool
		if on, ok = onOff(r.args[len(r.args)-1]); !ok {
			return r.usage()
		}
		if len(r.args) == 2 {
			name = r.args[0]
			break
		}
		g, found, err := r.roomGroup()
		if err != nil {
			return err
		}
		if !found {
			return refuse(msgGroupNameNeeded, map[string]any{"Usage": r.tr.S(r.cmd.Usage, nil), "List": r.groupNames()})
		}
		name = g.Name
	default:
		return r.usage()
	}
	name, _ = ledger.NormalizeGroupName(name)
	rec, err := r.bot.ledger.SetGroupPings(r.ctx, r.groupRequest(name), on)
	if err != nil {
		return r.groupRefusal(err, name)
	}
	id := msgGroupPingsSetOff
	if on {
		id = msgGroupPingsSetOn
	}
	text := r.tr.S(id, map[string]any{"Name": rec.Group.Name})
	if !rec.Changed && !rec.Replayed {
		text += " " + r.tr.S(msgGroupUnchanged, nil)
	}
	r.reply(Reply{Text: text, Private: !rec.Changed || rec.Replayed})
	return nil
}

func cmdGroupTimezone(r *request) error {
	if len(r.args) != 2 {
		return r.usage()
	}
	name, _ := ledger.NormalizeGroupName(r.args[0])
	tz := r.args[1]
	switch strings.ToLower(tz) {
	case "default", "defaut", "défaut", "community", "communauté", "communaute", "-":
		tz = ""
	default:
		loc, err := time.LoadLocation(tz)
		if err != nil || strings.EqualFold(tz, "local") {
			return refuse(msgGroupBadZone, map[string]any{"Input": r.args[1]})
		}
		tz = loc.String()
	}
	rec, err := r.bot.ledger.SetGroupTimezone(r.ctx, r.groupRequest(name), tz, r.bot.nextFunc(r.com))
	if err != nil {
		return r.groupRefusal(err, name)
	}
	loc := r.bot.zone(r.com, rec.Group.Timezone)
	text := r.tr.S(msgGroupZoneSet, map[string]any{"Name": rec.Group.Name, "Zone": loc.String(), "Now": dayTime(r.tr, r.bot.now(), loc)})
	if !rec.Changed && !rec.Replayed {
		text += " " + r.tr.S(msgGroupUnchanged, nil)
	}
	r.reply(Reply{Text: text, Private: !rec.Changed || rec.Replayed})
	return nil
}

// groupToken reads "group:garden" (or "groupe:jardin") in /give.
func groupToken(tok string) (string, bool) {
	low := strings.ToLower(tok)
	for _, p := range []string{"group:", "groupe:"} {
		if rest, ok := strings.CutPrefix(low, p); ok && rest != "" {
			name, _ := ledger.NormalizeGroupName(strings.TrimRight(rest, ",;:.!?"))
			return name, true
		}
	}
	return "", false
}

// giveGroup is the group a gift names, or a refusal that lists them.
func (r *request) giveGroup(name string) (ledger.Group, error) {
	if name == "" {
		return ledger.Group{}, nil
	}
	g, err := r.bot.ledger.Group(r.ctx, r.com.id, name)
	if ledger.ErrorCode(err) == ledger.ENOTFOUND {
		return g, refuse(msgGiveUnknownGroup, map[string]any{"Name": name, "List": r.groupNames()})
	}
	return g, err
}

// groupDetail renders " · 👥 garden" after a gift's details.
func groupDetail(g ledger.Group) string {
	if g.ID == 0 {
		return ""
	}
	return " · 👥 " + g.Name
}

// groupCardLine says on a proposal's card which group decides it.
func groupCardLine(tr Tr, p ledger.Proposal) []string {
	if p.Group == 0 {
		return nil
	}
	return []string{tr.N(msgDecisionCardGroup, len(p.Eligible), map[string]any{"Group": p.GroupName})}
}

// proposalGroup takes the group off the end of a proposal's text (before
// its "until …", if any): a word "group:garden", which must name a group,
// or "group garden" when garden is a group (otherwise the words stay in
// the text).
func (r *request) proposalGroup(text string) (ledger.Group, string, error) {
	spans := wordSpans(text)
	end := len(spans)
	if end >= 2 && r.bot.catalog.is(kwUntil, text[spans[end-2][0]:spans[end-2][1]]) {
		end -= 2
	}
	word := func(i int) string { return text[spans[i][0]:spans[i][1]] }
	cut := func(from int) string {
		head := strings.TrimRight(strings.TrimSpace(text[:spans[from][0]]), ",;:—–-")
		if end < len(spans) {
			return head + " " + text[spans[end][0]:]
		}
		return head
	}
	if end >= 2 {
		if name, ok := groupToken(word(end - 1)); ok {
			g, err := r.bot.ledger.Group(r.ctx, r.com.id, name)
			if ledger.ErrorCode(err) == ledger.ENOTFOUND {
				return g, text, refuse(msgDecisionUnknownGroup, map[string]any{"Name": name, "List": r.groupNames()})
			}
			if err != nil {
				return g, text, err
			}
			return g, cut(end - 1), nil
		}
	}
	if end >= 3 && r.bot.catalog.is(kwGroup, word(end-2)) {
		name, ok := ledger.NormalizeGroupName(word(end - 1))
		if !ok {
			return ledger.Group{}, text, nil
		}
		g, err := r.bot.ledger.Group(r.ctx, r.com.id, name)
		if ledger.ErrorCode(err) == ledger.ENOTFOUND {
			return ledger.Group{}, text, nil
		}
		if err != nil {
			return g, text, err
		}
		return g, cut(end - 2), nil
	}
	return ledger.Group{}, text, nil
}
