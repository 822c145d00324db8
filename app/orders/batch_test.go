package orders_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/claro-market/claro/app/catalog"
	"github.com/claro-market/claro/app/orders"
	"github.com/claro-market/claro/app/payments"
	"github.com/claro-market/claro/testkit/apptest"
	"github.com/claro-market/claro/testkit/moneytest"
	"github.com/claro-market/claro/testkit/stripetest"
)

// paidEvent is a verified, paid checkout.session.completed for ck.
func paidEvent(id string, ck moneytest.Checkout, pi string) *payments.Event {
	return &payments.Event{ID: id, Type: "checkout.session.completed", APIVersion: payments.APIVersion, Created: time.Now(),
		Session: &payments.CheckoutSession{ID: ck.Session, ClientReferenceID: strconv.FormatInt(ck.ID, 10), PaymentIntentID: pi,
			PaymentStatus: "paid", AmountTotal: ck.Amount, Currency: "usd"}}
}

// Deliveries that arrive together are written in one transaction by the
// same writer a lone delivery uses: each order once, an event or a session
// seen twice in the batch applied once, a refund waiting for one of them
// applied to it, and a redelivered batch writes nothing.
func TestABatchWritesEachOrderOnceAndAppliesWhatWasWaiting(t *testing.T) {
	e := moneytest.New(t, testDB)
	ctx := context.Background()
	store := e.Store(t, apptest.Unique("batch"))
	product := e.Product(t, store, "pack", catalog.Public)
	var cks []moneytest.Checkout
	for range 5 {
		b := e.NewBrowser()
		b.SignUp(t, apptest.Unique("buyer")+"@example.com", pw, "Buyer")
		cks = append(cks, e.OpenCheckout(t, b, store, product))
	}
	run := apptest.Unique("b")
	events := make([]*payments.Event, len(cks))
	for i, ck := range cks {
		events[i] = paidEvent("evt_"+run+"_"+strconv.Itoa(i), ck, "pi_"+run+"_"+strconv.Itoa(i))
	}
	orderCount := func() int { return e.Count(t, "orders WHERE tenant_id = ?", store.ID) }
	orderIDs := func() string {
		var ids string
		if err := e.DB.Primary.NewRaw(`SELECT coalesce(string_agg(id::text, ',' ORDER BY id), '') FROM orders WHERE tenant_id = ?`, store.ID).
			Scan(ctx, &ids); err != nil {
			t.Fatal(err)
		}
		return ids
	}

	// A refund waiting for one payment intent of the batch: the batch writes
	// both orders, and the refunded one is refunded, granting nothing live.
	refund := stripetest.Event("evt_"+apptest.Unique("rf"), "charge.refunded", stripetest.Charge("ch_"+run, "pi_"+run+"_4", cks[4].Amount, cks[4].Amount))
	if resp, body := e.Deliver(t, "/webhooks/stripe", refund); resp.StatusCode != 200 {
		t.Fatalf("refund: %d\n%s", resp.StatusCode, body)
	}
	if err := e.App.Orders.PayTogether(ctx, events[3], events[4]); err != nil {
		t.Fatal(err)
	}
	if n := orderCount(); n != 2 || e.Count(t, "stripe_events WHERE id LIKE ?", "evt_"+run+"_%") != 2 {
		t.Fatalf("a batch with a refund waiting wrote %d orders", n)
	}
	var status string
	if err := e.DB.Primary.NewRaw(`SELECT status FROM orders WHERE checkout_id = ?`, cks[4].ID).Scan(ctx, &status); err != nil || status != orders.StatusRefunded {
		t.Fatalf("the refunded order: %q, %v", status, err)
	}
	if n := e.Count(t, "entitlements WHERE tenant_id = ? AND revoked_at IS NULL", store.ID); n != 1 {
		t.Fatalf("live entitlements after the refunded batch: %d, want 1", n)
	}

	// Two new events, one of them twice, a second event for a session
	// already in the batch, and one already applied.
	again := paidEvent("evt_"+run+"_again", cks[1], "pi_"+run+"_1")
	if err := e.App.Orders.PayTogether(ctx, events[0], events[1], events[2], events[0], again, events[3]); err != nil {
		t.Fatal(err)
	}
	if n := orderCount(); n != 5 {
		t.Fatalf("orders after the batch: %d, want 5", n)
	}
	if n := e.Count(t, "entitlements WHERE tenant_id = ?", store.ID); n != 5 {
		t.Fatalf("entitlements: %d, want 5", n)
	}
	if n := e.Count(t, "receipts_outbox r JOIN orders o ON o.id = r.order_id WHERE o.tenant_id = ?", store.ID); n != 5 {
		t.Fatalf("receipts owed: %d, want 5", n)
	}
	if n := e.Count(t, "checkouts WHERE tenant_id = ? AND status = 'completed'", store.ID); n != 5 {
		t.Fatalf("completed checkouts: %d, want 5", n)
	}
	if n := e.Count(t, "stripe_events WHERE id LIKE ?", "evt_"+run+"_%"); n != 6 {
		t.Fatalf("events recorded: %d, want 6", n)
	}

	// The same deliveries again: duplicates, nothing written.
	before := orderIDs()
	if err := e.App.Orders.PayTogether(ctx, events[0], events[1], events[2], events[3], events[4], again); err != nil {
		t.Fatal(err)
	}
	if n, ids := orderCount(), orderIDs(); n != 5 || ids != before {
		t.Fatalf("orders after redelivery: %d (%s), want 5 (%s)", n, ids, before)
	}
	if n := e.Count(t, "SELECT coalesce(sum(units), 0) FROM sales_ledger l JOIN products p ON p.id = l.product_id WHERE p.tenant_id = ?", store.ID); n != 4 {
		t.Fatalf("ledger units: %d, want 4 (five sold, one refunded)", n)
	}
}

// Forty checkouts paid at once from eight senders, with each event delivered
// up to three times: whatever batches form, every checkout gets one order,
// one entitlement and one receipt, and nothing is left half-written.
func TestConcurrentPaidDeliveriesMakeOneOrderEach(t *testing.T) {
	e := moneytest.New(t, testDB)
	store := e.Store(t, apptest.Unique("together"))
	payloads := paidDeliveries(t, e, store, 40, 100)
	events := func() int { return e.Count(t, "stripe_events WHERE id LIKE 'evt_bench_%'") }
	before := events()
	if failed := deliverAll(t, e, payloads, 8); failed != 0 {
		t.Fatalf("%d deliveries not answered 200", failed)
	}
	for what, q := range map[string]string{
		"orders":        "orders WHERE tenant_id = ?",
		"paid orders":   "orders WHERE tenant_id = ? AND status = 'paid'",
		"sessions":      "SELECT count(DISTINCT stripe_checkout_session_id) FROM orders WHERE tenant_id = ?",
		"entitlements":  "entitlements WHERE tenant_id = ?",
		"receipts owed": "receipts_outbox r JOIN orders o ON o.id = r.order_id WHERE o.tenant_id = ?",
		"completed":     "checkouts WHERE tenant_id = ? AND status = 'completed'",
		"ledger units":  "SELECT coalesce(sum(units), 0) FROM sales_ledger l JOIN products p ON p.id = l.product_id WHERE p.tenant_id = ?",
	} {
		if n := e.Count(t, q, store.ID); n != 40 {
			t.Errorf("%s: %d, want 40", what, n)
		}
	}
	if n := events() - before; n != 40 {
		t.Errorf("events recorded: %d, want 40", n)
	}
}
