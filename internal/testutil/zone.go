package testutil

import (
	"testing"
	"time"
)

// Paris is Europe/Paris, the zone of most tests: its daylight-saving
// changes (last Sundays of March and October) are the cases to get right.
func Paris(t testing.TB) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}
