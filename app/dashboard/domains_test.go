package dashboard_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/claro-market/claro/tenants"
	"github.com/claro-market/claro/testkit/apptest"
)

func addDomain(t *testing.T, f *fixture, b *apptest.Browser, slug, domain string) (*http.Response, string) {
	t.Helper()
	token := b.CSRF(t, "", "/dashboard/s/"+slug+"/domain")
	return b.PostForm(t, "", "/dashboard/s/"+slug+"/domain", url.Values{"_csrf": {token}, "domain": {domain}})
}

func TestCreatorAddsADomainAndSeesTheRecordsToPublish(t *testing.T) {
	f := newFixture(t)
	host := "shop." + apptest.Unique("add-domain") + ".example"
	resp, body := addDomain(t, f, f.owner, f.a.Slug, "  Shop."+strings.TrimPrefix(host, "shop.")+". ")
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("add: %d\n%s", resp.StatusCode, body)
	}
	d, err := tenants.NewDomainStore(testDB.Primary, apptest.Root).ForTenant(context.Background(), f.a.ID)
	if err != nil || d.Hostname != host {
		t.Fatalf("stored domain %+v, %v", d, err)
	}
	_, body = f.owner.Get(t, "", resp.Header.Get("Location"))
	for _, want := range []string{"Added " + host + ".", "_claro." + host, d.VerificationToken, "CNAME", "<code class=\"copyable\">" + apptest.Root + "</code>",
		`data-copy="` + d.VerificationToken + `"`, `data-copy="_claro.` + host + `"`, `data-copy="` + apptest.Root + `"`,
		"Waiting for your DNS records", "Not checked yet", "72 hours after you added it", "up to an hour",
		"Next check around " + d.NextCheckAt.UTC().Format("15:04 UTC"),
		"keep checking until " + d.CreatedAt.Add(tenants.PendingTTL).UTC().Format("2 Jan 2006 15:04 UTC")} {
		if !strings.Contains(body, want) {
			t.Errorf("domain page lacks %q", want)
		}
	}
	// The flash says once what happened; the status says what to do.
	if n := strings.Count(body, "Publish the records below"); n != 1 {
		t.Errorf("the instructions are on the page %d times, want once", n)
	}
}

func TestRefusedDomainsSayWhy(t *testing.T) {
	f := newFixture(t)
	taken := "shop." + apptest.Unique("taken") + ".example"
	if resp, body := addDomain(t, f, f.other, f.b.Slug, taken); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("store B's domain: %d\n%s", resp.StatusCode, body)
	}
	// Store B proved it in DNS: now it holds the name.
	if _, err := testDB.Primary.ExecContext(context.Background(), `UPDATE domains SET status = 'verified', verified_at = now() WHERE tenant_id = ?`, f.b.ID); err != nil {
		t.Fatal(err)
	}
	cases := map[string]string{
		"10.0.0.1":                 "An IP address cannot be a store domain",
		"[2001:db8::1]":            "An IP address cannot be a store domain",
		apptest.Root:               "belongs to the platform",
		"anything." + apptest.Root: "belongs to the platform",
		"not a domain!":            "not a valid domain name",
		"co.uk":                    "not a valid domain name",
		taken:                      "already used by another store",
	}
	for input, want := range cases {
		before := snapshot(t)
		resp, body := addDomain(t, f, f.owner, f.a.Slug, input)
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, want) {
			t.Errorf("%q: %d, want 422 saying %q", input, resp.StatusCode, want)
		}
		if !strings.Contains(body, `value="`+strings.ReplaceAll(input, "!", "!")) && !strings.Contains(body, "[2001") {
			t.Errorf("%q: the form does not keep what was typed", input)
		}
		if snapshot(t) != before {
			t.Errorf("%q: a refused domain changed rows", input)
		}
	}
	if resp, _ := addDomain(t, f, f.owner, f.a.Slug, "shop."+apptest.Unique("first")+".example"); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("first domain: %d", resp.StatusCode)
	}
	if resp, body := addDomain(t, f, f.owner, f.a.Slug, "shop."+apptest.Unique("second")+".example"); resp.StatusCode != http.StatusUnprocessableEntity ||
		!strings.Contains(body, "remove it first") {
		t.Fatalf("second domain: %d\n%s", resp.StatusCode, body)
	}
}

