package web

import (
	"errors"
	"log/slog"
	"time"

	"github.com/claro-market/claro/tenants"
	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/recover"
	"github.com/gofiber/fiber/v2/middleware/requestid"
)

// Use installs the middleware every request passes, in order: request id,
// recover, access log, beforeTenant (the read-pool choice,
// ReadYourWrites.Reads: the host lookup reads the replica too, so the choice
// must be made before it), tenant resolution.
func Use(app *fiber.App, log *slog.Logger, res *tenants.Resolver, errs *ErrorPages, port string, beforeTenant ...fiber.Handler) {
	app.Use(requestid.New())
	app.Use(recover.New(recover.Config{EnableStackTrace: true, StackTraceHandler: func(c *fiber.Ctx, e any) {
		log.Error("panic", "request_id", RequestID(c), "panic", e)
	}}))
	app.Use(AccessLog(log))
	for _, h := range beforeTenant {
		app.Use(h)
	}
	app.Use(Tenant(res, errs, port))
}

// AccessLog writes one structured line per request.
func AccessLog(log *slog.Logger) fiber.Handler {
	return func(c *fiber.Ctx) error {
		start := time.Now()
		err := c.Next()
		if err != nil {
			// Let the error handler write the response now so the status is right.
			if herr := c.App().ErrorHandler(c, err); herr != nil {
				_ = c.SendStatus(fiber.StatusInternalServerError)
			}
		}
		// LogAttrs with typed attributes: no boxing of every value per request.
		log.LogAttrs(c.UserContext(), slog.LevelInfo, "request",
			slog.String("request_id", RequestID(c)),
			slog.String("method", c.Method()),
			slog.String("host", c.Hostname()),
			slog.String("path", c.Path()),
			slog.Int("status", c.Response().StatusCode()),
			slog.Float64("ms", float64(time.Since(start).Microseconds())/1000),
			slog.String("ip", c.IP()),
		)
		return nil
	}
}

// Tenant resolves the Host (X-Forwarded-Host only from trusted proxies, which
// Fiber's Hostname enforces) to a site, answers www with a 301 and unknown
// hosts with the 404 page, and stores the site for handlers.
func Tenant(res *tenants.Resolver, errs *ErrorPages, port string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		site, err := res.Resolve(c.UserContext(), c.Hostname())
		switch {
		case errors.Is(err, tenants.ErrNotFound):
			return errs.NotFound(c)
		case err != nil:
			return err
		}
		if site.Kind == tenants.KindRedirect {
			return c.Redirect(c.Protocol()+"://"+site.RedirectHost+port+string(c.Request().URI().RequestURI()), fiber.StatusMovedPermanently)
		}
		tenants.WithSite(c, site)
		return c.Next()
	}
}

// OnlyMarketplace guards a route that exists only on ROOT_DOMAIN.
func OnlyMarketplace(c *fiber.Ctx) error {
	if tenants.From(c).Kind != tenants.KindMarketplace {
		return ErrNotFound
	}
	return c.Next()
}

// OnlyStore guards a route that exists only on storefront hosts.
func OnlyStore(c *fiber.Ctx) error {
	if tenants.From(c).Kind != tenants.KindStore {
		return ErrNotFound
	}
	return c.Next()
}

// BySite serves one path with different handlers on the marketplace and on
// storefronts (only "/" needs it).
func BySite(market, store fiber.Handler) fiber.Handler {
	return func(c *fiber.Ctx) error {
		if tenants.From(c).Kind == tenants.KindStore {
			return store(c)
		}
		return market(c)
	}
}
