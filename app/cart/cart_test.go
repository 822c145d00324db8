package cart_test

import (
	"context"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/claro-market/claro/app/catalog"
	"github.com/claro-market/claro/app/config"
	"github.com/claro-market/claro/tenants"
	"github.com/claro-market/claro/testkit/apptest"
	"github.com/claro-market/claro/testkit/moneytest"
)

func cartCookie(t *testing.T, b *apptest.Browser, host, name string) *http.Cookie {
	t.Helper()
	for _, c := range b.Jar.Cookies(&url.URL{Scheme: "http", Host: host, Path: "/"}) {
		if c.Name == name {
			return c
		}
	}
	return nil
}

func TestAddToCartWithHTMXAnswersAFragmentWithTheCounterOutOfBand(t *testing.T) {
	e := moneytest.New(t, testDB)
	s := e.Store(t, apptest.Unique("cartstore"))
	p := e.Product(t, s, "brushes", catalog.Public)
	b := e.NewBrowser()
	host := apptest.StoreHost(s.Slug)
	form := url.Values{"product_id": {strconv.FormatInt(p.ID, 10)}}
	resp, body := moneytest.Send(t, b, http.MethodPost, host, "/cart/items", form, true)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d\n%s", resp.StatusCode, body)
	}
	if !strings.Contains(body, `id="cart-count"`) || !strings.Contains(body, `hx-swap-oob="true"`) || !strings.Contains(body, ">1</span>") {
		t.Fatalf("fragment lacks the out-of-band counter:\n%s", body)
	}
	if strings.Contains(body, "<html") {
		t.Fatal("htmx got a full page")
	}
	_, count := b.Get(t, host, "/cart/count")
	if !strings.Contains(count, ">1</span>") {
		t.Fatalf("count: %s", count)
	}
	_, page := b.Get(t, host, "/cart")
	if !strings.Contains(page, p.Title) || !strings.Contains(page, "$15.00") {
		t.Fatalf("cart page:\n%s", page)
	}
	resp, frag := moneytest.Send(t, b, http.MethodDelete, host, "/cart/items/"+strconv.FormatInt(p.ID, 10), nil, true)
	if resp.StatusCode != http.StatusOK || !strings.Contains(frag, "Your cart is empty") || !strings.Contains(frag, ">0</span>") {
		t.Fatalf("delete: %d\n%s", resp.StatusCode, frag)
	}
}

// A digital product is bought once: a second click, a double click on a slow
// network or a form asking for three leaves one in the cart, and a buyer who
// owns the product is sent to the library instead of being sold it again.
func TestADigitalProductIsInTheCartOnceAndAnOwnerIsSentToTheLibrary(t *testing.T) {
	e := moneytest.New(t, testDB)
	s := e.Store(t, apptest.Unique("oncestore"))
	p := e.Product(t, s, "brushes", catalog.Public)
	host := apptest.StoreHost(s.Slug)
	id := strconv.FormatInt(p.ID, 10)
	buyer := e.NewBrowser()
	buyer.SignUp(t, apptest.Email("once"), "a long enough password", "Once Buyer")

	for i, form := range []url.Values{{"product_id": {id}}, {"product_id": {id}}, {"product_id": {id}, "quantity": {"3"}}} {
		resp, body := moneytest.Send(t, buyer, http.MethodPost, host, "/cart/items", form, true)
		want := "is already in your cart"
		if i == 0 {
			want = "Added "
		}
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, want) || !strings.Contains(body, ">1</span>") {
			t.Fatalf("add %d: %d, want %q and a count of 1:\n%s", i, resp.StatusCode, want, body)
		}
	}
	_, page := buyer.Get(t, host, "/cart")
	if n := strings.Count(page, `<tr data-product-id="`+id+`">`); n != 1 || !strings.Contains(page, `class="cart-total">$15.00`) {
		t.Fatalf("cart holds more than one:\n%s", page)
	}

	ck := e.OpenCheckout(t, buyer, s)
	e.Pay(t, ck, "pi_"+apptest.Unique("once"))
	_, before := buyer.Get(t, host, "/cart/count")
	_, product := buyer.Get(t, host, "/products/"+p.Slug)
	library := apptest.Root + "/library/" + id
	if !strings.Contains(product, "In your library") || !strings.Contains(product, library) || strings.Contains(product, "Add to cart") {
		t.Fatalf("the owner is offered the product again:\n%s", product)
	}
	resp, body := moneytest.Send(t, buyer, http.MethodPost, host, "/cart/items", url.Values{"product_id": {id}}, true)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "You already own") || !strings.Contains(body, library) {
		t.Fatalf("owner's add: %d\n%s", resp.StatusCode, body)
	}
	resp, _ = moneytest.Send(t, buyer, http.MethodPost, host, "/cart/items", url.Values{"product_id": {id}}, false)
	if resp.StatusCode != http.StatusSeeOther || !strings.HasSuffix(resp.Header.Get("Location"), library) {
		t.Fatalf("owner's plain add: %d → %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if _, after := buyer.Get(t, host, "/cart/count"); after != before {
		t.Fatalf("the owner's adds changed the cart: %s, then %s", before, after)
	}

	// Someone else, signed in, is still offered it.
	other := e.NewBrowser()
	other.SignUp(t, apptest.Email("notowner"), "a long enough password", "Not Owner")
	if _, product := other.Get(t, host, "/products/"+p.Slug); !strings.Contains(product, "Add to cart") || strings.Contains(product, "In your library") {
		t.Fatalf("a non-owner is told they own it:\n%s", product)
	}
}

