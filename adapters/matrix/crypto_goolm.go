//go:build goolm

package matrix

import (
	"context"
	"errors"
	"fmt"

	"maunium.net/go/mautrix/crypto"
	"maunium.net/go/mautrix/crypto/cryptohelper"
	"maunium.net/go/mautrix/event"
)

// e2eeBuilt is true: the goolm tag selects mautrix's pure-Go Olm, so
// encryption needs no C library.
const e2eeBuilt = true

// goolmE2EE is mautrix's crypto helper, its state (Olm account, room keys,
// room state for encryption) in its own SQLite file, apart from the
// ledger.
type goolmE2EE struct {
	helper *cryptohelper.CryptoHelper
}

// setupCrypto loads or creates the device's keys and hooks the crypto
// machine into the sync; the client then encrypts what it sends to
// encrypted rooms.
func (a *Adapter) setupCrypto(ctx context.Context) (e2ee, error) {
	// The helper opens the file itself and brings its own state store,
	// which remembers which rooms are encrypted across restarts.
	helper, err := cryptohelper.NewCryptoHelper(a.client, []byte(a.cfg.PickleKey), a.cfg.CryptoDB)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", a.cfg.CryptoDB, err)
	}
	if err := helper.Init(ctx); err != nil {
		helper.Close()
		return nil, fmt.Errorf("load the device's keys from %s (a crypto file belongs to one device: a new access token needs a new file): %w", a.cfg.CryptoDB, err)
	}
	a.client.Crypto = helper
	return &goolmE2EE{helper: helper}, nil
}

func (g *goolmE2EE) decrypt(ctx context.Context, evt *event.Event) (*event.Event, error) {
	dec, err := g.helper.Decrypt(ctx, evt)
	// A withheld notice (a device that won't or can't share the key) is
	// not the last word: the key may still come from the sender, and then
	// replaces the notice.
	var withheld *event.RoomKeyWithheldEventContent
	if errors.Is(err, crypto.NoSessionFound) || errors.As(err, &withheld) {
		return nil, fmt.Errorf("%w: %w", errNoSession, err)
	}
	return dec, err
}

func (g *goolmE2EE) requestKeys(ctx context.Context, evt *event.Event) {
	content := evt.Content.AsEncrypted()
	g.helper.RequestSession(ctx, evt.RoomID, content.SenderKey, content.SessionID, evt.Sender, content.DeviceID)
}

func (g *goolmE2EE) close() error { return g.helper.Close() }
