package ledger

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Mutual aid: members post what they need and what they can offer, find
// each other, and are introduced privately; the gift that follows names
// the post it answered, and a gift from a need's author meets the need.

// PostKind says whether a post asks or offers.
type PostKind string

const (
	Need  PostKind = "need"
	Offer PostKind = "offer"
)

// PostID is a post's row ID.
type PostID int64

// PostEnd is how a post ended; "" while it is open.
type PostEnd string

const (
	PostClosed  PostEnd = "closed"  // by its author or a moderator
	PostMet     PostEnd = "met"     // a gift from the need's author answered it
	PostExpired PostEnd = "expired" // its deadline passed
	PostHidden  PostEnd = "hidden"  // a moderator took it down, with a reason
)

// MaxPostLength is the longest text of a need or an offer, in characters.
const MaxPostLength = 500

// Post is a need or an offer with its history.
type Post struct {
	ID        PostID
	Community CommunityID
	Kind      PostKind
	Number    int
	Author    Voter
	Category  string
	Discreet  bool      // seen by the moderators only
	ExpiresAt time.Time // zero: never (offers)
	Platform  string
	Room      string
	Card      string
	CreatedAt time.Time
	Reminded  bool
	Versions  []Version // from 1; the last is the text now

	End       PostEnd
	EndedBy   *Voter // nil for the scheduler, or a gift
	EndReason string
	EndedAt   time.Time
	// Helpers received the gifts that named this post, in order.
	Helpers  []Voter
	Contacts int
}

// Open is true until the post ends.
func (p Post) Open() bool { return p.End == "" }

// Text is the post's text now.
func (p Post) Text() string {
	if len(p.Versions) == 0 {
		return ""
	}
	return p.Versions[len(p.Versions)-1].Text
}

// PostRef names a post as members type it: "need:1".
type PostRef struct {
	Kind   PostKind
	Number int
}

const (
	opAidPost    = "post"
	opAidEdit    = "edit"
	opAidClose   = "close"
	opAidHide    = "hide"
	opAidContact = "contact"
	opAidExpire  = "expire"
)

// AidReceipt is what a mutual-aid command returns, the same on a replay.
type AidReceipt struct {
	Post     Post // as it is now
	Replayed bool
	// Contact is the contact a contact command recorded, with the author's
	// user ID on its platform ("" when they have none there).
	Contact *AidContact
}

// AidContact is a member who answered a post.
type AidContact struct {
	ID       int64
	Member   Voter
	Message  string
	Platform string
	Room     string // the private space, once made
	AuthorOn string // the author's user ID on Platform
}

// checkPostText applies the ledger's rules to a post's text (text.go).
func checkPostText(text string) (string, error) {
	return requiredText(line("post", text), "a post", MaxPostLength)
}

// PostRequest posts a need or an offer.
type PostRequest struct {
	CaseActor
	Kind     PostKind
	Text     string
	Category string
	// Discreet needs are seen by the moderators only.
	Discreet bool
	// ExpiresAt is when a need expires (its deadline, or the community's
	// default); offers do not expire.
	ExpiresAt time.Time
	// ExpiresInput is the deadline as typed ("" for the default): with
	// the text it identifies the request.
	ExpiresInput string
	Room         string
}

