package web

import (
	"errors"
	"log/slog"
	"math/rand/v2"
	"time"

	"github.com/claro-market/claro/tenants"
	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/recover"
)

// Recover turns a handler's panic into the error page (500, with the
// request id) and one log line with the stack, instead of a dropped
// connection.
func Recover(log *slog.Logger) fiber.Handler {
	return recover.New(recover.Config{EnableStackTrace: true, StackTraceHandler: func(c *fiber.Ctx, e any) {
		log.Error("panic", "request_id", RequestID(c), "panic", e)
	}})
}

// AccessLog writes one structured line per request (accesslog.go: a logger
// from NewJSONLogger encodes it by hand, any other through slog), except
// that of the page cache's hits (an anonymous GET answered 200 or 304 from
// memory) only one in hitSample, drawn at random, is written, saying so
// ("sample": hitSample). Hits are most of a busy instance's requests and
// the cheapest; their line was a quarter of the middleware's time on a hit
// under load. The request metrics still count every one.
func AccessLog(log *slog.Logger, hitSample int) fiber.Handler {
	return func(c *fiber.Ctx) error {
		err := c.Next()
		if err != nil {
			// Let the error handler write the response now so the status is right.
			if herr := c.App().ErrorHandler(c, err); herr != nil {
				_ = c.SendStatus(fiber.StatusInternalServerError)
			}
		}
		now := time.Now()
		markDone(c, now)
		status, sample := c.Response().StatusCode(), 0
		if r := recordOf(c); hitSample > 1 && (status == fiber.StatusOK || status == fiber.StatusNotModified) && r != nil && r.hit {
			if rand.N(hitSample) != 0 {
				return nil
			}
			sample = hitSample
		}
		start, _ := RequestTimes(c)
		logRequest(c.UserContext(), log, now, &accessLine{requestID: RequestID(c), method: c.Method(), host: RequestHost(c),
			path: c.Path(), status: status, elapsed: now.Sub(start), ip: ClientIP(c), sample: sample})
		return nil
	}
}

// Tenant resolves the Host (X-Forwarded-Host only from trusted proxies, which
// Fiber's Hostname enforces) to a site, answers www with a 301 and unknown
// hosts with the 404 page, and stores the site for handlers.
func Tenant(res *tenants.Resolver, errs *ErrorPages, port string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		site, err := res.Resolve(c.UserContext(), RequestHost(c))
		switch {
		case errors.Is(err, tenants.ErrUnavailable):
			return errs.Unavailable(c) // a suspended store: every URL of it says so
		case errors.Is(err, tenants.ErrNotFound):
			return errs.NotFound(c)
		case err != nil:
			return err
		}
		if site.Kind == tenants.KindRedirect {
			return c.Redirect(c.Protocol()+"://"+site.RedirectHost+port+string(c.Request().URI().RequestURI()), fiber.StatusMovedPermanently)
		}
		c.Locals(siteKey{}, site)
		return c.Next()
	}
}

type siteKey struct{}

// Site is the site the request was resolved to: the typed accessor handlers
// read the tenant through, never raw Locals. Handlers only run after the
// Tenant middleware, so a missing site is a wiring bug and panics loudly.
func Site(c *fiber.Ctx) tenants.Site {
	s, ok := c.Locals(siteKey{}).(tenants.Site)
	if !ok {
		panic("web.Site: no site on the request; is the Tenant middleware installed?")
	}
	return s
}

// OnlyMarketplace guards a route that exists only on ROOT_DOMAIN.
func OnlyMarketplace(c *fiber.Ctx) error {
	if Site(c).Kind != tenants.KindMarketplace {
		return ErrNotFound
	}
	return c.Next()
}

// OnlyStore guards a route that exists only on storefront hosts.
func OnlyStore(c *fiber.Ctx) error {
	if Site(c).Kind != tenants.KindStore {
		return ErrNotFound
	}
	return c.Next()
}

// BySite serves one path with different handlers on the marketplace and on
// storefronts (only "/" needs it).
func BySite(market, store fiber.Handler) fiber.Handler {
	return func(c *fiber.Ctx) error {
		if Site(c).Kind == tenants.KindStore {
			return store(c)
		}
		return market(c)
	}
}
