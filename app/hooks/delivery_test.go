package hooks_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/claro-market/claro/app/catalog"
	"github.com/claro-market/claro/app/hooks"
	"github.com/claro-market/claro/tenants"
	"github.com/claro-market/claro/testkit/apptest"
	"github.com/claro-market/claro/testkit/moneytest"
	"github.com/claro-market/claro/testkit/stripetest"
	"github.com/uptrace/bun"
)

// shop is a store with a product and a signed-in buyer, on the real app
// with stripe-mock.
type shop struct {
	e       *moneytest.Env
	store   *tenants.Tenant
	product *catalog.Product
	buyer   *apptest.Browser
}

func newShop(t *testing.T) *shop {
	t.Helper()
	e := moneytest.New(t, testDB)
	s := &shop{e: e, store: e.Store(t, apptest.Unique("hooks"))}
	s.product = e.Product(t, s.store, "kit", catalog.Public)
	s.buyer = e.NewBrowser()
	s.buyer.SignUp(t, apptest.Email("hookbuyer"), "a long enough password", "Buyer")
	return s
}

// sell pays one checkout of the product through the Stripe webhook and
// returns the order's id and payment intent.
func (s *shop) sell(t *testing.T) (order int64, pi string) {
	t.Helper()
	ck := s.e.OpenCheckout(t, s.buyer, s.store, s.product)
	pi = "pi_" + apptest.Unique("hk")
	s.e.Pay(t, ck, pi)
	if err := s.e.DB.Primary.NewRaw(`SELECT id FROM orders WHERE checkout_id = ?`, ck.ID).Scan(context.Background(), &order); err != nil {
		t.Fatal(err)
	}
	return order, pi
}

// refund delivers a full refund of pi.
func (s *shop) refund(t *testing.T, pi string, amount int64) {
	t.Helper()
	ev := stripetest.Event("evt_"+apptest.Unique("rf"), "charge.refunded", stripetest.Charge("ch_"+pi, pi, amount, amount))
	if resp, body := s.e.Deliver(t, "/webhooks/stripe", ev); resp.StatusCode != http.StatusOK {
		t.Fatalf("refund webhook: %d %s", resp.StatusCode, body)
	}
}

// events are the store's events (public id -> type), oldest first.
func (s *shop) events(t *testing.T) map[string]string {
	t.Helper()
	var rows []struct {
		ID   string `bun:"public_id"`
		Type string `bun:"type"`
	}
	if err := s.e.DB.Primary.NewRaw(`SELECT public_id, type FROM hook_events WHERE tenant_id = ? ORDER BY id`, s.store.ID).
		Scan(context.Background(), &rows); err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, r := range rows {
		out[r.ID] = r.Type
	}
	return out
}

// attempts counts the store's attempts whose error contains what.
func (s *shop) attempts(t *testing.T, what string) int {
	return s.e.Count(t, `hook_attempts WHERE tenant_id = ? AND error LIKE '%' || ? || '%'`, s.store.ID, what)
}

