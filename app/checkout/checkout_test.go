package checkout_test

import (
	"context"
	"fmt"
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

const pw = "a long enough password"

// addFile gives p one downloadable file and returns its id.
func addFile(t *testing.T, e *moneytest.Env, p *catalog.Product) int64 {
	t.Helper()
	var id int64
	if err := e.DB.Primary.NewRaw(`INSERT INTO product_files (tenant_id, product_id, name, blob_key, size_bytes, content_type)
		VALUES (?, ?, 'guide.pdf', 'files/x/guide.pdf', 10, 'application/pdf') RETURNING id`, p.TenantID, p.ID).Scan(context.Background(), &id); err != nil {
		t.Fatal(err)
	}
	return id
}

func successPath(session string) string {
	return "/checkout/success?session_id=" + url.QueryEscape(session)
}

func orderPath(session string) string {
	return "/checkout/success/order?session_id=" + url.QueryEscape(session)
}

func get200(t *testing.T, b *apptest.Browser, host, path string) string {
	t.Helper()
	resp, body := b.Get(t, host, path)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%s: status %d\n%s", path, resp.StatusCode, body)
	}
	if cc := resp.Header.Get("Cache-Control"); !strings.Contains(cc, "no-store") {
		t.Errorf("%s: Cache-Control %q", path, cc)
	}
	return body
}

func notFound(t *testing.T, e *moneytest.Env, b *apptest.Browser, host, path string) {
	t.Helper()
	resp, body := b.Get(t, host, path)
	if resp.StatusCode != http.StatusNotFound || body != e.NotFound(t, host) {
		t.Fatalf("%s: status %d, not the 404 page:\n%s", path, resp.StatusCode, body)
	}
}

const polling = `hx-trigger="every 2s"`

func TestSuccessPagePollsUntilTheWebhookThenOffersTheOwnerTheDownloads(t *testing.T) {
	e := moneytest.New(t, testDB)
	s := e.Store(t, apptest.Unique("thanks"))
	p := e.Product(t, s, "pack", catalog.Public)
	fileID := addFile(t, e, p)
	host := apptest.StoreHost(s.Slug)
	b := e.NewBrowser()
	b.SignUp(t, apptest.Email("buyer"), pw, "Buyer")
	ck := e.OpenCheckout(t, b, s, p)
	download := fmt.Sprintf("/library/%d/files/%d", p.ID, fileID)

	// Before the webhook: processing, the items, and the fragment polls itself.
	page := get200(t, b, host, successPath(ck.Session))
	for _, want := range []string{"Thank you", "processing", p.Title, polling, `hx-get="` + orderPath(ck.Session) + `&amp;poll=1"`} {
		if !strings.Contains(page, want) {
			t.Fatalf("page before the webhook lacks %q:\n%s", want, page)
		}
	}
	if strings.Contains(page, download) {
		t.Fatalf("a download before the payment is confirmed:\n%s", page)
	}
	if _, count := b.Get(t, host, "/cart/count"); !strings.Contains(count, ">0</span>") {
		t.Fatalf("cart not cleared: %s", count)
	}
	if frag := get200(t, b, host, orderPath(ck.Session)); !strings.Contains(frag, polling) || strings.Contains(frag, "<html") {
		t.Fatalf("fragment before the webhook:\n%s", frag)
	}

	if frag := get200(t, b, host, orderPath(ck.Session)+"&poll=7"); !strings.Contains(frag, "poll=8") {
		t.Fatalf("the poll does not count its asks:\n%s", frag)
	}
	// The polling is bounded: after maxPolls asks the page says to reload.
	if frag := get200(t, b, host, orderPath(ck.Session)+"&poll=150"); strings.Contains(frag, polling) || !strings.Contains(frag, "reload this page") {
		t.Fatalf("the fragment polls forever:\n%s", frag)
	}

	e.Pay(t, ck, "pi_"+apptest.Unique("thanks"))
	frag := get200(t, b, host, orderPath(ck.Session))
	for _, want := range []string{"Payment confirmed", p.Title, download, fmt.Sprintf("/library/%d\"", p.ID)} {
		if !strings.Contains(frag, want) {
			t.Fatalf("fragment after the webhook lacks %q:\n%s", want, frag)
		}
	}
	if strings.Contains(frag, polling) || strings.Contains(frag, "hx-get") {
		t.Fatalf("the fragment still polls once paid:\n%s", frag)
	}
	if page := get200(t, b, host, successPath(ck.Session)); !strings.Contains(page, download) || strings.Contains(page, polling) {
		t.Fatalf("page after the webhook:\n%s", page)
	}

	// Attack: the thank-you URL reaching someone else (a shared screen, a
	// forwarded link) hands them no downloads; they see the order only.
	stranger := e.NewBrowser()
	stranger.SignUp(t, apptest.Email("stranger"), pw, "Stranger")
	seen := get200(t, stranger, host, successPath(ck.Session))
	if !strings.Contains(seen, p.Title) || strings.Contains(seen, "/files/") || strings.Contains(seen, fmt.Sprintf("/library/%d", p.ID)) {
		t.Fatalf("a stranger's view of the order:\n%s", seen)
	}
	if anon := get200(t, e.NewBrowser(), host, successPath(ck.Session)); strings.Contains(anon, "/files/") {
		t.Fatalf("a signed-out view offers files:\n%s", anon)
	}
}

