package orders

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/claro-market/claro/app/db"
	"github.com/claro-market/claro/app/payments"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/uptrace/bun"
)

// paidOrder writes a paid order for each checkout in the CTE ck (columns id,
// tenant_id, buyer, amount_total_cents, application_fee_cents, currency, and
// the delivery's session_id, order_email and pi, the payment intent or
// empty): the order (paid), its items, its entitlements, its units on the
// sales ledger, the checkout completed and the receipt owed. A session that
// already has an order gets nothing.
const paidOrder = `o AS (
		INSERT INTO orders (tenant_id, checkout_id, user_id, email, stripe_checkout_session_id, stripe_payment_intent_id,
			amount_total_cents, application_fee_cents, currency, status, paid_at)
		SELECT ck.tenant_id, ck.id, ck.buyer, ck.order_email, ck.session_id, nullif(ck.pi, ''),
			ck.amount_total_cents, ck.application_fee_cents, ck.currency, 'paid', now()
		FROM ck
		ON CONFLICT (stripe_checkout_session_id) DO NOTHING
		RETURNING id, tenant_id, user_id, email, checkout_id, stripe_checkout_session_id
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

// lockedCheckout selects, for applyPaid, the checkout a new
// event (in the CTE ev) pays for, from the deliveries in i (session_id,
// email, pi, amount, currency): by session id and only at the amount priced,
// locked as findCheckout locks it, payment intent included, and only after
// every event in ev is recorded.
var lockedCheckout = `SELECT c.id, c.tenant_id, coalesce(c.user_id, u.id) AS buyer, c.amount_total_cents,
			c.application_fee_cents, c.currency, i.session_id, lower(coalesce(nullif(i.email, ''), c.email)) AS order_email, i.pi,
			CASE WHEN i.pi <> '' THEN pg_advisory_xact_lock(` + strconv.Itoa(piLockClass) + `, hashtext(i.pi))::text END AS pi_lock
		FROM i JOIN checkouts c ON c.stripe_checkout_session_id = i.session_id AND c.amount_total_cents = i.amount AND c.currency = i.currency
		LEFT JOIN users u ON c.user_id IS NULL AND u.email = lower(coalesce(nullif(i.email, ''), c.email))
		WHERE i.event_id = ANY (ARRAY(SELECT id FROM ev))
		FOR UPDATE OF c`

// paidResult is what the statement answers for each delivery: 0 for a
// duplicate (nothing written), else the new order. Reading the pending
// adjustments through claro_adjustment_pending (migration 0015) gives them a
// snapshot of their own, taken after the order's locks are held: it sees a
// refund that committed while the lock was awaited, which the statement's
// snapshot does not. CASE keeps that order; a delivery that is not the common
// case raises errFallback.
const paidResult = `CASE WHEN ev.id IS NULL THEN 0
			WHEN o.id IS NOT NULL AND NOT claro_adjustment_pending(i.pi) THEN o.id
			ELSE claro_paid_first_fallback() END`

// insertPaid writes a paid session's order for a checkout found and locked
// (findCheckout) in one statement. It reports false, having written nothing,
// when the session already has an order.
func (s *Service) insertPaid(ctx context.Context, tx bun.Tx, o newOrder, eff *effect) (bool, error) {
	ck := o.ck
	var orderID int64
	var pending bool
	err := tx.Tx.QueryRowContext(ctx, `WITH ck AS (
			SELECT $1::bigint AS id, $2::bigint AS tenant_id, $3::bigint AS buyer, lower($4::text) AS order_email,
				$5::bigint AS amount_total_cents, $8::bigint AS application_fee_cents, $9::text AS currency,
				$6::text AS session_id, $7::text AS pi
		), `+paidOrder+`
		SELECT o.id, claro_adjustment_pending($7) FROM o`,
		db.Prepared(ck.ID, ck.TenantID, ck.Buyer, o.email, ck.Amount, o.sessionID, o.pi, ck.Fee, ck.Currency)...).
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
// no refund or dispute waiting for it. It reports true when it is done: the
// order written, or the event a duplicate (nothing written). Any other
// delivery (the session id not stored yet, an amount that differs, an order
// the session already has, an adjustment waiting) makes the statement raise
// errFallback, which undoes the event's row: it reports false, and the
// general path applies the event in a transaction of its own.
func (s *Service) paidFirst(ctx context.Context, e *payments.Event, eff *effect) (bool, error) {
	orders, err := s.applyPaid(ctx, []*payments.Event{e})
	return settle(orders[e.ID], err, eff)
}

// settle turns applyPaid's answer for one delivery into paidFirst's.
func settle(orderID int64, err error, eff *effect) (bool, error) {
	switch {
	case isFallback(err):
		return false, nil
	case err != nil:
		return false, err
	case orderID != 0:
		eff.receipt, eff.sales = true, true
	}
	return true, nil
}

// applyPaid runs the one statement for first paid deliveries, for one
// delivery or a batch of them with distinct events and sessions, and returns
// each event's order (0 for a duplicate: nothing written). It records the
// events first, in id order; only new events then lock their checkouts, in
// session order, and payment intents as findCheckout does, and write their
// orders as insertPaid does. Two statements therefore never wait on each
// other in a circle. A delivery that is not the common case makes the whole
// statement raise errFallback and undo itself.
func (s *Service) applyPaid(ctx context.Context, events []*payments.Event) (map[string]int64, error) {
	events = slices.Clone(events)
	slices.SortFunc(events, func(a, b *payments.Event) int { return strings.Compare(a.Session.ID, b.Session.ID) })
	n := len(events)
	ids, types, accounts, sessionIDs, emails, pis, currencies := make([]string, n), make([]string, n), make([]string, n),
		make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	livemodes, created, amounts := make([]bool, n), make([]time.Time, n), make([]int64, n)
	for k, e := range events {
		sess := e.Session
		ids[k], types[k], accounts[k], livemodes[k], created[k] = e.ID, e.Type, e.Account, e.Livemode, e.Created
		sessionIDs[k], emails[k], pis[k], amounts[k], currencies[k] = sess.ID, sess.Email, sess.PaymentIntentID, sess.AmountTotal, sess.Currency
	}
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
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	orders := make(map[string]int64, n)
	for rows.Next() {
		var id string
		var orderID int64
		if err := rows.Scan(&id, &orderID); err != nil {
			return nil, err
		}
		orders[id] = orderID
	}
	return orders, rows.Err()
}

// isFallback reports whether err is the statement's own errFallback.
func isFallback(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == errFallback
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
