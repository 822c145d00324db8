package orders_test

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"testing"

	"github.com/claro-market/claro/app/orders"
	"github.com/claro-market/claro/testkit/apptest"
	"github.com/claro-market/claro/testkit/stripetest"
	"github.com/uptrace/bun"
)

// A step added with OnPaid runs inside the paying transaction: when it
// fails the order is not written and Stripe's retry writes it, the step
// then seeing the order once; a refund's step sees the refund in its own
// transaction.
func TestOrderStepsRunInTheWebhooksTransaction(t *testing.T) {
	s := newSale(t)
	var mu sync.Mutex
	fail := true
	var seen []int64
	var adjusted []orders.Adjusted
	s.e.App.Orders.OnPaid(func(ctx context.Context, tx bun.Tx, ids []int64) error {
		mu.Lock()
		defer mu.Unlock()
		// Only this test's order: other tests' steps never run here (each
		// test has its own app), but check the rows are this store's.
		var n int
		if err := tx.NewRaw(`SELECT count(*) FROM orders WHERE id IN (?) AND tenant_id = ?`, bun.List(ids), s.store.ID).Scan(ctx, &n); err != nil {
			return err
		}
		if n != len(ids) {
			return errors.New("step saw an order it should not")
		}
		if fail {
			fail = false
			return errors.New("step failed once")
		}
		seen = append(seen, ids...)
		return nil
	})
	s.e.App.Orders.OnAdjusted(func(ctx context.Context, tx bun.Tx, a orders.Adjusted) error {
		mu.Lock()
		defer mu.Unlock()
		adjusted = append(adjusted, a)
		return nil
	})
	paid := s.sessionEvent("evt_"+apptest.Unique("cs"), "checkout.session.completed", s.ck.Amount, "paid")
	resp, _ := s.e.Deliver(t, "/webhooks/stripe", paid)
	if resp.StatusCode != http.StatusInternalServerError {
		t.Fatalf("a failing step answered %d, want 500 so Stripe retries", resp.StatusCode)
	}
	if st := s.state(t); st.Orders != 0 || st.Granted != 0 {
		t.Fatalf("a failed step left %+v", st)
	}
	s.deliver(t, paid) // Stripe's retry
	s.deliver(t, paid) // and a duplicate: the step is not run again
	st := s.state(t)
	if st.Orders != 1 || st.Live != 1 {
		t.Fatalf("after the retry: %+v", st)
	}
	var orderID int64
	if err := s.e.DB.Primary.NewRaw(`SELECT id FROM orders WHERE tenant_id = ?`, s.store.ID).Scan(context.Background(), &orderID); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	if len(seen) != 1 || seen[0] != orderID {
		t.Fatalf("the paid step saw %v, want [%d] once", seen, orderID)
	}
	mu.Unlock()

	s.deliver(t, stripetest.Event("evt_"+apptest.Unique("rf"), "charge.refunded", stripetest.Charge("ch_"+s.pi, s.pi, s.ck.Amount, s.ck.Amount)))
	mu.Lock()
	defer mu.Unlock()
	if len(adjusted) != 1 || adjusted[0] != (orders.Adjusted{Order: orderID, Kind: "refund", Status: orders.StatusRefunded, Revoked: true}) {
		t.Fatalf("the adjust step saw %+v", adjusted)
	}
}