func TestDomainStatusIsShownInPlainWordsWithTheDNSAnswersSeen(t *testing.T) {
	f := newFixture(t)
	host := "shop." + apptest.Unique("failing") + ".example"
	addDomain(t, f, f.owner, f.a.Slug, host)
	seen := func(status, verified, activated string) string {
		t.Helper()
		if _, err := testDB.Primary.ExecContext(context.Background(), `UPDATE domains SET status = ?, failure_count = 3,
			checked_at = now(), next_check_at = now() + interval '4 minutes', verified_at = `+verified+`, activated_at = `+activated+`,
			last_txt = '{"some-other-token"}', last_cname = 'elsewhere.example', last_addrs = '{"192.0.2.1"}',
			last_error = 'TXT _claro.`+host+` does not hold the token; `+host+` does not point at `+apptest.Root+`' WHERE tenant_id = ?`, status, f.a.ID); err != nil {
			t.Fatal(err)
		}
		_, body := f.owner.Get(t, "", "/dashboard/s/"+f.a.Slug+"/domain")
		for _, want := range []string{"What we found wrong: TXT _claro." + host + " does not hold the token",
			"<code>some-other-token</code>", "<code>CNAME elsewhere.example; addresses 192.0.2.1</code>", "✗ not right yet", "Next check around "} {
			if !strings.Contains(body, want) {
				t.Errorf("%s: domain page lacks %q", status, want)
			}
		}
		return body
	}

	// A claim never verified was never served: after failed checks it is
	// still waiting for DNS, within the hour DNS may take, and nothing
	// goes live "again".
	body := seen("failed", "NULL", "NULL")
	if !strings.Contains(body, `data-state="waiting"`) || !strings.Contains(body, "Waiting for your DNS records") ||
		strings.Contains(body, "Not working") || strings.Contains(body, "again") {
		t.Errorf("a never-verified domain is not shown as waiting:\n%s", body)
	}
	body = seen("pending", "NULL", "NULL")
	if !strings.Contains(body, `data-state="waiting"`) || strings.Contains(body, "Not working") {
		t.Errorf("a pending domain is not shown as waiting")
	}
	// Verified once, never live: broken, but nothing comes back "again".
	body = seen("failed", "now()", "NULL")
	if !strings.Contains(body, `data-state="broken"`) || !strings.Contains(body, "Not working: the records changed") ||
		!strings.Contains(body, "3 checks in a row") || strings.Contains(body, "again") {
		t.Errorf("a verified, never-live domain that failed:\n%s", body)
	}
	// Live once, then failed: no longer served, and served again once right.
	body = seen("failed", "now()", "now()")
	if !strings.Contains(body, `data-state="broken"`) || !strings.Contains(body, "Not working: "+host+" is not served") ||
		!strings.Contains(body, "serve the domain again") {
		t.Errorf("a live domain that failed:\n%s", body)
	}
	body = seen("verified", "now()", "NULL")
	if !strings.Contains(body, `data-state="checking"`) || !strings.Contains(body, "getting a certificate") {
		t.Errorf("a verified domain:\n%s", body)
	}
}

// Removing a domain asks first: the page links to a confirmation (no
// JavaScript needed), the confirmation's form posts with the CSRF token,
// and only that post removes it.
func TestRemovingADomainAsksFirst(t *testing.T) {
	f := newFixture(t)
	host := "shop." + apptest.Unique("remove") + ".example"
	addDomain(t, f, f.owner, f.a.Slug, host)
	base := "/dashboard/s/" + f.a.Slug
	_, body := f.owner.Get(t, "", base+"/domain")
	if !strings.Contains(body, `href="`+base+`/domain/delete"`) || strings.Contains(body, `action="`+base+`/domain/delete"`) {
		t.Fatalf("the domain page does not lead to a confirmation:\n%s", body)
	}
	resp, body := f.owner.Get(t, "", base+"/domain/delete")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "Remove "+host+"?") || !strings.Contains(body, "is not served yet") ||
		!strings.Contains(body, `action="`+base+`/domain/delete"`) || !strings.Contains(body, `name="_csrf"`) ||
		!strings.Contains(body, `href="`+base+`/domain">Keep the domain`) {
		t.Fatalf("confirmation: %d\n%s", resp.StatusCode, body)
	}
	before := snapshot(t)
	// Without the token, or from another store's owner, nothing goes.
	if resp, _ := f.owner.PostForm(t, "", base+"/domain/delete", url.Values{}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("remove without CSRF: %d", resp.StatusCode)
	}
	if resp, _ := f.other.PostForm(t, "", base+"/domain/delete", url.Values{"_csrf": {f.other.CSRF(t, "", "/dashboard")}}); resp.StatusCode != http.StatusNotFound {
		t.Errorf("another store's owner: %d", resp.StatusCode)
	}
	if resp, _ := f.other.Get(t, "", base+"/domain/delete"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("another store's owner sees the confirmation: %d", resp.StatusCode)
	}
	if snapshot(t) != before {
		t.Fatal("a refused removal changed rows")
	}
	token := f.owner.CSRF(t, "", base+"/domain/delete")
	resp, _ = f.owner.PostForm(t, "", base+"/domain/delete", url.Values{"_csrf": {token}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("remove: %d", resp.StatusCode)
	}
	if _, err := tenants.NewDomainStore(testDB.Primary, apptest.Root).ForTenant(context.Background(), f.a.ID); err == nil {
		t.Fatal("the domain is still there")
	}
	_, body = f.owner.Get(t, "", resp.Header.Get("Location"))
	if !strings.Contains(body, "Domain removed. Your store is served at ") || strings.Contains(body, "again") {
		t.Errorf("after removal:\n%s", body)
	}
	// Nothing left to confirm: the 404 page.
	if resp, _ := f.owner.Get(t, "", base+"/domain/delete"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("confirmation without a domain: %d", resp.StatusCode)
	}
}

