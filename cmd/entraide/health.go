package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/entraide/entraide/ledger"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// healthReport is /healthz's body.
type healthReport struct {
	Status   string            `json:"status"` // ok or unavailable
	Ledger   string            `json:"ledger"` // writable, or why not
	Adapters map[string]string `json:"adapters"`
}

// healthHandler answers 200 when the ledger takes writes and every
// adapter is connected, 503 otherwise, saying which part is not ready.
func healthHandler(db *ledger.DB, mon *monitor) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 3*time.Second)
		defer cancel()
		rep := healthReport{Status: "ok", Ledger: "writable", Adapters: map[string]string{}}
		if err := db.Writable(ctx); err != nil {
			rep.Status, rep.Ledger = "unavailable", err.Error()
		}
		for p, up := range mon.connections() {
			rep.Adapters[p] = "connected"
			if !up {
				rep.Status, rep.Adapters[p] = "unavailable", "disconnected"
			}
		}
		w.Header().Set("Content-Type", "application/json")
		if rep.Status != "ok" {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
		json.NewEncoder(w).Encode(rep)
	})
}

// startHTTP listens on addr and serves /healthz and /metrics until stop
// is called. It listens before returning, so a port in use is an error
// at start, not a log line later.
func startHTTP(addr string, db *ledger.DB, mon *monitor) (bound string, stop func(), err error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", nil, fmt.Errorf("http.listen: %w", err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /healthz", healthHandler(db, mon))
	mux.Handle("GET /metrics", promhttp.HandlerFor(mon.reg, promhttp.HandlerOpts{}))
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	done := make(chan struct{})
	go func() {
		defer close(done)
		srv.Serve(ln)
	}()
	return ln.Addr().String(), func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
		<-done
	}, nil
}

// healthURL is where `entraide health` asks: the listener's address, with
// a wildcard host replaced by loopback.
func healthURL(listen string) (string, error) {
	host, port, err := net.SplitHostPort(listen)
	if err != nil {
		return "", err
	}
	switch host {
	case "", "0.0.0.0":
		host = "127.0.0.1"
	case "::":
		host = "::1"
	}
	return "http://" + net.JoinHostPort(host, port) + "/healthz", nil
}

// cmdHealth asks the running bot's /healthz: exit 0 when it is ready, 1
// when it is not or does not answer. Docker's HEALTHCHECK runs it (the
// slim image has no curl).
func cmdHealth(ctx context.Context, args []string, io stdio) error {
	fs, c := newFlags("health", io)
	url := fs.String("url", "", "the /healthz URL to ask (default: from config.yaml's http.listen)")
	timeout := fs.Duration("timeout", 5*time.Second, "how long to wait for the answer")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *url == "" {
		cfg, _, _, err := c.load(io)
		if err != nil {
			return err
		}
		if cfg.HTTP.Listen == "" {
			return errors.New("http.listen is not set in the config: the bot serves no /healthz to ask (set it, e.g. 127.0.0.1:9464, or pass --url)")
		}
		if *url, err = healthURL(cfg.HTTP.Listen); err != nil {
			return err
		}
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, *url, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("%s does not answer (is the bot running?): %w", *url, err)
	}
	defer resp.Body.Close()
	var body bytes.Buffer
	body.ReadFrom(resp.Body)
	fmt.Fprintln(io.out, strings.TrimSpace(body.String()))
	if resp.StatusCode != http.StatusOK {
		fmt.Fprintf(io.err, "entraide health: %s answered %s\n", *url, resp.Status)
		return errFailed
	}
	return nil
}
