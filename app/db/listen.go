package db

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5/stdlib"
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
	conn, err := d.Primary.DB.Conn(ctx)
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
		defer pc.Exec(context.WithoutCancel(ctx), "UNLISTEN *") //nolint:errcheck
		fn("")
		for {
			n, err := pc.WaitForNotification(ctx)
			if err != nil {
				if ctx.Err() != nil {
					return nil
				}
				return errors.Join(errors.New("listen: wait"), err)
			}
			fn(n.Payload)
		}
	})
}
