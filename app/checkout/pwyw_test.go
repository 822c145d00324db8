package checkout_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/claro-market/claro/app/catalog"
	"github.com/claro-market/claro/testkit/apptest"
	"github.com/claro-market/claro/testkit/moneytest"
)

// pwyw is a product whose buyer chooses the price: at least 5.00,
// suggesting 12.00.
func pwyw(p *catalog.Product) { p.PWYW, p.PWYWMinCents, p.PriceCents = true, 500, 1200 }

func cartCookie(b *apptest.Browser, host string) string {
	for _, c := range b.Jar.Cookies(&url.URL{Scheme: "http", Host: host, Path: "/"}) {
		if c.Name == "claro_cart" {
			return c.Value
		}
	}
	return ""
}

func setAmount(t *testing.T, b *apptest.Browser, host string, id int64, amount string) (*http.Response, string) {
	t.Helper()
	return moneytest.Send(t, b, http.MethodPost, host, "/cart/items/"+strconv.FormatInt(id, 10)+"/amount", url.Values{"amount": {amount}}, true)
}

func TestPayWhatYouWantRefusesAnAmountOutOfRangeAndWritesNothing(t *testing.T) {
	e := moneytest.New(t, testDB)
	s := e.Store(t, apptest.Unique("pwyw"))
	p := e.Product(t, s, "zine", catalog.Public, pwyw)
	fixed := e.Product(t, s, "poster", catalog.Public)
	host := apptest.StoreHost(s.Slug)
	b := e.NewBrowser()
	moneytest.AddToCart(t, b, host, p.ID)
	moneytest.AddToCart(t, b, host, fixed.ID)
	if _, body := b.Get(t, host, "/products/zine"); !strings.Contains(body, "Pay what you want (minimum $5.00)") {
		t.Errorf("the product page does not say pay what you want:\n%s", body)
	}
	for amount, want := range map[string]string{
		"4.99":        "The minimum is $5.00.",
		"0":           "The minimum is $5.00.",
		"1200.01":     "The most you can pay is $1200.00.",
		"-5":          "Enter an amount like 12 or 12.50.",
		"abc":         "Enter an amount like 12 or 12.50.",
		"1e3":         "Enter an amount like 12 or 12.50.",
		"12.":         "Enter an amount like 12 or 12.50.",
		"":            "Enter an amount like 12 or 12.50.",
		"99999999999": "Enter an amount like 12 or 12.50.",
	} {
		before := cartCookie(b, host)
		resp, body := setAmount(t, b, host, p.ID, amount)
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, want) {
			t.Errorf("%q: %d, want 422 saying %q\n%s", amount, resp.StatusCode, want, body)
		}
		if after := cartCookie(b, host); after != before || before == "" {
			t.Errorf("%q: the cart cookie changed", amount)
		}
	}
	if resp, body := setAmount(t, b, host, fixed.ID, "3"); resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "That product has a fixed price.") {
		t.Errorf("a fixed-price product took an amount: %d\n%s", resp.StatusCode, body)
	}
	if resp, _ := setAmount(t, b, host, 987654321, "7"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("a product not in the cart: %d", resp.StatusCode)
	}
	if n := e.Count(t, `checkouts WHERE tenant_id = ?`, s.ID); n != 0 {
		t.Fatalf("%d checkouts written", n)
	}
	// Without JavaScript, the cart page says it, as a 422.
	resp, body := moneytest.Send(t, b, http.MethodPost, host, "/cart/items/"+strconv.FormatInt(p.ID, 10)+"/amount", url.Values{"amount": {"1"}}, false)
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "The minimum is $5.00.") || !strings.Contains(body, `id="cart"`) {
		t.Errorf("plain form: %d\n%s", resp.StatusCode, body)
	}
}

