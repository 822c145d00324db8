package catalog_test

import (
	"fmt"
	"slices"
	"strconv"
	"testing"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/claro-market/claro/app/catalog"
	"github.com/claro-market/claro/app/config"
	"github.com/claro-market/claro/testkit/apptest"
	"github.com/claro-market/claro/testkit/browsertest"
)

// TestStorefrontLoadMoreLinkWorksWithoutJavaScriptAndByClickInBrowser opens
// a storefront of two pages in Chromium twice. With JavaScript off, "Load
// more" is a plain link: following it opens the store's next page. With
// JavaScript on, clicking it (as a visitor does when scrolling never reveals
// it) brings the next page in place, fetched once, and the link is gone.
func TestStorefrontLoadMoreLinkWorksWithoutJavaScriptAndByClickInBrowser(t *testing.T) {
	ln, root := browsertest.Listen(t)
	e := apptest.New(t, testDB, func(c *config.Config) { c.RootDomain = root })
	store := e.Store(t, apptest.Unique("more-link-"))
	var want []string
	for i := range catalog.PageSize + 3 {
		want = append(want, strconv.FormatInt(e.Product(t, store, fmt.Sprintf("link-item-%03d", i), catalog.Public).ID, 10))
	}
	slices.Reverse(want) // newest first
	browsertest.Start(t, e.App.Fiber, ln)
	home := "http://" + store.Slug + "." + root + "/"
	ids := func(b *browsertest.Page) []string {
		t.Helper()
		got, err := chromedp.Run(b.Ctx, chromedp.Evaluate[[]string](cardIDsScript))
		if err != nil {
			t.Fatal(err)
		}
		return got
	}

	t.Run("without JavaScript", func(t *testing.T) {
		b := browsertest.NewPage(t, browsertest.Chromium(t))
		if _, err := chromedp.Call(b.Ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true}); err != nil {
			t.Fatal(err)
		}
		b.Open(home)
		b.WaitFor("the first page and its Load more link", `typeof htmx === 'undefined' && !!document.querySelector('a.load-more[href^="/?cursor="]')`)
		if got := ids(b); !slices.Equal(got, want[:catalog.PageSize]) {
			t.Fatalf("the first page shows %v", got)
		}
		b.Must("follow Load more", chromedp.Click(chromedp.CSS(`a.load-more`)))
		b.WaitFor("the next page", `location.search.startsWith('?cursor=') && document.readyState === 'complete'`)
		if got := ids(b); !slices.Equal(got, want[catalog.PageSize:]) {
			t.Fatalf("the next page shows %v, want %v", got, want[catalog.PageSize:])
		}
	})

	t.Run("by click", func(t *testing.T) {
		b := browsertest.NewPage(t, browsertest.Chromium(t))
		b.Open(home)
		b.WaitFor("htmx and the Load more link", `typeof htmx !== 'undefined' && !!document.querySelector('a.load-more')`)
		b.Must("mark the page", chromedp.Evaluate[chromedp.Void](`window.__samePage = true`))
		b.Must("click Load more", chromedp.Click(chromedp.CSS(`a.load-more`)))
		b.WaitFor("the next page in place", `window.__samePage === true && location.search === '' && !document.querySelector('a.load-more') &&
			document.querySelectorAll('[data-product-id]').length === `+strconv.Itoa(len(want)))
		if got := ids(b); !slices.Equal(got, want) {
			t.Fatalf("the page shows %v, want %v", got, want)
		}
		if n, _ := b.Text(`String(performance.getEntriesByType('resource').filter(r => r.name.includes('cursor=')).length)`); n != "1" {
			t.Fatalf("the next page was fetched %s times, want once", n)
		}
	})
}
