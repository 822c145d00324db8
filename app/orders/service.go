// Package orders turns Stripe's webhook events into orders, entitlements,
// refunds and disputes, and keeps each store's Connect account state. Every
// event is applied in one transaction on the primary that first records its
// id, so a duplicate delivery, however concurrent, ends there; orders are
// unique on their Checkout Session, so two events for one session make one
// order. Events may arrive in any order and converge. The common delivery, a
// first paid checkout.session.completed, is one statement (paidFirst), and
// such deliveries arriving together share one (batch.go).
package orders

import (
	"context"
	"log/slog"

	"github.com/claro-market/claro/app/db"
	"github.com/claro-market/claro/app/payments"
	"github.com/uptrace/bun"
)

// Service applies verified events.
type Service struct {
	db           *bun.DB
	log          *slog.Logger
	livemode     bool
	wakeReceipts func()
	wakeSales    func()
	batch        *paidBatch
}

// NewService returns the service over the primary. livemode is the
// deployment's mode: events of the other mode are ignored. A store whose
// charges change is announced to every cache by the tenants trigger
// (db.Changes), so the service drops no cache itself.
func NewService(primary *bun.DB, log *slog.Logger, livemode bool) *Service {
	return &Service{db: primary, log: log, livemode: livemode, batch: newPaidBatch()}
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

// effect is what must happen after the transaction commits.
type effect struct {
	receipt bool // a receipt became owed: wake the sender
	sales   bool // the sales ledger changed: wake its applier
}

// Handle applies one verified event that arrived on endpoint ep. It returns an
// error only when the event must be retried (Stripe redelivers on a non-2xx).
func (s *Service) Handle(ctx context.Context, ep payments.Endpoint, e *payments.Event) error {
	if e.Livemode != s.livemode {
		s.log.Info("stripe event ignored: other mode", "event", e.ID, "type", e.Type, "livemode", e.Livemode)
		return nil
	}
	if (ep == payments.ConnectEndpoint) != (e.Account != "") {
		s.log.Warn("stripe event ignored: wrong endpoint for its account", "event", e.ID, "type", e.Type, "account", e.Account)
		return nil
	}
	if !handled(ep, e.Type) {
		return nil
	}
	var eff effect
	if e.Session != nil && wanted(e) == StatusPaid {
		// The common delivery, in one statement; anything else falls through.
		done, err := s.paidFirstBatched(ctx, e, &eff)
		if err != nil {
			return err
		}
		if done {
			s.after(eff)
			return nil
		}
	}
	err := s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		eff = effect{}
		res, err := tx.Tx.ExecContext(ctx, `INSERT INTO stripe_events (id, type, account, livemode, created) VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (id) DO NOTHING`, db.Prepared(e.ID, e.Type, e.Account, e.Livemode, e.Created)...)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return err // a duplicate: already applied, or being applied by the delivery we waited for
		}
		return s.apply(ctx, tx, e, &eff)
	})
	if err != nil {
		return err
	}
	s.after(eff)
	return nil
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
		return typ == "account.updated" || typ == "account.application.deauthorized"
	}
	switch typ {
	case "checkout.session.completed", "checkout.session.async_payment_succeeded",
		"checkout.session.async_payment_failed", "charge.refunded", "charge.dispute.created":
		return true
	}
	return false
}

func (s *Service) apply(ctx context.Context, tx bun.Tx, e *payments.Event, eff *effect) error {
	switch {
	case e.Session != nil:
		return s.session(ctx, tx, e, eff)
	case e.Charge != nil:
		eff.sales = true // a full refund takes its units back off the ledger
		return s.refund(ctx, tx, e)
	case e.Dispute != nil:
		return s.dispute(ctx, tx, e)
	case e.Type == "account.updated" && e.Connect != nil:
		return s.accountUpdated(ctx, tx, e, eff)
	case e.Type == "account.application.deauthorized":
		return s.deauthorized(ctx, tx, e, eff)
	}
	s.log.Warn("stripe event without the object its type promises", "event", e.ID, "type", e.Type)
	return nil
}
