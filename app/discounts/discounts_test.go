package discounts_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/claro-market/claro/app/cart"
	"github.com/claro-market/claro/app/catalog"
	"github.com/claro-market/claro/app/discounts"
	"github.com/claro-market/claro/app/web"
	"github.com/claro-market/claro/tenants"
	"github.com/claro-market/claro/testkit/apptest"
	"github.com/claro-market/claro/testkit/moneytest"
	"github.com/claro-market/claro/testkit/stripetest"
	"github.com/uptrace/bun"
)

// newCode creates a code in the store through the creator side the
// dashboard uses; mods change it first.
func newCode(t *testing.T, e *moneytest.Env, s *tenants.Tenant, code string, mods ...func(*discounts.Code)) *discounts.Code {
	t.Helper()
	k := &discounts.Code{Code: code, Kind: discounts.Percent, Value: 20, Currency: "usd", AllProducts: true}
	for _, m := range mods {
		m(k)
	}
	ctx := context.Background()
	if err := e.DB.InTenant(ctx, s.ID, func(ctx context.Context, tx bun.Tx) error {
		return discounts.NewCreator(tx).Create(ctx, s.ID, k)
	}); err != nil {
		t.Fatal(err)
	}
	return k
}

func intp(n int) *int { return &n }

// sent is one request's answer, from a goroutine (no t.Fatal there).
type sent struct {
	status   int
	location string
	body     string
	err      error
}

// post sends a form from browser b as a same-origin browser would, safe
// from goroutines: token is the page's CSRF token, fetched before.
func post(e *moneytest.Env, b *apptest.Browser, host, path string, form url.Values, token string, htmx bool) sent {
	if form == nil {
		form = url.Values{}
	}
	if !htmx {
		form.Set("_csrf", token)
	}
	req := httptest.NewRequest(http.MethodPost, "http://"+host+path, strings.NewReader(form.Encode()))
	req.Host = host
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "http://"+host)
	if htmx {
		req.Header.Set("HX-Request", "true")
		req.Header.Set(web.CSRFHeader, token)
	}
	for _, c := range b.Jar.Cookies(req.URL) {
		req.AddCookie(c)
	}
	resp, err := e.App.Fiber.Test(req, -1)
	if err != nil {
		return sent{err: err}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	b.Jar.SetCookies(req.URL, resp.Cookies())
	return sent{status: resp.StatusCode, location: resp.Header.Get("Location"), body: string(body), err: err}
}

// applyCode enters code in b's cart with htmx, as the cart's form does.
func applyCode(t *testing.T, e *moneytest.Env, b *apptest.Browser, host, code string) sent {
	t.Helper()
	r := post(e, b, host, "/cart/discount", url.Values{"code": {code}}, b.CSRF(t, host, "/cart"), true)
	if r.err != nil {
		t.Fatal(r.err)
	}
	return r
}

// deliver posts a signed webhook payload; safe from goroutines.
func deliver(e *moneytest.Env, payload []byte) (int, error) {
	req := httptest.NewRequest(http.MethodPost, "http://"+apptest.Root+"/webhooks/stripe", bytes.NewReader(payload))
	req.Host = apptest.Root
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Stripe-Signature", stripetest.Sign(payload, moneytest.WebhookSecret, time.Time{}))
	resp, err := e.App.Fiber.Test(req, -1)
	if err != nil {
		return 0, err
	}
	resp.Body.Close()
	return resp.StatusCode, nil
}

