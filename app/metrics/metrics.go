// Package metrics is Claro's Prometheus registry: every series the app
// exports, the collectors that read the rest at scrape time, the request
// middleware and the private listener that serves GET /metrics.
//
// One registry per App (no global default registry), built by app.NewWith;
// main.go serves it on METRICS_ADDR, a listener of its own that no public
// port reaches: the public app has no /metrics route and answers it with its
// 404 page. Every label has a bounded set of values: routes are Fiber's
// registered patterns (web.RoutePattern), never the address asked for.
//
// Series (docs/deploy.md, "Metrics", lists them with the alerts built on them):
//
//	claro_http_request_duration_seconds{route,method,status}  histogram
//	claro_webhook_deliveries_total{endpoint,outcome}          counter
//	claro_webhook_batch_fallbacks_total                       counter
//	claro_queue_pending{queue}, claro_queue_oldest_seconds{queue}
//	claro_page_cache_requests_total{result}, claro_page_cache_pages, claro_page_cache_bytes
//	claro_acme_events_total{event}
//	claro_tls_certificate_expiry_timestamp_seconds{name}
//	claro_ready
//	claro_ratelimit_fallbacks_total                           counter
//	go_sql_*{db_name}, go_*, process_*
package metrics

import (
	"context"
	"database/sql"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Path is where the metrics listener serves the registry.
const Path = "/metrics"

// scrapeTimeout bounds each database read a scrape makes (backlogs,
// readiness), so a slow database makes a slow scrape, never a stuck one.
const scrapeTimeout = 2 * time.Second

// Metrics holds the registry and the series the app writes as things happen;
// the rest are read at scrape time by the collectors registered with it.
type Metrics struct {
	// Registry is what the listener serves; tests gather it directly.
	Registry *prometheus.Registry
	log      *slog.Logger

	requests   *prometheus.HistogramVec
	observers  sync.Map     // requestLabels -> prometheus.Observer: requests' series, found without its lock (observer)
	inFlight   atomic.Int64 // requests being answered now (claro_http_requests_in_flight)
	webhooks   *prometheus.CounterVec
	fallbacks  prometheus.Counter
	acmeEvents *prometheus.CounterVec
	reconciled *prometheus.CounterVec
	rlMemory   prometheus.Counter
}

// New returns a registry with the Go runtime and process collectors and the
// series the app writes; the app adds its scrape-time collectors with the
// methods below.
func New(log *slog.Logger) *Metrics {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	m := &Metrics{Registry: prometheus.NewRegistry(), log: log}
	m.requests = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "claro_http_request_duration_seconds",
		Help: "Time to answer a request, by the route pattern that answered it (\"none\": middleware answered, such as an unknown host or the 404 page), method and status class.",
		// Pages answer in about a millisecond from the cache; uploads and
		// Stripe calls take seconds.
		Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
	}, []string{"route", "method", "status"})
	m.Registry.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "claro_http_requests_in_flight",
		Help: "Requests being answered now (past the probes); at shutdown, what the drain waits for.",
	}, func() float64 { return float64(m.inFlight.Load()) }))
	m.webhooks = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "claro_webhook_deliveries_total",
		Help: "Stripe webhook deliveries by endpoint (platform, connect) and outcome: applied, duplicate, ignored, bad_signature, bad_version, too_large, retry (answered 500: Stripe delivers again).",
	}, []string{"endpoint", "outcome"})
	m.fallbacks = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "claro_webhook_batch_fallbacks_total",
		Help: "Paying deliveries whose shared batch failed, each of which then ran again on its own.",
	})
	m.acmeEvents = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "claro_acme_events_total",
		Help: "CertMagic's certificate events on this machine: cert_obtaining, cert_obtained, cert_failed, cached_managed_cert, cached_unmanaged_cert, cert_ocsp_revoked (other names count as \"other\").",
	}, []string{"event"})
	m.reconciled = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "claro_reconciled_total",
		Help: "What the Stripe reconciler fixed, by kind: order (written for a completed session whose webhook never arrived), account (a Connect account re-read from Stripe).",
	}, []string{"kind"})
	m.rlMemory = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "claro_ratelimit_fallbacks_total",
		Help: "Rate-limit counts made in this instance's memory because Redis failed or was resting after a failure (limits are then per instance).",
	})
	m.Registry.MustRegister(m.requests, m.webhooks, m.fallbacks, m.acmeEvents, m.reconciled, m.rlMemory,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	// Every outcome is there from the start, at zero: a ratio of two
	// counters needs both, and an alert on "retry" must see it rise from 0.
	for _, ep := range []string{"platform", "connect"} {
		for _, o := range webhookOutcomes {
			m.webhooks.WithLabelValues(ep, o)
		}
	}
	for _, e := range acmeEventNames {
		m.acmeEvents.WithLabelValues(e)
	}
	for _, k := range reconciledKinds {
		m.reconciled.WithLabelValues(k)
	}
	return m
}

