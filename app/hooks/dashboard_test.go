package hooks_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/claro-market/claro/app/hooks"
	"github.com/claro-market/claro/tenants"
	"github.com/claro-market/claro/testkit/apptest"
	"github.com/claro-market/claro/testkit/moneytest"
)

// member signs up a browser and makes it a member of store with role.
func member(t *testing.T, e *moneytest.Env, store *tenants.Tenant, role string) *apptest.Browser {
	t.Helper()
	b := e.NewBrowser()
	email := apptest.Email("hookowner")
	b.SignUp(t, email, "a long enough password", "Owner")
	if _, err := e.DB.Primary.NewRaw(`INSERT INTO tenant_members (tenant_id, user_id, role) SELECT ?, id, ? FROM users WHERE email = ?`,
		store.ID, role, email).Exec(context.Background()); err != nil {
		t.Fatal(err)
	}
	return b
}

func post(t *testing.T, b *apptest.Browser, path string, form url.Values) (*http.Response, string) {
	t.Helper()
	if form == nil {
		form = url.Values{}
	}
	return moneytest.SendToken(t, b, http.MethodPost, apptest.Root, path, form, false, b.CSRF(t, apptest.Root, "/dashboard"))
}

// The owner adds an endpoint, sees its secret, sends a test event, reads
// the delivery's log and redelivers it; bad input is refused with a reason
// and saves nothing.
func TestTheOwnerManagesEndpointsFromTheDashboard(t *testing.T) {
	s := newShop(t)
	owner := member(t, s.e, s.store, tenants.RoleOwner)
	base := "/dashboard/s/" + s.store.Slug + "/webhooks"
	count := func() int { return s.e.Count(t, `hook_endpoints WHERE tenant_id = ?`, s.store.ID) }

	for _, bad := range []struct {
		form url.Values
		want string
	}{
		{url.Values{"url": {""}, "events": {"sale"}}, "Enter the URL"},
		{url.Values{"url": {"not a url"}, "events": {"sale"}}, "Enter a full URL"},
		{url.Values{"url": {"ftp://example.com/x"}, "events": {"sale"}}, "must start with https://"},
		{url.Values{"url": {"https://example.com/x"}}, "at least one event"},
		{url.Values{"url": {"https://example.com/x"}, "events": {"sale", "everything"}}, "Choose events from the list"},
		{url.Values{"url": {"https://" + strings.Repeat("a", 2100) + ".com/"}, "events": {"sale"}}, "too long"},
	} {
		resp, body := post(t, owner, base, bad.form)
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, bad.want) {
			t.Fatalf("%v: %d, want 422 saying %q", bad.form, resp.StatusCode, bad.want)
		}
		if strings.Contains(body, `role="alert"`) == false {
			t.Fatalf("%v: the refusal is not shown as an alert", bad.form)
		}
	}
	if resp, _ := post(t, owner, base, url.Values{"url": {"https://exa\x00mple.com/"}, "events": {"sale"}}); resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("a NUL byte: %d, want 400", resp.StatusCode)
	}
	if n := count(); n != 0 {
		t.Fatalf("refused forms saved %d endpoints", n)
	}

	r := newReceiver(t)
	resp, _ := post(t, owner, base, url.Values{"url": {r.URL()}, "events": {"sale", "refund"}})
	if resp.StatusCode != http.StatusSeeOther || !strings.HasSuffix(resp.Header.Get("Location"), "/webhooks?notice=added") {
		t.Fatalf("add: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	var id int64
	if err := s.e.DB.Primary.NewRaw(`SELECT id FROM hook_endpoints WHERE tenant_id = ?`, s.store.ID).Scan(context.Background(), &id); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_, _ = s.e.DB.Primary.NewRaw(`UPDATE hook_deliveries SET status = 'failed' WHERE tenant_id = ? AND status = 'pending'`, s.store.ID).
			Exec(context.Background())
	})
	secret := s.e.App.Hooks.Secret(id, 1)
	r.trust(secret)
	_, page := owner.Get(t, "", base+"?notice=added")
	if !strings.Contains(page, r.URL()) || !strings.Contains(page, secret) || !strings.Contains(page, "Copy its signing secret") {
		t.Fatalf("the page does not show the endpoint, its secret and the notice:\n%s", page)
	}

	if resp, _ := post(t, owner, base+"/"+strconv.FormatInt(id, 10)+"/test", nil); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("test event: %d", resp.StatusCode)
	}
	w := s.e.App.Hooks.Worker(fastOptions(), nil)
	if _, err := w.Drain(context.Background()); err != nil {
		t.Fatal(err)
	}
	var delivery int64
	if err := s.e.DB.Primary.NewRaw(`SELECT id FROM hook_deliveries WHERE tenant_id = ?`, s.store.ID).Scan(context.Background(), &delivery); err != nil {
		t.Fatal(err)
	}
	_, page = owner.Get(t, "", base)
	if !strings.Contains(page, `data-delivery-id="`+strconv.FormatInt(delivery, 10)+`"`) || !strings.Contains(page, "delivered") || !strings.Contains(page, "200 in") {
		t.Fatalf("the log does not show the delivered test event:\n%s", page)
	}
	dpath := base + "/deliveries/" + strconv.FormatInt(delivery, 10)
	_, detail := owner.Get(t, "", dpath)
	if !strings.Contains(detail, "A test event from the Claro dashboard.") || !strings.Contains(detail, "t=") ||
		!strings.Contains(detail, "{&#34;received&#34;:true}") {
		t.Fatalf("the delivery's page lacks its request, signature or response:\n%s", detail)
	}
	if resp, _ := post(t, owner, dpath+"/redeliver", nil); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("redeliver: %d", resp.StatusCode)
	}
	if _, err := w.Drain(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := s.e.Count(t, `hook_attempts WHERE delivery_id = ? AND status_code = 200`, delivery); n != 2 {
		t.Fatalf("%d successful attempts after a redelivery, want 2", n)
	}
	if _, bad, seen, _ := r.snapshot(); len(bad) != 0 || len(seen) != 1 {
		t.Fatalf("the receiver: refused %v, events %v", bad, seen)
	}

	// Rotate, disable, enable, delete.
	ep := base + "/" + strconv.FormatInt(id, 10)
	post(t, owner, ep+"/rotate", nil)
	_, page = owner.Get(t, "", base)
	if !strings.Contains(page, s.e.App.Hooks.Secret(id, 2)) || !strings.Contains(page, secret) {
		t.Fatal("after a rotation the page does not show the new secret and the old one")
	}
	post(t, owner, ep+"/disable", nil)
	if resp, body := post(t, owner, ep+"/test", nil); resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "disabled") {
		t.Fatalf("a test event to a disabled endpoint: %d", resp.StatusCode)
	}
	post(t, owner, ep+"/enable", nil)
	if n := s.e.Count(t, `hook_endpoints WHERE id = ? AND disabled_at IS NULL AND generation = 2`, id); n != 1 {
		t.Fatal("rotate, disable and enable did not leave the endpoint enabled on generation 2")
	}
	post(t, owner, ep+"/delete", nil)
	if n := count(); n != 0 {
		t.Fatal("delete left the endpoint")
	}
}

