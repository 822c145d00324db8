package web_test

import (
	"context"
	"strings"
	"testing"

	"github.com/claro-market/claro/app/catalog"
	"github.com/claro-market/claro/app/config"
	"github.com/claro-market/claro/testkit/apptest"
	"github.com/claro-market/claro/testkit/moneytest"
)

// A sale changes the product's counters only: once the sales ledger is
// folded in and every instance has heard of it, the store's cached
// storefront and product page are still served from the cache (a sale used
// to clear them, and the store's host answer, with every order), while the
// marketplace home, which ranks by sales and trending, is rendered afresh.
func TestASaleKeepsTheStoresCachedPages(t *testing.T) {
	e := moneytest.New(t, testDB, func(c *config.Config) { c.PageCache = true })
	store := e.Store(t, apptest.Unique("sale-cache"))
	p := e.Product(t, store, "kept", catalog.Public, func(p *catalog.Product) { p.Title = "Kept In Cache" })
	host := apptest.StoreHost(store.Slug)
	visitor := e.NewBrowser()
	warm := func(h, path string) {
		t.Helper()
		for range 2 {
			if resp, _ := visitor.Get(t, h, path); resp.StatusCode != 200 {
				t.Fatalf("GET %s%s: %d", h, path, resp.StatusCode)
			}
		}
	}
	warm(host, "/")
	warm(host, "/products/kept")
	warm(apptest.Root, "/")

	buyer := e.NewBrowser()
	buyer.SignUp(t, apptest.Email("salecache"), "a long enough password", "Sale Cache")
	e.Pay(t, e.OpenCheckout(t, buyer, store, p), "pi_"+apptest.Unique("salecache"))
	ctx := context.Background()
	if _, err := e.App.Sales.Apply(ctx); err != nil {
		t.Fatal(err)
	}
	var sales int64
	if err := e.DB.Primary.NewRaw(`SELECT sales_count FROM products WHERE id = ?`, p.ID).Scan(ctx, &sales); err != nil {
		t.Fatal(err)
	}
	if sales != 1 {
		t.Fatalf("sales_count %d after one sale was applied: the sale never reached the product", sales)
	}
	if err := e.App.Changes.Sync(ctx); err != nil { // every change so far has reached the caches
		t.Fatal(err)
	}

	for _, path := range []string{"/", "/products/kept"} {
		hits := e.App.Pages.Hits.Load()
		_, body := visitor.Get(t, host, path)
		if e.App.Pages.Hits.Load() != hits+1 || !strings.Contains(body, "Kept In Cache") {
			t.Errorf("%s was rendered again after a sale: a counter change dropped the store's cached page", path)
		}
	}
	hits := e.App.Pages.Hits.Load()
	visitor.Get(t, apptest.Root, "/")
	if e.App.Pages.Hits.Load() != hits {
		t.Error("the marketplace home was served from the cache after a sale changed its rankings")
	}
}
