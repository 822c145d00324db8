package moneytest

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/claro-market/claro/app/catalog"
	"github.com/claro-market/claro/app/web"
	"github.com/claro-market/claro/tenants"
	"github.com/claro-market/claro/testkit/apptest"
)

// Send sends a request from browser b to host with the page's CSRF token in
// the htmx header when htmx is true, or as the _csrf form field otherwise.
func Send(tb testing.TB, b *apptest.Browser, method, host, path string, form url.Values, htmx bool) (*http.Response, string) {
	tb.Helper()
	return SendToken(tb, b, method, host, path, form, htmx, b.CSRF(tb, host, "/cart"))
}

// SendToken is Send with a CSRF token fetched earlier.
func SendToken(tb testing.TB, b *apptest.Browser, method, host, path string, form url.Values, htmx bool, token string) (*http.Response, string) {
	tb.Helper()
	if form == nil {
		form = url.Values{}
	}
	if !htmx {
		form.Set("_csrf", token)
	}
	req := httptest.NewRequest(method, "http://"+host+path, strings.NewReader(form.Encode()))
	req.Host = host
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "http://"+host)
	if htmx {
		req.Header.Set("HX-Request", "true")
		req.Header.Set(web.CSRFHeader, token)
	}
	return b.Do(tb, req)
}

// CartOfOne opens a store (its slug from storeName) with one public product
// (productSlug) and a browser holding one of it in its cart on the store's
// host: the start of most checkout tests.
func (e *Env) CartOfOne(tb testing.TB, storeName, productSlug string) (*tenants.Tenant, *catalog.Product, *apptest.Browser, string) {
	tb.Helper()
	s := e.Store(tb, apptest.Unique(storeName))
	p := e.Product(tb, s, productSlug, catalog.Public)
	b := e.NewBrowser()
	host := apptest.StoreHost(s.Slug)
	AddToCart(tb, b, host, p.ID)
	return s, p, b, host
}

// AddToCart posts product id to the store's cart as a plain form.
func AddToCart(tb testing.TB, b *apptest.Browser, host string, productID int64) {
	tb.Helper()
	resp, body := Send(tb, b, http.MethodPost, host, "/cart/items",
		url.Values{"product_id": {strconv.FormatInt(productID, 10)}}, false)
	if resp.StatusCode != http.StatusSeeOther {
		tb.Fatalf("add to cart: %d\n%s", resp.StatusCode, body)
	}
}
