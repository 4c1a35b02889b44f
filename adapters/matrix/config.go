package matrix

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"

	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"
)

// Platform is the name Matrix identities carry in the ledger.
const Platform = "matrix"

// StateStore keeps what the adapter must remember across restarts: the sync
// token, the device's credentials, the buttons of its messages. *ledger.DB
// implements it, so the token is committed next to what it acknowledges.
type StateStore interface {
	State(ctx context.Context, platform, key string) (string, bool, error)
	SetState(ctx context.Context, platform, key, value string) error
}

// Config is one bot account on one homeserver.
type Config struct {
	Homeserver  string // https://matrix.example.org
	UserID      string // @entraide:example.org
	AccessToken string // from the environment; or
	// Password logs in once; the device's token is then kept in the
	// StateStore and reused, so the bot stays one device.
	Password   string
	DeviceName string
	// Rooms are the room IDs of the communities: invites to them are
	// accepted.
	Rooms []string
	// AllowedServers are homeservers whose users may invite the bot
	// anywhere (a direct chat, a new working-group room).
	AllowedServers []string
	// AnswerMsgType and AnnouncementMsgType are the msgtypes of answers to
	// commands (default m.notice) and of announcements (default m.text:
	// Element's default push rules notify nobody of a notice).
	AnswerMsgType       string
	AnnouncementMsgType string
	Encryption          bool
	CryptoDB            string // path of the crypto state SQLite file (its own file)
	PickleKey           string
	HTTPClient          *http.Client // optional, for tests and proxies
}

// LogValue shows the configuration without its secrets, so that logging a
// Config can never leak the token or the password.
func (c Config) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("homeserver", c.Homeserver),
		slog.String("user_id", c.UserID),
		slog.Bool("access_token_set", c.AccessToken != ""),
		slog.Bool("password_set", c.Password != ""),
		slog.Int("rooms", len(c.Rooms)),
		slog.Any("allowed_servers", c.AllowedServers),
		slog.Bool("encryption", c.Encryption),
	)
}

// validate names the first setting that is wrong, in words the operator
// can act on.
func (c Config) validate() error {
	u, err := url.Parse(c.Homeserver)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return fmt.Errorf("homeserver %q: want a URL such as https://matrix.example.org", c.Homeserver)
	}
	if _, _, err := id.UserID(c.UserID).Parse(); err != nil || !strings.HasPrefix(c.UserID, "@") {
		return fmt.Errorf("user ID %q: want a full Matrix ID such as @entraide:example.org", c.UserID)
	}
	if c.AccessToken == "" && c.Password == "" {
		return errors.New("an access token or a password is required")
	}
	for _, r := range c.Rooms {
		if !strings.HasPrefix(r, "!") {
			return fmt.Errorf("room %q: want a room ID such as !abc:example.org (not an alias)", r)
		}
	}
	for _, s := range c.AllowedServers {
		if s == "" || strings.ContainsAny(s, "@/ ") {
			return fmt.Errorf("allowed server %q: want a server name such as example.org", s)
		}
	}
	for _, mt := range []string{c.AnswerMsgType, c.AnnouncementMsgType} {
		if mt != "" && mt != string(event.MsgText) && mt != string(event.MsgNotice) {
			return fmt.Errorf("msgtype %q: want m.text or m.notice", mt)
		}
	}
	if c.Encryption {
		if c.CryptoDB == "" {
			return errors.New("encryption needs crypto_db, the path of its own SQLite file")
		}
		if c.PickleKey == "" {
			return errors.New("encryption needs a pickle key to protect the stored keys")
		}
	}
	return nil
}

func (c Config) answerMsgType() string {
	if c.AnswerMsgType == "" {
		return string(event.MsgNotice)
	}
	return c.AnswerMsgType
}

func (c Config) announcementMsgType() string {
	if c.AnnouncementMsgType == "" {
		return string(event.MsgText)
	}
	return c.AnnouncementMsgType
}