// The done-means test: a real receiver verifying every signature sees every
// event at least once, across a receiver that times out, answers 500, and
// is down for a while.
func TestEveryEventArrivesSignedAcrossTimeoutsErrorsAndAnOutage(t *testing.T) {
	s := newShop(t)
	r := newReceiver(t)
	ep := addEndpoint(t, s.e, s.store, r.URL(), hooks.Sale, hooks.Refund)
	r.trust(ep.Secret)
	runWorker(t, s.e, fastOptions())
	const bound = 15 * time.Second

	// 1. The receiver does not answer within the worker's timeout.
	r.set("slow")
	order1, pi1 := s.sell(t)
	waitFor(t, bound, "a timed-out attempt of the sale", func() bool { return s.attempts(t, "timed out") >= 1 })
	r.set("ok")
	waitFor(t, bound, "the sale delivered after its timeout", func() bool { _, _, _, acc := r.snapshot(); return len(acc) == 1 })

	// 2. It answers 500.
	r.set("fail")
	s.refund(t, pi1, s.product.PriceCents)
	waitFor(t, bound, "two 500s for the refund", func() bool {
		return s.e.Count(t, `hook_attempts WHERE tenant_id = ? AND status_code = 500`, s.store.ID) >= 2
	})
	r.set("ok")
	waitFor(t, bound, "the refund delivered after the 500s", func() bool { _, _, _, acc := r.snapshot(); return len(acc) == 2 })

	// 3. It is down: nothing listens on its address.
	r.Down()
	order2, _ := s.sell(t)
	waitFor(t, bound, "two attempts to a receiver that is down", func() bool { return s.attempts(t, "no answer") >= 2 })
	r.Up(t)
	waitFor(t, bound, "the second sale delivered once the receiver is back", func() bool { _, _, _, acc := r.snapshot(); return len(acc) == 3 })

	// No delivery is lost, every request was signed right, and the
	// repeats the receiver saw were of the same event (same id, so it
	// can deduplicate).
	requests, bad, seen, accepted := r.snapshot()
	if len(bad) > 0 {
		t.Fatalf("signatures that did not verify: %v", bad)
	}
	events := s.events(t)
	if len(events) != 3 {
		t.Fatalf("events written: %v, want 2 sales and a refund", events)
	}
	total := 0
	for id, typ := range events {
		if _, ok := accepted[id]; !ok {
			t.Errorf("event %s (%s) never delivered", id, typ)
		}
		total += seen[id]
	}
	if total != requests {
		t.Fatalf("the receiver got %d requests, %d of them verified for this store's events", requests, total)
	}
	if total <= 3 {
		t.Fatalf("%d verified requests for 3 events: the timeout and the 500s were not retried", total)
	}
	// The receiver's 200 reaches the worker a moment after the receiver
	// counted it.
	waitFor(t, bound, "all three deliveries marked delivered", func() bool {
		return s.e.Count(t, `hook_deliveries WHERE tenant_id = ? AND status = 'delivered'`, s.store.ID) == 3
	})

	// The payloads say what happened.
	byType := map[string][]map[string]any{}
	for id, body := range accepted {
		var ev map[string]any
		if err := json.Unmarshal(body, &ev); err != nil {
			t.Fatal(err)
		}
		if ev["id"] != id {
			t.Fatalf("body id %v for event %s", ev["id"], id)
		}
		byType[ev["type"].(string)] = append(byType[ev["type"].(string)], ev)
	}
	if len(byType["sale"]) != 2 || len(byType["refund"]) != 1 {
		t.Fatalf("delivered: %v", byType)
	}
	refund := byType["refund"][0]["data"].(map[string]any)
	o := refund["order"].(map[string]any)
	if int64(o["id"].(float64)) != order1 || o["status"] != "refunded" || refund["revoked"] != true ||
		int64(o["amount_refunded_cents"].(float64)) != s.product.PriceCents {
		t.Fatalf("refund payload: %v", refund)
	}
	orders := map[int64]bool{}
	for _, ev := range byType["sale"] {
		o := ev["data"].(map[string]any)["order"].(map[string]any)
		orders[int64(o["id"].(float64))] = true
		items := o["items"].([]any)
		if len(items) != 1 || int64(items[0].(map[string]any)["product_id"].(float64)) != s.product.ID ||
			int64(o["amount_total_cents"].(float64)) != s.product.PriceCents {
			t.Fatalf("sale payload: %v", o)
		}
		if st := ev["store"].(map[string]any); st["slug"] != s.store.Slug {
			t.Fatalf("sale's store: %v", st)
		}
	}
	if !orders[order1] || !orders[order2] {
		t.Fatalf("sales for orders %v, want %d and %d", orders, order1, order2)
	}
}

