package ratelimit

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/claro-market/claro/testkit/peertest"
)

func redisURL(t *testing.T) string {
	if u := os.Getenv("REDIS_URL"); u != "" {
		return u
	}
	return "redis://127.0.0.1:6379/0"
}

func limiters(t *testing.T) map[string]Limiter {
	ls := map[string]Limiter{"memory": NewMemory()}
	r, err := NewRedis(context.Background(), redisURL(t), fmt.Sprintf("test:%d:", time.Now().UnixNano()))
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("redis is required in CI: %v", err)
		}
		t.Logf("redis not reachable, testing memory only: %v", err)
		return ls
	}
	t.Cleanup(func() { r.Close() })
	ls["redis"] = r
	return ls
}

func TestLimiterCountsWithinAWindowAndResets(t *testing.T) {
	ctx := context.Background()
	for name, l := range limiters(t) {
		t.Run(name, func(t *testing.T) {
			for i := int64(1); i <= 5; i++ {
				n, reset, err := l.Hit(ctx, "login:ip:1.2.3.4", time.Hour)
				if err != nil || n != i || !reset.After(time.Now()) {
					t.Fatalf("hit %d: n=%d reset=%v err=%v", i, n, reset, err)
				}
			}
			if n, _ := l.Count(ctx, "login:ip:1.2.3.4", time.Hour); n != 5 {
				t.Fatalf("count %d, want 5", n)
			}
			if n, _ := l.Count(ctx, "login:ip:5.6.7.8", time.Hour); n != 0 {
				t.Fatalf("another key counts %d", n)
			}
			if err := l.Reset(ctx, "login:ip:1.2.3.4", time.Hour); err != nil {
				t.Fatal(err)
			}
			if n, _ := l.Count(ctx, "login:ip:1.2.3.4", time.Hour); n != 0 {
				t.Fatalf("count after reset %d", n)
			}
		})
	}
}

func TestTwoRedisLimitersShareOneCount(t *testing.T) {
	ctx := context.Background()
	prefix := fmt.Sprintf("shared:%d:", time.Now().UnixNano())
	a, err := NewRedis(ctx, redisURL(t), prefix)
	if err != nil {
		peertest.Missing(t, "redis not reachable: "+err.Error())
	}
	defer a.Close()
	b, err := NewRedis(ctx, redisURL(t), prefix)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	a.Hit(ctx, "k", time.Minute)
	b.Hit(ctx, "k", time.Minute)
	if n, _, _ := a.Hit(ctx, "k", time.Minute); n != 3 {
		t.Fatalf("instances do not share counts: %d", n)
	}
}

func TestMemoryWindowExpires(t *testing.T) {
	m := NewMemory()
	now := time.Date(2026, 1, 1, 10, 0, 0, 0, time.UTC)
	m.now = func() time.Time { return now }
	m.Hit(context.Background(), "k", time.Minute)
	m.Hit(context.Background(), "k", time.Minute)
	now = now.Add(61 * time.Second)
	if n, _, _ := m.Hit(context.Background(), "k", time.Minute); n != 1 {
		t.Fatalf("new window starts at %d", n)
	}
}

func TestWindowEndIsWhenTheCountIsForgotten(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 7, 30, 0, time.UTC)
	if got, want := WindowEnd(now, 15*time.Minute), time.Date(2026, 1, 2, 3, 15, 0, 0, time.UTC); !got.Equal(want) {
		t.Fatalf("WindowEnd %v, want %v", got, want)
	}
	m := NewMemory()
	m.now = func() time.Time { return now }
	if _, reset, _ := m.Hit(context.Background(), "k", 15*time.Minute); !reset.Equal(WindowEnd(now, 15*time.Minute)) {
		t.Fatalf("Hit's reset %v is not WindowEnd", reset)
	}
}
