package orders_test

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/claro-market/claro/app/catalog"
	"github.com/claro-market/claro/tenants"
	"github.com/claro-market/claro/testkit/apptest"
	"github.com/claro-market/claro/testkit/moneytest"
	"github.com/claro-market/claro/testkit/stripetest"
	"github.com/uptrace/bun/dialect/pgdialect"
)

// BenchmarkWebhookIngestion sends signed checkout.session.completed events
// from 8 concurrent senders, 30% of them redeliveries of an event already
// sent, and reports orders written per second. Every unique event must make
// exactly one order and one entitlement; no duplicate may exist.
func BenchmarkWebhookIngestion(b *testing.B) {
	e := moneytest.New(b, testDB)
	ctx := context.Background()
	store := e.Store(b, apptest.Unique("bench"))
	unique := max(b.N-b.N*3/10, 1)
	payloads := paidDeliveries(b, e, store, unique, b.N)
	// The sales ledger's applier runs alongside, as app.Background runs it;
	// the clock stops only when every sale is counted.
	applyCtx, stopApplier := context.WithCancel(ctx)
	defer stopApplier()
	go e.App.Sales.Run(applyCtx)
	b.ResetTimer()
	start := time.Now()
	failed := deliverAll(b, e, payloads, 8)
	if _, err := e.App.Sales.Apply(ctx); err != nil {
		b.Fatal(err)
	}
	elapsed := time.Since(start)
	b.StopTimer()
	stopApplier()
	orders := e.Count(b, "orders WHERE tenant_id = ?", store.ID)
	dupOrders := e.Count(b, "SELECT count(*) - count(DISTINCT stripe_checkout_session_id) FROM orders WHERE tenant_id = ?", store.ID)
	grants := e.Count(b, "entitlements WHERE tenant_id = ?", store.ID)
	sales := e.Count(b, "SELECT coalesce(sum(sales_count), 0) FROM products WHERE tenant_id = ?", store.ID)
	if failed != 0 || orders != unique || dupOrders != 0 || grants != unique || sales != unique {
		b.Fatalf("failed %d, orders %d for %d unique events, duplicate orders %d, entitlements %d, sales counted %d",
			failed, orders, unique, dupOrders, grants, sales)
	}
	b.ReportMetric(float64(orders)/elapsed.Seconds(), "orders/s")
	b.ReportMetric(float64(len(payloads)-unique), "duplicates_sent")
	b.ReportMetric(float64(dupOrders), "duplicate_orders")
}

// paidDeliveries writes unique paid checkouts on store, one item each across
// 64 products, directly (what is measured or tested is ingestion), and
// returns total deliveries for them: each checkout's
// checkout.session.completed once, then redeliveries of those same events
// until there are total.
func paidDeliveries(tb testing.TB, e *moneytest.Env, store *tenants.Tenant, unique, total int) [][]byte {
	tb.Helper()
	ctx := context.Background()
	var products []int64
	for i := range 64 {
		products = append(products, e.Product(tb, store, fmt.Sprintf("p%d", i), catalog.Public).ID)
	}
	run := apptest.Unique("r")
	if _, err := e.DB.Primary.NewRaw(`INSERT INTO checkouts (tenant_id, stripe_checkout_session_id, amount_total_cents, application_fee_cents, currency)
		SELECT ?, 'cs_bench_' || ? || '_' || g, 1500, 150, 'usd' FROM generate_series(1, ?) g`, store.ID, run, unique).Exec(ctx); err != nil {
		tb.Fatal(err)
	}
	if _, err := e.DB.Primary.NewRaw(`INSERT INTO checkout_items (checkout_id, tenant_id, product_id, title, unit_price_cents, quantity)
		SELECT c.id, c.tenant_id, (?::bigint[])[1 + c.id % 64], 'Bench', 1500, 1 FROM checkouts c
		WHERE c.stripe_checkout_session_id LIKE 'cs_bench_' || ? || '_%'`, pgdialect.Array(products), run).Exec(ctx); err != nil {
		tb.Fatal(err)
	}
	var ids []int64
	if err := e.DB.Primary.NewRaw(`SELECT id FROM checkouts WHERE stripe_checkout_session_id LIKE 'cs_bench_' || ? || '_%' ORDER BY id`, run).Scan(ctx, &ids); err != nil {
		tb.Fatal(err)
	}
	payloads := make([][]byte, 0, total)
	for i, id := range ids {
		payloads = append(payloads, stripetest.Event(fmt.Sprintf("evt_bench_%s_%d", run, i), "checkout.session.completed",
			stripetest.Session(fmt.Sprintf("cs_bench_%s_%d", run, i+1), strconv.FormatInt(id, 10), 1500, fmt.Sprintf("pi_bench_%s_%d", run, i), "paid")))
	}
	for i := 0; len(payloads) < total; i++ {
		payloads = append(payloads, payloads[(i*7)%unique])
	}
	return payloads
}

// deliverAll posts payloads to the platform endpoint from senders concurrent
// senders and returns how many were not answered 200.
func deliverAll(tb testing.TB, e *moneytest.Env, payloads [][]byte, senders int) int {
	work := make(chan []byte)
	var wg sync.WaitGroup
	var mu sync.Mutex
	failed := 0
	for range senders {
		wg.Go(func() {
			for p := range work {
				resp, _ := e.Deliver(tb, "/webhooks/stripe", p)
				if resp.StatusCode != http.StatusOK {
					mu.Lock()
					failed++
					mu.Unlock()
				}
			}
		})
	}
	for _, p := range payloads {
		work <- p
	}
	close(work)
	wg.Wait()
	return failed
}
