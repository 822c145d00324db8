package search

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/stdlib"
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

// listen holds one pooled connection for LISTEN/NOTIFY while draining.
func (w *Worker) listen(ctx context.Context) error {
	conn, err := w.db.DB.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	return conn.Raw(func(driverConn any) error {
		sc, ok := driverConn.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("search outbox: LISTEN needs the pgx driver, got %T", driverConn)
		}
		pc := sc.Conn()
		if _, err := pc.Exec(ctx, "LISTEN "+notifyChannel); err != nil {
			return err
		}
		// The connection goes back to the pool: stop listening on it first.
		defer pc.Exec(context.WithoutCancel(ctx), "UNLISTEN *") //nolint:errcheck
		for {
			wait := w.poll()
			if _, err := w.Drain(ctx); err != nil {
				if ctx.Err() != nil {
					return nil
				}
				w.log.Warn("search outbox: push failed; will retry", "err", err)
				wait = min(wait, w.backoff(1))
			} else if w.Idle != nil {
				w.Idle()
			}
			wctx, cancel := context.WithTimeout(ctx, wait)
			_, err := pc.WaitForNotification(wctx)
			cancel()
			if ctx.Err() != nil {
				return nil
			}
			// A timeout is just the poll; anything else is a real failure.
			if err != nil && (pc.IsClosed() || !errors.Is(err, context.DeadlineExceeded) && !isTimeout(err)) {
				return err
			}
		}
	})
}

// isTimeout recognises pgconn's wrapped deadline errors.
func isTimeout(err error) bool {
	var t interface{ Timeout() bool }
	return errors.As(err, &t) && t.Timeout()
}
