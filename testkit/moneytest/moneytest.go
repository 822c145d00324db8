// Package moneytest builds the real Claro app (app.New) against stripe-mock,
// with helpers to fill carts, open checkouts and deliver signed webhooks, for
// the tests of the money path's packages.
package moneytest

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/claro-market/claro/testkit/dbtest"

	"github.com/claro-market/claro/app"
	"github.com/claro-market/claro/app/catalog"
	"github.com/claro-market/claro/app/config"
	"github.com/claro-market/claro/app/localproc"
	"github.com/claro-market/claro/app/orders"
	"github.com/claro-market/claro/app/payments"
	"github.com/claro-market/claro/app/receipts"
	"github.com/claro-market/claro/tenants"
	"github.com/claro-market/claro/testkit/apptest"
	"github.com/claro-market/claro/testkit/stripetest"
)

// The webhook signing secrets tests sign with.
const (
	WebhookSecret        = "whsec_claro_platform_test"
	ConnectWebhookSecret = "whsec_claro_connect_test"
)

// Env is the app with the money path, its stripe-mock and its log.
type Env struct {
	*apptest.Env
	Stripe   *stripetest.Mock
	Payments *payments.Client
	Orders   *orders.Service
	// Receipts sends the receipts paid orders owe; tests call Drain (nothing
	// runs it in the background). SMTP_URL in the configuration picks the
	// server, else receipts go to the log.
	Receipts *receipts.Sender
	Config   config.Config
	Log      *Logs
}

// New builds the real app (app.New) on td with stripe-mock as its Stripe;
// opts change the configuration first.
func New(tb testing.TB, td *dbtest.Database, opts ...func(*config.Config)) *Env {
	tb.Helper()
	return NewWith(tb, td, app.Overrides{}, opts...)
}

// NewWith is New through app.NewWith with ov.
func NewWith(tb testing.TB, td *dbtest.Database, ov app.Overrides, opts ...func(*config.Config)) *Env {
	tb.Helper()
	mock := stripetest.Start(tb)
	logs := &Logs{}
	var cfg config.Config
	base := apptest.NewWith(tb, td, logs, ov, func(c *config.Config) {
		c.StripeSecretKey, c.StripeAPIBase = stripetest.SecretKey, mock.URL
		c.StripeWebhookSecret, c.StripeConnectWebhookSecret = WebhookSecret, ConnectWebhookSecret
		for _, o := range opts {
			o(c)
		}
		cfg = *c
	})
	return &Env{Env: base, Stripe: mock, Config: cfg, Log: logs,
		Payments: base.App.Payments, Orders: base.App.Orders, Receipts: base.App.Receipts}
}

// Logs collects the app's log lines for assertions (alerts, version refusals).
type Logs = localproc.Buffer

// PostWebhook sends a payload to a webhook path on ROOT_DOMAIN with the given
// Stripe-Signature header ("" for none).
func (e *Env) PostWebhook(tb testing.TB, path string, payload []byte, signature string) (*http.Response, string) {
	tb.Helper()
	req := httptest.NewRequest(http.MethodPost, "http://"+apptest.Root+path, bytes.NewReader(payload))
	req.Host = apptest.Root
	req.Header.Set("Content-Type", "application/json")
	if signature != "" {
		req.Header.Set("Stripe-Signature", signature)
	}
	return e.Do(tb, req)
}

// Count runs a SELECT count(*) ... and returns the number.
func (e *Env) Count(tb testing.TB, query string, args ...any) int {
	tb.Helper()
	var n int
	if !strings.HasPrefix(strings.TrimSpace(strings.ToUpper(query)), "SELECT") {
		query = "SELECT count(*) FROM " + query
	}
	if err := e.DB.Primary.NewRaw(query, args...).Scan(context.Background(), &n); err != nil {
		tb.Fatal(err)
	}
	return n
}

// Checkout is a checkouts row a test opened through the real POST /checkout.
type Checkout struct {
	ID       int64  `bun:"id"`
	TenantID int64  `bun:"tenant_id"`
	Session  string `bun:"stripe_checkout_session_id"`
	Amount   int64  `bun:"amount_total_cents"`
}

// OpenCheckout fills b's cart on the store with one of each product and posts
// /checkout, as the buyer would, and returns the checkout it opened.
func (e *Env) OpenCheckout(tb testing.TB, b *apptest.Browser, store *tenants.Tenant, products ...*catalog.Product) Checkout {
	tb.Helper()
	host := apptest.StoreHost(store.Slug)
	for _, p := range products {
		AddToCart(tb, b, host, p.ID)
	}
	resp, body := Send(tb, b, http.MethodPost, host, "/checkout", nil, false)
	if resp.StatusCode != http.StatusSeeOther {
		tb.Fatalf("checkout: %d\n%s", resp.StatusCode, body)
	}
	var ck Checkout
	if err := e.DB.Primary.NewRaw(`SELECT id, tenant_id, stripe_checkout_session_id, amount_total_cents FROM checkouts
		WHERE tenant_id = ? ORDER BY id DESC LIMIT 1`, store.ID).Scan(context.Background(), &ck); err != nil {
		tb.Fatal(err)
	}
	return ck
}

// Deliver signs payload with the secret of the endpoint at path, now, and
// posts it there.
func (e *Env) Deliver(tb testing.TB, path string, payload []byte) (*http.Response, string) {
	tb.Helper()
	secret := WebhookSecret
	if strings.HasSuffix(path, "/connect") {
		secret = ConnectWebhookSecret
	}
	return e.PostWebhook(tb, path, payload, stripetest.Sign(payload, secret, time.Time{}))
}

// CompletedEvent is a signed-ready checkout.session.completed for ck, paid,
// with payment intent pi.
func CompletedEvent(eventID string, ck Checkout, pi string) []byte {
	return SessionEvent(eventID, "checkout.session.completed", ck, pi, "paid")
}

// SessionEvent is a checkout.session.* event of type typ for ck with the
// given payment status.
func SessionEvent(eventID, typ string, ck Checkout, pi, paymentStatus string) []byte {
	return stripetest.Event(eventID, typ, stripetest.Session(ck.Session, strconv.FormatInt(ck.ID, 10), ck.Amount, pi, paymentStatus))
}

// Pay delivers a paid checkout.session.completed for ck and expects a 200.
func (e *Env) Pay(tb testing.TB, ck Checkout, pi string) {
	tb.Helper()
	resp, body := e.Deliver(tb, "/webhooks/stripe", CompletedEvent("evt_pay_"+pi, ck, pi))
	if resp.StatusCode != http.StatusOK {
		tb.Fatalf("webhook: %d\n%s", resp.StatusCode, body)
	}
}
