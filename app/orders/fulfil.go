package orders

import (
	"context"
	"database/sql"
	"errors"
	"strconv"

	"github.com/claro-market/claro/app/payments"
	"github.com/uptrace/bun"
)

// Order statuses.
const (
	StatusPending           = "pending" // completed, payment still on its way (a delayed method)
	StatusPaid              = "paid"
	StatusFailed            = "failed"
	StatusPartiallyRefunded = "partially_refunded"
	StatusRefunded          = "refunded"
	StatusDisputed          = "disputed"
)

type checkoutRow struct {
	ID       int64
	TenantID int64
	UserID   sql.NullInt64
	Email    string
	Amount   int64
	Fee      int64
	Currency string
}

// session applies checkout.session.completed / async_payment_succeeded /
// async_payment_failed: one fulfil, safe to call any number of times.
func (s *Service) session(ctx context.Context, tx bun.Tx, e *payments.Event) error {
	sess := e.Session
	ck, err := findCheckout(ctx, tx, sess)
	if errors.Is(err, sql.ErrNoRows) {
		s.log.Warn("stripe session matches no checkout; ignored", "event", e.ID, "session", sess.ID, "client_reference_id", sess.ClientReferenceID)
		return nil
	}
	if err != nil {
		return err
	}
	if sess.AmountTotal != ck.Amount || sess.Currency != ck.Currency {
		s.log.Error("ALERT: paid amount differs from the checkout; no order written", "alert", "amount_mismatch",
			"event", e.ID, "session", sess.ID, "checkout", ck.ID, "tenant", ck.TenantID,
			"expected_cents", ck.Amount, "expected_currency", ck.Currency, "paid_cents", sess.AmountTotal, "paid_currency", sess.Currency)
		_, err := tx.NewRaw(`UPDATE checkouts SET status = 'amount_mismatch', updated_at = now() WHERE id = ?`, ck.ID).Exec(ctx)
		return err
	}
	want := StatusPending
	switch {
	case e.Type == "checkout.session.async_payment_failed":
		want = StatusFailed
	case e.Type == "checkout.session.async_payment_succeeded", sess.PaymentStatus == "paid", sess.PaymentStatus == "no_payment_required":
		want = StatusPaid
	}
	userID, err := buyer(ctx, tx, ck, sess.Email)
	if err != nil {
		return err
	}
	email := ck.Email
	if sess.Email != "" {
		email = sess.Email
	}
	var pi any
	if sess.PaymentIntentID != "" {
		pi = sess.PaymentIntentID
	}
	var orderID int64
	err = tx.NewRaw(`INSERT INTO orders (tenant_id, checkout_id, user_id, email, stripe_checkout_session_id, stripe_payment_intent_id,
			amount_total_cents, application_fee_cents, currency, status)
		VALUES (?, ?, ?, lower(?), ?, ?, ?, ?, ?, 'pending')
		ON CONFLICT (stripe_checkout_session_id) DO NOTHING RETURNING id`,
		ck.TenantID, ck.ID, userID, email, sess.ID, pi, ck.Amount, ck.Fee, ck.Currency).Scan(ctx, &orderID)
	inserted := err == nil
	if errors.Is(err, sql.ErrNoRows) {
		err = tx.NewRaw(`SELECT id FROM orders WHERE stripe_checkout_session_id = ?`, sess.ID).Scan(ctx, &orderID)
	}
	if err != nil {
		return err
	}
	var status string
	if err := tx.NewRaw(`SELECT status FROM orders WHERE id = ? FOR UPDATE`, orderID).Scan(ctx, &status); err != nil {
		return err
	}
	if inserted {
		if _, err := tx.NewRaw(`INSERT INTO order_items (order_id, tenant_id, product_id, title, unit_price_cents, quantity)
			SELECT ?, tenant_id, product_id, title, unit_price_cents, quantity FROM checkout_items WHERE checkout_id = ?`,
			orderID, ck.ID).Exec(ctx); err != nil {
			return err
		}
	}
	if status != StatusPending || want == StatusPending {
		return s.applyPending(ctx, tx, orderID, pi) // paid, failed, refunded... are final for fulfilment
	}
	if want == StatusFailed {
		if _, err := tx.NewRaw(`UPDATE orders SET status = 'failed', updated_at = now() WHERE id = ?`, orderID).Exec(ctx); err != nil {
			return err
		}
		_, err := tx.NewRaw(`UPDATE checkouts SET status = 'failed', updated_at = now() WHERE id = ?`, ck.ID).Exec(ctx)
		return err
	}
	if err := s.markPaid(ctx, tx, orderID, ck.ID); err != nil {
		return err
	}
	return s.applyPending(ctx, tx, orderID, pi)
}

