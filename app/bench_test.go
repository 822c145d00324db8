package app_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net"
	"regexp"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/claro-market/claro/app"
	"github.com/claro-market/claro/app/blob"
	"github.com/claro-market/claro/app/config"
	"github.com/claro-market/claro/app/seed"
	"github.com/claro-market/claro/app/web"
	"github.com/claro-market/claro/testkit/apptest"
	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"
)

var seedOnce sync.Once

// demoEnv builds the app on the package database with the demo catalog in
// it, logging as production does (main.go's newLogger): JSON lines, to
// io.Discard, so no write is measured, only the encoding.
func demoEnv(b *testing.B) *apptest.Env {
	return demoEnvLogged(b, web.NewJSONLogger(io.Discard))
}

// demoEnvLogged is demoEnv with the app's logger given (slog.DiscardHandler
// measures a request without its access log).
func demoEnvLogged(b *testing.B, log *slog.Logger) *apptest.Env {
	e := apptest.NewWithLogger(b, testDB, log, app.Overrides{}, func(c *config.Config) { c.PageCache = true })
	seedOnce.Do(func() {
		if n, _ := testDB.Primary.NewSelect().Table("tenants").Where("slug = 'northlight'").Count(context.Background()); n > 0 {
			return
		}
		blobs, err := blob.NewLocal(b.TempDir())
		if err != nil {
			b.Fatal(err)
		}
		var out bytes.Buffer
		if err := seed.Demo(context.Background(), testDB.Primary, blobs, &out); err != nil {
			b.Fatal(err)
		}
	})
	return e
}

// serve drives handler in-process (no sockets) from b.RunParallel's
// goroutines and reports requests per second.
func serve(b *testing.B, handler fasthttp.RequestHandler, host, uri string) int {
	b.Helper()
	return serveReq(b, handler, fiber.StatusOK, func(req *fasthttp.Request) {
		req.Header.SetMethod(fasthttp.MethodGet)
		req.SetRequestURI(uri)
		req.Header.SetHost(host)
	})
}

// serveReq is serve for the request fill builds, expecting status want.
func serveReq(b *testing.B, handler fasthttp.RequestHandler, want int, fill func(*fasthttp.Request)) int {
	b.Helper()
	addr := &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 40000}
	size := 0
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		var req fasthttp.Request
		fill(&req)
		var ctx fasthttp.RequestCtx
		for pb.Next() {
			ctx.ResetUserValues() // as the server does between requests: the last request's (cancelled) context must not leak in
			ctx.Init(&req, addr, nil)
			handler(&ctx)
			if ctx.Response.StatusCode() != want {
				b.Errorf("%s %s%s: status %d, want %d\n%s", req.Header.Method(), req.Host(), req.RequestURI(),
					ctx.Response.StatusCode(), want, ctx.Response.Body())
				return
			}
			size = len(ctx.Response.Body())
			ctx.Response.Reset()
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "req/s")
	return size
}

// get answers one GET in-process.
func get(b *testing.B, h fasthttp.RequestHandler, host, uri string) *fasthttp.Response {
	var req fasthttp.Request
	req.SetRequestURI(uri)
	req.Header.SetHost(host)
	var ctx fasthttp.RequestCtx
	ctx.Init(&req, &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)}, nil)
	h(&ctx)
	var resp fasthttp.Response
	ctx.Response.CopyTo(&resp)
	return &resp
}

