package catalog_test

import (
	"fmt"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/claro-market/claro/app/catalog"
	"github.com/claro-market/claro/app/config"
	"github.com/claro-market/claro/testkit/apptest"
	"github.com/claro-market/claro/testkit/browsertest"
)

// cardIDsScript lists the data-product-id of every card on the page, in order.
const cardIDsScript = `Array.from(document.querySelectorAll('[data-product-id]'), el => el.getAttribute('data-product-id'))`

func TestStorefrontInfiniteScrollLoadsPageTwoInBrowser(t *testing.T) {
	ln, root := browsertest.Listen(t)
	e := apptest.New(t, testDB, func(c *config.Config) { c.RootDomain = root })
	store := e.Store(t, apptest.Unique("scroll-"))
	total := catalog.PageSize*2 + 5
	want := make([]string, 0, total)
	for i := range total {
		p := e.Product(t, store, fmt.Sprintf("scroll-item-%03d", i), catalog.Public)
		want = append(want, strconv.FormatInt(p.ID, 10))
	}
	browsertest.Start(t, e.App.Fiber, ln)
	ctx := browsertest.Chromium(t)

	url := "http://" + store.Slug + "." + root + "/"
	if err := chromedp.Do(ctx, chromedp.Navigate(url), chromedp.WaitReady(chromedp.CSS("body"))); err != nil {
		t.Fatalf("open %s: %v", url, err)
	}
	if loc, _ := chromedp.Run(ctx, chromedp.Location()); loc != url {
		t.Fatalf("the browser is at %q, want %q", loc, url)
	}
	// htmx is loaded with defer: wait until it has run, or fail saying so.
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`typeof htmx !== 'undefined'`, chromedp.WithPollingTimeout(10*time.Second))); err != nil {
		t.Fatalf("htmx never loaded on the storefront (run make assets): %v", err)
	}
	first, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](cardIDsScript))
	if err != nil {
		t.Fatal(err)
	}
	if len(first) != catalog.PageSize {
		t.Fatalf("first page shows %d products, want %d", len(first), catalog.PageSize)
	}
	t.Logf("first page: %d products", len(first))

	// Scroll the "load more" trigger into view until n cards are on the page.
	scrollUntil := func(n int) []string {
		t.Helper()
		deadline := time.Now().Add(20 * time.Second)
		for {
			ids, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](
				`(() => { const m = document.querySelector('.load-more'); if (m) m.scrollIntoView(); else window.scrollTo(0, document.body.scrollHeight); return `+cardIDsScript+` })()`))
			if err != nil {
				t.Fatal(err)
			}
			if len(ids) >= n {
				return ids
			}
			if time.Now().After(deadline) {
				t.Fatalf("after scrolling for 20s the page shows %d products, want %d", len(ids), n)
			}
			if err := chromedp.Do(ctx, chromedp.Sleep(200*time.Millisecond)); err != nil {
				t.Fatal(err)
			}
		}
	}

	second := scrollUntil(2 * catalog.PageSize)
	t.Logf("after scrolling: %d products (page two arrived)", len(second))
	if !slices.Equal(second[:catalog.PageSize], first) {
		t.Fatal("loading page two changed the products of page one")
	}
	all := scrollUntil(total)
	t.Logf("after scrolling to the end: %d products", len(all))
	if len(all) != total {
		t.Fatalf("the page shows %d products, want %d", len(all), total)
	}

	seen := map[string]bool{}
	for _, id := range all {
		if seen[id] {
			t.Fatalf("product %s is shown twice", id)
		}
		seen[id] = true
	}
	got := slices.Sorted(slices.Values(all))
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("the page shows products %v, want %v", got, want)
	}

	// Nothing is left to load once the last page is in.
	if n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('.load-more').length`)); err != nil || n != 0 {
		t.Fatalf("%d load-more triggers left after the last page (err %v)", n, err)
	}
	if ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`typeof htmx !== 'undefined'`)); err != nil || !ok {
		t.Fatalf("htmx is not loaded: %v %v", ok, err)
	}
}
