package metrics_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/claro-market/claro/app/metrics"
	"github.com/claro-market/claro/app/web"
	"github.com/claro-market/claro/tenants/edge"
	"github.com/claro-market/claro/testkit/promtest"
	"github.com/gofiber/fiber/v2"
)

// TestRequestsAreLabelledByRoutePattern: a route's requests carry its
// pattern whatever address was asked for; what middleware answered (a
// refusal above the routes, the catch-all 404) is "none", even though
// Fiber reports a middleware layer at "/" just like the "/" route.
func TestRequestsAreLabelledByRoutePattern(t *testing.T) {
	m := metrics.New(nil)
	routes := web.NewRouteTable()
	f := fiber.New(fiber.Config{DisableStartupMessage: true})
	f.Use(m.Requests(routes))
	f.Use(func(c *fiber.Ctx) error {
		if c.Get("X-Refuse") != "" {
			return c.SendStatus(http.StatusForbidden)
		}
		return c.Next()
	})
	f.Get("/", func(c *fiber.Ctx) error { return c.SendString("home") })
	f.Get("/products/:slug", func(c *fiber.Ctx) error {
		if c.Params("slug") == "boom" {
			return errors.New("boom") // an error the error handler turns into a 500
		}
		return c.SendString(c.Params("slug"))
	})
	f.Post("/webhooks/stripe", func(c *fiber.Ctx) error { return fiber.ErrBadRequest })
	f.Use(func(c *fiber.Ctx) error { return c.SendStatus(http.StatusNotFound) })
	routes.Load(f)

	send := func(method, path string, headers ...string) {
		req := httptest.NewRequest(method, path, nil)
		for i := 0; i+1 < len(headers); i += 2 {
			req.Header.Set(headers[i], headers[i+1])
		}
		resp, err := f.Test(req, -1)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	send("GET", "/")
	send("GET", "/products/a")
	send("GET", "/products/b")
	send("HEAD", "/products/c")
	send("GET", "/products/boom")
	send("POST", "/webhooks/stripe")
	send("GET", "/nowhere/at/all")
	send("GET", "/", "X-Refuse", "1")

	for _, c := range []struct {
		route, method, status string
		want                  float64
	}{
		{"/", "GET", "2xx", 1},
		{"/products/:slug", "GET", "2xx", 2},
		{"/products/:slug", "HEAD", "2xx", 1},
		{"/products/:slug", "GET", "5xx", 1},
		{"/webhooks/stripe", "POST", "4xx", 1},
		{"none", "GET", "4xx", 2},
	} {
		got, _ := promtest.Value(t, m.Registry, "claro_http_request_duration_seconds", "route", c.route, "method", c.method, "status", c.status)
		if got != c.want {
			t.Errorf("%s %s %s: %v requests, want %v", c.method, c.route, c.status, got, c.want)
		}
	}
	if _, ok := promtest.Value(t, m.Registry, "claro_http_request_duration_seconds", "route", "/products/a"); ok {
		t.Error("a series is labelled with an address")
	}
}

// TestLabelsStayBounded: outcomes and events outside the known sets count as
// "other"; every known outcome is exported from the start, at zero.
func TestLabelsStayBounded(t *testing.T) {
	m := metrics.New(nil)
	if v, ok := promtest.Value(t, m.Registry, "claro_webhook_deliveries_total", "endpoint", "connect", "outcome", "retry"); !ok || v != 0 {
		t.Fatalf("retry on connect before any delivery: %v, %v; want 0, present", v, ok)
	}
	m.WebhookDelivery("platform", "applied")
	m.WebhookDelivery("platform", "something new")
	m.WebhookDelivery("elsewhere", "duplicate")
	m.ACMEEvent("cert_failed")
	m.ACMEEvent("tomorrow's event")
	m.WebhookAlone(3)
	for _, c := range []struct {
		name   string
		labels []string
		want   float64
	}{
		{"claro_webhook_deliveries_total", []string{"endpoint", "platform", "outcome", "applied"}, 1},
		{"claro_webhook_deliveries_total", []string{"endpoint", "platform", "outcome", "other"}, 1},
		{"claro_webhook_deliveries_total", []string{"endpoint", "platform", "outcome", "duplicate"}, 1},
		{"claro_acme_events_total", []string{"event", "cert_failed"}, 1},
		{"claro_acme_events_total", []string{"event", "other"}, 1},
		{"claro_webhook_batch_fallbacks_total", nil, 3},
	} {
		if got, _ := promtest.Value(t, m.Registry, c.name, c.labels...); got != c.want {
			t.Errorf("%s %v = %v, want %v", c.name, c.labels, got, c.want)
		}
	}
}

// TestScrapeTimeCollectors: queues, readiness and certificate expiry are read
// when gathered; a queue that cannot be read is left out, not reported as 0.
func TestScrapeTimeCollectors(t *testing.T) {
	m := metrics.New(nil)
	ready := errors.New("database unreachable")
	m.Queues(map[string]metrics.BacklogFunc{
		"sales_ledger": func(context.Context) (metrics.Backlog, error) {
			return metrics.Backlog{Pending: 7, Oldest: 90 * time.Second}, nil
		},
		"receipts_outbox": func(context.Context) (metrics.Backlog, error) { return metrics.Backlog{}, errors.New("down") },
	})
	m.Ready(func(context.Context) error { return ready })
	notAfter := time.Date(2027, 3, 1, 0, 0, 0, 0, time.UTC)
	m.Certificates(func() []edge.Expiry { return []edge.Expiry{{Name: "shop.example.com", NotAfter: notAfter}} })

	if v, _ := promtest.Value(t, m.Registry, "claro_queue_pending", "queue", "sales_ledger"); v != 7 {
		t.Errorf("sales_ledger pending %v", v)
	}
	if v, _ := promtest.Value(t, m.Registry, "claro_queue_oldest_seconds", "queue", "sales_ledger"); v != 90 {
		t.Errorf("sales_ledger oldest %v", v)
	}
	if _, ok := promtest.Value(t, m.Registry, "claro_queue_pending", "queue", "receipts_outbox"); ok {
		t.Error("an unreadable queue was reported")
	}
	if v, _ := promtest.Value(t, m.Registry, "claro_ready"); v != 0 {
		t.Errorf("claro_ready %v while the check fails", v)
	}
	ready = nil
	if v, _ := promtest.Value(t, m.Registry, "claro_ready"); v != 1 {
		t.Errorf("claro_ready %v once the check passes", v)
	}
	if v, _ := promtest.Value(t, m.Registry, "claro_tls_certificate_expiry_timestamp_seconds", "name", "shop.example.com"); v != float64(notAfter.Unix()) {
		t.Errorf("expiry %v, want %d", v, notAfter.Unix())
	}
}
