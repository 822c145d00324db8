package orders

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"time"

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

// piLock is the first key of the transaction-scoped advisory lock taken on
// a payment intent by both the order's writer and a refund or dispute of it,
// so one always sees the other's commit (see claimSQL and adjust). It is SQL
// text: both statements spell it into their query.
const piLock = "5005"

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

// claimed is a session event with the checkout it pays for, locked.
type claimed struct {
	e          *payments.Event
	checkoutID int64
	tenantID   int64
	buyer      int64  // the checkout's user, else the verified account holding the email paid with; 0: a guest
	email      string // the order's: the email paid with, else the checkout's
	amount     int64
	fee        int64
	currency   string
	pi         string // the payment intent, or empty
}

// claimSQL records the session events in i (recordSQL) and, for the new
// ones only, once every id is recorded (the InitPlan over ev), finds and
// locks the checkout each pays for, in checkout order: by session id, or,
// when the webhook beat the request that stores the id, by
// client_reference_id (ref) on a checkout with no session id yet. The same
// statement resolves the buyer (the checkout's user, else the account
// holding the email paid with if that account has verified it, else nobody
// yet: a guest, whose receipt carries a claim link and whose purchase joins
// the account with that address once the address is verified) and takes the payment intent's lock:
// any statement after this one sees a refund of it that committed first, and
// a refund that comes later sees this transaction's order. It answers one row
// per new event, with no checkout columns when none matches.
const claimSQL = `WITH i AS (
		SELECT t.*, ''::text AS account -- session events come on the platform endpoint
		FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::boolean[], $5::text[], $6::bigint[], $7::text[], $8::text[])
			WITH ORDINALITY AS t(event_id, type, created, livemode, session_id, ref, email, pi, n)
	), ev AS (` + recordSQL + `
	), ck AS MATERIALIZED (
		SELECT i.n, c.id, c.tenant_id, coalesce(c.user_id, u.id, 0) AS buyer, lower(coalesce(nullif(i.email, ''), c.email)) AS email,
			c.amount_total_cents, c.application_fee_cents, c.currency, c.stripe_checkout_session_id IS NULL AS unbound,
			CASE WHEN i.pi <> '' THEN pg_advisory_xact_lock(` + piLock + `, hashtext(i.pi))::text END AS pi_lock
		FROM i JOIN checkouts c ON c.id = coalesce((SELECT id FROM checkouts WHERE stripe_checkout_session_id = i.session_id), i.ref)
			AND (c.stripe_checkout_session_id = i.session_id OR c.stripe_checkout_session_id IS NULL)
		LEFT JOIN users u ON c.user_id IS NULL AND u.email = lower(coalesce(nullif(i.email, ''), c.email)) AND u.email_verified_at IS NOT NULL
		WHERE i.event_id = ANY (ARRAY(SELECT id FROM ev))
		ORDER BY c.id, i.n
		FOR UPDATE OF c
	)
	SELECT i.n, ck.id, ck.tenant_id, ck.buyer, ck.email, ck.amount_total_cents, ck.application_fee_cents, ck.currency, ck.unbound
	FROM i JOIN ev ON ev.id = i.event_id LEFT JOIN ck ON ck.n = i.n
	ORDER BY ck.id NULLS LAST, i.n`