// Another store's owner gets the 404 page, the same bytes as an unknown
// id's, for every webhook route with this store's ids, through their own
// store's address and through this one's, and changes nothing; a member
// who is not the owner sees no secret and may change nothing.
func TestAnotherStoreGets404ForEveryWebhookRoute(t *testing.T) {
	s := newShop(t)
	ep := addEndpoint(t, s.e, s.store, "http://127.0.0.1:9/mine", "sale")
	inTenant(t, s.e, s.store, func(ctx context.Context, c *hooks.Creator) error { return c.SendTest(ctx, s.store.ID, ep.ID) })
	var delivery int64
	if err := s.e.DB.Primary.NewRaw(`SELECT id FROM hook_deliveries WHERE tenant_id = ?`, s.store.ID).Scan(context.Background(), &delivery); err != nil {
		t.Fatal(err)
	}
	other := s.e.Store(t, apptest.Unique("otherhooks"))
	theirs := member(t, s.e, other, tenants.RoleOwner)
	eid, did := strconv.FormatInt(ep.ID, 10), strconv.FormatInt(delivery, 10)
	state := func() string {
		var st string
		if err := s.e.DB.Primary.NewRaw(`SELECT e.generation || ':' || (e.disabled_at IS NULL) || ':' || d.status || ':' || d.attempts || ':' ||
			(SELECT count(*) FROM hook_deliveries WHERE endpoint_id = e.id) FROM hook_endpoints e JOIN hook_deliveries d ON d.endpoint_id = e.id
			WHERE e.id = ? AND d.id = ?`, ep.ID, delivery).Scan(context.Background(), &st); err != nil {
			t.Fatal(err)
		}
		return st
	}
	before := state()
	for _, slug := range []string{other.Slug, s.store.Slug} {
		base := "/dashboard/s/" + slug + "/webhooks"
		_, unknownGet := theirs.Get(t, "", "/dashboard/s/"+other.Slug+"/webhooks/deliveries/999999999")
		resp, body := theirs.Get(t, "", base+"/deliveries/"+did)
		if resp.StatusCode != http.StatusNotFound || body != unknownGet {
			t.Fatalf("GET %s/deliveries/%s: %d, not the unknown id's 404", base, did, resp.StatusCode)
		}
		_, unknownPost := post(t, theirs, "/dashboard/s/"+other.Slug+"/webhooks/999999999/rotate", nil)
		for _, path := range []string{"/" + eid + "/rotate", "/" + eid + "/disable", "/" + eid + "/enable", "/" + eid + "/delete",
			"/" + eid + "/test", "/deliveries/" + did + "/redeliver"} {
			resp, body := post(t, theirs, base+path, nil)
			if resp.StatusCode != http.StatusNotFound || body != unknownPost {
				t.Fatalf("POST %s%s by another store's owner: %d, not the unknown id's 404", base, path, resp.StatusCode)
			}
		}
		if _, page := theirs.Get(t, "", "/dashboard/s/"+other.Slug+"/webhooks"); strings.Contains(page, "127.0.0.1:9/mine") {
			t.Fatal("another store's page lists this store's endpoint")
		}
	}
	if after := state(); after != before {
		t.Fatalf("another store's owner changed %s into %s", before, after)
	}

	// A member who is not the owner.
	staff := member(t, s.e, s.store, tenants.RoleAdmin)
	base := "/dashboard/s/" + s.store.Slug + "/webhooks"
	resp, page := staff.Get(t, "", base)
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, "127.0.0.1:9/mine") || strings.Contains(page, ep.Secret) {
		t.Fatalf("a member's page: %d, shows the secret: %v", resp.StatusCode, strings.Contains(page, ep.Secret))
	}
	if resp, _ := post(t, staff, base+"/"+eid+"/rotate", nil); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("a member rotating: %d, want 403", resp.StatusCode)
	}
	if after := state(); after != before {
		t.Fatalf("a member changed %s into %s", before, after)
	}
}
