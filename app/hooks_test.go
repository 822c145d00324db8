package app_test

import (
	"context"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/claro-market/claro/app/config"
	"github.com/claro-market/claro/testkit/apptest"
)

// The app built for production delivers outbound webhooks through the
// guarded dialer: a live receiver on 127.0.0.1 hears nothing, and the
// delivery fails as refused. The same endpoint outside production is
// reached (so the refusal is the mode's).
func TestProductionWebhooksNeverReachLoopback(t *testing.T) {
	var hits atomic.Int32
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { hits.Add(1) }), ReadHeaderTimeout: time.Second}
	go srv.Serve(ln) //nolint:errcheck // ends with Close
	t.Cleanup(func() { _ = srv.Close() })

	for _, mode := range []string{config.EnvProduction, config.EnvTest} {
		e := apptest.New(t, testDB, func(c *config.Config) { c.Env = mode })
		store := e.Store(t, apptest.Unique("hookmode"))
		ctx := context.Background()
		var endpoint, event int64
		if err := testDB.Primary.NewRaw(`INSERT INTO hook_endpoints (tenant_id, url, events) VALUES (?, ?, '{sale}') RETURNING id`,
			store.ID, "http://"+ln.Addr().String()+"/hooks").Scan(ctx, &endpoint); err != nil {
			t.Fatal(err)
		}
		if err := testDB.Primary.NewRaw(`SELECT claro_hook_enqueue(?, 'test', '{}'::jsonb, ?)`, store.ID, endpoint).Scan(ctx, &event); err != nil {
			t.Fatal(err)
		}
		before := hits.Load()
		dctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		_, err := e.App.HookWorker.Drain(dctx)
		cancel()
		if err != nil {
			t.Fatal(err)
		}
		var status, lastErr string
		if err := testDB.Primary.NewRaw(`SELECT status, coalesce(last_error, '') FROM hook_deliveries WHERE event_id = ?`, event).
			Scan(ctx, &status, &lastErr); err != nil {
			t.Fatal(err)
		}
		reached := hits.Load() > before
		switch mode {
		case config.EnvProduction:
			if reached || status != "failed" || !strings.Contains(lastErr, "not a public address") {
				t.Fatalf("production: reached %v, delivery %s (%q)", reached, status, lastErr)
			}
		default:
			if !reached {
				t.Fatalf("outside production the receiver was not reached: %s (%q)", status, lastErr)
			}
		}
	}
}
