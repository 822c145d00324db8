package cart_test

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/claro-market/claro/app/catalog"
	"github.com/claro-market/claro/testkit/apptest"
	"github.com/claro-market/claro/testkit/moneytest"
)

// /carts on the marketplace lists every store's cart the browser holds:
// each storefront on its subdomain mirrors its cart into one index cookie
// scoped to the root domain.
func TestTheMarketplaceListsEveryStoresCart(t *testing.T) {
	e := moneytest.New(t, testDB)
	s1, s2 := e.Store(t, apptest.Unique("carts-one")), e.Store(t, apptest.Unique("carts-two"))
	p1, p2 := e.Product(t, s1, "brushes", catalog.Public), e.Product(t, s2, "fonts", catalog.Public)
	b := e.NewBrowser()

	resp, body := b.Get(t, "", "/carts")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "You have no carts yet") || !strings.Contains(body, `class="site-header"`) {
		t.Fatalf("empty /carts: %d\n%s", resp.StatusCode, body)
	}
	if cc := resp.Header.Get("Cache-Control"); !strings.Contains(cc, "no-store") {
		t.Errorf("/carts Cache-Control %q", cc)
	}

	for _, add := range []struct {
		host string
		id   int64
	}{{apptest.StoreHost(s1.Slug), p1.ID}, {apptest.StoreHost(s2.Slug), p2.ID}} {
		if resp, body := moneytest.Send(t, b, http.MethodPost, add.host, "/cart/items", url.Values{"product_id": {strconv.FormatInt(add.id, 10)}}, true); resp.StatusCode != http.StatusOK {
			t.Fatalf("add on %s: %d\n%s", add.host, resp.StatusCode, body)
		}
	}
	_, body = b.Get(t, "", "/carts")
	for _, want := range []string{s1.Name, s2.Name, p1.Title, p2.Title, "$15.00",
		`href="http://` + apptest.StoreHost(s1.Slug) + `/cart"`, `href="http://` + apptest.StoreHost(s2.Slug) + `/cart"`} {
		if !strings.Contains(body, want) {
			t.Errorf("/carts lacks %q\n%s", want, body)
		}
	}
	// The most recent cart first.
	if strings.Index(body, s2.Name) > strings.Index(body, s1.Name) {
		t.Errorf("the newest cart is not first")
	}

	// Emptying one store's cart takes it off the list.
	if resp, _ := moneytest.Send(t, b, http.MethodDelete, apptest.StoreHost(s1.Slug), "/cart/items/"+strconv.FormatInt(p1.ID, 10), nil, true); resp.StatusCode != http.StatusOK {
		t.Fatalf("remove: %d", resp.StatusCode)
	}
	_, body = b.Get(t, "", "/carts")
	if strings.Contains(body, p1.Title) || !strings.Contains(body, p2.Title) {
		t.Errorf("after emptying %s:\n%s", s1.Slug, body)
	}
}

func TestATamperedCartsIndexIsIgnored(t *testing.T) {
	e := moneytest.New(t, testDB)
	s := e.Store(t, apptest.Unique("carts-tamper"))
	p := e.Product(t, s, "brushes", catalog.Public)
	b := e.NewBrowser()
	if resp, _ := moneytest.Send(t, b, http.MethodPost, apptest.StoreHost(s.Slug), "/cart/items", url.Values{"product_id": {strconv.FormatInt(p.ID, 10)}}, true); resp.StatusCode != http.StatusOK {
		t.Fatalf("add: %d", resp.StatusCode)
	}
	c := cartCookie(t, b, apptest.Root, "claro_carts")
	if c == nil {
		t.Fatal("no carts index on the root domain")
	}
	// The same payload with a forged signature, or a storefront's own cart
	// cookie passed off as an index: nothing is listed, and the page works.
	payload, _, _ := strings.Cut(c.Value, ".")
	storeCart := cartCookie(t, b, apptest.StoreHost(s.Slug), "claro_cart")
	for _, forged := range []string{payload + ".AAAA", storeCart.Value, "garbage"} {
		fresh := e.NewBrowser()
		fresh.Jar.SetCookies(&url.URL{Scheme: "http", Host: apptest.Root}, []*http.Cookie{{Name: "claro_carts", Value: forged, Path: "/"}})
		resp, body := fresh.Get(t, "", "/carts")
		if resp.StatusCode != http.StatusOK || strings.Contains(body, p.Title) || !strings.Contains(body, "You have no carts yet") {
			t.Errorf("forged index %q: %d\n%s", forged, resp.StatusCode, body)
		}
	}
}

// A store on its own domain keeps its cart there: the browser would not
// send the marketplace a cookie that domain set, so none is written, and
// /carts says where such carts are.
func TestAStoreOnItsOwnDomainWritesNoCartsIndex(t *testing.T) {
	e := moneytest.New(t, testDB)
	s := e.Store(t, apptest.Unique("carts-own"))
	p := e.Product(t, s, "brushes", catalog.Public)
	host := apptest.Unique("carts-own") + ".example"
	if _, err := testDB.Primary.ExecContext(t.Context(), `INSERT INTO domains (tenant_id, hostname, verification_token, status, verified_at, activated_at)
		VALUES (?, ?, 'claro-verify-x', 'active', now(), now())`, s.ID, host); err != nil {
		t.Fatal(err)
	}
	if _, err := testDB.Primary.ExecContext(t.Context(), `UPDATE tenants SET custom_domain = ? WHERE id = ?`, host, s.ID); err != nil {
		t.Fatal(err)
	}
	e.App.Resolver.Invalidate(s.ID)
	b := e.NewBrowser()
	resp, body := moneytest.Send(t, b, http.MethodPost, host, "/cart/items", url.Values{"product_id": {strconv.FormatInt(p.ID, 10)}}, true)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("add on %s: %d\n%s", host, resp.StatusCode, body)
	}
	for _, c := range resp.Cookies() {
		if c.Name == "claro_carts" {
			t.Errorf("the custom domain set the carts index: %+v", c)
		}
	}
	if c := cartCookie(t, b, host, "claro_cart"); c == nil {
		t.Fatal("no cart on the store's own domain")
	}
	_, body = b.Get(t, "", "/carts")
	if strings.Contains(body, p.Title) || !strings.Contains(body, "A store on its own domain keeps its cart on that domain") {
		t.Errorf("/carts:\n%s", body)
	}
}