// markPaid moves a pending order to paid: entitlements granted, checkout
// completed, sales counters bumped. It runs once per order: only from pending.
func (s *Service) markPaid(ctx context.Context, tx bun.Tx, orderID, checkoutID int64) error {
	if _, err := tx.NewRaw(`UPDATE orders SET status = 'paid', paid_at = now(), updated_at = now() WHERE id = ?`, orderID).Exec(ctx); err != nil {
		return err
	}
	if _, err := tx.NewRaw(`UPDATE checkouts SET status = 'completed', updated_at = now() WHERE id = ?`, checkoutID).Exec(ctx); err != nil {
		return err
	}
	if _, err := tx.NewRaw(`INSERT INTO entitlements (tenant_id, user_id, email, product_id, order_id)
		SELECT oi.tenant_id, o.user_id, o.email, oi.product_id, o.id FROM order_items oi JOIN orders o ON o.id = oi.order_id
		WHERE o.id = ? ON CONFLICT (order_id, product_id) DO NOTHING`, orderID).Exec(ctx); err != nil {
		return err
	}
	return s.bumpCounters(ctx, tx, orderID)
}

// bumpCounters records every unit the order sold through recordSale
// (products.sales_count, and search's trending score when wired).
func (s *Service) bumpCounters(ctx context.Context, tx bun.Tx, orderID int64) error {
	var sold []struct {
		ProductID int64 `bun:"product_id"`
		Quantity  int   `bun:"quantity"`
	}
	if err := tx.NewRaw(`SELECT product_id, quantity FROM order_items WHERE order_id = ? ORDER BY product_id`, orderID).
		Scan(ctx, &sold); err != nil {
		return err
	}
	now := nowUTC()
	for _, p := range sold {
		for range p.Quantity {
			if err := s.recordSale(ctx, tx, p.ProductID, now); err != nil {
				return err
			}
		}
	}
	return nil
}

// findCheckout locks the checkout a session belongs to: by session id, or, when
// the webhook beat the request that stores the id, by client_reference_id.
func findCheckout(ctx context.Context, tx bun.Tx, sess *payments.CheckoutSession) (*checkoutRow, error) {
	ck := new(checkoutRow)
	const cols = `SELECT id, tenant_id, user_id, email, amount_total_cents, application_fee_cents, currency FROM checkouts `
	err := tx.NewRaw(cols+`WHERE stripe_checkout_session_id = ? FOR UPDATE`, sess.ID).
		Scan(ctx, &ck.ID, &ck.TenantID, &ck.UserID, &ck.Email, &ck.Amount, &ck.Fee, &ck.Currency)
	if !errors.Is(err, sql.ErrNoRows) {
		return ck, err
	}
	id, perr := strconv.ParseInt(sess.ClientReferenceID, 10, 64)
	if perr != nil {
		return nil, sql.ErrNoRows
	}
	err = tx.NewRaw(cols+`WHERE id = ? AND stripe_checkout_session_id IS NULL FOR UPDATE`, id).
		Scan(ctx, &ck.ID, &ck.TenantID, &ck.UserID, &ck.Email, &ck.Amount, &ck.Fee, &ck.Currency)
	if err != nil {
		return nil, err
	}
	_, err = tx.NewRaw(`UPDATE checkouts SET stripe_checkout_session_id = ?, updated_at = now() WHERE id = ?`, sess.ID, ck.ID).Exec(ctx)
	return ck, err
}

// buyer is the account the purchase belongs to: the signed-in buyer who
// checked out, else the account holding the email paid with, else nobody yet
// (a guest; the library claims it when that email signs in).
func buyer(ctx context.Context, tx bun.Tx, ck *checkoutRow, sessionEmail string) (any, error) {
	if ck.UserID.Valid {
		return ck.UserID.Int64, nil
	}
	email := ck.Email
	if sessionEmail != "" {
		email = sessionEmail
	}
	if email == "" {
		return nil, nil
	}
	var id int64
	err := tx.NewRaw(`SELECT id FROM users WHERE email = lower(?)`, email).Scan(ctx, &id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	return id, err
}
