package accounts

import (
	"context"
	"log/slog"
	"time"

	"github.com/uptrace/bun"
)

// Sweeper deletes one table's rows that are past keeping and says how many.
type Sweeper func(context.Context) (int64, error)

// Sweep deletes expired sessions, hand-off tokens and email links, and
// whatever more sweeps (by table name), once at start and then every
// interval, until ctx ends. Expired rows are never honoured (every lookup
// checks the expiry), so this only keeps the tables small; running it on
// several instances at once is harmless.
func Sweep(ctx context.Context, primary bun.IDB, every time.Duration, log *slog.Logger, more map[string]Sweeper) {
	sessions, handoffs, tokens := NewSessions(primary), NewHandoffs(primary), NewTokens(primary)
	sweeps := map[string]Sweeper{
		"sessions": sessions.DeleteExpired, "handoffs": handoffs.DeleteExpired, "email_tokens": tokens.DeleteExpired,
	}
	for name, s := range more {
		sweeps[name] = s
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		for name, sweep := range sweeps {
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