// BenchmarkPages compares the storefront home and the product page, rendered
// from the seeded database, with the ceiling: a bare Fiber handler writing a
// static page of the storefront's size, in the same run. The _nolog twins
// are the same requests with logging left out (slog.DiscardHandler): the
// difference is what the access log costs.
func BenchmarkPages(b *testing.B) {
	e := demoEnv(b)
	h := e.App.Fiber.Handler()
	storeHost := apptest.StoreHost("northlight")

	// Measure the storefront page's size once for the ceiling.
	resp := get(b, h, storeHost, "/")
	page := append([]byte(nil), resp.Body()...)
	if resp.StatusCode() != 200 || len(page) < 1000 {
		b.Fatalf("storefront: %d, %d bytes", resp.StatusCode(), len(page))
	}

	bare := fiber.New(fiber.Config{DisableStartupMessage: true})
	bare.Get("/", func(c *fiber.Ctx) error {
		c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
		return c.Send(page)
	})
	b.Run("ceiling_bare_fiber", func(b *testing.B) { serve(b, bare.Handler(), storeHost, "/") })
	b.Run("storefront_home", func(b *testing.B) { serve(b, h, storeHost, "/") })
	b.Run("product_page", func(b *testing.B) { serve(b, h, storeHost, "/products/golden-hour-portrait-presets") })
	b.Run("marketplace_home", func(b *testing.B) { serve(b, h, apptest.Root, "/") })
	b.Run("product_page_gzip", func(b *testing.B) { // as a browser asks: the stored gzip
		serveReq(b, h, fiber.StatusOK, func(req *fasthttp.Request) {
			req.SetRequestURI("/products/golden-hour-portrait-presets")
			req.Header.SetHost(storeHost)
			req.Header.Set("Accept-Encoding", "gzip, deflate, br, zstd")
		})
	})

	quiet := demoEnvLogged(b, slog.New(slog.DiscardHandler)).App.Fiber.Handler()
	b.Run("storefront_home_nolog", func(b *testing.B) { serve(b, quiet, storeHost, "/") })
	b.Run("product_page_nolog", func(b *testing.B) { serve(b, quiet, storeHost, "/products/golden-hour-portrait-presets") })
}

var benchTokenMeta = regexp.MustCompile(`<meta name="csrf-token" content="([^"]+)">`)

// BenchmarkCartAdd is POST /cart/items as htmx sends it from a product page
// of the seeded store, through the whole app on the real database (the
// product re-priced from PostgreSQL each time): a visitor with an empty cart
// adds one product, so every request signs and sets the cart cookie and
// renders the fragment. The visitor's cookies and token (when the page
// carries one) come from the storefront page, as a browser's would.
func BenchmarkCartAdd(b *testing.B) {
	e := demoEnv(b)
	h := e.App.Fiber.Handler()
	host := apptest.StoreHost("northlight")
	var id int64
	if err := testDB.Primary.NewRaw(`SELECT p.id FROM products p JOIN tenants t ON t.id = p.tenant_id
		WHERE t.slug = 'northlight' AND p.slug = 'golden-hour-portrait-presets'`).Scan(context.Background(), &id); err != nil {
		b.Fatal(err)
	}
	page := get(b, h, host, "/products/golden-hour-portrait-presets")
	var token string
	if m := benchTokenMeta.FindSubmatch(page.Body()); m != nil {
		token = string(m[1])
	}
	var cookies [][2]string
	page.Header.VisitAllCookie(func(k, v []byte) {
		var c fasthttp.Cookie
		if c.ParseBytes(v) == nil {
			cookies = append(cookies, [2]string{string(k), string(c.Value())})
		}
	})
	body := []byte("product_id=" + strconv.FormatInt(id, 10) + "&quantity=1")
	b.Run("htmx", func(b *testing.B) {
		// Many requests in flight, as make bench's 64 connections keep: the
		// run is bound by the CPU (the app's and PostgreSQL's, on the same
		// machine), not by one query's round trip at a time.
		b.SetParallelism(16)
		serveReq(b, h, fiber.StatusOK, func(req *fasthttp.Request) {
			req.Header.SetMethod(fasthttp.MethodPost)
			req.SetRequestURI("/cart/items")
			req.Header.SetHost(host)
			req.Header.SetContentType("application/x-www-form-urlencoded")
			req.Header.Set("Origin", "http://"+host)
			req.Header.Set("Sec-Fetch-Site", "same-origin")
			req.Header.Set("HX-Request", "true")
			if token != "" {
				req.Header.Set("X-CSRF-Token", token)
			}
			for _, c := range cookies {
				req.Header.SetCookie(c[0], c[1])
			}
			req.SetBody(body)
		})
	})
}
