// Package batch runs calls that arrive together as one: deliveries that pay
// orders share one transaction (app/orders), a cart's price look-ups one
// statement (app/cart). Written here because no library this module uses
// offers it: a request waits only while every executor slot is busy, and a
// failed batch runs each of its values alone, so one bad value never fails
// the others.
package batch

import (
	"context"
	"log/slog"
	"slices"
	"sync"
)

// A call joins a queue, then either finds its result or takes one of the
// executor slots and runs everything queued (up to max). A call alone, the
// usual case when calls are not arriving together, runs as soon as it
// arrives; batches form only while the slots are busy, that is, under load.

// Coalescer runs calls of run that arrive together as one call with all
// their values. run must give each value the same outcome alone or in any
// batch; the coalescer only decides who shares a run.
type Coalescer[T any] struct {
	run   func(ctx context.Context, batch []T) error
	max   int
	slots chan struct{}
	log   *slog.Logger
	name  string // what the values are, for the log
	// Alone is told of each failed batch of several, whose n values then
	// each run alone (nil: no one). Set before the first Do.
	Alone func(n int)

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

// New returns a coalescer running at most slots batches of at most max
// values at once; name says what the values are in its log.
func New[T any](name string, slots, max int, run func(context.Context, []T) error, log *slog.Logger) *Coalescer[T] {
	return &Coalescer[T]{run: run, max: max, slots: make(chan struct{}, slots), log: log, name: name}
}

// Do runs v, in a batch with whatever else is queued, and returns its error.
func (b *Coalescer[T]) Do(ctx context.Context, v T) error {
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
func (b *Coalescer[T]) take() []*call[T] {
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
func (b *Coalescer[T]) runBatch(ctx context.Context, batch []*call[T]) {
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
		b.log.Warn("batch failed; its values run alone", "values", b.name, "n", len(batch), "err", err)
		if b.Alone != nil {
			b.Alone(len(batch))
		}
		return
	}
	for _, c := range batch {
		c.err, c.alone = err, false
	}
}
