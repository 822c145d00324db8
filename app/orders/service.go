// Package orders turns Stripe's webhook events into orders, entitlements,
// refunds and disputes. Every event is applied in one transaction on the
// primary that first records its id, so a duplicate delivery, however
// concurrent, ends there; orders are unique on their Checkout Session, so two
// events for one session make one order. Events may arrive in any order and
// converge. A paid order has one writer (writePaid, paid.go); deliveries
// arriving together share its transaction (app/batch, batching.go). Connect
// account events are recorded here and applied by payouts.
package orders

import (
	"context"
	"log/slog"

	"github.com/claro-market/claro/app/batch"
	"github.com/claro-market/claro/app/db"
	"github.com/claro-market/claro/app/payments"
	"github.com/claro-market/claro/app/payouts"
	"github.com/uptrace/bun"
)

// Service applies verified events.
type Service struct {
	db           *bun.DB
	payouts      *payouts.Service
	log          *slog.Logger
	livemode     bool
	wakeReceipts func()
	wakeSales    func()
	paid         *batch.Coalescer[*paying]
	onPaid       []PaidStep
	onAdjusted   []AdjustStep
}

// PaidStep is work another package does inside the transaction that pays
// orders (issuing license keys, counting a discount's redemptions, queueing
// a creator's outbound webhooks): it sees the ids of the orders this
// transaction paid, once each, and its error rolls the whole delivery back
// so Stripe retries. It runs for every batch that paid something, so it
// must be one statement over = ANY ($1) and cheap when nothing applies.
type PaidStep func(ctx context.Context, tx bun.Tx, orders []int64) error

// Adjusted is a refund or dispute just applied to an order.
type Adjusted struct {
	Order   int64
	Kind    string // "refund" or "dispute"
	Status  string // the order's status after it
	Revoked bool   // the order's entitlements were revoked by it (a full refund or a dispute)
}

// AdjustStep is work another package does inside the transaction that
// applies a refund or dispute (disabling a license key, queueing a
// webhook); its error rolls the event back.
type AdjustStep func(ctx context.Context, tx bun.Tx, a Adjusted) error

// OnPaid adds a step to the paid-order transaction. Steps are added while
// app.New builds the app, never after the service runs.
func (s *Service) OnPaid(step PaidStep) *Service {
	s.onPaid = append(s.onPaid, step)
	return s
}

// OnAdjusted adds a step to the refund and dispute transaction.
func (s *Service) OnAdjusted(step AdjustStep) *Service {
	s.onAdjusted = append(s.onAdjusted, step)
	return s
}

// NewService returns the service over the primary. livemode is the
// deployment's mode: events of the other mode are ignored. Connect account
// events go to accounts.
func NewService(primary *bun.DB, accounts *payouts.Service, log *slog.Logger, livemode bool) *Service {
	s := &Service{db: primary, payouts: accounts, log: log, livemode: livemode}
	s.paid = batch.New("paying webhook deliveries", batchSlots, batchMax, s.payBatch, log)
	return s
}

// WithReceipts makes the service call wake after committing an order that
// owes a receipt (its receipts_outbox row is written either way);
// receipts.Sender.Wake is the one app.New passes.
func (s *Service) WithReceipts(wake func()) *Service {
	s.wakeReceipts = wake
	return s
}

// WithSales makes the service call wake after committing a change to the
// sales ledger (an order paid, or fully refunded); catalog.Sales.Wake is the
// one app.New passes. Without it the ledger waits for its applier's poll.
func (s *Service) WithSales(wake func()) *Service {
	s.wakeSales = wake
	return s
}

// WithObserver tells o of every paying delivery whose shared batch failed
// and that ran again on its own (Observer.WebhookAlone).
func (s *Service) WithObserver(o Observer) *Service {
	s.paid.Alone = o.WebhookAlone
	return s
}

// effect is what must happen after the transaction commits.
type effect struct {
	receipt bool // a receipt became owed: wake the sender
	sales   bool // the sales ledger changed: wake its applier
	fresh   bool // the event was new (else a duplicate: nothing was done)
}

// Outcome is what a verified delivery came to.
type Outcome string

// The outcomes of Apply.
const (
	Applied   Outcome = "applied"   // new, and applied
	Duplicate Outcome = "duplicate" // recorded before: nothing was done
	Ignored   Outcome = "ignored"   // the other mode's, the wrong endpoint's, or a type Claro does not handle
)

// Handle applies one verified event that arrived on endpoint ep. It returns an
// error only when the event must be retried (Stripe redelivers on a non-2xx).
// A delivery that pays a session goes to the paid-order writer, batched with
// any arriving at the same time; every other event is applied on its own.
func (s *Service) Handle(ctx context.Context, ep payments.Endpoint, e *payments.Event) error {
	_, err := s.Apply(ctx, ep, e)
	return err
}

