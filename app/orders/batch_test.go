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

// Deliveries that arrive together are written in one statement; within it an
// event or a session seen twice is left to run alone, and any delivery the
// statement cannot apply sends the whole batch back, written nothing.
func TestABatchWritesEachOrderOnceAndSendsBackWhatItCannotApply(t *testing.T) {
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

	// A batch with a refund waiting for one of its payment intents: the
	// statement raises its fallback, and every delivery runs alone.
	refund := stripetest.Event("evt_"+apptest.Unique("rf"), "charge.refunded", stripetest.Charge("ch_"+run, "pi_"+run+"_4", cks[4].Amount, cks[4].Amount))
	if resp, body := e.Deliver(t, "/webhooks/stripe", refund); resp.StatusCode != 200 {
		t.Fatalf("refund: %d\n%s", resp.StatusCode, body)
	}
	for i, r := range e.App.Orders.RunBatch(ctx, events[3], events[4]) {
		if !r.Alone {
			t.Fatalf("delivery %d of a batch with a refund waiting: %+v", i, r)
		}
	}
	if n := orderCount(); n != 0 || e.Count(t, "stripe_events WHERE id LIKE ?", "evt_"+run+"_%") != 0 {
		t.Fatalf("a batch sent back wrote %d orders", n)
	}

	// Four new events, one of them twice, and a second event for a session
	// already in the batch.
	again := paidEvent("evt_"+run+"_again", cks[1], "pi_"+run+"_1")
	got := e.App.Orders.RunBatch(ctx, events[0], events[1], events[2], events[0], again, events[3])
	for i, r := range got {
		alone := i == 3 || i == 4
		if r.Alone != alone || r.Err != nil || (!alone && r.OrderID == 0) {
			t.Fatalf("delivery %d: %+v", i, r)
		}
	}
	if n := orderCount(); n != 4 {
		t.Fatalf("orders after the batch: %d, want 4", n)
	}
	if n := e.Count(t, "entitlements WHERE tenant_id = ?", store.ID); n != 4 {
		t.Fatalf("entitlements: %d, want 4", n)
	}
	if n := e.Count(t, "receipts_outbox r JOIN orders o ON o.id = r.order_id WHERE o.tenant_id = ?", store.ID); n != 4 {
		t.Fatalf("receipts owed: %d, want 4", n)
	}
	if n := e.Count(t, "checkouts WHERE tenant_id = ? AND status = 'completed'", store.ID); n != 4 {
		t.Fatalf("completed checkouts: %d, want 4", n)
	}

	// The same four again: duplicates, nothing written.
	for i, r := range e.App.Orders.RunBatch(ctx, events[0], events[1], events[2], events[3]) {
		if r.Alone || r.Err != nil || r.OrderID != 0 {
			t.Fatalf("redelivery %d: %+v", i, r)
		}
	}
	if n := orderCount(); n != 4 {
		t.Fatalf("orders after redelivery: %d, want 4", n)
	}

	// The waiting refund's order, delivered on its own, takes the general path.
	if resp, body := e.Deliver(t, "/webhooks/stripe", moneytest.CompletedEvent(events[4].ID, cks[4], "pi_"+run+"_4")); resp.StatusCode != 200 {
		t.Fatalf("webhook: %d\n%s", resp.StatusCode, body)
	}
	var status string
	if err := e.DB.Primary.NewRaw(`SELECT status FROM orders WHERE checkout_id = ?`, cks[4].ID).Scan(ctx, &status); err != nil || status != orders.StatusRefunded {
		t.Fatalf("the refunded order: %q, %v", status, err)
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
