package library_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/claro-market/claro/app/catalog"
	"github.com/claro-market/claro/app/config"
	"github.com/claro-market/claro/testkit/apptest"
	"github.com/claro-market/claro/testkit/browsertest"
	"github.com/claro-market/claro/testkit/mailpittest"
	"github.com/claro-market/claro/testkit/moneytest"
)

// mailedLink waits for a message to address with subject in Mailpit and
// returns its link to path, absolute, as the reader would click it.
func mailedLink(t *testing.T, mp *mailpittest.Mailpit, address, subject, path string) string {
	t.Helper()
	msgs := mp.WaitForSubject(t, address, subject, 1)
	links := apptest.Links(msgs[0].Text, path)
	if len(links) != 1 {
		t.Fatalf("%q to %s has %d links to %s:\n%s", subject, address, len(links), path, msgs[0].Text)
	}
	return links[0].String()
}

// sessionIDs are the ids of the account's live sessions.
func sessionIDs(t *testing.T, e *moneytest.Env, email string) []int64 {
	t.Helper()
	var ids []int64
	if err := e.DB.Primary.NewRaw(`SELECT s.id FROM sessions s JOIN users u ON u.id = s.user_id WHERE u.email = ? ORDER BY s.id`,
		email).Scan(context.Background(), &ids); err != nil {
		t.Fatal(err)
	}
	return ids
}

