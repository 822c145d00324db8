package web

import "github.com/gofiber/fiber/v2"

// IsHTMX reports whether htmx sent the request (and so wants a fragment).
// Every HX-* header is read and written here, nowhere else.
func IsHTMX(c *fiber.Ctx) bool { return c.Get("HX-Request") == "true" }

// PushURL asks htmx to put url in the address bar.
func PushURL(c *fiber.Ctx, url string) { c.Set("HX-Push-Url", url) }

// Routes is one site's route table: every route on it is guarded so it exists
// only on that kind of host.
type Routes struct {
	r     fiber.Router
	guard fiber.Handler
}

// MarketRoutes returns the marketplace's route table.
func MarketRoutes(r fiber.Router) Routes { return Routes{r: r, guard: OnlyMarketplace} }

// StoreRoutes returns the storefronts' route table.
func StoreRoutes(r fiber.Router) Routes { return Routes{r: r, guard: OnlyStore} }

func (rt Routes) with(h []fiber.Handler) []fiber.Handler {
	return append([]fiber.Handler{rt.guard}, h...)
}

// Get registers a GET route on this site.
func (rt Routes) Get(path string, h ...fiber.Handler) { rt.r.Get(path, rt.with(h)...) }

// Post registers a POST route on this site.
func (rt Routes) Post(path string, h ...fiber.Handler) { rt.r.Post(path, rt.with(h)...) }

// Patch registers a PATCH route on this site.
func (rt Routes) Patch(path string, h ...fiber.Handler) { rt.r.Patch(path, rt.with(h)...) }

// Delete registers a DELETE route on this site.
func (rt Routes) Delete(path string, h ...fiber.Handler) { rt.r.Delete(path, rt.with(h)...) }
