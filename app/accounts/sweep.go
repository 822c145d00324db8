package accounts

import (
	"context"
	"log/slog"
	"time"

	"github.com/uptrace/bun"
)

// Sweep deletes expired sessions, hand-off tokens and email links once at
// start and then every interval, until ctx ends. Expired rows are never
// honoured (every lookup checks the expiry), so this only keeps the tables
// small; running it on several instances at once is harmless.
func Sweep(ctx context.Context, primary bun.IDB, every time.Duration, log *slog.Logger) {
	sessions, handoffs, tokens := NewSessions(primary), NewHandoffs(primary), NewTokens(primary)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		for name, sweep := range map[string]func(context.Context) (int64, error){
			"sessions": sessions.DeleteExpired, "handoffs": handoffs.DeleteExpired, "email_tokens": tokens.DeleteExpired,
		} {
			if n, err := sweep(ctx); err != nil && ctx.Err() == nil {
				log.Error("accounts sweep", "table", name, "err", err)
			} else if n > 0 {
				log.Info("accounts sweep", "table", name, "deleted", n)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
