package orders

import (
	"context"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/claro-market/claro/app/db"
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
	err     error         // its lone statement's error; errFallback: the general path applies it
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
	switch {
	case c.alone:
		return s.paidFirst(ctx, e, eff)
	case isFallback(c.err):
		return false, nil
	case c.err != nil:
		return false, c.err
	case c.orderID != 0:
		eff.receipt, eff.sales = true, true
	}
	return true, nil
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

// runBatch applies batch in one statement (a lone call in paidFirst's) and
// releases its calls. A call
// whose event or session repeats an earlier one's in the batch is left to run
// alone afterwards (a duplicate then finds the event recorded); so is every
// call when the statement fails, for any reason, a fallback included: the
// statement undid itself, and each delivery then takes its own path.
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
	if len(run) == 1 {
		c := run[0]
		c.orderID, c.err = s.paidOne(ctx, c.e)
		c.alone = false
		return
	}
	// Checkouts are locked in session order, so two batches never wait on
	// each other in a circle; events are recorded in id order (the statement
	// sorts them) for the same reason.
	slices.SortFunc(run, func(a, b *paidCall) int { return strings.Compare(a.e.Session.ID, b.e.Session.ID) })
	n := len(run)
	ids, types, accounts, sessionIDs, emails, pis, currencies := make([]string, n), make([]string, n), make([]string, n),
		make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	livemodes, created, amounts := make([]bool, n), make([]time.Time, n), make([]int64, n)
	for k, c := range run {
		e, sess := c.e, c.e.Session
		ids[k], types[k], accounts[k], livemodes[k], created[k] = e.ID, e.Type, e.Account, e.Livemode, e.Created
		sessionIDs[k], emails[k], pis[k], amounts[k], currencies[k] = sess.ID, sess.Email, sess.PaymentIntentID, sess.AmountTotal, sess.Currency
	}
	orders := make(map[string]int64, n)
	rows, err := s.db.DB.QueryContext(ctx, `WITH i AS (
			SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::boolean[], $5::timestamptz[], $6::text[], $7::text[],
				$8::text[], $9::bigint[], $10::text[]) AS t(event_id, type, account, livemode, created, session_id, email, pi, amount, currency)
		), ev AS (
			INSERT INTO stripe_events (id, type, account, livemode, created)
			SELECT event_id, type, account, livemode, created FROM i ORDER BY event_id
			ON CONFLICT (id) DO NOTHING RETURNING id
		), ck AS (`+lockedCheckout+`), `+paidOrder+`
		SELECT i.event_id, `+paidResult+`
		FROM i LEFT JOIN ev ON ev.id = i.event_id LEFT JOIN o ON o.stripe_checkout_session_id = i.session_id`,
		db.Prepared(ids, types, accounts, livemodes, created, sessionIDs, emails, pis, amounts, currencies)...)
	if err == nil {
		for rows.Next() {
			var id string
			var orderID int64
			if err = rows.Scan(&id, &orderID); err != nil {
				break
			}
			orders[id] = orderID
		}
		rows.Close()
		if err == nil {
			err = rows.Err()
		}
	}
	for _, c := range run {
		orderID, ok := orders[c.e.ID]
		c.orderID, c.alone = orderID, err != nil || !ok
	}
	if err != nil && !isFallback(err) {
		s.log.Warn("webhook batch failed; its deliveries run alone", "deliveries", n, "err", err)
	}
}