var webhookOutcomes = []string{"applied", "duplicate", "ignored", "bad_signature", "bad_version", "too_large", "retry"}

var acmeEventNames = []string{"cert_obtaining", "cert_obtained", "cert_failed", "cached_managed_cert",
	"cached_unmanaged_cert", "cert_ocsp_revoked"}

// WebhookDelivery counts one webhook delivery (orders.Observer). An outcome
// outside the known set counts as "other", so the label stays bounded.
func (m *Metrics) WebhookDelivery(endpoint, outcome string) {
	if endpoint != "connect" {
		endpoint = "platform"
	}
	m.webhooks.WithLabelValues(endpoint, known(outcome, webhookOutcomes)).Inc()
}

var reconciledKinds = []string{"order", "account"}

// Reconciled counts n things of kind ("order", "account") the Stripe
// reconciler fixed (reconcile.Counter).
func (m *Metrics) Reconciled(kind string, n int) {
	m.reconciled.WithLabelValues(known(kind, reconciledKinds)).Add(float64(n))
}

// WebhookAlone counts n paying deliveries that ran alone after their shared
// batch failed (orders.Observer).
func (m *Metrics) WebhookAlone(n int) { m.fallbacks.Add(float64(n)) }

// RateLimitFallback counts one rate-limit count made in memory because
// Redis failed (ratelimit.Fallback.OnFallback).
func (m *Metrics) RateLimitFallback() { m.rlMemory.Inc() }

// ACMEEvent counts one CertMagic event (edge.Options.Events).
func (m *Metrics) ACMEEvent(event string) {
	m.acmeEvents.WithLabelValues(known(event, acmeEventNames)).Inc()
}

// known is v when it is one of set, else "other". The value returned is
// always one of our own constants: a label value must not alias a buffer
// the caller reuses.
func known(v string, set []string) string {
	for _, s := range set {
		if s == v {
			return s
		}
	}
	return "other"
}

// DB adds the pool statistics of one database handle (sql.DBStats) as the
// go_sql_* series labelled db_name=name.
func (m *Metrics) DB(name string, db *sql.DB) {
	m.Registry.MustRegister(collectors.NewDBStatsCollector(db, name))
}

// Handler serves the registry in Prometheus's text format. A collector that
// fails leaves its series out and the rest are served.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{
		ErrorLog:          slog.NewLogLogger(m.log.Handler(), slog.LevelWarn),
		ErrorHandling:     promhttp.ContinueOnError,
		Timeout:           10 * time.Second,
		EnableOpenMetrics: false,
	})
}

// Serve answers GET /metrics on ln (and 404 to anything else) until ctx ends.
// ln is METRICS_ADDR's own listener: never one the public app serves on.
func (m *Metrics) Serve(ctx context.Context, ln net.Listener) error {
	mux := http.NewServeMux()
	mux.Handle("GET "+Path, m.Handler())
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second,
		ErrorLog: slog.NewLogLogger(m.log.Handler(), slog.LevelWarn)}
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}()
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
