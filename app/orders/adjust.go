package orders

import (
	"context"
	"database/sql"
	"errors"

	"github.com/claro-market/claro/app/payments"
	"github.com/uptrace/bun"
)

// adjustment is a refund or dispute to apply to an order.
type adjustment struct {
	kind     string // refund or dispute
	refunded int64  // cents refunded so far on the charge (refunds)
	full     bool   // the charge is refunded in full
}

// refund applies charge.refunded: a full refund revokes access, a partial one
// keeps it. An order not written yet gets the refund when it is.
func (s *Service) refund(ctx context.Context, tx bun.Tx, e *payments.Event) error {
	ch := e.Charge
	if ch.PaymentIntentID == "" {
		s.log.Warn("charge.refunded without a payment intent; ignored", "event", e.ID, "charge", ch.ID)
		return nil
	}
	a := adjustment{kind: "refund", refunded: ch.AmountRefunded, full: ch.Refunded || ch.AmountRefunded >= ch.Amount}
	return s.adjust(ctx, tx, e.ID, ch.PaymentIntentID, a)
}

// dispute applies charge.dispute.created: access is revoked while the money is
// contested.
func (s *Service) dispute(ctx context.Context, tx bun.Tx, e *payments.Event) error {
	if e.Type != "charge.dispute.created" {
		return nil
	}
	d := e.Dispute
	if d.PaymentIntentID == "" {
		s.log.Warn("dispute without a payment intent; ignored", "event", e.ID, "dispute", d.ID, "charge", d.ChargeID)
		return nil
	}
	return s.adjust(ctx, tx, e.ID, d.PaymentIntentID, adjustment{kind: "dispute"})
}

func (s *Service) adjust(ctx context.Context, tx bun.Tx, eventID, pi string, a adjustment) error {
	// The payment intent's lock, in its own statement: the order lookup below
	// then sees an order whose writer held it (see claim), and a writer
	// that comes later sees the pending adjustment.
	if _, err := tx.NewRaw(`SELECT pg_advisory_xact_lock(`+piLock+`, hashtext(?))::text`, pi).Exec(ctx); err != nil {
		return err
	}
	var orderID int64
	err := tx.NewRaw(`SELECT id FROM orders WHERE stripe_payment_intent_id = ? FOR UPDATE`, pi).Scan(ctx, &orderID)
	if errors.Is(err, sql.ErrNoRows) {
		_, err = tx.NewRaw(`INSERT INTO pending_adjustments (stripe_payment_intent_id, kind, amount_refunded_cents, full_refund, stripe_event_id)
			VALUES (?, ?, ?, ?, ?)`, pi, a.kind, a.refunded, a.full, eventID).Exec(ctx)
		return err
	}
	if err != nil {
		return err
	}
	return s.applyAdjustment(ctx, tx, orderID, a)
}

// applyPending applies the refunds and disputes that arrived before the order
// (locked by the caller) and marks them applied.
func (s *Service) applyPending(ctx context.Context, tx bun.Tx, orderID int64, pi string) error {
	if pi == "" {
		return nil
	}
	var rows []struct {
		ID       int64  `bun:"id"`
		Kind     string `bun:"kind"`
		Refunded int64  `bun:"amount_refunded_cents"`
		Full     bool   `bun:"full_refund"`
	}
	if err := tx.NewRaw(`SELECT id, kind, amount_refunded_cents, full_refund FROM pending_adjustments
		WHERE stripe_payment_intent_id = ? AND applied_at IS NULL ORDER BY id FOR UPDATE`, pi).Scan(ctx, &rows); err != nil {
		return err
	}
	for _, r := range rows {
		if err := s.applyAdjustment(ctx, tx, orderID, adjustment{kind: r.Kind, refunded: r.Refunded, full: r.Full}); err != nil {
			return err
		}
		if _, err := tx.NewRaw(`UPDATE pending_adjustments SET applied_at = now() WHERE id = ?`, r.ID).Exec(ctx); err != nil {
			return err
		}
	}
	return nil
}

// applyAdjustment records a refund or dispute on a locked order. Refunded
// amounts only grow (events may arrive out of order); a full refund or a
// dispute revokes every entitlement of the order; a dispute outranks a refund
// in the status shown. The refund that makes a paid order fully refunded
// also takes its sales back out of the counters, once.
func (s *Service) applyAdjustment(ctx context.Context, tx bun.Tx, orderID int64, a adjustment) error {
	var before, after string
	if a.kind == "dispute" {
		if err := tx.NewRaw(`UPDATE orders SET status = 'disputed', updated_at = now() WHERE id = ? RETURNING status`, orderID).
			Scan(ctx, &after); err != nil {
			return err
		}
	} else {
		if err := tx.NewRaw(`UPDATE orders o SET
				amount_refunded_cents = greatest(o.amount_refunded_cents, ?),
				status = CASE
					WHEN o.status IN ('disputed', 'failed') THEN o.status
					WHEN ? OR greatest(o.amount_refunded_cents, ?) >= o.amount_total_cents THEN 'refunded'
					WHEN o.status IN ('paid', 'partially_refunded') THEN 'partially_refunded'
					ELSE o.status END,
				updated_at = now()
			FROM (SELECT status FROM orders WHERE id = ?) prev
			WHERE o.id = ? RETURNING prev.status, o.status`, a.refunded, a.full, a.refunded, orderID, orderID).
			Scan(ctx, &before, &after); err != nil {
			return err
		}
		if after != StatusRefunded {
			return s.adjusted(ctx, tx, Adjusted{Order: orderID, Kind: a.kind, Status: after})
		}
		if before == StatusPaid || before == StatusPartiallyRefunded {
			if err := s.undoSales(ctx, tx, orderID); err != nil {
				return err
			}
		}
	}
	reason := "refunded"
	if a.kind == "dispute" {
		reason = "disputed"
	}
	if _, err := tx.NewRaw(`UPDATE entitlements SET revoked_at = now(), revoke_reason = ? WHERE order_id = ? AND revoked_at IS NULL`,
		reason, orderID).Exec(ctx); err != nil {
		return err
	}
	return s.adjusted(ctx, tx, Adjusted{Order: orderID, Kind: a.kind, Status: after, Revoked: true})
}

// adjusted runs the OnAdjusted steps for an adjustment just applied.
func (s *Service) adjusted(ctx context.Context, tx bun.Tx, a Adjusted) error {
	for _, step := range s.onAdjusted {
		if err := step(ctx, tx, a); err != nil {
			return err
		}
	}
	return nil
}

// undoSales takes a fully refunded order's units back off the sales ledger:
// bestseller counts stop counting money that went back.
func (s *Service) undoSales(ctx context.Context, tx bun.Tx, orderID int64) error {
	_, err := tx.NewRaw(`INSERT INTO sales_ledger (product_id, units)
		SELECT product_id, -quantity FROM order_items WHERE order_id = ?`, orderID).Exec(ctx)
	return err
}
