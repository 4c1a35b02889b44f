package matrix

import (
	"bytes"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"slices"
	"strings"
	"testing"

	"github.com/entraide/entraide/bot"
	"github.com/entraide/entraide/internal/fakematrix"
	"github.com/entraide/entraide/ledger"
)

// A button is a reaction under the bot's message; a member's click reaches
// the core as the button's payload, even after a restart, and the reply
// answers the message with the buttons.
func TestButtonReactionReachesTheCoreAsItsPayload(t *testing.T) {
	e := newEnv(t)
	r := e.start(e.config())
	buttons := []bot.Button{{Label: "Thank Bob", Payload: "/give 1h " + e.bob + " for the soup", Emoji: "👍"}, {Label: "Help", Payload: "/help"}}
	msg, err := e.core.Deliver(e.ctx, r.a, bot.Target{Room: e.room}, bot.Reply{Text: "Proposal #1", Buttons: buttons})
	if err != nil {
		t.Fatal(err)
	}
	card := e.next(e.room)
	if card.ID != string(msg) || body(card) != "Proposal #1\n👍 Thank Bob · 2️⃣ Help" {
		t.Errorf("card %s = %q, want %s listing the choices", card.ID, body(card), msg)
	}
	var keys []string
	for _, ev := range e.hs.EventsIn(e.room) {
		if rel := relatesTo(ev); ev.Sender == e.botID && ev.Type == "m.reaction" && rel["event_id"] == card.ID {
			keys = append(keys, rel["key"].(string))
		}
	}
	if !slices.Equal(keys, []string{"👍", "2️⃣"}) {
		t.Errorf("the bot reacted with %v, want 👍 and 2️⃣", keys)
	}

	r.stop()
	e.start(e.config())
	click := e.hs.Send(e.ana, e.room, "m.reaction", map[string]any{"m.relates_to": map[string]any{
		"rel_type": "m.annotation", "event_id": card.ID, "key": "👍️", // with a variation selector, as some clients send
	}})
	reply := e.next(e.room)
	if !strings.Contains(body(reply), "gave 1h to @Bob") {
		t.Errorf("reply to the click = %q, want Ana's gift to Bob", body(reply))
	}
	if inReplyTo(reply) != card.ID {
		t.Errorf("the reply answers %q, want the card %q (not the reaction %q)", inReplyTo(reply), card.ID, click)
	}
}

// A button with a question asks it in the card's thread, naming the
// member; their answer there completes the payload.
func TestButtonAskCompletesThePayloadWithTheAnswer(t *testing.T) {
	e := newEnv(t)
	r := e.start(e.config())
	buttons := []bot.Button{{Label: "Thank Bob", Payload: "/give 1h " + e.bob + " for", Emoji: "🙏", Ask: "What for?"}}
	msg, err := r.a.SendButtons(e.ctx, bot.Target{Room: e.room}, bot.Reply{Text: "Thank someone", Buttons: buttons})
	if err != nil {
		t.Fatal(err)
	}
	e.next(e.room)
	e.hs.Send(e.ana, e.room, "m.reaction", map[string]any{"m.relates_to": map[string]any{"rel_type": "m.annotation", "event_id": string(msg), "key": "🙏"}})
	q := e.next(e.room)
	if threadOf(q) != string(msg) || body(q) != "@Ana What for?" {
		t.Errorf("question %q in thread %q, want “@Ana What for?” in the card's thread %q", body(q), threadOf(q), msg)
	}
	if users, _ := fakematrix.Pinged(q.Content); !slices.Equal(users, []string{e.ana}) {
		t.Errorf("the question pings %v, want Ana", users)
	}
	// A command in the thread stays a command (its private answer goes to
	// Ana's direct chat); the next text answers.
	e.say(e.ana, e.room, "!balance")
	e.nextPrivate(e.ana)
	answer := e.hs.Send(e.ana, e.room, "m.room.message", map[string]any{"msgtype": "m.text", "body": "the seedlings",
		"m.relates_to": map[string]any{"rel_type": "m.thread", "event_id": string(msg), "is_falling_back": true, "m.in_reply_to": map[string]any{"event_id": q.ID}}})
	reply := e.next(e.room)
	if !strings.Contains(body(reply), "gave 1h to @Bob") || threadOf(reply) != string(msg) || inReplyTo(reply) != answer {
		t.Errorf("reply %q (thread %q, answering %q), want the gift in the thread answering %q", body(reply), threadOf(reply), inReplyTo(reply), answer)
	}
	_, exs, err := e.db.Statement(e.ctx, e.com.LedgerID(), ledger.Identity{Platform: Platform, UserID: e.bob})
	if err != nil || len(exs) != 1 || exs[0].Note != "the seedlings" {
		t.Errorf("Bob's statement = %+v, %v; want one gift noted “the seedlings”", exs, err)
	}
	// The question was answered: more text in the thread is just talk.
	e.hs.Send(e.ana, e.room, "m.room.message", map[string]any{"msgtype": "m.text", "body": "thanks!", "m.relates_to": map[string]any{"rel_type": "m.thread", "event_id": string(msg)}})
	e.say(e.ana, e.room, "!balance")
	if reply := e.next(""); !strings.Contains(body(reply), "Your balance") {
		t.Errorf("after the answer, the bot said %q, want only the balance", body(reply))
	}
}

