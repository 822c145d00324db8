package devtools_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/claro-market/claro/app/catalog"
	"github.com/claro-market/claro/app/config"
	"github.com/claro-market/claro/app/devtools"
	"github.com/claro-market/claro/testkit/apptest"
	"github.com/claro-market/claro/testkit/moneytest"
)

func devPayments(c *config.Config) { c.DevTestPayments = true }

// order is what the webhook made of a checkout.
type order struct {
	Orders int    `bun:"orders"`
	Live   int    `bun:"live"`
	Status string `bun:"status"`
	Email  string `bun:"email"`
	Total  int64  `bun:"total"`
}

func orderOf(t *testing.T, e *moneytest.Env, storeID int64) order {
	t.Helper()
	var o order
	if err := e.DB.Primary.NewRaw(`SELECT count(*) AS orders, coalesce(max(o.status), '') AS status,
			coalesce(max(o.email), '') AS email, coalesce(max(o.amount_total_cents), 0) AS total,
			(SELECT count(*) FROM entitlements WHERE tenant_id = ? AND revoked_at IS NULL) AS live
		FROM orders o WHERE o.tenant_id = ?`, storeID, storeID).Scan(context.Background(), &o); err != nil {
		t.Fatal(err)
	}
	return o
}

func TestTestPaymentPagePaysTheCheckoutThroughTheSignedWebhook(t *testing.T) {
	e := moneytest.New(t, testDB, devPayments)
	store := e.Store(t, apptest.Unique("devpay"))
	p := e.Product(t, store, "poster", catalog.Public, func(p *catalog.Product) { p.Title = "Harbor Poster"; p.PriceCents = 2200 })
	buyer := e.NewBrowser()
	host := apptest.StoreHost(store.Slug)
	moneytest.AddToCart(t, buyer, host, p.ID)
	resp, body := moneytest.Send(t, buyer, http.MethodPost, host, "/checkout", url.Values{"email": {"Guest@Example.com"}}, false)
	var ck moneytest.Checkout
	if err := e.DB.Primary.NewRaw(`SELECT id, tenant_id, stripe_checkout_session_id, amount_total_cents FROM checkouts WHERE tenant_id = ?`,
		store.ID).Scan(context.Background(), &ck); err != nil {
		t.Fatal(err)
	}
	payPath := "/dev/pay/" + strconv.FormatInt(ck.ID, 10)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "http://"+apptest.Root+payPath {
		t.Fatalf("checkout: %d to %q\n%s", resp.StatusCode, resp.Header.Get("Location"), body)
	}

	resp, body = buyer.Get(t, "", payPath)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "Harbor Poster") || !strings.Contains(body, "$22.00") ||
		!strings.Contains(body, "guest@example.com") {
		t.Fatalf("pay page: %d\n%s", resp.StatusCode, body)
	}
	if got := orderOf(t, e, store.ID); got.Orders != 0 {
		t.Fatalf("an order before paying: %+v", got)
	}
	token := buyer.CSRF(t, "", payPath)
	for range 2 { // pressing Pay twice delivers one event twice: one order
		resp, body = buyer.PostForm(t, "", payPath, url.Values{"_csrf": {token}})
		want := "http://" + host + "/checkout/success?session_id=" + url.QueryEscape(ck.Session)
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != want {
			t.Fatalf("pay: %d to %q, want %q\n%s", resp.StatusCode, resp.Header.Get("Location"), want, body)
		}
	}
	if got := orderOf(t, e, store.ID); got != (order{Orders: 1, Live: 1, Status: "paid", Email: "guest@example.com", Total: 2200}) {
		t.Fatalf("order %+v", got)
	}
	if n := e.Count(t, "stripe_events WHERE id = ?", "evt_dev_pay_"+strconv.FormatInt(ck.ID, 10)); n != 1 {
		t.Fatalf("%d events recorded", n)
	}
}

