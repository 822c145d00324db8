package dashboard_test

import (
	"bytes"
	"context"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/claro-market/claro/app/catalog"
	"github.com/claro-market/claro/tenants"
	"github.com/claro-market/claro/testkit/apptest"
)

const pw = "a long enough password"

// fixture is two stores with their owners, a product, a file and a paid
// order in store A, an admin of store A and an open invitation to it, and a
// signed-in buyer who owns no store.
type fixture struct {
	e                *apptest.Env
	a, b             *tenants.Tenant
	owner, other, by *apptest.Browser
	product          *catalog.Product
	fileID, orderID  int64
	adminID          int64 // a member (admin) of store A
	invitationID     int64 // an open invitation to store A
	endpointID       int64 // a webhook endpoint of store A
	deliveryID       int64 // a webhook delivery of store A (a test event)
	codeID           int64 // a discount code of store A
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	e := apptest.New(t, testDB)
	f := &fixture{e: e, owner: e.NewBrowser(), other: e.NewBrowser(), by: e.NewBrowser()}
	ua, ub := apptest.Unique("ownera"), apptest.Unique("ownerb")
	f.owner.SignUp(t, ua+"@example.com", pw, "Owner A")
	f.other.SignUp(t, ub+"@example.com", pw, "Owner B")
	f.by.SignUp(t, apptest.Unique("buyer")+"@example.com", pw, "Buyer")
	f.a = f.createStore(t, f.owner, apptest.Unique("store-a"))
	f.b = f.createStore(t, f.other, apptest.Unique("store-b"))
	f.product = e.Product(t, f.a, "a-product", catalog.Public)
	if err := testDB.Primary.NewRaw(`INSERT INTO product_files (tenant_id, product_id, name, blob_key, size_bytes, content_type)
		VALUES (?, ?, 'a.zip', 'files/x/a.zip', 10, 'application/zip') RETURNING id`, f.a.ID, f.product.ID).Scan(context.Background(), &f.fileID); err != nil {
		t.Fatal(err)
	}
	adminEmail := apptest.Email("admina")
	e.NewBrowser().SignUp(t, adminEmail, pw, "Admin A")
	if err := testDB.Primary.NewRaw(`INSERT INTO tenant_members (tenant_id, user_id, role) SELECT ?, id, 'admin' FROM users WHERE email = ?
		RETURNING user_id`, f.a.ID, adminEmail).Scan(context.Background(), &f.adminID); err != nil {
		t.Fatal(err)
	}
	f.invitationID = f.invite(t, f.a, apptest.Email("invitee-a"), "admin")
	if err := testDB.Primary.NewRaw(`INSERT INTO discount_codes (tenant_id, code, kind, value) VALUES (?, 'ACODE', 'percent', 10) RETURNING id`,
		f.a.ID).Scan(context.Background(), &f.codeID); err != nil {
		t.Fatal(err)
	}
	session, pi := apptest.Unique("cs_iso_"), apptest.Unique("pi_iso_")
	if err := testDB.Primary.NewRaw(`WITH ck AS (
			INSERT INTO checkouts (tenant_id, stripe_checkout_session_id, amount_total_cents, application_fee_cents, currency, status)
			VALUES (?, ?, 1500, 150, 'usd', 'completed') RETURNING id)
		INSERT INTO orders (tenant_id, checkout_id, email, stripe_checkout_session_id, stripe_payment_intent_id,
			amount_total_cents, application_fee_cents, currency, status, paid_at)
		SELECT ?, ck.id, 'buyer@example.com', ?, ?, 1500, 150, 'usd', 'paid', now() FROM ck RETURNING id`,
		f.a.ID, session, f.a.ID, session, pi).Scan(context.Background(), &f.orderID); err != nil {
		t.Fatal(err)
	}
	// A webhook endpoint at an address nothing listens on (no worker runs
	// here), with a queued test event.
	if err := testDB.Primary.NewRaw(`INSERT INTO hook_endpoints (tenant_id, url, events) VALUES (?, 'http://127.0.0.1:9/a', '{sale}') RETURNING id`,
		f.a.ID).Scan(context.Background(), &f.endpointID); err != nil {
		t.Fatal(err)
	}
	var event int64
	if err := testDB.Primary.NewRaw(`SELECT claro_hook_enqueue(?, 'test', '{}'::jsonb, ?)`, f.a.ID, f.endpointID).Scan(context.Background(), &event); err != nil {
		t.Fatal(err)
	}
	if err := testDB.Primary.NewRaw(`SELECT id FROM hook_deliveries WHERE event_id = ?`, event).Scan(context.Background(), &f.deliveryID); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *fixture) createStore(t *testing.T, b *apptest.Browser, slug string) *tenants.Tenant {
	t.Helper()
	token := b.CSRF(t, "", "/dashboard/stores/new")
	resp, body := b.PostForm(t, "", "/dashboard/stores", url.Values{"_csrf": {token}, "slug": {slug}, "name": {"Store " + slug}, "accent": {"#112233"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("create store %s: %d\n%s", slug, resp.StatusCode, body)
	}
	tn, err := tenants.NewStore(testDB.Primary).BySlug(context.Background(), slug)
	if err != nil {
		t.Fatal(err)
	}
	return tn
}

// snapshot fingerprints every tenant-owned row, to prove a refused request
// changed nothing.
func snapshot(t *testing.T) string {
	t.Helper()
	var out []string
	for _, q := range []string{
		`SELECT md5(coalesce(string_agg(t::text, '|' ORDER BY id), '')) FROM tenants t`,
		`SELECT md5(coalesce(string_agg(p::text, '|' ORDER BY id), '')) FROM products p`,
		`SELECT md5(coalesce(string_agg(f::text, '|' ORDER BY id), '')) FROM product_files f`,
		`SELECT md5(coalesce(string_agg(m::text, '|' ORDER BY tenant_id, user_id), '')) FROM tenant_members m`,
		`SELECT md5(coalesce(string_agg(d::text, '|' ORDER BY id), '')) FROM domains d`,
		`SELECT md5(coalesce(string_agg(i::text, '|' ORDER BY id), '')) FROM tenant_invitations i`,
		`SELECT md5(coalesce(string_agg(e::text, '|' ORDER BY id), '')) FROM hook_endpoints e`,
		`SELECT md5(coalesce(string_agg(d::text, '|' ORDER BY id), '')) FROM hook_deliveries d`,
		`SELECT md5(coalesce(string_agg(e::text, '|' ORDER BY id), '')) FROM hook_events e`,
		`SELECT md5(coalesce(string_agg(k::text, '|' ORDER BY id), '')) FROM discount_codes k`,
	} {
		var s string
		if err := testDB.Primary.NewRaw(q).Scan(context.Background(), &s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	return strings.Join(out, ",")
}

// request builds a request for a dashboard route with the fixture's ids; POSTs
// carry the browser's valid CSRF token and a harmless, valid-looking form.
func (f *fixture) request(t *testing.T, b *apptest.Browser, method, path string) *http.Request {
	t.Helper()
	if method == http.MethodGet {
		req := httptest.NewRequest(method, "http://"+apptest.Root+path, nil)
		req.Host = apptest.Root
		return req
	}
	token := ""
	if b != nil {
		token = b.CSRF(t, "", "/")
	}
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	for k, v := range map[string]string{"_csrf": token, "title": "Hijacked", "name": "Hijacked", "price": "1", "visibility": "public",
		"email": "nobody@example.com", "accent": "#000000", "slug": "hijacked"} {
		w.WriteField(k, v)
	}
	for _, field := range []string{"file", "cover"} {
		fw, _ := w.CreateFormFile(field, "x.png")
		fw.Write([]byte("\x89PNG\r\n\x1a\n"))
	}
	w.Close()
	req := httptest.NewRequest(method, "http://"+apptest.Root+path, &body)
	req.Host = apptest.Root
	req.Header.Set("Content-Type", w.FormDataContentType())
	req.Header.Set("Origin", "http://"+apptest.Root)
	return req
}

// storeRoutes lists every dashboard route of one store, from the app's own
// route table, with the fixture's ids filled in.
func (f *fixture) storeRoutes(t *testing.T, storeSlug string) [][2]string {
	var out [][2]string
	for _, r := range f.e.App.Fiber.GetRoutes(true) {
		if !strings.HasPrefix(r.Path, "/dashboard/s/:store") || (r.Method != http.MethodGet && r.Method != http.MethodPost) {
			continue
		}
		p := strings.NewReplacer(":store", storeSlug, "/orders/:id", fmt.Sprintf("/orders/%d", f.orderID),
			":id", fmt.Sprint(f.product.ID), ":file", fmt.Sprint(f.fileID),
			":invitation", fmt.Sprint(f.invitationID), ":user", fmt.Sprint(f.adminID),
			":endpoint", fmt.Sprint(f.endpointID), ":delivery", fmt.Sprint(f.deliveryID), ":code", fmt.Sprint(f.codeID)).Replace(r.Path)
		out = append(out, [2]string{r.Method, p})
	}
	if len(out) < 12 {
		t.Fatalf("only %d store routes found: %v", len(out), out)
	}
	return out
}

// namesAnIDOfA reports whether a route's path carries an id of store A's:
// its product, its invitation or its admin.
func (f *fixture) namesAnIDOfA(path string) bool {
	return strings.Contains(path, fmt.Sprintf("/products/%d/", f.product.ID)) ||
		strings.Contains(path, fmt.Sprintf("/orders/%d/", f.orderID)) ||
		strings.Contains(path, fmt.Sprintf("/invitations/%d/", f.invitationID)) ||
		strings.Contains(path, fmt.Sprintf("/members/%d/", f.adminID)) ||
		strings.Contains(path, fmt.Sprintf("/webhooks/%d/", f.endpointID)) ||
		strings.HasSuffix(path, fmt.Sprintf("/webhooks/deliveries/%d", f.deliveryID)) ||
		strings.Contains(path, fmt.Sprintf("/webhooks/deliveries/%d/", f.deliveryID)) ||
		strings.Contains(path, fmt.Sprintf("/discounts/%d/", f.codeID))
}

func TestEveryDashboardRouteIsA404ForAnotherStore(t *testing.T) {
	f := newFixture(t)
	notFound := string(f.e.App.Errors.NotFoundBody())
	routes := append(f.storeRoutes(t, f.a.Slug), f.storeRoutes(t, f.b.Slug)...) // B's own store with A's product ids
	for _, who := range []struct {
		name string
		b    *apptest.Browser
	}{{"creator of another store", f.other}, {"buyer without a store", f.by}} {
		for _, rt := range routes {
			if strings.Contains(rt[1], "/s/"+f.b.Slug+"/") && who.b == f.by {
				continue
			}
			if strings.Contains(rt[1], "/s/"+f.b.Slug+"/") && !f.namesAnIDOfA(rt[1]) || rt[1] == "/dashboard/s/"+f.b.Slug {
				continue // B's own store pages without A's ids are B's to see
			}
			before := snapshot(t)
			resp, body := who.b.Do(t, f.request(t, who.b, rt[0], rt[1]))
			if resp.StatusCode != http.StatusNotFound || body != notFound {
				t.Errorf("%s: %s %s → %d, want the 404 page", who.name, rt[0], rt[1], resp.StatusCode)
			}
			if after := snapshot(t); after != before {
				t.Errorf("%s: %s %s changed rows", who.name, rt[0], rt[1])
			}
		}
	}
}

func TestSignedOutVisitorsAreSentToSignIn(t *testing.T) {
	f := newFixture(t)
	visitor := f.e.NewBrowser()
	for _, rt := range append(f.storeRoutes(t, f.a.Slug), [2]string{"GET", "/dashboard"}, [2]string{"GET", "/dashboard/stores/new"}) {
		before := snapshot(t)
		req := f.request(t, visitor, rt[0], rt[1])
		resp, _ := visitor.Do(t, req)
		if rt[0] == http.MethodGet {
			if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/login?next=") {
				t.Errorf("%s %s → %d %q, want 303 to /login", rt[0], rt[1], resp.StatusCode, resp.Header.Get("Location"))
			}
		} else if resp.StatusCode != http.StatusSeeOther && resp.StatusCode != http.StatusForbidden {
			t.Errorf("%s %s → %d, want a redirect to sign in or 403", rt[0], rt[1], resp.StatusCode)
		}
		if after := snapshot(t); after != before {
			t.Errorf("%s %s changed rows for a signed-out visitor", rt[0], rt[1])
		}
	}
}

func TestTheOwnerReachesEveryRoute(t *testing.T) {
	f := newFixture(t)
	// A domain to confirm removing (without one, that page is the 404 page).
	if resp, body := addDomain(t, f, f.owner, f.a.Slug, "shop."+apptest.Unique("reach")+".example"); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("add domain: %d\n%s", resp.StatusCode, body)
	}
	for _, rt := range f.storeRoutes(t, f.a.Slug) {
		if rt[0] != http.MethodGet {
			continue
		}
		if resp, _ := f.owner.Do(t, f.request(t, f.owner, rt[0], rt[1])); resp.StatusCode != http.StatusOK {
			t.Errorf("owner: %s %s → %d", rt[0], rt[1], resp.StatusCode)
		}
	}
}
