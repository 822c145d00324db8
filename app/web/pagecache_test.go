package web_test

import (
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/claro-market/claro/app/catalog"
	"github.com/claro-market/claro/app/config"
	"github.com/claro-market/claro/tenants"
	"github.com/claro-market/claro/testkit/apptest"
)

var metaToken = regexp.MustCompile(`<meta name="csrf-token" content="([^"]+)">`)

// cachedEnv is an app with the page cache on, as production runs it.
func cachedEnv(t *testing.T) *apptest.Env {
	return apptest.New(t, testDB, func(c *config.Config) { c.PageCache = true })
}

// cachedProduct makes, in a cached app, a store named from storePrefix
// with one public product at /products/slug, and returns the app, the
// store's host and the store.
func cachedProduct(t *testing.T, storePrefix, slug string, mods ...func(*catalog.Product)) (*apptest.Env, string, *tenants.Tenant) {
	e := cachedEnv(t)
	store := e.Store(t, apptest.Unique(storePrefix))
	e.Product(t, store, slug, catalog.Public, mods...)
	return e, apptest.StoreHost(store.Slug), store
}

func TestAnonymousPagesAreTheSameBytesForEveryVisitor(t *testing.T) {
	e, host, _ := cachedProduct(t, "cache-store", "cached-thing", func(p *catalog.Product) { p.Title = "Cached Thing" })

	alice, bob := e.NewBrowser(), e.NewBrowser()
	ra, first := alice.Get(t, host, "/products/cached-thing")
	rb, second := bob.Get(t, host, "/products/cached-thing")
	if e.App.Pages.Hits.Load() != 1 {
		t.Fatalf("hits = %d after two anonymous views, want 1", e.App.Pages.Hits.Load())
	}
	if first != second || !strings.Contains(first, "Cached Thing") || ra.Header.Get("ETag") != rb.Header.Get("ETag") {
		t.Fatal("the cached page differs from the rendered one")
	}
	if metaToken.MatchString(first) || strings.Contains(first, "X-CSRF-Token") {
		t.Fatal("an anonymous page carries a CSRF token")
	}
	for _, r := range []*http.Response{ra, rb} {
		if c := r.Header.Values("Set-Cookie"); len(c) != 0 {
			t.Fatalf("an anonymous page set cookies: %v", c)
		}
	}

	// A signed-in visitor never gets, nor fills, the anonymous cache.
	carol := e.NewBrowser()
	carol.SignUp(t, apptest.Unique("carol")+"@example.com", "a long enough password", "Carol")
	hits := e.App.Pages.Hits.Load()
	_, page := carol.Get(t, host, "/products/cached-thing")
	if e.App.Pages.Hits.Load() != hits || !strings.Contains(page, "Cached Thing") || !metaToken.MatchString(page) {
		t.Fatal("a signed-in visitor was served from the anonymous cache")
	}
}

func TestCatalogChangesDropCachedPagesOnEveryInstance(t *testing.T) {
	// apptest runs the change listener, as serve does; the test only makes
	// sure it is in place.
	e := cachedEnv(t)
	select {
	case <-e.App.Listening():
	case <-time.After(30 * time.Second):
		t.Fatal("the catalog listener never started")
	}
	store := e.Store(t, apptest.Unique("cache-change"))
	e.Product(t, store, "first", catalog.Public)
	host := apptest.StoreHost(store.Slug)
	b := e.NewBrowser()
	_, page := b.Get(t, host, "/")
	if !strings.Contains(page, "Title of first") {
		t.Fatal("storefront lacks its product")
	}
	b.Get(t, host, "/")
	if e.App.Pages.Len() == 0 {
		t.Fatal("storefront not cached")
	}
	// The change is announced by the database on commit; wait for it to land
	// (bounded), then the storefront shows the new product.
	e.Product(t, store, "second", catalog.Public)
	for i := 0; ; i++ {
		if _, page = b.Get(t, host, "/"); strings.Contains(page, "Title of second") {
			break
		}
		if i == 200 {
			t.Fatal("the cached storefront never showed the new product")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestCachedHTMXAnswersKeepTheirInstructions(t *testing.T) {
	e := cachedEnv(t)
	e.Store(t, apptest.Unique("cache-hx"))
	first, _ := e.Get(t, "", "/search?q=anything", "HX-Request", "true")
	second, _ := e.Get(t, "", "/search?q=anything", "HX-Request", "true")
	if e.App.Pages.Hits.Load() == 0 {
		t.Fatal("the search fragment was not cached")
	}
	if got, want := second.Header.Get("HX-Push-Url"), first.Header.Get("HX-Push-Url"); want == "" || got != want {
		t.Fatalf("HX-Push-Url from the cache %q, rendered %q", got, want)
	}
}

func TestABurstForAColdPageRendersItOnce(t *testing.T) {
	e, host, _ := cachedProduct(t, "cache-burst", "burst")
	var wg sync.WaitGroup
	for range 20 {
		wg.Add(1)
		go func() { // no t.Fatal here: e.Get's would stop only this goroutine
			defer wg.Done()
			resp, err := e.App.Fiber.Test(httptest.NewRequest(http.MethodGet, "http://"+host+"/products/burst", nil), -1)
			if err != nil {
				t.Error(err)
				return
			}
			resp.Body.Close()
			if resp.StatusCode != 200 {
				t.Errorf("status %d", resp.StatusCode)
			}
		}()
	}
	wg.Wait()
	if m, h := e.App.Pages.Misses.Load(), e.App.Pages.Hits.Load(); m != 1 || h != 19 {
		t.Fatalf("20 concurrent requests for a cold page: %d renders, %d hits; want 1 and 19", m, h)
	}
}
