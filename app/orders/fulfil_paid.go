package orders

import (
	"context"
	"database/sql"
	"errors"

	"github.com/claro-market/claro/app/db"
	"github.com/uptrace/bun"
)

// insertPaid writes a paid session's order in one statement: the order (paid),
// its items, its entitlements, the checkout completed, the receipt owed, and
// whether a refund or dispute is waiting for it. It reports false, having
// written nothing, when the session already has an order.
func (s *Service) insertPaid(ctx context.Context, tx bun.Tx, o newOrder, eff *effect) (bool, error) {
	ck := o.ck
	var orderID int64
	var pending bool
	err := tx.Tx.QueryRowContext(ctx, `WITH o AS (
			INSERT INTO orders (tenant_id, checkout_id, user_id, email, stripe_checkout_session_id, stripe_payment_intent_id,
				amount_total_cents, application_fee_cents, currency, status, paid_at)
			VALUES ($1, $2, $3, lower($4), $5, $6, $7, $8, $9, 'paid', now())
			ON CONFLICT (stripe_checkout_session_id) DO NOTHING
			RETURNING id, tenant_id, user_id, email
		), items AS (
			INSERT INTO order_items (order_id, tenant_id, product_id, title, unit_price_cents, quantity)
			SELECT o.id, ci.tenant_id, ci.product_id, ci.title, ci.unit_price_cents, ci.quantity
			FROM o JOIN checkout_items ci ON ci.checkout_id = $2
			RETURNING order_id, tenant_id, product_id, quantity
		), grants AS (
			INSERT INTO entitlements (tenant_id, user_id, email, product_id, order_id)
			SELECT i.tenant_id, o.user_id, o.email, i.product_id, o.id FROM items i JOIN o ON o.id = i.order_id
			ON CONFLICT (order_id, product_id) DO NOTHING
		), sales AS (
			INSERT INTO sales_ledger (product_id, units) SELECT product_id, quantity FROM items
		), done AS (
			UPDATE checkouts SET status = 'completed', updated_at = now() WHERE id = $2 AND EXISTS (SELECT 1 FROM o)
		), receipt AS (
			INSERT INTO receipts_outbox (order_id) SELECT id FROM o ON CONFLICT (order_id) DO NOTHING
		)
		SELECT o.id,
			EXISTS (SELECT 1 FROM pending_adjustments WHERE stripe_payment_intent_id = $6 AND applied_at IS NULL)
		FROM o`,
		db.Prepared(ck.TenantID, ck.ID, ck.Buyer, o.email, o.sessionID, o.pi, ck.Amount, ck.Fee, ck.Currency)...).Scan(&orderID, &pending)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	eff.receipt, eff.sales = true, true
	if pending {
		return true, s.applyPending(ctx, tx, orderID, o.pi)
	}
	return true, nil
}

// markPaid moves a pending order to paid in one statement: entitlements
// granted, checkout completed, receipt owed, its units on the sales ledger. It
// runs once per order: only from pending.
func (s *Service) markPaid(ctx context.Context, tx bun.Tx, orderID, checkoutID int64, eff *effect) error {
	if _, err := tx.NewRaw(`WITH paid AS (
			UPDATE orders SET status = 'paid', paid_at = now(), updated_at = now() WHERE id = ? RETURNING id, user_id, email
		), done AS (
			UPDATE checkouts SET status = 'completed', updated_at = now() WHERE id = ?
		), grants AS (
			INSERT INTO entitlements (tenant_id, user_id, email, product_id, order_id)
			SELECT oi.tenant_id, p.user_id, p.email, oi.product_id, p.id FROM order_items oi JOIN paid p ON p.id = oi.order_id
			ON CONFLICT (order_id, product_id) DO NOTHING
		), sales AS (
			INSERT INTO sales_ledger (product_id, units)
			SELECT oi.product_id, oi.quantity FROM order_items oi JOIN paid p ON p.id = oi.order_id
		)
		INSERT INTO receipts_outbox (order_id) SELECT id FROM paid ON CONFLICT (order_id) DO NOTHING`,
		orderID, checkoutID).Exec(ctx); err != nil {
		return err
	}
	eff.receipt, eff.sales = true, true
	return nil
}

// undoSales takes a fully refunded order's units back off the sales ledger:
// bestseller counts stop counting money that went back.
func (s *Service) undoSales(ctx context.Context, tx bun.Tx, orderID int64) error {
	_, err := tx.NewRaw(`INSERT INTO sales_ledger (product_id, units)
		SELECT product_id, -quantity FROM order_items WHERE order_id = ?`, orderID).Exec(ctx)
	return err
}
