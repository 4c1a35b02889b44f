package main

import (
	"context"
	"sync"
	"time"

	"github.com/entraide/entraide/bot"
	"github.com/entraide/entraide/ledger"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// monitor is what /healthz and /metrics report: it hears the core's
// commands, the adapters' connections and the scheduler's jobs, and reads
// the ledger's size when scraped. Its registry is its own, not the
// client library's global one.
type monitor struct {
	reg *prometheus.Registry
	db  *ledger.DB

	commands        *prometheus.CounterVec
	latency         *prometheus.HistogramVec
	connected       *prometheus.GaugeVec
	reconnects      *prometheus.CounterVec
	rateLimitWaits  *prometheus.CounterVec
	rateLimitSecs   *prometheus.CounterVec
	jobsDue         *prometheus.CounterVec
	jobsLate        *prometheus.CounterVec
	verifyOK        prometheus.Gauge
	verifyTimestamp prometheus.Gauge

	mu    sync.Mutex
	links map[string]linkState // by platform
}

// linkState is an adapter's connection as last reported.
type linkState struct {
	up    bool
	wasUp bool // connected once: a later connection is a reconnect
}

var (
	_ bot.ConnectionObserver = (*monitor)(nil)
	_ bot.CommandObserver    = (*monitor)(nil)
)

func newMonitor(db *ledger.DB, version string) *monitor {
	m := &monitor{
		reg: prometheus.NewRegistry(),
		db:  db,
		commands: counters("entraide_commands_total",
			"Commands handled, by command and outcome (ok, refused, failed).", "command", "outcome"),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "entraide_command_duration_seconds", Help: "Time the core took to handle a command, by command.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
		}, []string{"command"}),
		connected: gauges("entraide_adapter_connected",
			"1 while the platform's adapter is connected, 0 otherwise.", "platform"),
		reconnects: counters("entraide_adapter_reconnects_total",
			"Connections regained after a loss, by platform.", "platform"),
		rateLimitWaits: counters("entraide_platform_rate_limit_waits_total",
			"Times a platform asked the bot to wait (HTTP 429, M_LIMIT_EXCEEDED).", "platform"),
		rateLimitSecs: counters("entraide_platform_rate_limit_wait_seconds_total",
			"Time the platforms asked the bot to wait.", "platform"),
		jobsDue: counters("entraide_scheduled_jobs_due_total",
			"Scheduled jobs that fell due and ran, by job.", "job"),
		jobsLate: counters("entraide_scheduled_jobs_late_total",
			"Scheduled jobs that started a minute or more after they fell due, by job.", "job"),
		verifyOK: gauge("entraide_verify_ok",
			"1 when the last check of the ledger's invariants found none broken, 0 otherwise."),
		verifyTimestamp: gauge("entraide_verify_timestamp_seconds",
			"When the ledger's invariants were last checked (Unix time; 0 if never since start)."),
		links: map[string]linkState{},
	}
	build := prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "entraide_build_info", Help: "The running version.", ConstLabels: prometheus.Labels{"version": version},
	})
	build.Set(1)
	m.reg.MustRegister(m.commands, m.latency, m.connected, m.reconnects, m.rateLimitWaits, m.rateLimitSecs,
		m.jobsDue, m.jobsLate, m.verifyOK, m.verifyTimestamp, build, newLedgerCollector(db),
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// counters, gauges and gauge make the monitor's series, named and
// described for /metrics; the vectors are split by labels.
func counters(name, help string, labels ...string) *prometheus.CounterVec {
	return prometheus.NewCounterVec(prometheus.CounterOpts{Name: name, Help: help}, labels)
}

func gauges(name, help string, labels ...string) *prometheus.GaugeVec {
	return prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: name, Help: help}, labels)
}

func gauge(name, help string) prometheus.Gauge {
	return prometheus.NewGauge(prometheus.GaugeOpts{Name: name, Help: help})
}

