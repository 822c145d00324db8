package app_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/claro-market/claro/app/catalog"
	"github.com/claro-market/claro/app/config"
	"github.com/claro-market/claro/testkit/apptest"
	"github.com/claro-market/claro/testkit/moneytest"
	"github.com/claro-market/claro/testkit/promtest"
	"github.com/claro-market/claro/testkit/stripetest"
)

// serveMetrics serves e's registry on a loopback listener of its own, as
// main.go does on METRICS_ADDR, until the test ends; it returns the address.
func serveMetrics(t *testing.T, e *moneytest.Env) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- e.App.Metrics.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("metrics listener: %v", err)
		}
	})
	return ln.Addr().String()
}

// TestPrometheusScrapesTheMetrics: a real Prometheus scrapes the private
// listener of an app that served pages, refused a path, took webhooks and
// owes a receipt; every series reads back through Prometheus's HTTP API with
// the labels an operator's alerts use, and the route label is the pattern,
// never the address.
func TestPrometheusScrapesTheMetrics(t *testing.T) {
	e := moneytest.New(t, testDB, func(c *config.Config) { c.PageCache = true })
	addr := serveMetrics(t, e)
	prom := promtest.Start(t, addr)

	store := e.Store(t, apptest.Unique("metrics-store"))
	product := e.Product(t, store, "metrics-thing", catalog.Public)
	host := apptest.StoreHost(store.Slug)
	for range 2 { // rendered, then replayed by the page cache
		if resp, _ := e.NewBrowser().Get(t, host, "/products/metrics-thing"); resp.StatusCode != http.StatusOK {
			t.Fatalf("product page: %d", resp.StatusCode)
		}
	}
	if resp, _ := e.Get(t, host, "/products/no-such-thing-"+apptest.Unique("x")); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("unknown product: %d", resp.StatusCode)
	}
	if resp, _ := e.Get(t, "", "/no/such/page/"+apptest.Unique("y")); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("unknown path: %d", resp.StatusCode)
	}

	buyer := e.NewBrowser()
	buyer.SignUp(t, apptest.Email("metrics-buyer"), "a long enough password", "Buyer")
	ck := e.OpenCheckout(t, buyer, store, product)
	pi := "pi_" + apptest.Unique("metrics")
	paid := moneytest.CompletedEvent("evt_"+apptest.Unique("metrics"), ck, pi)
	for range 2 { // applied, then a duplicate
		if resp, body := e.Deliver(t, "/webhooks/stripe", paid); resp.StatusCode != http.StatusOK {
			t.Fatalf("webhook: %d %s", resp.StatusCode, body)
		}
	}
	forged := stripetest.Sign(paid, "whsec_attacker", time.Now())
	if resp, _ := e.PostWebhook(t, "/webhooks/stripe", paid, forged); resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("forged webhook: %d", resp.StatusCode)
	}

	is := func(want float64) func(float64) bool { return func(v float64) bool { return v == want } }
	atLeast := func(want float64) func(float64) bool { return func(v float64) bool { return v >= want } }
	prom.WaitFor(t, `up{job="claro"}`, is(1))
	prom.WaitFor(t, `sum(claro_http_request_duration_seconds_count{route="/products/:slug",method="GET",status="2xx"})`, is(2))
	prom.WaitFor(t, `sum(claro_http_request_duration_seconds_count{route="/products/:slug",status="4xx"})`, is(1))
	prom.WaitFor(t, `sum(claro_http_request_duration_seconds_count{route="none",status="4xx"})`, atLeast(1))
	prom.WaitFor(t, `sum(claro_http_request_duration_seconds_count{route="/webhooks/stripe",method="POST",status="2xx"})`, is(2))
	prom.WaitFor(t, `sum(claro_http_request_duration_seconds_count{route="/webhooks/stripe",status="4xx"})`, is(1))
	// The label is the pattern: no series names an address.
	if got := prom.Query(t, `count by (route) (claro_http_request_duration_seconds_count{route=~".*(no-such|no/such|metrics-thing).*"})`); len(got) != 0 {
		t.Fatalf("series labelled with an address: %+v", got)
	}
	prom.WaitFor(t, `sum(claro_http_request_duration_seconds_bucket{route="/products/:slug",status="2xx",le="10"})`, is(2))

	prom.WaitFor(t, `claro_webhook_deliveries_total{endpoint="platform",outcome="applied"}`, is(1))
	prom.WaitFor(t, `claro_webhook_deliveries_total{endpoint="platform",outcome="duplicate"}`, is(1))
	prom.WaitFor(t, `claro_webhook_deliveries_total{endpoint="platform",outcome="bad_signature"}`, is(1))
	prom.WaitFor(t, `claro_webhook_deliveries_total{endpoint="platform",outcome="retry"}`, is(0))
	prom.WaitFor(t, `claro_webhook_batch_fallbacks_total`, is(0))

	prom.WaitFor(t, `claro_page_cache_requests_total{result="hit"}`, is(1))
	prom.WaitFor(t, `claro_page_cache_early_hits_total`, is(1)) // an anonymous browser's replay takes the early path
	prom.WaitFor(t, `claro_page_cache_requests_total{result="miss"}`, atLeast(1))
	prom.WaitFor(t, `claro_page_cache_pages`, atLeast(1))

	// No background loop runs in tests: this test's sale waits in the
	// ledger, its receipt in the outbox and its product in the search outbox.
	for _, q := range []string{"sales_ledger", "receipts_outbox", "search_outbox"} {
		prom.WaitFor(t, fmt.Sprintf(`claro_queue_pending{queue=%q}`, q), atLeast(1))
		prom.WaitFor(t, fmt.Sprintf(`claro_queue_oldest_seconds{queue=%q}`, q), atLeast(0))
	}
	// The outbound webhooks' queue is reported (this test's store has no endpoint).
	prom.WaitFor(t, `claro_queue_pending{queue="hook_deliveries"}`, atLeast(0))
	prom.WaitFor(t, `go_sql_max_open_connections{db_name="primary"}`, is(20))
	prom.WaitFor(t, `go_sql_open_connections{db_name="primary"}`, atLeast(1))
	prom.WaitFor(t, `claro_ready`, is(1))
	prom.WaitFor(t, `claro_acme_events_total{event="cert_failed"}`, is(0))
}

