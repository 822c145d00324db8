package catalog_test

import (
	"context"
	"io"
	"log/slog"
	"math"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/claro-market/claro/app/catalog"
	"github.com/claro-market/claro/tenants"
	"github.com/claro-market/claro/testkit/apptest"
)

// ledgerProduct creates a public product in a new store that can take
// payments, for the applier to count sales of.
func ledgerProduct(t *testing.T, title string) *catalog.Product {
	t.Helper()
	ctx := context.Background()
	slug := apptest.Unique("ledger-")
	acct := "acct_" + strings.ReplaceAll(slug, "-", "")
	st := &tenants.Tenant{Slug: slug, Name: "Studio " + slug, ChargesEnabled: true, StripeAccountID: &acct}
	if err := tenants.NewStore(testDB.Primary).Create(ctx, st); err != nil {
		t.Fatal(err)
	}
	p := &catalog.Product{Slug: apptest.Unique("p-"), Title: title, PriceCents: 1500, Visibility: catalog.Public}
	if err := catalog.NewStore(testDB.Primary).Create(ctx, st.ID, p); err != nil {
		t.Fatal(err)
	}
	return p
}

// exec runs SQL on the primary, as the order service's statements do.
func exec(t *testing.T, query string, args ...any) {
	t.Helper()
	if _, err := testDB.Primary.NewRaw(query, args...).Exec(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func quietLog() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// recordSale writes one sale of productID at time at to the ledger, as the
// order service's statements do.
func recordSale(t *testing.T, productID int64, at time.Time) {
	t.Helper()
	exec(t, `INSERT INTO sales_ledger (product_id, units, sold_at) VALUES (?, 1, ?)`, productID, at)
}

// productSales reads what the applier left on a product.
func productSales(t *testing.T, id int64) (count int64, trending float64) {
	t.Helper()
	if err := testDB.Primary.NewRaw(`SELECT sales_count, trending_score FROM products WHERE id = ?`, id).
		Scan(context.Background(), &count, &trending); err != nil {
		t.Fatal(err)
	}
	return count, trending
}

// The ledger, applied in several small batches, leaves exactly the score of
// ln Σ e^(SaleWeight(t)) over every sale, and a refund's negative units lower
// the count but not the score.
func TestSalesLedgerAppliesEverySaleOnceInBatches(t *testing.T) {
	ctx := context.Background()
	a, b := ledgerProduct(t, "Ledger A"), ledgerProduct(t, "Ledger B")
	base := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	var want float64 = math.Inf(-1)
	for i := range 7 {
		at := base.Add(time.Duration(i) * 13 * time.Hour)
		recordSale(t, a.ID, at)
		w := catalog.SaleWeight(at)
		want = math.Max(want, w) + math.Log1p(math.Exp(-math.Abs(want-w)))
	}
	// Three units in one row (an order of quantity 3) weigh three sales.
	exec(t, `INSERT INTO sales_ledger (product_id, units, sold_at) VALUES (?, 3, ?)`, b.ID, base)
	exec(t, `INSERT INTO sales_ledger (product_id, units) VALUES (?, -1)`, a.ID)

	s := catalog.NewSales(testDB.Primary, quietLog())
	s.Batch = 3
	n, err := s.Apply(ctx)
	if err != nil || n != 9 {
		t.Fatalf("applied %d rows, %v; want 9", n, err)
	}
	if count, score := productSales(t, a.ID); count != 6 || math.Abs(score-want) > 1e-9 {
		t.Fatalf("product A: count %d score %v; want 6, %v", count, score, want)
	}
	if count, score := productSales(t, b.ID); count != 3 || math.Abs(score-(catalog.SaleWeight(base)+math.Log(3))) > 1e-9 {
		t.Fatalf("product B: count %d score %v", count, score)
	}
	if n, err := s.Apply(ctx); err != nil || n != 0 {
		t.Fatalf("second apply took %d rows, %v", n, err)
	}
	if p, err := s.Pending(ctx); err != nil || p != 0 {
		t.Fatalf("pending %d, %v", p, err)
	}
	// More units back than were counted stop at zero.
	exec(t, `INSERT INTO sales_ledger (product_id, units) VALUES (?, -10)`, b.ID)
	if _, err := s.Apply(ctx); err != nil {
		t.Fatal(err)
	}
	if count, _ := productSales(t, b.ID); count != 0 {
		t.Fatalf("product B after over-refund: %d", count)
	}
}

// Appliers racing each other (two app instances) while sales keep arriving
// count every sale exactly once.
func TestSalesLedgerConcurrentAppliersCountOnce(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	p := ledgerProduct(t, "Ledger race")
	appliers := []*catalog.Sales{catalog.NewSales(testDB.Primary, quietLog()), catalog.NewSales(testDB.Primary, quietLog())}
	for _, s := range appliers {
		s.Batch, s.Poll, s.Gap = 7, 5*time.Millisecond, time.Millisecond
		go s.Run(ctx)
	}
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := range 50 {
				if _, err := testDB.Primary.NewRaw(`INSERT INTO sales_ledger (product_id, units) VALUES (?, 1)`, p.ID).Exec(ctx); err != nil {
					t.Error(err) // not exec: t.Fatal must not run outside the test's goroutine
					return
				}
				appliers[(w+i)%2].Wake()
			}
		})
	}
	wg.Wait()
	// Apply returns only once every sale committed before it is counted.
	if _, err := appliers[0].Apply(ctx); err != nil {
		t.Fatal(err)
	}
	if count, _ := productSales(t, p.ID); count != 200 {
		t.Fatalf("sales_count %d, want 200", count)
	}
}
