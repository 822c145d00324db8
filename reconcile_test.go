package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/claro-market/claro/testkit/dbtest"
	"github.com/claro-market/claro/testkit/stripetest"
)

// `claro reconcile` runs one pass on the app's own wiring against the
// configured Stripe and prints what it did; a second run does the same.
func TestReconcileCommandRunsOnePass(t *testing.T) {
	ctx := context.Background()
	td, err := dbtest.Create(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = td.Drop(context.WithoutCancel(ctx)) })
	mock := stripetest.Start(t)
	t.Setenv("DATABASE_URL", td.URL)
	t.Setenv("STRIPE_SECRET_KEY", stripetest.SecretKey)
	t.Setenv("STRIPE_API_BASE", mock.URL)
	for range 2 {
		var out, errOut bytes.Buffer
		if code := run([]string{"reconcile"}, &out, &errOut); code != 0 {
			t.Fatalf("exit %d\nstdout: %s\nstderr: %s", code, out.String(), errOut.String())
		}
		if !strings.Contains(out.String(), "completed sessions in the last 72 hours, 0 orders written, 0 accounts re-read") {
			t.Fatalf("summary %q", out.String())
		}
	}
	if n := len(mock.Find("GET", "/v1/checkout/sessions")); n != 2 {
		t.Fatalf("%d list calls, want 2", n)
	}
}
