package bot

import (
	"context"
	"fmt"
	"strconv"
	"strings"
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

// conflictCommands declares /conflict and /council.
func (b *Bot) conflictCommands() []*Command {
	number := Option{Name: "number", Names: map[string]string{"fr": "numero"}, Description: msgOptionCaseNumber, Kind: OptionInteger, Required: true}
	optNumber := number
	optNumber.Required = false
	member := Option{Name: "member", Names: map[string]string{"fr": "membre"}, Description: msgOptionCaseMember, Kind: OptionMember, Required: true}
	summary := Option{Name: "summary", Names: map[string]string{"fr": "resume"}, Description: msgOptionCaseSummary, Kind: OptionText, Required: true}
	return []*Command{
		// /help lists the subcommands; /conflict alone is /conflict status.
		{Name: "conflict", Aliases: []string{"conflit"}, Usage: msgUsageConflict, Summary: msgSummaryConflict, Run: cmdConflictStatus, Hidden: true, Sub: []*Command{
			{Name: "request", Aliases: []string{"demande", "demander"}, Usage: msgUsageConflictRequest, Summary: msgSummaryConflictRequest, Run: cmdConflictRequest, Options: []Option{
				{Name: "text", Names: map[string]string{"fr": "texte"}, Description: msgOptionCaseRequestText, Kind: OptionText, Required: true}}},
			{Name: "open", Aliases: []string{"ouvrir"}, Usage: msgUsageConflictOpen, Summary: msgSummaryConflictOpen, Moderator: true, Run: cmdConflictOpen, Options: []Option{
				{Name: "request", Names: map[string]string{"fr": "demande"}, Description: msgOptionCaseRequest, Kind: OptionInteger, Prefix: "request "},
				{Name: "parties", Names: map[string]string{"fr": "parties"}, Description: msgOptionCaseParties, Kind: OptionMembers},
				{Name: "mediators", Names: map[string]string{"fr": "mediateurs"}, Description: msgOptionCaseMediators, Kind: OptionMembers, Prefix: "mediator "},
				{Name: "topic", Names: map[string]string{"fr": "sujet"}, Description: msgOptionCaseTopic, Kind: OptionText, Prefix: "about "}}},
			{Name: "status", Aliases: []string{"etat", "état", "statut"}, Usage: msgUsageConflictStatus, Summary: msgSummaryConflictStatus, Run: cmdConflictStatus, Options: []Option{optNumber}},
			{Name: "note", Aliases: []string{"note", "noter"}, Usage: msgUsageConflictNote, Summary: msgSummaryConflictNote, Run: cmdConflictNote, Options: []Option{number,
				{Name: "text", Names: map[string]string{"fr": "texte"}, Description: msgOptionCaseNote, Kind: OptionText, Required: true}}},
			{Name: "add", Aliases: []string{"ajouter"}, Usage: msgUsageConflictAdd, Summary: msgSummaryConflictAdd, Run: cmdConflictAdd, Options: []Option{number, member,
				{Name: "role", Names: map[string]string{"fr": "role"}, Description: msgOptionCaseRole, Kind: OptionText}}},
			{Name: "remove", Aliases: []string{"retirer"}, Usage: msgUsageConflictRemove, Summary: msgSummaryConflictRemove, Run: cmdConflictRemove, Options: []Option{number, member}},
			{Name: "mediate", Aliases: []string{"mediation", "médiation"}, Usage: msgUsageConflictMediate, Summary: msgSummaryConflictMediate, Run: cmdConflictMediate, Options: []Option{number}},
			{Name: "agree", Aliases: []string{"accord"}, Usage: msgUsageConflictAgree, Summary: msgSummaryConflictAgree, Run: cmdConflictAgree, Options: []Option{number, summary}},
			{Name: "close", Aliases: []string{"clore", "fermer"}, Usage: msgUsageConflictClose, Summary: msgSummaryConflictClose, Run: cmdConflictClose, Options: []Option{number, summary}},
			{Name: "escalate", Aliases: []string{"saisir", "conseil"}, Usage: msgUsageConflictEscalate, Summary: msgSummaryConflictEscalate, Run: cmdConflictEscalate, Options: []Option{number,
				{Name: "reason", Names: map[string]string{"fr": "raison"}, Description: msgOptionCaseReason, Kind: OptionText}}},
			{Name: "list", Aliases: []string{"liste"}, Usage: msgUsageConflictList, Summary: msgSummaryConflictList, Moderator: true, Run: cmdConflictList, Options: []Option{
				{Name: "which", Names: map[string]string{"fr": "lesquels"}, Description: msgOptionCaseWhich, Kind: OptionText}}},
		}},
		{Name: "council", Aliases: []string{"conseil"}, Usage: msgUsageCouncil, Summary: msgSummaryCouncil, Run: cmdCouncilShow, Sub: []*Command{
			{Name: "show", Aliases: []string{"voir"}, Usage: msgUsageCouncil, Summary: msgSummaryCouncil, Run: cmdCouncilShow, Hidden: true},
			{Name: "draw", Aliases: []string{"tirage", "tirer"}, Usage: msgUsageCouncilDraw, Summary: msgSummaryCouncilDraw, Moderator: true, Run: cmdCouncilDraw, Options: []Option{
				{Name: "reason", Names: map[string]string{"fr": "raison"}, Description: msgOptionDrawReason, Kind: OptionText}}},
		}},
	}
}

// --- reading commands ------------------------------------------------

// isMediatorWord introduces the mediators: "… mediator @chloe".
func isMediatorWord(s string) bool {
	switch strings.ToLower(strings.TrimRight(s, ":,")) {
	case "mediator", "mediators", "médiateur", "médiateurs", "mediateur", "mediateurs", "médiatrice", "médiatrices", "mediatrice", "mediatrices":
		return true
	}
	return false
}

// isAboutWord introduces a case's topic: "… about the shed", "… sur l'atelier".
func isAboutWord(s string) bool {
	switch strings.ToLower(strings.TrimRight(s, ":,")) {
	case "about", "sur", "sujet", "topic", "concernant":
		return true
	}
	return false
}

// isRequestWord introduces a request's number: "/conflict open request 3".
func isRequestWord(s string) bool {
	switch strings.ToLower(s) {
	case "request", "demande":
		return true
	}
	return false
}

// caseNumberOf reads "3" or "#3".
func caseNumberOf(s string) (int, bool) {
	n, err := strconv.Atoi(strings.TrimPrefix(strings.TrimRight(s, ",;:"), "#"))
	return n, err == nil && n > 0
}

// openArgs is what "/conflict open @a @b mediator @m about the shed" says.
type openArgs struct {
	request   int
	parties   []Mention
	mediators []Mention
	topic     string
}

func (r *request) parseOpen() (openArgs, error) {
	var o openArgs
	text := r.rest()
	spans := wordSpans(text)
	word := func(i int) string { return text[spans[i][0]:spans[i][1]] }
	mediators := false
	for i := 0; i < len(spans); i++ {
		w := word(i)
		switch {
		case i == 0 && isRequestWord(w):
			if i+1 >= len(spans) {
				return o, r.usage()
			}
			n, ok := caseNumberOf(word(i + 1))
			if !ok {
				return o, refuse(msgConflictBadNumber, map[string]any{"Input": word(i + 1), "Usage": r.tr.S(r.cmd.Usage, nil)})
			}
			o.request = n
			i++
		case isMediatorWord(w):
			mediators = true
		case isAboutWord(w):
			if i+1 < len(spans) {
				o.topic = strings.TrimSpace(text[spans[i+1][0]:])
			}
			i = len(spans)
		case isJoinWord(w):
		default:
			m, ok := mentionFor(w, r.msg.Mentions)
			switch {
			case ok && mediators:
				o.mediators = append(o.mediators, m)
			case ok:
				o.parties = append(o.parties, m)
			case strings.HasPrefix(w, "@") && len(w) > 1:
				return o, refuse(msgConflictUnknownMember, map[string]any{"Name": strings.TrimRight(w, ",;:.!?")})
			default:
				// Words without "about": the rest is the topic.
				o.topic = strings.TrimSpace(text[spans[i][0]:])
				i = len(spans)
			}
		}
	}
	o.topic = strings.Join(strings.Fields(o.topic), " ")
	return o, nil
}

// caseNumber reads the case number, the first argument.
func (r *request) caseNumber() (int, error) {
	if len(r.args) == 0 {
		return 0, r.usage()
	}
	n, ok := caseNumberOf(r.args[0])
	if !ok {
		return 0, refuse(msgConflictBadNumber, map[string]any{"Input": r.args[0], "Usage": r.tr.S(r.cmd.Usage, nil)})
	}
	return n, nil
}

// caseActor is the sender acting on cases.
func (r *request) caseActor() ledger.CaseActor {
	return ledger.CaseActor{Community: r.com.id, Key: r.key(), Source: r.msg.Platform, Actor: r.sender(), Moderator: r.moderator()}
}

// inModeratorsRoom is true when the message is in the moderators' room.
func (r *request) inModeratorsRoom() bool {
	p, room, ok := splitRoom(r.com.Conflicts.ModeratorsRoom)
	return ok && p == r.msg.Platform && room == r.msg.Room
}

// inSpaceOf is true when the message is in the case's private space.
func (r *request) inSpaceOf(c ledger.Case) bool {
	return c.Room != "" && c.Platform == r.msg.Platform && (c.Room == r.msg.Room || c.Room == r.msg.Thread)
}

// spaceCase is the case whose private space the message is in.
func (r *request) spaceCase() (ledger.Case, bool, error) {
	c, ok, err := r.bot.ledger.CaseInRoom(r.ctx, r.com.id, r.msg.Platform, r.msg.Room)
	if err != nil || ok || r.msg.Thread == "" {
		return c, ok, err
	}
	return r.bot.ledger.CaseInRoom(r.ctx, r.com.id, r.msg.Platform, r.msg.Thread)
}

// private is whether a reply about case c must be private: anything about
// a case is said openly only in its own space and in the moderators' room.
func (r *request) private(c ledger.Case) bool { return !r.inModeratorsRoom() && !r.inSpaceOf(c) }

// caseRefusal turns the ledger's refusals about case n into replies.
func (r *request) caseRefusal(err error, n int) error {
	data := map[string]any{"Number": n}
	switch ledger.ErrorCode(err) {
	case ledger.ENOTFOUND:
		return refuse(msgConflictNotFound, data)
	case ledger.EFORBIDDEN:
		c, cerr := r.bot.ledger.Case(r.ctx, r.com.id, n)
		if cerr != nil {
			return refuse(msgConflictForbidden, data)
		}
		return r.actRefusal(c)
	case ledger.ECASESTATE:
		c, cerr := r.bot.ledger.Case(r.ctx, r.com.id, n)
		if cerr != nil {
			return cerr
		}
		data["State"] = stateName(r.tr, c.State)
		data["Command"] = r.cmd.path(r.tr.Lang())
		return refuse(msgConflictBadState, data)
	}
	return err
}

// findCase is the numbered case, or a refusal.
func (r *request) findCase(n int) (ledger.Case, error) {
	c, err := r.bot.ledger.Case(r.ctx, r.com.id, n)
	if err != nil {
		return c, r.caseRefusal(err, n)
	}
	return c, nil
}

// mayAct is whether the sender may act on c: a moderator or its mediator,
// who is not one of its parties.
func (r *request) mayAct(c ledger.Case) (bool, error) {
	me, found, err := r.bot.ledger.Member(r.ctx, r.com.id, r.sender())
	if err != nil {
		return false, err
	}
	role := ledger.CaseRole("")
	if found {
		role = c.Role(me.ID)
	}
	return role != ledger.RoleParty && (r.moderator() || role == ledger.RoleMediator), nil
}

// actRefusal is why the sender may not act on c.
func (r *request) actRefusal(c ledger.Case) error {
	me, found, err := r.bot.ledger.Member(r.ctx, r.com.id, r.sender())
	if err != nil {
		return err
	}
	if found && c.Role(me.ID) == ledger.RoleParty {
		return refuse(msgConflictOwnCase, map[string]any{"Number": c.Number})
	}
	return refuse(msgConflictForbidden, map[string]any{"Number": c.Number})
}

// mayRead is whether the sender may read c's status: a moderator, someone
// in the case, or anyone in its space (only its members are).
func (r *request) mayRead(c ledger.Case) (bool, error) {
	if r.moderator() || r.inSpaceOf(c) {
		return true, nil
	}
	me, found, err := r.bot.ledger.Member(r.ctx, r.com.id, r.sender())
	if err != nil {
		return false, err
	}
	return found && c.Role(me.ID) != "", nil
}

// moderatorsAdapter is the moderators' room and the adapter that posts
// there; ok is false when there is no room or no adapter.
func (b *Bot) moderatorsAdapter(ctx context.Context, com *Community) (Adapter, Target, bool) {
	p, room, ok := splitRoom(com.Conflicts.ModeratorsRoom)
	if !ok {
		return nil, Target{}, false
	}
	a := b.adapterFor(ctx, p)
	return a, Target{Room: room}, a != nil
}

// --- texts -------------------------------------------------------------

func stateName(tr Tr, s ledger.CaseState) string {
	return tr.S(map[ledger.CaseState]string{
		ledger.CaseRequested:         msgConflictStateRequested,
		ledger.CaseOpen:              msgConflictStateOpen,
		ledger.CaseInMediation:       msgConflictStateInMediation,
		ledger.CaseAgreement:         msgConflictStateAgreement,
		ledger.CaseClosedNoAgreement: msgConflictStateClosed,
		ledger.CaseEscalated:         msgConflictStateEscalated,
	}[s], nil)
}

// memberNames lists members by name: "Ana and Bob".
func memberNames(tr Tr, ms []ledger.CaseMember) string {
	names := make([]string, len(ms))
	for i, m := range ms {
		names[i] = m.Name
	}
	if len(names) == 0 {
		return tr.S(msgConflictNobody, nil)
	}
	return tr.List(names)
}

// memberMentions lists members as mentions, to ping them.
func memberMentions(tr Tr, ms []ledger.CaseMember) (string, []Mention) {
	toks := make([]string, 0, len(ms))
	var mentions []Mention
	for _, m := range ms {
		tok, mention := mentionOf(ledger.Voter{Account: m.Account, Name: m.Name, UserID: m.UserID})
		toks = append(toks, tok)
		if mention != nil {
			mentions = append(mentions, *mention)
		}
	}
	if len(toks) == 0 {
		return tr.S(msgConflictNobody, nil), nil
	}
	return tr.List(toks), mentions
}

// rules is the community's mediation rules in its language.
func rules(tr Tr, com *Community) string {
	if s := strings.TrimSpace(com.Conflicts.Rules[tr.Lang()]); s != "" {
		return s
	}
	return tr.S(msgConflictRulesDefault, nil)
}

// welcome is what the bot posts first in a case's space: who is there,
// the rules, and what comes next.
func (b *Bot) welcome(tr Tr, com *Community, c ledger.Case) Reply {
	parties, pm := memberMentions(tr, c.WithRole(ledger.RoleParty))
	mediators, mm := memberMentions(tr, c.WithRole(ledger.RoleMediator))
	data := map[string]any{"Number": c.Number, "Topic": c.Topic, "Parties": parties, "Mediators": mediators,
		"Rules": rules(tr, com), "Every": formatEvery(tr, com.Conflicts.checkIn()), "Next": dayTime(tr, c.NextCheckIn, com.Location),
		"Status": b.commandPath(tr.Lang(), "conflict", "status") + " #" + strconv.Itoa(c.Number)}
	id := msgConflictWelcome
	if c.Topic == "" {
		id = msgConflictWelcomeNoTopic
	}
	return Reply{Text: tr.S(id, data), Mentions: append(pm, mm...)}
}

// commandPath is a command as typed in lang: "/conflit etat".
func (b *Bot) commandPath(lang string, names ...string) string {
	cs := b.commands
	var found *Command
	for _, name := range names {
		found = nil
		for _, c := range cs {
			if c.Name == name {
				found = c
			}
		}
		if found == nil {
			return "/" + strings.Join(names, " ")
		}
		cs = found.Sub
	}
	return found.path(lang)
}

// formatEvery shows a period as a repetition: "chaque jour", "tous les 2 jours".
func formatEvery(tr Tr, d time.Duration) string {
	if d >= 24*time.Hour && d%(24*time.Hour) == 0 {
		return tr.N(msgConflictEveryDays, int(d/(24*time.Hour)), nil)
	}
	return tr.N(msgConflictEveryHours, int(d.Round(time.Hour)/time.Hour), nil)
}

// FormatDays says a duration in days ("7 days") or, below two days, hours.
func FormatDays(tr Tr, d time.Duration) string {
	if d >= 48*time.Hour && d%(24*time.Hour) == 0 {
		return tr.N(msgConflictDays, int(d/(24*time.Hour)), nil)
	}
	return tr.N(msgConflictHours, int(d.Round(time.Hour)/time.Hour), nil)
}

// statusLines describe a case; notes are shown only when withNotes.
func (b *Bot) statusLines(ctx context.Context, tr Tr, com *Community, c ledger.Case, withNotes bool) ([]string, error) {
	data := map[string]any{"Number": c.Number, "State": stateName(tr, c.State), "Topic": c.Topic,
		"Parties": memberNames(tr, c.WithRole(ledger.RoleParty)), "Mediators": memberNames(tr, c.WithRole(ledger.RoleMediator)),
		"Date": shortDateTime(tr, c.CreatedAt, com.Location), "Next": dayTime(tr, c.NextCheckIn, com.Location),
		"Summary": c.Summary, "Last": shortDateTime(tr, c.LastActivity, com.Location)}
	head := msgConflictStatusHeader
	if c.Topic == "" {
		head = msgConflictStatusHeaderNoTopic
	}
	lines := []string{tr.S(head, data), tr.S(msgConflictStatusMembers, data)}
	switch {
	case c.State.Closed():
		data["Date"] = shortDateTime(tr, c.ClosedAt, com.Location)
		lines = append(lines, tr.S(msgConflictStatusClosed, data))
	case c.State == ledger.CaseRequested:
		lines = append(lines, tr.S(msgConflictStatusRequested, data))
	default:
		lines = append(lines, tr.S(msgConflictStatusFollowUp, data))
	}
	if !withNotes {
		return lines, nil
	}
	log, err := b.ledger.CaseLog(ctx, c.ID)
	if err != nil {
		return nil, err
	}
	var notes []string
	for _, e := range log {
		switch e.Kind {
		case ledger.LogNote, ledger.LogRequested:
			notes = append(notes, tr.S(msgConflictStatusNote, map[string]any{"Date": shortDateTime(tr, e.CreatedAt, com.Location),
				"Name": e.Actor.Name, "Text": e.Text}))
		case ledger.LogEscalated:
			if e.Text != "" {
				notes = append(notes, tr.S(msgConflictStatusNote, map[string]any{"Date": shortDateTime(tr, e.CreatedAt, com.Location),
					"Name": e.Actor.Name, "Text": e.Text}))
			}
		}
	}
	if len(notes) > 5 {
		lines = append(lines, tr.N(msgConflictStatusEarlierNotes, len(notes)-5, nil))
		notes = notes[len(notes)-5:]
	}
	if len(notes) > 0 {
		lines = append(lines, tr.S(msgConflictStatusNotes, nil))
		lines = append(lines, notes...)
	}
	return lines, nil
}

// --- commands ------------------------------------------------------------

func cmdConflictRequest(r *request) error {
	text := r.rest()
	if text == "" {
		return r.usage()
	}
	if n := utf8.RuneCountInString(text); n > ledger.MaxCaseText {
		return refuse(msgConflictTooLong, map[string]any{"Length": n, "Max": ledger.MaxCaseText})
	}
	a, to, ok := r.bot.moderatorsAdapter(r.ctx, r.com)
	if !ok {
		if r.com.Conflicts.ModeratorsRoom == "" {
			return refuse(msgConflictNoModeratorsRoom, nil)
		}
		return refuse(msgConflictModeratorsAway, nil)
	}
	r.bot.conflicts.openMu.Lock()
	defer r.bot.conflicts.openMu.Unlock()
	rec, err := r.bot.ledger.RequestCase(r.ctx, r.caseActor(), text)
	if err != nil {
		return err
	}
	c := rec.Case
	data := map[string]any{"Number": c.Number}
	if rec.Replayed {
		r.reply(Reply{Private: true, Text: r.tr.S(msgConflictRequestReplayed, data)})
		return nil
	}
	r.log.Info("mediation requested", "case", c.Number)
	post := Reply{Text: r.tr.S(msgConflictRequestPosted, map[string]any{"Number": c.Number,
		"Name": displayName(Mention{User: r.msg.Sender}), "Text": text,
		"Command": r.cmdPath("conflict") + " " + r.subName("conflict", "open") + " " + requestWord(r.tr) + " " + strconv.Itoa(c.Number)})}
	if _, err := r.bot.Deliver(r.ctx, a, to, post); err != nil {
		r.log.Error("mediation request not posted to the moderators", "case", c.Number, "err", err)
		r.reply(Reply{Private: true, Text: r.tr.S(msgConflictRequestNotPosted, data)})
		return nil
	}
	r.reply(Reply{Private: true, Text: r.tr.S(msgConflictRequested, data)})
	return nil
}

func requestWord(tr Tr) string {
	if tr.Lang() == "fr" {
		return "demande"
	}
	return "request"
}

// cmdConflictOpen checks everything it can, then makes the private space,
// then records the case with it: a space the platform refuses to make is a
// refusal that records nothing. The window: a crash between making the
// space and recording the case leaves an empty space, and the redelivered
// command makes another (the first is logged as made).
func cmdConflictOpen(r *request) error {
	// A redelivered command finds its case and makes no second space.
	key := r.key()
	if replayed, err := r.openReplayed(key); replayed || err != nil {
		return err
	}
	o, err := r.parseOpen()
	if err != nil {
		return err
	}
	// Who is named, checked before anything is made.
	seen := map[string]string{}
	for _, group := range []struct {
		ms   []Mention
		role string
	}{{o.parties, "party"}, {o.mediators, "mediator"}} {
		for _, m := range group.ms {
			if m.IsBot {
				return refuse(msgConflictBotNamed, nil)
			}
			if prior, dup := seen[m.User.ID]; dup {
				if prior != group.role {
					return refuse(msgConflictBothRoles, map[string]any{"Name": displayName(m)})
				}
				return refuse(msgConflictNamedTwice, map[string]any{"Name": displayName(m)})
			}
			seen[m.User.ID] = group.role
		}
	}
	if n := utf8.RuneCountInString(o.topic); n > ledger.MaxCaseTopic {
		return refuse(msgConflictTooLong, map[string]any{"Length": n, "Max": ledger.MaxCaseTopic})
	}
	var members []User
	var requested ledger.Case
	if o.request != 0 {
		if requested, err = r.findCase(o.request); err != nil {
			return err
		}
		if requested.State != ledger.CaseRequested {
			return refuse(msgConflictNotARequest, map[string]any{"Number": o.request, "State": stateName(r.tr, requested.State)})
		}
		for _, m := range requested.WithRole(ledger.RoleParty) {
			uid, err := r.bot.ledger.UserOn(r.ctx, m.Account, r.msg.Platform)
			if err != nil {
				return err
			}
			if uid == "" {
				return refuse(msgConflictRequesterElsewhere, map[string]any{"Number": o.request, "Name": m.Name, "Platform": r.msg.Platform})
			}
			if role, named := seen[uid]; named && role != "party" {
				return refuse(msgConflictBothRoles, map[string]any{"Name": m.Name})
			}
			if _, named := seen[uid]; !named {
				seen[uid] = "party"
				members = append(members, User{ID: uid, Name: m.Name})
			}
		}
		if len(seen) < 2 {
			return refuse(msgConflictTooFewFromRequest, map[string]any{"Number": o.request, "Usage": r.tr.S(r.cmd.Usage, nil)})
		}
	} else {
		if len(o.parties) < 2 {
			return refuse(msgConflictTooFewParties, map[string]any{"Usage": r.tr.S(r.cmd.Usage, nil)})
		}
		if o.topic == "" {
			return refuse(msgConflictNoTopic, map[string]any{"Usage": r.tr.S(r.cmd.Usage, nil)})
		}
	}
	for _, m := range append(append([]Mention(nil), o.parties...), o.mediators...) {
		members = append(members, m.User)
	}
	if seen[r.msg.Sender.ID] == "party" {
		// A moderator in a conflict asks for mediation like anyone.
		return refuse(msgConflictOwnCaseOpen, map[string]any{
			"Command": r.cmdPath("conflict") + " " + r.subName("conflict", "request")})
	}
	a := r.bot.adapterFor(r.ctx, r.msg.Platform)
	pc, ok := a.(PrivateSpaceCreator)
	if a == nil || !ok {
		return refuse(msgConflictNoPrivateSpaces, map[string]any{"Platform": r.msg.Platform})
	}

	r.bot.conflicts.openMu.Lock()
	defer r.bot.conflicts.openMu.Unlock()
	if replayed, err := r.openReplayed(key); replayed || err != nil {
		return err
	}
	number := o.request
	if number == 0 {
		if number, err = r.bot.ledger.NextCaseNumber(r.ctx, r.com.id); err != nil {
			return err
		}
	}
	name := r.tr.S(msgConflictSpaceName, map[string]any{"Number": number})
	room, err := pc.CreatePrivateSpace(r.ctx, name, members)
	if err != nil {
		r.log.Error("private space not created", "case", number, "err", err)
		return refuse(msgConflictSpaceFailed, map[string]any{"Platform": r.msg.Platform})
	}
	identities := func(ms []Mention) []ledger.Identity {
		out := make([]ledger.Identity, len(ms))
		for i, m := range ms {
			out[i] = ledger.Identity{Platform: r.msg.Platform, UserID: m.User.ID, Name: m.User.Name}
		}
		return out
	}
	act := r.caseActor()
	act.Key = key
	req := ledger.OpenCaseRequest{CaseActor: act, Request: o.request, Parties: identities(o.parties), Mediators: identities(o.mediators),
		Topic: o.topic, Platform: r.msg.Platform, Room: room, CheckIn: r.com.Conflicts.checkIn()}
	if o.request == 0 {
		req.Number = number
	}
	rec, err := r.bot.ledger.OpenCase(r.ctx, req)
	if err != nil {
		r.log.Error("a private space was made for a case that was not recorded: it is empty of purpose", "room", room, "err", err)
		return r.caseRefusal(err, number)
	}
	c := rec.Case
	r.bot.addCaseSpace(c.Platform, c.Room, r.com)
	r.log.Info("case opened", "case", c.Number, "members", len(c.Members))
	data := map[string]any{"Number": c.Number, "Parties": memberNames(r.tr, c.WithRole(ledger.RoleParty)),
		"Mediators": memberNames(r.tr, c.WithRole(ledger.RoleMediator))}
	text := r.tr.S(msgConflictOpened, data)
	if _, err := r.bot.Deliver(r.ctx, a, Target{Room: c.Room}, r.bot.welcome(r.tr, r.com, c)); err != nil {
		r.log.Error("welcome not posted in the case's space", "case", c.Number, "err", err)
		text += "\n" + r.tr.S(msgConflictWelcomeNotPosted, data)
	}
	if len(c.WithRole(ledger.RoleMediator)) == 0 {
		text += "\n" + r.tr.S(msgConflictNoMediatorYet, map[string]any{"Number": c.Number})
	}
	r.reply(Reply{Private: r.private(c), Text: text})
	return nil
}

// caseReplayed answers a redelivered case command: true when key was
// recorded already, whatever became of the case since.
func (r *request) caseReplayed(key string) (bool, error) {
	n, found, err := r.bot.ledger.CaseOp(r.ctx, key)
	if err != nil || !found {
		return false, err
	}
	r.reply(Reply{Private: true, Text: r.tr.S(msgConflictReplayed, map[string]any{"Number": n})})
	return true, nil
}

// openReplayed answers a redelivered open: true when key opened a case.
func (r *request) openReplayed(key string) (bool, error) {
	n, found, err := r.bot.ledger.CaseOp(r.ctx, key)
	if err != nil || !found {
		return false, err
	}
	r.reply(Reply{Private: true, Text: r.tr.S(msgConflictOpenReplayed, map[string]any{"Number": n})})
	return true, nil
}

func cmdConflictStatus(r *request) error {
	if len(r.args) > 1 {
		return r.usage()
	}
	if len(r.args) == 0 {
		c, ok, err := r.spaceCase()
		if err != nil {
			return err
		}
		if ok {
			return r.showStatus(c)
		}
		cs, err := r.bot.ledger.CasesOf(r.ctx, r.com.id, r.sender())
		if err != nil {
			return err
		}
		if len(cs) == 0 {
			id := msgConflictNoCases
			if r.moderator() {
				id = msgConflictNoCasesModerator
			}
			r.reply(Reply{Private: true, Text: r.tr.S(id, map[string]any{
				"Command": r.cmdPath("conflict") + " " + r.subName("conflict", "request"),
				"List":    r.cmdPath("conflict") + " " + r.subName("conflict", "list")})})
			return nil
		}
		lines := []string{r.tr.N(msgConflictYourCases, len(cs), nil)}
		for _, c := range cs {
			lines = append(lines, "• "+r.caseLine(c))
		}
		r.reply(Reply{Private: true, Text: strings.Join(lines, "\n")})
		return nil
	}
	n, err := r.caseNumber()
	if err != nil {
		return err
	}
	c, err := r.findCase(n)
	if err != nil {
		return err
	}
	return r.showStatus(c)
}

func (r *request) showStatus(c ledger.Case) error {
	ok, err := r.mayRead(c)
	if err != nil {
		return err
	}
	if !ok {
		return refuse(msgConflictNotYours, map[string]any{"Number": c.Number})
	}
	inSpace, err := r.inAnySpace()
	if err != nil {
		return err
	}
	// Notes only for who may act, and never where parties read.
	mayAct, err := r.mayAct(c)
	if err != nil {
		return err
	}
	lines, err := r.bot.statusLines(r.ctx, r.tr, r.com, c, mayAct && !inSpace)
	if err != nil {
		return err
	}
	r.reply(Reply{Private: r.private(c), Text: strings.Join(lines, "\n")})
	return nil
}

// inAnySpace is true when the message is in some case's private space.
func (r *request) inAnySpace() (bool, error) {
	_, ok, err := r.spaceCase()
	return ok, err
}

// caseLine is one case in a list.
func (r *request) caseLine(c ledger.Case) string {
	data := map[string]any{"Number": c.Number, "State": stateName(r.tr, c.State), "Topic": truncate(c.Topic, 60),
		"Parties": memberNames(r.tr, c.WithRole(ledger.RoleParty)), "Mediators": memberNames(r.tr, c.WithRole(ledger.RoleMediator)),
		"Last": shortDateTime(r.tr, c.LastActivity, r.com.Location)}
	if c.Topic == "" {
		return r.tr.S(msgConflictListItemNoTopic, data)
	}
	return r.tr.S(msgConflictListItem, data)
}

func cmdConflictList(r *request) error {
	filter := ledger.CasesPending
	switch {
	case len(r.args) == 0:
	case len(r.args) == 1 && isAllWord(r.args[0]):
		filter = ledger.CasesAll
	default:
		return r.usage()
	}
	cs, err := r.bot.ledger.Cases(r.ctx, r.com.id, filter)
	if err != nil {
		return err
	}
	private := !r.inModeratorsRoom()
	if len(cs) == 0 {
		r.reply(Reply{Private: private, Text: r.tr.S(msgConflictListEmpty, nil)})
		return nil
	}
	lines := []string{r.tr.N(msgConflictListHeader, len(cs), nil)}
	for _, c := range cs {
		lines = append(lines, "• "+r.caseLine(c))
	}
	r.reply(Reply{Private: private, Text: strings.Join(lines, "\n")})
	return nil
}

func isAllWord(s string) bool {
	switch strings.ToLower(s) {
	case "all", "tout", "tous", "toutes":
		return true
	}
	return false
}

func cmdConflictNote(r *request) error {
	n, err := r.caseNumber()
	if err != nil {
		return err
	}
	text := r.restAfter(1)
	if text == "" {
		return refuse(msgConflictNoteEmpty, map[string]any{"Usage": r.tr.S(r.cmd.Usage, nil)})
	}
	if inSpace, err := r.inAnySpace(); err != nil {
		return err
	} else if inSpace {
		return refuse(msgConflictNoteInSpace, nil)
	}
	if l := utf8.RuneCountInString(text); l > ledger.MaxCaseText {
		return refuse(msgConflictTooLong, map[string]any{"Length": l, "Max": ledger.MaxCaseText})
	}
	rec, err := r.bot.ledger.NoteCase(r.ctx, r.caseActor(), n, text)
	if err != nil {
		return r.caseRefusal(err, n)
	}
	id := msgConflictNoted
	if rec.Replayed {
		id = msgConflictReplayed
	}
	r.reply(Reply{Private: !r.inModeratorsRoom(), Text: r.tr.S(id, map[string]any{"Number": n})})
	return nil
}

// memberArgs reads "#3 @x [mediator]" for /conflict add and remove.
func (r *request) memberArgs() (n int, m Mention, role ledger.CaseRole, err error) {
	if n, err = r.caseNumber(); err != nil {
		return
	}
	role = ledger.RoleParty
	found := false
	for _, w := range r.args[1:] {
		switch {
		case isMediatorWord(w):
			role = ledger.RoleMediator
		case strings.EqualFold(w, "party") || strings.EqualFold(w, "partie"):
		default:
			mm, ok := mentionFor(w, r.msg.Mentions)
			switch {
			case ok && found:
				return 0, m, role, refuse(msgConflictOneMember, map[string]any{"Usage": r.tr.S(r.cmd.Usage, nil)})
			case ok:
				m, found = mm, true
			case strings.HasPrefix(w, "@") && len(w) > 1:
				return 0, m, role, refuse(msgConflictUnknownMember, map[string]any{"Name": strings.TrimRight(w, ",;:.!?")})
			default:
				return 0, m, role, r.usage()
			}
		}
	}
	if !found {
		return 0, m, role, r.usage()
	}
	if m.IsBot {
		return 0, m, role, refuse(msgConflictBotNamed, nil)
	}
	return n, m, role, nil
}

func cmdConflictAdd(r *request) error    { return changeMember(r, true) }
func cmdConflictRemove(r *request) error { return changeMember(r, false) }

// changeMember adds a member to a case's space, or takes them out: on the
// platform first when the adapter can (a failure there changes nothing),
// then in the ledger; where the adapter can't, it is recorded and the
// moderators are told to do it by hand.
func changeMember(r *request, add bool) error {
	key := r.key()
	if replayed, err := r.caseReplayed(key); replayed || err != nil {
		return err
	}
	n, m, role, err := r.memberArgs()
	if err != nil {
		return err
	}
	c, err := r.findCase(n)
	if err != nil {
		return err
	}
	if ok, err := r.mayAct(c); err != nil {
		return err
	} else if !ok {
		return r.actRefusal(c)
	}
	if !c.State.Active() {
		return r.caseRefusal(&ledger.Error{Code: ledger.ECASESTATE}, n)
	}
	if c.Platform != r.msg.Platform {
		return refuse(msgConflictOtherPlatform, map[string]any{"Number": n, "Platform": c.Platform})
	}
	data := map[string]any{"Number": n, "Name": displayName(m), "Role": roleName(r.tr, role)}
	me, found, err := r.bot.ledger.Member(r.ctx, r.com.id, ledger.Identity{Platform: r.msg.Platform, UserID: m.User.ID})
	if err != nil {
		return err
	}
	current := ledger.CaseRole("")
	if found {
		current = c.Role(me.ID)
	}
	switch {
	case add && current == role:
		r.reply(Reply{Private: true, Text: r.tr.S(msgConflictAlreadyIn, data)})
		return nil
	case add && current != "":
		data["Role"] = roleName(r.tr, current)
		return refuse(msgConflictOtherRole, data)
	case !add && current == "":
		return refuse(msgConflictNotIn, data)
	}
	if !add {
		data["Role"] = roleName(r.tr, current)
	}
	a := r.bot.adapterFor(r.ctx, c.Platform)
	editor, canEdit := a.(PrivateSpaceEditor)
	if a != nil && canEdit {
		op := editor.RemoveFromPrivateSpace
		if add {
			op = editor.AddToPrivateSpace
		}
		if err := op(r.ctx, c.Room, m.User); err != nil {
			r.log.Error("private space membership not changed", "case", n, "add", add, "err", err)
			return refuse(msgConflictSpaceEditFailed, data)
		}
	}
	req := ledger.CaseMemberRequest{CaseActor: r.caseActor(), Number: n, Role: role,
		Member: ledger.Identity{Platform: r.msg.Platform, UserID: m.User.ID, Name: m.User.Name}}
	req.Key = key
	var rec *ledger.CaseReceipt
	if add {
		rec, err = r.bot.ledger.AddCaseMember(r.ctx, req)
	} else {
		rec, err = r.bot.ledger.RemoveCaseMember(r.ctx, req)
	}
	if err != nil {
		return r.caseRefusal(err, n)
	}
	var welcome []Reply
	if h, ok := a.(LateHistoryHider); add && ok && h.HidesEarlierHistory() {
		welcome = append(welcome, r.bot.welcome(r.tr, r.com, rec.Case))
	}
	r.log.Info("case membership changed", "case", n, "add", add, "role", role)
	tok := "@" + strings.Join(strings.Fields(displayName(m)), "_")
	data["Mention"] = tok
	announce := Reply{Text: r.tr.S(msgConflictMemberLeft, data)}
	text := r.tr.S(msgConflictRemoved, data)
	if add {
		announce = Reply{Text: r.tr.S(msgConflictMemberJoined, data), Mentions: []Mention{{Text: tok, User: m.User}}}
		text = r.tr.S(msgConflictAdded, data)
	}
	note := ""
	if a == nil || !canEdit {
		id := msgConflictRemoveByHand
		if add {
			id = msgConflictAddByHand
		}
		note = "\n" + r.tr.S(id, map[string]any{"Platform": c.Platform, "Name": displayName(m)})
	}
	if r.inSpaceOf(c) {
		// Said where it happens: the announcement is the answer.
		announce.Text += note
		r.reply(announce)
		for _, w := range welcome {
			r.reply(w)
		}
		return nil
	}
	if a != nil {
		for _, m := range append([]Reply{announce}, welcome...) {
			if _, err := r.bot.Deliver(r.ctx, a, Target{Room: c.Room}, m); err != nil {
				r.log.Error("membership change not told in the case's space", "case", n, "err", err)
			}
		}
	}
	r.reply(Reply{Private: r.private(c), Text: text + note})
	return nil
}

// tellRequester tells the author of a request that was closed without
// being opened, privately, with the moderators' summary.
func (r *request) tellRequester(c ledger.Case, summary string) (told bool) {
	a := r.bot.adapterFor(r.ctx, r.msg.Platform)
	ps, ok := a.(PrivateSender)
	if a == nil || !ok {
		return false
	}
	told = true
	for _, m := range c.WithRole(ledger.RoleParty) {
		uid, err := r.bot.ledger.UserOn(r.ctx, m.Account, r.msg.Platform)
		if err != nil || uid == "" {
			r.log.Warn("the author of a closed request could not be told", "case", c.Number, "err", err)
			told = false
			continue
		}
		text := r.tr.S(msgConflictRequestClosed, map[string]any{"Number": c.Number, "Summary": summary})
		if _, err := ps.SendPrivate(r.ctx, Target{User: User{ID: uid, Name: m.Name}}, Reply{Text: text, Private: true}); err != nil {
			r.log.Error("the author of a closed request was not told", "case", c.Number, "err", err)
			told = false
		}
	}
	return told
}

func roleName(tr Tr, role ledger.CaseRole) string {
	if role == ledger.RoleMediator {
		return tr.S(msgConflictRoleMediator, nil)
	}
	return tr.S(msgConflictRoleParty, nil)
}

func cmdConflictMediate(r *request) error  { return setCaseState(r, ledger.CaseInMediation) }
func cmdConflictAgree(r *request) error    { return setCaseState(r, ledger.CaseAgreement) }
func cmdConflictClose(r *request) error    { return setCaseState(r, ledger.CaseClosedNoAgreement) }
func cmdConflictEscalate(r *request) error { return setCaseState(r, ledger.CaseEscalated) }

// setCaseState moves a case, tells its space (and, for an escalation, the
// moderators' room, with the council), and answers.
func setCaseState(r *request, to ledger.CaseState) error {
	if replayed, err := r.caseReplayed(r.key()); replayed || err != nil {
		return err
	}
	n, err := r.caseNumber()
	if err != nil {
		return err
	}
	text := r.restAfter(1)
	if to.Closed() && text == "" {
		return refuse(msgConflictSummaryNeeded, map[string]any{"Number": n, "Command": r.cmd.path(r.tr.Lang())})
	}
	if to == ledger.CaseInMediation && text != "" {
		return r.usage()
	}
	limit := ledger.MaxCaseText
	if to.Closed() {
		limit = ledger.MaxCaseSummary
	}
	if l := utf8.RuneCountInString(text); l > limit {
		return refuse(msgConflictTooLong, map[string]any{"Length": l, "Max": limit})
	}
	if c, err := r.findCase(n); err != nil {
		return err
	} else if ok, err := r.mayAct(c); err != nil {
		return err
	} else if !ok {
		return r.actRefusal(c)
	} else if c.State == ledger.CaseRequested && to != ledger.CaseClosedNoAgreement {
		return refuse(msgConflictStillARequest, map[string]any{"Number": n,
			"Command": r.cmdPath("conflict") + " " + r.subName("conflict", "open") + " " + requestWord(r.tr) + " " + strconv.Itoa(n)})
	}
	rec, err := r.bot.ledger.SetCaseState(r.ctx, r.caseActor(), n, to, text)
	if err != nil {
		return r.caseRefusal(err, n)
	}
	c := rec.Case
	data := map[string]any{"Number": n, "State": stateName(r.tr, c.State), "Summary": text, "Text": text,
		"Actor": displayName(Mention{User: r.msg.Sender})}
	switch {
	case rec.Replayed:
		r.reply(Reply{Private: true, Text: r.tr.S(msgConflictReplayed, data)})
		return nil
	case !rec.Changed:
		r.reply(Reply{Private: true, Text: r.tr.S(msgConflictUnchanged, data)})
		return nil
	}
	r.log.Info("case state changed", "case", n, "state", c.State)
	var announce string
	switch to {
	case ledger.CaseInMediation:
		announce = r.tr.S(msgConflictMediating, data)
	case ledger.CaseAgreement:
		announce = r.tr.S(msgConflictAgreed, data)
	case ledger.CaseClosedNoAgreement:
		announce = r.tr.S(msgConflictClosed, data)
	case ledger.CaseEscalated:
		// The reason is for the council: the moderators' room hears it.
		announce = r.tr.S(msgConflictEscalated, data)
	}
	// A request has no space to tell.
	if a := r.bot.adapterFor(r.ctx, c.Platform); c.Room != "" && !r.inSpaceOf(c) && a != nil {
		if _, err := r.bot.Deliver(r.ctx, a, Target{Room: c.Room}, Reply{Text: announce}); err != nil {
			r.log.Error("state change not told in the case's space", "case", n, "err", err)
		}
	}
	if to == ledger.CaseEscalated {
		r.tellCouncil(c, text)
	}
	told := c.Room != "" || r.tellRequester(c, text)
	if r.inSpaceOf(c) {
		r.reply(Reply{Text: announce})
		return nil
	}
	id := msgConflictStateSet
	switch {
	case c.Room == "" && told:
		id = msgConflictRequestDeclined
	case c.Room == "":
		id = msgConflictRequestDeclinedUntold
	}
	r.reply(Reply{Private: r.private(c), Text: r.tr.S(id, data)})
	return nil
}