// ObserveCommand implements bot.CommandObserver.
func (m *monitor) ObserveCommand(command, outcome string, took time.Duration) {
	m.commands.WithLabelValues(command, outcome).Inc()
	m.latency.WithLabelValues(command).Observe(took.Seconds())
}

// Connected implements bot.ConnectionObserver.
func (m *monitor) Connected(platform string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	s := m.links[platform]
	if !s.up && s.wasUp {
		m.reconnects.WithLabelValues(platform).Inc()
	}
	s.up, s.wasUp = true, true
	m.links[platform] = s
	m.connected.WithLabelValues(platform).Set(1)
}

// Disconnected implements bot.ConnectionObserver.
func (m *monitor) Disconnected(platform string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	s := m.links[platform]
	s.up = false
	m.links[platform] = s
	m.connected.WithLabelValues(platform).Set(0)
}

// RateLimited implements bot.ConnectionObserver.
func (m *monitor) RateLimited(platform string, wait time.Duration) {
	m.rateLimitWaits.WithLabelValues(platform).Inc()
	m.rateLimitSecs.WithLabelValues(platform).Add(wait.Seconds())
}

// expect declares an adapter that is not connected yet, so that /healthz
// waits for it and /metrics shows its series at 0.
func (m *monitor) expect(platform string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.links[platform]; !ok {
		m.links[platform] = linkState{}
		m.connected.WithLabelValues(platform).Set(0)
		m.reconnects.WithLabelValues(platform)
		m.rateLimitWaits.WithLabelValues(platform)
		m.rateLimitSecs.WithLabelValues(platform)
	}
}

// expectJob shows a scheduled job's counters at zero before its first run.
func (m *monitor) expectJob(job string) {
	m.jobsDue.WithLabelValues(job)
	m.jobsLate.WithLabelValues(job)
}

// JobDue counts a scheduled job's run, and whether it started late.
func (m *monitor) JobDue(job string, late time.Duration) {
	m.jobsDue.WithLabelValues(job).Inc()
	if late >= time.Minute {
		m.jobsLate.WithLabelValues(job).Inc()
	}
}

// verified records a check of the ledger's invariants.
func (m *monitor) verified(ok bool, at time.Time) {
	v := 0.0
	if ok {
		v = 1
	}
	m.verifyOK.Set(v)
	m.verifyTimestamp.Set(float64(at.Unix()))
}

// connections says of each adapter whether it is connected.
func (m *monitor) connections() map[string]bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make(map[string]bool, len(m.links))
	for p, s := range m.links {
		out[p] = s.up
	}
	return out
}

// ledgerCollector reads the ledger's entries, size and schema at each
// scrape, so that they are never stale.
type ledgerCollector struct {
	db                    *ledger.DB
	entries, size, schema *prometheus.Desc
}

func newLedgerCollector(db *ledger.DB) ledgerCollector {
	return ledgerCollector{
		db:      db,
		entries: prometheus.NewDesc("entraide_ledger_entries", "Entries in the ledger's journal.", nil, nil),
		size:    prometheus.NewDesc("entraide_ledger_size_bytes", "Size of the ledger's database file and write-ahead log.", nil, nil),
		schema:  prometheus.NewDesc("entraide_ledger_schema_version", "The ledger's schema version (its newest migration).", nil, nil),
	}
}

func (c ledgerCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.entries
	ch <- c.size
	ch <- c.schema
}

func (c ledgerCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	st, err := c.db.Stats(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(c.entries, err)
		return
	}
	ch <- prometheus.MustNewConstMetric(c.entries, prometheus.GaugeValue, float64(st.Entries))
	ch <- prometheus.MustNewConstMetric(c.size, prometheus.GaugeValue, float64(st.Bytes))
	v, err := c.db.SchemaVersion(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(c.schema, err)
		return
	}
	ch <- prometheus.MustNewConstMetric(c.schema, prometheus.GaugeValue, float64(v))
}
