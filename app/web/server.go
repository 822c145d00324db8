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

// BodyLimit caps every request body; routes that take uploads raise it with
// their own checks, webhooks lower it.
const BodyLimit = 8 << 20

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
		BodyLimit:               BodyLimit,
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