func TestACodeCappedAtThreeIsRedeemedThreeTimesBy20ConcurrentPaidCheckouts(t *testing.T) {
	e := moneytest.New(t, testDB)
	s := e.Store(t, apptest.Unique("cap"))
	p := e.Product(t, s, "brushes", catalog.Public, func(p *catalog.Product) { p.PriceCents = 2000 })
	k := newCode(t, e, s, "LAUNCH3", func(k *discounts.Code) { k.MaxRedemptions = intp(3); k.Value = 25 })
	host := apptest.StoreHost(s.Slug)
	const buyers = 20
	bs, tokens := make([]*apptest.Browser, buyers), make([]string, buyers)
	for i := range bs {
		bs[i] = e.NewBrowser()
		moneytest.AddToCart(t, bs[i], host, p.ID)
		if r := applyCode(t, e, bs[i], host, "launch3"); r.status != http.StatusOK || !strings.Contains(r.body, "25% off") {
			t.Fatalf("buyer %d: code preview %d\n%s", i, r.status, r.body)
		}
		tokens[i] = bs[i].CSRF(t, host, "/cart")
	}
	// Every buyer checks out at once, each with their own address.
	res := make([]sent, buyers)
	var wg sync.WaitGroup
	for i := range bs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res[i] = post(e, bs[i], host, "/checkout", url.Values{"email": {fmt.Sprintf("cap%d-%s@example.com", i, s.Slug)}}, tokens[i], false)
		}()
	}
	wg.Wait()
	opened, usedUp := 0, 0
	for i, r := range res {
		switch {
		case r.err != nil:
			t.Fatalf("buyer %d: %v", i, r.err)
		case r.status == http.StatusSeeOther:
			opened++
		case r.status == http.StatusUnprocessableEntity && strings.Contains(r.body, "last uses are held by checkouts in progress"):
			usedUp++
			// Told so, they check out without the code, at the full price.
			token := bs[i].CSRF(t, host, "/cart")
			if rr := post(e, bs[i], host, "/cart/discount", url.Values{"remove": {"1"}}, token, true); rr.status != http.StatusOK {
				t.Fatalf("buyer %d: remove code %d %s", i, rr.status, rr.body)
			}
			if rr := post(e, bs[i], host, "/checkout", url.Values{"email": {fmt.Sprintf("cap%d-%s@example.com", i, s.Slug)}}, token, false); rr.status != http.StatusSeeOther {
				t.Fatalf("buyer %d: checkout without the code %d %s", i, rr.status, rr.body)
			}
		default:
			t.Fatalf("buyer %d: %d\n%s", i, r.status, r.body)
		}
	}
	if opened != 3 || usedUp != buyers-3 {
		t.Fatalf("%d checkouts opened with the code and %d told it was used up, want 3 and %d", opened, usedUp, buyers-3)
	}
	// Every checkout of the store is paid at once.
	var cks []moneytest.Checkout
	if err := e.DB.Primary.NewRaw(`SELECT id, tenant_id, stripe_checkout_session_id, amount_total_cents FROM checkouts WHERE tenant_id = ?`,
		s.ID).Scan(context.Background(), &cks); err != nil {
		t.Fatal(err)
	}
	if len(cks) != buyers {
		t.Fatalf("%d checkouts, want %d", len(cks), buyers)
	}
	codes := make([]int, len(cks))
	for i, ck := range cks {
		wg.Add(1)
		go func() {
			defer wg.Done()
			payload := moneytest.CompletedEvent("evt_cap_"+strconv.FormatInt(ck.ID, 10), ck, "pi_cap_"+strconv.FormatInt(ck.ID, 10)+s.Slug)
			codes[i], _ = deliver(e, payload)
		}()
	}
	wg.Wait()
	for i, c := range codes {
		if c != http.StatusOK {
			t.Fatalf("webhook %d: %d", i, c)
		}
	}
	if n := e.Count(t, `orders WHERE tenant_id = ? AND status = 'paid'`, s.ID); n != buyers {
		t.Fatalf("%d paid orders, want %d", n, buyers)
	}
	if n := e.Count(t, `discount_uses WHERE code_id = ? AND order_id IS NOT NULL`, k.ID); n != 3 {
		t.Fatalf("the code capped at 3 was redeemed %d times", n)
	}
	if n := e.Count(t, `orders WHERE tenant_id = ? AND amount_total_cents = 1500`, s.ID); n != 3 {
		t.Fatalf("%d orders at the discounted 15.00, want 3", n)
	}
	if n := e.Count(t, `orders WHERE tenant_id = ? AND amount_total_cents = 2000`, s.ID); n != buyers-3 {
		t.Fatalf("%d orders at the full 20.00, want %d", n, buyers-3)
	}
	if n := e.Count(t, `discount_uses u JOIN orders o ON o.id = u.order_id WHERE u.code_id = ? AND o.amount_total_cents = 1500 AND u.amount_off_cents = 500 AND u.flag IS NULL`, k.ID); n != 3 {
		t.Fatalf("%d redemptions on the discounted orders, want 3", n)
	}
	// Stripe was asked for the discounted amount as the line's real
	// amount, and the platform's fee (10%) on what was charged.
	charged := map[string]int{}
	for _, r := range e.Stripe.Find("POST", "/v1/checkout/sessions") {
		charged[r.Form.Get("line_items[0][price_data][unit_amount]")+"/"+r.Form.Get("payment_intent_data[application_fee_amount]")]++
	}
	if charged["1500/150"] != 3 || charged["2000/200"] != buyers-3 || len(charged) != 2 {
		t.Fatalf("Stripe sessions by unit amount/fee: %v", charged)
	}
}

