package catalog_test

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/claro-market/claro/app/catalog"
	"github.com/claro-market/claro/tenants"
	"github.com/claro-market/claro/testkit/apptest"
)

func TestStorefrontPagesNeverRepeatOrSkipWhileProductsAreAdded(t *testing.T) {
	e := apptest.New(t, testDB)
	store := e.Store(t, apptest.Unique("keyset-store"))
	var want []string
	for i := range catalog.PageSize*2 + 7 {
		p := e.Product(t, store, fmt.Sprintf("item-%03d", i), catalog.Public)
		want = append(want, fmt.Sprint(p.ID))
	}
	host := apptest.StoreHost(store.Slug)

	_, body := e.Get(t, host, "/")
	seen := apptest.CardIDs(body)
	if len(seen) != catalog.PageSize {
		t.Fatalf("first page shows %d products, want %d", len(seen), catalog.PageSize)
	}
	for page := 2; ; page++ {
		url := apptest.NextPage(body)
		if url == "" {
			break
		}
		// New products arrive between requests: they are newer than the
		// cursor, so they never shift the rest of the walk.
		e.Product(t, store, fmt.Sprintf("late-%d", page), catalog.Public)
		resp, frag := e.Get(t, host, url, "HX-Request", "true")
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("page %d: status %d", page, resp.StatusCode)
		}
		if strings.Contains(frag, "<html") {
			t.Fatalf("page %d: htmx got a full page, want the fragment", page)
		}
		seen = append(seen, apptest.CardIDs(frag)...)
		body = frag
	}
	slices.Reverse(want) // newest first
	if !slices.Equal(seen, want) {
		t.Fatalf("walk saw %d products, want the %d that existed at the start, in order\nseen %v\nwant %v", len(seen), len(want), seen, want)
	}
}

func TestStorefrontRefusesTamperedCursors(t *testing.T) {
	e := apptest.New(t, testDB)
	store := e.Store(t, apptest.Unique("cursor-store"))
	other := e.Store(t, apptest.Unique("cursor-other"))
	for i := range catalog.PageSize + 1 {
		e.Product(t, store, fmt.Sprintf("c-%d", i), catalog.Public)
	}
	_, body := e.Get(t, apptest.StoreHost(store.Slug), "/")
	good := apptest.Query(t, apptest.NextPage(body), "cursor")
	if good == "" {
		t.Fatal("no next-page cursor on a store with more than one page")
	}
	for name, c := range map[string]string{
		"garbage":   "not-a-cursor",
		"truncated": good[:len(good)-3],
		"edited":    "eyJ0IjoxLCJpIjoxfQ" + good[strings.IndexByte(good, '.'):],
	} {
		resp, page := e.Get(t, apptest.StoreHost(store.Slug), "/?cursor="+c)
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(page, "page link is broken") {
			t.Errorf("%s: status %d, want 400 with a readable message", name, resp.StatusCode)
		}
	}
	// A NUL is refused before the cursor is read (web.CleanQuery), still a readable 400.
	if resp, page := e.Get(t, apptest.StoreHost(store.Slug), "/?cursor=%00"); resp.StatusCode != http.StatusBadRequest || !strings.Contains(page, "cannot read") {
		t.Errorf("nul: status %d, want 400 with a readable message", resp.StatusCode)
	}
	// A cursor made for one store's list is not accepted by another's.
	if resp, _ := e.Get(t, apptest.StoreHost(other.Slug), "/?cursor="+good); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("another store's cursor: status %d, want 400", resp.StatusCode)
	}
}

func TestPrivateProductsLiveOnlyOnTheirStorefront(t *testing.T) {
	e := apptest.New(t, testDB)
	store := e.Store(t, apptest.Unique("privacy-store"))
	pub := e.Product(t, store, "open-book", catalog.Public, func(p *catalog.Product) { p.Title = "Open Book Zeta" })
	priv := e.Product(t, store, "secret-book", catalog.Private, func(p *catalog.Product) { p.Title = "Unlisted Book Zeta" })
	draft := e.Product(t, store, "draft-book", catalog.Draft, func(p *catalog.Product) { p.Title = "Draft Book Zeta" })

	_, storefront := e.Get(t, apptest.StoreHost(store.Slug), "/")
	got := apptest.CardIDs(storefront)
	if !slices.Contains(got, fmt.Sprint(pub.ID)) || !slices.Contains(got, fmt.Sprint(priv.ID)) {
		t.Fatalf("storefront should list public and private products, got %v", got)
	}
	if slices.Contains(got, fmt.Sprint(draft.ID)) || strings.Contains(storefront, "Draft Book Zeta") {
		t.Fatal("storefront lists a draft")
	}
	if resp, _ := e.Get(t, apptest.StoreHost(store.Slug), "/products/secret-book"); resp.StatusCode != http.StatusOK {
		t.Fatalf("private product page by its link: %d", resp.StatusCode)
	}

	_, market := e.Get(t, "", "/")
	if !strings.Contains(market, "Open Book Zeta") {
		t.Fatal("marketplace home does not show the public product")
	}
	if strings.Contains(market, "Unlisted Book Zeta") || strings.Contains(market, "Draft Book Zeta") {
		t.Fatal("marketplace home shows a private or draft product")
	}
}