// A sale's event is written in the order's own transaction: when anything
// later in that transaction fails, the order and its event are both rolled
// back, and Stripe's retry writes both once.
func TestASaleEventIsWrittenInTheOrdersTransaction(t *testing.T) {
	s := newShop(t)
	addEndpoint(t, s.e, s.store, "http://127.0.0.1:9/unused", hooks.Sale)
	fail := true
	boom := errors.New("a later step fails")
	// A step after the webhook's: it runs in the same transaction.
	s.e.App.Orders.OnPaid(func(ctx context.Context, tx bun.Tx, paid []int64) error {
		if fail {
			var n int
			if err := tx.NewRaw(`SELECT count(*) FROM hook_events WHERE tenant_id = ?`, s.store.ID).Scan(ctx, &n); err != nil {
				return err
			}
			if n != 1 {
				return errors.New("the sale's event is not in the order's transaction")
			}
			return boom
		}
		return nil
	})
	ck := s.e.OpenCheckout(t, s.buyer, s.store, s.product)
	pi := "pi_" + apptest.Unique("tx")
	paid := moneytest.CompletedEvent("evt_"+apptest.Unique("cs"), ck, pi)
	if resp, _ := s.e.Deliver(t, "/webhooks/stripe", paid); resp.StatusCode == http.StatusOK {
		t.Fatal("the webhook succeeded although its transaction failed")
	}
	if n := s.e.Count(t, `orders WHERE checkout_id = ? AND status = 'paid'`, ck.ID); n != 0 {
		t.Fatalf("%d paid orders after the rollback", n)
	}
	if ev := s.events(t); len(ev) != 0 {
		t.Fatalf("events after the rollback: %v", ev)
	}
	fail = false
	if resp, body := s.e.Deliver(t, "/webhooks/stripe", paid); resp.StatusCode != http.StatusOK {
		t.Fatalf("retry: %d %s", resp.StatusCode, body)
	}
	if ev := s.events(t); len(ev) != 1 {
		t.Fatalf("events after the retry: %v, want one sale", ev)
	}
	if n := s.e.Count(t, `hook_deliveries d JOIN hook_events e ON e.id = d.event_id WHERE e.tenant_id = ? AND e.type = 'sale'`, s.store.ID); n != 1 {
		t.Fatalf("%d deliveries of the sale, want 1", n)
	}
}

// A store without an endpoint for an event gets no outbox row for it, and
// a disabled endpoint is owed nothing new.
func TestOnlySubscribedLiveEndpointsAreOwedEvents(t *testing.T) {
	s := newShop(t)
	refundsOnly := addEndpoint(t, s.e, s.store, "http://127.0.0.1:9/refunds", hooks.Refund)
	_, pi := s.sell(t)
	if ev := s.events(t); len(ev) != 0 {
		t.Fatalf("a sale with no sale endpoint wrote %v", ev)
	}
	sales := addEndpoint(t, s.e, s.store, "http://127.0.0.1:9/sales", hooks.Sale)
	if err := s.e.App.DB.InTenant(context.Background(), s.store.ID, func(ctx context.Context, tx bun.Tx) error {
		return s.e.App.Hooks.Creator(tx).SetDisabled(ctx, s.store.ID, refundsOnly.ID, true)
	}); err != nil {
		t.Fatal(err)
	}
	s.refund(t, pi, s.product.PriceCents)
	s.sell(t)
	ev := s.events(t)
	if len(ev) != 1 {
		t.Fatalf("events: %v, want only the second sale", ev)
	}
	for _, typ := range ev {
		if typ != hooks.Sale {
			t.Fatalf("events: %v", ev)
		}
	}
	if n := s.e.Count(t, `hook_deliveries WHERE tenant_id = ? AND endpoint_id = ?`, s.store.ID, sales.ID); n != 1 {
		t.Fatalf("%d deliveries to the sales endpoint", n)
	}
}

