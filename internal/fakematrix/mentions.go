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
		id = linkedID(strings.TrimPrefix(href, "https://matrix.to/#/"), "?")
	case strings.HasPrefix(href, "matrix:u/"):
		if id = linkedID(strings.TrimPrefix(href, "matrix:u/"), "?#"); id != "" {
			id = "@" + id
		}
	default:
		return ""
	}
	if !strings.HasPrefix(id, "@") || !strings.Contains(id, ":") {
		return ""
	}
	return id
}

// linkedID is the percent-encoded identifier a link's path starts with,
// up to the first of ends (its query or fragment), decoded; "" if it
// cannot be.
func linkedID(path, ends string) string {
	if i := strings.IndexAny(path, ends); i >= 0 {
		path = path[:i]
	}
	id, err := url.PathUnescape(path)
	if err != nil {
		return ""
	}
	return id
}
