package metrics

import (
	"context"
	"time"

	"github.com/claro-market/claro/app/web"
	"github.com/claro-market/claro/tenants/edge"
	"github.com/prometheus/client_golang/prometheus"
)

// Backlog is a queue's depth and the age of the oldest entry in it.
type Backlog struct {
	Pending int
	Oldest  time.Duration
}

// BacklogFunc reads one queue's backlog at scrape time.
type BacklogFunc func(ctx context.Context) (Backlog, error)

// Queues adds claro_queue_pending and claro_queue_oldest_seconds, labelled
// queue=<name>, for each named queue (search_outbox, sales_ledger,
// receipts_outbox, hook_deliveries: there "oldest" is the most overdue
// delivery's wait past its attempt time). The tables are shared, so every instance reports the
// same values: alert on max() across instances. A queue whose read fails
// is left out of that scrape (and logged).
func (m *Metrics) Queues(queues map[string]BacklogFunc) {
	m.Registry.MustRegister(&queueCollector{m: m, queues: queues,
		pending: prometheus.NewDesc("claro_queue_pending", "Entries waiting in the queue.", []string{"queue"}, nil),
		oldest:  prometheus.NewDesc("claro_queue_oldest_seconds", "Age of the oldest waiting entry (0 when none waits).", []string{"queue"}, nil),
	})
}

type queueCollector struct {
	m               *Metrics
	queues          map[string]BacklogFunc
	pending, oldest *prometheus.Desc
}

func (c *queueCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.pending; ch <- c.oldest }

func (c *queueCollector) Collect(ch chan<- prometheus.Metric) {
	for name, read := range c.queues {
		ctx, cancel := context.WithTimeout(context.Background(), scrapeTimeout)
		b, err := read(ctx)
		cancel()
		if err != nil {
			c.m.log.Warn("metrics: queue backlog unreadable", "queue", name, "err", err)
			continue
		}
		ch <- prometheus.MustNewConstMetric(c.pending, prometheus.GaugeValue, float64(b.Pending), name)
		ch <- prometheus.MustNewConstMetric(c.oldest, prometheus.GaugeValue, b.Oldest.Seconds(), name)
	}
}

// PageCache adds claro_page_cache_requests_total{result="hit"|"miss"} (an
// anonymous GET served from the cache, or passed on to its handler),
// claro_page_cache_early_hits_total (the hits answered on the early path,
// web.PageCache.Early) and the cache's size in pages and bytes.
func (m *Metrics) PageCache(pc *web.PageCache) {
	requests := prometheus.NewDesc("claro_page_cache_requests_total",
		"Anonymous GET requests the page cache served (hit) or passed to their handler (miss).", []string{"result"}, nil)
	m.Registry.MustRegister(
		funcCollector{[]*prometheus.Desc{requests}, func(ch chan<- prometheus.Metric) {
			ch <- prometheus.MustNewConstMetric(requests, prometheus.CounterValue, float64(pc.Hits.Load()), "hit")
			ch <- prometheus.MustNewConstMetric(requests, prometheus.CounterValue, float64(pc.Misses.Load()), "miss")
		}},
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "claro_page_cache_early_hits_total",
			Help: "Page-cache hits answered before the session, CSRF and tenant middleware (a visitor with no session cookie); counted in the hits too."},
			func() float64 { return float64(pc.EarlyHits.Load()) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "claro_page_cache_pages", Help: "Pages held in the page cache."},
			func() float64 { return float64(pc.Len()) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "claro_page_cache_bytes", Help: "Bytes the page cache holds, near enough."},
			func() float64 { return float64(pc.Bytes()) }),
	)
}

// Certificates adds claro_tls_certificate_expiry_timestamp_seconds{name},
// one series per managed certificate this machine holds (the platform's
// names, the wildcard, custom domains: as many as there are certificates),
// read from list at scrape time. Only with TLS=certmagic.
func (m *Metrics) Certificates(list func() []edge.Expiry) {
	expiry := prometheus.NewDesc("claro_tls_certificate_expiry_timestamp_seconds",
		"When each managed TLS certificate this machine holds stops being valid (Unix seconds).", []string{"name"}, nil)
	m.Registry.MustRegister(funcCollector{[]*prometheus.Desc{expiry}, func(ch chan<- prometheus.Metric) {
		for _, e := range list() {
			ch <- prometheus.MustNewConstMetric(expiry, prometheus.GaugeValue, float64(e.NotAfter.Unix()), e.Name)
		}
	}})
}

// Ready adds claro_ready: 1 when check (the /readyz check) passes at scrape
// time, 0 when it fails.
func (m *Metrics) Ready(check func(ctx context.Context) error) {
	ready := prometheus.NewDesc("claro_ready", "1 when this instance passes its readiness check (/readyz), else 0.", nil, nil)
	m.Registry.MustRegister(funcCollector{[]*prometheus.Desc{ready}, func(ch chan<- prometheus.Metric) {
		ctx, cancel := context.WithTimeout(context.Background(), scrapeTimeout)
		defer cancel()
		v := 1.0
		if err := check(ctx); err != nil {
			v = 0
		}
		ch <- prometheus.MustNewConstMetric(ready, prometheus.GaugeValue, v)
	}})
}

// funcCollector describes descs and collects with collect.
type funcCollector struct {
	descs   []*prometheus.Desc
	collect func(ch chan<- prometheus.Metric)
}

func (f funcCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range f.descs {
		ch <- d
	}
}

func (f funcCollector) Collect(ch chan<- prometheus.Metric) { f.collect(ch) }
