package checkout_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/claro-market/claro/app/cart"
	"github.com/claro-market/claro/app/catalog"
	"github.com/claro-market/claro/app/payments"
	"github.com/claro-market/claro/testkit/apptest"
	"github.com/claro-market/claro/testkit/moneytest"
)

func postCheckout(t *testing.T, b *apptest.Browser, host string, form url.Values) (*http.Response, string) {
	t.Helper()
	return moneytest.Send(t, b, http.MethodPost, host, "/checkout", form, false)
}

func TestCheckoutChargesTheDatabasePriceAsADestinationChargeWithTheFee(t *testing.T) {
	e := moneytest.New(t, testDB)
	s := e.Store(t, apptest.Unique("shop"))
	p := e.Product(t, s, "brushes", catalog.Public)
	q := e.Product(t, s, "fonts", catalog.Private, func(p *catalog.Product) { p.PriceCents = 500 })
	b := e.NewBrowser()
	host := apptest.StoreHost(s.Slug)
	moneytest.AddToCart(t, b, host, p.ID)
	moneytest.AddToCart(t, b, host, q.ID)
	// The creator raises the price after the cart was filled: the new price is charged.
	if _, err := e.DB.Primary.NewRaw(`UPDATE products SET price_cents = 2500 WHERE id = ?`, p.ID).Exec(context.Background()); err != nil {
		t.Fatal(err)
	}
	resp, body := postCheckout(t, b, host, url.Values{"email": {"guest@example.com"}})
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "https://checkout.stripe.com/") {
		t.Fatalf("status %d location %q\n%s", resp.StatusCode, resp.Header.Get("Location"), body)
	}
	var ck struct {
		ID      int64  `bun:"id"`
		Amount  int64  `bun:"amount_total_cents"`
		Fee     int64  `bun:"application_fee_cents"`
		Session string `bun:"stripe_checkout_session_id"`
		Email   string `bun:"email"`
	}
	if err := e.DB.Primary.NewRaw(`SELECT id, amount_total_cents, application_fee_cents, stripe_checkout_session_id, email
		FROM checkouts WHERE tenant_id = ?`, s.ID).Scan(context.Background(), &ck); err != nil {
		t.Fatal(err)
	}
	if ck.Amount != 3000 || ck.Fee != 300 || ck.Session == "" || ck.Email != "guest@example.com" {
		t.Fatalf("checkout row %+v", ck)
	}
	reqs := e.Stripe.Find("POST", "/v1/checkout/sessions")
	if len(reqs) != 1 {
		t.Fatalf("%d session requests", len(reqs))
	}
	f := reqs[0].Form
	id := strconv.FormatInt(ck.ID, 10)
	for k, want := range map[string]string{
		"line_items[0][price_data][unit_amount]":          "2500",
		"line_items[1][price_data][unit_amount]":          "500",
		"line_items[1][quantity]":                         "1",
		"payment_intent_data[application_fee_amount]":     "300",
		"payment_intent_data[transfer_data][destination]": *s.StripeAccountID,
		"client_reference_id":                             id,
		"customer_email":                                  "guest@example.com",
	} {
		if got := f.Get(k); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
	if got := reqs[0].Header.Get("Idempotency-Key"); got != payments.CheckoutIdempotencyKey(ck.ID) {
		t.Errorf("Idempotency-Key %q", got)
	}
	if !strings.Contains(f.Get("success_url"), host+"/checkout/success") {
		t.Errorf("success_url %q", f.Get("success_url"))
	}
}

func TestCheckoutRefusesItemsNoLongerForSaleAndWritesNothing(t *testing.T) {
	e := moneytest.New(t, testDB)
	s, p, b, host := e.CartOfOne(t, "gone", "soon-draft")
	token := b.CSRF(t, host, "/cart")
	if _, err := e.DB.Primary.NewRaw(`UPDATE products SET visibility = 'draft' WHERE id = ?`, p.ID).Exec(context.Background()); err != nil {
		t.Fatal(err)
	}
	resp, body := moneytest.SendToken(t, b, http.MethodPost, host, "/checkout", nil, false, token)
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "no longer for sale") {
		t.Fatalf("status %d\n%s", resp.StatusCode, body)
	}
	if n := e.Count(t, "checkouts WHERE tenant_id = ?", s.ID); n != 0 || len(e.Stripe.Requests()) != 0 {
		t.Fatalf("%d checkouts, %d Stripe calls", n, len(e.Stripe.Requests()))
	}
}

