package orders

import (
	"context"
	"slices"
	"sync"

	"github.com/claro-market/claro/app/payments"
)

// Batching: concurrent first paid deliveries share one statement. A delivery
// joins a queue, then either finds its result or takes one of batchSlots
// executor slots and runs everything queued (up to batchMax) as one
// statement: one round trip, one plan, one commit for the lot. A delivery
// alone, the usual case when webhooks are not arriving together, runs as soon
// as it arrives, in paidFirst's own statement; batches form only while the
// slots are busy, that is, under load.
//
// batchSlots was measured with BenchmarkWebhookIngestion on 2 cores with
// PostgreSQL on the same machine (orders/s): 1 slot 1,728 and 1,926, 2 slots
// 1,823 and 1,842, 3 slots 1,543 and 1,486. A primary with more cores may
// want more.
const (
	batchSlots = 2  // statements in flight; more queue instead, and batch
	batchMax   = 32 // deliveries per statement
)

// paidBatch is the queue of first paid deliveries and its executor slots.
type paidBatch struct {
	mu    sync.Mutex
	queue []*paidCall
	slots chan struct{}
}

func newPaidBatch() *paidBatch { return &paidBatch{slots: make(chan struct{}, batchSlots)} }

// paidCall is one delivery waiting in the queue.
type paidCall struct {
	e       *payments.Event
	taken   bool          // in a batch (under paidBatch.mu)
	done    chan struct{} // closed when the batch is over
	orderID int64         // the order written, 0 for a duplicate
	err     error         // a lone delivery's statement error; errFallback: the general path applies it
	alone   bool          // the batch did not apply it: run paidFirst
}

// paidFirstBatched is paidFirst, batched with the first paid deliveries
// arriving at the same time.
func (s *Service) paidFirstBatched(ctx context.Context, e *payments.Event, eff *effect) (bool, error) {
	b := s.batch
	c := &paidCall{e: e, done: make(chan struct{})}
	b.mu.Lock()
	b.queue = append(b.queue, c)
	b.mu.Unlock()
	for waiting := true; waiting; {
		select {
		case <-c.done:
			waiting = false
		case b.slots <- struct{}{}:
			if batch := b.take(); len(batch) > 0 {
				s.runBatch(context.WithoutCancel(ctx), batch)
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
		return s.paidFirst(ctx, e, eff)
	}
	return settle(c.orderID, c.err, eff)
}

// take removes up to batchMax calls from the front of the queue.
func (b *paidBatch) take() []*paidCall {
	b.mu.Lock()
	defer b.mu.Unlock()
	n := min(len(b.queue), batchMax)
	batch := slices.Clone(b.queue[:n])
	b.queue = slices.Delete(b.queue, 0, n)
	for _, c := range batch {
		c.taken = true
	}
	return batch
}

// runBatch applies batch in one statement (applyPaid) and releases its
// calls. A call whose event or session repeats an earlier one's in the batch
// is left to run alone afterwards (a duplicate then finds the event
// recorded); so is every call of a batch of several when the statement fails,
// for any reason, a fallback included: the statement undid itself, and each
// delivery then takes its own path.
func (s *Service) runBatch(ctx context.Context, batch []*paidCall) {
	// Every call is alone until its result is in: whatever stops this
	// function early (a panic included) leaves each delivery to its own path,
	// never answered as applied.
	for _, c := range batch {
		c.alone = true
	}
	defer func() {
		for _, c := range batch {
			close(c.done)
		}
	}()
	events, sessions := map[string]bool{}, map[string]bool{}
	var run []*paidCall
	for _, c := range batch {
		sess := c.e.Session
		if events[c.e.ID] || sessions[sess.ID] {
			continue
		}
		events[c.e.ID], sessions[sess.ID] = true, true
		run = append(run, c)
	}
	orders, err := s.applyPaid(ctx, eventsOf(run))
	switch {
	case len(run) == 1 && (err == nil || isFallback(err)):
		// A lone delivery's answer is its own, a fallback included.
		run[0].orderID, run[0].err, run[0].alone = orders[run[0].e.ID], err, false
	case err != nil:
		// The statement undid itself; each delivery takes its own path.
		if !isFallback(err) {
			s.log.Warn("webhook batch failed; its deliveries run alone", "deliveries", len(run), "err", err)
		}
	default:
		for _, c := range run {
			c.orderID, c.alone = orders[c.e.ID], false
		}
	}
}

func eventsOf(calls []*paidCall) []*payments.Event {
	es := make([]*payments.Event, len(calls))
	for i, c := range calls {
		es[i] = c.e
	}
	return es
}
