package discounts_test

import (
	"context"
	"fmt"
	"strconv"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/claro-market/claro/app/catalog"
	"github.com/claro-market/claro/app/config"
	"github.com/claro-market/claro/app/discounts"
	"github.com/claro-market/claro/testkit/apptest"
	"github.com/claro-market/claro/testkit/browsertest"
	"github.com/claro-market/claro/testkit/moneytest"
)

// settled is a WaitFor predicate: no htmx request or swap is under way and
// the cart's forms are htmx's (a click before htmx has processed swapped-in
// content would send the plain form).
const settled = `!document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling, .htmx-added') &&
	!!document.querySelector('.discount-form')['htmx-internal-data'] && !!document.querySelector('.pwyw-form')['htmx-internal-data']`

// A guest chooses what to pay for a pay-what-you-want zine (a sum below the
// minimum is refused with a message by the box), enters a code that does not
// exist and then one that does, and checks out at the discounted total; the
// cart fits a phone and a desktop window and is styled throughout.
func TestTheCartWithACodeAndPayWhatYouWantInBrowser(t *testing.T) {
	ln, root := browsertest.Listen(t)
	e := moneytest.New(t, testDB, func(c *config.Config) { c.RootDomain, c.DevTestPayments = root, true })
	s := e.Store(t, apptest.Unique("cartb"))
	brushes := e.Product(t, s, "brushes", catalog.Public, func(p *catalog.Product) {
		p.Title, p.PriceCents = "Watercolour Brush Pack With A Rather Long Name For A Small Screen", 2000
	})
	zine := e.Product(t, s, "zine", catalog.Public, func(p *catalog.Product) {
		p.Title, p.PWYW, p.PWYWMinCents, p.PriceCents = "Risograph Zine", true, 500, 1200
	})
	newCode(t, e, s, "SAVE25", func(k *discounts.Code) { k.Value, k.MaxRedemptions = 25, intp(10) })
	browsertest.Start(t, e.App.Fiber, ln)
	market, storefront := "http://"+root, "http://"+s.Slug+"."+root

	for _, w := range []int{360, 1280} {
		b := browsertest.NewPage(t, browsertest.Chromium(t)) // a browser of its own: an empty cart
		b.Must("the window", chromedp.EmulateViewport(int64(w), 800))
		b.Open(storefront + "/products/" + zine.Slug)
		b.WaitFor("the product page says pay what you want", `document.body.innerText.includes("Pay what you want (minimum $5.00)") && typeof htmx !== 'undefined'`)
		b.WaitFor("the product page fitting", browsertest.Fits(w))
		b.Must("add the zine", chromedp.Click(chromedp.CSS(`form.buy-form button[type="submit"]`)))
		b.WaitFor("added", `!!document.querySelector('#cart-status a[href="/cart"]')`)
		b.Open(storefront + "/products/" + brushes.Slug)
		b.Must("add the brushes", chromedp.Click(chromedp.CSS(`form.buy-form button[type="submit"]`)))
		b.WaitFor("added", `!!document.querySelector('#cart-status a[href="/cart"]')`)

		b.Open(storefront + "/cart")
		b.WaitFor("the cart with the amount box, suggesting 12.00", `document.querySelector('.pwyw-form input[name="amount"]').value === "12.00" && document.querySelector('.cart-total').innerText === "$32.00"`)
		b.WaitFor("the cart styled", `getComputedStyle(document.querySelector('.discount-box')).borderRadius !== '0px' && getComputedStyle(document.querySelector('.pwyw-input')).display === 'flex'`)
		b.WaitFor("htmx ready", settled)
		b.Must("pay less than the minimum",
			chromedp.SetValue(chromedp.CSS(`.pwyw-form input[name="amount"]`), "3"),
			chromedp.Click(chromedp.CSS(`.pwyw-form button[type="submit"]`)))
		b.WaitFor("the box says the minimum, the total unchanged", `!!document.querySelector('.htmx-error') && document.querySelector('.htmx-error').innerText.includes("The minimum is $5.00.") && document.querySelector('.cart-total').innerText === "$32.00"`)
		b.WaitFor("the refusal fitting", browsertest.Fits(w))
		b.WaitFor("htmx ready", settled)
		b.Must("pay 7.50",
			chromedp.SetValue(chromedp.CSS(`.pwyw-form input[name="amount"]`), "7.50"),
			chromedp.Click(chromedp.CSS(`.pwyw-form button[type="submit"]`)))
		b.WaitFor("the new total", `document.body.innerText.includes("You pay $7.50 for Risograph Zine.") && document.querySelector('.cart-total').innerText === "$27.50"`)

		b.WaitFor("htmx ready", settled)
		b.Must("a code that does not exist",
			chromedp.SendKeys(chromedp.CSS(`.discount-form input[name="code"]`), "NOPE"),
			chromedp.Click(chromedp.CSS(`.discount-form button[type="submit"]`)))
		b.WaitFor("the reason", `!!document.querySelector('.discount-box .htmx-error') && document.querySelector('.discount-box .htmx-error').innerText.includes("That code is not valid in this store.")`)
		b.WaitFor("htmx ready", settled)
		b.Must("the store's code, in lower case",
			chromedp.SetValue(chromedp.CSS(`.discount-form input[name="code"]`), "save25"),
			chromedp.Click(chromedp.CSS(`.discount-form button[type="submit"]`)))
		// 25% off the brushes only: the zine's price is the buyer's own.
		b.WaitFor("the code applied", `document.body.innerText.includes("Code SAVE25 applied: 25% off.") && !!document.querySelector('.cart-discount') && document.querySelector('.cart-total').innerText === "$22.50" && !document.querySelector('.htmx-error')`)
		b.WaitFor("the cart with the code fitting", browsertest.Fits(w))
		b.WaitFor("htmx ready", settled)
		b.Must("check out", chromedp.Click(chromedp.CSS(`form.checkout-form button[type="submit"]`)))
		b.WaitFor("the test-payment page", `location.href.startsWith("`+market+`/dev/pay/")`)
	}
	if n := e.Count(t, `checkouts WHERE tenant_id = ? AND amount_total_cents = 2250 AND application_fee_cents = 225`, s.ID); n != 2 {
		t.Fatalf("%d checkouts at 22.50 with a 2.25 fee, want 2", n)
	}
	if n := e.Count(t, `discount_uses u JOIN checkouts c ON c.id = u.checkout_id WHERE c.tenant_id = ? AND u.amount_off_cents = 500`, s.ID); n != 2 {
		t.Fatalf("%d holds of 5.00 off, want 2", n)
	}
}

