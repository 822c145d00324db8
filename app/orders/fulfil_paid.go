package orders

import (
	"context"
	"database/sql"
	"errors"
	"strconv"

	"github.com/claro-market/claro/app/db"
	"github.com/claro-market/claro/app/payments"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/uptrace/bun"
)

// paidOrder writes a paid order for the checkout in the CTE ck (columns id,
// tenant_id, buyer, email, amount_total_cents, application_fee_cents,
// currency): the order (paid), its items, its entitlements, its units on the
// sales ledger, the checkout completed and the receipt owed. $6 is the session
// id, $7 the email paid with (or empty), $8 the payment intent (or empty). It writes
// nothing when the session already has an order.
const paidOrder = `o AS (
		INSERT INTO orders (tenant_id, checkout_id, user_id, email, stripe_checkout_session_id, stripe_payment_intent_id,
			amount_total_cents, application_fee_cents, currency, status, paid_at)
		SELECT ck.tenant_id, ck.id, ck.buyer, lower(coalesce(nullif($7, ''), ck.email)), $6, nullif($8, ''),
			ck.amount_total_cents, ck.application_fee_cents, ck.currency, 'paid', now()
		FROM ck
		ON CONFLICT (stripe_checkout_session_id) DO NOTHING
		RETURNING id, tenant_id, user_id, email, checkout_id
	), items AS (
		INSERT INTO order_items (order_id, tenant_id, product_id, title, unit_price_cents, quantity)
		SELECT o.id, ci.tenant_id, ci.product_id, ci.title, ci.unit_price_cents, ci.quantity
		FROM o JOIN checkout_items ci ON ci.checkout_id = o.checkout_id
		RETURNING order_id, tenant_id, product_id, quantity
	), grants AS (
		INSERT INTO entitlements (tenant_id, user_id, email, product_id, order_id)
		SELECT i.tenant_id, o.user_id, o.email, i.product_id, o.id FROM items i JOIN o ON o.id = i.order_id
		ON CONFLICT (order_id, product_id) DO NOTHING
	), sales AS (
		INSERT INTO sales_ledger (product_id, units) SELECT product_id, quantity FROM items
	), done AS (
		UPDATE checkouts SET status = 'completed', updated_at = now() WHERE id IN (SELECT checkout_id FROM o)
	), receipt AS (
		INSERT INTO receipts_outbox (order_id) SELECT id FROM o ON CONFLICT (order_id) DO NOTHING
	)`

// pendingAdjustment reports, beside a new order, whether a refund or dispute
// of its payment intent ($8) arrived before it. It reads with its own
// snapshot (see migration 0015), taken after the statement holds the payment
// intent's lock: it sees a refund that committed while the lock was awaited.
const pendingAdjustment = `claro_adjustment_pending($8)`

// insertPaid writes a paid session's order for a checkout found and locked
// (findCheckout) in one statement. It reports false, having written nothing,
// when the session already has an order.
func (s *Service) insertPaid(ctx context.Context, tx bun.Tx, o newOrder, eff *effect) (bool, error) {
	ck := o.ck
	var orderID int64
	var pending bool
	err := tx.Tx.QueryRowContext(ctx, `WITH ck AS (
			SELECT $1::bigint AS id, $2::bigint AS tenant_id, $3::bigint AS buyer, $4::text AS email,
				$5::bigint AS amount_total_cents, $9::bigint AS application_fee_cents, $10::text AS currency
		), `+paidOrder+`
		SELECT o.id, `+pendingAdjustment+` FROM o`,
		db.Prepared(ck.ID, ck.TenantID, ck.Buyer, ck.Email, ck.Amount, o.sessionID, o.email, o.piString(), ck.Fee, ck.Currency)...).
		Scan(&orderID, &pending)
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

// errFallback is the SQLSTATE claro_paid_first_fallback() raises (migration
// 0015): paidFirst's statement met a delivery it does not apply, and rolled
// itself back.
const errFallback = "CL001"

// paidFirst applies the common delivery in one statement and one round trip,
// as its own transaction: the first delivery of a paid session (wanted is
// StatusPaid) whose checkout carries its session id and the amount paid, with
// no refund or dispute waiting for it. It records the event; only if the event
// is new does it lock the checkout and the payment intent as findCheckout
// does, then write the order as insertPaid does. It reports true when it is
// done: the order written, or the event a duplicate (nothing written). Any
// other delivery (the session id not stored yet, an amount that differs, an
// order the session already has, an adjustment waiting) makes the statement
// raise errFallback, which undoes the event's row: it reports false, and the
// general path applies the event in a transaction of its own.
func (s *Service) paidFirst(ctx context.Context, e *payments.Event, eff *effect) (bool, error) {
	sess := e.Session
	var orderID int64
	err := s.db.DB.QueryRowContext(ctx, `WITH ev AS (
			INSERT INTO stripe_events (id, type, account, livemode, created) VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (id) DO NOTHING RETURNING id
		), ck AS (
			SELECT c.id, c.tenant_id, coalesce(c.user_id, u.id) AS buyer, c.email, c.amount_total_cents,
				c.application_fee_cents, c.currency,
				CASE WHEN $8 <> '' THEN pg_advisory_xact_lock(`+strconv.Itoa(piLockClass)+`, hashtext($8))::text END AS pi_lock
			FROM checkouts c LEFT JOIN users u ON c.user_id IS NULL AND u.email = lower(coalesce(nullif($7, ''), c.email))
			WHERE c.stripe_checkout_session_id = $6 AND c.amount_total_cents = $9 AND c.currency = $10
				AND EXISTS (SELECT 1 FROM ev)
			FOR UPDATE OF c
		), `+paidOrder+`
		-- CASE keeps the order: the event first, then the order (which takes
		-- the locks), then the adjustments, read after the locks are held.
		SELECT CASE WHEN NOT fresh THEN 0
			WHEN order_id IS NOT NULL AND NOT `+pendingAdjustment+` THEN order_id
			ELSE claro_paid_first_fallback() END
		FROM (SELECT EXISTS (SELECT 1 FROM ev) AS fresh, (SELECT id FROM o) AS order_id) AS r`,
		db.Prepared(e.ID, e.Type, e.Account, e.Livemode, e.Created, sess.ID, sess.Email, sess.PaymentIntentID,
			sess.AmountTotal, sess.Currency)...).Scan(&orderID)
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == errFallback {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if orderID != 0 {
		eff.receipt, eff.sales = true, true
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
