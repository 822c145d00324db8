package orders_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/claro-market/claro/app/catalog"
	"github.com/claro-market/claro/tenants"
	"github.com/claro-market/claro/testkit/apptest"
	"github.com/claro-market/claro/testkit/moneytest"
	"github.com/claro-market/claro/testkit/stripetest"
)

const pw = "a long enough password"

// sale is a store with a product and a buyer whose checkout is open.
type sale struct {
	e       *moneytest.Env
	store   *tenants.Tenant
	product *catalog.Product
	buyer   *apptest.Browser
	ck      moneytest.Checkout
	pi      string
}

func newSale(t *testing.T) *sale {
	t.Helper()
	e := moneytest.New(t, testDB)
	s := &sale{e: e, store: e.Store(t, apptest.Unique("seller")), buyer: e.NewBrowser()}
	s.product = e.Product(t, s.store, "pack", catalog.Public)
	s.buyer.SignUp(t, apptest.Unique("buyer")+"@example.com", pw, "Buyer")
	s.ck = e.OpenCheckout(t, s.buyer, s.store, s.product)
	s.pi = "pi_" + apptest.Unique("test")
	return s
}

func (s *sale) sessionEvent(id, typ string, amount int64, status string) []byte {
	return stripetest.Event(id, typ, stripetest.Session(s.ck.Session, strconv.FormatInt(s.ck.ID, 10), amount, s.pi, status))
}

func (s *sale) deliver(t *testing.T, payload []byte) {
	t.Helper()
	resp, body := s.e.Deliver(t, "/webhooks/stripe", payload)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("webhook: %d\n%s", resp.StatusCode, body)
	}
}

// state is what the buyer got: orders, live entitlements, all entitlements,
// the product's sales count and the order's status.
type state struct {
	Orders, Live, Granted, Sales int
	Status                       string
}

func (s *sale) state(t *testing.T) state {
	t.Helper()
	var st state
	st.Orders = s.e.Count(t, "orders WHERE tenant_id = ?", s.store.ID)
	st.Live = s.e.Count(t, "entitlements WHERE tenant_id = ? AND revoked_at IS NULL", s.store.ID)
	st.Granted = s.e.Count(t, "entitlements WHERE tenant_id = ?", s.store.ID)
	// The sales count moves when the ledger is applied (app.Background runs
	// the applier; here it is called).
	if _, err := s.e.App.Sales.Apply(context.Background()); err != nil {
		t.Fatal(err)
	}
	st.Sales = s.e.Count(t, "SELECT sales_count FROM products WHERE id = ?", s.product.ID)
	if st.Orders == 1 {
		if err := s.e.DB.Primary.NewRaw(`SELECT status FROM orders WHERE tenant_id = ?`, s.store.ID).Scan(context.Background(), &st.Status); err != nil {
			t.Fatal(err)
		}
	}
	return st
}

func TestWebhookFiftyConcurrentDeliveriesMakeOneOrder(t *testing.T) {
	s := newSale(t)
	payload := s.sessionEvent("evt_"+apptest.Unique("dup"), "checkout.session.completed", s.ck.Amount, "paid")
	var wg sync.WaitGroup
	codes := make([]int, 50)
	for i := range codes {
		wg.Go(func() {
			resp, _ := s.e.Deliver(t, "/webhooks/stripe", payload)
			codes[i] = resp.StatusCode
		})
	}
	wg.Wait()
	for i, c := range codes {
		if c != http.StatusOK {
			t.Errorf("delivery %d: %d", i, c)
		}
	}
	if got := s.state(t); got != (state{Orders: 1, Live: 1, Granted: 1, Sales: 1, Status: "paid"}) {
		t.Fatalf("state %+v", got)
	}
}

