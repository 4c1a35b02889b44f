//go:build !goolm

package matrix

import (
	"strings"
	"testing"
)

// Without the goolm tag, asking for encryption fails at once, saying how
// to get it, instead of running blind in encrypted rooms.
func TestEncryptionNeedsTheGoolmBuild(t *testing.T) {
	cfg := Config{Homeserver: "https://matrix.example.org", UserID: "@entraide:example.org", AccessToken: "t",
		Encryption: true, CryptoDB: "crypto.db", PickleKey: "k"}
	_, err := New(cfg, nil, nil)
	if err == nil || !strings.Contains(err.Error(), "-tags goolm") {
		t.Errorf("New = %v, want an error pointing to -tags goolm", err)
	}
}
