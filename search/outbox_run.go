package search

import (
	"context"
	"time"

	"github.com/claro-market/claro/app/db"
)

// Run drains the outbox until ctx ends: it LISTENs on the outbox channel on a
// dedicated connection, drains, and waits for the next notification (or Poll,
// the safety net for a lost notification and for rescheduled rows). A broken
// connection is reopened with backoff; Run returns nil when ctx ends.
func (w *Worker) Run(ctx context.Context) error {
	for attempt := 0; ; attempt++ {
		err := w.listen(ctx)
		if ctx.Err() != nil {
			return nil
		}
		w.log.Error("search outbox: listener failed; reconnecting", "err", err)
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(w.backoff(attempt)):
		}
	}
}

func (w *Worker) poll() time.Duration {
	if w.Poll > 0 {
		return w.Poll
	}
	return 5 * time.Second
}

// listen holds one pooled connection for LISTEN/NOTIFY while draining: it
// drains when LISTEN is in place, on each notification and at each poll.
func (w *Worker) listen(ctx context.Context) error {
	return db.ListenConn(ctx, w.db, notifyChannel, func(string) time.Duration {
		wait := w.poll()
		if _, err := w.Drain(ctx); err != nil {
			if ctx.Err() == nil {
				w.log.Warn("search outbox: push failed; will retry", "err", err)
			}
			return min(wait, w.backoff(1))
		}
		if w.Idle != nil {
			w.Idle()
		}
		return wait
	})
}
