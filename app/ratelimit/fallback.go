package ratelimit

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// RetryAfter is how long Fallback counts in memory after Redis failed before
// it asks Redis again: during an outage at most one request in this interval
// waits for Redis's timeout, the rest never try.
const RetryAfter = 5 * time.Second

// Fallback is a Limiter that counts in a primary (Redis) and, while the
// primary fails, in memory: an outage loosens the limits (each instance
// counts alone) rather than refusing everyone the endpoints they guard.
// It logs one warning when an outage starts and one line when it ends, and
// calls OnFallback once for each count the primary failed to make.
type Fallback struct {
	primary Limiter
	memory  *Memory
	log     *slog.Logger
	// OnFallback, when set, hears of each hit, count or reset that went to
	// memory because the primary failed or was resting (a metric).
	OnFallback func()
	// Retry is how long to count in memory before trying the primary again
	// (RetryAfter when zero).
	Retry time.Duration

	mu    sync.Mutex
	down  bool      // the primary failed and has not answered since
	until time.Time // while down, no request asks the primary before this
	now   func() time.Time
}

// NewFallback counts in primary, and in memory while primary fails.
func NewFallback(primary Limiter, log *slog.Logger) *Fallback {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Fallback{primary: primary, memory: NewMemory(), log: log, now: time.Now}
}

// Degraded reports whether the last answer came from memory because the
// primary failed.
func (f *Fallback) Degraded() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.down
}

// usePrimary says whether to ask the primary now: always while it is up,
// once per Retry interval while it is down.
func (f *Fallback) usePrimary() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.down {
		return true
	}
	now := f.now()
	if now.Before(f.until) {
		return false
	}
	f.until = now.Add(f.retry()) // this request is the one that tries
	return true
}

func (f *Fallback) retry() time.Duration {
	if f.Retry > 0 {
		return f.Retry
	}
	return RetryAfter
}

// result records how the primary did: err starts an outage (logged once),
// nil after an outage ends it (logged once).
func (f *Fallback) result(err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	switch {
	case err != nil && !f.down:
		f.down, f.until = true, f.now().Add(f.retry())
		f.log.Warn("rate limiter: redis failed, counting in memory until it answers", "err", err)
	case err != nil:
		f.until = f.now().Add(f.retry())
	case f.down:
		f.down = false
		f.log.Info("rate limiter: redis answers again, counting in redis")
	}
}

func (f *Fallback) fellBack() {
	if f.OnFallback != nil {
		f.OnFallback()
	}
}

// Hit implements Limiter.
func (f *Fallback) Hit(ctx context.Context, key string, window time.Duration) (int64, time.Time, error) {
	if f.usePrimary() {
		n, reset, err := f.primary.Hit(ctx, key, window)
		f.result(err)
		if err == nil {
			return n, reset, nil
		}
	}
	f.fellBack()
	return f.memory.Hit(ctx, key, window)
}

// Count implements Limiter.
func (f *Fallback) Count(ctx context.Context, key string, window time.Duration) (int64, error) {
	if f.usePrimary() {
		n, err := f.primary.Count(ctx, key, window)
		f.result(err)
		if err == nil {
			return n, nil
		}
	}
	f.fellBack()
	return f.memory.Count(ctx, key, window)
}

// Reset implements Limiter: it forgets key in memory too, so a count made
// during an outage does not outlive a successful sign-in.
func (f *Fallback) Reset(ctx context.Context, key string, window time.Duration) error {
	_ = f.memory.Reset(ctx, key, window)
	if f.usePrimary() {
		err := f.primary.Reset(ctx, key, window)
		f.result(err)
		if err == nil {
			return nil
		}
	}
	f.fellBack()
	return nil
}
