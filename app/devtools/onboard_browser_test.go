package devtools_test

import (
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/claro-market/claro/app/config"
	"github.com/claro-market/claro/tenants"
	"github.com/claro-market/claro/testkit/apptest"
	"github.com/claro-market/claro/testkit/browsertest"
	"github.com/claro-market/claro/testkit/moneytest"
)

// TestCreatorOnboardsOnTheTestOnboardingPageInBrowserAt360px walks a new
// creator through `claro dev`'s Connect onboarding in Chromium on a 360 px
// wide screen: sign in, Payments, "Set up payments with Stripe", the test
// page (no sideways scrolling), leave an identity document due, and back on
// the payments page the store takes payments and the KYC panel says what
// Stripe still needs. The creator's user is written straight into the
// database: sign-up is not what this test is about.
func TestCreatorOnboardsOnTheTestOnboardingPageInBrowserAt360px(t *testing.T) {
	ln, root := browsertest.Listen(t)
	e := moneytest.New(t, testDB, func(c *config.Config) { c.RootDomain, c.DevTestPayments = root, true })
	store := e.Store(t, apptest.Unique("tidal-"), func(s *tenants.Tenant) { s.ChargesEnabled, s.StripeAccountID = false, nil })
	userID, email := newUser(t, e, "creator")
	if _, err := e.DB.Primary.NewRaw(`INSERT INTO tenant_members (tenant_id, user_id, role) VALUES (?, ?, 'owner')`, store.ID, userID).
		Exec(t.Context()); err != nil {
		t.Fatal(err)
	}
	browsertest.Start(t, e.App.Fiber, ln)
	b := browsertest.NewPage(t, browsertest.Chromium(t))
	market := "http://" + root
	b.Must("a 360 px wide screen", chromedp.EmulateViewport(360, 740))

	b.Open(market + "/login")
	b.Must("sign in",
		chromedp.SendKeys(chromedp.CSS(`form[action="/login"] input[name="email"]`), email),
		chromedp.SendKeys(chromedp.CSS(`form[action="/login"] input[name="password"]`), password),
		chromedp.Click(chromedp.CSS(`form[action="/login"] button[type="submit"]`)),
	)
	b.WaitFor("signed in", `location.pathname !== "/login"`)

	payments := market + "/dashboard/s/" + store.Slug + "/payments"
	b.Open(payments)
	b.WaitFor("the set-up button", `!!document.querySelector('form[action$="/payments/onboard"] button')`)
	b.Must("set up payments", chromedp.Click(chromedp.CSS(`form[action$="/payments/onboard"] button`)))
	b.WaitFor("the test-onboarding page", `location.href.startsWith("`+market+`/dev/onboard/acct_") && !!document.querySelector('form.dev-onboard-form button')`)
	if label, _ := b.Text(`document.querySelector('.dev-onboard .notice').textContent`); len(label) < 15 || label[:15] != "Test onboarding" {
		t.Fatalf("the page is not labelled a test page: %q", label)
	}
	const fits = `(d => d.scrollWidth <= d.clientWidth ? "fits" : d.scrollWidth + " px in " + d.clientWidth)(document.documentElement)`
	if wide, _ := b.Text(fits); wide != "fits" {
		t.Fatalf("the page scrolls sideways on a 360 px screen: %s", wide)
	}
	b.Must("leave an identity document due, and submit",
		chromedp.Click(chromedp.CSS(`input[name="outcome"][value="due"]`)),
		chromedp.Click(chromedp.CSS(`form.dev-onboard-form button[type="submit"]`)),
	)
	b.WaitFor("back on the payments page", `location.href === "`+payments+`?from=stripe" && document.body.innerText.includes("This store takes payments")`)
	if due, _ := b.Text(`document.querySelector('ul.problems').textContent.trim()`); due != "Stripe still needs: individual verification document." {
		t.Fatalf("the KYC panel says %q", due)
	}
	if !chargesEnabled(t, e, store.ID) {
		t.Fatal("the store cannot take payments")
	}
}
