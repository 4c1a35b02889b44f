package bot

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/entraide/entraide/ledger"
	"github.com/entraide/entraide/schedules"
)

// Offers and needs: members say what they need and what they can give,
// find each other with /find, and are introduced in a private space; the
// gift that follows names the post ("need:1"), and a gift from a need's
// author meets it. Discreet needs go to the moderators' room only.

// AidLedger is what offers and needs need from the ledger.
type AidLedger interface {
	PostAid(ctx context.Context, req ledger.PostRequest) (*ledger.AidReceipt, error)
	EditAid(ctx context.Context, a ledger.AidAction) (*ledger.AidReceipt, error)
	CloseAid(ctx context.Context, a ledger.AidAction, hide bool) (*ledger.AidReceipt, error)
	ContactAid(ctx context.Context, a ledger.AidAction) (*ledger.AidReceipt, error)
	AidPost(ctx context.Context, c ledger.CommunityID, ref ledger.PostRef) (ledger.Post, error)
	OpenPosts(ctx context.Context, c ledger.CommunityID, f ledger.AidFilter) (ledger.AidPage, error)
	SetAidCard(ctx context.Context, id ledger.PostID, card string) error
	SetAidSpace(ctx context.Context, contact int64, room string) error
	ExpiringNeeds(ctx context.Context, c ledger.CommunityID, asOf time.Time, lead time.Duration) ([]ledger.Post, error)
	MarkNeedReminded(ctx context.Context, id ledger.PostID) error
	ExpireNeeds(ctx context.Context, c ledger.CommunityID, asOf time.Time) ([]ledger.Post, error)
	MetNeeds(ctx context.Context, c ledger.CommunityID, since time.Time) ([]ledger.Post, error)
	AidCountsIn(ctx context.Context, c ledger.CommunityID, from, to time.Time) (ledger.AidCounts, error)
}

// AidSettings are a community's offers-and-needs settings.
type AidSettings struct {
	// Room ("platform:room") is where cards are posted; "" for the room
	// where the command was typed.
	Room string
	// NeedExpiry is how long a need without a deadline stays open.
	NeedExpiry time.Duration
}

// defaultNeedExpiry is how long a need without a deadline stays open.
const defaultNeedExpiry = 30 * 24 * time.Hour

// needReminderLead is how long before a need expires its author is told.
const needReminderLead = 24 * time.Hour

// aidPageSize is how many posts a list or a search shows.
const aidPageSize = 10

// recentlyMet is how far back /need list shows the needs met, with who
// helped.
const recentlyMet = 7 * 24 * time.Hour

func (s AidSettings) needExpiry() time.Duration {
	if s.NeedExpiry > 0 {
		return s.NeedExpiry
	}
	return defaultNeedExpiry
}

// Validate names a wrong setting.
func (s AidSettings) Validate() error {
	if s.Room != "" {
		if _, _, ok := splitRoom(s.Room); !ok {
			return errors.New(`aid.room: want "platform:room"`)
		}
	}
	if s.NeedExpiry < 0 {
		return errors.New("aid.need_expiry: must be positive")
	}
	return nil
}

// aidKind is the kind of post a command acts on: its root's name.
func (r *request) aidKind() ledger.PostKind {
	c := r.cmd
	for c.parent != nil {
		c = c.parent
	}
	if c.Name == "offer" {
		return ledger.Offer
	}
	return ledger.Need
}

// aidRef reads the post number, the first argument ("3" or "#3").
func (r *request) aidRef() (ledger.PostRef, error) {
	n, err := r.numberArg(msgAidBadNumber)
	return ledger.PostRef{Kind: r.aidKind(), Number: n}, err
}

// postAnswered takes the post a gift names ("need:1") out of its words.
func (r *request) postAnswered(args []string) ([]string, *ledger.PostRef, error) {
	var rest []string
	var answers *ledger.PostRef
	for _, tok := range args {
		ref, ok := r.bot.catalog.postTokenOf(tok)
		if !ok {
			rest = append(rest, tok)
			continue
		}
		if answers != nil && *answers != ref {
			return nil, nil, refuse(msgAidTwoPosts, nil)
		}
		answers = &ref
	}
	return rest, answers, nil
}

// answeredLine says what post a gift answered; a need it met has its
// card updated.
func (r *request) answeredLine(a ledger.Answered, replayed bool) string {
	data := postData(r.tr, a.Ref.Kind, a.Ref.Number)
	if !a.Met {
		return r.tr.S(msgAidGiftFor, data)
	}
	if !replayed {
		if p, err := r.bot.ledger.AidPost(r.ctx, r.com.id, a.Ref); err == nil {
			r.bot.refreshAidCard(r.ctx, r.com, p)
		} else {
			r.log.Error("met need not read back", "need", a.Ref.Number, "err", err)
		}
	}
	return r.tr.S(msgAidGiftMet, data)
}