// cookie is b's cart cookie on host.
func cookie(b *apptest.Browser, host string) string {
	for _, c := range b.Jar.Cookies(&url.URL{Scheme: "http", Host: host, Path: "/"}) {
		if c.Name == "claro_cart" {
			return c.Value
		}
	}
	return ""
}

func TestACodeThatDoesNotApplySaysWhyAndChangesNothing(t *testing.T) {
	e := moneytest.New(t, testDB)
	s := e.Store(t, apptest.Unique("why"))
	p := e.Product(t, s, "brushes", catalog.Public, func(p *catalog.Product) { p.PriceCents = 2000 })
	other := e.Product(t, s, "fonts", catalog.Public)
	elsewhere := e.Store(t, apptest.Unique("else"))
	newCode(t, e, elsewhere, "THEIRS")
	past, future := time.Now().Add(-48*time.Hour), time.Now().Add(48*time.Hour)
	newCode(t, e, s, "SOON", func(k *discounts.Code) { k.StartsAt = &future })
	newCode(t, e, s, "OVER", func(k *discounts.Code) { k.StartsAt, k.EndsAt = &past, &[]time.Time{past.Add(time.Hour)}[0] })
	newCode(t, e, s, "BIG", func(k *discounts.Code) { k.MinOrderCents = 5000 })
	newCode(t, e, s, "FONTS", func(k *discounts.Code) { k.AllProducts, k.Products = false, []int64{other.ID} })
	newCode(t, e, s, "EUROS", func(k *discounts.Code) { k.Kind, k.Value, k.Currency = discounts.Amount, 500, "eur" })
	host := apptest.StoreHost(s.Slug)
	b := e.NewBrowser()
	moneytest.AddToCart(t, b, host, p.ID)
	for code, want := range map[string]string{
		"NOPE":   "That code is not valid in this store.",
		"THEIRS": "That code is not valid in this store.", // another store's code is unknown here
		"soon":   "That code starts on " + future.UTC().Format("2 January 2006"),
		"OVER":   "That code ended on",
		"BIG":    "That code needs an order of at least $50.00.",
		"FONTS":  "That code is not for the products in your cart.",
		"EUROS":  "That code is for orders in EUR.",
		"a":      "Enter a discount code: 2 to 40 letters, digits, - or _.",
	} {
		before := cookie(b, host)
		r := applyCode(t, e, b, host, code)
		if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, want) {
			t.Errorf("%s: %d, want 422 with %q\n%s", code, r.status, want, r.body)
		}
		if after := cookie(b, host); after != before || before == "" {
			t.Errorf("%s: the cart cookie changed", code)
		}
	}
	// A NUL byte is the app's 400 for any form (web.CleanForm), nothing changed.
	before := cookie(b, host)
	if r := applyCode(t, e, b, host, "no\x00nul"); r.status != http.StatusBadRequest || cookie(b, host) != before {
		t.Errorf("a NUL byte: %d", r.status)
	}
	// Without htmx the cart page says it, as a 422.
	r := post(e, b, host, "/cart/discount", url.Values{"code": {"BIG"}}, b.CSRF(t, host, "/cart"), false)
	if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "That code needs an order of at least $50.00.") || !strings.Contains(r.body, `id="cart"`) {
		t.Errorf("plain form: %d\n%s", r.status, r.body)
	}
	if n := e.Count(t, `checkouts WHERE tenant_id = ?`, s.ID); n != 0 {
		t.Fatalf("%d checkouts written", n)
	}
}

