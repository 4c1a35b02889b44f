package main

import (
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/entraide/entraide/ledger"
)

// /healthz is ready only when every adapter is connected; entraide health
// exits 1 until then; a loss and a new connection count a reconnect.
func TestHealthFollowsTheAdapters(t *testing.T) {
	db, err := ledger.Open(t.Context(), filepath.Join(t.TempDir(), "l.db"), ledger.Options{Durability: ledger.DurabilityNormal})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	mon := newMonitor(db, "test")
	mon.expect("matrix")
	addr, stop, err := startHTTP("127.0.0.1:0", db, mon)
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	url := "http://" + addr + "/healthz"
	check := func(wantCode int, want string) {
		t.Helper()
		out, errs, code := runMain(t, "", "health", "--url", url)
		if code != wantCode || !strings.Contains(out, want) {
			t.Errorf("health: exit %d, stdout %q, stderr %q; want exit %d and %q", code, out, errs, wantCode, want)
		}
	}
	check(1, `"matrix":"disconnected"`)
	mon.Connected("matrix")
	check(0, `"matrix":"connected"`)
	mon.Disconnected("matrix")
	check(1, `"status":"unavailable"`)
	mon.Connected("matrix")
	mon.RateLimited("matrix", 1500*time.Millisecond)
	check(0, `"status":"ok"`)

	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{
		`entraide_adapter_reconnects_total{platform="matrix"} 1`,
		`entraide_platform_rate_limit_waits_total{platform="matrix"} 1`,
		`entraide_platform_rate_limit_wait_seconds_total{platform="matrix"} 1.5`,
		`entraide_build_info{version="test"} 1`,
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	// A port already taken is an error at start, naming the setting.
	if _, _, err := startHTTP(addr, db, mon); err == nil || !strings.Contains(err.Error(), "http.listen") {
		t.Errorf("second listener on %s: %v", addr, err)
	}
}
