// Package pagetour serves the real app on the demo data (app/seed's, in a
// database of its own) on a loopback port and lists every kind of page a
// browser can be walked through: the marketplace, a storefront, a product,
// the cart, sign-in and sign-up, a buyer's library and account, and a
// creator's dashboard. The accessibility test and `make screenshots` use it.
package pagetour

import (
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/claro-market/claro/app/config"
	"github.com/claro-market/claro/app/seed"
	"github.com/claro-market/claro/testkit/apptest"
	"github.com/claro-market/claro/testkit/browsertest"
	"github.com/claro-market/claro/testkit/dbtest"
)

// The demo accounts the tour signs in as, and the store it visits.
const (
	Buyer   = "ana@claro.test"
	Creator = "maren@claro.test"
	Store   = "northlight"
)

// Tour is the app serving the demo data.
type Tour struct {
	Env    *apptest.Env
	Market string // http://claro.localhost:<port>
	Shop   string // the demo store's storefront
}

// Start creates a database, seeds the demo into it, and serves the app (with
// the page cache on, as in production) until tb ends.
func Start(tb testing.TB) *Tour {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	td, err := dbtest.Create(ctx)
	if err != nil {
		tb.Fatalf("pagetour: creating the database: %v", err)
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_ = td.Drop(ctx)
	})
	ln, root := browsertest.Listen(tb)
	e := apptest.New(tb, td, func(c *config.Config) { c.RootDomain, c.PageCache = root, true })
	if err := seed.Demo(ctx, td.Primary, e.App.Blobs, io.Discard); err != nil {
		tb.Fatalf("pagetour: seeding the demo: %v", err)
	}
	e.App.Pages.InvalidateAll()
	browsertest.Start(tb, e.App.Fiber, ln)
	return &Tour{Env: e, Market: "http://" + root, Shop: "http://" + Store + "." + root}
}

// Stop is one page of the tour.
type Stop struct {
	Name string // a short file-name-safe name: "product", "dashboard-sales"
	URL  string
}

// Anonymous lists the pages a visitor sees, putting a product in p's cart
// on the way (so the cart page has a line).
func (tr *Tour) Anonymous(p *browsertest.Page) []Stop {
	p.T.Helper()
	p.Open(tr.Shop + "/")
	product := tr.href(p, `.card-link`)
	p.Open(product)
	p.WaitFor("the product page with htmx", `!!document.querySelector('form.buy-form button') && typeof htmx !== 'undefined'`)
	p.Must("add to cart", chromedp.Click(chromedp.CSS(`form.buy-form button[type="submit"]`)))
	p.WaitFor("the added-to-cart notice", `!!document.querySelector('#cart-status a[href="/cart"]')`)
	return []Stop{
		{"home", tr.Market + "/"},
		{"search", tr.Market + "/search?q=presets"},
		{"storefront", tr.Shop + "/"},
		{"product", product},
		{"cart", tr.Shop + "/cart"},
		{"sign-in", tr.Market + "/login"},
		{"sign-up", tr.Market + "/signup"},
		{"not-found", tr.Market + "/no-such-page"},
	}
}

// Buyer signs p in as the demo buyer and lists their pages.
func (tr *Tour) Buyer(p *browsertest.Page) []Stop {
	p.T.Helper()
	tr.SignIn(p, Buyer)
	p.Open(tr.Market + "/library")
	return []Stop{
		{"library", tr.Market + "/library"},
		{"library-item", tr.href(p, `.purchase-item a[href^="/library/"]:not([tabindex])`)},
		{"account", tr.Market + "/account"},
	}
}

// Creator signs p in as the demo store's owner and lists the dashboard.
func (tr *Tour) Creator(p *browsertest.Page) []Stop {
	p.T.Helper()
	tr.SignIn(p, Creator)
	base := tr.Market + "/dashboard/s/" + Store
	p.Open(base)
	return []Stop{
		{"dashboard", tr.Market + "/dashboard"},
		{"dashboard-store", base},
		{"dashboard-product-editor", tr.href(p, `a[href$="/edit"]`)},
		{"dashboard-sales", base + "/sales"},
		{"dashboard-payments", base + "/payments"},
		{"dashboard-domain", base + "/domain"},
		{"dashboard-webhooks", base + "/webhooks"},
		{"dashboard-tokens", base + "/tokens"},
		{"dashboard-discounts", base + "/discounts"},
	}
}

// SignIn signs p in with email and the demo password on the marketplace.
func (tr *Tour) SignIn(p *browsertest.Page, email string) {
	p.T.Helper()
	p.Open(tr.Market + "/login")
	p.Must("sign in as "+email,
		chromedp.SendKeys(chromedp.CSS(`form[action="/login"] input[name="email"]`), email),
		chromedp.SendKeys(chromedp.CSS(`form[action="/login"] input[name="password"]`), seed.DemoPassword),
		chromedp.Click(chromedp.CSS(`form[action="/login"] button[type="submit"]`)))
	p.WaitFor("signed in as "+email, `!location.pathname.startsWith('/login') && !!document.querySelector('form[action$="/logout"]')`)
}

// href is the absolute href of the first element matching css on p's page.
func (tr *Tour) href(p *browsertest.Page, css string) string {
	p.T.Helper()
	q := `(document.querySelector(` + jsString(css) + `) || {}).href || ''`
	p.WaitFor("a link "+css, "("+q+") !== ''")
	h, err := p.Text(q)
	if err != nil || h == "" {
		p.T.Fatalf("pagetour: no link %s on the page: %v", css, err)
	}
	return h
}

func jsString(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}
