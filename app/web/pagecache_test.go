package web_test

import (
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/claro-market/claro/app/catalog"
	"github.com/claro-market/claro/app/config"
	"github.com/claro-market/claro/testkit/apptest"
)

var metaToken = regexp.MustCompile(`<meta name="csrf-token" content="([^"]+)">`)

func TestAnonymousPagesAreTheSameBytesForEveryVisitor(t *testing.T) {
	e := apptest.New(t, testDB, func(c *config.Config) { c.PageCache = true })
	store := e.Store(t, apptest.Unique("cache-store"))
	e.Product(t, store, "cached-thing", catalog.Public, func(p *catalog.Product) { p.Title = "Cached Thing" })
	host := apptest.StoreHost(store.Slug)

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
	e := apptest.New(t, testDB, func(c *config.Config) { c.PageCache = true })
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
	e := apptest.New(t, testDB, func(c *config.Config) { c.PageCache = true })
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
	e := apptest.New(t, testDB, func(c *config.Config) { c.PageCache = true })
	store := e.Store(t, apptest.Unique("cache-burst"))
	e.Product(t, store, "burst", catalog.Public)
	host := apptest.StoreHost(store.Slug)
	var wg sync.WaitGroup
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if resp, _ := e.Get(t, host, "/products/burst"); resp.StatusCode != 200 {
				t.Errorf("status %d", resp.StatusCode)
			}
		}()
	}
	wg.Wait()
	if m, h := e.App.Pages.Misses.Load(), e.App.Pages.Hits.Load(); m != 1 || h != 19 {
		t.Fatalf("20 concurrent requests for a cold page: %d renders, %d hits; want 1 and 19", m, h)
	}
}
