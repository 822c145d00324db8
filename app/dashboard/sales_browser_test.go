package dashboard_test

import (
	"context"
	"strconv"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/claro-market/claro/app/catalog"
	"github.com/claro-market/claro/app/config"
	"github.com/claro-market/claro/testkit/apptest"
	"github.com/claro-market/claro/testkit/browsertest"
)

// TestSalesPageFitsAPhoneAndShowsBarValuesInBrowser opens a store's sales
// page in Chromium with long titles and addresses in its orders: at 360 and
// 1280 pixels nothing is wider than the screen, and a bar of the chart
// shows its value when it has the keyboard's focus.
func TestSalesPageFitsAPhoneAndShowsBarValuesInBrowser(t *testing.T) {
	ln, root := browsertest.Listen(t)
	e := apptest.New(t, testDB, func(c *config.Config) { c.RootDomain = root })
	browsertest.Start(t, e.App.Fiber, ln)
	b := browsertest.NewPage(t, browsertest.Chromium(t))
	market := "http://" + root
	email := apptest.Email("phone-seller")
	b.SignUp(market, "Phone Seller", email, pw, func() string { return e.MailLink(t, email, "/verify") })

	store := e.Store(t, apptest.Unique("pocket-sales-"))
	if _, err := testDB.Primary.NewRaw(`INSERT INTO tenant_members (tenant_id, user_id, role) SELECT ?, id, 'owner' FROM users WHERE email = ?`,
		store.ID, email).Exec(context.Background()); err != nil {
		t.Fatal(err)
	}
	long := e.Product(t, store, apptest.Unique("long-"), catalog.Public, func(p *catalog.Product) {
		p.Title = "The Extraordinarily Thorough Field Compendium of Coastal Marginalia, Volume Two"
		p.PriceCents = 123456
	})
	short := e.Product(t, store, apptest.Unique("short-"), catalog.Public)
	for i, days := range []int{0, 1, 1, 4, 9, 17, 25, 40, 66, 88} {
		p := short
		if i%2 == 0 {
			p = long
		}
		salesOrder(t, store.ID, p, "paid", "a.remarkably.long.address."+strconv.Itoa(i)+"@subdomain.example.com", days)
	}
	salesOrder(t, store.ID, long, "refunded", "refunded.buyer@example.com", 2)

	sales := market + "/dashboard/s/" + store.Slug + "/sales"
	for _, w := range []int{360, 1280} {
		b.Must("use a "+strconv.Itoa(w)+"-pixel screen", chromedp.EmulateViewport(int64(w), 800))
		for _, q := range []string{"", "?days=7", "?days=90&status=refunded"} {
			b.Open(sales + q)
			b.WaitFor("the sales page", `!!document.querySelector('table.sales-orders') && !!document.querySelector('.stats')`)
			b.WaitFor("the sales page"+q+" to fit "+strconv.Itoa(w)+" pixels", browsertest.Fits(w))
		}
	}
	b.Open(sales + "?days=90")
	b.WaitFor("the chart", `document.querySelectorAll('.chart-bar').length === 90`)
	b.WaitFor("the tooltips hidden", `getComputedStyle(document.querySelector('.chart-bar:last-of-type .chart-tip')).opacity === '0'`)
	if _, err := b.Text(`(document.querySelector('.chart-bar:last-of-type').focus(), "focused")`); err != nil {
		t.Fatalf("focus today's bar: %v", err)
	}
	b.WaitFor("today's value in its tooltip",
		`getComputedStyle(document.querySelector('.chart-bar:last-of-type .chart-tip')).opacity === '1' &&
		 document.querySelector('.chart-bar:last-of-type .chart-tip text').textContent.includes('$1234.56, 1 order')`)
}
