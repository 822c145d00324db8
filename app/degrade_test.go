package app_test

import (
	"bytes"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/claro-market/claro/app"
	"github.com/claro-market/claro/app/config"
	"github.com/claro-market/claro/testkit/apptest"
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
