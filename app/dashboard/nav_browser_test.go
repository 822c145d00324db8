package dashboard_test

import (
	"fmt"
	"strconv"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/claro-market/claro/app/catalog"
	"github.com/claro-market/claro/app/config"
	"github.com/claro-market/claro/testkit/apptest"
	"github.com/claro-market/claro/testkit/browsertest"
)

// TestPhoneWidthSearchFiltersAndDomainCopyButtonsInBrowser drives the pages
// at 360 px in Chromium: the search page folds its facets behind "Filters"
// and nothing is wider than the window; a creator adds a custom domain,
// copies its DNS values with the copy buttons (with the clipboard, or by
// selecting the text where the clipboard is refused) and confirms removal.
func TestPhoneWidthSearchFiltersAndDomainCopyButtonsInBrowser(t *testing.T) {
	ln, root := browsertest.Listen(t)
	e := apptest.New(t, testDB, func(c *config.Config) { c.RootDomain = root })
	browsertest.Start(t, e.App.Fiber, ln)
	ctx := browsertest.Chromium(t)
	b := browsertest.NewPage(t, ctx)
	b.Must("a phone-sized window", chromedp.EmulateViewport(360, 740))
	market := "http://" + root
	fits := func(where string) {
		t.Helper()
		b.WaitFor(where+" to fit 360 px without scrolling sideways", `document.documentElement.scrollWidth <= window.innerWidth`)
	}

	// Search: products with many tags, so every facet has something to show.
	word := apptest.Unique("phonewidth")
	shop := e.Store(t, apptest.Unique("phone-shop"))
	for i := range 15 {
		e.Product(t, shop, fmt.Sprintf("item-%d", i), catalog.Public, func(p *catalog.Product) {
			p.Title = word + " item " + strconv.Itoa(i)
			p.PriceCents = int64(300 + 250*i)
			for j := 0; j <= i; j++ {
				p.Tags = append(p.Tags, fmt.Sprintf("longish-tag-name-%02d", j))
			}
		})
	}
	b.Open(market + "/search?q=" + word)
	b.WaitFor("the search results", `document.querySelectorAll('#search-results [data-product-id], #search-results .card').length > 0`)
	b.WaitFor("the facets folded behind Filters", `getComputedStyle(document.querySelector('.filters-button')).display !== 'none' && getComputedStyle(document.querySelector('#search-facets')).display === 'none'`)
	fits("the search page, facets folded")
	b.Must("press Filters", chromedp.Click(chromedp.CSS(`label.filters-button`)))
	b.WaitFor("the facets to unfold", `getComputedStyle(document.querySelector('#search-facets')).display !== 'none' && !!document.querySelector('#search-facets details.more-tags')`)
	b.Must("show more tags", chromedp.Click(chromedp.CSS(`#search-facets details.more-tags summary`)))
	b.WaitFor("every tag shown", `document.querySelector('#search-facets details.more-tags').open`)
	fits("the search page, facets unfolded")
	if n, err := b.Text(`String(document.querySelectorAll('input[type=search]').length)`); err != nil || n != "1" {
		t.Errorf("%s search boxes on the search page, want 1 (%v)", n, err)
	}

	for _, path := range []string{"/carts", "/no-such-page", "/search?sort=sideways"} {
		b.Open(market + path)
		fits(path)
	}
	b.Open("http://" + shop.Slug + "." + root + "/no-such-page")
	b.WaitFor("the store's 404 page with its search box", `!!document.querySelector('.store-header') && !!document.querySelector('form.error-search input[name="creator"]')`)
	fits("a store's 404 page")

	// A creator's custom domain.
	email := apptest.Email("phone-creator")
	b.SignUp(market, "Phone Creator", email, "correct horse battery", func() string { return e.MailLink(t, email, "/verify") })
	slug := apptest.Unique("phone-store")
	b.Open(market + "/dashboard/stores/new")
	fits("the open-a-store form")
	b.Must("open a store",
		chromedp.SendKeys(chromedp.CSS(`form[action="/dashboard/stores"] input[name="name"]`), "Phone Store"),
		chromedp.SendKeys(chromedp.CSS(`form[action="/dashboard/stores"] input[name="slug"]`), slug),
		chromedp.Click(chromedp.CSS(`form[action="/dashboard/stores"] button[type="submit"]`)),
	)
	base := "/dashboard/s/" + slug
	b.WaitFor("the new store's dashboard", `location.pathname === `+strconv.Quote(base))
	host := "shop." + apptest.Unique("phone") + ".example"
	b.Open(market + base + "/domain")
	b.Must("add a domain",
		chromedp.SendKeys(chromedp.CSS(`form[action="`+base+`/domain"] input[name="domain"]`), host),
		chromedp.Click(chromedp.CSS(`form[action="`+base+`/domain"] button[type="submit"]`)),
	)
	b.WaitFor("the records to publish", `document.querySelectorAll('button[data-copy]').length >= 4`)
	fits("the domain page")

	// The clipboard: whichever way the browser allows, the button says so.
	token, _ := b.Text(`document.querySelectorAll('button[data-copy]')[1].getAttribute('data-copy')`)
	b.Must("copy the TXT value", chromedp.Evaluate[chromedp.Void](`document.querySelectorAll('button[data-copy]')[1].click()`))
	b.WaitFor("the copy button's feedback", `['Copied', 'Selected: press Ctrl-C'].includes(document.querySelectorAll('button[data-copy]')[1].textContent)`)
	// Without a clipboard the text is selected for the person to copy.
	b.Must("take the clipboard away", chromedp.Evaluate[chromedp.Void](`Object.defineProperty(navigator, 'clipboard', {value: undefined, configurable: true}); document.querySelectorAll('button[data-copy]')[1].click()`))
	b.WaitFor("the fallback to select the value", `document.querySelectorAll('button[data-copy]')[1].textContent === 'Selected: press Ctrl-C' && window.getSelection().toString() === `+strconv.Quote(token))
	b.WaitFor("the button's label to come back", `document.querySelectorAll('button[data-copy]')[1].textContent === 'Copy'`)

	// Removal asks first, and works without script.
	b.Must("ask to remove", chromedp.Click(chromedp.CSS(`a[href="`+base+`/domain/delete"]`)))
	b.WaitFor("the confirmation", `location.pathname === `+strconv.Quote(base+"/domain/delete")+` && document.body.innerText.includes("Remove `+host+`?")`)
	fits("the confirmation page")
	b.Must("confirm", chromedp.Click(chromedp.CSS(`form[action="`+base+`/domain/delete"] button[type="submit"]`)))
	b.WaitFor("the domain gone", `location.pathname === `+strconv.Quote(base+"/domain")+` && document.body.innerText.includes("Domain removed.")`)
}