// The creator makes a code on the dashboard: a bad value is refused by its
// field, the fixed form creates the code for one product, the list shows it
// and archives it; the page fits a phone and a desktop window.
func TestTheDashboardsDiscountCodesInBrowser(t *testing.T) {
	ln, root := browsertest.Listen(t)
	e := moneytest.New(t, testDB, func(c *config.Config) { c.RootDomain = root })
	s := e.Store(t, apptest.Unique("dashd"))
	p := e.Product(t, s, "brushes", catalog.Public, func(p *catalog.Product) { p.Title = "Brush Pack" })
	e.Product(t, s, "fonts", catalog.Public, func(p *catalog.Product) { p.Title = "Font Kit" })
	owner := apptest.Email("downer")
	browsertest.Start(t, e.App.Fiber, ln)
	b := browsertest.NewPage(t, browsertest.Chromium(t))
	market := "http://" + root
	b.SignUp(market, "Owner", owner, "a long enough password", func() string { return e.MailLink(t, owner, "/verify") })
	if _, err := e.DB.Primary.NewRaw(`INSERT INTO tenant_members (tenant_id, user_id, role) SELECT ?, id, 'owner' FROM users WHERE email = ?`,
		s.ID, owner).Exec(context.Background()); err != nil {
		t.Fatal(err)
	}
	page := market + "/dashboard/s/" + s.Slug + "/discounts"
	for i, w := range []int{360, 1280} {
		code := fmt.Sprintf("BRUSH%d", i)
		b.Must("the window", chromedp.EmulateViewport(int64(w), 800))
		b.Open(page)
		b.WaitFor("the page", `document.body.innerText.includes("New code") && !!document.querySelector('a[href$="/discounts"]')`)
		b.WaitFor("the page fitting", browsertest.Fits(w))
		b.WaitFor("the form styled", `getComputedStyle(document.querySelector('.discount-scope')).borderTopStyle === 'solid'`)
		b.Must("a percent over 100",
			chromedp.SendKeys(chromedp.CSS(`form.discount-new input[name="code"]`), code),
			chromedp.SendKeys(chromedp.CSS(`form.discount-new input[name="value"]`), "150"),
			chromedp.Click(chromedp.CSS(`form.discount-new input[name="scope"][value="chosen"]`)),
			chromedp.Click(chromedp.CSS(`form.discount-new input[name="products"][value="`+strconv.FormatInt(p.ID, 10)+`"]`)),
			chromedp.SetValue(chromedp.CSS(`form.discount-new input[name="max_redemptions"]`), "3"),
			chromedp.Click(chromedp.CSS(`form.discount-new button[type="submit"]`)))
		b.WaitFor("the refusal by its field, the form kept", `document.body.innerText.includes("The code was not created") && document.body.innerText.includes("A percent off is a whole number from 1 to 100.") && document.querySelector('form.discount-new input[name="code"]').value === "`+code+`" && document.querySelector('form.discount-new input[name="products"][value="`+strconv.FormatInt(p.ID, 10)+`"]').checked`)
		b.WaitFor("the refusal fitting", browsertest.Fits(w))
		b.Must("25 percent",
			chromedp.SetValue(chromedp.CSS(`form.discount-new input[name="value"]`), "25"),
			chromedp.Click(chromedp.CSS(`form.discount-new button[type="submit"]`)))
		b.WaitFor("the new code listed", `document.body.innerText.includes("The code is created") && !!document.querySelector('tr[data-code-id] td') && document.body.innerText.includes("`+code+`") && document.body.innerText.includes("0 of 3")`)
		b.WaitFor("the list fitting", browsertest.Fits(w))
		b.Must("archive it", chromedp.Click(chromedp.CSS(`tr[data-code-id]:first-child form[action$="/archive"] button`)))
		b.WaitFor("archived", `document.body.innerText.includes("The code is archived") && [...document.querySelectorAll('tr[data-code-id]')].some(r => r.innerText.includes("`+code+`") && r.innerText.includes("archived") && !r.querySelector('form'))`)
	}
	if n := e.Count(t, `discount_codes k JOIN discount_code_products p ON p.code_id = k.id WHERE k.tenant_id = ? AND k.value = 25 AND k.archived_at IS NOT NULL`, s.ID); n != 2 {
		t.Fatalf("%d archived codes for the product, want 2", n)
	}
}
