// Package web is Claro's HTTP plumbing on Fiber: the server settings, the
// middleware every request passes (request id, recover, access log, tenant),
// rendering of full pages and htmx fragments, and the one error exit that turns
// errors into pages. Domain packages register their own routes on it.
package web

import (
	"log/slog"
	"time"

	"github.com/gofiber/fiber/v2"
)

// Options are the settings New needs.
type Options struct {
	Views          fiber.Views
	TrustedProxies []string
	Production     bool
	Logger         *slog.Logger
	Errors         *ErrorPages
}

// Request body caps. Fiber's BodyLimit is app-wide, so it is set to the
// largest upload and BodyCap lowers it for every other route by Content-Length.
const (
	MaxUpload = 520 << 20
	BodyLimit = 8 << 20
)

// New builds the Fiber app with Claro's safe defaults: forwarded headers
// (X-Forwarded-Host/Proto/For) are believed only from TRUSTED_PROXIES, and
// every error goes through one handler.
func New(o Options) *fiber.App {
	cfg := fiber.Config{
		AppName:                 "claro",
		Views:                   o.Views,
		ErrorHandler:            o.Errors.Handle,
		EnableTrustedProxyCheck: true,
		TrustedProxies:          o.TrustedProxies,
		BodyLimit:               MaxUpload,
		StreamRequestBody:       true,
		ReadTimeout:             30 * time.Second,
		WriteTimeout:            60 * time.Second,
		IdleTimeout:             120 * time.Second,
		DisableStartupMessage:   true,
		ReadBufferSize:          16 << 10,
	}
	if len(o.TrustedProxies) > 0 {
		// Only then may c.IP() come from a header, and only from those peers.
		cfg.ProxyHeader = fiber.HeaderXForwardedFor
	}
	return fiber.New(cfg)
}

// BodyCaps caps every request at BodyLimit except those isUpload picks,
// which may send up to MaxUpload.
func BodyCaps(isUpload func(c *fiber.Ctx) bool) fiber.Handler {
	small, large := BodyCap(BodyLimit), BodyCap(MaxUpload)
	return func(c *fiber.Ctx) error {
		if isUpload(c) {
			return large(c)
		}
		return small(c)
	}
}

// BodyCap refuses a request whose body is larger than limit with 413 before
// anything reads it. Bodies without a Content-Length (chunked) are capped by
// BodyLimit's app-wide maximum only when they are read, so they are refused
// here too unless the route allows uploads.
func BodyCap(limit int) fiber.Handler {
	return func(c *fiber.Ctx) error {
		n := c.Request().Header.ContentLength()
		if n > limit || (n == -1 && limit < MaxUpload) { // -1: chunked, length unknown
			return Refuse(fiber.StatusRequestEntityTooLarge, "That request is too large.")
		}
		return c.Next()
	}
}