// Invited to a room outside the communities by a stranger, the bot joins,
// says why it won't stay, and leaves; invites to a community room, or from
// an allowed server, are accepted; a direct chat is remembered as such.
func TestInvites(t *testing.T) {
	e := newEnv(t)
	eve := e.hs.AddUser("eve:elsewhere.net", "Eve", "")
	friend := e.hs.AddUser("flo:friends.org", "Flo", "")
	elsewhere := e.hs.CreateRoom(eve, "Elsewhere")
	e.hs.Invite(eve, elsewhere, e.botID)
	second := e.hs.CreateRoom(e.ana, "Garden 2")
	cfg := e.config()
	cfg.Rooms = append(cfg.Rooms, second)
	e.start(cfg)

	notice := e.next(elsewhere)
	if want := e.core.Notice(Platform, elsewhere, bot.NoticeInviteRefused); body(notice) != want {
		t.Errorf("notice = %q, want %q", body(notice), want)
	}
	e.waitFor("the bot to leave", func() bool { return e.hs.Membership(elsewhere, e.botID) == "leave" })
	if reason := e.hs.StateContent(elsewhere, "m.room.member", e.botID)["reason"]; reason != body(notice) {
		t.Errorf("leave reason = %v, want the notice", reason)
	}

	e.hs.Invite(e.ana, second, e.botID)
	e.waitFor("the bot to join the community room", func() bool { return e.hs.Membership(second, e.botID) == "join" })

	dm := e.hs.CreateDirect(friend, e.botID)
	e.waitFor("the bot to join the direct chat", func() bool { return e.hs.Membership(dm, e.botID) == "join" })
	e.say(friend, dm, "hello")
	if reply := e.next(dm); !strings.Contains(body(reply), "Commands start with /") {
		t.Errorf("reply in the direct chat = %q, want the hint about commands", body(reply))
	}
}

// A private space is an invite-only, encrypted room that only the bot can
// open to others, with exactly the named members invited.
func TestPrivateSpace(t *testing.T) {
	e := newEnv(t)
	r := e.start(e.config())
	room, err := r.a.CreatePrivateSpace(e.ctx, "Mediation 1", []bot.User{{ID: e.ana}, {ID: e.bob}, {ID: e.ana}})
	if err != nil {
		t.Fatal(err)
	}
	e.checkPrivateRoom(room, "Mediation 1", e.ana, e.bob)
	// So Ana, once joined, cannot bring anyone in.
	carol := e.hs.AddUser("carol", "Carol", "")
	e.hs.Join(e.ana, room)
	rec := e.hs.InviteAs(e.ana, room, carol)
	if rec != 403 {
		t.Errorf("Ana's invite answered %d, want 403", rec)
	}
}

// Files go to the media repository: a PNG as an inline m.image with its
// size, anything else as m.file.
func TestSendFile(t *testing.T) {
	e := newEnv(t)
	r := e.start(e.config())
	img := image.NewRGBA(image.Rect(0, 0, 3, 2))
	img.Set(1, 1, color.RGBA{R: 200, A: 255})
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	target := bot.Target{Room: e.room, ReplyTo: "$cmd"}
	if _, err := r.a.SendFile(e.ctx, target, bot.Reply{Text: "Hours by month for @Bob", Mentions: []bot.Mention{{Text: "@Bob", User: bot.User{ID: e.bob}}},
		File: &bot.File{Name: "chart.png", MIME: "image/png", Data: buf.Bytes()}}); err != nil {
		t.Fatal(err)
	}
	ev := e.next(e.room)
	info, _ := ev.Content["info"].(map[string]any)
	if ev.Content["msgtype"] != "m.image" || num(info["w"]) != 3 || num(info["h"]) != 2 || info["mimetype"] != "image/png" || num(info["size"]) != buf.Len() {
		t.Errorf("image event = %v, want m.image 3×2 image/png of %d bytes", ev.Content, buf.Len())
	}
	if m, ok := e.hs.MediaFor(ev.Content["url"].(string)); !ok || !bytes.Equal(m.Data, buf.Bytes()) || m.MIME != "image/png" {
		t.Error("the uploaded image differs from the chart")
	}
	if body(ev) != "Hours by month for @Bob" || ev.Content["filename"] != "chart.png" || inReplyTo(ev) != "$cmd" {
		t.Errorf("caption %q, filename %v, reply to %q", body(ev), ev.Content["filename"], inReplyTo(ev))
	}
	if users, _ := fakematrix.Pinged(ev.Content); !slices.Equal(users, []string{e.bob}) {
		t.Errorf("the caption pings %v, want Bob", users)
	}

	if _, err := r.a.SendFile(e.ctx, bot.Target{Room: e.room}, bot.Reply{File: &bot.File{Name: "statement.csv", MIME: "text/csv", Data: []byte("id,minutes\n1,120\n")}}); err != nil {
		t.Fatal(err)
	}
	ev = e.next(e.room)
	if ev.Content["msgtype"] != "m.file" || body(ev) != "statement.csv" {
		t.Errorf("csv event = %v, want an m.file named statement.csv", ev.Content)
	}
}

