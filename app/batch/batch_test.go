package batch

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestAFailedBatchIsReportedAndEachValueRunsAlone: while the one slot is
// busy, two values queue and then run as one batch; that batch fails, the
// failure is reported once with its size (claro_webhook_batch_fallbacks_total
// counts the orders' ones), and each value runs again alone to its own outcome.
func TestAFailedBatchIsReportedAndEachValueRunsAlone(t *testing.T) {
	release := make(chan struct{})
	started := make(chan struct{})
	var fellBack atomic.Int64
	b := New("test values", 1, 8, func(_ context.Context, vs []int) error {
		switch {
		case len(vs) == 1 && vs[0] == 0: // the first run holds the slot
			close(started)
			<-release
			return nil
		case len(vs) > 1:
			return errors.New("one of them cannot be written")
		case vs[0] == 2:
			return errors.New("two cannot be written")
		}
		return nil
	}, slog.New(slog.DiscardHandler))
	b.Alone = func(n int) { fellBack.Add(int64(n)) }

	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make([]error, 3)
	wg.Go(func() { errs[0] = b.Do(ctx, 0) })
	<-started
	wg.Go(func() { errs[1] = b.Do(ctx, 1) })
	wg.Go(func() { errs[2] = b.Do(ctx, 2) })
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(time.Millisecond) {
		b.mu.Lock()
		n := len(b.queue)
		b.mu.Unlock()
		if n == 2 {
			break
		}
		if time.Now().After(deadline) {
			close(release)
			wg.Wait()
			t.Fatalf("%d values queued behind the busy slot, want 2", n)
		}
	}
	close(release)
	wg.Wait()
	if errs[0] != nil || errs[1] != nil || errs[2] == nil {
		t.Fatalf("errors %v: want only the third to fail", errs)
	}
	if n := fellBack.Load(); n != 2 {
		t.Fatalf("fallbacks reported: %d, want the batch of 2", n)
	}
}