func TestSameSessionInTwoEventsMakesOneOrder(t *testing.T) {
	s := newSale(t)
	s.deliver(t, s.sessionEvent("evt_"+apptest.Unique("a"), "checkout.session.completed", s.ck.Amount, "paid"))
	s.deliver(t, s.sessionEvent("evt_"+apptest.Unique("b"), "checkout.session.completed", s.ck.Amount, "paid"))
	s.deliver(t, s.sessionEvent("evt_"+apptest.Unique("c"), "checkout.session.async_payment_succeeded", s.ck.Amount, "paid"))
	if got := s.state(t); got != (state{Orders: 1, Live: 1, Granted: 1, Sales: 1, Status: "paid"}) {
		t.Fatalf("state %+v", got)
	}
}

func TestBadSignaturesAreRefusedAndWriteNothing(t *testing.T) {
	s := newSale(t)
	events := s.e.Count(t, "stripe_events")
	payload := s.sessionEvent("evt_"+apptest.Unique("bad"), "checkout.session.completed", s.ck.Amount, "paid")
	now := time.Now()
	cases := []struct{ name, path, header string }{
		{"missing", "/webhooks/stripe", ""},
		{"forged", "/webhooks/stripe", stripetest.Sign(payload, "whsec_attacker", now)},
		{"ten minutes old", "/webhooks/stripe", stripetest.Sign(payload, moneytest.WebhookSecret, now.Add(-10*time.Minute))},
		{"platform-signed on connect", "/webhooks/stripe/connect", stripetest.Sign(payload, moneytest.WebhookSecret, now)},
		{"connect-signed on platform", "/webhooks/stripe", stripetest.Sign(payload, moneytest.ConnectWebhookSecret, now)},
	}
	for _, tc := range cases {
		resp, _ := s.e.PostWebhook(t, tc.path, payload, tc.header)
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("%s: status %d", tc.name, resp.StatusCode)
		}
	}
	if got := s.state(t); got != (state{}) || s.e.Count(t, "stripe_events") != events {
		t.Fatalf("something was written: %+v", got)
	}
}

func TestEventInAnotherAPIVersionIsRefusedLoudly(t *testing.T) {
	s := newSale(t)
	payload := stripetest.Event("evt_"+apptest.Unique("v"), "checkout.session.completed",
		stripetest.Session(s.ck.Session, strconv.FormatInt(s.ck.ID, 10), s.ck.Amount, s.pi, "paid"), stripetest.APIVersion("2023-10-16"))
	resp, _ := s.e.Deliver(t, "/webhooks/stripe", payload)
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("status %d", resp.StatusCode)
	}
	if got := s.state(t); got != (state{}) {
		t.Fatalf("state %+v", got)
	}
	if log := s.e.Log.String(); !strings.Contains(log, "2023-10-16") || !strings.Contains(log, "2024-06-20") {
		t.Fatalf("log does not name both versions:\n%s", log)
	}
}

func TestOversizedWebhookIs413BeforeSignatureWork(t *testing.T) {
	s := newSale(t)
	// Only the head and the first 64 KiB of a 1 MiB + 1 request are sent
	// (more than the server's 16 KiB read buffer), with a valid signature of
	// the whole body: the answer must come without the rest being read.
	big := bytes.Repeat([]byte("x"), 1<<20+1)
	resp := s.e.SendPartial(t, fmt.Sprintf("POST /webhooks/stripe HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nStripe-Signature: %s\r\nContent-Length: %d\r\n\r\n",
		apptest.Root, stripetest.Sign(big, moneytest.WebhookSecret, time.Time{}), len(big)), big[:64<<10])
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Fatalf("status %d", resp.StatusCode)
	}
	if strings.Contains(s.e.Log.String(), "bad signature") {
		t.Fatal("the signature was checked")
	}
}

