package app_test

import (
	"bytes"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/claro-market/claro/app"
	"github.com/claro-market/claro/app/catalog"
	"github.com/claro-market/claro/app/config"
	"github.com/claro-market/claro/testkit/apptest"
	"github.com/claro-market/claro/testkit/dbtest"
	"github.com/claro-market/claro/testkit/redistest"
)

// lockedBuffer is a log destination safe for the server's goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestSignInWorksWhileRedisIsDown stops the Redis REDIS_URL names: sign-in
// and sign-up still answer, quickly, counted in memory, with one warning for
// the outage and the fallback counted in claro_ratelimit_fallbacks_total.
// Before the fallback each of them was a 500 after Redis's retries.
func TestSignInWorksWhileRedisIsDown(t *testing.T) {
	srv := redistest.Start(t)
	var logs lockedBuffer
	e := apptest.NewWith(t, testDB, &logs, app.Overrides{}, func(c *config.Config) { c.RedisURL = srv.URL })
	email := apptest.Email("redisdown")
	e.NewBrowser().SignUp(t, email, "correct horse battery", "Redis Down")

	srv.Stop()
	for i := 0; i < 3; i++ {
		start := time.Now()
		e.NewBrowser().SignIn(t, email, "correct horse battery")
		if took := time.Since(start); took > time.Second {
			t.Fatalf("sign-in %d with redis down took %v", i, took)
		}
	}
	e.NewBrowser().SignUpUnverified(t, apptest.Email("redisdown2"), "correct horse battery", "Redis Down Too")
	if n := strings.Count(logs.String(), "counting in memory"); n != 1 {
		t.Fatalf("outage logged %d times, want once:\n%s", n, logs.String())
	}
	if strings.Contains(logs.String(), "request failed") {
		t.Fatalf("a request failed while redis was down:\n%s", logs.String())
	}
	families, err := e.App.Metrics.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var fallbacks float64
	for _, f := range families {
		if f.GetName() == "claro_ratelimit_fallbacks_total" {
			fallbacks = f.GetMetric()[0].GetCounter().GetValue()
		}
	}
	if fallbacks < 3 {
		t.Fatalf("claro_ratelimit_fallbacks_total %v after three sign-ins in memory", fallbacks)
	}
}

// TestAWarmStoreServesThroughADatabaseOutage crashes the app's PostgreSQL
// (a private server of the test's own): the storefront and product page a
// visitor already saw are still served, from the cache, with their host's
// last known answer; a page nobody has seen answers the 503 page with
// Retry-After at once (not a 500, not a hang); /readyz says the database is
// unreachable. Once the database is back, pages render afresh.
func TestAWarmStoreServesThroughADatabaseOutage(t *testing.T) {
	cluster := dbtest.StartCluster(t, "")
	td := cluster.Database(t)
	var logs lockedBuffer
	e := apptest.NewLogged(t, td, &logs, func(c *config.Config) { c.PageCache = true })
	store := e.Store(t, apptest.Unique("outage"))
	e.Product(t, store, "steady", catalog.Public, func(p *catalog.Product) { p.Title = "Steady Through Storms" })
	host := apptest.StoreHost(store.Slug)
	visitor := e.NewBrowser()
	for _, path := range []string{"/", "/products/steady"} {
		for range 2 {
			if resp, _ := visitor.Get(t, host, path); resp.StatusCode != 200 {
				t.Fatalf("GET %s before the outage: %d", path, resp.StatusCode)
			}
		}
	}

	cluster.Crash(t)
	for _, path := range []string{"/", "/products/steady"} {
		for i := range 3 {
			start := time.Now()
			resp, body := visitor.Get(t, host, path)
			if resp.StatusCode != 200 || !strings.Contains(body, "Steady Through Storms") {
				t.Fatalf("GET %s (try %d) with the database down: %d\n%s", path, i, resp.StatusCode, body)
			}
			if took := time.Since(start); took > time.Second {
				t.Fatalf("GET %s from the cache took %v with the database down", path, took)
			}
		}
	}
	start := time.Now()
	resp, body := visitor.Get(t, host, "/products/never-seen")
	if resp.StatusCode != 503 || resp.Header.Get("Retry-After") == "" || !strings.Contains(body, "cannot reach its database") {
		t.Fatalf("an uncached page with the database down: %d (Retry-After %q)\n%s", resp.StatusCode, resp.Header.Get("Retry-After"), body)
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Fatalf("the 503 took %v", took)
	}
	if resp, body := e.Get(t, apptest.Root, "/readyz"); resp.StatusCode != 503 || !strings.Contains(body, "database unreachable") {
		t.Fatalf("/readyz with the database down: %d %s", resp.StatusCode, body)
	}

	cluster.Start(t)
	e.Product(t, store, "fresh", catalog.Public, func(p *catalog.Product) { p.Title = "After The Storm" })
	deadline := time.Now().Add(30 * time.Second)
	for {
		if _, body := visitor.Get(t, host, "/"); strings.Contains(body, "After The Storm") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("30 s after the database came back the storefront still lacks the new product\n%s", logs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}
