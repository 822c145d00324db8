package devtools_test

import (
	"strconv"
	"strings"
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
// cart, cart, check out, Pay, the thank-you page offering the file's download
// (which gives the file), library, content.
func TestBuyerPaysOnTheTestPaymentPageAndReadsThePurchaseInBrowser(t *testing.T) {
	ln, root := browsertest.Listen(t)
	e := moneytest.New(t, testDB, func(c *config.Config) { c.RootDomain, c.DevTestPayments = root, true })
	store := e.Store(t, apptest.Unique("harbor-"))
	const secret = "The lighthouse keeper's logbook, page one."
	p := e.Product(t, store, "field-guide", catalog.Public, func(p *catalog.Product) {
		p.Title, p.PriceCents = "Harbor Field Guide", 1250
		p.ContentMD, p.ContentHTML = secret, "<p>"+secret+"</p>"
	})
	const fileName, fileBody = "field-guide.txt", "Lighthouses of the northern coast, one a page.\n"
	fileID := attachFile(t, e, p, fileName, fileBody)
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
	download := `.checkout-success .purchase-item[data-product-id="` + strconv.FormatInt(p.ID, 10) + `"] a[href="` + market + `/library/` +
		strconv.FormatInt(p.ID, 10) + `/files/` + strconv.FormatInt(fileID, 10) + `"]`
	b.WaitFor("the thank-you page's download", `(a => !!a && a.textContent.trim() === `+strconv.Quote("Download "+fileName)+`)(document.querySelector('`+download+`'))`)

	// The thank-you page's library link → the library → the content.
	b.Must("go to the library", chromedp.Click(chromedp.CSS(`.checkout-success a[href$="/library"]`)))
	item := `.library-item[data-product-id="` + strconv.FormatInt(p.ID, 10) + `"] a[href^="/library/"]`
	b.WaitFor("the purchase in the library", `location.href === "`+market+`/library" && !!document.querySelector('`+item+`')`)
	b.Must("open the purchase", chromedp.Click(chromedp.CSS(item)))
	b.WaitFor("the purchased content", `!!document.querySelector('article.library-content .content-body')`)
	if body, _ := b.Text(`document.querySelector('article.library-content .content-body').textContent.trim()`); body != secret {
		t.Fatalf("the library shows %q, want %q", body, secret)
	}
	// The thank-you page's download (the library's route, on this origin).
	if got := fetchText(b, market+"/library/"+strconv.FormatInt(p.ID, 10)+"/files/"+strconv.FormatInt(fileID, 10)); got != "200 "+fileBody {
		t.Fatalf("the download gives %q, want the file", got)
	}
	if n := e.Count(t, "orders WHERE tenant_id = ? AND status = 'paid'", store.ID); n != 1 {
		t.Fatalf("%d paid orders", n)
	}
}

// attachFile stores body as a downloadable file of p (through the app's own
// blob store) and returns the file's id.
func attachFile(t *testing.T, e *moneytest.Env, p *catalog.Product, name, body string) int64 {
	t.Helper()
	key := "files/" + apptest.Unique("journey") + "/" + name
	if err := e.App.Blobs.Put(t.Context(), key, strings.NewReader(body), int64(len(body)), "text/plain"); err != nil {
		t.Fatal(err)
	}
	var id int64
	if err := e.DB.Primary.NewRaw(`INSERT INTO product_files (tenant_id, product_id, name, blob_key, size_bytes, content_type)
		VALUES (?, ?, ?, ?, ?, 'text/plain') RETURNING id`, p.TenantID, p.ID, name, key, len(body)).Scan(t.Context(), &id); err != nil {
		t.Fatal(err)
	}
	return id
}
