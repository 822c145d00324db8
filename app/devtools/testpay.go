package devtools

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/claro-market/claro/app/config"
	"github.com/uptrace/bun"
)

// ErrTestPaymentsInProduction refuses the test-payment page in production:
// app.New fails rather than serve a page that "pays" without money.
var ErrTestPaymentsInProduction = errors.New("DEV_TEST_PAYMENTS: the local test-payment page is development-only; it cannot be on in production")

// errNoCheckout is a checkout the page cannot pay: unknown, or not opened yet.
var errNoCheckout = fmt.Errorf("devtools: no such checkout: %w", sql.ErrNoRows)

// Signer signs a payload as Stripe signs webhooks to the platform endpoint;
// *payments.Verifier is one.
type Signer interface {
	SignTestPayment(payload []byte) (string, error)
}

// Webhook applies a signed delivery exactly as POST /webhooks/stripe does;
// *orders.Handlers is one.
type Webhook interface {
	Deliver(ctx context.Context, body []byte, signature string) error
}

// TestPayments plays Stripe Checkout's part in `claro dev`, where stripe-mock
// has no payment page and sends no webhooks: it shows the checkout and, on
// "Pay", delivers a correctly signed checkout.session.completed to the app's
// own webhook handler.
type TestPayments struct {
	db      bun.IDB
	signer  Signer
	webhook Webhook
}

// NewTestPayments returns the test-payment page's service. It refuses in
// production, unless DEV_TEST_PAYMENTS is on, and without stripe-mock
// (STRIPE_API_BASE) behind the payments client.
func NewTestPayments(cfg config.Config, primary bun.IDB, signer Signer, webhook Webhook) (*TestPayments, error) {
	if err := devOnly(cfg); err != nil {
		return nil, err
	}
	return &TestPayments{db: primary, signer: signer, webhook: webhook}, nil
}

// PayCheckout is what the test-payment page shows.
type PayCheckout struct {
	ID        int64     `bun:"id"`
	Session   string    `bun:"session"`
	Email     string    `bun:"email"`
	Amount    int64     `bun:"amount_total_cents"`
	Currency  string    `bun:"currency"`
	Status    string    `bun:"status"`
	StoreName string    `bun:"store_name"`
	StoreSlug string    `bun:"store_slug"`
	Lines     []PayLine `bun:"-"`
}

// PayLine is one line of the checkout.
type PayLine struct {
	Title          string `bun:"title"`
	UnitPriceCents int64  `bun:"unit_price_cents"`
	Quantity       int    `bun:"quantity"`
}

// Checkout loads a checkout whose Stripe session is open.
func (t *TestPayments) Checkout(ctx context.Context, id int64) (*PayCheckout, error) {
	ck := new(PayCheckout)
	err := t.db.NewRaw(`SELECT c.id, c.stripe_checkout_session_id AS session, c.email, c.amount_total_cents, c.currency, c.status,
			t.name AS store_name, t.slug AS store_slug
		FROM checkouts c JOIN tenants t ON t.id = c.tenant_id
		WHERE c.id = ? AND c.stripe_checkout_session_id IS NOT NULL`, id).Scan(ctx, ck)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errNoCheckout
	}
	if err != nil {
		return nil, err
	}
	err = t.db.NewRaw(`SELECT title, unit_price_cents, quantity FROM checkout_items WHERE checkout_id = ? ORDER BY product_id`, id).
		Scan(ctx, &ck.Lines)
	return ck, err
}

// Pay delivers checkout.session.completed, paid, for the checkout's real
// session, amount and client_reference_id, signed with the platform secret,
// to the webhook handler. Paying twice is one event delivered twice: the
// second is a duplicate.
func (t *TestPayments) Pay(ctx context.Context, ck *PayCheckout, email string) error {
	payload, err := completedEvent(ck, email, time.Now())
	if err != nil {
		return err
	}
	sig, err := t.signer.SignTestPayment(payload)
	if err != nil {
		return err
	}
	return t.webhook.Deliver(ctx, payload, sig)
}

// completedEvent is the event Stripe sends when a Checkout Session is paid.
func completedEvent(ck *PayCheckout, email string, at time.Time) ([]byte, error) {
	id := strconv.FormatInt(ck.ID, 10)
	var mail any
	if email != "" {
		mail = email
	}
	return devEvent("evt_dev_pay_"+id, "checkout.session.completed", "", at, map[string]any{
		"id": ck.Session, "object": "checkout.session", "client_reference_id": id, "mode": "payment",
		"amount_total": ck.Amount, "currency": ck.Currency, "payment_intent": "pi_dev_checkout_" + id,
		"payment_status": "paid", "status": "complete", "livemode": false, "customer_email": mail,
		"customer_details": map[string]any{"email": mail},
	})
}