func TestWebhooksAreServedOnTheRootDomainOnly(t *testing.T) {
	s := newSale(t)
	payload := s.sessionEvent("evt_"+apptest.Unique("host"), "checkout.session.completed", s.ck.Amount, "paid")
	req, _ := http.NewRequest(http.MethodPost, "http://"+apptest.StoreHost(s.store.Slug)+"/webhooks/stripe", bytes.NewReader(payload))
	req.Host = apptest.StoreHost(s.store.Slug)
	req.Header.Set("Stripe-Signature", stripetest.Sign(payload, moneytest.WebhookSecret, time.Time{}))
	resp, _ := s.e.Do(t, req)
	if resp.StatusCode != http.StatusNotFound {
		t.Fatalf("status %d", resp.StatusCode)
	}
	if got := s.state(t); got != (state{}) {
		t.Fatalf("state %+v", got)
	}
}

func TestUnpaidGrantsNothingUntilAsyncPaymentSucceeds(t *testing.T) {
	s := newSale(t)
	s.deliver(t, s.sessionEvent("evt_"+apptest.Unique("u"), "checkout.session.completed", s.ck.Amount, "unpaid"))
	if got := s.state(t); got != (state{Orders: 1, Status: "pending"}) {
		t.Fatalf("after unpaid: %+v", got)
	}
	s.deliver(t, s.sessionEvent("evt_"+apptest.Unique("s"), "checkout.session.async_payment_succeeded", s.ck.Amount, "paid"))
	if got := s.state(t); got != (state{Orders: 1, Live: 1, Granted: 1, Sales: 1, Status: "paid"}) {
		t.Fatalf("after async success: %+v", got)
	}
}

func TestAsyncPaymentFailureGrantsNothing(t *testing.T) {
	s := newSale(t)
	s.deliver(t, s.sessionEvent("evt_"+apptest.Unique("u"), "checkout.session.completed", s.ck.Amount, "unpaid"))
	s.deliver(t, s.sessionEvent("evt_"+apptest.Unique("f"), "checkout.session.async_payment_failed", s.ck.Amount, "unpaid"))
	if got := s.state(t); got != (state{Orders: 1, Status: "failed"}) {
		t.Fatalf("after failure: %+v", got)
	}
}

func TestAmountMismatchGrantsNothingAndLogsAnAlert(t *testing.T) {
	s := newSale(t)
	s.deliver(t, s.sessionEvent("evt_"+apptest.Unique("m"), "checkout.session.completed", s.ck.Amount-1, "paid"))
	if got := s.state(t); got != (state{}) {
		t.Fatalf("state %+v", got)
	}
	if log := s.e.Log.String(); !strings.Contains(log, "ALERT") || !strings.Contains(log, "amount_mismatch") ||
		!strings.Contains(log, fmt.Sprintf("expected_cents=%d", s.ck.Amount)) {
		t.Fatalf("no alert:\n%s", log)
	}
}

// Stripe may deliver the webhook before the request that opened the session
// has stored its id: the checkout is then found by client_reference_id, takes
// the session id, and the order is written once, with its event recorded.
func TestWebhookBeforeTheSessionIDIsStoredStillMakesTheOrder(t *testing.T) {
	s := newSale(t)
	ctx := context.Background()
	if _, err := s.e.DB.Primary.NewRaw(`UPDATE checkouts SET stripe_checkout_session_id = NULL WHERE id = ?`, s.ck.ID).Exec(ctx); err != nil {
		t.Fatal(err)
	}
	evt := "evt_" + apptest.Unique("early")
	s.deliver(t, s.sessionEvent(evt, "checkout.session.completed", s.ck.Amount, "paid"))
	s.deliver(t, s.sessionEvent(evt, "checkout.session.completed", s.ck.Amount, "paid"))
	if got := s.state(t); got != (state{Orders: 1, Live: 1, Granted: 1, Sales: 1, Status: "paid"}) {
		t.Fatalf("state %+v", got)
	}
	if n := s.e.Count(t, "checkouts WHERE id = ? AND stripe_checkout_session_id = ? AND status = 'completed'", s.ck.ID, s.ck.Session); n != 1 {
		t.Fatalf("the checkout did not take its session id: %d", n)
	}
	if n := s.e.Count(t, "stripe_events WHERE id = ?", evt); n != 1 {
		t.Fatalf("event rows: %d", n)
	}
}
