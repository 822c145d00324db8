package devtools_test

import (
	"strconv"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/claro-market/claro/app/catalog"
	"github.com/claro-market/claro/app/config"
	"github.com/claro-market/claro/testkit/apptest"
	"github.com/claro-market/claro/testkit/browsertest"
	"github.com/claro-market/claro/testkit/moneytest"
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
	b := browsertest.NewPage(t, browsertest.Chromium(t))
	market, storefront := "http://"+root, "http://"+store.Slug+"."+root
	email := apptest.Unique("buyer") + "@example.com"

	b.Open(market + "/signup")
	b.Must("sign up",
		chromedp.SendKeys(chromedp.CSS(`form[action="/signup"] input[name="name"]`), "Ines Buyer"),
		chromedp.SendKeys(chromedp.CSS(`form[action="/signup"] input[name="email"]`), email),
		chromedp.SendKeys(chromedp.CSS(`form[action="/signup"] input[name="password"]`), "correct horse battery"),
		chromedp.Click(chromedp.CSS(`form[action="/signup"] button[type="submit"]`)),
	)
	b.WaitFor("the sign-up's check-your-inbox page", `document.body.innerText.includes("Check your inbox")`)
	b.Open(market + e.MailLink(t, email, "/verify")) // the verification link the sign-up mailed
	b.WaitFor("the home page after the verification link", `location.href === "`+market+`/"`)

	// Storefront → product → add to cart (htmx) → cart.
	b.Open(storefront + "/")
	card := `[data-product-id="` + strconv.FormatInt(p.ID, 10) + `"]`
	b.WaitFor("the product card", `!!document.querySelector('`+card+` a.card-link')`)
	b.Must("open the product", chromedp.Click(chromedp.CSS(card+` a.card-link`)))
	b.WaitFor("the product page with htmx", `!!document.querySelector('form.buy-form button') && typeof htmx !== 'undefined'`)
	b.Must("add to cart", chromedp.Click(chromedp.CSS(`form.buy-form button[type="submit"]`)))
	b.WaitFor("the added-to-cart notice", `!!document.querySelector('#cart-status a[href="/cart"]')`)
	b.Must("view the cart", chromedp.Click(chromedp.CSS(`#cart-status a[href="/cart"]`)))
	b.WaitFor("the cart with the product", `location.pathname === "/cart" && document.querySelector('.cart-total') !== null`)
	if total, _ := b.Text(`document.querySelector('.cart-total').textContent.trim()`); total != "$12.50" {
		t.Fatalf("cart total %q", total)
	}

	// Check out → the test-payment page on the marketplace → Pay.
	b.Must("check out", chromedp.Click(chromedp.CSS(`form.checkout-form button[type="submit"]`)))
	b.WaitFor("the test-payment page", `location.href.startsWith("`+market+`/dev/pay/") && !!document.querySelector('form.dev-pay-form button')`)
	if got, _ := b.Text(`document.querySelector('.dev-pay-total').textContent.trim()`); got != "$12.50" {
		t.Fatalf("the test-payment page asks for %q", got)
	}
	b.Must("pay", chromedp.Click(chromedp.CSS(`form.dev-pay-form button[type="submit"]`)))
	b.WaitFor("the storefront's thank-you page", `location.href.startsWith("`+storefront+`/checkout/success?session_id=cs_") && document.body.innerText.includes("Thank you")`)

	// The thank-you page's library link → the library → the content.
	b.Must("go to the library", chromedp.Click(chromedp.CSS(`.checkout-success a[href$="/library"]`)))
	item := `.library-item[data-product-id="` + strconv.FormatInt(p.ID, 10) + `"] a[href^="/library/"]`
	b.WaitFor("the purchase in the library", `location.href === "`+market+`/library" && !!document.querySelector('`+item+`')`)
	b.Must("open the purchase", chromedp.Click(chromedp.CSS(item)))
	b.WaitFor("the purchased content", `!!document.querySelector('article.library-content .content-body')`)
	if body, _ := b.Text(`document.querySelector('article.library-content .content-body').textContent.trim()`); body != secret {
		t.Fatalf("the library shows %q, want %q", body, secret)
	}
	if n := e.Count(t, "orders WHERE tenant_id = ? AND status = 'paid'", store.ID); n != 1 {
		t.Fatalf("%d paid orders", n)
	}
}