func TestPayWhatYouWantChargesTheAmountChosenWithTheFeeOnIt(t *testing.T) {
	e := moneytest.New(t, testDB)
	s := e.Store(t, apptest.Unique("pwyw"))
	p := e.Product(t, s, "zine", catalog.Public, pwyw)
	host := apptest.StoreHost(s.Slug)
	b := e.NewBrowser()
	moneytest.AddToCart(t, b, host, p.ID)
	if _, body := b.Get(t, host, "/cart"); !strings.Contains(body, `value="12.00"`) || !strings.Contains(body, "minimum $5.00, suggested $12.00") {
		t.Fatalf("the cart does not offer the suggested price:\n%s", body)
	}
	resp, body := setAmount(t, b, host, p.ID, "$7.5")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "You pay $7.50 for") || !strings.Contains(body, `class="cart-total">$7.50`) {
		t.Fatalf("amount: %d\n%s", resp.StatusCode, body)
	}
	resp, body = postCheckout(t, b, host, url.Values{"email": {apptest.Email("pwyw")}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("checkout: %d\n%s", resp.StatusCode, body)
	}
	reqs := e.Stripe.Find("POST", "/v1/checkout/sessions")
	if len(reqs) != 1 || reqs[0].Form.Get("line_items[0][price_data][unit_amount]") != "750" ||
		reqs[0].Form.Get("payment_intent_data[application_fee_amount]") != "75" {
		t.Fatalf("Stripe was asked for %v", reqs)
	}
	if n := e.Count(t, `checkouts c JOIN checkout_items i ON i.checkout_id = c.id WHERE c.tenant_id = ? AND c.amount_total_cents = 750 AND i.unit_price_cents = 750`, s.ID); n != 1 {
		t.Fatalf("checkout rows: %d", n)
	}
}

func TestPayWhatYouWantIsCheckedAgainWhenCheckoutOpens(t *testing.T) {
	e := moneytest.New(t, testDB)
	s := e.Store(t, apptest.Unique("pwyw"))
	p := e.Product(t, s, "zine", catalog.Public, pwyw)
	free := e.Product(t, s, "sampler", catalog.Public, func(p *catalog.Product) { p.PWYW, p.PWYWMinCents, p.PriceCents = true, 0, 300 })
	host := apptest.StoreHost(s.Slug)
	b := e.NewBrowser()
	moneytest.AddToCart(t, b, host, p.ID)
	if resp, body := setAmount(t, b, host, p.ID, "6"); resp.StatusCode != http.StatusOK {
		t.Fatalf("amount: %d\n%s", resp.StatusCode, body)
	}
	// The creator raises the minimum after the buyer chose: checkout refuses
	// what the cookie says, and writes nothing.
	if _, err := e.DB.Primary.NewRaw(`UPDATE products SET pwyw_min_cents = 800 WHERE id = ?`, p.ID).Exec(context.Background()); err != nil {
		t.Fatal(err)
	}
	resp, body := postCheckout(t, b, host, nil)
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "The minimum is $8.00. Enter a new amount") {
		t.Fatalf("raised minimum: %d\n%s", resp.StatusCode, body)
	}
	// Zero is allowed where the minimum is zero, but a zero total cannot
	// be checked out: the buyer is told, nothing is written.
	c := e.NewBrowser()
	moneytest.AddToCart(t, c, host, free.ID)
	if resp, body := setAmount(t, c, host, free.ID, "0"); resp.StatusCode != http.StatusOK || !strings.Contains(body, `class="cart-total">$0.00`) {
		t.Fatalf("zero: %d\n%s", resp.StatusCode, body)
	}
	if resp, body := postCheckout(t, c, host, nil); resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "The total is zero: Claro cannot check out a free order yet.") {
		t.Fatalf("a zero total: %d\n%s", resp.StatusCode, body)
	}
	if n := e.Count(t, `checkouts WHERE tenant_id = ?`, s.ID); n != 0 || len(e.Stripe.Find("POST", "/v1/checkout/sessions")) != 0 {
		t.Fatalf("%d checkouts written", n)
	}
}
