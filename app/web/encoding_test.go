package web_test

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/andybalholm/brotli"
	"github.com/claro-market/claro/app/catalog"
	"github.com/claro-market/claro/app/web"
	"github.com/claro-market/claro/testkit/apptest"
	"github.com/gofiber/fiber/v2"
)

func TestPickEncodingHonoursQValues(t *testing.T) {
	for _, c := range []struct{ header, want string }{
		{"", ""},
		{"gzip, deflate, br", "br"},
		{"gzip", "gzip"},
		{"br;q=0, gzip", "gzip"},
		{"br;q=0.5, gzip;q=0.8", "gzip"},
		{"br;q=0.8, gzip;q=0.8", "br"},
		{"*", "br"},
		{"*;q=0", ""},
		{"gzip;q=0, *", "br"},
		{"br;q=0, gzip;q=0, *;q=1", ""},
		{"identity", ""},
		{"GZIP", "gzip"},
		{"br;q=abc, gzip", "gzip"},
		{"br;q=2", ""},
		{" br ; q=0.1 ", "br"},
	} {
		if got := web.PickEncoding(c.header, web.EncodingBrotli, web.EncodingGzip); got != c.want {
			t.Errorf("PickEncoding(%q) = %q, want %q", c.header, got, c.want)
		}
	}
}

// AcceptsGzip is PickEncoding's answer for gzip alone, whatever the header.
func FuzzAcceptsGzip(f *testing.F) {
	for _, h := range []string{"", "gzip, deflate, br, zstd", "gzip", "GZIP", " gzip ", "br", "gzip;q=0", "*",
		"*;q=0", "gzip;q=0, *", "x-gzip", "gzip,", ",gzip", "gzipx, br", "br;q=1, gzip"} {
		f.Add(h)
	}
	f.Fuzz(func(t *testing.T, h string) {
		if got, want := web.AcceptsGzip(h), web.PickEncoding(h, web.EncodingGzip) == web.EncodingGzip; got != want {
			t.Fatalf("AcceptsGzip(%q) = %v, PickEncoding says %v", h, got, want)
		}
	})
}

func decode(t *testing.T, enc string, body []byte) string {
	t.Helper()
	var r io.Reader
	switch enc {
	case "":
		return string(body)
	case "gzip":
		zr, err := gzip.NewReader(bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		zr.Multistream(false)
		r = zr
	case "br":
		r = brotli.NewReader(bytes.NewReader(body))
	default:
		t.Fatalf("unexpected Content-Encoding %q", enc)
	}
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("decoding %s: %v", enc, err)
	}
	return string(b)
}

