package app_test

import (
	"bytes"
	"context"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/claro-market/claro/app/blob"
	"github.com/claro-market/claro/app/config"
	"github.com/claro-market/claro/app/seed"
	"github.com/claro-market/claro/testkit/apptest"
	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"
)

var seedOnce sync.Once

// demoEnv builds the app on the package database with the demo catalog in it.
func demoEnv(b *testing.B) *apptest.Env {
	e := apptest.New(b, testDB, func(c *config.Config) { c.PageCache = true })
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
	addr := &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 40000}
	size := 0
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		var req fasthttp.Request
		req.Header.SetMethod(fasthttp.MethodGet)
		req.SetRequestURI(uri)
		req.Header.SetHost(host)
		var ctx fasthttp.RequestCtx
		for pb.Next() {
			ctx.Init(&req, addr, nil)
			handler(&ctx)
			if ctx.Response.StatusCode() != fiber.StatusOK {
				b.Errorf("%s%s: status %d", host, uri, ctx.Response.StatusCode())
				return
			}
			size = len(ctx.Response.Body())
			ctx.Response.Reset()
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "req/s")
	return size
}

// BenchmarkPages compares the storefront home and the product page, rendered
// from the seeded database, with the ceiling: a bare Fiber handler writing a
// static page of the storefront's size, in the same run.
func BenchmarkPages(b *testing.B) {
	e := demoEnv(b)
	h := e.App.Fiber.Handler()
	storeHost := apptest.StoreHost("northlight")

	// Measure the storefront page's size once for the ceiling.
	var req fasthttp.Request
	req.SetRequestURI("/")
	req.Header.SetHost(storeHost)
	var ctx fasthttp.RequestCtx
	ctx.Init(&req, &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)}, nil)
	h(&ctx)
	page := append([]byte(nil), ctx.Response.Body()...)
	if ctx.Response.StatusCode() != 200 || len(page) < 1000 {
		b.Fatalf("storefront: %d, %d bytes", ctx.Response.StatusCode(), len(page))
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
}
