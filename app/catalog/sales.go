package catalog

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/uptrace/bun"
)

// salesLock is the advisory lock key an applier holds while it folds a batch
// of the sales ledger in: one applier at a time (per database, across app
// instances), so two never update the same products in different orders,
// and whoever calls Apply waits for the one running and then sees every sale
// committed before it.
const salesLock = 0x636c61726f0801 // "claro", issue 8

// Sales folds the sales ledger (migration 0012), where the order service
// writes each sale's units (app/orders), into products.sales_count and
// trending_score, the counters the catalog owns and every listing sorts by: a batch of ledger rows is deleted and applied in one UPDATE,
// in one transaction, so a sale is counted exactly once. Nothing is ever
// recounted: the score stays ln Σ e^(λ·t_sale) (see SaleWeight, trending.go), so scores of
// every age compare and sorting by trending is an index scan. A refund's
// negative units lower sales_count (never below 0); the trending score keeps
// the sale, which fades like any other, since a log-sum cannot subtract one
// term without risking -∞ from rounding.
//
// Run applies shortly after each Wake (the order service wakes it after a
// commit that sold something) and at every Poll, which picks up other app
// instances' sales too. Under load a batch holds every sale that committed
// while the previous one ran: one product row rewrite, and one round of the
// product triggers' notifications, per batch instead of per sale.
type Sales struct {
	db   *bun.DB
	log  *slog.Logger
	wake chan struct{}

	// Batch is the most ledger rows one transaction applies (default 5000).
	Batch int
	// Poll is the longest Run waits without a Wake (default 1s).
	Poll time.Duration
	// Gap is the shortest time between two runs of Run (default 200ms): under
	// a stream of sales, each batch then holds a gap's worth of them, and
	// the applier's fixed cost is paid a few times a second, not per sale.
	Gap time.Duration
}

// NewSales returns the applier over the primary db.
func NewSales(db *bun.DB, log *slog.Logger) *Sales {
	return &Sales{db: db, log: log, wake: make(chan struct{}, 1)}
}

// Wake asks Run to apply now; it never blocks, and wakes that arrive while a
// batch is being applied are folded into the next one.
func (s *Sales) Wake() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// Run applies the ledger on each Wake and each Poll until ctx ends.
func (s *Sales) Run(ctx context.Context) {
	poll := s.Poll
	if poll <= 0 {
		poll = time.Second
	}
	gap := s.Gap
	if gap <= 0 {
		gap = 200 * time.Millisecond
	}
	t := time.NewTicker(poll)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-s.wake:
		case <-t.C:
		}
		if _, err := s.Apply(ctx); err != nil && ctx.Err() == nil {
			s.log.Warn("sales ledger: apply failed; will retry", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(gap):
		}
	}
}

// Apply folds every ledger row committed before it was called into the
// products and returns how many rows it applied.
func (s *Sales) Apply(ctx context.Context) (int, error) {
	batch := s.Batch
	if batch <= 0 {
		batch = 5000
	}
	total := 0
	for {
		var n int
		err := s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
			if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(?)`, int64(salesLock)); err != nil {
				return err
			}
			return tx.NewRaw(applySalesSQL, batch, trendingLambda(), float64(trendingEpochUnix)).Scan(ctx, &n)
		})
		if err != nil {
			return total, fmt.Errorf("catalog: apply sales: %w", err)
		}
		total += n
		if n < batch {
			return total, nil
		}
	}
}

// Pending is how many ledger rows wait to be applied (for /readyz).
func (s *Sales) Pending(ctx context.Context) (int, error) {
	var n int
	err := s.db.NewRaw(`SELECT count(*) FROM sales_ledger`).Scan(ctx, &n)
	return n, err
}

// Backlog is how many ledger rows wait to be applied and how long the oldest
// has waited (for the metrics).
func (s *Sales) Backlog(ctx context.Context) (pending int, oldest time.Duration, err error) {
	var r struct {
		N      int     `bun:"n"`
		Oldest float64 `bun:"oldest"`
	}
	err = s.db.NewRaw(`SELECT count(*) AS n,
		COALESCE(extract(epoch FROM now() - min(sold_at)), 0)::float8 AS oldest FROM sales_ledger`).Scan(ctx, &r)
	return r.N, time.Duration(r.Oldest * float64(time.Second)), err
}
