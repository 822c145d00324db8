package devtools_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/claro-market/claro/app/devtools"
	"github.com/claro-market/claro/app/devtools/stripeproxy"
	"github.com/claro-market/claro/app/payments"
	"github.com/claro-market/claro/testkit/peertest"
)

func startStripe(t *testing.T, dir string) *devtools.Stripe {
	t.Helper()
	s, err := devtools.StartStripe(context.Background(), dir, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if errors.Is(err, stripeproxy.ErrNotInstalled) {
		peertest.Missing(t, err.Error())
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Stop() }) // Stop may run twice
	return s
}

func TestDevStripeGivesEveryCheckoutSessionItsOwnIDAndKeepsItsSecrets(t *testing.T) {
	dir := t.TempDir()
	s := startStripe(t, dir)
	env := s.Env()
	for k, prefix := range map[string]string{"STRIPE_SECRET_KEY": "sk_test_", "STRIPE_WEBHOOK_SECRET": "whsec_",
		"STRIPE_CONNECT_WEBHOOK_SECRET": "whsec_", "STRIPE_API_BASE": "http://127.0.0.1:", "DEV_TEST_PAYMENTS": "true"} {
		if !strings.HasPrefix(env[k], prefix) {
			t.Errorf("%s = %q, want %s…", k, env[k], prefix)
		}
	}
	c := payments.New(payments.Config{SecretKey: env["STRIPE_SECRET_KEY"], APIBase: env["STRIPE_API_BASE"]})
	ids := map[string]bool{}
	for i := range 2 {
		sess, err := c.CreateCheckoutSession(context.Background(), payments.SessionRequest{CheckoutID: int64(i + 1), TenantID: 1,
			Currency: "usd", FeeCents: 100, Destination: "acct_dev", SuccessURL: "http://a/s", CancelURL: "http://a/c",
			Lines: []payments.Line{{ProductID: 1, Name: "Zine", UnitAmount: 1000, Quantity: 1}}})
		if err != nil {
			t.Fatal(err)
		}
		ids[sess.ID] = true
	}
	acct, err := c.CreateExpressAccount(context.Background(), 1, "")
	if err != nil || !strings.HasPrefix(acct, "acct_claro_") {
		t.Fatalf("account %q, %v", acct, err)
	}
	if len(ids) != 2 {
		t.Fatalf("two checkouts got session ids %v", ids)
	}
	if err := s.Stop(); err != nil {
		t.Fatal(err)
	}

	again := startStripe(t, dir)
	for _, k := range []string{"STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET", "STRIPE_CONNECT_WEBHOOK_SECRET"} {
		if again.Env()[k] != env[k] {
			t.Errorf("%s changed across restarts", k)
		}
	}
}

func TestDevStripeWithoutTheBinaryNamesTheInstallCommand(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	t.Setenv("GOPATH", t.TempDir())
	t.Setenv("HOME", t.TempDir())
	_, err := devtools.StartStripe(context.Background(), t.TempDir(), slog.New(slog.NewTextHandler(io.Discard, nil)))
	if !errors.Is(err, stripeproxy.ErrNotInstalled) || !strings.Contains(err.Error(), "go install github.com/stripe/stripe-mock@v0.190.0") {
		t.Fatalf("error %v", err)
	}
}