// claim records session events and claims the checkout each new one pays
// for (claimSQL). It returns the claims in checkout order, each checkout and
// each event once: a second event for a checkout in the same batch has
// nothing left to do. A claimed checkout found by reference takes the
// session id. A session that matches no checkout, or pays another amount
// than its checkout's, is logged and left. fresh, when not nil, has one
// entry per event, set for each event that was new (claimSQL answers a row
// for every new event and none for a duplicate).
func (s *Service) claim(ctx context.Context, tx bun.Tx, events []*payments.Event, fresh []bool) ([]claimed, error) {
	n := len(events)
	ids, types, created, livemodes := make([]string, n), make([]string, n), make([]time.Time, n), make([]bool, n)
	sessions, refs, emails, pis := make([]string, n), make([]int64, n), make([]string, n), make([]string, n)
	for k, e := range events {
		sess := e.Session
		ids[k], types[k], created[k], livemodes[k] = e.ID, e.Type, e.Created, e.Livemode
		sessions[k], emails[k], pis[k] = sess.ID, sess.Email, sess.PaymentIntentID
		refs[k], _ = strconv.ParseInt(sess.ClientReferenceID, 10, 64) // not a number: no checkout by reference
	}
	rows, err := tx.Tx.QueryContext(ctx, claimSQL, db.Prepared(ids, types, created, livemodes, sessions, refs, emails, pis)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out, unbound, refused, unmatched []claimed
	seen := make(map[string]bool, n)
	var last int64 // the checkout of the row before: rows come in checkout order
	for rows.Next() {
		var k int
		var c claimed
		var checkoutID sql.NullInt64
		var isUnbound sql.NullBool
		if err := rows.Scan(&k, &checkoutID, &c.tenantID, &c.buyer, &c.email, &c.amount, &c.fee, &c.currency, &isUnbound); err != nil {
			return nil, err
		}
		c.e, c.checkoutID, c.pi = events[k-1], checkoutID.Int64, events[k-1].Session.PaymentIntentID
		if fresh != nil {
			fresh[k-1] = true
		}
		switch {
		case seen[c.e.ID] || (c.checkoutID != 0 && c.checkoutID == last):
			continue // the same event, or another for the same checkout, earlier in the batch
		case c.checkoutID == 0:
			unmatched = append(unmatched, c)
			continue
		}
		seen[c.e.ID], last = true, c.checkoutID
		if isUnbound.Bool {
			unbound = append(unbound, c)
		}
		if sess := c.e.Session; sess.AmountTotal != c.amount || sess.Currency != c.currency {
			refused = append(refused, c)
			continue
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows.Close()
	return out, s.settleClaims(ctx, tx, unmatched, refused, unbound)
}

// settleClaims does what claim found besides the common case, each rare:
// sessions that match no checkout are logged, amounts that differ refused,
// and checkouts found by reference take their session id.
func (s *Service) settleClaims(ctx context.Context, tx bun.Tx, unmatched, refused, unbound []claimed) error {
	for _, c := range unmatched {
		s.log.Warn("stripe session matches no checkout; ignored", "event", c.e.ID, "session", c.e.Session.ID,
			"client_reference_id", c.e.Session.ClientReferenceID)
	}
	for _, c := range refused {
		if err := s.mismatch(ctx, tx, c); err != nil {
			return err
		}
	}
	for _, c := range unbound {
		if _, err := tx.NewRaw(`UPDATE checkouts SET stripe_checkout_session_id = ?, updated_at = now() WHERE id = ?`,
			c.e.Session.ID, c.checkoutID).Exec(ctx); err != nil {
			return err
		}
	}
	return nil
}

// mismatch refuses a session that paid another amount than its checkout's:
// no order, the checkout marked, and an alert in the log.
func (s *Service) mismatch(ctx context.Context, tx bun.Tx, c claimed) error {
	sess := c.e.Session
	s.log.Error("ALERT: paid amount differs from the checkout; no order written", "alert", "amount_mismatch",
		"event", c.e.ID, "session", sess.ID, "checkout", c.checkoutID, "tenant", c.tenantID,
		"expected_cents", c.amount, "expected_currency", c.currency, "paid_cents", sess.AmountTotal, "paid_currency", sess.Currency)
	_, err := tx.NewRaw(`UPDATE checkouts SET status = 'amount_mismatch', updated_at = now() WHERE id = ?`, c.checkoutID).Exec(ctx)
	return err
}

// session applies a session event that does not pay: checkout.session.completed
// still unpaid (a delayed method: the order waits as pending) and
// async_payment_failed. Paying ones go to writePaid.
func (s *Service) session(ctx context.Context, tx bun.Tx, e *payments.Event, eff *effect) error {
	fresh := []bool{false}
	cs, err := s.claim(ctx, tx, []*payments.Event{e}, fresh)
	eff.fresh = fresh[0]
	if err != nil || len(cs) == 0 {
		return err
	}
	c := cs[0]
	orderID, status, err := insertPending(ctx, tx, c)
	if err != nil {
		return err
	}
	if status == StatusPending && wanted(e) == StatusFailed {
		if _, err := tx.NewRaw(`UPDATE orders SET status = 'failed', updated_at = now() WHERE id = ?`, orderID).Exec(ctx); err != nil {
			return err
		}
		_, err := tx.NewRaw(`UPDATE checkouts SET status = 'failed', updated_at = now() WHERE id = ?`, c.checkoutID).Exec(ctx)
		return err
	}
	return s.applyPending(ctx, tx, orderID, c.pi) // paid, failed, refunded... are final for fulfilment
}

// insertPending writes the order as pending with its items, or, when the
// session already has one, locks it; it returns the order and its status.
func insertPending(ctx context.Context, tx bun.Tx, c claimed) (int64, string, error) {
	var orderID int64
	err := tx.NewRaw(`INSERT INTO orders (tenant_id, checkout_id, user_id, email, stripe_checkout_session_id, stripe_payment_intent_id,
			amount_total_cents, application_fee_cents, currency, status)
		SELECT ?, id, nullif(?, 0), ?, ?, nullif(?, ''), amount_total_cents, application_fee_cents, currency, 'pending'
		FROM checkouts WHERE id = ?
		ON CONFLICT (stripe_checkout_session_id) DO NOTHING RETURNING id`,
		c.tenantID, c.buyer, c.email, c.e.Session.ID, c.pi, c.checkoutID).Scan(ctx, &orderID)
	if errors.Is(err, sql.ErrNoRows) {
		var status string
		err = tx.NewRaw(`SELECT id, status FROM orders WHERE stripe_checkout_session_id = ? FOR UPDATE`, c.e.Session.ID).Scan(ctx, &orderID, &status)
		return orderID, status, err
	}
	if err != nil {
		return 0, "", err
	}
	_, err = tx.NewRaw(`INSERT INTO order_items (order_id, tenant_id, product_id, title, unit_price_cents, quantity)
		SELECT ?, tenant_id, product_id, title, unit_price_cents, quantity FROM checkout_items WHERE checkout_id = ?`,
		orderID, c.checkoutID).Exec(ctx)
	return orderID, StatusPending, err
}
