package devtools

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/claro-market/claro/app/config"
	"github.com/claro-market/claro/app/orders"
	"github.com/uptrace/bun"
)

// TestDisputePath is the marketplace path that opens a pretend dispute on an
// order; the order's id follows it.
const TestDisputePath = "/dev/dispute/"

// errNoOrder is an order the dev tools will not touch for this user:
// unknown, or a store the user is not a member of. Both are the 404 page.
var errNoOrder = fmt.Errorf("devtools: no such order: %w", sql.ErrNoRows)

// TestEvents sends the events Stripe would send after a refund or a
// dispute, which stripe-mock never sends: charge.refunded once a dashboard
// refund was accepted, and charge.dispute.created when a creator opens a
// pretend dispute. Each is signed with the platform secret and delivered to
// the app's own webhook handler, so app/orders applies it exactly as it
// would Stripe's.
type TestEvents struct {
	db      bun.IDB
	signer  Signer
	webhook Webhook
}

// NewTestEvents returns the dev event sender, refused as NewTestPayments
// refuses.
func NewTestEvents(cfg config.Config, primary bun.IDB, signer Signer, webhook Webhook) (*TestEvents, error) {
	if err := devOnly(cfg); err != nil {
		return nil, err
	}
	return &TestEvents{db: primary, signer: signer, webhook: webhook}, nil
}

// devCharge is the charge id the dev events give an order's payment (the
// test-payment page makes no real charge).
func devCharge(orderID int64) string { return "ch_dev_order_" + strconv.FormatInt(orderID, 10) }

// Refunded delivers the charge.refunded a full refund of o causes. Stripe
// refunds an order once (the refund's idempotency key is the order's), so
// the event's id is the order's too: pressing Refund again delivers a
// duplicate, which is ignored.
func (t *TestEvents) Refunded(ctx context.Context, o orders.Order) error {
	if o.PaymentIntentID == nil {
		return errNoOrder
	}
	id := strconv.FormatInt(o.ID, 10)
	return t.deliver(ctx, "evt_dev_refund_"+id, "charge.refunded", map[string]any{
		"id": devCharge(o.ID), "object": "charge", "payment_intent": *o.PaymentIntentID, "currency": o.Currency,
		"amount": o.AmountTotalCents, "amount_refunded": o.AmountTotalCents, "refunded": true, "paid": true, "status": "succeeded",
		"livemode": false,
	})
}

// Order loads the order if userID is a member of its store.
func (t *TestEvents) Order(ctx context.Context, userID, orderID int64) (*orders.Order, string, error) {
	var row struct {
		orders.Order
		Slug string `bun:"slug"`
	}
	err := t.db.NewRaw(`SELECT o.id, o.email, o.amount_total_cents, o.application_fee_cents, o.amount_refunded_cents, o.currency,
			o.status, o.stripe_payment_intent_id, o.created_at, o.refund_requested_at, '' AS items, t.slug
		FROM orders o JOIN tenants t ON t.id = o.tenant_id JOIN tenant_members m ON m.tenant_id = o.tenant_id
		WHERE o.id = ? AND m.user_id = ?`, orderID, userID).Scan(ctx, &row)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, "", errNoOrder
	}
	return &row.Order, row.Slug, err
}

// Disputed delivers the charge.dispute.created a buyer's bank would cause
// for o's payment, once per order.
func (t *TestEvents) Disputed(ctx context.Context, o orders.Order) error {
	if o.PaymentIntentID == nil {
		return errNoOrder
	}
	id := strconv.FormatInt(o.ID, 10)
	return t.deliver(ctx, "evt_dev_dispute_"+id, "charge.dispute.created", map[string]any{
		"id": "dp_dev_order_" + id, "object": "dispute", "charge": devCharge(o.ID), "payment_intent": *o.PaymentIntentID,
		"amount": o.AmountTotalCents, "currency": o.Currency, "status": "needs_response", "reason": "fraudulent", "livemode": false,
	})
}

func (t *TestEvents) deliver(ctx context.Context, eventID, typ string, object map[string]any) error {
	payload, err := devEvent(eventID, typ, "", time.Now(), object)
	if err != nil {
		return err
	}
	sig, err := t.signer.SignTestPayment(payload)
	if err != nil {
		return err
	}
	return t.webhook.Deliver(ctx, payload, sig)
}

// DisputePath is where the sales page's dev-only "Open a test dispute"
// control posts; the order's id follows.
func (t *TestEvents) DisputePath() string { return TestDisputePath }