// aidRefusal words the ledger's refusals about a post.
func (r *request) aidRefusal(err error, ref ledger.PostRef) error {
	data := postData(r.tr, ref.Kind, ref.Number)
	data["List"] = r.cmdPath(string(ref.Kind)) + " " + r.subName(string(ref.Kind), "list")
	return refuseCode(err, map[ledger.Code]string{
		ledger.ENOTFOUND:  msgAidNotFound,
		ledger.ECLOSED:    msgAidClosed,
		ledger.EFORBIDDEN: msgAidForbidden,
		ledger.ESELF:      msgAidOwn,
		ledger.ENOTHING:   msgAidUnchanged,
	}, data)
}

// parsePost reads "<text> [#category] [until <deadline>]".
func (r *request) parsePost(words []string, withDeadline bool) (text, category, until string, err error) {
	if n := len(words); withDeadline && n >= 2 && r.bot.catalog.is(kwUntil, words[n-2]) {
		until, words = words[n-1], words[:n-2]
	}
	var kept []string
	for _, w := range words {
		if strings.HasPrefix(w, "#") && len(w) > 1 {
			if cat, ok := r.com.category(strings.TrimRight(w[1:], ",;:.!?")); ok {
				if category != "" && category != cat.ID {
					return "", "", "", refuse(msgGiveTwoCategories, nil)
				}
				category = cat.ID
				continue
			}
		}
		kept = append(kept, w)
	}
	text = strings.Join(kept, " ")
	if text == "" {
		return "", "", "", r.usage()
	}
	return text, category, until, nil
}

func cmdNeedPost(r *request) error       { return postAid(r, false) }
func cmdNeedDiscreet(r *request) error   { return postAid(r, true) }
func cmdOfferPost(r *request) error      { return postAid(r, false) }
func cmdAidEdit(r *request) error        { return actOnAid(r, aidEdit) }
func cmdAidClose(r *request) error       { return actOnAid(r, aidClose) }
func cmdAidHide(r *request) error        { return actOnAid(r, aidHide) }
func cmdAidContactPost(r *request) error { return contactAid(r) }

func postAid(r *request, discreet bool) error {
	kind := r.aidKind()
	text, category, until, err := r.parsePost(r.args, kind == ledger.Need)
	if err != nil {
		return err
	}
	now := r.bot.now()
	var expires time.Time
	if kind == ledger.Need {
		expires = now.Add(r.com.Aid.needExpiry())
		if until != "" {
			d, ok := schedules.ParseDeadline(until, r.bot.catalog.words, now, r.com.Location)
			if !ok {
				return refuse(msgDecisionBadDeadline, map[string]any{"Input": until})
			}
			expires = d
		}
	}
	platform, room := r.msg.Platform, r.msg.Room
	if p, rm, ok := splitRoom(r.com.Aid.Room); ok && p == r.msg.Platform && !discreet {
		room = rm
	}
	if discreet {
		p, rm, ok := splitRoom(r.com.Conflicts.ModeratorsRoom)
		if !ok || r.bot.adapterFor(r.ctx, p) == nil {
			return refuse(msgAidNoModeratorsRoom, nil)
		}
		platform, room = p, rm
	}
	rec, err := r.bot.ledger.PostAid(r.ctx, ledger.PostRequest{CaseActor: r.caseActor(), Kind: kind, Text: text, Category: category,
		Discreet: discreet, ExpiresAt: expires, ExpiresInput: until, Room: room})
	if ledger.ErrorCode(err) == ledger.EDEADLINE {
		return refuse(msgDecisionDeadlinePast, map[string]any{"Input": until, "Deadline": dayTime(r.tr, expires, r.com.Location)})
	}
	if err != nil {
		return err
	}
	p := rec.Post
	data := postData(r.tr, p.Kind, p.Number)
	if rec.Replayed {
		r.reply(Reply{Private: true, Text: r.tr.S(msgAidReplayed, data)})
		return nil
	}
	r.log.Info("post", "kind", p.Kind, "number", p.Number, "discreet", p.Discreet)
	if discreet {
		a := r.bot.adapterFor(r.ctx, platform)
		if _, err := r.bot.Deliver(r.ctx, a, Target{Room: room}, r.bot.discreetCard(r.tr, r.com, p)); err != nil {
			return err
		}
		r.reply(Reply{Private: true, Text: r.tr.S(msgAidDiscreetPosted, data)})
		return nil
	}
	card := r.bot.aidCard(r.tr, r.com, p)
	if room == r.msg.Room {
		// The card answers the command; its ID is not known, so it is not
		// edited later: /need list shows what became of it.
		if a := r.bot.adapterFor(r.ctx, platform); a != nil {
			id, err := r.bot.Deliver(r.ctx, a, TargetOf(r.msg), card)
			if err != nil {
				return err
			}
			r.recordAidCard(p, id)
			return nil
		}
		r.reply(card)
		return nil
	}
	a := r.bot.adapterFor(r.ctx, platform)
	id, err := r.bot.Deliver(r.ctx, a, Target{Room: room}, card)
	if err != nil {
		return err
	}
	r.recordAidCard(p, id)
	r.reply(Reply{Private: true, Text: r.tr.S(msgAidPostedElsewhere, data)})
	return nil
}

