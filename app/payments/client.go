// Package payments is Claro's one door to Stripe: the stripe-go client and its
// backend (Stripe itself, or stripe-mock in development and tests), Connect
// Express onboarding, Checkout Sessions as destination charges, refunds, and
// webhook signature checks. No other package imports stripe-go, so the rest of
// the product speaks in the plain types declared here.
package payments

import (
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/claro-market/claro/app/config"
	"github.com/stripe/stripe-go/v79"
	"github.com/stripe/stripe-go/v79/client"
)

// APIVersion is the Stripe API version Claro's endpoints are pinned to: the one
// stripe-go v79 speaks. Events in any other version are refused.
const APIVersion = stripe.APIVersion

// Config is what the client needs from the settings.
type Config struct {
	SecretKey            string
	APIBase              string // empty for Stripe's own API
	WebhookSecret        string // the platform endpoint's signing secret
	ConnectWebhookSecret string // the Connect endpoint's signing secret
	// TestCheckoutURL, when set, is where Checkout sends the buyer instead of
	// Stripe's page: the checkout's id is appended. `claro dev` points it at
	// its local test-payment page (stripe-mock has no payment page).
	TestCheckoutURL string
	// TestOnboardingURL, when set, is where an Account Link sends the
	// creator instead of Stripe's onboarding form: the account's id is
	// appended. `claro dev` points it at its local test-onboarding page
	// (stripe-mock's link leads nowhere).
	TestOnboardingURL string
	// HTTPClient carries the API calls; nil for a default with a timeout.
	HTTPClient *http.Client
	Logger     *slog.Logger
}

// TestPaymentPath is the marketplace path of the local test-payment page;
// the checkout's id follows it.
const TestPaymentPath = "/dev/pay/"

// TestOnboardingPath is the marketplace path of the local test-onboarding
// page; the connected account's id follows it.
const TestOnboardingPath = "/dev/onboard/"

// ConfigFrom picks the Stripe settings out of Claro's configuration. With
// DEV_TEST_PAYMENTS on (never in production, and never with a live key)
// Checkout goes to the local test-payment page and Connect onboarding to the
// local test-onboarding page.
func ConfigFrom(cfg config.Config, log *slog.Logger) Config {
	c := Config{
		SecretKey:            cfg.StripeSecretKey,
		APIBase:              cfg.StripeAPIBase,
		WebhookSecret:        cfg.StripeWebhookSecret,
		ConnectWebhookSecret: cfg.StripeConnectWebhookSecret,
		Logger:               log,
	}
	if cfg.DevTestPayments && !cfg.IsProduction() && !IsLiveKey(cfg.StripeSecretKey) {
		c.TestCheckoutURL = cfg.Scheme() + "://" + cfg.RootDomain + TestPaymentPath
		c.TestOnboardingURL = cfg.Scheme() + "://" + cfg.RootDomain + TestOnboardingPath
	}
	return c
}

// Client calls Stripe through one client.API instance built from its own
// backends; stripe-go's package-level globals are never touched.
type Client struct {
	api      *client.API
	livemode bool
	testPage string // Config.TestCheckoutURL
	testOnb  string // Config.TestOnboardingURL
	webhooks Verifier
	log      *slog.Logger
}

// New builds the client. A STRIPE_API_BASE (stripe-mock's HTTP port in
// development and tests) replaces Stripe's URL for every backend.
func New(cfg Config) *Client {
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	hc := cfg.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: 30 * time.Second}
	}
	bc := &stripe.BackendConfig{HTTPClient: hc, LeveledLogger: leveled{log}}
	if cfg.APIBase != "" {
		bc.URL = stripe.String(strings.TrimRight(cfg.APIBase, "/"))
	}
	backends := &stripe.Backends{
		API:     stripe.GetBackendWithConfig(stripe.APIBackend, bc),
		Connect: stripe.GetBackendWithConfig(stripe.ConnectBackend, bc),
		Uploads: stripe.GetBackendWithConfig(stripe.UploadsBackend, bc),
	}
	api := &client.API{}
	api.Init(cfg.SecretKey, backends)
	live := IsLiveKey(cfg.SecretKey)
	return &Client{
		api: api, livemode: live, log: log, testPage: cfg.TestCheckoutURL, testOnb: cfg.TestOnboardingURL,
		webhooks: Verifier{platform: cfg.WebhookSecret, connect: cfg.ConnectWebhookSecret, livemode: live, log: log},
	}
}

// IsLiveKey reports whether a secret key moves real money.
func IsLiveKey(key string) bool {
	return strings.HasPrefix(key, "sk_live_") || strings.HasPrefix(key, "rk_live_")
}

// Livemode reports whether this deployment uses a live key; test-mode events
// are ignored by a live deployment and live ones by a test deployment.
func (c *Client) Livemode() bool { return c.livemode }

// Webhooks returns the signature verifier for both endpoints.
func (c *Client) Webhooks() *Verifier { return &c.webhooks }

// leveled sends stripe-go's own log lines to slog, quietly: only warnings and
// errors, which are worth reading.
type leveled struct{ log *slog.Logger }

func (l leveled) Debugf(string, ...any) {}
func (l leveled) Infof(string, ...any)  {}
func (l leveled) Warnf(format string, v ...any) {
	l.log.Warn("stripe", "msg", fmt.Sprintf(format, v...))
}
func (l leveled) Errorf(format string, v ...any) {
	l.log.Error("stripe", "msg", fmt.Sprintf(format, v...))
}

// apiError turns a stripe-go error into one whose text names what Stripe said,
// without leaking it to users (the web layer never shows error text).
func apiError(op string, err error) error {
	if se, ok := err.(*stripe.Error); ok {
		return fmt.Errorf("payments: %s: stripe %d %s: %s: %w", op, se.HTTPStatusCode, se.Type, se.Msg, ErrStripe)
	}
	return fmt.Errorf("payments: %s: %v: %w", op, err, ErrStripe)
}
