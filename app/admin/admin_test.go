package admin_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/claro-market/claro/app/admin"
	"github.com/claro-market/claro/app/catalog"
	"github.com/claro-market/claro/tenants"
	"github.com/claro-market/claro/testkit/apptest"
	"github.com/claro-market/claro/testkit/moneytest"
)

const pw = "a long enough password"

// fixture is a store (with a custom domain, taking payments) and its
// creator, a public product in it that a signed-in buyer has paid for
// through the real checkout and webhook, and a staff member.
type fixture struct {
	e                     *moneytest.Env
	store                 *tenants.Tenant
	product               *catalog.Product
	creator, buyer, staff *apptest.Browser
	staffEmail            string
	orderID               int64
	session               string
	domain                string
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	e := moneytest.New(t, testDB)
	f := &fixture{e: e, creator: e.NewBrowser(), buyer: e.NewBrowser(), staff: e.NewBrowser()}
	creatorEmail := apptest.Email("creator")
	f.creator.SignUp(t, creatorEmail, pw, "Creator")
	f.buyer.SignUp(t, apptest.Email("buyer"), pw, "Buyer")
	f.staffEmail = apptest.Email("staff")
	f.staff.SignUp(t, f.staffEmail, pw, "Staff")
	grant(t, f.staffEmail)

	slug := apptest.Unique("adm-store")
	f.store = e.Store(t, slug)
	ctx := context.Background()
	if _, err := testDB.Primary.NewRaw(`INSERT INTO tenant_members (tenant_id, user_id, role) SELECT ?, id, 'owner' FROM users WHERE email = ?`,
		f.store.ID, creatorEmail).Exec(ctx); err != nil {
		t.Fatal(err)
	}
	word := strings.ReplaceAll(apptest.Unique("zorbliquant"), "-", "")
	f.product = e.Product(t, f.store, "kit", catalog.Public, func(p *catalog.Product) { p.Title = "Quillforge " + word + " Kit" })
	ck := e.OpenCheckout(t, f.buyer, f.store, f.product)
	e.Pay(t, ck, apptest.Unique("pi_adm_"))
	f.session = ck.Session
	if err := testDB.Primary.NewRaw(`SELECT id FROM orders WHERE stripe_checkout_session_id = ?`, ck.Session).Scan(ctx, &f.orderID); err != nil {
		t.Fatal(err)
	}
	f.domain = "shop." + slug + ".example"
	d, err := e.App.Domains.Add(ctx, f.store.ID, f.domain)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := testDB.Primary.NewRaw(`UPDATE domains SET status = 'active', verified_at = now() WHERE id = ?`, d.ID).Exec(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := testDB.Primary.NewRaw(`UPDATE tenants SET custom_domain = ? WHERE id = ?`, f.domain, f.store.ID).Exec(ctx); err != nil {
		t.Fatal(err)
	}
	if err := e.App.Changes.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	return f
}

func grant(t *testing.T, email string) {
	t.Helper()
	if _, err := admin.NewStore(testDB.Primary).SetRole(context.Background(), admin.CommandLine, email, true); err != nil {
		t.Fatal(err)
	}
}

// post sends a console form as the browser, with its CSRF token.
func post(t *testing.T, b *apptest.Browser, path string, form url.Values) (*http.Response, string) {
	t.Helper()
	if form == nil {
		form = url.Values{}
	}
	form.Set("_csrf", b.CSRF(t, "", "/"))
	return b.PostForm(t, "", path, form)
}

// audited counts the store's audit rows of one action.
func audited(t *testing.T, tenantID int64, action string) int {
	t.Helper()
	var n int
	if err := testDB.Primary.NewRaw(`SELECT count(*) FROM staff_actions WHERE tenant_id = ? AND action = ?`, tenantID, action).
		Scan(context.Background(), &n); err != nil {
		t.Fatal(err)
	}
	return n
}

// eventually retries check until it holds, for at most 10 s.
func eventually(t *testing.T, what string, check func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !check() {
		if time.Now().After(deadline) {
			t.Fatalf("after 10 s: %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// adminRoutes lists every console route from the app's own route table,
// with the fixture's ids filled in.
func (f *fixture) adminRoutes(t *testing.T) [][2]string {
	t.Helper()
	var out [][2]string
	seen := map[string]bool{}
	for _, r := range f.e.App.Fiber.GetRoutes(true) {
		if (r.Path != "/admin" && !strings.HasPrefix(r.Path, "/admin/")) || (r.Method != http.MethodGet && r.Method != http.MethodPost) {
			continue
		}
		p := strings.NewReplacer(":store", f.store.Slug, "/products/:id", fmt.Sprintf("/products/%d", f.product.ID),
			"/orders/:id", fmt.Sprintf("/orders/%d", f.orderID)).Replace(r.Path)
		if k := r.Method + " " + p; !seen[k] {
			seen[k] = true
			out = append(out, [2]string{r.Method, p})
		}
	}
	if len(out) < 9 {
		t.Fatalf("only %d console routes found: %v", len(out), out)
	}
	return out
}

// request is a console request as browser b (nil: no cookies) would send
// it: a POST carries b's valid CSRF token and a form that would act.
func (f *fixture) request(t *testing.T, b *apptest.Browser, method, path string) *http.Request {
	t.Helper()
	if method == http.MethodGet {
		req := httptest.NewRequest(method, "http://"+apptest.Root+path+"?q="+f.store.Slug+"&session="+f.session, nil)
		req.Host = apptest.Root
		return req
	}
	form := url.Values{"_csrf": {b.CSRF(t, "", "/")}, "reason": {"hijack"}, "session": {f.session}}
	req := httptest.NewRequest(method, "http://"+apptest.Root+path, strings.NewReader(form.Encode()))
	req.Host = apptest.Root
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "http://"+apptest.Root)
	return req
}

// state fingerprints everything a console action could change.
func (f *fixture) state(t *testing.T) string {
	t.Helper()
	var s string
	if err := testDB.Primary.NewRaw(`SELECT concat_ws('|',
			(SELECT status FROM tenants WHERE id = ?),
			(SELECT coalesce(taken_down_reason, '-') FROM products WHERE id = ?),
			(SELECT count(*) FROM staff_actions WHERE tenant_id = ?),
			(SELECT md5(r::text) FROM receipts_outbox r WHERE order_id = ?),
			(SELECT count(*) FROM stripe_events WHERE id LIKE '%' || ?))`,
		f.store.ID, f.product.ID, f.store.ID, f.orderID, f.session).Scan(context.Background(), &s); err != nil {
		t.Fatal(err)
	}
	return s
}

// Every console route, GET and POST, answers a visitor, a buyer, the
// store's own creator and a former staff member with the very bytes of the
// 404 page an unknown URL gets, and changes nothing; the staff member gets
// through.
func TestEveryAdminRouteIsThe404PageForAnyoneButStaff(t *testing.T) {
	f := newFixture(t)
	unknownResp, unknown := f.e.Get(t, "", "/admin-nothing-here")
	if unknownResp.StatusCode != http.StatusNotFound || unknown != string(f.e.App.Errors.NotFoundBody()) {
		t.Fatalf("unknown URL: %d", unknownResp.StatusCode)
	}
	former := f.e.NewBrowser()
	formerEmail := apptest.Email("former")
	former.SignUp(t, formerEmail, pw, "Former staff")
	grant(t, formerEmail)
	if resp, _ := former.Get(t, "", "/admin"); resp.StatusCode != http.StatusOK {
		t.Fatalf("staff before the revoke: %d", resp.StatusCode)
	}
	if _, err := admin.NewStore(testDB.Primary).SetRole(context.Background(), admin.CommandLine, formerEmail, false); err != nil {
		t.Fatal(err)
	}
	routes := f.adminRoutes(t)
	for _, who := range []struct {
		name string
		b    *apptest.Browser
	}{{"visitor", f.e.NewBrowser()}, {"buyer", f.buyer}, {"the store's creator", f.creator}, {"revoked staff", former}} {
		for _, rt := range routes {
			before := f.state(t)
			resp, body := who.b.Do(t, f.request(t, who.b, rt[0], rt[1]))
			if resp.StatusCode != http.StatusNotFound || body != unknown {
				t.Errorf("%s: %s %s → %d, want the 404 page", who.name, rt[0], rt[1], resp.StatusCode)
			}
			if after := f.state(t); after != before {
				t.Errorf("%s: %s %s changed %s → %s", who.name, rt[0], rt[1], before, after)
			}
		}
	}
	// On a storefront host the console does not exist, even for staff.
	if resp, body := f.staff.Get(t, f.domain, "/admin"); resp.StatusCode != http.StatusNotFound || body != f.e.NotFound(t, f.domain) {
		t.Errorf("staff on a storefront host: %d", resp.StatusCode)
	}
	for _, rt := range routes {
		if rt[0] != http.MethodGet {
			continue
		}
		if resp, body := f.staff.Do(t, f.request(t, f.staff, rt[0], rt[1])); resp.StatusCode != http.StatusOK {
			t.Errorf("staff: GET %s → %d\n%s", rt[1], resp.StatusCode, body)
		}
	}
}

// Suspending a store: its pages say it is unavailable (410, on its
// subdomain and its custom domain), its product leaves search, the TLS
// policy refuses its names, its buyer keeps the purchase, and the audit log
// says who did it and why. Restoring undoes all of it.
func TestSuspendingAStore(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	host := apptest.StoreHost(f.store.Slug)
	q := "/search?q=" + url.QueryEscape(f.product.Title)
	inSearch := func() bool {
		_, body := f.e.Get(t, "", q)
		return slices.Contains(apptest.CardIDs(body), strconv.FormatInt(f.product.ID, 10))
	}
	if !inSearch() {
		t.Fatal("the product is not in search before the suspension")
	}
	if err := f.e.App.Policy.Allow(ctx, f.domain); err != nil {
		t.Fatalf("custom domain refused before the suspension: %v", err)
	}

	// A reason is required: without one nothing changes.
	resp, body := post(t, f.staff, "/admin/stores/"+f.store.Slug+"/suspend", url.Values{"reason": {"   "}})
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "Give a reason") {
		t.Fatalf("suspend without a reason: %d", resp.StatusCode)
	}
	if n := audited(t, f.store.ID, admin.ActionSuspendStore); n != 0 {
		t.Fatalf("%d audit rows after a refused suspension", n)
	}

	reason := "Selling counterfeit brushes " + apptest.Unique("r")
	resp, _ = post(t, f.staff, "/admin/stores/"+f.store.Slug+"/suspend", url.Values{"reason": {reason}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("suspend: %d", resp.StatusCode)
	}
	_, page := f.staff.Get(t, "", resp.Header.Get("Location"))
	if !strings.Contains(page, "Store suspended") || !strings.Contains(page, reason) || !strings.Contains(page, f.staffEmail) {
		t.Fatal("the console does not confirm the suspension with its audit row")
	}
	var row struct {
		User   int64  `bun:"staff_user_id"`
		Email  string `bun:"staff_email"`
		Reason string `bun:"reason"`
	}
	if err := testDB.Primary.NewRaw(`SELECT staff_user_id, staff_email, reason FROM staff_actions WHERE tenant_id = ? AND action = ?`,
		f.store.ID, admin.ActionSuspendStore).Scan(ctx, &row); err != nil {
		t.Fatal(err)
	}
	if row.User == 0 || row.Email != f.staffEmail || row.Reason != reason {
		t.Fatalf("audit row %+v", row)
	}

	gone := string(f.e.App.Errors.UnavailableBody())
	for _, h := range []string{host, f.domain} {
		for _, path := range []string{"/", "/products/" + f.product.Slug} {
			resp, body := f.buyer.Get(t, h, path)
			if resp.StatusCode != http.StatusGone || body != gone || !strings.Contains(body, "This store is unavailable") {
				t.Errorf("%s%s: %d, want the unavailable page", h, path, resp.StatusCode)
			}
		}
	}
	eventually(t, "the suspended store's product is still in search", func() bool { return !inSearch() })
	if err := f.e.App.Policy.Allow(ctx, f.domain); err == nil {
		t.Error("the TLS policy still allows the suspended store's custom domain")
	}
	if resp, body := f.buyer.Get(t, "", fmt.Sprintf("/library/%d", f.product.ID)); resp.StatusCode != http.StatusOK || !strings.Contains(body, f.product.Title) {
		t.Errorf("buyer's library item: %d", resp.StatusCode)
	}
	if _, body := f.buyer.Get(t, "", "/library"); !strings.Contains(body, f.product.Title) {
		t.Error("buyer's library lost the suspended store's purchase")
	}

	resp, _ = post(t, f.staff, "/admin/stores/"+f.store.Slug+"/restore", url.Values{"reason": {"appeal upheld"}})
	if resp.StatusCode != http.StatusSeeOther || audited(t, f.store.ID, admin.ActionRestoreStore) != 1 {
		t.Fatalf("restore: %d", resp.StatusCode)
	}
	if resp, _ := f.buyer.Get(t, f.domain, "/products/"+f.product.Slug); resp.StatusCode != http.StatusOK {
		t.Errorf("restored store's product page: %d", resp.StatusCode)
	}
	eventually(t, "the restored store's product is not back in search", inSearch)
	if err := f.e.App.Policy.Allow(ctx, f.domain); err != nil {
		t.Errorf("restored store's custom domain refused: %v", err)
	}
}

// Taking a product down: gone from its storefront, search and carts (the
// re-pricing refuses it), its creator sees the reason, its buyer keeps it.
func TestTakingAProductDown(t *testing.T) {
	f := newFixture(t)
	host := f.domain // the store is served on its custom domain
	shopper := f.e.NewBrowser()
	moneytest.AddToCart(t, shopper, host, f.product.ID)
	path := fmt.Sprintf("/admin/products/%d/take-down", f.product.ID)

	resp, body := post(t, f.staff, path, url.Values{"reason": {""}})
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "Give a reason") {
		t.Fatalf("take-down without a reason: %d", resp.StatusCode)
	}
	if resp, _ := f.e.Get(t, host, "/products/"+f.product.Slug); resp.StatusCode != http.StatusOK {
		t.Fatal("a refused take-down hid the product")
	}

	reason := "Infringes a trademark " + apptest.Unique("r")
	resp, _ = post(t, f.staff, path, url.Values{"reason": {reason}})
	if resp.StatusCode != http.StatusSeeOther || audited(t, f.store.ID, admin.ActionTakeDownProduct) != 1 {
		t.Fatalf("take-down: %d", resp.StatusCode)
	}
	notFound := f.e.NotFound(t, host) // the store's own 404 page
	if resp, body := f.e.Get(t, host, "/products/"+f.product.Slug); resp.StatusCode != http.StatusNotFound || body != notFound {
		t.Errorf("taken-down product page: %d", resp.StatusCode)
	}
	if _, body := f.e.Get(t, host, "/"); strings.Contains(body, f.product.Title) {
		t.Error("the storefront still lists the taken-down product")
	}
	eventually(t, "the taken-down product is still in search", func() bool {
		_, body := f.e.Get(t, "", "/search?q="+url.QueryEscape(f.product.Title))
		return !slices.Contains(apptest.CardIDs(body), strconv.FormatInt(f.product.ID, 10))
	})
	if _, cart := shopper.Get(t, host, "/cart"); strings.Contains(cart, f.product.Title) {
		t.Error("the cart still prices the taken-down product")
	}
	resp, _ = moneytest.Send(t, shopper, http.MethodPost, host, "/checkout", nil, false)
	if resp.StatusCode == http.StatusSeeOther && strings.Contains(resp.Header.Get("Location"), "checkout.stripe") {
		t.Error("checkout opened for a taken-down product")
	}
	if resp, body := f.buyer.Get(t, "", fmt.Sprintf("/library/%d", f.product.ID)); resp.StatusCode != http.StatusOK || !strings.Contains(body, f.product.Title) {
		t.Errorf("buyer's library item: %d", resp.StatusCode)
	}
	for _, p := range []string{"/dashboard/s/" + f.store.Slug, fmt.Sprintf("/dashboard/s/%s/products/%d/edit", f.store.Slug, f.product.ID)} {
		if _, body := f.creator.Get(t, "", p); !strings.Contains(body, "Taken down by Claro staff") || !strings.Contains(body, reason) {
			t.Errorf("the creator does not see the reason on %s", p)
		}
	}
	// The creator cannot list it again themselves.
	token := f.creator.CSRF(t, "", "/dashboard/s/"+f.store.Slug)
	f.creator.PostForm(t, "", fmt.Sprintf("/dashboard/s/%s/products/%d/visibility", f.store.Slug, f.product.ID),
		url.Values{"_csrf": {token}, "visibility": {"public"}})
	if resp, _ := f.e.Get(t, host, "/products/"+f.product.Slug); resp.StatusCode != http.StatusNotFound {
		t.Error("the creator's visibility change brought the taken-down product back")
	}

	resp, _ = post(t, f.staff, fmt.Sprintf("/admin/products/%d/restore", f.product.ID), nil)
	if resp.StatusCode != http.StatusSeeOther || audited(t, f.store.ID, admin.ActionRestoreProduct) != 1 {
		t.Fatalf("restore: %d", resp.StatusCode)
	}
	if resp, _ := f.e.Get(t, host, "/products/"+f.product.Slug); resp.StatusCode != http.StatusOK {
		t.Errorf("restored product page: %d", resp.StatusCode)
	}
}

// The console finds a store by part of its address or its owner's email.
func TestFindingAStore(t *testing.T) {
	f := newFixture(t)
	for _, q := range []string{f.store.Slug[:len(f.store.Slug)-2], strings.ToUpper(f.store.Slug)} {
		_, body := f.staff.Get(t, "", "/admin?q="+url.QueryEscape(q))
		if !strings.Contains(body, `data-store="`+f.store.Slug+`"`) {
			t.Errorf("search %q does not find the store", q)
		}
	}
	_, body := f.staff.Get(t, "", "/admin?q=%25")
	if strings.Count(body, "data-store=") > admin.MaxResults {
		t.Error("a wildcard search lists more than the limit")
	}
}

// Recent deliveries are listed with their outcome; resending a receipt
// queues it again; re-running the reconciler for a session reads it back
// from Stripe and records what it came to. Each writes its audit row.
func TestDeliveriesReceiptsAndTheReconciler(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	_, body := f.staff.Get(t, "", "/admin/webhooks?session="+url.QueryEscape(f.session))
	if !strings.Contains(body, "checkout.session.completed") || !strings.Contains(body, "applied") {
		t.Fatalf("the paying delivery is not listed:\n%s", body)
	}
	var outcome string
	if err := testDB.Primary.NewRaw(`SELECT outcome FROM webhook_deliveries WHERE session_id = ?`, f.session).Scan(ctx, &outcome); err != nil || outcome != "applied" {
		t.Fatalf("delivery row: %q %v", outcome, err)
	}
	// A duplicate delivery is recorded as such.
	f.e.Deliver(t, "/webhooks/stripe", moneytest.CompletedEvent("evt_pay_dup_"+f.session, moneytest.Checkout{Session: f.session}, "pi_x"))

	if _, err := f.e.Receipts.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	var sent bool
	if err := testDB.Primary.NewRaw(`SELECT sent_at IS NOT NULL FROM receipts_outbox WHERE order_id = ?`, f.orderID).Scan(ctx, &sent); err != nil || !sent {
		t.Fatalf("receipt not sent first: %v", err)
	}
	resp, _ := post(t, f.staff, fmt.Sprintf("/admin/orders/%d/resend-receipt", f.orderID), nil)
	if resp.StatusCode != http.StatusSeeOther || audited(t, f.store.ID, admin.ActionResendReceipt) != 1 {
		t.Fatalf("resend: %d", resp.StatusCode)
	}
	if err := testDB.Primary.NewRaw(`SELECT sent_at IS NOT NULL FROM receipts_outbox WHERE order_id = ?`, f.orderID).Scan(ctx, &sent); err != nil || sent {
		t.Fatalf("receipt not queued again: %v", err)
	}
	if n, err := f.e.Receipts.Drain(ctx); err != nil || n != 1 {
		t.Fatalf("drain after resend: %d %v", n, err)
	}

	resp, body = post(t, f.staff, "/admin/reconcile", url.Values{"session": {"not-a-session"}})
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "not a Checkout Session id") {
		t.Fatalf("bad session id: %d", resp.StatusCode)
	}
	resp, _ = post(t, f.staff, "/admin/reconcile", url.Values{"session": {f.session}, "reason": {"buyer says no email"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("reconcile: %d", resp.StatusCode)
	}
	if len(f.e.Stripe.Find("GET", "/v1/checkout/sessions/"+f.session)) != 1 {
		t.Error("the session was not read back from Stripe")
	}
	var result string
	if err := testDB.Primary.NewRaw(`SELECT outcome FROM staff_actions WHERE tenant_id = ? AND action = ?`, f.store.ID, admin.ActionReconcileSession).
		Scan(ctx, &result); err != nil || result == "" {
		t.Fatalf("reconcile audit row: %q %v", result, err)
	}
	_, page := f.staff.Get(t, "", resp.Header.Get("Location"))
	if !strings.Contains(page, "Reconciler run for "+f.session+": "+result) {
		t.Errorf("the console does not say what the run came to (%s)", result)
	}
	if c := f.e.Count(t, "orders WHERE stripe_checkout_session_id = ?", f.session); c != 1 {
		t.Errorf("%d orders for the session after the run", c)
	}
}

// The pruning sweep keeps 30 days of deliveries.
func TestDeliveriesOlderThan30DaysArePruned(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	old := apptest.Unique("evt_old_")
	if _, err := testDB.Primary.NewRaw(`INSERT INTO webhook_deliveries (endpoint, event_id, event_type, outcome, received_at)
		VALUES ('platform', ?, 'charge.refunded', 'applied', now() - interval '31 days')`, old).Exec(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := f.e.App.Deliveries.Prune(ctx); err != nil {
		t.Fatal(err)
	}
	if n := f.e.Count(t, "webhook_deliveries WHERE event_id = ?", old); n != 0 {
		t.Error("an old delivery survived the sweep")
	}
	if n := f.e.Count(t, "webhook_deliveries WHERE session_id = ?", f.session); n == 0 {
		t.Error("the sweep deleted a fresh delivery")
	}
}
