package ratelimit

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/claro-market/claro/testkit/redistest"
)

// syncBuffer is a log destination safe for concurrent writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestFallbackCountsInMemoryWhileRedisIsDownAndReturns stops the Redis the
// limiter counts in: counts go on in memory, quickly and with one warning for
// the whole outage; once Redis is back they are made in Redis again.
func TestFallbackCountsInMemoryWhileRedisIsDownAndReturns(t *testing.T) {
	ctx := context.Background()
	srv := redistest.Start(t)
	url := srv.URL
	prefix := fmt.Sprintf("fallback:%d:", time.Now().UnixNano())
	r, err := NewRedis(ctx, url, prefix)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var logs syncBuffer
	f := NewFallback(r, slog.New(slog.NewTextHandler(&logs, nil)))
	f.Retry = 200 * time.Millisecond
	var fellBack int
	f.OnFallback = func() { fellBack++ }

	if n, _, err := f.Hit(ctx, "k", time.Hour); err != nil || n != 1 || fellBack != 0 {
		t.Fatalf("with redis up: n=%d err=%v fallbacks=%d", n, err, fellBack)
	}

	srv.Stop()
	start := time.Now()
	for i := int64(1); i <= 20; i++ {
		n, _, err := f.Hit(ctx, "k", time.Hour)
		if err != nil || n != i {
			t.Fatalf("hit %d with redis down: n=%d err=%v", i, n, err)
		}
	}
	if took := time.Since(start); took > 2*time.Second {
		t.Fatalf("20 hits with redis down took %v", took)
	}
	if !f.Degraded() || fellBack != 20 {
		t.Fatalf("degraded=%v fallbacks=%d, want true and 20", f.Degraded(), fellBack)
	}
	if n := strings.Count(logs.String(), "counting in memory"); n != 1 {
		t.Fatalf("outage logged %d times, want once:\n%s", n, logs.String())
	}

	redistest.StartOn(t, srv.Port)
	back := false
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if n, _, err := f.Hit(ctx, "k", time.Hour); err == nil && !f.Degraded() && n == 1 {
			back = true // a new server: its count starts again
			break
		}
	}
	if !back {
		t.Fatal("redis back, but the limiter still counts in memory")
	}
	if n, err := r.Count(ctx, "k", time.Hour); err != nil || n != 1 {
		t.Fatalf("count in redis %d (%v), want 1", n, err)
	}
	if !strings.Contains(logs.String(), "redis answers again") {
		t.Fatalf("recovery not logged:\n%s", logs.String())
	}
}
