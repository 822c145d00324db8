package app_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/claro-market/claro/app/catalog"
	"github.com/claro-market/claro/app/config"
	"github.com/claro-market/claro/tenants"
	"github.com/claro-market/claro/testkit/apptest"
)

// TestEveryPageKindCarriesTheSecurityHeaders fetches one page of every kind
// through the real app, in development and production mode: each carries
// the CSP (no inline scripts, no framing), nosniff and the referrer policy,
// and HSTS exactly in production. A cached page carries them on its replay.
func TestEveryPageKindCarriesTheSecurityHeaders(t *testing.T) {
	for _, mode := range []string{config.EnvTest, config.EnvProduction} {
		t.Run(mode, func(t *testing.T) {
			e := apptest.New(t, testDB, func(c *config.Config) { c.Env = mode; c.PageCache = true })
			store := e.Store(t, apptest.Unique("hdr"))
			p := e.Product(t, store, "brushes", catalog.Public)
			host := apptest.StoreHost(store.Slug)
			anon := e.NewBrowser()
			prod := mode == config.EnvProduction

			type page struct {
				name, host, path string
				b                *apptest.Browser
				status           int
			}
			pages := []page{
				{"marketplace home", apptest.Root, "/", anon, 200},
				{"marketplace home, cached", apptest.Root, "/", anon, 200},
				{"search", apptest.Root, "/search?q=brushes", anon, 200},
				{"search, cached", apptest.Root, "/search?q=brushes", anon, 200},
				{"storefront", host, "/", anon, 200},
				{"storefront, cached", host, "/", anon, 200},
				{"product", host, "/products/" + p.Slug, anon, 200},
				{"cart", host, "/cart", anon, 200},
				{"login", apptest.Root, "/login", anon, 200},
				{"signup", apptest.Root, "/signup", anon, 200},
				{"404 on a store", host, "/no-such-page", anon, 404},
				{"404 for an unknown host", apptest.StoreHost(apptest.Unique("nobody")), "/", anon, 404},
			}
			if !prod { // production's session cookie is Secure: this plain-HTTP client cannot sign in there
				user := e.NewBrowser()
				user.SignUp(t, apptest.Email("hdr"), "correct horse battery", "Headers")
				pages = append(pages, page{"dashboard", apptest.Root, "/dashboard", user, 0},
					page{"library", apptest.Root, "/library", user, 200})
			}
			for _, pg := range pages {
				resp, _ := pg.b.Get(t, pg.host, pg.path)
				if pg.status != 0 && resp.StatusCode != pg.status {
					t.Errorf("%s: status %d, want %d", pg.name, resp.StatusCode, pg.status)
				}
				checkSecurityHeaders(t, pg.name, resp, prod)
			}
			if e.App.Pages.Hits.Load() < 3 {
				t.Errorf("the page cache served %d hits, want the three repeated pages from it", e.App.Pages.Hits.Load())
			}

			// The error page: a form another site posted is refused.
			req := httptest.NewRequest(http.MethodPost, "http://"+host+"/cart/items", strings.NewReader(url.Values{"product_id": {"1"}}.Encode()))
			req.Host = host
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Sec-Fetch-Site", "cross-site")
			resp, body := anon.Do(t, req)
			if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "<html") {
				t.Errorf("cross-site cart post: status %d, want the 403 error page", resp.StatusCode)
			}
			checkSecurityHeaders(t, "error page", resp, prod)
		})
	}
}

func checkSecurityHeaders(t *testing.T, name string, resp *http.Response, production bool) {
	t.Helper()
	csp := resp.Header.Get("Content-Security-Policy")
	scheme := "http"
	if production {
		scheme = "https"
	}
	for _, want := range []string{"default-src 'self'", "script-src 'self';", "object-src 'none'", "base-uri 'none'",
		"frame-ancestors 'none'", "form-action 'self' " + scheme + "://" + apptest.Root + " " + scheme + "://*." + apptest.Root + " https://checkout.stripe.com"} {
		if !strings.Contains(csp, want) {
			t.Errorf("%s: CSP %q lacks %q", name, csp, want)
		}
	}
	if strings.Contains(csp, "unsafe-eval") || strings.Contains(strings.SplitN(strings.SplitN(csp, "script-src", 2)[1], ";", 2)[0], "unsafe-inline") {
		t.Errorf("%s: CSP %q allows inline or eval'd scripts", name, csp)
	}
	if got := resp.Header.Get("X-Content-Type-Options"); got != "nosniff" {
		t.Errorf("%s: X-Content-Type-Options %q", name, got)
	}
	if got := resp.Header.Get("Referrer-Policy"); got != "strict-origin-when-cross-origin" {
		t.Errorf("%s: Referrer-Policy %q", name, got)
	}
	hsts := resp.Header.Get("Strict-Transport-Security")
	if want := tenants.HSTSMaxAge + "; includeSubDomains"; production && hsts != want {
		t.Errorf("%s: Strict-Transport-Security %q in production, want %q", name, hsts, want)
	}
	if !production && hsts != "" {
		t.Errorf("%s: Strict-Transport-Security %q outside production", name, hsts)
	}
}

// A creator's custom domain gets HSTS without includeSubDomains: its other
// subdomains are the creator's, not ours, and may not be on HTTPS.
func TestHSTSOnACustomDomainLeavesItsSubdomainsAlone(t *testing.T) {
	e := apptest.New(t, testDB, func(c *config.Config) { c.Env = config.EnvProduction })
	store := e.Store(t, apptest.Unique("hsts"))
	host := "shop." + apptest.Unique("hsts") + ".example"
	ctx := context.Background()
	d, err := tenants.NewDomainStore(testDB.Primary, apptest.Root).Add(ctx, store.ID, host)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := testDB.Primary.ExecContext(ctx, `UPDATE domains SET status = 'active' WHERE id = ?`, d.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := testDB.Primary.ExecContext(ctx, `UPDATE tenants SET custom_domain = ? WHERE id = ?`, host, store.ID); err != nil {
		t.Fatal(err)
	}
	e.App.Changes.Sync(ctx) //nolint:errcheck // the host cache hears of the domain
	resp, body := e.Get(t, host, "/")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("storefront on its custom domain: %d\n%s", resp.StatusCode, body)
	}
	if got := resp.Header.Get("Strict-Transport-Security"); got != tenants.HSTSMaxAge {
		t.Fatalf("Strict-Transport-Security on a custom domain %q, want %q", got, tenants.HSTSMaxAge)
	}
	// Its platform subdomain (a 301 to the custom domain) is ours.
	if resp, _ := e.Get(t, apptest.StoreHost(store.Slug), "/"); resp.Header.Get("Strict-Transport-Security") != tenants.HSTSMaxAge+"; includeSubDomains" {
		t.Fatalf("the store's subdomain: %d %q", resp.StatusCode, resp.Header.Get("Strict-Transport-Security"))
	}
}
