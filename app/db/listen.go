package db

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/stdlib"
	"github.com/uptrace/bun"
)

// CatalogChannel is where every change a cache may hold is announced (see
// Changes): migration 0009's triggers, the domain checker, and Sync's tokens.
const CatalogChannel = "catalog_changed"

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