// TestMetricsAreNeverOnThePublicApp: /metrics on any public host is the one
// 404 page, and the private listener serves nothing but GET /metrics.
// (The attack closed: scraping a store's traffic, webhook outcomes and
// queue depths from the internet.)
func TestMetricsAreNeverOnThePublicApp(t *testing.T) {
	e := moneytest.New(t, testDB)
	store := e.Store(t, apptest.Unique("metrics-public"))
	for _, host := range []string{"", apptest.StoreHost(store.Slug), "127.0.0.1"} {
		notFound := e.NotFound(t, host)
		for _, path := range []string{"/metrics", "/metrics/", "/METRICS", "/static/../metrics"} {
			resp, body := e.Get(t, host, path)
			if resp.StatusCode != http.StatusNotFound || body != notFound {
				t.Errorf("public %s%s: %d, want the 404 page", host, path, resp.StatusCode)
			}
		}
	}

	addr := serveMetrics(t, e)
	for _, c := range []struct {
		method, path string
		want         int
	}{
		{http.MethodGet, "/metrics", http.StatusOK},
		{http.MethodGet, "/", http.StatusNotFound},
		{http.MethodGet, "/healthz", http.StatusNotFound},
		{http.MethodPost, "/metrics", http.StatusMethodNotAllowed},
	} {
		req, _ := http.NewRequest(c.method, "http://"+addr+c.path, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != c.want {
			t.Errorf("metrics listener %s %s: %d, want %d", c.method, c.path, resp.StatusCode, c.want)
		}
	}
}
