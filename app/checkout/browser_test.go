package checkout_test

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/claro-market/claro/app/catalog"
	"github.com/claro-market/claro/app/config"
	"github.com/claro-market/claro/testkit/apptest"
	"github.com/claro-market/claro/testkit/browsertest"
	"github.com/claro-market/claro/testkit/moneytest"
	"github.com/claro-market/claro/testkit/stripetest"
)

// TestThankYouPageUpdatesItselfAndFitsAPhoneInBrowser buys in Chromium on a
// 360-pixel-wide screen, opens the thank-you page before Stripe's webhook
// arrives, and watches htmx's poll (no inline script: the CSP holds) swap in
// the download buttons once it does; the page fits 360 and 1280 pixels, and
// so does the library with its search.
func TestThankYouPageUpdatesItselfAndFitsAPhoneInBrowser(t *testing.T) {
	ln, root := browsertest.Listen(t)
	e := moneytest.New(t, testDB, func(c *config.Config) { c.RootDomain, c.DevTestPayments = root, true })
	store := e.Store(t, apptest.Unique("pocket-"))
	p := e.Product(t, store, "field-notes", catalog.Public, func(p *catalog.Product) {
		p.Title = "Field Notes: An Extraordinarily Thorough Compendium of Marginalia"
	})
	fileID := addFile(t, e, p)
	browsertest.Start(t, e.App.Fiber, ln)
	b := browsertest.NewPage(t, browsertest.Chromium(t))
	b.Must("use a phone-sized screen", chromedp.EmulateViewport(360, 740))
	market, storefront := "http://"+root, "http://"+store.Slug+"."+root
	email := apptest.Email("pocket")

	b.Open(market + "/signup")
	b.Must("sign up",
		chromedp.SendKeys(chromedp.CSS(`form[action="/signup"] input[name="name"]`), "Pocket Buyer"),
		chromedp.SendKeys(chromedp.CSS(`form[action="/signup"] input[name="email"]`), email),
		chromedp.SendKeys(chromedp.CSS(`form[action="/signup"] input[name="password"]`), pw),
		chromedp.Click(chromedp.CSS(`form[action="/signup"] button[type="submit"]`)))
	b.WaitFor("check your inbox", `document.body.innerText.includes("Check your inbox")`)
	b.Open(market + e.MailLink(t, email, "/verify"))
	b.WaitFor("signed in", `!!document.querySelector('.header-nav a[href$="/account"]')`)

	b.Open(storefront + "/products/" + p.Slug)
	b.WaitFor("the product page with htmx", `!!document.querySelector('form.buy-form button') && typeof htmx !== 'undefined'`)
	b.Must("add to cart", chromedp.Click(chromedp.CSS(`form.buy-form button[type="submit"]`)))
	b.WaitFor("the added-to-cart notice", `!!document.querySelector('#cart-status a[href="/cart"]')`)
	b.Open(storefront + "/cart")
	b.Must("check out", chromedp.Click(chromedp.CSS(`form.checkout-form button[type="submit"]`)))
	b.WaitFor("the test-payment page", `location.href.startsWith("`+market+`/dev/pay/")`)
	var ck moneytest.Checkout
	if err := e.DB.Primary.NewRaw(`SELECT id, tenant_id, stripe_checkout_session_id, amount_total_cents FROM checkouts
		WHERE tenant_id = ? ORDER BY id DESC LIMIT 1`, store.ID).Scan(context.Background(), &ck); err != nil {
		t.Fatal(err)
	}

	// Stripe sends the buyer back before its webhook lands.
	b.Open(storefront + successPath(ck.Session))
	b.WaitFor("processing, polling", `!!document.querySelector('#checkout-order[hx-trigger="every 2s"]') && document.body.innerText.includes("processing")`)
	b.WaitFor("the processing page to fit 360 pixels", browsertest.Fits(360))

	payload := moneytest.CompletedEvent("evt_"+apptest.Unique("pocket"), ck, "pi_"+apptest.Unique("pocket"))
	req := httptest.NewRequest(http.MethodPost, market+"/webhooks/stripe", bytes.NewReader(payload))
	req.Host = root
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Stripe-Signature", stripetest.Sign(payload, moneytest.WebhookSecret, time.Time{}))
	if resp, body := e.Do(t, req); resp.StatusCode != http.StatusOK {
		t.Fatalf("webhook: %d\n%s", resp.StatusCode, body)
	}
	download := `#checkout-order:not([hx-trigger]) a.btn[href="` + market + `/library/` + strconv.FormatInt(p.ID, 10) + `/files/` + strconv.FormatInt(fileID, 10) + `"]`
	b.WaitFor("the poll to bring the download button", `!!document.querySelector('`+download+`') && document.body.innerText.includes("Payment confirmed")`)
	b.WaitFor("the paid page to fit 360 pixels", browsertest.Fits(360))
	b.Must("use a desktop screen", chromedp.EmulateViewport(1280, 800))
	b.WaitFor("the paid page to fit 1280 pixels", browsertest.Fits(1280))

	b.Must("use a phone-sized screen", chromedp.EmulateViewport(360, 740))
	b.Open(market + "/library")
	item := `.library-item[data-product-id="` + strconv.FormatInt(p.ID, 10) + `"] .purchase-actions a.btn`
	b.WaitFor("the purchase with its download in the library", `!!document.querySelector('`+item+`')`)
	b.WaitFor("the library to fit 360 pixels", browsertest.Fits(360))
	b.Must("search the library",
		chromedp.SendKeys(chromedp.CSS(`form.library-search input[name="q"]`), "compendium"),
		chromedp.Click(chromedp.CSS(`form.library-search button[type="submit"]`)))
	b.WaitFor("the search's result", `location.search === "?q=compendium" && !!document.querySelector('`+item+`') && document.body.innerText.includes("1 purchase matches")`)
	b.WaitFor("the search page to fit 360 pixels", browsertest.Fits(360))
	b.Must("use a desktop screen", chromedp.EmulateViewport(1280, 800))
	b.WaitFor("the library to fit 1280 pixels", browsertest.Fits(1280))
}
