package devtools_test

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/claro-market/claro/app/config"
	"github.com/claro-market/claro/testkit/apptest"
	"github.com/claro-market/claro/testkit/browsertest"
	"github.com/claro-market/claro/testkit/moneytest"
)

// journeyTimeout bounds each browser of a journey: one walks many pages.
const journeyTimeout = 3 * time.Minute

// TestCreatorJourneyFromSignUpToARefundInBrowser walks a creator and a buyer,
// each in a Chromium of their own, through `claro dev`'s own dev backends
// (stripe-mock behind its proxy, the test-onboarding and test-payment pages,
// the mailbox): the creator signs up, opens a store, onboards on the test
// page, creates a public product and uploads its cover and its file; the
// product is found in global search; a second user signs up, buys it and
// downloads the file from the thank-you page; the order appears in the
// creator's sales, the creator refunds it, and the buyer's access is gone.
func TestCreatorJourneyFromSignUpToARefundInBrowser(t *testing.T) {
	ln, root := browsertest.Listen(t)
	e := moneytest.New(t, testDB, func(c *config.Config) { c.RootDomain, c.DevTestPayments = root, true })
	browsertest.Start(t, e.App.Fiber, ln)
	market := "http://" + root
	slug := apptest.Unique("journey-")
	creatorEmail, buyerEmail := apptest.Email("creator"), apptest.Email("buyer")
	// A word no other product uses, so global search finds this one product.
	word := "lanternfish" + strings.NewReplacer("-", "", "_", "").Replace(apptest.Unique("x"))
	title := "The " + word + " Almanac"
	const fileName = "almanac.txt"
	fileBody := "Tide tables and harbor lights for " + word + ".\n"
	coverPath, filePath := writeUploads(t, fileName, fileBody)

	// The creator signs up and opens a store.
	c := browsertest.NewPage(t, browsertest.Chromium(t, browsertest.WithTimeout(journeyTimeout)))
	c.SignUp(market, "Ada Creator", creatorEmail, password, func() string { return e.MailLink(t, creatorEmail, "/verify") })
	c.Open(market + "/dashboard/stores/new")
	c.Must("open a store",
		chromedp.SendKeys(chromedp.CSS(`form[action="/dashboard/stores"] input[name="name"]`), "Lanternfish Press"),
		chromedp.SendKeys(chromedp.CSS(`form[action="/dashboard/stores"] input[name="slug"]`), slug),
		chromedp.Click(chromedp.CSS(`form[action="/dashboard/stores"] button[type="submit"]`)),
	)
	base := "/dashboard/s/" + slug
	c.WaitFor("the new store's dashboard", `location.pathname === `+strconv.Quote(base))

	// Test onboarding: everything verified, the store takes payments.
	payments := market + base + "/payments"
	c.Open(payments)
	c.Must("set up payments", chromedp.Click(chromedp.CSS(`form[action$="/payments/onboard"] button`)))
	c.WaitFor("the test-onboarding page", `location.href.startsWith("`+market+`/dev/onboard/acct_") && !!document.querySelector('form.dev-onboard-form button')`)
	c.Must("verify everything",
		chromedp.Click(chromedp.CSS(`input[name="outcome"][value="verified"]`)),
		chromedp.Click(chromedp.CSS(`form.dev-onboard-form button[type="submit"]`)),
	)
	c.WaitFor("the store takes payments", `location.href === "`+payments+`?from=stripe" && document.body.innerText.includes("This store takes payments and Stripe pays out")`)

	// A public product with its cover and its file.
	c.Open(market + base + "/products/new")
	form := `form[action="` + base + `/products"]`
	c.Must("fill the product form",
		chromedp.SendKeys(chromedp.CSS(form+` input[name="title"]`), title),
		chromedp.SendKeys(chromedp.CSS(form+` textarea[name="description"]`), "A year of tides, in one small book."),
		chromedp.SendKeys(chromedp.CSS(form+` input[name="price"]`), "9.00"),
		chromedp.SetValue(chromedp.CSS(form+` select[name="visibility"]`), "public"),
		chromedp.Click(chromedp.CSS(form+` button[type="submit"]`)),
	)
	c.WaitFor("the product's edit page", `/\/products\/\d+\/edit$/.test(location.pathname) && typeof htmx !== 'undefined'`)
	at, _ := c.Text(`location.pathname`)
	productID := regexp.MustCompile(`/products/(\d+)/edit$`).FindStringSubmatch(at)[1]
	upload := func(what, action, input, path, done string) {
		t.Helper()
		f := `form[action="` + base + `/products/` + productID + action + `"]`
		c.Must("send the "+what,
			chromedp.SetUploadFiles(chromedp.CSS(f+` input[type="file"][name="`+input+`"]`), []string{path}),
			chromedp.Click(chromedp.CSS(f+` button[type="submit"]`)),
		)
		c.WaitFor("the "+what+" on the edit page", done)
	}
	upload("cover", "/cover", "cover", coverPath, `(img => !!img && img.getAttribute('src').startsWith('/media/'))(document.querySelector('img.cover-preview'))`)
	upload("file", "/files", "file", filePath, `Array.from(document.querySelectorAll('.file-list li[id^="file-"]')).some(li => li.textContent.includes(`+strconv.Quote(fileName)+`))`)
	c.Open(market + base)
	row := `#product-` + productID
	c.WaitFor("the product published", `(r => !!r && r.querySelector('select[name="visibility"]').value === 'public' &&
		r.textContent.includes('In marketplace search and on your store.'))(document.querySelector('`+row+`'))`)

	// A second user signs up and finds the product in global search.
	b := browsertest.NewPage(t, browsertest.Chromium(t, browsertest.WithTimeout(journeyTimeout)))
	b.SignUp(market, "Ines Buyer", buyerEmail, password, func() string { return e.MailLink(t, buyerEmail, "/verify") })
	card := `#search-results [data-product-id="` + productID + `"] a.card-link`
	b.Open(market + "/search?q=" + word)
	// First, not alone: another run's word (a few letters apart) is within
	// Meilisearch's two typos and matches too, ranked after the exact one.
	b.WaitFor("the product first in global search", `(first => !!first && first.getAttribute('data-product-id') === '`+productID+`')(document.querySelector('#search-results [data-product-id]')) && !!document.querySelector('`+card+`')`)

	// The buyer buys it: product page, Add to cart, cart, Check out, Pay.
	b.Must("open the product from search", chromedp.Click(chromedp.CSS(card)))
	storefront := "http://" + slug + "." + root
	b.WaitFor("the product page", `location.href.startsWith("`+storefront+`/products/") && typeof htmx !== 'undefined' && !!document.querySelector('form.buy-form button')`)
	b.Must("add to cart", chromedp.Click(chromedp.CSS(`form.buy-form button[type="submit"]`)))
	b.WaitFor("the added-to-cart notice", `!!document.querySelector('#cart-status a[href="/cart"]')`)
	b.Open(storefront + "/cart")
	b.Must("check out", chromedp.Click(chromedp.CSS(`form.checkout-form button[type="submit"]`)))
	b.WaitFor("the test-payment page", `location.href.startsWith("`+market+`/dev/pay/") && !!document.querySelector('form.dev-pay-form button')`)
	b.Must("pay", chromedp.Click(chromedp.CSS(`form.dev-pay-form button[type="submit"]`)))

	// The thank-you page offers the download, and it is the creator's file.
	download := `.checkout-success .purchase-item[data-product-id="` + productID + `"] .purchase-actions a[href*="/files/"]`
	b.WaitFor("the thank-you page with the download", `document.body.innerText.includes("Thank you") && !!document.querySelector('`+download+`') &&
		document.querySelector('`+download+`').textContent.includes(`+strconv.Quote("Download "+fileName)+`)`)
	href, _ := b.Text(`document.querySelector('` + download + `').href`)
	if !strings.HasPrefix(href, market+"/library/"+productID+"/files/") {
		t.Fatalf("the thank-you page's download points at %s", href)
	}
	// The download is the library's own route on the marketplace: fetch it
	// from there, as following the link does.
	b.Open(market + "/library")
	b.WaitFor("the purchase in the library", `!!document.querySelector('.library-item[data-product-id="`+productID+`"]')`)
	if got := fetchText(b, href); got != "200 "+fileBody {
		t.Fatalf("the thank-you page's download %s gives %q, want the file", href, got)
	}

	// The order is in the creator's sales; the creator refunds it.
	sales := market + base + "/sales"
	c.Open(sales)
	order := `tr[data-order-id]`
	c.WaitFor("the order in sales", `(r => !!r && r.textContent.includes(`+strconv.Quote(buyerEmail)+`) && r.querySelector('.order-status').textContent.trim() === 'paid' &&
		r.textContent.includes('$9.00'))(document.querySelector('`+order+`'))`)
	c.Must("open the refund", chromedp.Click(chromedp.CSS(order+` a.refund-link`)))
	c.WaitFor("the refund confirmation", `/\/orders\/\d+\/refund$/.test(location.pathname) && !!document.querySelector('form.refund-form button')`)
	c.Must("confirm the refund", chromedp.Click(chromedp.CSS(`form.refund-form button[type="submit"]`)))
	c.WaitFor("the order refunded in sales", `location.pathname === `+strconv.Quote(base+"/sales")+` &&
		document.querySelector('`+order+` .order-status').textContent.trim().startsWith('refunded')`)

	// The buyer's access is gone: the download and the library page are the
	// 404 page, and the library no longer lists the purchase.
	if got := fetchText(b, href); !strings.HasPrefix(got, "404 ") {
		t.Fatalf("after the refund the download answers %.80q, want the 404 page", got)
	}
	b.Open(market + "/library")
	b.WaitFor("the library without the purchase", `location.pathname === "/library" && !document.querySelector('.library-item[data-product-id="`+productID+`"]')`)
	if got := fetchText(b, market+"/library/"+productID); !strings.HasPrefix(got, "404 ") {
		t.Fatalf("after the refund the library page answers %.80q, want the 404 page", got)
	}
}

// fetchText fetches url from the page (with its cookies) and returns
// "<status> <body>".
func fetchText(p *browsertest.Page, url string) string {
	p.T.Helper()
	out, err := chromedp.Run(p.Ctx, chromedp.Evaluate[string](`fetch(`+strconv.Quote(url)+`, {credentials: 'include'}).then(r => r.text().then(t => r.status + ' ' + t))`,
		chromedp.EvalAwaitPromise))
	if err != nil {
		p.T.Fatalf("fetching %s: %v", url, err)
	}
	return out
}

// writeUploads writes a small PNG cover and a product file to upload.
func writeUploads(t *testing.T, fileName, body string) (cover, file string) {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 64, 48))
	for y := range 48 {
		for x := range 64 {
			img.Set(x, y, color.RGBA{uint8(x * 4), uint8(y * 5), 180, 255})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	cover, file = filepath.Join(dir, "cover.png"), filepath.Join(dir, fileName)
	if err := os.WriteFile(cover, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return cover, file
}
