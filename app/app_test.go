package app_test

import (
	"bytes"
	"fmt"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/claro-market/claro/testkit/dbtest"

	"github.com/claro-market/claro/app/catalog"
	"github.com/claro-market/claro/app/config"
	"github.com/claro-market/claro/tenants"
	"github.com/claro-market/claro/testkit/apptest"
)

var testDB *dbtest.Database

func TestMain(m *testing.M) { os.Exit(dbtest.Main(m, &testDB)) }

func TestNotFoundIsTheSameBytesWhateverTheCause(t *testing.T) {
	e := apptest.New(t, testDB)
	alice := e.Store(t, apptest.Unique("nf-alice"))
	bob := e.Store(t, apptest.Unique("nf-bob"))
	aliceHost, bobHost := apptest.StoreHost(alice.Slug), apptest.StoreHost(bob.Slug)
	e.Product(t, alice, "draft-thing", catalog.Draft)
	e.Product(t, bob, "bobs-thing", catalog.Public)
	deleted := e.Product(t, alice, "deleted-thing", catalog.Public)
	if _, err := testDB.Primary.NewUpdate().Table("products").Set("deleted_at = now()").Where("id = ?", deleted.ID).Exec(t.Context()); err != nil {
		t.Fatal(err)
	}

	want := e.App.Errors.NotFoundBody()
	if !bytes.Contains(want, []byte("couldn't find")) {
		t.Fatalf("404 page looks wrong: %s", want)
	}
	cases := []struct{ name, host, path string }{
		{"unknown host", "evil.example", "/"},
		{"unknown subdomain", "nobody.claro.test", "/"},
		{"nested subdomain", "x." + aliceHost, "/"},
		{"unknown path on the marketplace", "", "/no/such/page"},
		{"unknown path on a store", aliceHost, "/no/such/page"},
		{"unknown product", aliceHost, "/products/nope"},
		{"draft product", aliceHost, "/products/draft-thing"},
		{"deleted product", aliceHost, "/products/deleted-thing"},
		{"another store's product", aliceHost, "/products/bobs-thing"},
		{"storefront route on the marketplace", "", "/products/bobs-thing"},
		{"IP literal host", "127.0.0.1", "/"},
		{"unknown static file", "", "/static/nope.css"},
	}
	for _, c := range cases {
		resp, body := e.Get(t, c.host, c.path)
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("%s: status %d, want 404", c.name, resp.StatusCode)
		}
		if body != string(want) {
			t.Errorf("%s: 404 body differs from the one 404 page", c.name)
		}
	}
	// The real product is there, on its own store.
	if resp, _ := e.Get(t, bobHost, "/products/bobs-thing"); resp.StatusCode != http.StatusOK {
		t.Fatalf("bob's product on bob's store: %d", resp.StatusCode)
	}
}

func TestWWWRedirectsToTheMarketplace(t *testing.T) {
	e := apptest.New(t, testDB)
	resp, _ := e.Get(t, "www.claro.test", "/search?q=fonts")
	if resp.StatusCode != http.StatusMovedPermanently {
		t.Fatalf("status %d, want 301", resp.StatusCode)
	}
	if loc := resp.Header.Get("Location"); loc != "http://claro.test/search?q=fonts" {
		t.Fatalf("Location %q", loc)
	}
}

func TestForwardedHostFromAnUntrustedPeerIsIgnored(t *testing.T) {
	e := apptest.New(t, testDB)
	alice := apptest.StoreHost(e.Store(t, apptest.Unique("fwd-alice"), func(tn *tenants.Tenant) { tn.Name = "Alice Forward" }).Slug)
	bob := apptest.StoreHost(e.Store(t, apptest.Unique("fwd-bob"), func(tn *tenants.Tenant) { tn.Name = "Bob Forward" }).Slug)
	resp, body := e.Get(t, alice, "/", "X-Forwarded-Host", bob, "X-Forwarded-Proto", "https")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "Alice Forward") || strings.Contains(body, "Bob Forward") {
		t.Fatalf("untrusted X-Forwarded-Host changed the store: %d", resp.StatusCode)
	}
	if strings.Contains(body, "https://claro.test") {
		t.Fatal("untrusted X-Forwarded-Proto changed the scheme of links")
	}

	// From a configured proxy (the in-memory test connection's address) it is believed.
	trusted := apptest.New(t, testDB, func(c *config.Config) { c.TrustedProxies = []string{"0.0.0.0"} })
	_, body = trusted.Get(t, alice, "/", "X-Forwarded-Host", bob)
	if !strings.Contains(body, "Bob Forward") {
		t.Fatal("a trusted proxy's X-Forwarded-Host was not used")
	}
}

func TestHealthAndReadiness(t *testing.T) {
	e := apptest.New(t, testDB)
	for _, p := range []string{"/healthz", "/readyz"} {
		if resp, body := e.Get(t, "", p); resp.StatusCode != http.StatusOK {
			t.Errorf("%s: %d %s", p, resp.StatusCode, body)
		}
	}
}

func TestStaticAssetsAreHashedAndImmutable(t *testing.T) {
	e := apptest.New(t, testDB)
	_, page := e.Get(t, "", "/")
	for _, name := range []string{"app.css", "htmx.min.js"} {
		i := strings.Index(page, "/static/"+name+"?v=")
		if i < 0 {
			t.Fatalf("%s is not linked with a hash (is htmx built? run make assets)", name)
		}
		url := page[i : i+strings.IndexByte(page[i:], '"')]
		resp, body := e.Get(t, "", url)
		if resp.StatusCode != http.StatusOK || len(body) < 100 {
			t.Fatalf("%s: %d, %d bytes", url, resp.StatusCode, len(body))
		}
		if cc := resp.Header.Get("Cache-Control"); !strings.Contains(cc, "immutable") {
			t.Fatalf("%s: Cache-Control %q", url, cc)
		}
	}
}

func TestOversizedBodiesAreRefusedBeforeAnythingReadsThem(t *testing.T) {
	e := apptest.New(t, testDB)
	// Announce 9 MiB and send only the first 256 KiB: the answer must come
	// from the header, before the rest of the body is read.
	resp := e.SendPartial(t, fmt.Sprintf("POST /login HTTP/1.1\r\nHost: %s\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: %d\r\n\r\n",
		apptest.Root, 9<<20), bytes.Repeat([]byte("a"), 256<<10))
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Fatalf("9 MiB sign-in form: status %d, want 413", resp.StatusCode)
	}
}

func TestReviewsAreWiredIntoTheProductPage(t *testing.T) {
	e := apptest.New(t, testDB)
	store := e.Store(t, apptest.Unique("wired-reviews"))
	e.Product(t, store, "reviewed", catalog.Public)
	host := apptest.StoreHost(store.Slug)
	if _, page := e.Get(t, host, "/products/reviewed"); !strings.Contains(page, `hx-get="/products/reviewed/reviews"`) {
		t.Fatal("the product page does not load its reviews")
	}
	resp, body := e.Get(t, host, "/products/reviewed/reviews", "HX-Request", "true")
	if resp.StatusCode != http.StatusOK || strings.Contains(body, "<html") {
		t.Fatalf("reviews fragment: %d", resp.StatusCode)
	}
}
