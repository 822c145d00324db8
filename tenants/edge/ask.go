package edge

import (
	"github.com/claro-market/claro/tenants"
	"github.com/gofiber/fiber/v2"
)

// Ask serves GET /internal/tls/allowed?domain=D for Caddy's on-demand TLS
// (`on_demand_tls { ask … }`): 200 when the policy allows D, else
// fiber.ErrNotFound, which the app's error handler turns into the one 404
// page. Where it is mounted (the marketplace host only, before the session
// and CSRF) is the app's route table's business, not this package's.
func Ask(p *tenants.Policy) fiber.Handler {
	return func(c *fiber.Ctx) error {
		if err := p.Allow(c.UserContext(), c.Query("domain")); err != nil {
			return fiber.ErrNotFound
		}
		c.Set(fiber.HeaderCacheControl, "no-store")
		return c.SendString("allowed")
	}
}
