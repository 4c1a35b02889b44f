package fakematrix

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"maunium.net/go/mautrix"
	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"
)

func bodies(evts []*event.Event) []string {
	var out []string
	for _, e := range evts {
		if e.Type == event.EventMessage {
			if e.Content.Parsed == nil {
				_ = e.Content.ParseRaw(e.Type)
			}
			out = append(out, e.Content.AsMessage().Body)
		}
	}
	return out
}

func say(hs *Server, user, rid, text string) string {
	return hs.Send(user, rid, "m.room.message", map[string]any{"msgtype": "m.text", "body": text})
}

// A member who joins late sees the history the room's visibility allows:
// everything under "shared", what followed their invite under "invited",
// what followed their join under "joined"; in /sync and in /messages.
func TestHistoryVisibility(t *testing.T) {
	for _, tc := range []struct {
		visibility string
		want       []string
	}{
		{"shared", []string{"before the invite", "after the invite", "after the join"}},
		{"invited", []string{"after the invite", "after the join"}},
		{"joined", []string{"after the join"}},
	} {
		t.Run(tc.visibility, func(t *testing.T) {
			hs := New(t)
			ana := hs.AddUser("ana", "Ana", "")
			bob := hs.AddUser("bob", "Bob", "")
			rid := hs.CreateRoomWith(ana, RoomOptions{Preset: "private_chat",
				State: []State{{Type: "m.room.history_visibility", Content: map[string]any{"history_visibility": tc.visibility}}}})
			say(hs, ana, rid, "before the invite")
			hs.Invite(ana, rid, bob)
			say(hs, ana, rid, "after the invite")
			hs.Join(bob, rid)
			say(hs, ana, rid, "after the join")

			if got := bodies(hs.Timeline(bob, rid)); !slices.Equal(got, tc.want) {
				t.Errorf("Bob's sync shows %q, want %q", got, tc.want)
			}
			msgs, err := hs.Member(bob).Messages(context.Background(), id.RoomID(rid), "", "", mautrix.DirectionBackward, nil, 100)
			if err != nil {
				t.Fatal(err)
			}
			got := bodies(msgs.Chunk)
			slices.Reverse(got)
			if !slices.Equal(got, tc.want) {
				t.Errorf("Bob's /messages shows %q, want %q", got, tc.want)
			}
			if got := bodies(hs.Timeline(ana, rid)); len(got) != 3 {
				t.Errorf("Ana, the creator, sees %q, want all three", got)
			}
		})
	}
}

// respErr is the Matrix error of a mautrix call, failing the test if the
// call did not fail with one.
func respErr(t *testing.T, err error, status int, code string) mautrix.RespError {
	t.Helper()
	var re mautrix.RespError
	var he mautrix.HTTPError
	if !errors.As(err, &he) || he.RespError == nil {
		t.Fatalf("error %v, want a Matrix error %d %s", err, status, code)
	}
	re = *he.RespError
	if he.Response.StatusCode != status || re.ErrCode != code || re.Err == "" {
		t.Fatalf("answer %d %s %q, want %d %s with a message", he.Response.StatusCode, re.ErrCode, re.Err, status, code)
	}
	return re
}

// Power levels decide who may invite, kick, set state and post, and a
// refusal is 403 M_FORBIDDEN.
func TestPowerLevels(t *testing.T) {
	hs := New(t)
	ana := hs.AddUser("ana", "Ana", "")
	bob := hs.AddUser("bob", "Bob", "")
	carol := hs.AddUser("carol", "Carol", "")
	rid := hs.CreateRoomWith(ana, RoomOptions{Preset: "private_chat", Invite: []string{bob},
		PowerLevels: map[string]any{"invite": 50, "kick": 50, "events_default": 0, "events": map[string]any{"m.room.pinned_events": 100}}})
	hs.Join(bob, rid)
	ctx := context.Background()
	b := hs.Member(bob)

	_, err := b.InviteUser(ctx, id.RoomID(rid), &mautrix.ReqInviteUser{UserID: id.UserID(carol)})
	respErr(t, err, 403, "M_FORBIDDEN")
	_, err = b.KickUser(ctx, id.RoomID(rid), &mautrix.ReqKickUser{UserID: id.UserID(ana)})
	respErr(t, err, 403, "M_FORBIDDEN")
	_, err = b.SendStateEvent(ctx, id.RoomID(rid), event.StateRoomName, "", map[string]any{"name": "Bob's"})
	respErr(t, err, 403, "M_FORBIDDEN")
	_, err = b.SendMessageEvent(ctx, id.RoomID(rid), event.NewEventType("m.room.pinned_events"), map[string]any{})
	respErr(t, err, 403, "M_FORBIDDEN")
	if m := hs.Membership(rid, carol); m != "" {
		t.Errorf("Carol is %q after Bob's refused invite", m)
	}

	// Ana, at 100, may all of it; and Bob may leave of his own accord.
	hs.Invite(ana, rid, carol)
	if _, err := hs.Member(ana).KickUser(ctx, id.RoomID(rid), &mautrix.ReqKickUser{UserID: id.UserID(carol)}); err != nil {
		t.Fatal(err)
	}
	if m := hs.Membership(rid, carol); m != "leave" {
		t.Errorf("Carol is %q after Ana withdrew the invite, want leave", m)
	}
	hs.Leave(bob, rid)
	if _, err := b.SendMessageEvent(ctx, id.RoomID(rid), event.EventMessage, map[string]any{"msgtype": "m.text", "body": "hi"}); err == nil {
		t.Error("Bob posted in a room he left")
	} else {
		respErr(t, err, 403, "M_FORBIDDEN")
	}
}

