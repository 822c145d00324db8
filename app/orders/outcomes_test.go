package orders_test

import (
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/claro-market/claro/testkit/apptest"
	"github.com/claro-market/claro/testkit/promtest"
	"github.com/claro-market/claro/testkit/stripetest"
)

// TestEveryDeliveryIsCountedByOutcome: each way a delivery can end is one
// claro_webhook_deliveries_total outcome, on the endpoint it came to:
// applied and duplicate on the paid-order writer and on the general path
// (a session still unpaid), ignored, refused signatures and API versions,
// and a signed event that cannot be read (500, so Stripe retries).
func TestEveryDeliveryIsCountedByOutcome(t *testing.T) {
	s := newSale(t)
	ref := strconv.FormatInt(s.ck.ID, 10)
	unpaid := s.sessionEvent("evt_"+apptest.Unique("unpaid"), "checkout.session.completed", s.ck.Amount, "unpaid")
	paid := s.sessionEvent("evt_"+apptest.Unique("paid"), "checkout.session.async_payment_succeeded", s.ck.Amount, "paid")
	other := stripetest.Event("evt_"+apptest.Unique("other"), "customer.created", map[string]any{"id": "cus_1", "object": "customer"})
	oldAPI := stripetest.Event("evt_"+apptest.Unique("v"), "checkout.session.completed",
		stripetest.Session(s.ck.Session, ref, s.ck.Amount, s.pi, "paid"), stripetest.APIVersion("2023-10-16"))
	broken := stripetest.Session(s.ck.Session, ref, s.ck.Amount, s.pi, "paid")
	broken["amount_total"] = "not a number"
	unreadable := stripetest.Event("evt_"+apptest.Unique("broken"), "checkout.session.completed", broken)

	for _, d := range []struct {
		payload []byte
		status  int
	}{
		{unpaid, http.StatusOK}, {unpaid, http.StatusOK}, // the general path: applied, then a duplicate
		{paid, http.StatusOK}, {paid, http.StatusOK}, // the paid-order writer: applied, then a duplicate
		{other, http.StatusOK},
		{oldAPI, http.StatusBadRequest},
		{unreadable, http.StatusInternalServerError},
	} {
		if resp, body := s.e.Deliver(t, "/webhooks/stripe", d.payload); resp.StatusCode != d.status {
			t.Fatalf("delivery: %d, want %d\n%s", resp.StatusCode, d.status, body)
		}
	}
	if resp, _ := s.e.PostWebhook(t, "/webhooks/stripe/connect", paid, stripetest.Sign(paid, "whsec_attacker", time.Now())); resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("forged connect delivery: %d", resp.StatusCode)
	}
	if got := s.state(t); got.Orders != 1 || got.Status != "paid" {
		t.Fatalf("state %+v", got)
	}

	reg := s.e.App.Metrics.Registry
	for _, c := range []struct {
		endpoint, outcome string
		want              float64
	}{
		{"platform", "applied", 2},
		{"platform", "duplicate", 2},
		{"platform", "ignored", 1},
		{"platform", "bad_version", 1},
		{"platform", "retry", 1},
		{"platform", "bad_signature", 0},
		{"connect", "bad_signature", 1},
		{"connect", "applied", 0},
	} {
		if got, _ := promtest.Value(t, reg, "claro_webhook_deliveries_total", "endpoint", c.endpoint, "outcome", c.outcome); got != c.want {
			t.Errorf("%s %s: %v, want %v", c.endpoint, c.outcome, got, c.want)
		}
	}
}