// An edit replaces the message in place, pings nobody again, and updates
// the buttons' reactions.
func TestEdit(t *testing.T) {
	e := newEnv(t)
	r := e.start(e.config())
	msg, err := r.a.SendButtons(e.ctx, bot.Target{Room: e.room}, bot.Reply{Text: "Tally: 0", Buttons: []bot.Button{
		{Label: "Consent", Payload: "/balance", Emoji: "👍"}, {Label: "Object", Payload: "/help", Emoji: "🙅"}}})
	if err != nil {
		t.Fatal(err)
	}
	e.next(e.room)
	err = r.a.Edit(e.ctx, bot.Target{Room: e.room}, msg, bot.Reply{Text: "Tally: 1 for @Ana", Mentions: []bot.Mention{{Text: "@Ana", User: bot.User{ID: e.ana}}},
		Buttons: []bot.Button{{Label: "Consent", Payload: "/balance", Emoji: "👍"}}})
	if err != nil {
		t.Fatal(err)
	}
	ev := e.next(e.room)
	rel := relatesTo(ev)
	nc, _ := ev.Content["m.new_content"].(map[string]any)
	if rel["rel_type"] != "m.replace" || rel["event_id"] != string(msg) || nc["body"] != "Tally: 1 for @Ana\n👍 Consent" {
		t.Errorf("edit = %v, want an m.replace of %s with the new tally", ev.Content, msg)
	}
	if users, ok := fakematrix.Pinged(ev.Content); !ok || len(users) != 0 {
		t.Errorf("the edit pings %v, want nobody", users)
	}
	if m, _ := nc["m.mentions"].(map[string]any); m == nil || len(m["user_ids"].([]any)) != 1 {
		t.Errorf("new content mentions = %v, want Ana", nc["m.mentions"])
	}
	var redactions int
	for _, ev := range e.hs.EventsIn(e.room) {
		if ev.Type == "m.room.redaction" && ev.Sender == e.botID {
			redactions++
		}
	}
	if redactions != 1 {
		t.Errorf("%d reactions withdrawn, want the one of the dropped button", redactions)
	}
	var c card
	raw, _, _ := e.db.State(e.ctx, Platform, keyCardPrefix+string(msg))
	if err := json.Unmarshal([]byte(raw), &c); err != nil || len(c.Buttons) != 1 {
		t.Errorf("stored card %s (%v), want one button", raw, err)
	}
}

// OpenThread on a bot message posts the title as the thread's first
// reply; what is sent to the thread lands in it.
func TestOpenThreadOnAMessage(t *testing.T) {
	e := newEnv(t)
	r := e.start(e.config())
	cardID, err := r.a.Send(e.ctx, bot.Target{Room: e.room}, bot.Reply{Text: "Proposal #3"})
	if err != nil {
		t.Fatal(err)
	}
	e.next(e.room)
	thread, err := r.a.OpenThread(e.ctx, bot.Target{Room: e.room, ReplyTo: string(cardID)}, "Proposal #3: discussion")
	if err != nil || thread != string(cardID) {
		t.Fatalf("thread %q, %v; want the card %q", thread, err, cardID)
	}
	title := e.next(e.room)
	if threadOf(title) != thread || body(title) != "Proposal #3: discussion" || relatesTo(title)["is_falling_back"] != true {
		t.Errorf("title %q relation %v, want a thread message under the card", body(title), relatesTo(title))
	}
	if _, err := r.a.Send(e.ctx, bot.Target{Room: e.room, Thread: thread}, bot.Reply{Text: "Check-in in a week"}); err != nil {
		t.Fatal(err)
	}
	if ev := e.next(e.room); threadOf(ev) != thread {
		t.Errorf("%q landed in thread %q, want %q", body(ev), threadOf(ev), thread)
	}
}

// With a password, the bot logs in once and reuses the stored device.
func TestPasswordLoginKeepsItsDevice(t *testing.T) {
	e := newEnv(t)
	cfg := e.config()
	cfg.AccessToken, cfg.Password = "", "bot-password"
	e.start(cfg).stop()
	raw, ok, err := e.db.State(e.ctx, Platform, keySession)
	if err != nil || !ok || !strings.Contains(raw, `"device_id"`) {
		t.Fatalf("stored session %q, %v, %v", raw, ok, err)
	}
	e.start(cfg)
	e.balanceNext("Your balance")
	if n := e.hs.LoginCount(); n != 1 {
		t.Errorf("%d logins, want 1", n)
	}
	if strings.Contains(e.logs.all(), "bot-password") {
		t.Error("the password was logged")
	}
}
