package fakematrix

import (
	"net/url"
	"strings"

	"golang.org/x/net/html"
)

// Pinged is who a message notifies under the spec's intentional mentions
// (m.mentions): its user_ids, and "@room" when it pings the room. ok is
// false when the content has no m.mentions, which the spec leaves to the
// older body-matching rules.
func Pinged(content map[string]any) (users []string, ok bool) {
	m, ok := content["m.mentions"].(map[string]any)
	if !ok {
		return nil, false
	}
	if m["room"] == true {
		users = append(users, "@room")
	}
	list, _ := m["user_ids"].([]any)
	for _, u := range list {
		if s, ok := u.(string); ok {
			users = append(users, s)
		}
	}
	return users, true
}

// Pills lists the users that a message's formatted_body links to, in
// order, as the spec's user pills are written: an <a> whose href is a
// matrix.to link (https://matrix.to/#/@user:server) or a matrix: URI
// (matrix:u/user:server).
func Pills(content map[string]any) []string {
	if content["format"] != "org.matrix.custom.html" {
		return nil
	}
	body, _ := content["formatted_body"].(string)
	var users []string
	z := html.NewTokenizer(strings.NewReader(body))
	for {
		switch z.Next() {
		case html.ErrorToken:
			return users
		case html.StartTagToken:
			name, hasAttr := z.TagName()
			if string(name) != "a" || !hasAttr {
				continue
			}
			for {
				key, val, more := z.TagAttr()
				if string(key) == "href" {
					if u := pillUser(string(val)); u != "" {
						users = append(users, u)
					}
				}
				if !more {
					break
				}
			}
		}
	}
}

// pillUser is the user a link points to, or "".
func pillUser(href string) string {
	var id string
	switch {
	case strings.HasPrefix(href, "https://matrix.to/#/"):
		id = strings.TrimPrefix(href, "https://matrix.to/#/")
		if i := strings.IndexByte(id, '?'); i >= 0 {
			id = id[:i]
		}
		unescaped, err := url.PathUnescape(id)
		if err != nil {
			return ""
		}
		id = unescaped
	case strings.HasPrefix(href, "matrix:u/"):
		id = strings.TrimPrefix(href, "matrix:u/")
		if i := strings.IndexAny(id, "?#"); i >= 0 {
			id = id[:i]
		}
		unescaped, err := url.PathUnescape(id)
		if err != nil {
			return ""
		}
		id = "@" + unescaped
	default:
		return ""
	}
	if !strings.HasPrefix(id, "@") || !strings.Contains(id, ":") {
		return ""
	}
	return id
}