func TestAFixedAmountIsSharedAmongTheCodesProductsAndTheFeeIsOnWhatIsCharged(t *testing.T) {
	e := moneytest.New(t, testDB)
	s := e.Store(t, apptest.Unique("share"))
	a := e.Product(t, s, "a", catalog.Public, func(p *catalog.Product) { p.PriceCents = 3000 })
	b2 := e.Product(t, s, "b", catalog.Public, func(p *catalog.Product) { p.PriceCents = 1000 })
	c := e.Product(t, s, "c", catalog.Public, func(p *catalog.Product) { p.PriceCents = 999 })
	newCode(t, e, s, "TENOFF", func(k *discounts.Code) {
		k.Kind, k.Value, k.AllProducts, k.Products = discounts.Amount, 1000, false, []int64{a.ID, b2.ID}
	})
	host := apptest.StoreHost(s.Slug)
	b := e.NewBrowser()
	for _, p := range []*catalog.Product{a, b2, c} {
		moneytest.AddToCart(t, b, host, p.ID)
	}
	if r := applyCode(t, e, b, host, "tenoff"); r.status != http.StatusOK || !strings.Contains(r.body, `class="cart-total">$39.99`) {
		t.Fatalf("preview: %d\n%s", r.status, r.body)
	}
	if r := post(e, b, host, "/checkout", nil, b.CSRF(t, host, "/cart"), false); r.status != http.StatusSeeOther {
		t.Fatalf("checkout: %d\n%s", r.status, r.body)
	}
	reqs := e.Stripe.Find("POST", "/v1/checkout/sessions")
	if len(reqs) != 1 {
		t.Fatalf("%d sessions", len(reqs))
	}
	f := reqs[0].Form
	for k, want := range map[string]string{
		"line_items[0][price_data][unit_amount]":      "2250", // 3000 - 750
		"line_items[1][price_data][unit_amount]":      "750",  // 1000 - 250
		"line_items[2][price_data][unit_amount]":      "999",  // not the code's product
		"payment_intent_data[application_fee_amount]": "399",  // 10% of 3999, rounded down
	} {
		if got := f.Get(k); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
	if exp, _ := strconv.ParseInt(f.Get("expires_at"), 10, 64); time.Until(time.Unix(exp, 0)) < 30*time.Minute || time.Until(time.Unix(exp, 0)) > discounts.SessionLife {
		t.Errorf("expires_at %q: not 30 to 35 minutes ahead", f.Get("expires_at"))
	}
	if n := e.Count(t, `checkouts WHERE tenant_id = ? AND amount_total_cents = 3999 AND application_fee_cents = 399`, s.ID); n != 1 {
		t.Fatalf("checkout row: %d", n)
	}
	if n := e.Count(t, `discount_uses u JOIN checkouts c ON c.id = u.checkout_id WHERE c.tenant_id = ? AND u.amount_off_cents = 1000 AND u.order_id IS NULL AND u.expires_at > now() + interval '39 minutes'`, s.ID); n != 1 {
		t.Fatalf("hold: %d", n)
	}
}

// checkout posts the cart's checkout form with email (none when "").
func checkout(t *testing.T, e *moneytest.Env, b *apptest.Browser, host, email string) sent {
	t.Helper()
	form := url.Values{}
	if email != "" {
		form.Set("email", email)
	}
	r := post(e, b, host, "/checkout", form, b.CSRF(t, host, "/cart"), false)
	if r.err != nil {
		t.Fatal(r.err)
	}
	return r
}

// latest is the store's newest checkout.
func latest(t *testing.T, e *moneytest.Env, s *tenants.Tenant) moneytest.Checkout {
	t.Helper()
	var ck moneytest.Checkout
	if err := e.DB.Primary.NewRaw(`SELECT id, tenant_id, stripe_checkout_session_id, amount_total_cents FROM checkouts
		WHERE tenant_id = ? ORDER BY id DESC LIMIT 1`, s.ID).Scan(context.Background(), &ck); err != nil {
		t.Fatal(err)
	}
	return ck
}

func TestThePerBuyerLimitHoldsByAccountAndByAddress(t *testing.T) {
	e := moneytest.New(t, testDB)
	s := e.Store(t, apptest.Unique("once"))
	p := e.Product(t, s, "brushes", catalog.Public, func(p *catalog.Product) { p.PriceCents = 2000 })
	q := e.Product(t, s, "fonts", catalog.Public, func(p *catalog.Product) { p.PriceCents = 2000 })
	k := newCode(t, e, s, "ONCE", func(k *discounts.Code) { k.MaxPerBuyer = intp(1) })
	host := apptest.StoreHost(s.Slug)

	// A signed-in buyer uses the code once, paid.
	email := apptest.Email("once")
	a := e.NewBrowser()
	a.SignUp(t, email, "a long enough password", "Ada")
	moneytest.AddToCart(t, a, host, p.ID)
	if r := applyCode(t, e, a, host, "ONCE"); r.status != http.StatusOK {
		t.Fatalf("apply: %d\n%s", r.status, r.body)
	}
	if r := checkout(t, e, a, host, ""); r.status != http.StatusSeeOther {
		t.Fatalf("checkout: %d\n%s", r.status, r.body)
	}
	e.Pay(t, latest(t, e, s), "pi_"+apptest.Unique("once"))
	// The second time, the cart says so already, and checkout refuses it.
	moneytest.AddToCart(t, a, host, q.ID)
	if r := applyCode(t, e, a, host, "ONCE"); r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "You have already used that code.") {
		t.Fatalf("second use by the account: %d\n%s", r.status, r.body)
	}

	// A guest who gives no address is asked for one (or to sign in).
	g := e.NewBrowser()
	moneytest.AddToCart(t, g, host, p.ID)
	if r := applyCode(t, e, g, host, "ONCE"); r.status != http.StatusOK {
		t.Fatalf("guest apply: %d\n%s", r.status, r.body)
	}
	if r := checkout(t, e, g, host, ""); r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "sign in, or enter your email address, to use it") {
		t.Fatalf("guest without an address: %d\n%s", r.status, r.body)
	}
	// The account's own address, typed by a guest, is the same buyer.
	if r := checkout(t, e, g, host, email); r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "You have already used that code.") {
		t.Fatalf("guest with the account's address: %d\n%s", r.status, r.body)
	}
	// A new address may; while that checkout is open (held, not paid),
	// the same address in another browser may not.
	other := apptest.Email("guest")
	if r := checkout(t, e, g, host, other); r.status != http.StatusSeeOther {
		t.Fatalf("guest with a new address: %d\n%s", r.status, r.body)
	}
	g2 := e.NewBrowser()
	moneytest.AddToCart(t, g2, host, q.ID)
	applyCode(t, e, g2, host, "ONCE")
	if r := checkout(t, e, g2, host, strings.ToUpper(other)); r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "You have a checkout open with that code.") {
		t.Fatalf("the held address again: %d\n%s", r.status, r.body)
	}
	if n := e.Count(t, `discount_uses WHERE code_id = ?`, k.ID); n != 2 {
		t.Fatalf("%d uses, want 2 (one redeemed, one held)", n)
	}
	// The guest's checkout is paid, but Stripe reports the account's
	// address: the order stands (joined to the account), and its redemption
	// is recorded, flagged over the per-buyer limit.
	ck := latest(t, e, s)
	sess := stripetest.Session(ck.Session, strconv.FormatInt(ck.ID, 10), ck.Amount, "pi_"+apptest.Unique("flag"), "paid")
	sess["customer_details"] = map[string]any{"email": email}
	if resp, body := e.Deliver(t, "/webhooks/stripe", stripetest.Event("evt_"+apptest.Unique("flag"), "checkout.session.completed", sess)); resp.StatusCode != http.StatusOK {
		t.Fatalf("webhook: %d %s", resp.StatusCode, body)
	}
	if n := e.Count(t, `discount_uses u JOIN orders o ON o.id = u.order_id WHERE u.checkout_id = ? AND o.status = 'paid' AND u.flag = 'buyer_limit' AND u.email = ? AND u.user_id IS NOT NULL`, ck.ID, strings.ToLower(email)); n != 1 {
		t.Fatal("the redemption past the per-buyer limit is not recorded and flagged")
	}
	if n := e.Count(t, `discount_uses WHERE code_id = ? AND order_id IS NOT NULL AND flag IS NULL`, k.ID); n != 1 {
		t.Fatalf("%d unflagged redemptions, want the first one only", n)
	}
}