func TestActiveDomainBecomesCanonicalAndTheSubdomainRedirects(t *testing.T) {
	f := newFixture(t)
	host := apptest.Unique("active") + ".example" // an apex: www is served with it
	addDomain(t, f, f.owner, f.a.Slug, host)
	ctx := context.Background()
	if _, err := testDB.Primary.ExecContext(ctx, `UPDATE domains SET status = 'active' WHERE tenant_id = ?`, f.a.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := testDB.Primary.ExecContext(ctx, `UPDATE tenants SET custom_domain = ? WHERE id = ?`, host, f.a.ID); err != nil {
		t.Fatal(err)
	}
	f.e.App.Resolver.Invalidate(f.a.ID)

	resp, _ := f.e.Get(t, apptest.StoreHost(f.a.Slug), "/products/a-product?ref=x")
	if resp.StatusCode != http.StatusMovedPermanently || resp.Header.Get("Location") != "http://"+host+"/products/a-product?ref=x" {
		t.Fatalf("subdomain: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	resp, _ = f.e.Get(t, "www."+host, "/")
	if resp.StatusCode != http.StatusMovedPermanently || resp.Header.Get("Location") != "http://"+host+"/" {
		t.Fatalf("www partner: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	resp, body := f.e.Get(t, host, "/products/a-product")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `<link rel="canonical" href="http://`+host+`/products/a-product">`) {
		t.Fatalf("custom domain: %d, canonical missing\n%s", resp.StatusCode, body)
	}
	_, body = f.owner.Get(t, "", "/dashboard/s/"+f.a.Slug+"/domain")
	if !strings.Contains(body, "Live on https://"+host) || !strings.Contains(body, `href="http://`+host+`/"`) {
		t.Fatalf("dashboard does not show the domain as live and the store's address on it")
	}

	// Removing it serves the store on its subdomain again, at once.
	token := f.owner.CSRF(t, "", "/dashboard/s/"+f.a.Slug+"/domain")
	resp, _ = f.owner.PostForm(t, "", "/dashboard/s/"+f.a.Slug+"/domain/delete", url.Values{"_csrf": {token}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("remove: %d", resp.StatusCode)
	}
	if resp, _ := f.e.Get(t, apptest.StoreHost(f.a.Slug), "/"); resp.StatusCode != http.StatusOK {
		t.Fatalf("subdomain after removal: %d", resp.StatusCode)
	}
	if resp, _ := f.e.Get(t, host, "/"); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("removed domain still served: %d", resp.StatusCode)
	}
}

// A store that adds another's domain and never verifies it holds nothing:
// the real owner adds it too, and a claim left unverified for 72 hours is
// shown as expired.
func TestAPendingDomainOfAnotherStoreDoesNotBlockAddingIt(t *testing.T) {
	f := newFixture(t)
	host := "shop." + apptest.Unique("squatted") + ".example"
	if resp, body := addDomain(t, f, f.other, f.b.Slug, host); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("store B's claim: %d\n%s", resp.StatusCode, body)
	}
	resp, body := addDomain(t, f, f.owner, f.a.Slug, host)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("the owner adding a domain another store only claims: %d\n%s", resp.StatusCode, body)
	}
	ctx := context.Background()
	if _, err := testDB.Primary.ExecContext(ctx, `UPDATE domains SET created_at = now() - interval '73 hours' WHERE tenant_id = ?`, f.b.ID); err != nil {
		t.Fatal(err)
	}
	_, body = f.other.Get(t, "", "/dashboard/s/"+f.b.Slug+"/domain")
	if !strings.Contains(body, "Expired: the records were not found within 72 hours") {
		t.Fatalf("an expired claim is not shown as expired\n%s", body)
	}
}