// PostAid records a need or an offer. It returns *Error with EINVALID or
// EDEADLINE (an expiry already past).
func (db *DB) PostAid(ctx context.Context, req PostRequest) (*AidReceipt, error) {
	text, err := checkPostText(req.Text)
	if err != nil {
		return nil, err
	}
	switch {
	case req.Kind != Need && req.Kind != Offer:
		return nil, errorf(EINVALID, "unknown post kind %q", req.Kind)
	case req.Kind == Offer && (req.Discreet || !req.ExpiresAt.IsZero()):
		return nil, errorf(EINVALID, "offers are neither discreet nor expiring")
	case req.Source == "" || req.Room == "":
		return nil, errorf(EINVALID, "a post needs a platform and a room")
	}
	fp := fingerprint(opAidPost, req.Community, req.Actor, req.Kind, text, req.Category, req.Discreet, req.ExpiresInput, req.Room)
	return keyed(ctx, db, aidOps, req.Key, fp, opAidPost, db.replayAid(ctx), func(tx *Tx) (*AidReceipt, error) {
		var expires any
		if !req.ExpiresAt.IsZero() {
			if !req.ExpiresAt.After(tx.now) {
				return nil, errorf(EDEADLINE, "expiry %s is past", req.ExpiresAt)
			}
			expires = req.ExpiresAt.Unix()
		}
		author, err := memberAccount(ctx, tx, req.Community, req.Actor)
		if err != nil {
			return nil, err
		}
		var number int
		if err := tx.QueryRowContext(ctx, "SELECT COALESCE(MAX(number), 0) + 1 FROM aid_posts WHERE community_id = ? AND kind = ?",
			req.Community, req.Kind).Scan(&number); err != nil {
			return nil, err
		}
		// The operation's target stays 0 (aid_ops is append-only): the post
		// is found through its op_id.
		op, err := aidOps.insert(ctx, tx, req.op(fp, opAidPost, 0, author.ID))
		if err != nil {
			return nil, fmt.Errorf("ledger: record post: %w", err)
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO aid_posts (community_id, kind, number, author_id, category, discreet, expires_at,
			platform, room, op_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			req.Community, req.Kind, number, author.ID, req.Category, req.Discreet, expires, req.Source, req.Room, op, tx.now.Unix())
		if err != nil {
			return nil, fmt.Errorf("ledger: insert post: %w", err)
		}
		id, _ := res.LastInsertId()
		if err := writeAidText(ctx, tx, PostID(id), 1, text, op, false); err != nil {
			return nil, err
		}
		return aidReceipt(ctx, tx, PostID(id), nil)
	})
}

// writeAidText appends a version of a post's text and indexes it for
// search.
func writeAidText(ctx context.Context, tx *Tx, id PostID, version int, text string, op int64, reindex bool) error {
	if _, err := tx.ExecContext(ctx, "INSERT INTO aid_versions (post_id, version, text, op_id, created_at) VALUES (?, ?, ?, ?, ?)",
		id, version, text, op, tx.now.Unix()); err != nil {
		return fmt.Errorf("ledger: insert post text: %w", err)
	}
	q := "INSERT INTO aid_search (docid, body) VALUES (?, ?)"
	if reindex {
		q = "UPDATE aid_search SET body = ? WHERE docid = ?"
		if _, err := tx.ExecContext(ctx, q, text, id); err != nil {
			return fmt.Errorf("ledger: index post: %w", err)
		}
		return nil
	}
	if _, err := tx.ExecContext(ctx, q, id, text); err != nil {
		return fmt.Errorf("ledger: index post: %w", err)
	}
	return nil
}

// AidAction acts on post Ref: an edit (Text), a close, a moderator's
// hide (Reason), or a contact (Message, on Platform).
type AidAction struct {
	CaseActor
	Ref     PostRef
	Text    string // an edit's new text
	Reason  string // why a moderator hides it
	Message string // a contact's words to the author
}

// EditAid replaces a post's text with a new version; only its author may,
// while it is open. It returns *Error with ENOTFOUND, ECLOSED, EFORBIDDEN,
// EINVALID, or ENOTHING (the same text).
func (db *DB) EditAid(ctx context.Context, a AidAction) (*AidReceipt, error) {
	text, err := checkPostText(a.Text)
	if err != nil {
		return nil, err
	}
	fp := fingerprint(opAidEdit, a.Community, a.Actor, a.Ref, text)
	return db.actOnPost(ctx, a, fp, opAidEdit, func(tx *Tx, p Post, actor AccountID, op func() (int64, error)) (*AidContact, error) {
		switch {
		case actor != p.Author.Account:
			return nil, errorf(EFORBIDDEN, "only the author edits a post")
		case text == p.Text():
			return nil, errorf(ENOTHING, "the text is unchanged")
		}
		id, err := op()
		if err != nil {
			return nil, err
		}
		return nil, writeAidText(ctx, tx, p.ID, len(p.Versions)+1, text, id, true)
	})
}

// CloseAid ends a post: its author or a moderator closes it; a moderator
// hides it with a reason (Reason set). It returns *Error with ENOTFOUND,
// ECLOSED, EFORBIDDEN or EINVALID.
func (db *DB) CloseAid(ctx context.Context, a AidAction, hide bool) (*AidReceipt, error) {
	reason := strings.TrimSpace(a.Reason)
	if err := checkTexts(line("reason", reason)); err != nil {
		return nil, err
	}
	kind, end := opAidClose, PostClosed
	if hide {
		kind, end = opAidHide, PostHidden
		switch {
		case reason == "":
			return nil, errorf(EINVALID, "hiding a post needs a reason")
		case utf8.RuneCountInString(reason) > MaxNoteLength:
			return nil, tooLong("reason", reason, MaxNoteLength)
		}
	}
	fp := fingerprint(kind, a.Community, a.Actor, a.Ref, reason)
	return db.actOnPost(ctx, a, fp, kind, func(tx *Tx, p Post, actor AccountID, op func() (int64, error)) (*AidContact, error) {
		if !a.Moderator && (hide || actor != p.Author.Account) {
			return nil, errorf(EFORBIDDEN, "only the author or a moderator closes a post")
		}
		id, err := op()
		if err != nil {
			return nil, err
		}
		return nil, endPost(ctx, tx, p.ID, end, actor, reason, 0, id)
	})
}

// ContactAid records that the actor answers a post, to be introduced to
// its author privately. A discreet need can be answered by the moderators
// only; others are told it does not exist. It returns *Error with
// ENOTFOUND, ECLOSED or ESELF (one's own post).
func (db *DB) ContactAid(ctx context.Context, a AidAction) (*AidReceipt, error) {
	message := strings.TrimSpace(a.Message)
	if err := checkTexts(line("message", message)); err != nil {
		return nil, err
	}
	if utf8.RuneCountInString(message) > MaxNoteLength {
		return nil, tooLong("message", message, MaxNoteLength)
	}
	fp := fingerprint(opAidContact, a.Community, a.Actor, a.Ref, message)
	return db.actOnPost(ctx, a, fp, opAidContact, func(tx *Tx, p Post, actor AccountID, op func() (int64, error)) (*AidContact, error) {
		if actor == p.Author.Account {
			return nil, errorf(ESELF, "one's own post")
		}
		id, err := op()
		if err != nil {
			return nil, err
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO aid_contacts (post_id, account_id, message, platform, op_id, created_at)
			VALUES (?, ?, ?, ?, ?, ?)`, p.ID, actor, message, a.Source, id, tx.now.Unix())
		if err != nil {
			return nil, fmt.Errorf("ledger: insert contact: %w", err)
		}
		cid, _ := res.LastInsertId()
		return loadContact(ctx, tx, cid, p.Author.Account)
	})
}

// actOnPost runs one command on a post in a group commit, keyed like
// every command, its receipt built in its own savepoint: act checks the
// rules and records through op.
func (db *DB) actOnPost(ctx context.Context, a AidAction, fp, kind string,
	act func(tx *Tx, p Post, actor AccountID, op func() (int64, error)) (*AidContact, error)) (*AidReceipt, error) {
	return keyed(ctx, db, aidOps, a.Key, fp, kind, db.replayAid(ctx), func(tx *Tx) (*AidReceipt, error) {
		p, err := postByRef(ctx, tx, a.Community, a.Ref)
		if err != nil {
			return nil, err
		}
		actor, err := memberAccount(ctx, tx, a.Community, a.Actor)
		if err != nil {
			return nil, err
		}
		if p.Discreet && !a.Moderator && actor.ID != p.Author.Account {
			return nil, errorf(ENOTFOUND, "no %s #%d", a.Ref.Kind, a.Ref.Number)
		}
		if !p.Open() {
			return nil, errorf(ECLOSED, "%s #%d is %s", p.Kind, p.Number, p.End)
		}
		op := func() (int64, error) {
			id, err := aidOps.insert(ctx, tx, a.op(fp, kind, int64(p.ID), actor.ID))
			if err != nil {
				return 0, fmt.Errorf("ledger: record %s: %w", kind, err)
			}
			return id, nil
		}
		contact, err := act(tx, p, actor.ID, op)
		if err != nil {
			return nil, err
		}
		return aidReceipt(ctx, tx, p.ID, contact)
	})
}

// replayAid returns, for a key already recorded, the post it acted on as
// it is now, with the contact a contact command recorded.
func (db *DB) replayAid(ctx context.Context) func(tx *Tx, prior priorOp) (*AidReceipt, error) {
	return func(tx *Tx, prior priorOp) (*AidReceipt, error) { return replayAidTx(ctx, tx, prior) }
}

func replayAidTx(ctx context.Context, tx *Tx, prior priorOp) (*AidReceipt, error) {
	id := PostID(prior.ref)
	if id == 0 {
		if err := tx.QueryRowContext(ctx, "SELECT id FROM aid_posts WHERE op_id = ?", prior.id).Scan(&id); err != nil {
			return nil, err
		}
	}
	var contact *AidContact
	var cid int64
	err := tx.QueryRowContext(ctx, "SELECT id FROM aid_contacts WHERE op_id = ?", prior.id).Scan(&cid)
	switch {
	case err == nil:
		var author AccountID
		if err := tx.QueryRowContext(ctx, "SELECT author_id FROM aid_posts WHERE id = ?", id).Scan(&author); err != nil {
			return nil, err
		}
		if contact, err = loadContact(ctx, tx, cid, author); err != nil {
			return nil, err
		}
	case !errors.Is(err, sql.ErrNoRows):
		return nil, err
	}
	rec, err := aidReceipt(ctx, tx, id, contact)
	if err != nil {
		return nil, err
	}
	rec.Replayed = true
	return rec, nil
}

func aidReceipt(ctx context.Context, q queryer, id PostID, contact *AidContact) (*AidReceipt, error) {
	p, err := loadPost(ctx, q, id)
	if err != nil {
		return nil, err
	}
	return &AidReceipt{Post: p, Contact: contact}, nil
}

func loadContact(ctx context.Context, q queryer, id int64, author AccountID) (*AidContact, error) {
	c := &AidContact{ID: id}
	if err := q.QueryRowContext(ctx, `SELECT c.account_id, a.display_name, c.message, c.platform, c.room
		FROM aid_contacts c JOIN accounts a ON a.id = c.account_id WHERE c.id = ?`, id).Scan(
		&c.Member.Account, &c.Member.Name, &c.Message, &c.Platform, &c.Room); err != nil {
		return nil, fmt.Errorf("ledger: load contact %d: %w", id, err)
	}
	var err error
	if c.Member.UserID, err = userOnPlatform(ctx, q, c.Member.Account, c.Platform); err != nil {
		return nil, err
	}
	if c.AuthorOn, err = userOnPlatform(ctx, q, author, c.Platform); err != nil {
		return nil, err
	}
	return c, nil
}

// endPost records how a post ended.
func endPost(ctx context.Context, tx *Tx, id PostID, end PostEnd, actor AccountID, reason string, gift OperationID, op int64) error {
	if _, err := tx.ExecContext(ctx, `INSERT INTO aid_closures (post_id, kind, actor_id, reason, operation_id, op_id, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, id, end, nullIfZero(actor), reason, nullIfZero(gift), nullIfZero(op), tx.now.Unix()); err != nil {
		return fmt.Errorf("ledger: end post: %w", err)
	}
	return nil
}

// answerPost links a gift to the post it names, inside the gift's
// transaction; a gift from a need's author meets the need.
func answerPost(ctx context.Context, tx *Tx, community CommunityID, ref PostRef, gift OperationID, actor AccountID) (*Answered, error) {
	p, err := postByRef(ctx, tx, community, ref)
	if err != nil {
		return nil, err
	}
	if _, err := tx.ExecContext(ctx, "INSERT INTO aid_gifts (operation_id, post_id) VALUES (?, ?)", gift, p.ID); err != nil {
		return nil, fmt.Errorf("ledger: link gift: %w", err)
	}
	a := &Answered{Ref: ref}
	if p.Kind == Need && p.Open() && p.Author.Account == actor {
		if err := endPost(ctx, tx, p.ID, PostMet, actor, "", gift, 0); err != nil {
			return nil, err
		}
		a.Met = true
	}
	return a, nil
}

// answeredBy reads back what post a gift named, for its receipt.
func answeredBy(ctx context.Context, q queryer, gift OperationID) (*Answered, error) {
	var a Answered
	var met sql.NullInt64
	err := q.QueryRowContext(ctx, `SELECT p.kind, p.number, c.operation_id FROM aid_gifts g JOIN aid_posts p ON p.id = g.post_id
		LEFT JOIN aid_closures c ON c.post_id = p.id AND c.operation_id = g.operation_id WHERE g.operation_id = ?`, gift).Scan(
		&a.Ref.Kind, &a.Ref.Number, &met)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	a.Met = met.Valid
	return &a, nil
}

// Answered says what post a gift named, and whether it met that need.
type Answered struct {
	Ref PostRef
	Met bool
}

// SetAidCard records the platform message of a post's card, once.
func (db *DB) SetAidCard(ctx context.Context, id PostID, card string) error {
	return db.exec(ctx, "UPDATE aid_posts SET card = ? WHERE id = ? AND card = ''", card, id)
}

// SetAidSpace records the private space a contact was introduced in, once.
func (db *DB) SetAidSpace(ctx context.Context, contact int64, room string) error {
	return db.exec(ctx, "UPDATE aid_contacts SET room = ? WHERE id = ? AND room = ''", room, contact)
}

// AidPost is post Ref.
func (db *DB) AidPost(ctx context.Context, community CommunityID, ref PostRef) (Post, error) {
	return readOne(ctx, db, func(q queryer) (Post, error) { return postByRef(ctx, q, community, ref) })
}

// AidFilter selects posts for a list.
type AidFilter struct {
	Kind     PostKind // "" for both
	Category string   // "" for any
	// Words are searched in the posts' texts, accents and case folded,
	// each as the start of a word ("velo" finds "vélos").
	Words []string
	// Page counts from 1; Size posts a page.
	Page, Size int
}

// AidPage is one page of posts, newest first.
type AidPage struct {
	Posts []Post
	More  bool // a next page has posts too
}

// OpenPosts lists the community's open, public posts (discreet needs are
// never listed), newest first. A search starts from the words' index, so
// it reads only the posts that have them.
func (db *DB) OpenPosts(ctx context.Context, community CommunityID, f AidFilter) (AidPage, error) {
	from, where := "aid_posts p", `p.community_id = ? AND p.discreet = 0 AND NOT EXISTS (SELECT 1 FROM aid_closures c WHERE c.post_id = p.id)`
	order := "p.id DESC"
	args := []any{community}
	if q := matchQuery(f.Words); q != "" {
		// The index leads (CROSS JOIN keeps SQLite from scanning the posts
		// and running the query for each), and gives its matches newest
		// first, so a page stops reading once it is full.
		from, order = "aid_search s CROSS JOIN aid_posts p ON p.id = s.docid", "s.docid DESC"
		where = "s.body MATCH ? AND " + where
		args = append([]any{q}, args...)
	} else if len(f.Words) > 0 {
		return AidPage{}, nil // words with nothing to search for
	}
	if f.Kind != "" {
		where += " AND p.kind = ?"
		args = append(args, f.Kind)
	}
	if f.Category != "" {
		where += " AND p.category = ?"
		args = append(args, f.Category)
	}
	if f.Size <= 0 {
		f.Size = 10
	}
	if f.Page < 1 {
		f.Page = 1
	}
	tx, err := db.read(ctx)
	if err != nil {
		return AidPage{}, err
	}
	defer tx.Rollback()
	// One more than a page says whether there is a next one.
	ids, err := scanIDs[PostID](ctx, tx, "SELECT p.id FROM "+from+" WHERE "+where+" ORDER BY "+order+" LIMIT ? OFFSET ?",
		append(args, f.Size+1, (f.Page-1)*f.Size)...)
	if err != nil {
		return AidPage{}, err
	}
	var page AidPage
	if len(ids) > f.Size {
		page.More, ids = true, ids[:f.Size]
	}
	for _, id := range ids {
		p, err := loadPost(ctx, tx, id)
		if err != nil {
			return AidPage{}, err
		}
		page.Posts = append(page.Posts, p)
	}
	return page, nil
}

// matchQuery turns the words members type into an FTS query: each word
// the start of a word of the text, all of them required. Anything but
// letters and digits separates words, so no query syntax gets through.
func matchQuery(words []string) string {
	var terms []string
	for _, w := range words {
		for _, part := range strings.FieldsFunc(w, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
			terms = append(terms, part+"*")
		}
	}
	return strings.Join(terms, " ")
}

// MetNeeds lists the community's public needs met since a time, newest
// first: the lists and the newsletter show who helped.
func (db *DB) MetNeeds(ctx context.Context, community CommunityID, since time.Time) ([]Post, error) {
	return loadAll(ctx, db, loadPost, `SELECT p.id FROM aid_posts p JOIN aid_closures c ON c.post_id = p.id
		WHERE p.community_id = ? AND p.discreet = 0 AND c.kind = 'met' AND c.created_at >= ? ORDER BY c.created_at DESC, p.id DESC`,
		community, since.Unix())
}

// ExpiringNeeds lists the open needs whose author has not been told they
// expire soon and that expire before asOf+lead.
func (db *DB) ExpiringNeeds(ctx context.Context, community CommunityID, asOf time.Time, lead time.Duration) ([]Post, error) {
	return loadAll(ctx, db, loadPost, `SELECT p.id FROM aid_posts p WHERE p.community_id = ? AND p.expires_at IS NOT NULL
		AND p.expires_at <= ? AND p.reminded_at IS NULL AND NOT EXISTS (SELECT 1 FROM aid_closures c WHERE c.post_id = p.id)
		ORDER BY p.expires_at, p.id`, community, asOf.Add(lead).Unix())
}

// MarkNeedReminded records that a need's author was told it expires soon.
func (db *DB) MarkNeedReminded(ctx context.Context, id PostID) error {
	return db.execNow(ctx, "UPDATE aid_posts SET reminded_at = ? WHERE id = ? AND reminded_at IS NULL", id)
}

// ExpireNeeds ends the community's open needs whose expiry is at or
// before asOf, in one transaction, and returns them ended. Each expiry is
// keyed by its post, so it is recorded once.
func (db *DB) ExpireNeeds(ctx context.Context, community CommunityID, asOf time.Time) ([]Post, error) {
	tx, err := db.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	ids, err := scanIDs[PostID](ctx, tx, `SELECT p.id FROM aid_posts p WHERE p.community_id = ? AND p.expires_at <= ?
		AND NOT EXISTS (SELECT 1 FROM aid_closures c WHERE c.post_id = p.id) ORDER BY p.id`, community, asOf.Unix())
	if err != nil {
		return nil, err
	}
	var out []Post
	for _, id := range ids {
		key := fmt.Sprintf("aid:expire:%d", id)
		op, err := aidOps.insert(ctx, tx, opRow{community: community, key: key, fp: key, kind: opAidExpire, ref: int64(id), source: "scheduler"})
		if err != nil {
			return nil, fmt.Errorf("ledger: record expiry: %w", err)
		}
		if err := endPost(ctx, tx, id, PostExpired, 0, "", 0, op); err != nil {
			return nil, err
		}
		p, err := loadPost(ctx, tx, id)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, tx.Commit()
}

func postByRef(ctx context.Context, q queryer, community CommunityID, ref PostRef) (Post, error) {
	var id PostID
	err := q.QueryRowContext(ctx, "SELECT id FROM aid_posts WHERE community_id = ? AND kind = ? AND number = ?",
		community, ref.Kind, ref.Number).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return Post{}, errorf(ENOTFOUND, "no %s #%d", ref.Kind, ref.Number)
	}
	if err != nil {
		return Post{}, err
	}
	return loadPost(ctx, q, id)
}

func loadPost(ctx context.Context, q queryer, id PostID) (Post, error) {
	var p Post
	var created int64
	var expires, reminded, ended sql.NullInt64
	var end, reason, endedByName sql.NullString
	var endedBy sql.NullInt64
	err := q.QueryRowContext(ctx, `SELECT p.id, p.community_id, p.kind, p.number, p.author_id, a.display_name, `+fmt.Sprintf(userOn, "p.author_id")+`,
		p.category, p.discreet, p.expires_at, p.platform, p.room, p.card, p.reminded_at, p.created_at,
		c.kind, c.actor_id, ca.display_name, c.reason, c.created_at,
		(SELECT COUNT(*) FROM aid_contacts k WHERE k.post_id = p.id)
		FROM aid_posts p JOIN accounts a ON a.id = p.author_id
		LEFT JOIN aid_closures c ON c.post_id = p.id LEFT JOIN accounts ca ON ca.id = c.actor_id
		WHERE p.id = ?`, id).Scan(&p.ID, &p.Community, &p.Kind, &p.Number, &p.Author.Account, &p.Author.Name, &p.Author.UserID,
		&p.Category, &p.Discreet, &expires, &p.Platform, &p.Room, &p.Card, &reminded, &created,
		&end, &endedBy, &endedByName, &reason, &ended, &p.Contacts)
	if err != nil {
		return Post{}, fmt.Errorf("ledger: load post %d: %w", id, err)
	}
	p.CreatedAt, p.ExpiresAt, p.Reminded = unixUTC(created), nullTime(expires), reminded.Valid
	p.End, p.EndReason, p.EndedAt = PostEnd(end.String), reason.String, nullTime(ended)
	if endedBy.Valid {
		p.EndedBy = &Voter{Account: AccountID(endedBy.Int64), Name: endedByName.String}
	}
	if p.Versions, err = queryRows(ctx, q, scanVersion,
		"SELECT version, text, created_at FROM aid_versions WHERE post_id = ? ORDER BY version", id); err != nil {
		return Post{}, err
	}
	p.Helpers, err = queryRows(ctx, q, scanVoter, `SELECT e.to_id, a.display_name, `+fmt.Sprintf(userOn, "e.to_id")+`
		FROM aid_gifts g JOIN exchanges e ON e.operation_id = g.operation_id JOIN accounts a ON a.id = e.to_id
		JOIN aid_posts p ON p.id = g.post_id
		WHERE g.post_id = ? AND e.reverses IS NULL ORDER BY e.id`, id)
	return p, err
}

// AidCounts are the posts of a period, for the newsletter: discreet needs
// are a count and nothing more.
type AidCounts struct {
	Offers, Needs, Discreet int // Needs are the public ones
}

// AidCountsIn counts the offers and needs posted in [from, to).
func (db *DB) AidCountsIn(ctx context.Context, community CommunityID, from, to time.Time) (AidCounts, error) {
	var c AidCounts
	err := db.reader.QueryRowContext(ctx, `SELECT
		COALESCE(SUM(kind = 'offer'), 0), COALESCE(SUM(kind = 'need' AND discreet = 0), 0), COALESCE(SUM(discreet = 1), 0)
		FROM aid_posts WHERE community_id = ? AND created_at >= ? AND created_at < ?`,
		community, from.Unix(), to.Unix()).Scan(&c.Offers, &c.Needs, &c.Discreet)
	return c, err
}
