package fakediscord

import (
	"encoding/json"
	"regexp"
	"slices"
	"time"
)

// callsTo lists the calls whose path matches re.
func (f *Server) CallsTo(method, re string) []*Call {
	f.mu.Lock()
	defer f.mu.Unlock()
	rx := regexp.MustCompile(re)
	var out []*Call
	for _, c := range f.Calls {
		if (method == "" || c.Method == method) && rx.MatchString(c.Path) {
			out = append(out, c)
		}
	}
	return out
}

// interactionCalls are the calls made for one interaction (its callback,
// follow-ups and edits), in order.
func (f *Server) InteractionCalls(id string) []*Call {
	f.mu.Lock()
	defer f.mu.Unlock()
	token := ""
	if in := f.Interactions[id]; in != nil {
		token = in.Token
	}
	var out []*Call
	for _, c := range f.Calls {
		if c.InteractionID == id || (token != "" && c.Token == token) {
			out = append(out, c)
		}
	}
	return out
}

func (f *Server) Interaction(id string) Interaction {
	f.mu.Lock()
	defer f.mu.Unlock()
	in := f.Interactions[id]
	if in == nil {
		f.t.Fatalf("fake discord: no interaction %s", id)
	}
	return *in
}

// next is the next message members see, failing the test after a while.
func (f *Server) Next() *Message {
	f.t.Helper()
	select {
	case m := <-f.Feed:
		return m
	case <-time.After(15 * time.Second):
		f.t.Fatal("fake discord: no message from the bot")
		return nil
	}
}

// buttons reads a message's components.
func (m *Message) Buttons() []struct{ Label, CustomID string } {
	var rows []struct {
		Type       int `json:"type"`
		Components []struct {
			Type     int    `json:"type"`
			Label    string `json:"label"`
			CustomID string `json:"custom_id"`
		} `json:"components"`
	}
	_ = json.Unmarshal(m.Components, &rows)
	var out []struct{ Label, CustomID string }
	for _, r := range rows {
		for _, b := range r.Components {
			out = append(out, struct{ Label, CustomID string }{b.Label, b.CustomID})
		}
	}
	return out
}

// allowed reads a message's allowed_mentions.
func (m *Message) AllowedMentions() (parse, users []string, set bool) {
	if m.Allowed == nil {
		return nil, nil, false
	}
	var am struct {
		Parse []string `json:"parse"`
		Users []string `json:"users"`
	}
	_ = json.Unmarshal(m.Allowed, &am)
	return am.Parse, am.Users, true
}

// pinged is who Discord notifies for a message: mentioned users allowed
// by allowed_mentions (all of them when it is absent).
func (m *Message) Pinged() []string {
	parse, users, set := m.AllowedMentions()
	var out []string
	for _, mm := range userMention.FindAllStringSubmatch(m.Content, -1) {
		id := mm[1]
		if (!set || slices.Contains(parse, "users") || slices.Contains(users, id)) && !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out
}

// readable is the content as a member reads it: <@id> shows their name.
func (f *Server) Readable(content string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return userMention.ReplaceAllStringFunc(content, func(tok string) string {
		id := userMention.FindStringSubmatch(tok)[1]
		if u := f.Users[id]; u != nil {
			if u.GlobalName != "" {
				return "@" + u.GlobalName
			}
			return "@" + u.Username
		}
		return tok
	})
}
