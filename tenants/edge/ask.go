package edge

import (
	"github.com/claro-market/claro/app/web"
	"github.com/claro-market/claro/tenants"
	"github.com/gofiber/fiber/v2"
)

// AskHandler serves GET /internal/tls/allowed?domain=D for Caddy's on-demand
// TLS (`on_demand_tls { ask … }`): 200 when the policy allows D, the 404 page
// otherwise. It lives here, not in tenants, because app/web imports tenants.
type AskHandler struct{ policy *tenants.Policy }

// NewAskHandler returns the ask endpoint over the TLS policy.
func NewAskHandler(p *tenants.Policy) *AskHandler { return &AskHandler{policy: p} }

// Routes registers the endpoint on the marketplace host only.
func (h *AskHandler) Routes(r fiber.Router) {
	web.MarketRoutes(r).Get("/internal/tls/allowed", h.allowed)
}

func (h *AskHandler) allowed(c *fiber.Ctx) error {
	if err := h.policy.Allow(c.UserContext(), c.Query("domain")); err != nil {
		return web.ErrNotFound
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.SendString("allowed")
}
