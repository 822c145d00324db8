package tenants

import "github.com/gofiber/fiber/v2"

type siteKey struct{}

// WithSite stores the resolved site on the request; only the web layer's
// tenant middleware calls it.
func WithSite(c *fiber.Ctx, s Site) { c.Locals(siteKey{}, s) }

// From returns the site the request was resolved to. Handlers only run after
// the tenant middleware, so a missing site is a wiring bug and panics loudly.
func From(c *fiber.Ctx) Site {
	s, ok := c.Locals(siteKey{}).(Site)
	if !ok {
		panic("tenants.From: no site on the request; is the tenant middleware installed?")
	}
	return s
}