func TestStaticFilesArePrecompressedOnce(t *testing.T) {
	css := strings.Repeat(".a { color: red; }\n", 200)
	assets, err := web.NewAssets(fstest.MapFS{
		"app.css":  {Data: []byte(css)},
		"tiny.js":  {Data: []byte("x()")},
		"logo.png": {Data: bytes.Repeat([]byte{1}, 4096)},
	})
	if err != nil {
		t.Fatal(err)
	}
	app := fiber.New()
	app.Get("/static/*", assets.Handler)
	get := func(path, accept, inm string) (*http.Response, []byte) {
		req, _ := http.NewRequest(http.MethodGet, "http://x"+path, nil)
		if accept != "" {
			req.Header.Set("Accept-Encoding", accept)
		}
		if inm != "" {
			req.Header.Set("If-None-Match", inm)
		}
		resp, err := app.Test(req, -1)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		return resp, b
	}
	url := assets.URL("app.css")
	etags := map[string]bool{}
	for _, c := range []struct{ accept, enc string }{
		{"gzip, deflate, br", "br"}, {"gzip", "gzip"}, {"br;q=0, gzip", "gzip"}, {"", ""}, {"deflate", ""},
	} {
		resp, body := get(url, c.accept, "")
		if got := resp.Header.Get("Content-Encoding"); got != c.enc {
			t.Fatalf("Accept-Encoding %q: Content-Encoding %q, want %q", c.accept, got, c.enc)
		}
		if decode(t, c.enc, body) != css {
			t.Fatalf("Accept-Encoding %q: the body does not decode to the file", c.accept)
		}
		if resp.Header.Get("Vary") != "Accept-Encoding" || !strings.Contains(resp.Header.Get("Cache-Control"), "immutable") {
			t.Fatalf("headers: Vary %q, Cache-Control %q", resp.Header.Get("Vary"), resp.Header.Get("Cache-Control"))
		}
		etags[resp.Header.Get("ETag")] = true
		if again, _ := get(url, c.accept, resp.Header.Get("ETag")); again.StatusCode != http.StatusNotModified {
			t.Fatalf("Accept-Encoding %q: revalidation answered %d", c.accept, again.StatusCode)
		}
	}
	if len(etags) != 3 {
		t.Fatalf("ETags %v: want one per coding (br, gzip, none)", etags)
	}
	// A tiny file and an image are sent as they are.
	for _, name := range []string{"tiny.js", "logo.png"} {
		if resp, _ := get(assets.URL(name), "gzip, br", ""); resp.Header.Get("Content-Encoding") != "" {
			t.Fatalf("%s was sent encoded %q", name, resp.Header.Get("Content-Encoding"))
		}
	}
}

// TestCachedPagesAreServedFromTheirStoredGzip: a cached page goes to a
// gzip-accepting visitor as the gzip stored when it was filled, the same
// bytes for every visitor, and decodes to exactly the page an
// identity visitor gets; a rendered page is compressed as the browser prefers.
func TestCachedPagesAreServedFromTheirStoredGzip(t *testing.T) {
	e, host, _ := cachedProduct(t, "gz-store", "zipped", func(p *catalog.Product) { p.Title = "Zipped Thing" })
	raw := func(b *apptest.Browser, accept string) (*http.Response, []byte) {
		b.Header.Set("Accept-Encoding", accept)
		resp, body := b.Get(t, host, "/products/zipped")
		return resp, []byte(body)
	}
	alice := e.NewBrowser()
	first, firstBody := raw(alice, "gzip, deflate, br") // fills the cache; rendered, so brotli
	if first.Header.Get("Content-Encoding") != "br" || !strings.Contains(first.Header.Get("Vary"), "Accept-Encoding") {
		t.Fatalf("rendered page: Content-Encoding %q, Vary %q", first.Header.Get("Content-Encoding"), first.Header.Get("Vary"))
	}
	if !strings.Contains(decode(t, "br", firstBody), "Zipped Thing") {
		t.Fatal("the brotli page lacks its product")
	}
	hits := e.App.Pages.Hits.Load()
	resp, gz := raw(alice, "gzip, deflate, br")
	if e.App.Pages.Hits.Load() != hits+1 {
		t.Fatal("the second view was not a cache hit")
	}
	if resp.Header.Get("Content-Encoding") != "gzip" || resp.Header.Get("Vary") != "HX-Request, Accept-Encoding" {
		t.Fatalf("cached page: Content-Encoding %q, Vary %q", resp.Header.Get("Content-Encoding"), resp.Header.Get("Vary"))
	}
	_, plain := raw(alice, "identity")
	if got := decode(t, "gzip", gz); got != string(plain) {
		t.Fatalf("the cached gzip decodes to a different page than the identity one:\n%.300s\n---\n%.300s", got, plain)
	}
	if !strings.Contains(string(plain), "Zipped Thing") {
		t.Fatal("the identity page lacks its product")
	}
	// Another visitor gets the very same stored bytes.
	bob := e.NewBrowser()
	if _, bobGz := raw(bob, "gzip"); !bytes.Equal(bobGz, gz) {
		t.Fatal("the second visitor's cached gzip differs from the first's")
	}
}