type aidVerb int

const (
	aidEdit aidVerb = iota
	aidClose
	aidHide
)

func actOnAid(r *request, verb aidVerb) error {
	ref, err := r.aidRef()
	if err != nil {
		return err
	}
	a := ledger.AidAction{CaseActor: r.caseActor(), Ref: ref}
	var rec *ledger.AidReceipt
	switch verb {
	case aidEdit:
		if a.Text = r.textAfter(2); a.Text == "" {
			return r.usage()
		}
		rec, err = r.bot.ledger.EditAid(r.ctx, a)
	case aidClose:
		rec, err = r.bot.ledger.CloseAid(r.ctx, a, false)
	case aidHide:
		if a.Reason = r.textAfter(2); a.Reason == "" {
			return r.usage()
		}
		rec, err = r.bot.ledger.CloseAid(r.ctx, a, true)
	}
	if err != nil {
		return r.aidRefusal(err, ref)
	}
	p := rec.Post
	data := postData(r.tr, p.Kind, p.Number)
	data["Reason"] = p.EndReason
	if rec.Replayed {
		r.reply(Reply{Private: true, Text: r.tr.S(msgAidReplayed, data)})
		return nil
	}
	r.bot.refreshAidCard(r.ctx, r.com, p)
	switch verb {
	case aidEdit:
		r.reply(Reply{Private: true, Text: r.tr.S(msgAidEdited, data)})
	case aidClose:
		r.reply(Reply{Private: true, Text: r.tr.S(msgAidClosedOK, data)})
	case aidHide:
		r.log.Info("post hidden", "kind", p.Kind, "number", p.Number)
		r.reply(Reply{Private: true, Text: r.tr.S(msgAidHiddenOK, data)})
	}
	return nil
}

// contactAid introduces the member to a post's author in a private space
// holding the two of them, with the post quoted.
func contactAid(r *request) error {
	ref, err := r.aidRef()
	if err != nil {
		return err
	}
	rec, err := r.bot.ledger.ContactAid(r.ctx, ledger.AidAction{CaseActor: r.caseActor(), Ref: ref, Message: r.textAfter(2)})
	if err != nil {
		return r.aidRefusal(err, ref)
	}
	p, c := rec.Post, rec.Contact
	data := postData(r.tr, p.Kind, p.Number)
	data["Author"], data["Text"], data["Member"], data["Message"] = p.Author.Name, p.Text(), c.Member.Name, c.Message
	if rec.Replayed && c.Room != "" {
		r.reply(Reply{Private: true, Text: r.tr.S(msgAidContactReplayed, data)})
		return nil
	}
	if c.AuthorOn == "" {
		// The author has no account on this platform: nobody to invite.
		return refuse(msgAidAuthorElsewhere, data)
	}
	a := r.bot.adapterFor(r.ctx, r.msg.Platform)
	creator, ok := a.(PrivateSpaceCreator)
	if !ok {
		return refuse(msgAidNoPrivateSpace, data)
	}
	author := User{ID: c.AuthorOn, Name: p.Author.Name}
	member := User{ID: r.msg.Sender.ID, Name: r.msg.Sender.Name}
	title := r.tr.S(msgAidSpaceTitle, data)
	room, err := creator.CreatePrivateSpace(r.ctx, title, []User{author, member})
	if err != nil {
		return err
	}
	if err := r.bot.ledger.SetAidSpace(r.ctx, c.ID, room); err != nil {
		r.log.Error("contact space not recorded", "kind", p.Kind, "number", p.Number, "err", err)
	}
	id := msgAidIntroNeed
	if p.Kind == ledger.Offer {
		id = msgAidIntroOffer
	}
	authorTok, authorMention := mentionOf(ledger.Voter{Name: p.Author.Name, UserID: c.AuthorOn})
	memberTok, memberMention := mentionOf(ledger.Voter{Name: c.Member.Name, UserID: c.Member.UserID})
	data["Author"], data["Member"] = authorTok, memberTok
	// The one helped thanks the other with time: a need's author, or the
	// member who took up an offer.
	thanked := memberTok
	if p.Kind == ledger.Offer {
		thanked = authorTok
	}
	data["Give"] = r.cmdPath("give") + " 1h " + thanked + " " + postToken(r.tr, p.Kind, p.Number)
	lines := []string{r.tr.S(id, data)}
	if c.Message != "" {
		lines = append(lines, r.tr.S(msgAidIntroMessage, data))
	}
	var mentions []Mention
	for _, m := range []*Mention{authorMention, memberMention} {
		if m != nil {
			mentions = append(mentions, *m)
		}
	}
	if _, err := r.bot.Deliver(r.ctx, a, Target{Room: room}, Reply{Text: strings.Join(lines, "\n"), Mentions: mentions}); err != nil {
		r.log.Error("introduction not posted", "kind", p.Kind, "number", p.Number, "err", err)
	}
	r.log.Info("members introduced", "kind", p.Kind, "number", p.Number)
	r.reply(Reply{Private: true, Text: r.tr.S(msgAidContacted, data)})
	return nil
}