// A user past their rate limit gets 429 M_LIMIT_EXCEEDED with
// retry_after_ms, and may send again once that time has passed.
func TestRateLimit(t *testing.T) {
	hs := New(t)
	ana := hs.AddUser("ana", "Ana", "")
	rid := hs.CreateRoom(ana, "Garden")
	hs.LimitRate(ana, 2, 200*time.Millisecond)
	say(hs, ana, rid, "one")
	say(hs, ana, rid, "two")
	_, err := hs.Member(ana).SendMessageEvent(context.Background(), id.RoomID(rid), event.EventMessage, map[string]any{"msgtype": "m.text", "body": "three"})
	re := respErr(t, err, 429, "M_LIMIT_EXCEEDED")
	wait, ok := re.ExtraData["retry_after_ms"].(float64)
	if !ok || wait <= 0 || wait > 200 {
		t.Fatalf("retry_after_ms = %v, want a wait of at most 200ms", re.ExtraData["retry_after_ms"])
	}
	time.Sleep(time.Duration(wait) * time.Millisecond)
	say(hs, ana, rid, "three")
}

// A transaction ID sent again by the same device answers the first event.
func TestTransactionIDs(t *testing.T) {
	hs := New(t)
	ana := hs.AddUser("ana", "Ana", "")
	rid := hs.CreateRoom(ana, "Garden")
	ctx := context.Background()
	content := map[string]any{"msgtype": "m.text", "body": "once"}
	first, err := hs.Member(ana).SendMessageEvent(ctx, id.RoomID(rid), event.EventMessage, content, mautrix.ReqSendEvent{TransactionID: "t1"})
	if err != nil {
		t.Fatal(err)
	}
	again, err := hs.Member(ana).SendMessageEvent(ctx, id.RoomID(rid), event.EventMessage, content, mautrix.ReqSendEvent{TransactionID: "t1"})
	if err != nil || again.EventID != first.EventID {
		t.Fatalf("the repeated transaction answered %v, %v; want %s", again, err, first.EventID)
	}
	if got := bodies(hs.Timeline(ana, rid)); !slices.Equal(got, []string{"once"}) {
		t.Errorf("timeline %q, want one message", got)
	}
}

// An unknown token, a body that is no JSON object and an unknown room get the
// spec's error codes.
func TestErrorShapes(t *testing.T) {
	hs := New(t)
	ana := hs.AddUser("ana", "Ana", "")
	ctx := context.Background()
	stranger, err := mautrix.NewClient(hs.URL(), id.UserID(ana), "not-a-token")
	if err != nil {
		t.Fatal(err)
	}
	stranger.Client = hs.HTTPClient()
	_, err = stranger.Whoami(ctx)
	if re := respErr(t, err, 401, "M_UNKNOWN_TOKEN"); re.ExtraData["soft_logout"] != false {
		t.Errorf("soft_logout = %v, want false", re.ExtraData["soft_logout"])
	}
	_, err = hs.Member(ana).JoinRoomByID(ctx, "!nowhere:example.org")
	respErr(t, err, 404, "M_NOT_FOUND")
	_, err = hs.Member(ana).MakeRequest(ctx, "POST", hs.Member(ana).BuildClientURL("v3", "createRoom"), "a string, not an object", nil)
	respErr(t, err, 400, "M_BAD_JSON")
}

func TestPillsAndMentions(t *testing.T) {
	content := map[string]any{
		"msgtype": "m.text", "body": "Ana, Bob and Eve",
		"format": "org.matrix.custom.html",
		"formatted_body": `<a href="https://matrix.to/#/%40ana%3Aexample.org">Ana</a>, <a href="matrix:u/bob:example.org?action=chat">Bob</a>, ` +
			`<a href="https://matrix.to/#/@eve:elsewhere.net?via=elsewhere.net">Eve</a> and <a href="https://example.org/">a link</a>`,
		"m.mentions": map[string]any{"user_ids": []any{"@ana:example.org"}, "room": true},
	}
	if got, want := Pills(content), []string{"@ana:example.org", "@bob:example.org", "@eve:elsewhere.net"}; !slices.Equal(got, want) {
		t.Errorf("pills %q, want %q", got, want)
	}
	got, ok := Pinged(content)
	if want := []string{"@room", "@ana:example.org"}; !ok || !slices.Equal(got, want) {
		t.Errorf("pinged %q (%v), want %q", got, ok, want)
	}
	if _, ok := Pinged(map[string]any{"body": "@ana:example.org"}); ok {
		t.Error("a message without m.mentions has intentional mentions")
	}
	if got := Pills(map[string]any{"body": `<a href="https://matrix.to/#/@ana:example.org">`}); got != nil {
		t.Errorf("pills of a plain body: %q", got)
	}
}
