package orders

import (
	"context"
	"log/slog"
	"slices"
	"sync"
)

// Batching: deliveries arriving together share one run of the same writer a
// lone delivery uses, so one transaction, one plan per statement and one
// commit serve the lot. A delivery joins a queue, then either finds its
// result or takes one of batchSlots executor slots and runs everything
// queued (up to batchMax). A delivery alone, the usual case when webhooks are
// not arriving together, runs as soon as it arrives; batches form only while
// the slots are busy, that is, under load.
//
// batchSlots: with BenchmarkWebhookIngestion on 2 cores with PostgreSQL on
// the same machine, 1 and 2 slots measured within noise of each other (2
// lets one batch's commit overlap the next one's statements); 3 was slower.
// A primary with more cores may want more.
const (
	batchSlots = 2  // runs in flight; more queue instead, and batch
	batchMax   = 32 // deliveries per run
)

// coalescer runs calls of run that arrive together as one call with all
// their values. run must give each value the same outcome alone or in any
// batch; the coalescer only decides who shares a run.
type coalescer[T any] struct {
	run   func(ctx context.Context, batch []T) error
	max   int
	slots chan struct{}
	log   *slog.Logger
	alone func(n int) // told of each failed batch of several (nil: no one)

	mu    sync.Mutex
	queue []*call[T]
}

// call is one value waiting in the queue.
type call[T any] struct {
	v     T
	taken bool          // in a batch (under coalescer.mu)
	done  chan struct{} // closed when its batch is over
	err   error         // the batch's error, for a batch of one
	alone bool          // the batch did not apply it: run it alone
}

func newCoalescer[T any](slots, max int, run func(context.Context, []T) error, log *slog.Logger) *coalescer[T] {
	return &coalescer[T]{run: run, max: max, slots: make(chan struct{}, slots), log: log}
}

// do runs v, in a batch with whatever else is queued, and returns its error.
func (b *coalescer[T]) do(ctx context.Context, v T) error {
	c := &call[T]{v: v, done: make(chan struct{})}
	b.mu.Lock()
	b.queue = append(b.queue, c)
	b.mu.Unlock()
	for waiting := true; waiting; {
		select {
		case <-c.done:
			waiting = false
		case b.slots <- struct{}{}:
			if batch := b.take(); len(batch) > 0 {
				// The batch outlives this request: others wait on it.
				b.runBatch(context.WithoutCancel(ctx), batch)
			}
			<-b.slots
			b.mu.Lock()
			taken := c.taken
			b.mu.Unlock()
			if taken { // in this batch, or in another executor's
				<-c.done
				waiting = false
			}
		}
	}
	if c.alone {
		return b.run(ctx, []T{v})
	}
	return c.err
}

// take removes up to max calls from the front of the queue.
func (b *coalescer[T]) take() []*call[T] {
	b.mu.Lock()
	defer b.mu.Unlock()
	n := min(len(b.queue), b.max)
	batch := slices.Clone(b.queue[:n])
	b.queue = slices.Delete(b.queue, 0, n)
	for _, c := range batch {
		c.taken = true
	}
	return batch
}

// runBatch runs batch and releases its calls. When a batch of several fails,
// for any reason, nothing of it was applied (run is one transaction), and
// each value runs alone instead: one delivery that cannot be applied never
// fails the others.
func (b *coalescer[T]) runBatch(ctx context.Context, batch []*call[T]) {
	// Every call is alone until its result is in: whatever stops this
	// function early (a panic included) leaves each value to run alone,
	// never answered as applied.
	for _, c := range batch {
		c.alone = true
	}
	defer func() {
		for _, c := range batch {
			close(c.done)
		}
	}()
	vs := make([]T, len(batch))
	for i, c := range batch {
		vs[i] = c.v
	}
	err := b.run(ctx, vs)
	if err != nil && len(batch) > 1 {
		b.log.Warn("webhook batch failed; its deliveries run alone", "deliveries", len(batch), "err", err)
		if b.alone != nil {
			b.alone(len(batch))
		}
		return
	}
	for _, c := range batch {
		c.err, c.alone = err, false
	}
}
