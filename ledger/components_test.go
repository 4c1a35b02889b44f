package ledger

import (
	"path/filepath"
	"testing"
)

// A component is found again after a reopening, by platform and id; the
// first record of an id stands.
func TestComponentsSurviveReopening(t *testing.T) {
	path := filepath.Join(t.TempDir(), "e.db")
	db, err := Open(t.Context(), path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.SaveComponent(t.Context(), "discord", "k1", "/object 3", "What is your objection?"); err != nil {
		t.Fatal(err)
	}
	if err := db.SaveComponent(t.Context(), "discord", "k1", "/consent 3", ""); err != nil {
		t.Fatal(err)
	}
	db.Close()
	db, err = Open(t.Context(), path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, c := range []struct {
		platform, id string
		found        bool
	}{{"discord", "k1", true}, {"matrix", "k1", false}, {"discord", "k2", false}} {
		payload, ask, found, err := db.Component(t.Context(), c.platform, c.id)
		if err != nil || found != c.found || (found && (payload != "/object 3" || ask != "What is your objection?")) {
			t.Errorf("%s/%s: %q %q, %v, %v", c.platform, c.id, payload, ask, found, err)
		}
	}
}