func cmdAidList(r *request) error {
	f := ledger.AidFilter{Kind: r.aidKind(), Size: aidPageSize, Page: 1}
	for _, w := range r.args {
		switch {
		case strings.HasPrefix(w, "#") && len(w) > 1:
			cat, ok := r.com.category(w[1:])
			if !ok {
				return refuse(msgGiveUnknownCategory, map[string]any{"Name": w[1:], "List": categoryList(r.com, r.tr.Lang())})
			}
			f.Category = cat.ID
		default:
			n, err := strconv.Atoi(w)
			if err != nil || n < 1 {
				return r.usage()
			}
			f.Page = n
		}
	}
	if err := r.showPosts(f); err != nil {
		return err
	}
	if f.Kind != ledger.Need || f.Page != 1 {
		return nil
	}
	met, err := r.bot.ledger.MetNeeds(r.ctx, r.com.id, r.bot.now().Add(-recentlyMet))
	if err != nil || len(met) == 0 {
		return err
	}
	lines := []string{r.tr.N(msgAidMetHeader, len(met), map[string]any{"Days": int(recentlyMet.Hours() / 24)})}
	for _, p := range met {
		if f.Category != "" && p.Category != f.Category {
			continue
		}
		data := postData(r.tr, p.Kind, p.Number)
		data["Text"], data["Author"], data["End"] = truncate(p.Text(), 80), p.Author.Name, endLine(r.tr, r.com, p)
		lines = append(lines, r.tr.S(msgAidMetLine, data))
	}
	if len(lines) > 1 {
		r.reply(Reply{Private: true, Text: strings.Join(lines, "\n")})
	}
	return nil
}

func cmdFind(r *request) error {
	f := ledger.AidFilter{Size: aidPageSize, Page: 1}
	words := r.args
	if n := len(words); n > 1 {
		if page, err := strconv.Atoi(words[n-1]); err == nil && page > 0 {
			f.Page, words = page, words[:n-1]
		}
	}
	if len(words) == 0 {
		return r.usage()
	}
	f.Words = words
	return r.showPosts(f)
}

// showPosts answers privately with one page of open posts.
func (r *request) showPosts(f ledger.AidFilter) error {
	page, err := r.bot.ledger.OpenPosts(r.ctx, r.com.id, f)
	if err != nil {
		return err
	}
	data := map[string]any{"Words": strings.Join(f.Words, " "), "Page": f.Page}
	if len(page.Posts) == 0 {
		id := msgAidNoneOpen
		if len(f.Words) > 0 {
			id = msgAidNoneFound
		}
		r.reply(Reply{Private: true, Text: r.tr.S(id, data)})
		return nil
	}
	lines := []string{r.tr.S(msgAidListHeader, data)}
	for _, p := range page.Posts {
		lines = append(lines, r.tr.S(msgAidListLine, map[string]any{"Post": postName(r.tr, p.Kind, p.Number), "Text": truncate(p.Text(), 80),
			"Author": p.Author.Name, "Details": postDetails(r.tr, r.com, p),
			"Command": r.bot.commandPath(r.tr.Lang(), string(p.Kind), "contact") + " " + strconv.Itoa(p.Number)}))
	}
	if page.More {
		data["Next"] = f.Page + 1
		lines = append(lines, r.tr.S(msgAidMore, data))
	}
	r.reply(Reply{Private: true, Text: strings.Join(lines, "\n")})
	return nil
}
