package devtools_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/claro-market/claro/app/apptest"
	"github.com/claro-market/claro/app/browsertest"
	"github.com/claro-market/claro/app/catalog"
	"github.com/claro-market/claro/app/config"
	"github.com/claro-market/claro/app/moneytest"
)

// TestBuyerPaysOnTheTestPaymentPageAndReadsThePurchaseInBrowser walks a buyer
// through `claro dev`'s money path in Chromium, stripe-mock standing in for
// Stripe and the test-payment page for Checkout: storefront, product, add to
// cart, cart, check out, Pay, thank-you page, library, content.
func TestBuyerPaysOnTheTestPaymentPageAndReadsThePurchaseInBrowser(t *testing.T) {
	ln, root := browsertest.Listen(t)
	e := moneytest.New(t, testDB, func(c *config.Config) { c.RootDomain, c.DevTestPayments = root, true })
	store := e.Store(t, apptest.Unique("harbor-"))
	const secret = "The lighthouse keeper's logbook, page one."
	p := e.Product(t, store, "field-guide", catalog.Public, func(p *catalog.Product) {
		p.Title, p.PriceCents = "Harbor Field Guide", 1250
		p.ContentMD, p.ContentHTML = secret, "<p>"+secret+"</p>"
	})
	browsertest.Start(t, e.App.Fiber, ln)
	b := &page{t: t, ctx: browsertest.Chromium(t)}
	market, storefront := "http://"+root, "http://"+store.Slug+"."+root
	email := apptest.Unique("buyer") + "@example.com"

	b.open(market + "/signup")
	b.must("sign up",
		chromedp.SendKeys(chromedp.CSS(`form[action="/signup"] input[name="name"]`), "Ines Buyer"),
		chromedp.SendKeys(chromedp.CSS(`form[action="/signup"] input[name="email"]`), email),
		chromedp.SendKeys(chromedp.CSS(`form[action="/signup"] input[name="password"]`), "correct horse battery"),
		chromedp.Click(chromedp.CSS(`form[action="/signup"] button[type="submit"]`)),
	)
	b.waitFor("the home page after sign-up", `location.href === "`+market+`/"`)

	// Storefront → product → add to cart (htmx) → cart.
	b.open(storefront + "/")
	card := `[data-product-id="` + strconv.FormatInt(p.ID, 10) + `"]`
	b.waitFor("the product card", `!!document.querySelector('`+card+` a.card-link')`)
	b.must("open the product", chromedp.Click(chromedp.CSS(card+` a.card-link`)))
	b.waitFor("the product page with htmx", `!!document.querySelector('form.buy-form button') && typeof htmx !== 'undefined'`)
	b.must("add to cart", chromedp.Click(chromedp.CSS(`form.buy-form button[type="submit"]`)))
	b.waitFor("the added-to-cart notice", `!!document.querySelector('#cart-status a[href="/cart"]')`)
	b.must("view the cart", chromedp.Click(chromedp.CSS(`#cart-status a[href="/cart"]`)))
	b.waitFor("the cart with the product", `location.pathname === "/cart" && document.querySelector('.cart-total') !== null`)
	if total, _ := b.text(`document.querySelector('.cart-total').textContent.trim()`); total != "$12.50" {
		t.Fatalf("cart total %q", total)
	}

	// Check out → the test-payment page on the marketplace → Pay.
	b.must("check out", chromedp.Click(chromedp.CSS(`form.checkout-form button[type="submit"]`)))
	b.waitFor("the test-payment page", `location.href.startsWith("`+market+`/dev/pay/") && !!document.querySelector('form.dev-pay-form button')`)
	if got, _ := b.text(`document.querySelector('.dev-pay-total').textContent.trim()`); got != "$12.50" {
		t.Fatalf("the test-payment page asks for %q", got)
	}
	b.must("pay", chromedp.Click(chromedp.CSS(`form.dev-pay-form button[type="submit"]`)))
	b.waitFor("the storefront's thank-you page", `location.href.startsWith("`+storefront+`/checkout/success?session_id=cs_") && document.body.innerText.includes("Thank you")`)

	// The thank-you page's library link → the library → the content.
	b.must("go to the library", chromedp.Click(chromedp.CSS(`.checkout-success a[href$="/library"]`)))
	item := `.library-item[data-product-id="` + strconv.FormatInt(p.ID, 10) + `"] a[href^="/library/"]`
	b.waitFor("the purchase in the library", `location.href === "`+market+`/library" && !!document.querySelector('`+item+`')`)
	b.must("open the purchase", chromedp.Click(chromedp.CSS(item)))
	b.waitFor("the purchased content", `!!document.querySelector('article.library-content .content-body')`)
	if body, _ := b.text(`document.querySelector('article.library-content .content-body').textContent.trim()`); body != secret {
		t.Fatalf("the library shows %q, want %q", body, secret)
	}
	if n := e.Count(t, "orders WHERE tenant_id = ? AND status = 'paid'", store.ID); n != 1 {
		t.Fatalf("%d paid orders", n)
	}
}

// page drives one tab with bounded waits.
type page struct {
	t   *testing.T
	ctx context.Context
}

func (p *page) text(expr string) (string, error) {
	return chromedp.Run(p.ctx, chromedp.Evaluate[string](expr))
}

func (p *page) must(what string, steps ...chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	if err := chromedp.Do(p.ctx, steps...); err != nil {
		p.t.Fatalf("%s: %v", what, err)
	}
}

func (p *page) open(url string) {
	p.t.Helper()
	p.must("open "+url, chromedp.Navigate(url), chromedp.WaitReady(chromedp.CSS("body")))
}

// waitFor polls a JavaScript predicate for up to 15 seconds; an evaluation
// that fails while a page is being replaced counts as not yet.
func (p *page) waitFor(what, predicate string) {
	p.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	var lastErr error
	for {
		ok, err := chromedp.Run(p.ctx, chromedp.Evaluate[bool](predicate))
		if err == nil && ok {
			return
		}
		if err != nil {
			lastErr = err
		}
		if time.Now().After(deadline) {
			loc, _ := p.text(`location.href`)
			body, _ := p.text(`document.body ? document.body.innerText.slice(0, 600) : ''`)
			p.t.Fatalf("waited 15s for %s (last error %v); the browser is at %s showing:\n%s", what, lastErr, loc, body)
		}
		if err := chromedp.Do(p.ctx, chromedp.Sleep(100*time.Millisecond)); err != nil {
			p.t.Fatalf("waiting for %s: %v", what, err)
		}
	}
}