func TestAnAbandonedCheckoutsHoldExpiresAndALatePaymentIsStillRecorded(t *testing.T) {
	e := moneytest.New(t, testDB)
	s := e.Store(t, apptest.Unique("late"))
	p := e.Product(t, s, "brushes", catalog.Public, func(p *catalog.Product) { p.PriceCents = 2000 })
	k := newCode(t, e, s, "LAST1", func(k *discounts.Code) { k.MaxRedemptions = intp(1) })
	host := apptest.StoreHost(s.Slug)
	open := func(name string) (applied, opened sent) {
		b := e.NewBrowser()
		moneytest.AddToCart(t, b, host, p.ID)
		return applyCode(t, e, b, host, "LAST1"), checkout(t, e, b, host, apptest.Email(name))
	}
	if _, r := open("first"); r.status != http.StatusSeeOther {
		t.Fatalf("first: %d\n%s", r.status, r.body)
	}
	first := latest(t, e, s)
	// While the first checkout holds the code, the cart already says it is
	// used up (and checks out without it).
	if r, _ := open("second"); r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "last uses are held by checkouts in progress") {
		t.Fatalf("second while the first is held: %d\n%s", r.status, r.body)
	}
	if n := e.Count(t, `checkouts c JOIN discount_uses u ON u.checkout_id = c.id WHERE c.tenant_id = ?`, s.ID); n != 1 {
		t.Fatalf("%d checkouts hold the code, want 1", n)
	}
	// The first buyer walks away: once the hold has expired, the code is free.
	if _, err := e.DB.Primary.NewRaw(`UPDATE discount_uses SET expires_at = now() - interval '1 second' WHERE checkout_id = ?`, first.ID).
		Exec(context.Background()); err != nil {
		t.Fatal(err)
	}
	if a, r := open("third"); a.status != http.StatusOK || r.status != http.StatusSeeOther {
		t.Fatalf("third after the hold expired: %d %d\n%s", a.status, r.status, r.body)
	}
	third := latest(t, e, s)
	e.Pay(t, third, "pi_"+apptest.Unique("third"))
	// Paid, the code is used up.
	if r, _ := open("fourth"); r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "That code has been used up.") {
		t.Fatalf("fourth after the third paid: %d\n%s", r.status, r.body)
	}
	// Stripe reports the first one paid after all (a webhook that came late):
	// the order stands and its redemption is recorded, flagged late.
	e.Pay(t, first, "pi_"+apptest.Unique("first"))
	if n := e.Count(t, `orders WHERE tenant_id = ? AND status = 'paid' AND amount_total_cents = 1600`, s.ID); n != 2 {
		t.Fatalf("%d discounted paid orders, want 2", n)
	}
	if n := e.Count(t, `discount_uses WHERE code_id = ? AND order_id IS NOT NULL AND flag IS NULL`, k.ID); n != 1 {
		t.Fatalf("%d redemptions in time, want 1", n)
	}
	if n := e.Count(t, `discount_uses WHERE code_id = ? AND checkout_id = ? AND order_id IS NOT NULL AND flag = 'late'`, k.ID, first.ID); n != 1 {
		t.Fatalf("the late payment's redemption is not recorded as late")
	}
	// A duplicate delivery changes nothing.
	e.Pay(t, first, "pi_dup"+apptest.Unique("first"))
	if n := e.Count(t, `discount_uses WHERE code_id = ? AND order_id IS NOT NULL`, k.ID); n != 2 {
		t.Fatalf("%d redemptions after a duplicate, want 2", n)
	}
}