func TestMarketplaceShowsOnlyStoresThatCanSell(t *testing.T) {
	e := apptest.New(t, testDB)
	noPay := e.Store(t, apptest.Unique("nopay-store"), func(tn *tenants.Tenant) { tn.ChargesEnabled = false })
	gone := e.Store(t, apptest.Unique("gone-store"), func(tn *tenants.Tenant) { tn.Status = tenants.StatusSuspended })
	e.Product(t, noPay, "np", catalog.Public, func(p *catalog.Product) { p.Title = "Cannot Sell Yet Omega" })
	e.Product(t, gone, "gp", catalog.Public, func(p *catalog.Product) { p.Title = "Suspended Store Omega" })
	_, market := e.Get(t, "", "/")
	if strings.Contains(market, "Omega") {
		t.Fatal("marketplace shows products of a store that cannot sell or is suspended")
	}
	// The store that cannot take payments still shows its products, without a buy button.
	resp, page := e.Get(t, apptest.StoreHost(noPay.Slug), "/products/np")
	if resp.StatusCode != http.StatusOK || strings.Contains(page, "Add to cart") || !strings.Contains(page, "not taking payments") {
		t.Fatalf("store without payments: status %d, buy button shown or notice missing", resp.StatusCode)
	}
	if resp, body := e.Get(t, apptest.StoreHost(gone.Slug), "/"); resp.StatusCode != http.StatusGone || body != string(e.App.Errors.UnavailableBody()) {
		t.Fatalf("suspended store answered %d, want 410 and the unavailable page", resp.StatusCode)
	}
}

func TestProductPageShowsTheProduct(t *testing.T) {
	e := apptest.New(t, testDB)
	store := e.Store(t, apptest.Unique("page-store"))
	e.Product(t, store, "a-fine-thing", catalog.Public, func(p *catalog.Product) {
		p.Title = "A Fine <Thing>"
		p.PriceCents = 1299
		p.Tags = []string{"presets", "film"}
	})
	resp, page := e.Get(t, apptest.StoreHost(store.Slug), "/products/a-fine-thing")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d", resp.StatusCode)
	}
	for _, want := range []string{"A Fine &lt;Thing&gt;", "$12.99", "#presets", "Add to cart", store.Name} {
		if !strings.Contains(page, want) {
			t.Errorf("product page lacks %q", want)
		}
	}
	if strings.Contains(page, `name="csrf-token"`) {
		t.Error("an anonymous product page carries a CSRF token (anonymous writes are checked by their origin)")
	}
	if strings.Contains(page, "<Thing>") {
		t.Error("title not escaped")
	}
}

// TestStorefrontLoadMoreIsARealLinkToTheNextPage follows the storefront's
// "Load more" without JavaScript (no HX-Request): a real link that opens the
// store's page of the next products.
func TestStorefrontLoadMoreIsARealLinkToTheNextPage(t *testing.T) {
	e := apptest.New(t, testDB)
	store := e.Store(t, apptest.Unique("load-more"))
	var want []string
	for i := range catalog.PageSize + 2 {
		want = append(want, fmt.Sprint(e.Product(t, store, fmt.Sprintf("more-%03d", i), catalog.Public).ID))
	}
	slices.Reverse(want)
	host := apptest.StoreHost(store.Slug)
	_, body := e.Get(t, host, "/")
	next := apptest.NextPage(body)
	if !strings.HasPrefix(next, "/?cursor=") || !strings.Contains(body, `<a class="load-more" href="`+next+`" hx-get="`+next+`"`) {
		t.Fatalf("the storefront's Load more is %q, want a link to /?cursor= that htmx fetches too", next)
	}
	resp, page2 := e.Get(t, host, next)
	if resp.StatusCode != http.StatusOK || !strings.Contains(page2, "<html") {
		t.Fatalf("following Load more: status %d\n%s", resp.StatusCode, page2)
	}
	if got := apptest.CardIDs(page2); !slices.Equal(got, want[catalog.PageSize:]) {
		t.Fatalf("the next page shows %v, want %v", got, want[catalog.PageSize:])
	}
	if apptest.NextPage(page2) != "" {
		t.Fatal("the last page still has a Load more link")
	}
}
