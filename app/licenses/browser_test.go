package licenses_test

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

// signIn fills market's sign-in form in the browser.
func signIn(b *browsertest.Page, market, email string) {
	b.T.Helper()
	b.Open(market + "/login")
	b.Must("sign in",
		chromedp.SendKeys(chromedp.CSS(`form[action="/login"] input[name="email"]`), email),
		chromedp.SendKeys(chromedp.CSS(`form[action="/login"] input[name="password"]`), "a long enough password"),
		chromedp.Click(chromedp.CSS(`form[action="/login"] button[type="submit"]`)))
	b.WaitFor("signed in", `!!document.querySelector('form[action$="/logout"]')`)
}

// The buyer finds the key in the library and frees an activation; the
// creator disables the key on the dashboard; both pages fit a phone and a
// desktop window.
func TestLicenseKeysInTheLibraryAndTheDashboardInBrowser(t *testing.T) {
	ln, root := browsertest.Listen(t)
	e := moneytest.New(t, testDB, func(c *config.Config) { c.RootDomain = root })
	store := e.Store(t, apptest.Unique("keysb"))
	product := e.Product(t, store, "plugin", catalog.Public, func(p *catalog.Product) { p.Title = "Reverb Plugin" })
	if _, err := e.DB.Primary.NewRaw(`UPDATE products SET license_keys = true, activation_limit = 2 WHERE id = ?`, product.ID).
		Exec(context.Background()); err != nil {
		t.Fatal(err)
	}
	buyerEmail, ownerEmail := apptest.Email("kbuyer"), apptest.Email("kowner")
	browsertest.Start(t, e.App.Fiber, ln)
	b := browsertest.NewPage(t, browsertest.Chromium(t))
	market := "http://" + root
	b.SignUp(market, "Owner", ownerEmail, "a long enough password", func() string { return e.MailLink(t, ownerEmail, "/verify") })
	b.Must("sign out", chromedp.Click(chromedp.CSS(`form[action$="/logout"] button`)))
	b.WaitFor("signed out", `!document.querySelector('form[action$="/logout"]')`)
	b.SignUp(market, "Buyer", buyerEmail, "a long enough password", func() string { return e.MailLink(t, buyerEmail, "/verify") })
	if _, err := e.DB.Primary.NewRaw(`INSERT INTO tenant_members (tenant_id, user_id, role) SELECT ?, id, 'owner' FROM users WHERE email = ?`,
		store.ID, ownerEmail).Exec(context.Background()); err != nil {
		t.Fatal(err)
	}
	// The buyer's checkout, as POST /checkout writes it (its cart would
	// live on the store's host), paid through the signed webhook.
	ck := moneytest.Checkout{TenantID: store.ID, Session: apptest.Unique("cs_kb_"), Amount: product.PriceCents}
	if err := e.DB.Primary.NewRaw(`INSERT INTO checkouts (tenant_id, user_id, email, stripe_checkout_session_id, amount_total_cents, application_fee_cents, currency, status)
		SELECT ?, id, email, ?, ?, 0, ?, 'open' FROM users WHERE email = ? RETURNING id`,
		store.ID, ck.Session, product.PriceCents, product.Currency, buyerEmail).Scan(context.Background(), &ck.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.DB.Primary.NewRaw(`INSERT INTO checkout_items (checkout_id, tenant_id, product_id, title, unit_price_cents, quantity)
		VALUES (?, ?, ?, ?, ?, 1)`, ck.ID, store.ID, product.ID, product.Title, product.PriceCents).Exec(context.Background()); err != nil {
		t.Fatal(err)
	}
	// Delivered to this app's own marketplace host (moneytest.Env.Pay posts to the default one).
	payload := moneytest.CompletedEvent("evt_"+apptest.Unique("kb"), ck, "pi_"+apptest.Unique("kb"))
	req := httptest.NewRequest(http.MethodPost, "http://"+root+"/webhooks/stripe", bytes.NewReader(payload))
	req.Host = root
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Stripe-Signature", stripetest.Sign(payload, moneytest.WebhookSecret, time.Time{}))
	if resp, body := e.Do(t, req); resp.StatusCode != http.StatusOK {
		t.Fatalf("webhook: %d %s", resp.StatusCode, body)
	}
	var order int64
	if err := e.DB.Primary.NewRaw(`SELECT id FROM orders WHERE tenant_id = ?`, store.ID).Scan(context.Background(), &order); err != nil {
		t.Fatal(err)
	}
	s := &sold{e: e, store: store, product: product, order: order, key: e.App.Licenses.Key(order, product.ID), root: root}
	s.must(t, "activate", keyBody(s.key, "instance_name", "Studio iMac"), http.StatusCreated)

	b.Open(market + "/library/" + strconv.FormatInt(product.ID, 10))
	b.WaitFor("the key and its activation", `document.body.innerText.includes(`+strconv.Quote(s.key)+`) && document.body.innerText.includes("Studio iMac")`)
	b.Must("a desktop window", chromedp.EmulateViewport(1280, 800))
	b.WaitFor("the library page fitting 1280 px", browsertest.Fits(1280))
	b.Must("a phone-sized window", chromedp.EmulateViewport(360, 740))
	b.WaitFor("the library page fitting 360 px", browsertest.Fits(360))
	b.Must("free the activation", chromedp.Click(chromedp.CSS(`.activation-list form button[type="submit"]`)))
	b.WaitFor("the freed notice", `document.body.innerText.includes("The activation is freed") && document.body.innerText.includes("Active on 0 of 2")`)
	if s.live(t) != 0 {
		t.Fatal("the activation is still live")
	}

	b.Must("sign out", chromedp.Click(chromedp.CSS(`form[action$="/logout"] button`)))
	b.WaitFor("signed out", `!document.querySelector('form[action$="/logout"]')`)
	b.Must("a desktop window", chromedp.EmulateViewport(1280, 800))
	signIn(b, market, ownerEmail)
	b.Open(market + "/dashboard/s/" + store.Slug + "/licenses")
	b.WaitFor("the store's keys", `document.body.innerText.includes("Reverb Plugin") && document.body.innerText.includes("…`+s.key[len(s.key)-4:]+`")`)
	b.WaitFor("the licenses page fitting 1280 px", browsertest.Fits(1280))
	b.Must("a phone-sized window", chromedp.EmulateViewport(360, 740))
	b.WaitFor("the licenses page fitting 360 px", browsertest.Fits(360))
	b.Must("disable the key", chromedp.Click(chromedp.CSS(`form[action$="/disable"] button`)))
	b.WaitFor("the disabled notice", `document.body.innerText.includes("The key is disabled") && !!document.querySelector('form[action$="/enable"]')`)
	if d, _ := s.keyState(t); !d {
		t.Fatal("the key is not disabled")
	}
}
