// Package ratelimit counts attempts per key in fixed windows, in Redis when
// REDIS_URL is set (so every instance shares one count) and in memory
// otherwise. Sign-in, sign-up and other abusable endpoints use it.
package ratelimit

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// Limiter counts hits of a key within a window.
type Limiter interface {
	// Hit adds one to key's count in the current window and returns the count
	// and when the window ends.
	Hit(ctx context.Context, key string, window time.Duration) (count int64, reset time.Time, err error)
	// Count returns key's count in the current window without adding to it.
	Count(ctx context.Context, key string, window time.Duration) (int64, error)
	// Reset forgets key (after a successful sign-in, say).
	Reset(ctx context.Context, key string, window time.Duration) error
}

// windowStart is the start of the fixed window that holds now.
func windowStart(now time.Time, window time.Duration) time.Time { return now.Truncate(window) }

// WindowEnd is when the window that holds now ends: when a count that is over
// its limit at now is forgotten.
func WindowEnd(now time.Time, window time.Duration) time.Time {
	return windowStart(now, window).Add(window)
}

// Memory is a per-process Limiter.
type Memory struct {
	mu   sync.Mutex
	hits map[string]memEntry
	now  func() time.Time
}

type memEntry struct {
	count int64
	reset time.Time
}

// NewMemory returns an empty in-memory limiter.
func NewMemory() *Memory { return &Memory{hits: map[string]memEntry{}, now: time.Now} }

// Hit implements Limiter.
func (m *Memory) Hit(_ context.Context, key string, window time.Duration) (int64, time.Time, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	reset := windowStart(now, window).Add(window)
	e := m.hits[key]
	if !now.Before(e.reset) {
		e = memEntry{reset: reset}
	}
	e.count++
	m.hits[key] = e
	if len(m.hits) > 100_000 {
		m.sweep(now)
	}
	return e.count, e.reset, nil
}

// Count implements Limiter.
func (m *Memory) Count(_ context.Context, key string, _ time.Duration) (int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	e := m.hits[key]
	if !m.now().Before(e.reset) {
		return 0, nil
	}
	return e.count, nil
}

// Reset implements Limiter.
func (m *Memory) Reset(_ context.Context, key string, _ time.Duration) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.hits, key)
	return nil
}

func (m *Memory) sweep(now time.Time) {
	for k, e := range m.hits {
		if !now.Before(e.reset) {
			delete(m.hits, k)
		}
	}
}

// Redis is a Limiter shared by every instance through one Redis server.
type Redis struct {
	rdb    *redis.Client
	prefix string
}

// Timeout bounds dialling Redis and each read and write, unless the URL sets
// its own (dial_timeout, read_timeout, write_timeout): a count that is slow
// to come is a count not worth waiting for (Fallback then counts in memory).
const Timeout = 250 * time.Millisecond

// NewRedis connects to url (redis://host:port/db) and checks it answers.
// Each command is tried once (max_retries in the URL may say otherwise) and
// bounded by Timeout.
func NewRedis(ctx context.Context, url, prefix string) (*Redis, error) {
	opt, err := redis.ParseURL(url)
	if err != nil {
		return nil, fmt.Errorf("ratelimit: REDIS_URL: %w", err)
	}
	if !strings.Contains(url, "dial_timeout=") {
		opt.DialTimeout = Timeout
	}
	if !strings.Contains(url, "read_timeout=") {
		opt.ReadTimeout = Timeout
	}
	if !strings.Contains(url, "write_timeout=") {
		opt.WriteTimeout = Timeout
	}
	if !strings.Contains(url, "max_retries=") {
		opt.MaxRetries = -1 // go-redis: -1 is no retry (0 is its default of 3)
	}
	opt.DialerRetries = 1 // one dial per attempt, not five 100 ms apart
	rdb := redis.NewClient(opt)
	if err := rdb.Ping(ctx).Err(); err != nil {
		rdb.Close()
		return nil, fmt.Errorf("ratelimit: redis: %w", err)
	}
	return &Redis{rdb: rdb, prefix: prefix}, nil
}

// Close closes the connection pool.
func (r *Redis) Close() error { return r.rdb.Close() }

func (r *Redis) key(key string, window time.Duration, now time.Time) string {
	return r.prefix + key + ":" + strconv.FormatInt(windowStart(now, window).Unix(), 10)
}

// Hit implements Limiter with INCR and EXPIRE in one round trip.
func (r *Redis) Hit(ctx context.Context, key string, window time.Duration) (int64, time.Time, error) {
	now := time.Now()
	k := r.key(key, window, now)
	pipe := r.rdb.TxPipeline()
	incr := pipe.Incr(ctx, k)
	pipe.ExpireNX(ctx, k, window+time.Second)
	if _, err := pipe.Exec(ctx); err != nil {
		return 0, time.Time{}, err
	}
	return incr.Val(), windowStart(now, window).Add(window), nil
}

// Count implements Limiter.
func (r *Redis) Count(ctx context.Context, key string, window time.Duration) (int64, error) {
	n, err := r.rdb.Get(ctx, r.key(key, window, time.Now())).Int64()
	if err == redis.Nil {
		return 0, nil
	}
	return n, err
}

// Reset implements Limiter.
func (r *Redis) Reset(ctx context.Context, key string, window time.Duration) error {
	return r.rdb.Del(ctx, r.key(key, window, time.Now())).Err()
}
