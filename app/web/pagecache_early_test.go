package web_test

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/claro-market/claro/app/catalog"
)

// The page cache's early path (PageCache.Early) answers a cached page for a
// visitor with no session before the rest of the chain; whatever way a
// request takes, it gets what the whole chain would send: the same page,
// the same security headers and validators, brotli when only brotli is
// taken, and the full chain (which clears it) for a session cookie.
func TestTheEarlyPathAnswersAsTheWholeChainDoes(t *testing.T) {
	e, host, _ := cachedProduct(t, "early-store", "early-thing", func(p *catalog.Product) {
		p.Title = "Early Thing"
		p.Description = strings.Repeat("A page long enough to be worth compressing. ", 40)
	})
	get := func(host string, hdr ...string) (*http.Response, []byte) {
		t.Helper()
		resp, body := e.Get(t, host, "/products/early-thing", hdr...)
		return resp, []byte(body)
	}

	first, page := get(host) // renders and fills the cache
	etag := first.Header.Get("ETag")
	if first.StatusCode != http.StatusOK || !bytes.Contains(page, []byte("Early Thing")) || etag == "" {
		t.Fatalf("first view: %d, ETag %q", first.StatusCode, etag)
	}
	// hit runs f, expecting want cache hits of which early on the early path.
	hit := func(name string, want, early int64, f func() (*http.Response, []byte)) (*http.Response, []byte) {
		t.Helper()
		before, earlyBefore := e.App.Pages.Hits.Load(), e.App.Pages.EarlyHits.Load()
		resp, body := f()
		if got, gotEarly := e.App.Pages.Hits.Load()-before, e.App.Pages.EarlyHits.Load()-earlyBefore; got != want || gotEarly != early {
			t.Fatalf("%s: %d cache hits, %d early, want %d and %d", name, got, gotEarly, want, early)
		}
		for _, h := range []string{"Content-Security-Policy", "X-Content-Type-Options", "Referrer-Policy", "X-Request-Id"} {
			if resp.Header.Get(h) != first.Header.Get(h) && h != "X-Request-Id" || resp.Header.Get(h) == "" {
				t.Fatalf("%s: %s is %q, the rendered page's %q", name, h, resp.Header.Get(h), first.Header.Get(h))
			}
		}
		if resp.StatusCode == http.StatusOK && (resp.Header.Get("ETag") != etag || resp.Header.Get("Vary") != first.Header.Get("Vary") ||
			resp.Header.Get("Cache-Control") != first.Header.Get("Cache-Control") || resp.Header.Get("Content-Type") != first.Header.Get("Content-Type")) {
			t.Fatalf("%s: headers differ from the rendered page's:\n%v\n%v", name, resp.Header, first.Header)
		}
		return resp, body
	}

	// Plain, gzip, an upper-case Host with a port (fasthttp lower-cases the
	// host; the port is dropped as ParseHost drops it): the same page, early.
	if _, body := hit("identity", 1, 1, func() (*http.Response, []byte) { return get(host) }); !bytes.Equal(body, page) {
		t.Fatal("identity: not the rendered page")
	}
	resp, body := hit("gzip", 1, 1, func() (*http.Response, []byte) { return get(host, "Accept-Encoding", "gzip, deflate, br, zstd") })
	if resp.Header.Get("Content-Encoding") != "gzip" {
		t.Fatalf("gzip: Content-Encoding %q", resp.Header.Get("Content-Encoding"))
	}
	zr, err := gzip.NewReader(bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if plain, err := io.ReadAll(zr); err != nil || !bytes.Equal(plain, page) {
		t.Fatalf("gzip: not the rendered page (%v)", err)
	}
	if _, body := hit("Host in another form", 1, 1, func() (*http.Response, []byte) { return get(strings.ToUpper(host) + ":8080") }); !bytes.Equal(body, page) {
		t.Fatal("Host in another form: not the rendered page")
	}

	// Brotli only: the cache holds no brotli, so Compress makes it.
	resp, _ = hit("brotli", 1, 0, func() (*http.Response, []byte) { return get(host, "Accept-Encoding", "br") })
	if resp.Header.Get("Content-Encoding") != "br" {
		t.Fatalf("brotli: Content-Encoding %q", resp.Header.Get("Content-Encoding"))
	}

	// The browser's copy: 304, no body.
	if resp, body := hit("revalidation", 1, 1, func() (*http.Response, []byte) { return get(host, "If-None-Match", etag) }); resp.StatusCode != http.StatusNotModified || len(body) != 0 {
		t.Fatalf("revalidation: %d, %d bytes", resp.StatusCode, len(body))
	}

	// A session cookie, even one no session has, goes the whole way: the
	// session middleware clears it, and the page is still the cached one.
	resp, body = hit("stale session", 1, 0, func() (*http.Response, []byte) { return get(host, "Cookie", "claro_session=no-such-session") })
	if !bytes.Equal(body, page) || !strings.Contains(strings.Join(resp.Header.Values("Set-Cookie"), "\n"), "claro_session=;") {
		t.Fatalf("stale session: Set-Cookie %v", resp.Header.Values("Set-Cookie"))
	}

	// A GET with a chunked body is BodyCaps' 411 on the whole way, as it was.
	req := httptest.NewRequest(http.MethodGet, "http://"+host+"/products/early-thing", strings.NewReader("x=1"))
	req.Host, req.ContentLength, req.TransferEncoding = host, -1, []string{"chunked"}
	resp, _ = e.Do(t, req) // fails the test if the connection answers garbage
	if resp.StatusCode != http.StatusLengthRequired {
		t.Fatalf("chunked GET: %d, want 411", resp.StatusCode)
	}

	// An unknown host is the 404 page, whatever the cache holds.
	if resp, _ := hit("unknown host", 0, 0, func() (*http.Response, []byte) { return get("nobody-" + host) }); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("unknown host: %d", resp.StatusCode)
	}
}