func TestCartCookieIsHostOnlyAndPerStore(t *testing.T) {
	e := moneytest.New(t, testDB)
	a, bStore := e.Store(t, apptest.Unique("hosta")), e.Store(t, apptest.Unique("hostb"))
	p := e.Product(t, a, "thing", catalog.Public)
	b := e.NewBrowser()
	resp, _ := moneytest.Send(t, b, http.MethodPost, apptest.StoreHost(a.Slug), "/cart/items",
		url.Values{"product_id": {strconv.FormatInt(p.ID, 10)}}, false)
	var setCookie string
	for _, v := range resp.Header.Values("Set-Cookie") {
		if strings.HasPrefix(v, "claro_cart=") {
			setCookie = v
		}
	}
	if setCookie == "" || strings.Contains(strings.ToLower(setCookie), "domain=") || !strings.Contains(setCookie, "HttpOnly") {
		t.Fatalf("cart cookie not host-only: %q", setCookie)
	}
	if c := cartCookie(t, b, apptest.StoreHost(bStore.Slug), "claro_cart"); c != nil {
		t.Fatal("store B received store A's cart")
	}
	// Store A's cookie replayed on store B is refused there, not trusted.
	raw := cartCookie(t, b, apptest.StoreHost(a.Slug), "claro_cart").Value
	req, _ := http.NewRequest(http.MethodGet, "http://"+apptest.StoreHost(bStore.Slug)+"/cart", nil)
	req.Host = apptest.StoreHost(bStore.Slug)
	req.AddCookie(&http.Cookie{Name: "claro_cart", Value: raw})
	_, body := e.Do(t, req)
	if !strings.Contains(body, "could not be read") || strings.Contains(body, p.Title) {
		t.Fatalf("foreign cart shown:\n%s", body)
	}
}

