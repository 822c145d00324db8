package web_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/claro-market/claro/app/catalog"
	"github.com/claro-market/claro/testkit/apptest"
)

// A repeat visitor's browser revalidates a cached page with If-None-Match
// and gets a 304 with no body; the page after a change comes whole again.
func TestCachedPagesAnswerNotModifiedToTheVisitorHoldingThem(t *testing.T) {
	e, host, store := cachedProduct(t, "etag-store", "etag-thing", func(p *catalog.Product) { p.Title = "ETag Thing" })
	get := func(b *apptest.Browser, inm string, gzip bool) (*http.Response, string) {
		t.Helper()
		req := httptest.NewRequest(http.MethodGet, "http://"+host+"/products/etag-thing", nil)
		req.Host = host
		if inm != "" {
			req.Header.Set("If-None-Match", inm)
		}
		if gzip {
			req.Header.Set("Accept-Encoding", "gzip")
		}
		return b.Do(t, req)
	}

	alice, bob := e.NewBrowser(), e.NewBrowser()
	resp, page := get(alice, "", false) // renders and fills
	etag := resp.Header.Get("ETag")
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(etag, `W/"`) || !strings.Contains(page, "ETag Thing") {
		t.Fatalf("first view: %d, ETag %q", resp.StatusCode, etag)
	}
	if cc := resp.Header.Get("Cache-Control"); cc != "private, no-cache" {
		t.Fatalf("Cache-Control %q: a browser must keep the page and revalidate it, a shared cache never keep it", cc)
	}
	hits := e.App.Pages.Hits.Load()
	resp, body := get(alice, etag, false)
	if resp.StatusCode != http.StatusNotModified || body != "" || resp.Header.Get("ETag") != etag {
		t.Fatalf("revalidation: %d, %d bytes, ETag %q, want 304, empty, %q", resp.StatusCode, len(body), resp.Header.Get("ETag"), etag)
	}
	if e.App.Pages.Hits.Load() != hits+1 {
		t.Fatal("the 304 did not come from the cache")
	}
	// The gzip answer shares the weak validator; a list and W/-less forms match.
	if resp, _ := get(alice, `"other", `+strings.TrimPrefix(etag, "W/"), true); resp.StatusCode != http.StatusNotModified {
		t.Fatalf("If-None-Match list with gzip: %d, want 304", resp.StatusCode)
	}
	if resp, body := get(alice, `W/"other"`, false); resp.StatusCode != http.StatusOK || !strings.Contains(body, "ETag Thing") {
		t.Fatalf("an ETag that is not the page's: %d", resp.StatusCode)
	}

	// The page is the same bytes for everyone, so Bob's browser holding the
	// same validator (a fresh visitor who saw it elsewhere) gets the 304 too.
	if resp, _ := get(bob, etag, false); resp.StatusCode != http.StatusNotModified {
		t.Fatalf("another visitor with the page's ETag: %d, want 304", resp.StatusCode)
	}

	// After a change the page is another: Alice's old validator gets it whole.
	if _, err := e.DB.Primary.NewRaw(`UPDATE products SET title = 'ETag Thing Two' WHERE tenant_id = ? AND slug = 'etag-thing'`, store.ID).
		Exec(context.Background()); err != nil {
		t.Fatal(err)
	}
	e.App.Pages.InvalidateTenant(store.ID)
	resp, page = get(alice, etag, false)
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, "ETag Thing Two") || resp.Header.Get("ETag") == etag {
		t.Fatalf("after a change: %d, ETag %q (was %q)", resp.StatusCode, resp.Header.Get("ETag"), etag)
	}
}
