package fakediscord

import (
	"errors"
	"strings"
	"testing"

	"github.com/bwmarrin/discordgo"
	"github.com/gorilla/websocket"
)

// session is discordgo talking to the fake over REST.
func session(t *testing.T, f *Server) *discordgo.Session {
	t.Helper()
	s, err := discordgo.New("Bot " + f.Token)
	if err != nil {
		t.Fatal(err)
	}
	s.Client = f.Client()
	return s
}

// code is Discord's JSON error code in err, or 0.
func code(err error) int {
	var re *discordgo.RESTError
	if errors.As(err, &re) && re.Message != nil {
		return re.Message.Code
	}
	return 0
}

// The fake refuses the command registrations Discord refuses, with
// Discord's error code, and takes a valid one.
func TestCommandRules(t *testing.T) {
	f := New(t)
	g, _ := f.AddGuild("Coop")
	s := session(t, f)
	fr := func(name string) *map[discordgo.Locale]string {
		return &map[discordgo.Locale]string{discordgo.French: name}
	}
	ok := &discordgo.ApplicationCommand{Name: "give", Description: "give time", NameLocalizations: fr("donner")}
	long := strings.Repeat("x", 101)
	for _, c := range []struct {
		name string
		cmds []*discordgo.ApplicationCommand
	}{
		{"upper case", []*discordgo.ApplicationCommand{{Name: "Give", Description: "d"}}},
		{"space in a name", []*discordgo.ApplicationCommand{{Name: "give time", Description: "d"}}},
		{"no description", []*discordgo.ApplicationCommand{{Name: "give"}}},
		{"description too long", []*discordgo.ApplicationCommand{{Name: "give", Description: long}}},
		{"unknown locale", []*discordgo.ApplicationCommand{{Name: "give", Description: "d", NameLocalizations: &map[discordgo.Locale]string{"fr-FR": "donner"}}}},
		{"duplicate localized name", []*discordgo.ApplicationCommand{ok, {Name: "donate", Description: "d", NameLocalizations: fr("donner")}}},
		{"choice value too long", []*discordgo.ApplicationCommand{{Name: "give", Description: "d", Options: []*discordgo.ApplicationCommandOption{
			{Type: discordgo.ApplicationCommandOptionString, Name: "category", Description: "c", Choices: []*discordgo.ApplicationCommandOptionChoice{{Name: "joy", Value: long}}}}}}},
		{"required after optional", []*discordgo.ApplicationCommand{{Name: "give", Description: "d", Options: []*discordgo.ApplicationCommandOption{
			{Type: discordgo.ApplicationCommandOptionString, Name: "note", Description: "n"},
			{Type: discordgo.ApplicationCommandOptionString, Name: "amount", Description: "a", Required: true}}}}},
	} {
		if _, err := s.ApplicationCommandBulkOverwrite(f.AppID, g.ID, c.cmds); code(err) != codeInvalidFormBody {
			t.Errorf("%s: %v, want Discord's 50035", c.name, err)
		}
	}
	if _, err := s.ApplicationCommandBulkOverwrite(f.AppID, g.ID, []*discordgo.ApplicationCommand{ok}); err != nil {
		t.Errorf("a valid registration: %v", err)
	}
}

// Messages: content, embeds, components and allowed mentions beyond
// Discord's limits are refused with 50035.
func TestMessageRules(t *testing.T) {
	f := New(t)
	_, general := f.AddGuild("Coop")
	s := session(t, f)
	button := func(id string) discordgo.MessageComponent {
		return discordgo.Button{Label: "b", Style: discordgo.SecondaryButton, CustomID: id}
	}
	users := make([]string, 101)
	for i := range users {
		users[i] = "1"
	}
	for _, c := range []struct {
		name string
		m    *discordgo.MessageSend
	}{
		{"content", &discordgo.MessageSend{Content: strings.Repeat("x", 2001)}},
		{"embed total", &discordgo.MessageSend{Embeds: []*discordgo.MessageEmbed{{Description: strings.Repeat("x", 4000)}, {Description: strings.Repeat("x", 2001)}}}},
		{"field value", &discordgo.MessageSend{Embeds: []*discordgo.MessageEmbed{{Fields: []*discordgo.MessageEmbedField{{Name: "n", Value: strings.Repeat("x", 1025)}}}}}},
		{"duplicate custom_id", &discordgo.MessageSend{Content: "x", Components: []discordgo.MessageComponent{discordgo.ActionsRow{Components: []discordgo.MessageComponent{button("a"), button("a")}}}}},
		{"custom_id too long", &discordgo.MessageSend{Content: "x", Components: []discordgo.MessageComponent{discordgo.ActionsRow{Components: []discordgo.MessageComponent{button(strings.Repeat("a", 101))}}}}},
		{"allowed mentions", &discordgo.MessageSend{Content: "x", AllowedMentions: &discordgo.MessageAllowedMentions{Users: users}}},
	} {
		if _, err := s.ChannelMessageSendComplex(general, c.m); code(err) != codeInvalidFormBody {
			t.Errorf("%s: %v, want 50035", c.name, err)
		}
	}
	if _, err := s.ChannelMessageSendComplex(general, &discordgo.MessageSend{Content: "hello", Components: []discordgo.MessageComponent{
		discordgo.ActionsRow{Components: []discordgo.MessageComponent{button("a"), button("b")}}}}); err != nil {
		t.Errorf("a valid message: %v", err)
	}
}

// A RESUME with a sequence number the session never reached closes the
// connection with 4007.
func TestResumeWithAnInvalidSequence(t *testing.T) {
	f := New(t)
	f.AddGuild("Coop")
	dial := func(url string) *websocket.Conn {
		c, _, err := websocket.DefaultDialer.Dial(url+"?v=10&encoding=json", nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		var hello map[string]any
		if err := c.ReadJSON(&hello); err != nil || hello["op"] != float64(10) {
			t.Fatalf("HELLO: %v %v", hello, err)
		}
		return c
	}
	c := dial(f.GatewayURL())
	if err := c.WriteJSON(map[string]any{"op": 2, "d": map[string]any{"token": "Bot " + f.Token, "intents": 1}}); err != nil {
		t.Fatal(err)
	}
	f.Wait("the session", func() bool { return f.SessionID != "" })
	f.Drop()
	r := dial(f.ResumeURL())
	if err := r.WriteJSON(map[string]any{"op": 6, "d": map[string]any{"token": "Bot " + f.Token, "session_id": f.SessionID, "seq": 1000}}); err != nil {
		t.Fatal(err)
	}
	for {
		if _, _, err := r.ReadMessage(); err != nil {
			var ce *websocket.CloseError
			if !errors.As(err, &ce) || ce.Code != 4007 {
				t.Errorf("closed with %v, want 4007", err)
			}
			return
		}
	}
}