func TestCartCookieOverHTTPSUsesTheHostPrefix(t *testing.T) {
	e := moneytest.New(t, testDB, func(c *config.Config) { c.TLS = "certmagic" })
	s := e.Store(t, apptest.Unique("secure"))
	p := e.Product(t, s, "thing", catalog.Public)
	b := e.NewBrowser()
	host := apptest.StoreHost(s.Slug)
	get := httptest.NewRequest(http.MethodGet, "https://"+host+"/cart", nil)
	get.Host = host
	if resp, page := b.Do(t, get); resp.StatusCode != http.StatusOK {
		t.Fatalf("storefront cart page: %d\n%s", resp.StatusCode, page)
	}
	form := url.Values{"product_id": {strconv.FormatInt(p.ID, 10)}} // an anonymous form carries no token
	req := httptest.NewRequest(http.MethodPost, "https://"+host+"/cart/items", strings.NewReader(form.Encode()))
	req.Host = host
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "https://"+host)
	resp, body := b.Do(t, req)
	found := false
	for _, v := range resp.Header.Values("Set-Cookie") {
		if strings.HasPrefix(v, "__Host-claro_cart=") {
			found = strings.Contains(strings.ToLower(v), "secure") && !strings.Contains(strings.ToLower(v), "domain=")
		}
	}
	if !found {
		t.Fatalf("no secure host-only __Host- cart cookie: %v\n%s", resp.Header.Values("Set-Cookie"), body)
	}
}

func TestEditedCartCookieIsClearedWithAMessage(t *testing.T) {
	e := moneytest.New(t, testDB)
	_, p, b, host := e.CartOfOne(t, "tamper", "thing")
	c := cartCookie(t, b, host, "claro_cart")
	// The buyer edits the signed payload (one of the thing, becomes two) and
	// keeps the signature: a well-formed cart the store never signed.
	p64, sig, ok := strings.Cut(c.Value, ".")
	payload, err := base64.RawURLEncoding.DecodeString(p64)
	if !ok || err != nil || !strings.HasSuffix(string(payload), ":1") {
		t.Fatalf("cart cookie is not base64url(payload).signature with one item: %q (%v)", c.Value, err)
	}
	edited := strings.TrimSuffix(string(payload), ":1") + ":2"
	forged := base64.RawURLEncoding.EncodeToString([]byte(edited)) + "." + sig
	if forged == c.Value {
		t.Fatal("the tamper left the cookie unchanged")
	}
	req, _ := http.NewRequest(http.MethodGet, "http://"+host+"/cart", nil)
	req.Host = host
	req.AddCookie(&http.Cookie{Name: "claro_cart", Value: forged})
	resp, body := e.Do(t, req)
	if !strings.Contains(body, "could not be read") || strings.Contains(body, p.Title) {
		t.Fatalf("tampered cart shown:\n%s", body)
	}
	cleared := false
	for _, v := range resp.Header.Values("Set-Cookie") {
		cleared = cleared || (strings.HasPrefix(v, "claro_cart=;") || strings.HasPrefix(v, "claro_cart=\"\"") || strings.Contains(v, "claro_cart=; "))
	}
	if !cleared {
		t.Fatalf("tampered cookie not cleared: %v", resp.Header.Values("Set-Cookie"))
	}
}

func TestCartRefusesDraftsAndOtherStoresProducts(t *testing.T) {
	e := moneytest.New(t, testDB)
	a, other := e.Store(t, apptest.Unique("mine")), e.Store(t, apptest.Unique("theirs"))
	draft := e.Product(t, a, "draft", catalog.Draft)
	foreign := e.Product(t, other, "foreign", catalog.Public)
	b := e.NewBrowser()
	for _, id := range []int64{draft.ID, foreign.ID, 999999} {
		resp, _ := moneytest.Send(t, b, http.MethodPost, apptest.StoreHost(a.Slug), "/cart/items",
			url.Values{"product_id": {strconv.FormatInt(id, 10)}}, false)
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("product %d: status %d", id, resp.StatusCode)
		}
	}
	closed := e.Store(t, apptest.Unique("closed"), func(t *tenants.Tenant) { t.ChargesEnabled = false })
	p := e.Product(t, closed, "thing", catalog.Public)
	resp, _ := moneytest.Send(t, b, http.MethodPost, apptest.StoreHost(closed.Slug), "/cart/items",
		url.Values{"product_id": {strconv.FormatInt(p.ID, 10)}}, false)
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("store without charges: status %d", resp.StatusCode)
	}
	if n := e.Count(t, "SELECT count(*) FROM checkouts WHERE tenant_id IN (?, ?, ?)", a.ID, other.ID, closed.ID); n != 0 {
		t.Errorf("%d checkouts", n)
	}
	_ = context.Background()
}