func TestGuessingCodesIsCutOffAfterTwentyMisses(t *testing.T) {
	e := moneytest.New(t, testDB)
	s := e.Store(t, apptest.Unique("guess"))
	p := e.Product(t, s, "brushes", catalog.Public)
	newCode(t, e, s, "REAL10")
	host := apptest.StoreHost(s.Slug)
	b := e.NewBrowser()
	moneytest.AddToCart(t, b, host, p.ID)
	for i := range cart.CodeMisses {
		if r := applyCode(t, e, b, host, fmt.Sprintf("GUESS%d", i)); r.status != http.StatusUnprocessableEntity {
			t.Fatalf("guess %d: %d", i, r.status)
		}
	}
	before := cookie(b, host)
	req := httptest.NewRequest(http.MethodPost, "http://"+host+"/cart/discount", strings.NewReader(url.Values{"code": {"REAL10"}}.Encode()))
	req.Host = host
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "http://"+host)
	req.Header.Set("HX-Request", "true")
	req.Header.Set(web.CSRFHeader, b.CSRF(t, host, "/cart"))
	resp, body := b.Do(t, req)
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" || !strings.Contains(body, "Too many codes tried") {
		t.Fatalf("after %d misses: %d %q\n%s", cart.CodeMisses, resp.StatusCode, resp.Header.Get("Retry-After"), body)
	}
	if cookie(b, host) != before {
		t.Fatal("the refused code changed the cart")
	}
	// The misses count per store: another store's cart still takes codes.
	o := e.Store(t, apptest.Unique("guess"))
	q := e.Product(t, o, "fonts", catalog.Public)
	newCode(t, e, o, "OTHER10")
	moneytest.AddToCart(t, b, apptest.StoreHost(o.Slug), q.ID)
	if r := applyCode(t, e, b, apptest.StoreHost(o.Slug), "OTHER10"); r.status != http.StatusOK {
		t.Fatalf("another store: %d", r.status)
	}
}