func TestGuestSuccessPageShowsTheItemsAndTheClaimLinkButNoFiles(t *testing.T) {
	e := moneytest.New(t, testDB)
	s := e.Store(t, apptest.Unique("guest"))
	p := e.Product(t, s, "zine", catalog.Public)
	addFile(t, e, p)
	host := apptest.StoreHost(s.Slug)
	b := e.NewBrowser()
	email := apptest.Email("guest")
	moneytest.AddToCart(t, b, host, p.ID)
	if resp, body := postCheckout(t, b, host, url.Values{"email": {email}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("checkout: %d\n%s", resp.StatusCode, body)
	}
	var ck moneytest.Checkout
	if err := e.DB.Primary.NewRaw(`SELECT id, tenant_id, stripe_checkout_session_id, amount_total_cents FROM checkouts
		WHERE tenant_id = ? ORDER BY id DESC LIMIT 1`, s.ID).Scan(context.Background(), &ck); err != nil {
		t.Fatal(err)
	}
	e.Pay(t, ck, "pi_"+apptest.Unique("guest"))

	// A guest holds no entitlement an account could check: the page lists
	// the items and says how to claim them, with no file or library links.
	page := get200(t, b, host, successPath(ck.Session))
	for _, want := range []string{"Payment confirmed", p.Title, "claim link", email} {
		if !strings.Contains(page, want) {
			t.Fatalf("guest page lacks %q:\n%s", want, page)
		}
	}
	if strings.Contains(page, "/files/") || strings.Contains(page, fmt.Sprintf("/library/%d", p.ID)) || strings.Contains(page, polling) {
		t.Fatalf("guest page offers files, library items or still polls:\n%s", page)
	}
}

func TestUnknownSessionIsTheNotFoundPageAndKeepsTheCart(t *testing.T) {
	e := moneytest.New(t, testDB)
	other := e.Store(t, apptest.Unique("other"))
	theirs := e.Product(t, other, "theirs", catalog.Public)
	ck := e.OpenCheckout(t, e.NewBrowser(), other, theirs)
	_, _, b, host := e.CartOfOne(t, "unknown", "thing")
	for _, path := range []string{
		successPath("cs_unknown"), "/checkout/success", successPath(strings.Repeat("x", 300)),
		orderPath("cs_unknown"), "/checkout/success/order",
		// Another store's real session id is unknown here.
		successPath(ck.Session), orderPath(ck.Session),
	} {
		notFound(t, e, b, host, path)
	}
	// A bad link changes nothing: the cart is still full.
	if _, count := b.Get(t, host, "/cart/count"); !strings.Contains(count, ">1</span>") {
		t.Fatalf("cart changed: %s", count)
	}
}
