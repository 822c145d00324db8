package orders

import (
	"context"
	"database/sql"
	"errors"
	"strconv"

	"github.com/claro-market/claro/app/db"
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

// piLockClass is the first key of the transaction-scoped advisory lock taken
// on a payment intent by both the order's writer and a refund or dispute of
// it, so one always sees the other's commit (see findCheckout and adjust).
const piLockClass = 5005

type checkoutRow struct {
	ID       int64
	TenantID int64
	Buyer    sql.NullInt64 // the checkout's user, else the account holding the email paid with
	Email    string
	Amount   int64
	Fee      int64
	Currency string
}

// session applies checkout.session.completed / async_payment_succeeded /
// async_payment_failed: one fulfil, safe to call any number of times.
func (s *Service) session(ctx context.Context, tx bun.Tx, e *payments.Event, eff *effect) error {
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
	want := wanted(e)
	o := newOrder{ck: ck, sessionID: sess.ID, email: ck.Email, pi: sess.PaymentIntentID}
	if sess.Email != "" {
		o.email = sess.Email
	}
	if want == StatusPaid {
		// The common case, a first delivery that is paid, in one statement.
		if done, err := s.insertPaid(ctx, tx, o, eff); done || err != nil {
			return err
		}
	}
	orderID, status, err := insertPending(ctx, tx, o)
	if err != nil {
		return err
	}
	if status != StatusPending || want == StatusPending {
		return s.applyPending(ctx, tx, orderID, o.pi) // paid, failed, refunded... are final for fulfilment
	}
	if want == StatusFailed {
		if _, err := tx.NewRaw(`UPDATE orders SET status = 'failed', updated_at = now() WHERE id = ?`, orderID).Exec(ctx); err != nil {
			return err
		}
		_, err := tx.NewRaw(`UPDATE checkouts SET status = 'failed', updated_at = now() WHERE id = ?`, ck.ID).Exec(ctx)
		return err
	}
	if err := s.markPaid(ctx, tx, orderID, ck.ID, eff); err != nil {
		return err
	}
	return s.applyPending(ctx, tx, orderID, o.pi)
}

// wanted is the status a checkout.session.* event asks its order to reach.
func wanted(e *payments.Event) string {
	switch {
	case e.Type == "checkout.session.async_payment_failed":
		return StatusFailed
	case e.Type == "checkout.session.async_payment_succeeded", e.Session.PaymentStatus == "paid", e.Session.PaymentStatus == "no_payment_required":
		return StatusPaid
	}
	return StatusPending
}

// newOrder is the order a session makes.
type newOrder struct {
	ck        *checkoutRow
	sessionID string
	email     string
	pi        string // the payment intent id, or empty
}

// insertPending writes the order as pending with its items, or, when the
// session already has one, locks it; it returns the order and its status.
func insertPending(ctx context.Context, tx bun.Tx, o newOrder) (int64, string, error) {
	ck := o.ck
	var orderID int64
	err := tx.NewRaw(`INSERT INTO orders (tenant_id, checkout_id, user_id, email, stripe_checkout_session_id, stripe_payment_intent_id,
			amount_total_cents, application_fee_cents, currency, status)
		VALUES (?, ?, ?, lower(?), ?, nullif(?, ''), ?, ?, ?, 'pending')
		ON CONFLICT (stripe_checkout_session_id) DO NOTHING RETURNING id`,
		ck.TenantID, ck.ID, ck.Buyer, o.email, o.sessionID, o.pi, ck.Amount, ck.Fee, ck.Currency).Scan(ctx, &orderID)
	if errors.Is(err, sql.ErrNoRows) {
		var status string
		err = tx.NewRaw(`SELECT id, status FROM orders WHERE stripe_checkout_session_id = ? FOR UPDATE`, o.sessionID).Scan(ctx, &orderID, &status)
		return orderID, status, err
	}
	if err != nil {
		return 0, "", err
	}
	_, err = tx.NewRaw(`INSERT INTO order_items (order_id, tenant_id, product_id, title, unit_price_cents, quantity)
		SELECT ?, tenant_id, product_id, title, unit_price_cents, quantity FROM checkout_items WHERE checkout_id = ?`,
		orderID, ck.ID).Exec(ctx)
	return orderID, StatusPending, err
}

// findCheckout locks the checkout a session belongs to: by session id, or, when
// the webhook beat the request that stores the id, by client_reference_id. The
// same statement resolves the buyer (the checkout's user, else the account
// holding the email paid with, else nobody yet: a guest, whose library claims
// the purchase when that email signs in) and takes the payment intent's lock.
func findCheckout(ctx context.Context, tx bun.Tx, sess *payments.CheckoutSession) (*checkoutRow, error) {
	ck := new(checkoutRow)
	// $1 the email paid with, $2 the key, $3 the payment intent: its lock is
	// taken only when the session has one.
	query := func(where string, key any) error {
		return tx.Tx.QueryRowContext(ctx, `SELECT c.id, c.tenant_id, coalesce(c.user_id, u.id), c.email, c.amount_total_cents,
				c.application_fee_cents, c.currency,
				CASE WHEN $3 <> '' THEN pg_advisory_xact_lock(`+strconv.Itoa(piLockClass)+`, hashtext($3))::text END
			FROM checkouts c LEFT JOIN users u ON c.user_id IS NULL AND u.email = lower(coalesce(nullif($1, ''), c.email))
			WHERE `+where+` FOR UPDATE OF c`, db.Prepared(sess.Email, key, sess.PaymentIntentID)...).
			Scan(&ck.ID, &ck.TenantID, &ck.Buyer, &ck.Email, &ck.Amount, &ck.Fee, &ck.Currency, new(sql.NullString))
	}
	err := query(`c.stripe_checkout_session_id = $2`, sess.ID)
	if !errors.Is(err, sql.ErrNoRows) {
		return ck, err
	}
	id, perr := strconv.ParseInt(sess.ClientReferenceID, 10, 64)
	if perr != nil {
		return nil, sql.ErrNoRows
	}
	if err := query(`c.id = $2 AND c.stripe_checkout_session_id IS NULL`, id); err != nil {
		return nil, err
	}
	_, err = tx.NewRaw(`UPDATE checkouts SET stripe_checkout_session_id = ?, updated_at = now() WHERE id = ?`, sess.ID, ck.ID).Exec(ctx)
	return ck, err
}
