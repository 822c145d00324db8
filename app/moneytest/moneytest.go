// Package moneytest builds the real Claro app with the money path wired in
// (payments, cart, checkout, orders, library) against stripe-mock, for the
// tests of those packages. Compose mirrors, line for line, what app.New does
// with them, so the tests exercise the production wiring.
package moneytest

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/claro-market/claro/app"
	"github.com/claro-market/claro/app/accounts"
	"github.com/claro-market/claro/app/apptest"
	"github.com/claro-market/claro/app/blob"
	"github.com/claro-market/claro/app/cart"
	"github.com/claro-market/claro/app/catalog"
	"github.com/claro-market/claro/app/checkout"
	"github.com/claro-market/claro/app/config"
	"github.com/claro-market/claro/app/cursor"
	"github.com/claro-market/claro/app/dashboard"
	"github.com/claro-market/claro/app/db"
	"github.com/claro-market/claro/app/devtools"
	"github.com/claro-market/claro/app/library"
	"github.com/claro-market/claro/app/orders"
	"github.com/claro-market/claro/app/payments"
	"github.com/claro-market/claro/app/payments/stripetest"
	"github.com/claro-market/claro/app/ratelimit"
	"github.com/claro-market/claro/app/receipts"
	"github.com/claro-market/claro/app/web"
	"github.com/claro-market/claro/search"
	"github.com/claro-market/claro/static"
	"github.com/claro-market/claro/tenants"
	"github.com/gofiber/fiber/v2"
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

// New builds the app on td with stripe-mock as its Stripe; opts change the
// configuration first.
func New(tb testing.TB, td *db.TestDatabase, opts ...func(*config.Config)) *Env {
	tb.Helper()
	mock := stripetest.Start(tb)
	var cfg config.Config
	base := apptest.New(tb, td, func(c *config.Config) {
		c.StripeSecretKey, c.StripeAPIBase = stripetest.SecretKey, mock.URL
		c.StripeWebhookSecret, c.StripeConnectWebhookSecret = WebhookSecret, ConnectWebhookSecret
		for _, o := range opts {
			o(c)
		}
		cfg = *c
	})
	logs := &Logs{}
	e := &Env{Env: base, Stripe: mock, Config: cfg, Log: logs}
	log := slog.New(slog.NewTextHandler(logs, nil))
	parts, err := compose(base.App, cfg, log)
	if err != nil {
		tb.Fatal(err)
	}
	e.App.Fiber, e.Payments, e.Orders, e.Receipts = parts.fiber, parts.pay, parts.orders, parts.receipts
	return e
}

// Compose builds the Fiber app the way app.New does, with the money path's
// handlers registered before the final 404.
func Compose(a *app.App, cfg config.Config, log *slog.Logger) (*fiber.App, *payments.Client, *orders.Service, error) {
	p, err := compose(a, cfg, log)
	if err != nil {
		return nil, nil, nil, err
	}
	return p.fiber, p.pay, p.orders, nil
}

// composed is what compose builds.
type composed struct {
	fiber    *fiber.App
	pay      *payments.Client
	orders   *orders.Service
	receipts *receipts.Sender
}

func compose(a *app.App, cfg config.Config, log *slog.Logger) (*composed, error) {
	database, secret, secure := a.DB, cfg.SessionSecret, cfg.Scheme() == "https"
	pages := &web.Pages{Links: web.Links{Scheme: cfg.Scheme(), Root: cfg.RootDomain}}
	f := web.New(web.Options{Views: a.Fiber.Config().Views, TrustedProxies: cfg.TrustedProxies,
		Production: cfg.IsProduction(), Logger: log, Errors: a.Errors})
	web.Use(f, log, a.Resolver, a.Errors, cfg.RootPort())
	assets, err := web.NewAssets(static.FS)
	if err != nil {
		return nil, err
	}
	f.Get("/static/*", assets.Handler)
	f.Get("/media/*", blob.MediaHandler(a.Blobs))
	sessions := accounts.NewSessions(database.Primary)
	auth, err := accounts.NewAuth(accounts.NewUsers(database.Primary), sessions, ratelimit.NewMemory())
	if err != nil {
		return nil, err
	}
	acct := accounts.NewHandlers(auth, sessions, pages, cfg.RootHost(), secure)
	f.Use(web.BodyCaps(dashboard.IsUpload))
	f.Use(acct.Middleware)
	f.Use(web.NewCSRF(secret, secure, "/webhooks/").Middleware)
	acct.Routes(f)
	catalog.NewHandlers(catalog.NewStore(database.Replica), pages, cursor.NewCodec(secret)).Routes(f)

	// The money path: these are the lines app.New gains.
	pay := payments.New(payments.ConfigFrom(cfg, log))
	cartCookies := cart.NewCookies(cart.NewCodec(secret), secure)
	carts := cart.NewHandlers(cartCookies, cart.NewStore(database.Replica), pages)
	carts.Routes(f)
	checkouts := checkout.NewService(checkout.NewStore(database), cart.NewStore(database.Primary), pay, cfg.PlatformFeeBPS, log)
	checkout.NewHandlers(checkouts, cartCookies, carts, pages).Routes(f)
	sender, err := receipts.New(cfg, database.Primary, log)
	if err != nil {
		return nil, err
	}
	orderService := orders.NewService(database.Primary, a.Resolver, log, pay.Livemode()).
		WithSaleRecorder(search.RecordSale).WithSaleUndoer(search.UndoSale).WithReceipts(sender.Wake)
	webhooks := orders.NewHandlers(pay.Webhooks(), orderService, log)
	webhooks.Routes(f)
	if cfg.DevTestPayments {
		testPay, err := devtools.NewTestPayments(cfg, database.Primary, pay.Webhooks(), webhooks)
		if err != nil {
			return nil, err
		}
		devtools.NewTestPaymentHandlers(testPay, pages).Routes(f)
	}
	signer, err := blob.NewSigner(secret, nil)
	if err != nil {
		return nil, err
	}
	library.NewHandlers(library.NewStore(database.Primary), pages, signer).Routes(f)
	f.Get(blob.DownloadPrefix+":token", blob.DownloadHandler(a.Blobs, signer, func(c *fiber.Ctx) int64 {
		if u := web.CurrentUser(c); u != nil {
			return u.UserID
		}
		return 0
	}))
	dashboard.New(database, a.Resolver, pages, a.Blobs).WithMoney(pay, orderService).Routes(f)

	f.Use(func(c *fiber.Ctx) error { return a.Errors.NotFound(c) })
	return &composed{fiber: f, pay: pay, orders: orderService, receipts: sender}, nil
}

// Logs collects the app's log lines for assertions (alerts, version refusals).
type Logs struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *Logs) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

// String returns everything logged so far.
func (l *Logs) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

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
		AddToCart(tb, b, host, p.ID, 1)
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