func TestCartCookieNamingAnotherStoresProductChangesNothing(t *testing.T) {
	e := moneytest.New(t, testDB)
	s, other := e.Store(t, apptest.Unique("honest")), e.Store(t, apptest.Unique("victim"))
	foreign := e.Product(t, other, "theirs", catalog.Public)
	b := e.NewBrowser()
	host := apptest.StoreHost(s.Slug)
	// Even a correctly signed cookie naming another store's product buys nothing here.
	token := b.CSRF(t, host, "/cart")
	raw := cart.NewCodec(e.Config.SessionSecret).Encode(cart.Cart{TenantID: s.ID, Items: []cart.Item{{ProductID: foreign.ID, Quantity: 1}}})
	b.Jar.SetCookies(&url.URL{Scheme: "http", Host: host, Path: "/"}, []*http.Cookie{{Name: "claro_cart", Value: raw, Path: "/"}})
	resp, body := moneytest.SendToken(t, b, http.MethodPost, host, "/checkout", nil, false, token)
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "no longer for sale") {
		t.Fatalf("status %d\n%s", resp.StatusCode, body)
	}
	// And an edited cookie is an empty cart.
	b.Jar.SetCookies(&url.URL{Scheme: "http", Host: host, Path: "/"}, []*http.Cookie{{Name: "claro_cart", Value: raw[:len(raw)-2] + "xx", Path: "/"}})
	resp, body = moneytest.SendToken(t, b, http.MethodPost, host, "/checkout", nil, false, token)
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "Your cart is empty") {
		t.Fatalf("edited cookie: status %d\n%s", resp.StatusCode, body)
	}
	if n := e.Count(t, "checkouts WHERE tenant_id = ?", s.ID); n != 0 || len(e.Stripe.Requests()) != 0 {
		t.Fatalf("%d checkouts, %d Stripe calls", n, len(e.Stripe.Requests()))
	}
}

func TestCheckoutRefusesAStoreThatCannotTakeCharges(t *testing.T) {
	e := moneytest.New(t, testDB)
	s, _, b, host := e.CartOfOne(t, "paused", "thing")
	// Stripe turned charges off; the resolver's cached copy still says on.
	if _, err := e.DB.Primary.NewRaw(`UPDATE tenants SET charges_enabled = false WHERE id = ?`, s.ID).Exec(context.Background()); err != nil {
		t.Fatal(err)
	}
	resp, body := postCheckout(t, b, host, nil)
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "not taking payments") {
		t.Fatalf("status %d\n%s", resp.StatusCode, body)
	}
	if n := e.Count(t, "checkouts WHERE tenant_id = ?", s.ID); n != 0 || len(e.Stripe.Requests()) != 0 {
		t.Fatalf("%d checkouts, %d Stripe calls", n, len(e.Stripe.Requests()))
	}
}

func TestStripeRefusalLeavesNoCheckoutRow(t *testing.T) {
	e := moneytest.New(t, testDB)
	s, _, b, host := e.CartOfOne(t, "refused", "thing")
	e.Stripe.Fail("POST", "/v1/checkout/sessions", http.StatusBadRequest)
	resp, body := postCheckout(t, b, host, nil)
	if resp.StatusCode != http.StatusBadGateway || !strings.Contains(body, "could not start the payment") {
		t.Fatalf("status %d\n%s", resp.StatusCode, body)
	}
	if n := e.Count(t, "checkouts WHERE tenant_id = ?", s.ID); n != 0 {
		t.Fatalf("%d checkouts survived", n)
	}
	if !strings.Contains(e.Log.String(), "Stripe refused the session") {
		t.Errorf("refusal not logged:\n%s", e.Log.String())
	}
}

func TestSuccessPageClearsTheCart(t *testing.T) {
	e := moneytest.New(t, testDB)
	_, _, b, host := e.CartOfOne(t, "thanks", "thing")
	resp, body := b.Get(t, host, "/checkout/success?session_id=cs_unknown")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "Thank you") {
		t.Fatalf("status %d\n%s", resp.StatusCode, body)
	}
	_, count := b.Get(t, host, "/cart/count")
	if !strings.Contains(count, ">0</span>") {
		t.Fatalf("cart not cleared: %s", count)
	}
}
