package app_test

import (
	"testing"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/claro-market/claro/app/catalog"
	"github.com/claro-market/claro/app/config"
	"github.com/claro-market/claro/testkit/apptest"
	"github.com/claro-market/claro/testkit/browsertest"
)

// offline sets the tab's network offline (every request fails as with no
// connection, navigator.onLine false) or back online.
func offline(b *browsertest.Page, off bool) {
	b.T.Helper()
	throughput := float64(-1)
	if _, err := chromedp.Call(b.Ctx, network.Enable, network.EnableParams{}); err != nil {
		b.T.Fatal(err)
	}
	if _, err := chromedp.Call(b.Ctx, network.EmulateNetworkConditionsByRule, network.EmulateNetworkConditionsByRuleParams{
		MatchedNetworkConditions: []*network.Conditions{{Offline: off, DownloadThroughput: throughput, UploadThroughput: throughput}},
	}); err != nil {
		b.T.Fatalf("emulating offline=%v: %v", off, err)
	}
	if _, err := chromedp.Call(b.Ctx, network.OverrideNetworkState, network.OverrideNetworkStateParams{
		Offline: off, DownloadThroughput: throughput, UploadThroughput: throughput,
	}); err != nil {
		b.T.Fatalf("navigator offline=%v: %v", off, err)
	}
}

// productPageInBrowser serves the app to Chromium and opens the page of a
// new store's public product (its store and slug made unique from prefix
// and slug).
func productPageInBrowser(t *testing.T, prefix, slug string) (*apptest.Env, *catalog.Product, *browsertest.Page) {
	t.Helper()
	ctx := browsertest.Chromium(t)
	ln, root := browsertest.Listen(t)
	e := apptest.New(t, testDB, func(c *config.Config) { c.RootDomain = root })
	store := e.Store(t, apptest.Unique(prefix))
	p := e.Product(t, store, slug, catalog.Public)
	browsertest.Start(t, e.App.Fiber, ln)
	b := browsertest.NewPage(t, ctx)
	b.Open("http://" + store.Slug + "." + root + "/products/" + p.Slug)
	return e, p, b
}

// TestAddToCartOfflineSaysSoAndReenablesTheButtonInBrowser clicks Add to
// cart with the network gone: the page says the request failed in an alert
// beside the form, the button is usable again, and the click after the
// network is back adds the product and clears the message.
func TestAddToCartOfflineSaysSoAndReenablesTheButtonInBrowser(t *testing.T) {
	_, _, b := productPageInBrowser(t, "offline", "tide-tables")
	b.WaitFor("htmx and the cart badge", `typeof htmx !== 'undefined' && document.querySelector('#cart-count').textContent.trim() === '0' && !document.querySelector('.htmx-request')`)
	const button = `form.buy-form button[type=submit]`
	if got, _ := b.Text(`document.querySelector('form.buy-form').getAttribute('hx-disabled-elt') + ' ' + document.querySelector('form.buy-form').getAttribute('hx-indicator') + ' ' + !!document.querySelector('form.buy-form .spinner.htmx-indicator')`); got != "find button find .htmx-indicator true" {
		t.Fatalf("the buy form's feedback attributes: %s", got)
	}

	offline(b, true)
	b.Must("click Add to cart offline", chromedp.Click(chromedp.CSS(button)))
	b.WaitFor("the offline message beside the form", `(a => !!a && a.getAttribute('role') === 'alert' && a.previousElementSibling === document.querySelector('form.buy-form') &&
		a.textContent.includes('Could not reach Claro'))(document.querySelector('.htmx-error'))`)
	b.WaitFor("the button enabled again", `!document.querySelector('`+button+`').disabled && !document.querySelector('form.buy-form.htmx-request, form.buy-form .htmx-request')`)
	if n, _ := b.Text(`document.querySelector('#cart-count').textContent.trim()`); n != "0" {
		t.Fatalf("offline, the cart badge reads %s", n)
	}

	offline(b, false)
	b.Must("click Add to cart again", chromedp.Click(chromedp.CSS(button)))
	b.WaitFor("the product added and the message gone", `document.querySelector('#cart-count').textContent.trim() === '1' &&
		document.querySelector('#cart-status').textContent.includes('Added') && !document.querySelector('.htmx-error')`)
}

// TestAddToCartRefusedShowsTheReasonInBrowser clicks Add to cart for a
// product its creator took down after the page was loaded: the refusal's
// sentence appears in an alert beside the form, and the button is usable
// again.
func TestAddToCartRefusedShowsTheReasonInBrowser(t *testing.T) {
	e, p, b := productPageInBrowser(t, "refused", "gone-soon")
	b.WaitFor("htmx on the product page", `typeof htmx !== 'undefined' && !!document.querySelector('form.buy-form button')`)
	if _, err := e.DB.Primary.NewRaw(`UPDATE products SET visibility = 'draft' WHERE id = ?`, p.ID).Exec(t.Context()); err != nil {
		t.Fatal(err)
	}
	b.Must("click Add to cart", chromedp.Click(chromedp.CSS(`form.buy-form button[type=submit]`)))
	b.WaitFor("the refusal beside the form", `(a => !!a && a.getAttribute('role') === 'alert' && a.previousElementSibling === document.querySelector('form.buy-form') &&
		a.textContent === 'That product is not for sale in this store.')(document.querySelector('.htmx-error'))`)
	b.WaitFor("the button enabled again", `!document.querySelector('form.buy-form button').disabled`)
	if n, _ := b.Text(`document.querySelector('#cart-count').textContent.trim()`); n != "0" {
		t.Fatalf("the cart badge reads %s", n)
	}
}

// TestAddToCartInFlightShowsASpinnerAndDisablesTheButtonInBrowser slows the
// network so the request is seen in flight: the form's spinner shows, the
// button is disabled and the form is aria-busy; once answered the spinner
// hides and the button is enabled again.
func TestAddToCartInFlightShowsASpinnerAndDisablesTheButtonInBrowser(t *testing.T) {
	_, _, b := productPageInBrowser(t, "inflight", "slow-tides")
	b.WaitFor("htmx and the cart badge", `typeof htmx !== 'undefined' && document.querySelector('#cart-count').textContent.trim() === '0' && !document.querySelector('.htmx-request')`)
	if _, err := chromedp.Call(b.Ctx, network.Enable, network.EnableParams{}); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(b.Ctx, network.EmulateNetworkConditionsByRule, network.EmulateNetworkConditionsByRuleParams{
		MatchedNetworkConditions: []*network.Conditions{{Latency: 1500, DownloadThroughput: -1, UploadThroughput: -1}},
	}); err != nil {
		t.Fatal(err)
	}
	const state = `[document.querySelector('form.buy-form button').disabled, getComputedStyle(document.querySelector('form.buy-form .htmx-indicator')).opacity,
		document.querySelector('form.buy-form').getAttribute('aria-busy')].join(' ')`
	b.Must("click Add to cart", chromedp.Click(chromedp.CSS(`form.buy-form button[type=submit]`)))
	b.WaitFor("the request in flight", state+` === 'true 1 true'`)
	b.WaitFor("the answer", `document.querySelector('#cart-count').textContent.trim() === '1'`)
	b.WaitFor("the spinner hidden and the button enabled", state+` === 'false 0 '`)
}
