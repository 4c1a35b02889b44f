package ledger

import (
	"context"
	"path/filepath"
	"testing"
)

func TestStateSurvivesReopen(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "s.db")
	db := openFile(t, path, Options{})
	if _, found, err := db.State(ctx, "matrix", "next_batch"); err != nil || found {
		t.Fatalf("fresh state: found=%v err=%v", found, err)
	}
	for _, v := range []string{"s1_2", "s72_594"} {
		if err := db.SetState(ctx, "matrix", "next_batch", v); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.SetState(ctx, "discord", "next_batch", "other"); err != nil {
		t.Fatal(err)
	}
	db.Close()
	db = openFile(t, path, Options{})
	if v, found, err := db.State(ctx, "matrix", "next_batch"); err != nil || !found || v != "s72_594" {
		t.Errorf("after reopen: %q found=%v err=%v, want the last value", v, found, err)
	}
	if v, _, _ := db.State(ctx, "discord", "next_batch"); v != "other" {
		t.Errorf("platforms share state: %q", v)
	}
}
