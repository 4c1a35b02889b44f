package matrix

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"maunium.net/go/mautrix"
	"maunium.net/go/mautrix/id"
)

// keySession holds the device a password login created.
const keySession = "session"

// session is the device the bot logged in as, kept in the StateStore so a
// restart reuses it (and the crypto keys bound to it) instead of piling up
// devices on the account.
type session struct {
	Homeserver  string      `json:"homeserver"`
	UserID      id.UserID   `json:"user_id"`
	DeviceID    id.DeviceID `json:"device_id"`
	AccessToken string      `json:"access_token"`
}

// connect gives the client its credentials and checks them with whoami;
// on the first call it also sets up end-to-end encryption.
func (a *Adapter) connect(ctx context.Context) error {
	a.connectMu.Lock()
	defer a.connectMu.Unlock()
	if a.loggedIn {
		return nil
	}
	stored := false
	switch {
	case a.cfg.AccessToken != "":
		a.client.AccessToken = a.cfg.AccessToken
	default:
		s, ok, err := a.loadSession(ctx)
		if err != nil {
			return err
		}
		if ok {
			a.client.AccessToken, a.client.DeviceID, stored = s.AccessToken, s.DeviceID, true
		} else if err := a.login(ctx); err != nil {
			return err
		}
	}
	who, err := a.whoami(ctx)
	if stored && errors.Is(err, mautrix.MUnknownToken) {
		// The stored device was logged out (by the operator, or the
		// server expired it): log in again once.
		a.log.Warn("the stored device's token was refused; logging in again")
		if err := a.login(ctx); err != nil {
			return err
		}
		who, err = a.whoami(ctx)
	}
	if err != nil {
		return fmt.Errorf("matrix: check the access token: %w", err)
	}
	if who.UserID != a.botID {
		return fmt.Errorf("matrix: the token belongs to %s, not to the configured %s", who.UserID, a.botID)
	}
	a.client.DeviceID = who.DeviceID
	if a.cfg.Encryption {
		e, err := a.setupCrypto(ctx)
		if err != nil {
			return fmt.Errorf("matrix: end-to-end encryption: %w", err)
		}
		a.e2ee = e
	}
	if err := a.pending.load(ctx, a); err != nil {
		return err
	}
	a.loggedIn = true
	return nil
}

func (a *Adapter) whoami(ctx context.Context) (*mautrix.RespWhoami, error) {
	var who *mautrix.RespWhoami
	err := a.retry(ctx, opIdempotent, "whoami", nil, func(ctx context.Context) error {
		var err error
		who, err = a.client.Whoami(ctx)
		return err
	})
	return who, err
}

// login uses the password once and stores the device it gets.
func (a *Adapter) login(ctx context.Context) error {
	if a.cfg.Password == "" {
		return errors.New("matrix: no stored device and no password to log in with")
	}
	req := &mautrix.ReqLogin{
		Type:                     mautrix.AuthTypePassword,
		Identifier:               mautrix.UserIdentifier{Type: mautrix.IdentifierTypeUser, User: string(a.botID)},
		Password:                 a.cfg.Password,
		InitialDeviceDisplayName: a.cfg.DeviceName,
		StoreCredentials:         true,
	}
	// A retried login could create a second device, so only what surely
	// did not reach the server is retried.
	err := a.retry(ctx, opOnce, "login", nil, func(ctx context.Context) error {
		_, err := a.client.Login(ctx, req)
		return err
	})
	if err != nil {
		return fmt.Errorf("matrix: log in as %s: %w", a.botID, err)
	}
	s := session{Homeserver: a.cfg.Homeserver, UserID: a.client.UserID, DeviceID: a.client.DeviceID, AccessToken: a.client.AccessToken}
	data, err := json.Marshal(s)
	if err != nil {
		return fmt.Errorf("matrix: %w", err)
	}
	if err := a.state.SetState(ctx, Platform, keySession, string(data)); err != nil {
		return fmt.Errorf("matrix: store the new device: %w", err)
	}
	a.log.Info("logged in with the password; the device is stored for next time", "device", s.DeviceID)
	return nil
}

// loadSession finds the device of an earlier password login, if it was
// made for this account on this homeserver.
func (a *Adapter) loadSession(ctx context.Context) (session, bool, error) {
	raw, ok, err := a.state.State(ctx, Platform, keySession)
	if err != nil {
		return session{}, false, fmt.Errorf("matrix: read the stored device: %w", err)
	}
	if !ok || raw == "" {
		return session{}, false, nil
	}
	var s session
	if err := json.Unmarshal([]byte(raw), &s); err != nil {
		a.log.Warn("the stored device is unreadable; logging in again", "err", err)
		return session{}, false, nil
	}
	if s.UserID != a.botID || s.Homeserver != a.cfg.Homeserver || s.AccessToken == "" {
		return session{}, false, nil
	}
	return s, true, nil
}
