package search

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"
)

// outboxLock is the advisory lock key of the one worker allowed to push at a
// time. One pusher means an older state can never overtake a newer one on
// its way into the index; reindex holds it too while it builds and swaps.
const outboxLock = 0x636c61726f0501 // "claro", issue 5

// notifyChannel is where the outbox triggers pg_notify.
const notifyChannel = "search_outbox"

// Worker drains search_outbox into an Index: it claims rows with FOR UPDATE
// SKIP LOCKED, re-reads each product's current state (so a late, duplicated
// or reordered row still converges), upserts what is eligible and deletes
// what is not. When the index is down the rows stay, with backoff, and the
// backlog drains when it returns. Zero values of the tunables are defaults.
type Worker struct {
	db    *bun.DB
	index Index
	log   *slog.Logger

	// Batch is how many outbox rows one step claims (default 200).
	Batch int
	// Backoff is the wait before retrying rows that failed attempt times
	// (default: 1s doubling to 5m).
	Backoff func(attempt int) time.Duration
	// Poll is the longest Run sleeps without a notification (default 5s).
	Poll time.Duration
	// Idle, when set, is called each time Run has drained the outbox and is
	// about to wait for a notification; tests use it to know it listens.
	Idle func()
}

// NewWorker returns a worker pushing from the primary db to index.
func NewWorker(db *bun.DB, index Index, log *slog.Logger) *Worker {
	return &Worker{db: db, index: index, log: log}
}

func (w *Worker) batch() int {
	if w.Batch > 0 {
		return w.Batch
	}
	return 200
}

func (w *Worker) backoff(attempt int) time.Duration {
	if w.Backoff != nil {
		return w.Backoff(attempt)
	}
	d := time.Second << min(attempt, 9)
	return min(d, 5*time.Minute)
}

// tableBacked is an index that reads the catalog itself: the worker only
// needs to drain the outbox for it.
type tableBacked interface{ readsTables() }

func (p *Postgres) readsTables() {}

type outboxRow struct {
	ID        int64 `bun:"id"`
	ProductID int64 `bun:"product_id"`
	Attempts  int   `bun:"attempts"`
}

// Step claims one batch of due rows and pushes their products' current
// state. It returns how many rows it settled; a push failure is returned
// after the rows are rescheduled.
func (w *Worker) Step(ctx context.Context) (int, error) {
	var settled int
	var pushErr error
	err := w.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		var leader bool
		if err := tx.NewRaw("SELECT pg_try_advisory_xact_lock(?)", outboxLock).Scan(ctx, &leader); err != nil || !leader {
			return err
		}
		var rows []outboxRow
		if err := tx.NewRaw(`SELECT id, product_id, attempts FROM search_outbox
			WHERE available_at <= now() ORDER BY id LIMIT ? FOR UPDATE SKIP LOCKED`, w.batch()).Scan(ctx, &rows); err != nil {
			return err
		}
		if len(rows) == 0 {
			return nil
		}
		ids, products, attempts := make([]int64, 0, len(rows)), make([]int64, 0, len(rows)), 0
		for _, r := range rows {
			ids = append(ids, r.ID)
			if !slices.Contains(products, r.ProductID) {
				products = append(products, r.ProductID)
			}
			attempts = max(attempts, r.Attempts)
		}
		if pushErr = w.push(ctx, tx, products); pushErr != nil {
			_, err := tx.NewRaw(`UPDATE search_outbox SET attempts = attempts + 1,
				available_at = now() + ? * interval '1 millisecond', last_error = ? WHERE id = ANY(?)`,
				w.backoff(attempts+1).Milliseconds(), pushErr.Error(), pgdialect.Array(ids)).Exec(ctx)
			return err
		}
		settled = len(rows)
		_, err := tx.NewRaw(`DELETE FROM search_outbox WHERE id = ANY(?)`, pgdialect.Array(ids)).Exec(ctx)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("search: outbox: %w", err)
	}
	if pushErr != nil {
		return 0, fmt.Errorf("search: outbox push: %w", pushErr)
	}
	return settled, nil
}

// push sends the current state of products: eligible ones upserted, the rest
// deleted.
func (w *Worker) push(ctx context.Context, tx bun.IDB, products []int64) error {
	if _, ok := w.index.(tableBacked); ok {
		return nil
	}
	docs, err := LoadDocuments(ctx, tx, products)
	if err != nil {
		return err
	}
	var gone []int64
	for _, id := range products {
		if !slices.ContainsFunc(docs, func(d Document) bool { return d.ID == id }) {
			gone = append(gone, id)
		}
	}
	if len(docs) > 0 {
		if err := w.index.Upsert(ctx, docs); err != nil {
			return err
		}
	}
	if len(gone) > 0 {
		return w.index.Delete(ctx, gone)
	}
	return nil
}

// Drain steps until no due row is left, and reports how many it settled.
func (w *Worker) Drain(ctx context.Context) (int, error) {
	total := 0
	for {
		n, err := w.Step(ctx)
		total += n
		if err != nil || n == 0 {
			return total, err
		}
	}
}

// Lag is how far the index trails the catalog.
type Lag struct {
	Pending int           // outbox rows not yet pushed
	Oldest  time.Duration // age of the oldest of them
}

// String reads like "search lag: 3 pending, oldest 2s" for /readyz.
func (l Lag) String() string {
	return fmt.Sprintf("search lag: %d pending, oldest %s", l.Pending, l.Oldest.Round(time.Second))
}

// Lag measures the outbox backlog.
func (w *Worker) Lag(ctx context.Context) (Lag, error) {
	var r struct {
		N      int     `bun:"n"`
		Oldest float64 `bun:"oldest"`
	}
	err := w.db.NewRaw(`SELECT count(*) AS n,
		COALESCE(extract(epoch FROM now() - min(created_at)), 0)::float8 AS oldest FROM search_outbox`).Scan(ctx, &r)
	return Lag{Pending: r.N, Oldest: time.Duration(r.Oldest * float64(time.Second))}, err
}
