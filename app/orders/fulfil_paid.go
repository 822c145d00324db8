package orders

import (
	"context"
	"database/sql"

	"github.com/uptrace/bun"
)

// sold is one product line an order sold, for the sales counters.
type sold struct {
	OrderID   int64         `bun:"order_id"`
	ProductID sql.NullInt64 `bun:"product_id"`
	Quantity  int           `bun:"quantity"`
	Pending   bool          `bun:"pending"`
}

// insertPaid writes a paid session's order in one statement: the order (paid),
// its items, its entitlements, the checkout completed, the receipt owed, and
// whether a refund or dispute is waiting for it. It reports false, having
// written nothing, when the session already has an order.
func (s *Service) insertPaid(ctx context.Context, tx bun.Tx, o newOrder, eff *effect) (bool, error) {
	ck := o.ck
	var rows []sold
	err := tx.NewRaw(`WITH o AS (
			INSERT INTO orders (tenant_id, checkout_id, user_id, email, stripe_checkout_session_id, stripe_payment_intent_id,
				amount_total_cents, application_fee_cents, currency, status, paid_at)
			VALUES (?, ?, ?, lower(?), ?, ?, ?, ?, ?, 'paid', now())
			ON CONFLICT (stripe_checkout_session_id) DO NOTHING
			RETURNING id, tenant_id, user_id, email
		), items AS (
			INSERT INTO order_items (order_id, tenant_id, product_id, title, unit_price_cents, quantity)
			SELECT o.id, ci.tenant_id, ci.product_id, ci.title, ci.unit_price_cents, ci.quantity
			FROM o JOIN checkout_items ci ON ci.checkout_id = ?
			RETURNING order_id, tenant_id, product_id, quantity
		), grants AS (
			INSERT INTO entitlements (tenant_id, user_id, email, product_id, order_id)
			SELECT i.tenant_id, o.user_id, o.email, i.product_id, o.id FROM items i JOIN o ON o.id = i.order_id
			ON CONFLICT (order_id, product_id) DO NOTHING
		), done AS (
			UPDATE checkouts SET status = 'completed', updated_at = now() WHERE id = ? AND EXISTS (SELECT 1 FROM o)
		), receipt AS (
			INSERT INTO receipts_outbox (order_id) SELECT id FROM o ON CONFLICT (order_id) DO NOTHING
		)
		SELECT o.id AS order_id, i.product_id, coalesce(i.quantity, 0) AS quantity,
			EXISTS (SELECT 1 FROM pending_adjustments WHERE stripe_payment_intent_id = ? AND applied_at IS NULL) AS pending
		FROM o LEFT JOIN items i ON true ORDER BY i.product_id`,
		ck.TenantID, ck.ID, ck.Buyer, o.email, o.sessionID, o.pi, ck.Amount, ck.Fee, ck.Currency, ck.ID, ck.ID, o.pi).Scan(ctx, &rows)
	if err != nil || len(rows) == 0 {
		return false, err
	}
	eff.receipt = true
	if err := s.recordSales(ctx, tx, rows); err != nil {
		return true, err
	}
	if rows[0].Pending {
		return true, s.applyPending(ctx, tx, rows[0].OrderID, o.pi)
	}
	return true, nil
}

// markPaid moves a pending order to paid in one statement: entitlements
// granted, checkout completed, receipt owed; then the sales counters. It runs
// once per order: only from pending.
func (s *Service) markPaid(ctx context.Context, tx bun.Tx, orderID, checkoutID int64, eff *effect) error {
	var rows []sold
	if err := tx.NewRaw(`WITH paid AS (
			UPDATE orders SET status = 'paid', paid_at = now(), updated_at = now() WHERE id = ? RETURNING id, user_id, email
		), done AS (
			UPDATE checkouts SET status = 'completed', updated_at = now() WHERE id = ?
		), grants AS (
			INSERT INTO entitlements (tenant_id, user_id, email, product_id, order_id)
			SELECT oi.tenant_id, p.user_id, p.email, oi.product_id, p.id FROM order_items oi JOIN paid p ON p.id = oi.order_id
			ON CONFLICT (order_id, product_id) DO NOTHING
		), receipt AS (
			INSERT INTO receipts_outbox (order_id) SELECT id FROM paid ON CONFLICT (order_id) DO NOTHING
		)
		SELECT order_id, product_id, quantity FROM order_items WHERE order_id = ? ORDER BY product_id`,
		orderID, checkoutID, orderID).Scan(ctx, &rows); err != nil {
		return err
	}
	eff.receipt = true
	return s.recordSales(ctx, tx, rows)
}

// recordSales records every unit sold through recordSale
// (products.sales_count, and search's trending score when wired), in product
// order so concurrent orders lock products in the same order.
func (s *Service) recordSales(ctx context.Context, tx bun.Tx, rows []sold) error {
	now := nowUTC()
	for _, r := range rows {
		if !r.ProductID.Valid {
			continue
		}
		for range r.Quantity {
			if err := s.recordSale(ctx, tx, r.ProductID.Int64, now); err != nil {
				return err
			}
		}
	}
	return nil
}

// undoSales reverses the sales of a fully refunded order (undoSale is
// search.UndoSale when wired): bestseller counts stop counting money that
// went back.
func (s *Service) undoSales(ctx context.Context, tx bun.Tx, orderID int64) error {
	var rows []sold
	if err := tx.NewRaw(`SELECT order_id, product_id, quantity FROM order_items WHERE order_id = ? ORDER BY product_id`, orderID).
		Scan(ctx, &rows); err != nil {
		return err
	}
	for _, r := range rows {
		for range r.Quantity {
			if err := s.undoSale(ctx, tx, r.ProductID.Int64); err != nil {
				return err
			}
		}
	}
	return nil
}
