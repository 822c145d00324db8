package web

import (
	"net"
	"regexp"
	"testing"

	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"
)

var uuidForm = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

// Every request gets its own id, the same in X-Request-Id and in what the
// handlers quote (RequestID), in UUID form; an id the request brings (here
// another request's) is never taken.
func TestRequestIDsAreUniqueAndQuotedAlike(t *testing.T) {
	app := fiber.New(fiber.Config{DisableStartupMessage: true})
	app.Use(RequestRecord(nil))
	app.Get("/", func(c *fiber.Ctx) error { return c.SendString(RequestID(c)) })
	h := app.Handler()
	seen := map[string]bool{}
	var ctx fasthttp.RequestCtx
	do := func(sent string) (header, body string) {
		var req fasthttp.Request
		req.SetRequestURI("/")
		if sent != "" {
			req.Header.Set(fiber.HeaderXRequestID, sent)
		}
		ctx.Init(&req, &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)}, nil)
		h(&ctx)
		header, body = string(ctx.Response.Header.Peek(fiber.HeaderXRequestID)), string(ctx.Response.Body())
		ctx.Response.Reset()
		return header, body
	}
	for range 1000 {
		header, body := do("")
		if header != body || !uuidForm.MatchString(header) || seen[header] {
			t.Fatalf("header %q, quoted %q (seen before: %v)", header, body, seen[header])
		}
		seen[header] = true
	}
	if header, body := do(seenOne(seen)); header != body || seen[header] || !uuidForm.MatchString(header) {
		t.Fatalf("a request bringing an earlier id got %q, quoted %q", header, body)
	}
}

// seenOne is one of the ids in seen.
func seenOne(seen map[string]bool) string {
	for id := range seen {
		return id
	}
	return ""
}