func TestTestPaymentAsksAGuestWithoutAnEmailForOne(t *testing.T) {
	e := moneytest.New(t, testDB, devPayments)
	store := e.Store(t, apptest.Unique("noemail"))
	p := e.Product(t, store, "zine", catalog.Public)
	buyer := e.NewBrowser()
	ck := e.OpenCheckout(t, buyer, store, p)
	payPath := "/dev/pay/" + strconv.FormatInt(ck.ID, 10)
	token := buyer.CSRF(t, "", payPath)
	resp, body := buyer.PostForm(t, "", payPath, url.Values{"_csrf": {token}, "email": {"not an address"}})
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `value="not an address"`) {
		t.Fatalf("bad email: %d\n%s", resp.StatusCode, body)
	}
	if got := orderOf(t, e, store.ID); got.Orders != 0 {
		t.Fatalf("an order after a refused form: %+v", got)
	}
	resp, _ = buyer.PostForm(t, "", payPath, url.Values{"_csrf": {token}, "email": {"late@example.com"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("pay: %d", resp.StatusCode)
	}
	if got := orderOf(t, e, store.ID); got.Orders != 1 || got.Email != "late@example.com" || got.Status != "paid" {
		t.Fatalf("order %+v", got)
	}
}

// With DEV_TEST_PAYMENTS off no dev route exists, for anyone, Stripe's own
// Account Link is where onboarding goes, and the sales page has no dev tools.
func TestDevPagesAreOnlyThereWhenTurnedOn(t *testing.T) {
	e := moneytest.New(t, testDB)
	store := e.Store(t, apptest.Unique("realpay"))
	p := e.Product(t, store, "zine", catalog.Public)
	buyer := e.NewBrowser()
	ck := e.OpenCheckout(t, buyer, store, p)
	owner := memberOf(t, e, store, "owner")
	notFound := string(e.App.Errors.NotFoundBody())
	e.Pay(t, ck, "pi_"+apptest.Unique("off"))
	var orderID int64
	if err := e.DB.Primary.NewRaw(`SELECT id FROM orders WHERE checkout_id = ?`, ck.ID).Scan(context.Background(), &orderID); err != nil {
		t.Fatal(err)
	}
	if _, page := owner.Get(t, "", "/dashboard/s/"+store.Slug+"/sales"); strings.Contains(page, "Open a test dispute") || !strings.Contains(page, "Refund…") {
		t.Errorf("sales page without dev tools:\n%s", page)
	}
	token := owner.CSRF(t, "", "/")
	for _, path := range []string{"/dev/pay/" + strconv.FormatInt(ck.ID, 10), "/dev/onboard/" + *store.StripeAccountID,
		"/dev/dispute/" + strconv.FormatInt(orderID, 10)} {
		resp, body := owner.Get(t, "", path)
		if resp.StatusCode != http.StatusNotFound || body != notFound {
			t.Errorf("GET %s: %d\n%s", path, resp.StatusCode, body)
		}
		resp, body = owner.PostForm(t, "", path, url.Values{"_csrf": {token}})
		if resp.StatusCode != http.StatusNotFound || body != notFound {
			t.Errorf("POST %s: %d\n%s", path, resp.StatusCode, body)
		}
	}
	base := "/dashboard/s/" + store.Slug + "/payments"
	resp, _ := owner.PostForm(t, "", base+"/onboard", url.Values{"_csrf": {owner.CSRF(t, "", base)}})
	if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "https://") {
		t.Fatalf("onboard without dev pages: %d to %q", resp.StatusCode, loc)
	}
	if got := orderOf(t, e, store.ID); got.Status != "paid" || got.Live != 1 {
		t.Fatalf("a dev route changed the order: %+v", got)
	}
}

func TestTestPaymentsAreRefusedInProduction(t *testing.T) {
	cfg := apptest.Config(t)
	cfg.DevTestPayments, cfg.StripeAPIBase, cfg.StripeSecretKey = true, "http://127.0.0.1:12111", "sk_test_x"
	if _, err := devtools.NewTestPayments(cfg, testDB.Primary, nil, nil); err != nil {
		t.Fatalf("development: %v", err)
	}
	if _, err := devtools.NewTestOnboarding(cfg, testDB.Primary, nil, nil); err != nil {
		t.Fatalf("development: %v", err)
	}
	cfg.Env = config.EnvProduction
	if _, err := devtools.NewTestPayments(cfg, testDB.Primary, nil, nil); err != devtools.ErrTestPaymentsInProduction {
		t.Fatalf("production: %v", err)
	}
	if _, err := devtools.NewTestOnboarding(cfg, testDB.Primary, nil, nil); err != devtools.ErrTestPaymentsInProduction {
		t.Fatalf("production onboarding: %v", err)
	}
	cfg.Env, cfg.StripeSecretKey = config.EnvDevelopment, "sk_live_x"
	if _, err := devtools.NewTestPayments(cfg, testDB.Primary, nil, nil); err == nil {
		t.Fatal("a live key was accepted")
	}
	if _, err := devtools.NewTestOnboarding(cfg, testDB.Primary, nil, nil); err == nil {
		t.Fatal("a live key was accepted for onboarding")
	}
}