// TestGuestClaimsThePurchaseFromTheReceiptAndResetsThePasswordInBrowser walks
// a guest through what the identity fix asks of them, in Chromium, with the
// mail going over SMTP to Mailpit: buy as a guest on the test-payment page,
// open the receipt's claim link, create an account from it, open the
// verification link, and find the purchase in the library; then forget the
// password, open the reset link, and set a new one that works, while the
// sessions from before are gone.
func TestGuestClaimsThePurchaseFromTheReceiptAndResetsThePasswordInBrowser(t *testing.T) {
	mp := mailpittest.Start(t)
	ln, root := browsertest.Listen(t)
	e := moneytest.New(t, testDB, func(c *config.Config) { c.RootDomain, c.DevTestPayments, c.SMTPURL = root, true, mp.SMTPURL })
	store := e.Store(t, apptest.Unique("harbor-"))
	const secret = "Tide tables for the winter harbour."
	p := e.Product(t, store, "tide-tables", catalog.Public, func(p *catalog.Product) {
		p.Title, p.PriceCents = "Tide Tables", 900
		p.ContentMD, p.ContentHTML = secret, "<p>"+secret+"</p>"
	})
	browsertest.Start(t, e.App.Fiber, ln)
	b := browsertest.NewPage(t, browsertest.Chromium(t))
	market, storefront := "http://"+root, "http://"+store.Slug+"."+root
	email := apptest.Email("guest")

	// A guest buys: product → cart → check out with an email → Pay.
	b.Open(storefront + "/products/" + p.Slug)
	b.WaitFor("the product page with htmx", `!!document.querySelector('form.buy-form button') && typeof htmx !== 'undefined'`)
	b.Must("add to cart", chromedp.Click(chromedp.CSS(`form.buy-form button[type="submit"]`)))
	b.WaitFor("the added-to-cart notice", `!!document.querySelector('#cart-status a[href="/cart"]')`)
	b.Open(storefront + "/cart")
	b.Must("check out as a guest",
		chromedp.SendKeys(chromedp.CSS(`form.checkout-form input[name="email"]`), email),
		chromedp.Click(chromedp.CSS(`form.checkout-form button[type="submit"]`)))
	b.WaitFor("the test-payment page", `location.href.startsWith("`+market+`/dev/pay/") && !!document.querySelector('form.dev-pay-form button')`)
	b.Must("pay", chromedp.Click(chromedp.CSS(`form.dev-pay-form button[type="submit"]`)))
	b.WaitFor("the thank-you page", `document.body.innerText.includes("Thank you")`)

	// The receipt arrives with the order's claim link.
	if _, err := e.Receipts.Drain(context.Background()); err != nil {
		t.Fatal(err)
	}
	b.Open(mailedLink(t, mp, email, "Your receipt", "/claim"))
	b.WaitFor("the claim page", `document.body.innerText.includes("Tide Tables") && !!document.querySelector('a[href^="/signup?"]')`)
	b.Must("create an account from the claim page", chromedp.Click(chromedp.CSS(`a[href^="/signup?"]`)))
	b.WaitFor("the sign-up form with the address filled in", `(document.querySelector('form[action="/signup"] input[name="email"]') || {}).value === `+strconv.Quote(email))
	b.Must("sign up",
		chromedp.SendKeys(chromedp.CSS(`form[action="/signup"] input[name="name"]`), "Gale Guest"),
		chromedp.SendKeys(chromedp.CSS(`form[action="/signup"] input[name="password"]`), "correct horse battery"),
		chromedp.Click(chromedp.CSS(`form[action="/signup"] button[type="submit"]`)))
	b.WaitFor("check your inbox", `document.body.innerText.includes("Check your inbox")`)

	// The verification link signs in and finishes the claim.
	b.Open(mailedLink(t, mp, email, "Confirm your email", "/verify"))
	item := `.library-item[data-product-id="` + strconv.FormatInt(p.ID, 10) + `"] a[href^="/library/"]`
	b.WaitFor("the purchase in the library", `location.href === "`+market+`/library?claimed=1" && !!document.querySelector('`+item+`') && !document.querySelector('.verify-banner')`)
	b.Must("open the purchase", chromedp.Click(chromedp.CSS(item)))
	b.WaitFor("the purchased content", `(document.querySelector('article.library-content .content-body') || {}).textContent === `+strconv.Quote(secret))

	// Forgot password: another device is signed in too; the reset ends it
	// and the browser's own session, and signs this browser in afresh.
	other := e.NewBrowser()
	if resp, _ := other.PostForm(t, root, "/login", url.Values{"_csrf": {other.CSRF(t, root, "/login")}, "email": {email},
		"password": {"correct horse battery"}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("the other device's sign-in: %d", resp.StatusCode)
	}
	before := sessionIDs(t, e, email)
	if len(before) != 2 {
		t.Fatalf("%d sessions before the reset, want 2", len(before))
	}
	b.Open(market + "/login")
	b.Must("sign out", chromedp.Click(chromedp.CSS(`form[action$="/logout"] button`)))
	b.WaitFor("signed out", `!!document.querySelector('a[href$="/login"]')`)
	b.Open(market + "/login")
	b.Must("forgot password", chromedp.Click(chromedp.CSS(`a[href="/forgot"]`)))
	b.WaitFor("the forgot form", `!!document.querySelector('form[action="/forgot"] input[name="email"]')`)
	b.Must("ask for a reset link",
		chromedp.SendKeys(chromedp.CSS(`form[action="/forgot"] input[name="email"]`), email),
		chromedp.Click(chromedp.CSS(`form[action="/forgot"] button[type="submit"]`)))
	b.WaitFor("the uniform answer", `document.body.innerText.includes("If an account has this address")`)
	b.Open(mailedLink(t, mp, email, "Reset your Claro password", "/reset"))
	b.Must("set a new password",
		chromedp.SendKeys(chromedp.CSS(`form[action="/reset"] input[name="password"]`), "a brand new passphrase"),
		chromedp.Click(chromedp.CSS(`form[action="/reset"] button[type="submit"]`)))
	b.WaitFor("password changed", `document.body.innerText.includes("Password changed") && !!document.querySelector('form[action$="/logout"]')`)
	if _, home := other.Get(t, root, "/"); strings.Contains(home, "Sign out") || !strings.Contains(home, "Sign in") {
		t.Fatal("the other device is still signed in after the reset")
	}
	after := sessionIDs(t, e, email)
	if len(after) != 1 || after[0] == before[0] || after[0] == before[1] {
		t.Fatalf("sessions %v after the reset (before: %v), want one new one", after, before)
	}

	// The new password works, the old one does not.
	b.Must("sign out", chromedp.Click(chromedp.CSS(`form[action$="/logout"] button`)))
	b.WaitFor("signed out", `!!document.querySelector('a[href$="/login"]')`)
	signIn := func(pw string) {
		t.Helper()
		b.Open(market + "/login?next=" + url.QueryEscape("/library"))
		b.Must("sign in",
			chromedp.SendKeys(chromedp.CSS(`form[action="/login"] input[name="email"]`), email),
			chromedp.SendKeys(chromedp.CSS(`form[action="/login"] input[name="password"]`), pw),
			chromedp.Click(chromedp.CSS(`form[action="/login"] button[type="submit"]`)))
	}
	signIn("correct horse battery")
	b.WaitFor("the old password refused", `document.body.innerText.includes("do not match an account")`)
	signIn("a brand new passphrase")
	b.WaitFor("the library with the new password", `location.href === "`+market+`/library" && !!document.querySelector('`+item+`')`)
}