func TestACheckoutStripeRefusedHoldsNothingAndOneWithoutACodeKeepsStripesExpiry(t *testing.T) {
	e := moneytest.New(t, testDB)
	s := e.Store(t, apptest.Unique("refused"))
	p := e.Product(t, s, "brushes", catalog.Public)
	k := newCode(t, e, s, "ONLY1", func(k *discounts.Code) { k.MaxRedemptions = intp(1) })
	host := apptest.StoreHost(s.Slug)
	b := e.NewBrowser()
	moneytest.AddToCart(t, b, host, p.ID)
	applyCode(t, e, b, host, "ONLY1")
	e.Stripe.Fail("POST", "/v1/checkout/sessions", http.StatusInternalServerError)
	if r := checkout(t, e, b, host, apptest.Email("refused")); r.status != http.StatusBadGateway {
		t.Fatalf("Stripe refusing: %d\n%s", r.status, r.body)
	}
	if n := e.Count(t, `discount_uses WHERE code_id = ?`, k.ID) + e.Count(t, `checkouts WHERE tenant_id = ?`, s.ID); n != 0 {
		t.Fatalf("%d rows left by a checkout Stripe refused", n)
	}
	// A cart without a code: no expires_at, Stripe's own default.
	c := e.NewBrowser()
	moneytest.AddToCart(t, c, host, p.ID)
	e.Stripe.Fail("POST", "/v1/checkout/sessions", 0)
	if r := checkout(t, e, c, host, apptest.Email("plain")); r.status != http.StatusSeeOther {
		t.Fatalf("checkout: %d\n%s", r.status, r.body)
	}
	reqs := e.Stripe.Find("POST", "/v1/checkout/sessions")
	if last := reqs[len(reqs)-1]; last.Form.Has("expires_at") {
		t.Fatalf("a checkout without a code set expires_at %q", last.Form.Get("expires_at"))
	}
}
