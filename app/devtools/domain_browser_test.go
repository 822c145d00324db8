package devtools_test

import (
	"net"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/claro-market/claro/app/catalog"
	"github.com/claro-market/claro/app/config"
	"github.com/claro-market/claro/tenants"
	"github.com/claro-market/claro/testkit/apptest"
	"github.com/claro-market/claro/testkit/browsertest"
	"github.com/claro-market/claro/testkit/dnstest"
	"github.com/claro-market/claro/testkit/moneytest"
	"github.com/miekg/dns"
)

// TestCreatorServesTheStorefrontOnACustomDomainInBrowser walks the
// custom-domain setup in Chromium against a real DNS server (BIND, as the edge
// tests run it): the owner adds shop.<their zone> on the dashboard's domain
// page, publishes the records the page lists in their zone, the app's own
// domain checker verifies them through that server, the page says the domain
// is live, and the storefront is served on the new domain (plain HTTP on the
// test's port: TLS for custom domains is the edge tests' subject), where the
// store's Claro address now redirects. Before the check the domain serves
// nothing: the 404 page.
func TestCreatorServesTheStorefrontOnACustomDomainInBrowser(t *testing.T) {
	zone := apptest.Unique("creator-zone") + ".test"
	bind := dnstest.StartBIND(t, zone)
	ln, root := browsertest.Listen(t)
	e := moneytest.New(t, testDB, func(c *config.Config) { c.RootDomain = root })
	store := e.Store(t, apptest.Unique("harbor-domain-"), func(s *tenants.Tenant) { s.Name = "Harbor Domain Press" })
	p := e.Product(t, store, "tide-atlas", catalog.Public, func(p *catalog.Product) { p.Title = "Tide Atlas" })
	userID, email := newUser(t, e, "domain-owner")
	if _, err := e.DB.Primary.NewRaw(`INSERT INTO tenant_members (tenant_id, user_id, role) VALUES (?, ?, 'owner')`, store.ID, userID).
		Exec(t.Context()); err != nil {
		t.Fatal(err)
	}
	browsertest.Start(t, e.App.Fiber, ln)
	_, port, _ := net.SplitHostPort(root)
	domain := "shop." + zone
	onDomain := "http://" + domain + ":" + port
	b := browsertest.NewPage(t, browsertest.Chromium(t, browsertest.MapHost(domain)))
	market := "http://" + root

	b.Open(market + "/login")
	b.Must("sign in",
		chromedp.SendKeys(chromedp.CSS(`form[action="/login"] input[name="email"]`), email),
		chromedp.SendKeys(chromedp.CSS(`form[action="/login"] input[name="password"]`), password),
		chromedp.Click(chromedp.CSS(`form[action="/login"] button[type="submit"]`)),
	)
	b.WaitFor("signed in", `location.pathname !== "/login"`)

	// Add the domain on the dashboard.
	page := market + "/dashboard/s/" + store.Slug + "/domain"
	b.Open(page)
	b.Must("add the domain",
		chromedp.SendKeys(chromedp.CSS(`form[action$="/domain"] input[name="domain"]`), domain),
		chromedp.Click(chromedp.CSS(`form[action$="/domain"] button[type="submit"]`)),
	)
	b.WaitFor("the records to publish", `location.search === "?added=1" && document.querySelector('.domain-status').dataset.status === 'pending' &&
		document.querySelectorAll('.dns-records .dns-record').length === 2`)
	records := map[string][2]string{} // type → name, value
	for i := range 2 {
		dd := `document.querySelectorAll('.dns-records .dns-record')[` + strconv.Itoa(i) + `].querySelectorAll('dd')`
		typ, _ := b.Text(dd + `[0].textContent.trim()`)
		name, _ := b.Text(`(` + dd + `[1].querySelector('code') || ` + dd + `[1]).textContent.trim()`)
		value, _ := b.Text(`(` + dd + `[2].querySelector('code') || ` + dd + `[2]).textContent.trim()`)
		records[typ] = [2]string{name, value}
	}
	txt, cname := records["TXT"], records["CNAME"]
	if txt[0] != "_claro."+domain || txt[1] == "" || cname[0] != domain || cname[1] != "claro.localhost" {
		t.Fatalf("the page asks for these records: %v", records)
	}

	// Not verified yet: the domain serves nothing.
	b.Open(onDomain + "/")
	b.WaitFor("the 404 page on the unverified domain", `document.body.innerText.includes("We couldn't find that page")`)

	// The creator publishes the records; the app's checker asks BIND.
	bind.Set(zone, txt[0], dns.TypeTXT, txt[0]+`. 60 IN TXT "`+txt[1]+`"`)
	bind.Set(zone, cname[0], dns.TypeCNAME, cname[0]+". 60 IN CNAME "+cname[1]+".")
	d, err := e.App.Domains.ForTenant(t.Context(), store.ID)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.App.DomainChecker(bind.Resolver()).Check(t.Context(), d); err != nil {
		t.Fatalf("checking %s: %v", domain, err)
	}
	b.Open(page)
	b.WaitFor("the domain live on the dashboard", `document.querySelector('.domain-status').dataset.status === 'active' &&
		document.querySelector('.domain-status').textContent.includes(`+strconv.Quote("Live on https://"+domain)+`)`)
	if seen, _ := b.Text(`document.querySelector('.dns-records').textContent.replace(/\s+/g, ' ')`); strings.Count(seen, "✓ right") != 2 || strings.Contains(seen, "not right yet") {
		t.Fatalf("after the check the records do not both read as seen right: %q", seen)
	}

	// The storefront on the new domain.
	b.Open(onDomain + "/")
	b.WaitFor("the storefront on the custom domain", `location.host === `+strconv.Quote(domain+":"+port)+` &&
		document.querySelector('.store-hero h1').textContent.trim() === "Harbor Domain Press" &&
		!!document.querySelector('[data-product-id="`+strconv.FormatInt(p.ID, 10)+`"]')`)
	// The store's Claro address now sends visitors there.
	b.Open("http://" + store.Slug + "." + root + "/products/" + p.Slug)
	b.WaitFor("the Claro address redirected to the product on the custom domain", `location.href === `+strconv.Quote(onDomain+"/products/"+p.Slug)+` &&
		document.querySelector('.product-info h1').textContent.trim() === "Tide Atlas"`)
}