// Apply is Handle, saying what the delivery came to when err is nil.
func (s *Service) Apply(ctx context.Context, ep payments.Endpoint, e *payments.Event) (Outcome, error) {
	o, _, err := s.applyDelivery(ctx, ep, e, nil)
	return o, err
}

// applyDelivery is Apply for a webhook delivery whose row is record (nil:
// not kept; its Outcome is filled in). A delivery that pays a session has
// its row written in the paying transaction, and recorded says so; any
// other is left for the caller to record (Deliveries.Record).
func (s *Service) applyDelivery(ctx context.Context, ep payments.Endpoint, e *payments.Event, record *Delivery) (o Outcome, recorded bool, err error) {
	if e.Livemode != s.livemode {
		s.log.Info("stripe event ignored: other mode", "event", e.ID, "type", e.Type, "livemode", e.Livemode)
		return Ignored, false, nil
	}
	if (ep == payments.ConnectEndpoint) != (e.Account != "") {
		s.log.Warn("stripe event ignored: wrong endpoint for its account", "event", e.ID, "type", e.Type, "account", e.Account)
		return Ignored, false, nil
	}
	if !handled(ep, e.Type) {
		return Ignored, false, nil
	}
	if e.Session != nil && wanted(e) == StatusPaid {
		d := &paying{e: e, record: record}
		if err := s.paid.Do(ctx, d); err != nil {
			return "", false, err
		}
		return outcome(d.fresh), record != nil, nil
	}
	var eff effect
	err = s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		eff = effect{}
		return s.apply(ctx, tx, e, &eff)
	})
	if err != nil {
		return "", false, err
	}
	s.after(eff)
	return outcome(eff.fresh), false, nil
}

func outcome(fresh bool) Outcome {
	if fresh {
		return Applied
	}
	return Duplicate
}

// recordSQL records the events in the CTE i (event_id, type, account,
// livemode, created), in id order, and returns the ids that are new: a
// duplicate ends here. A concurrent duplicate waits on the id's unique index
// until the first delivery commits (then it is a duplicate) or rolls back
// (then it is new). The id order keeps two transactions recording several ids
// each from waiting on each other in a circle. Session events are recorded by
// the same text inside claim's statement.
const recordSQL = `INSERT INTO stripe_events (id, type, account, livemode, created)
		SELECT event_id, type, account, livemode, created FROM i ORDER BY event_id
		ON CONFLICT (id) DO NOTHING RETURNING id`

// recordEvent records an event that is not a session's and reports whether it
// is new.
func recordEvent(ctx context.Context, tx bun.Tx, e *payments.Event) (bool, error) {
	rows, err := tx.Tx.QueryContext(ctx, `WITH i AS (
			SELECT $1::text AS event_id, $2::text AS type, $3::text AS account, $4::boolean AS livemode, $5::timestamptz AS created
		) `+recordSQL, db.Prepared(e.ID, e.Type, e.Account, e.Livemode, e.Created)...)
	if err != nil {
		return false, err
	}
	defer rows.Close()
	fresh := rows.Next()
	return fresh, rows.Err()
}

// after carries out what a committed event left to do.
func (s *Service) after(eff effect) {
	if eff.receipt && s.wakeReceipts != nil {
		s.wakeReceipts()
	}
	if eff.sales && s.wakeSales != nil {
		s.wakeSales()
	}
}

func handled(ep payments.Endpoint, typ string) bool {
	if ep == payments.ConnectEndpoint {
		return payouts.Handles(typ)
	}
	switch typ {
	case "checkout.session.completed", "checkout.session.async_payment_succeeded",
		"checkout.session.async_payment_failed", "charge.refunded", "charge.dispute.created":
		return true
	}
	return false
}

// apply records and applies an event that does not pay a session, in tx.
func (s *Service) apply(ctx context.Context, tx bun.Tx, e *payments.Event, eff *effect) error {
	if e.Session != nil {
		return s.session(ctx, tx, e, eff) // recorded with its checkout's claim
	}
	fresh, err := recordEvent(ctx, tx, e)
	eff.fresh = fresh
	if err != nil || !fresh {
		return err // a duplicate: already applied, or being applied by the delivery we waited for
	}
	switch {
	case e.Charge != nil:
		eff.sales = true // a full refund takes its units back off the ledger
		return s.refund(ctx, tx, e)
	case e.Dispute != nil:
		return s.dispute(ctx, tx, e)
	case e.Account != "":
		return s.payouts.Apply(ctx, tx, e)
	}
	s.log.Warn("stripe event without the object its type promises", "event", e.ID, "type", e.Type)
	return nil
}