// A product's update is an event (a trigger, so every writer's update is),
// its counters are not.
func TestAProductUpdateIsAnEventAndItsCountersAreNot(t *testing.T) {
	s := newShop(t)
	addEndpoint(t, s.e, s.store, "http://127.0.0.1:9/products", hooks.ProductUpdated)
	ctx := context.Background()
	if _, err := s.e.DB.Primary.NewRaw(`UPDATE products SET sales_count = sales_count + 1, trending_score = 1 WHERE id = ?`, s.product.ID).Exec(ctx); err != nil {
		t.Fatal(err)
	}
	if ev := s.events(t); len(ev) != 0 {
		t.Fatalf("a counter update wrote %v", ev)
	}
	if err := s.e.App.DB.InTenant(ctx, s.store.ID, func(ctx context.Context, tx bun.Tx) error {
		_, err := tx.NewRaw(`UPDATE products SET title = 'A new title', price_cents = 2500 WHERE id = ?`, s.product.ID).Exec(ctx)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	var body string
	if err := s.e.DB.Primary.NewRaw(`SELECT body FROM hook_events WHERE tenant_id = ? AND type = 'product.updated'`, s.store.ID).Scan(ctx, &body); err != nil {
		t.Fatal(err)
	}
	var ev struct {
		Data struct {
			Product struct {
				ID    int64  `json:"id"`
				Title string `json:"title"`
				Price int64  `json:"price_cents"`
			} `json:"product"`
		} `json:"data"`
	}
	if err := json.Unmarshal([]byte(body), &ev); err != nil {
		t.Fatal(err)
	}
	if p := ev.Data.Product; p.ID != s.product.ID || p.Title != "A new title" || p.Price != 2500 {
		t.Fatalf("product.updated: %s", body)
	}
	// A rolled-back update leaves no event.
	before := len(s.events(t))
	_ = s.e.App.DB.InTenant(ctx, s.store.ID, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.NewRaw(`UPDATE products SET title = 'Never' WHERE id = ?`, s.product.ID).Exec(ctx); err != nil {
			return err
		}
		return errors.New("roll back")
	})
	if after := len(s.events(t)); after != before {
		t.Fatalf("a rolled-back update left %d events (was %d)", after, before)
	}
	if strings.Contains(body, "sales_count") {
		t.Fatalf("the payload carries counters: %s", body)
	}
}

// Old events go with their log; one redelivered lately (pending) stays.
func TestPruneDeletesOldEventsButNoPendingOne(t *testing.T) {
	s := newShop(t)
	ep := addEndpoint(t, s.e, s.store, "http://127.0.0.1:9/old", hooks.Sale)
	ctx := context.Background()
	for range 2 {
		inTenant(t, s.e, s.store, func(ctx context.Context, c *hooks.Creator) error { return c.SendTest(ctx, s.store.ID, ep.ID) })
	}
	var ids []int64
	if err := s.e.DB.Primary.NewRaw(`SELECT id FROM hook_events WHERE tenant_id = ? ORDER BY id`, s.store.ID).Scan(ctx, &ids); err != nil {
		t.Fatal(err)
	}
	if _, err := s.e.DB.Primary.NewRaw(`UPDATE hook_events SET created_at = now() - interval '31 days' WHERE id IN (?)`, bun.List(ids)).Exec(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := s.e.DB.Primary.NewRaw(`UPDATE hook_deliveries SET status = 'failed' WHERE event_id = ?`, ids[0]).Exec(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := s.e.App.Hooks.Prune(ctx); err != nil {
		t.Fatal(err)
	}
	if n := s.e.Count(t, `hook_events WHERE id = ?`, ids[0]); n != 0 {
		t.Fatal("an old event with no pending delivery was kept")
	}
	if n := s.e.Count(t, `hook_deliveries WHERE event_id = ?`, ids[0]); n != 0 {
		t.Fatal("its deliveries were kept")
	}
	if n := s.e.Count(t, `hook_events WHERE id = ?`, ids[1]); n != 1 {
		t.Fatal("an old event with a pending delivery was deleted")
	}
}

// A dispute is an event too, saying the buyer lost access.
func TestADisputeIsAnEvent(t *testing.T) {
	s := newShop(t)
	addEndpoint(t, s.e, s.store, "http://127.0.0.1:9/disputes", hooks.Dispute)
	order, pi := s.sell(t)
	ev := stripetest.Event("evt_"+apptest.Unique("dp"), "charge.dispute.created", stripetest.Dispute("dp_"+pi, "ch_"+pi, pi, s.product.PriceCents))
	if resp, body := s.e.Deliver(t, "/webhooks/stripe", ev); resp.StatusCode != http.StatusOK {
		t.Fatalf("dispute webhook: %d %s", resp.StatusCode, body)
	}
	var body string
	if err := s.e.DB.Primary.NewRaw(`SELECT body FROM hook_events WHERE tenant_id = ? AND type = 'dispute'`, s.store.ID).Scan(context.Background(), &body); err != nil {
		t.Fatal(err)
	}
	var got struct {
		Data struct {
			Order struct {
				ID     int64  `json:"id"`
				Status string `json:"status"`
			} `json:"order"`
			Revoked bool `json:"revoked"`
		} `json:"data"`
	}
	if err := json.Unmarshal([]byte(body), &got); err != nil {
		t.Fatal(err)
	}
	if got.Data.Order.ID != order || got.Data.Order.Status != "disputed" || !got.Data.Revoked {
		t.Fatalf("dispute event: %s", body)
	}
}

// Two workers draining at once never send one delivery twice to a healthy
// receiver: each claims its rows with SKIP LOCKED.
func TestTwoWorkersShareTheQueueWithoutDoubleSends(t *testing.T) {
	s := newShop(t)
	r := newReceiver(t)
	ep := addEndpoint(t, s.e, s.store, r.URL(), hooks.Sale)
	r.trust(ep.Secret)
	const n = 30
	for range n {
		inTenant(t, s.e, s.store, func(ctx context.Context, c *hooks.Creator) error { return c.SendTest(ctx, s.store.ID, ep.ID) })
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	errs := make(chan error, 2)
	for range 2 {
		w := s.e.App.Hooks.Worker(fastOptions(), nil)
		go func() { _, err := w.Drain(ctx); errs <- err }()
	}
	for range 2 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	requests, bad, seen, accepted := r.snapshot()
	if len(bad) != 0 || len(accepted) != n || requests != n {
		t.Fatalf("%d requests for %d events (accepted %d, refused %v)", requests, n, len(accepted), bad)
	}
	for id, c := range seen {
		if c != 1 {
			t.Fatalf("event %s sent %d times", id, c)
		}
	}
}

// The queue metric's age is how long a delivery has been due without an
// attempt (the workers' lag), not how long a receiver has been down.
func TestTheBacklogMeasuresOverdueDeliveries(t *testing.T) {
	s := newShop(t)
	ep := addEndpoint(t, s.e, s.store, "http://127.0.0.1:9/late", hooks.Sale)
	inTenant(t, s.e, s.store, func(ctx context.Context, c *hooks.Creator) error { return c.SendTest(ctx, s.store.ID, ep.ID) })
	ctx := context.Background()
	if _, err := s.e.DB.Primary.NewRaw(`UPDATE hook_deliveries SET next_attempt_at = now() - interval '10 minutes', since = now() - interval '1 hour'
		WHERE tenant_id = ?`, s.store.ID).Exec(ctx); err != nil {
		t.Fatal(err)
	}
	pending, overdue, err := s.e.App.HookWorker.Backlog(ctx)
	if err != nil || pending < 1 || overdue < 10*time.Minute {
		t.Fatalf("backlog: %d pending, %s overdue (%v); want this store's delivery, 10 minutes overdue", pending, overdue, err)
	}
}
