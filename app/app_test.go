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

	// One 404 page per host: the marketplace's, each store's own (with its
	// header and a search of its products), and the self-contained one of
	// hosts no store owns; every cause on a host gets the same bytes.
	market, unknown := string(e.App.Errors.NotFoundBody()), string(e.App.Errors.UnknownHostBody())
	aliceNF, err := e.App.Errors.StoreNotFoundBody(alice, aliceHost)
	if err != nil {
		t.Fatal(err)
	}
	for name, page := range map[string]string{"marketplace": market, "store": string(aliceNF), "unknown host": unknown} {
		if !strings.Contains(page, "couldn't find") || !strings.Contains(page, `role="search"`) || !strings.Contains(page, `action="http://`+apptest.Root+`/search"`) {
			t.Errorf("%s 404 page lacks its search box:\n%s", name, page)
		}
	}
	for _, want := range []string{`class="site-header"`, `href="/">Back to the marketplace</a>`, `href="http://` + apptest.Root + `/carts"`, "/static/app."} {
		if !strings.Contains(market, want) {
			t.Errorf("marketplace 404 lacks %q", want)
		}
	}
	for _, want := range []string{`class="site-header store-header"`, alice.Name, `name="creator" value="` + alice.Slug + `"`, `href="/">Back to ` + alice.Name + `</a>`} {
		if !strings.Contains(string(aliceNF), want) {
			t.Errorf("store 404 lacks %q", want)
		}
	}
	if !strings.Contains(unknown, `href="http://`+apptest.Root+`/">Go to the Claro marketplace</a>`) {
		t.Errorf("unknown-host 404 has no way home:\n%s", unknown)
	}
	// Nothing of the visitor's is on it: a signed-in browser gets the same bytes.
	signedIn := e.NewBrowser()
	signedIn.SignUp(t, apptest.Email("nf-user"), "a long enough password", "NF User")
	for host, want := range map[string]string{"": market, aliceHost: string(aliceNF)} {
		if _, body := signedIn.Get(t, host, "/products/bobs-thing"); body != want {
			t.Errorf("%q: a signed-in visitor's 404 differs", host)
		}
	}
	cases := []struct {
		name, host, path string
		want             string
	}{
		{"unknown host", "evil.example", "/", unknown},
		{"unknown subdomain", "nobody.claro.test", "/", unknown},
		{"nested subdomain", "x." + aliceHost, "/", unknown},
		{"unknown path on the marketplace", "", "/no/such/page", market},
		{"unknown path on a store", aliceHost, "/no/such/page", string(aliceNF)},
		{"unknown product", aliceHost, "/products/nope", string(aliceNF)},
		{"draft product", aliceHost, "/products/draft-thing", string(aliceNF)},
		{"deleted product", aliceHost, "/products/deleted-thing", string(aliceNF)},
		{"another store's product", aliceHost, "/products/bobs-thing", string(aliceNF)},
		{"storefront route on the marketplace", "", "/products/bobs-thing", market},
		{"IP literal host", "127.0.0.1", "/", unknown},
		{"unknown static file", "", "/static/nope.css", market},
	}
	for _, c := range cases {
		resp, body := e.Get(t, c.host, c.path)
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("%s: status %d, want 404", c.name, resp.StatusCode)
		}
		if body != c.want {
			t.Errorf("%s: 404 body differs from its host's 404 page", c.name)
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

// The 400 page on the marketplace carries the site header, a search box
// and a way home, and keeps the sentence written for people; a request
// refused before its host is known (a NUL byte in the query) gets the
// self-contained page, which still leads to the marketplace.
func TestBadRequestPagesHaveTheHeaderASearchBoxAndAWayHome(t *testing.T) {
	e := apptest.New(t, testDB)
	resp, body := e.Get(t, "", "/search?sort=sideways")
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("bad sort: %d", resp.StatusCode)
	}
	for _, want := range []string{`class="site-header"`, "Error 400", "&#34;sideways&#34; is not a way to sort results.", `class="error-search"`,
		`action="http://` + apptest.Root + `/search"`, `href="/">Back to the marketplace</a>`, "/static/app."} {
		if !strings.Contains(body, want) {
			t.Errorf("400 page lacks %q\n%s", want, body)
		}
	}
	resp, body = e.Get(t, "", "/search?q=%00")
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, `href="http://`+apptest.Root+`/">Go to the Claro marketplace</a>`) {
		t.Errorf("a NUL in the query: %d\n%s", resp.StatusCode, body)
	}
}
