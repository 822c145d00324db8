package payments_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/claro-market/claro/app/payments"
	"github.com/claro-market/claro/testkit/stripetest"
)

const whsec, connectWhsec = "whsec_platform_test", "whsec_connect_test"

func newClient(t *testing.T, log *slog.Logger) (*payments.Client, *stripetest.Mock) {
	t.Helper()
	m := stripetest.Start(t)
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return payments.New(payments.Config{SecretKey: stripetest.SecretKey, APIBase: m.URL, WebhookSecret: whsec,
		ConnectWebhookSecret: connectWhsec, Logger: log}), m
}

func TestCheckoutSessionIsADestinationChargeWithTheFeeAndIdempotencyKey(t *testing.T) {
	c, m := newClient(t, nil)
	s, err := c.CreateCheckoutSession(context.Background(), payments.SessionRequest{
		CheckoutID: 42, TenantID: 7, Currency: "usd", FeeCents: 300, Destination: "acct_creator",
		Lines:      []payments.Line{{ProductID: 1, Name: "Brushes", UnitAmount: 1000, Quantity: 1}, {ProductID: 2, Name: "Fonts", UnitAmount: 1000, Quantity: 2}},
		SuccessURL: "http://a.claro.test/checkout/success?session_id={CHECKOUT_SESSION_ID}", CancelURL: "http://a.claro.test/cart",
	})
	if err != nil {
		t.Fatal(err)
	}
	if s.ID == "" || s.URL == "" {
		t.Fatalf("session %+v", s)
	}
	reqs := m.Find("POST", "/v1/checkout/sessions")
	if len(reqs) != 1 {
		t.Fatalf("%d session requests", len(reqs))
	}
	r := reqs[0]
	want := map[string]string{
		"payment_intent_data[application_fee_amount]":     "300",
		"payment_intent_data[transfer_data][destination]": "acct_creator",
		"client_reference_id":                             "42",
		"mode":                                            "payment",
		"line_items[0][price_data][unit_amount]":          "1000",
		"line_items[1][quantity]":                         "2",
		"line_items[1][price_data][product_data][name]":   "Fonts",
	}
	for k, v := range want {
		if got := r.Form.Get(k); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
	if got := r.Header.Get("Idempotency-Key"); got != payments.CheckoutIdempotencyKey(42) {
		t.Errorf("Idempotency-Key = %q", got)
	}
	if got := r.Header.Get("Stripe-Version"); got != payments.APIVersion {
		t.Errorf("Stripe-Version = %q", got)
	}
}

func TestRefundReversesTransferAndFeeUnderADeterministicKey(t *testing.T) {
	c, m := newClient(t, nil)
	for range 2 {
		if _, err := c.Refund(context.Background(), 9, "pi_123"); err != nil {
			t.Fatal(err)
		}
	}
	reqs := m.Find("POST", "/v1/refunds")
	if len(reqs) != 2 {
		t.Fatalf("%d refund requests", len(reqs))
	}
	for _, r := range reqs {
		if r.Form.Get("reverse_transfer") != "true" || r.Form.Get("refund_application_fee") != "true" || r.Form.Get("payment_intent") != "pi_123" {
			t.Errorf("refund form %v", r.Form)
		}
		if r.Header.Get("Idempotency-Key") != payments.RefundIdempotencyKey(9) {
			t.Errorf("Idempotency-Key = %q", r.Header.Get("Idempotency-Key"))
		}
	}
}

func TestConnectOnboardingCallsStripe(t *testing.T) {
	c, m := newClient(t, nil)
	ctx := context.Background()
	id, err := c.CreateExpressAccount(ctx, 5, "creator@example.com")
	if err != nil || id == "" {
		t.Fatal(id, err)
	}
	link, err := c.AccountLink(ctx, id, "http://claro.test/refresh", "http://claro.test/return")
	if err != nil || link == "" {
		t.Fatal(link, err)
	}
	if _, err := c.RetrieveAccount(ctx, id); err != nil {
		t.Fatal(err)
	}
	acct := m.Find("POST", "/v1/accounts")
	if len(acct) != 1 || acct[0].Form.Get("type") != "express" || acct[0].Form.Get("capabilities[transfers][requested]") != "true" {
		t.Fatalf("account requests %+v", acct)
	}
	links := m.Find("POST", "/v1/account_links")
	if len(links) != 1 || links[0].Form.Get("return_url") != "http://claro.test/return" || links[0].Form.Get("type") != "account_onboarding" {
		t.Fatalf("account link requests %+v", links)
	}
}

func TestStripeErrorIsErrStripe(t *testing.T) {
	c, m := newClient(t, nil)
	m.Fail("POST", "/v1/checkout/sessions", 400)
	_, err := c.CreateCheckoutSession(context.Background(), payments.SessionRequest{CheckoutID: 1, Currency: "usd", Destination: "acct_x"})
	if !errors.Is(err, payments.ErrStripe) {
		t.Fatalf("err = %v", err)
	}
}

func TestVerifyRefusesBadSignaturesAndOtherVersions(t *testing.T) {
	var logs bytes.Buffer
	v := payments.New(payments.Config{SecretKey: stripetest.SecretKey, WebhookSecret: whsec, ConnectWebhookSecret: connectWhsec,
		Logger: slog.New(slog.NewTextHandler(&logs, nil))}).Webhooks()
	body := stripetest.Event("evt_1", "checkout.session.completed", stripetest.Session("cs_1", "1", 1000, "pi_1", "paid"))
	now := time.Now()
	cases := []struct {
		name   string
		header string
		ep     payments.Endpoint
	}{
		{"missing", "", payments.PlatformEndpoint},
		{"forged", stripetest.Sign(body, "whsec_someone_else", now), payments.PlatformEndpoint},
		{"ten minutes old", stripetest.Sign(body, whsec, now.Add(-10*time.Minute)), payments.PlatformEndpoint},
		{"platform secret on connect", stripetest.Sign(body, whsec, now), payments.ConnectEndpoint},
		{"garbled", "t=abc,v1=zz", payments.PlatformEndpoint},
	}
	for _, tc := range cases {
		if _, err := v.Verify(body, tc.header, tc.ep); !errors.Is(err, payments.ErrSignature) {
			t.Errorf("%s: err = %v", tc.name, err)
		}
	}
	e, err := v.Verify(body, stripetest.Sign(body, whsec, now), payments.PlatformEndpoint)
	if err != nil || e.Session == nil || e.Session.PaymentIntentID != "pi_1" || e.Session.AmountTotal != 1000 || e.Session.ClientReferenceID != "1" {
		t.Fatalf("valid event: %+v %v", e, err)
	}
	old := stripetest.Event("evt_2", "checkout.session.completed", stripetest.Session("cs_1", "1", 1000, "pi_1", "paid"), stripetest.APIVersion("2023-10-16"))
	_, err = v.Verify(old, stripetest.Sign(old, whsec, now), payments.PlatformEndpoint)
	var verr *payments.VersionError
	if !errors.As(err, &verr) {
		t.Fatalf("version mismatch: %v", err)
	}
	if !strings.Contains(logs.String(), "2023-10-16") || !strings.Contains(logs.String(), payments.APIVersion) {
		t.Errorf("log does not name both versions: %s", logs.String())
	}
}

// The test signers stand in for Stripe in `claro dev` only: each signs for
// its own endpoint alone, and a live deployment signs nothing (the attack: a
// live server minting events that move real entitlements).
func TestTestSignersSignForTheirEndpointAndNeverLive(t *testing.T) {
	v := payments.New(payments.Config{SecretKey: stripetest.SecretKey, WebhookSecret: whsec, ConnectWebhookSecret: connectWhsec}).Webhooks()
	body := stripetest.Event("evt_acct", "account.updated", stripetest.Account("acct_1", true, true, nil, ""), stripetest.OnAccount("acct_1"))
	sig, err := v.SignTestConnectEvent(body)
	if err != nil {
		t.Fatal(err)
	}
	if e, err := v.Verify(body, sig, payments.ConnectEndpoint); err != nil || e.Connect == nil || !e.Connect.ChargesEnabled || e.Account != "acct_1" {
		t.Fatalf("connect: %+v %v", e, err)
	}
	if _, err := v.Verify(body, sig, payments.PlatformEndpoint); !errors.Is(err, payments.ErrSignature) {
		t.Fatalf("a Connect signature passed the platform endpoint: %v", err)
	}
	if sig, err = v.SignTestPayment(body); err != nil {
		t.Fatal(err)
	}
	if _, err := v.Verify(body, sig, payments.ConnectEndpoint); !errors.Is(err, payments.ErrSignature) {
		t.Fatalf("a platform signature passed the Connect endpoint: %v", err)
	}
	live := payments.New(payments.Config{SecretKey: "sk_live_x", WebhookSecret: whsec, ConnectWebhookSecret: connectWhsec}).Webhooks()
	if _, err := live.SignTestConnectEvent(body); !errors.Is(err, payments.ErrLiveTestPayment) {
		t.Fatalf("live Connect signing: %v", err)
	}
	if _, err := live.SignTestPayment(body); !errors.Is(err, payments.ErrLiveTestPayment) {
		t.Fatalf("live platform signing: %v", err)
	}
}

// Only the dev configuration sends onboarding to the local test page, and
// only once Stripe made the link.
func TestAccountLinkGoesToTheTestOnboardingPageOnlyInDev(t *testing.T) {
	m := stripetest.Start(t)
	ctx := context.Background()
	dev := payments.New(payments.Config{SecretKey: stripetest.SecretKey, APIBase: m.URL, TestOnboardingURL: "http://claro.test/dev/onboard/"})
	link, err := dev.AccountLink(ctx, "acct_9", "http://claro.test/r", "http://claro.test/b")
	if err != nil || link != "http://claro.test/dev/onboard/acct_9" || len(m.Find("POST", "/v1/account_links")) != 1 {
		t.Fatalf("dev link %q, %v", link, err)
	}
	real := payments.New(payments.Config{SecretKey: stripetest.SecretKey, APIBase: m.URL})
	if link, err := real.AccountLink(ctx, "acct_9", "http://claro.test/r", "http://claro.test/b"); err != nil || !strings.HasPrefix(link, "https://") {
		t.Fatalf("link %q, %v", link, err)
	}
	m.Fail("POST", "/v1/account_links", 400)
	if _, err := dev.AccountLink(ctx, "acct_9", "http://claro.test/r", "http://claro.test/b"); !errors.Is(err, payments.ErrStripe) {
		t.Fatalf("a refused link still went to the test page: %v", err)
	}
}

// stripe-mock checks every parameter against Stripe's OpenAPI spec: the
// created range and status filter the reconciler sends are ones Stripe
// accepts, every listed session decodes, and a refusal is ErrStripe.
func TestListCompletedSessionsAsksForCompletedSessionsSince(t *testing.T) {
	c, m := newClient(t, nil)
	ss, err := c.ListCompletedSessions(context.Background(), time.Now().Add(-72*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range ss {
		if s.ID == "" {
			t.Errorf("a listed session without an id: %+v", s)
		}
	}
	if n := len(m.Find("GET", "/v1/checkout/sessions")); n != 1 {
		t.Fatalf("%d list calls, want 1", n)
	}
	m.Fail("GET", "/v1/checkout/sessions", 400)
	if _, err := c.ListCompletedSessions(context.Background(), time.Now().Add(-time.Hour)); !errors.Is(err, payments.ErrStripe) {
		t.Fatalf("refused list: %v, want ErrStripe", err)
	}
}
