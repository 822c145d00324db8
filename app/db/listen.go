package db

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5/stdlib"
	"github.com/uptrace/bun"
)

// CatalogChannel is where migration 0009's triggers announce changed stores.
const CatalogChannel = "catalog_changed"

// Listen LISTENs on channel on a dedicated primary connection and calls fn with
// each notification's payload until ctx ends. Each time LISTEN is in place
// (at start and after a reconnect, when notifications may have been missed)
// it calls fn with "", meaning "anything may have changed". It returns nil
// when ctx ends.
func (d *DB) Listen(ctx context.Context, channel string, log *slog.Logger, fn func(payload string)) error {
	for attempt := 0; ; attempt++ {
		err := d.listenOnce(ctx, channel, fn)
		if ctx.Err() != nil {
			return nil
		}
		log.Warn("listen: connection lost; reconnecting", "channel", channel, "err", err)
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(min(time.Duration(1<<min(attempt, 5))*100*time.Millisecond, 5*time.Second)):
		}
	}
}

func (d *DB) listenOnce(ctx context.Context, channel string, fn func(string)) error {
	return ListenConn(ctx, d.Primary, channel, func(payload string) time.Duration {
		fn(payload)
		return 0
	})
}

// ListenConn holds one connection of pool for LISTEN channel until ctx ends
// (nil) or the connection fails (the error). It calls step with "" once LISTEN
// is in place and whenever the wait step returned (if > 0) passes without a
// notification, and with each notification's payload; step returns how long
// to wait next (0: until a notification).
func ListenConn(ctx context.Context, pool *bun.DB, channel string, step func(payload string) time.Duration) error {
	conn, err := pool.DB.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	return conn.Raw(func(driverConn any) error {
		sc, ok := driverConn.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("listen: needs the pgx driver, got %T", driverConn)
		}
		pc := sc.Conn()
		if _, err := pc.Exec(ctx, "LISTEN "+channel); err != nil {
			return err
		}
		// The connection goes back to the pool: stop listening on it first.
		defer pc.Exec(context.WithoutCancel(ctx), "UNLISTEN *") //nolint:errcheck
		wait := step("")
		for {
			wctx, cancel := ctx, context.CancelFunc(func() {})
			if wait > 0 {
				wctx, cancel = context.WithTimeout(ctx, wait)
			}
			n, err := pc.WaitForNotification(wctx)
			cancel()
			if ctx.Err() != nil {
				return nil
			}
			payload := ""
			if err != nil {
				// A timeout is the caller's poll; anything else is a real failure.
				var t interface{ Timeout() bool }
				if pc.IsClosed() || !errors.Is(err, context.DeadlineExceeded) && !(errors.As(err, &t) && t.Timeout()) {
					return errors.Join(errors.New("listen: wait"), err)
				}
			} else {
				payload = n.Payload
			}
			wait = step(payload)
		}
	})
}
