package admin_test

import (
	"context"
	"strconv"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/claro-market/claro/app/accounts"
	"github.com/claro-market/claro/app/catalog"
	"github.com/claro-market/claro/app/config"
	"github.com/claro-market/claro/testkit/apptest"
	"github.com/claro-market/claro/testkit/browsertest"
)

// TestStaffSuspendAStoreInBrowser: in Chromium, a staff member signs in,
// finds a store by part of its address on a 360-pixel screen, suspends it
// with a reason, sees the confirmation and the audit row naming them and
// the reason (at 360 and 1280 pixels, no page wider than the screen), and
// the store's own page then says it is unavailable.
func TestStaffSuspendAStoreInBrowser(t *testing.T) {
	ln, root := browsertest.Listen(t)
	e := apptest.New(t, testDB, func(c *config.Config) { c.RootDomain = root })
	browsertest.Start(t, e.App.Fiber, ln)
	ctx := browsertest.Chromium(t)
	b := browsertest.NewPage(t, ctx)
	b.Must("use a phone-sized screen", chromedp.EmulateViewport(360, 740))

	market := "http://" + root
	slug := apptest.Unique("brw-suspend-")
	store := e.Store(t, slug)
	e.Product(t, store, "thing", catalog.Public)
	staff := apptest.Email("brw-staff")
	hash, err := accounts.HashPassword(pw)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := testDB.Primary.NewRaw(`INSERT INTO users (email, name, password_hash, email_verified_at) VALUES (?, 'Sam Staff', ?, now())`,
		staff, hash).Exec(context.Background()); err != nil {
		t.Fatal(err)
	}
	grant(t, staff)

	b.Open(market + "/login?next=/admin")
	b.Must("sign in as staff",
		chromedp.SendKeys(chromedp.CSS(`form[action="/login"] input[name="email"]`), staff),
		chromedp.SendKeys(chromedp.CSS(`form[action="/login"] input[name="password"]`), pw),
		chromedp.Click(chromedp.CSS(`form[action="/login"] button[type="submit"]`)),
	)
	b.WaitFor("the console", `location.pathname === "/admin" && !!document.querySelector('form[action="/admin"] input[name="q"]')`)
	b.WaitFor("the console to fit", browsertest.Fits(360))
	b.Must("search for the store",
		chromedp.SendKeys(chromedp.CSS(`form[action="/admin"] input[name="q"]`), slug[:len(slug)-3]),
		chromedp.Click(chromedp.CSS(`form[action="/admin"] button[type="submit"]`)),
	)
	b.WaitFor("the store in the results", `!!document.querySelector('#results [data-store=`+strconv.Quote(slug)+`] a')`)
	b.WaitFor("the results to fit", browsertest.Fits(360))
	b.Must("open the store", chromedp.Click(chromedp.CSS(`#results [data-store=`+strconv.Quote(slug)+`] a.btn`)))
	b.WaitFor("the store's page", `location.pathname === `+strconv.Quote("/admin/stores/"+slug))
	b.WaitFor("the store's page to fit", browsertest.Fits(360))

	reason := "Reported for selling stolen fonts"
	b.Must("suspend it with a reason",
		chromedp.SendKeys(chromedp.CSS(`form[action$="/suspend"] input[name="reason"]`), reason),
		chromedp.Click(chromedp.CSS(`form[action$="/suspend"] button[type="submit"]`)),
	)
	b.WaitFor("the confirmation and the audit row",
		`document.querySelector('.flash') && document.querySelector('.flash').innerText.includes("Store suspended")
		 && !!document.querySelector('form[action$="/restore"]')
		 && [...document.querySelectorAll('#audit-log [data-audit-id]')].some(r => r.innerText.includes("Suspended store")
		      && r.innerText.includes(`+strconv.Quote(reason)+`) && r.innerText.includes(`+strconv.Quote(staff)+`))`)
	b.WaitFor("the page with its message to fit", browsertest.Fits(360))
	b.Must("use a desktop-sized screen", chromedp.EmulateViewport(1280, 800))
	b.WaitFor("the page to fit at 1280", browsertest.Fits(1280))

	b.Open("http://" + slug + "." + root + "/")
	b.WaitFor("the storefront says it is unavailable", `document.querySelector('h1') && document.querySelector('h1').innerText.includes("This store is unavailable")`)
}
