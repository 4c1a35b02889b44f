package bot

import (
	"errors"
	"strconv"
	"strings"

	"github.com/entraide/entraide/ledger"
)

// The conflict commands.

func cmdConflictRequest(r *request) error {
	text := r.rest()
	if text == "" {
		return r.usage()
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
		return tooLongAs(err, msgConflictTooLong)
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
		"Command": r.cmdPath("conflict") + " " + r.subName("conflict", "open") + " " + keyword(r.tr, kwRequest) + " " + strconv.Itoa(c.Number)})}
	if _, err := r.bot.Deliver(r.ctx, a, to, post); err != nil {
		r.log.Error("mediation request not posted to the moderators", "case", c.Number, "err", err)
		r.reply(Reply{Private: true, Text: r.tr.S(msgConflictRequestNotPosted, data)})
		return nil
	}
	r.reply(Reply{Private: true, Text: r.tr.S(msgConflictRequested, data)})
	return nil
}

// cmdConflictOpen checks everything it can, then makes the private space,
// then records the case with it: a space the platform refuses to make is a
// refusal that records nothing. The window: a crash between making the
// space and recording the case leaves an empty space, and the redelivered
// command makes another (the first is logged as made).
func cmdConflictOpen(r *request) error {
	// A redelivered command finds its case and makes no second space.
	key := r.key()
	if replayed, err := r.caseReplayed(key, msgConflictOpenReplayed); replayed || err != nil {
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
	// Asked of the ledger before the space is made: a space made for a
	// topic it then refuses would stay empty.
	if err := ledger.CheckCaseTopic(o.topic); err != nil {
		return tooLongAs(err, msgConflictTooLong)
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
	if replayed, err := r.caseReplayed(key, msgConflictOpenReplayed); replayed || err != nil {
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

// caseReplayed answers a redelivered case command with message id (an
// open says which case it opened): true when key was recorded already,
// whatever became of the case since.
func (r *request) caseReplayed(key, id string) (bool, error) {
	n, found, err := r.bot.ledger.CaseOp(r.ctx, key)
	if err != nil || !found {
		return false, err
	}
	r.reply(Reply{Private: true, Text: r.tr.S(id, map[string]any{"Number": n})})
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
		id := msgConflictNoCases
		if r.moderator() {
			id = msgConflictNoCasesModerator
		}
		empty := r.tr.S(id, map[string]any{
			"Command": r.cmdPath("conflict") + " " + r.subName("conflict", "request"),
			"List":    r.cmdPath("conflict") + " " + r.subName("conflict", "list")})
		replyList(r, true, cs, empty, msgConflictYourCases, r.caseLine)
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
	refused := r.mayActOn(c)
	var ref *refusal
	if refused != nil && !errors.As(refused, &ref) {
		return refused
	}
	lines, err := r.bot.statusLines(r.ctx, r.tr, r.com, c, refused == nil && !inSpace)
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
	case len(r.args) == 1 && r.bot.catalog.is(kwAll, r.args[0]):
		filter = ledger.CasesAll
	default:
		return r.usage()
	}
	cs, err := r.bot.ledger.Cases(r.ctx, r.com.id, filter)
	if err != nil {
		return err
	}
	replyList(r, !r.inModeratorsRoom(), cs, r.tr.S(msgConflictListEmpty, nil), msgConflictListHeader, r.caseLine)
	return nil
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
		case r.bot.catalog.is(kwMediator, w):
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
	if replayed, err := r.caseReplayed(key, msgConflictReplayed); replayed || err != nil {
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
	if err := r.mayActOn(c); err != nil {
		return err
	}
	if !c.State.Active() {
		return r.caseRefusal(&ledger.CaseStateError{Number: n, State: c.State}, n)
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
	if replayed, err := r.caseReplayed(r.key(), msgConflictReplayed); replayed || err != nil {
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
	if c, err := r.findCase(n); err != nil {
		return err
	} else if err := r.mayActOn(c); err != nil {
		return err
	} else if c.State == ledger.CaseRequested && to != ledger.CaseClosedNoAgreement {
		return refuse(msgConflictStillARequest, map[string]any{"Number": n,
			"Command": r.cmdPath("conflict") + " " + r.subName("conflict", "open") + " " + keyword(r.tr, kwRequest) + " " + strconv.Itoa(n)})
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
