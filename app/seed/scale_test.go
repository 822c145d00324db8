package seed_test

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"

	"github.com/claro-market/claro/testkit/dbtest"

	"github.com/claro-market/claro/app/seed"
	"github.com/claro-market/claro/search"
)

var testDB *dbtest.Database

func TestMain(m *testing.M) { os.Exit(dbtest.Main(m, &testDB)) }

func TestScaleSeedsABelievableCatalogWithProgress(t *testing.T) {
	ctx := context.Background()
	// Its own database: the test counts whole tables, and a second run (or
	// the demo test) would otherwise find the first one's catalog there.
	td, err := dbtest.Create(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer td.Drop(ctx)
	var out bytes.Buffer
	if err := seed.Scale(ctx, td.Primary, 2500, &out); err != nil {
		t.Fatal(err)
	}
	var st struct {
		Products, Stores, Public, Sold, Rated, Free, Tagged int
		MaxSales                                            int64
	}
	err = td.Primary.NewRaw(`SELECT
		(SELECT count(*) FROM products) AS products, (SELECT count(*) FROM tenants) AS stores,
		count(*) FILTER (WHERE visibility = 'public') AS public, count(*) FILTER (WHERE sales_count > 0) AS sold,
		count(*) FILTER (WHERE rating_count > 0) AS rated, count(*) FILTER (WHERE price_cents = 0) AS free,
		count(*) FILTER (WHERE cardinality(tags) >= 2) AS tagged, max(sales_count) AS max_sales
		FROM products`).Scan(ctx, &st)
	if err != nil {
		t.Fatal(err)
	}
	if st.Products != 2500 || st.Stores != 25 {
		t.Fatalf("%d products in %d stores, want 2500 in 25", st.Products, st.Stores)
	}
	if st.Public < 2000 || st.Sold < 1000 || st.Sold > 2000 || st.Rated == 0 || st.Free == 0 || st.Tagged != 2500 || st.MaxSales < 100 {
		t.Fatalf("distribution looks wrong: %+v", st)
	}
	n, err := search.CountDocuments(ctx, td.Primary)
	if err != nil || n == 0 || n >= st.Public+1 {
		t.Fatalf("%d discoverable of %d public (%v)", n, st.Public, err)
	}
	// Thousands of words, Zipf-like: a few in a large share of products, a
	// long tail in a handful each.
	var voc struct{ Words, Rare, Common int }
	err = td.Primary.NewRaw(`SELECT count(*) AS words, count(*) FILTER (WHERE docs <= 3) AS rare,
		count(*) FILTER (WHERE docs >= ? / 5) AS common FROM search_vocabulary`, st.Public).Scan(ctx, &voc)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("vocabulary: %+v", voc)
	if voc.Words < 1500 || voc.Rare < 500 || voc.Common < 3 || voc.Common > 30 {
		t.Fatalf("vocabulary looks wrong: %+v", voc)
	}
	if !strings.Contains(out.String(), "100%") || !strings.Contains(out.String(), "2500 products across 25 stores") {
		t.Fatalf("progress output: %q", out.String())
	}
}
