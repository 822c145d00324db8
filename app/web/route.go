package web

import "github.com/gofiber/fiber/v2"

// RouteNone is the pattern of a request that middleware alone answered: an
// unknown host, a www redirect, a refusal before any route (a NUL in the
// query, a body cap, CSRF), or the 404 page for an unknown path.
const RouteNone = "none"

// RouteTable tells which route answered a request, for metrics. Fiber's
// c.Route() is the last layer that matched, a middleware layer (f.Use, whose
// Path is its prefix, "/" for most) as readily as a route, and it does not
// say which; the table knows every route's handlers, so it can.
type RouteTable struct {
	handlers map[*fiber.Handler]string // a route's first handler -> its pattern
}

// NewRouteTable returns an empty table; Load fills it.
func NewRouteTable() *RouteTable { return &RouteTable{handlers: map[*fiber.Handler]string{}} }

// Load records every route of app (never its middleware layers). Call it
// once, after the last route is registered and before app serves.
func (t *RouteTable) Load(app *fiber.App) {
	for _, r := range app.GetRoutes(true) {
		if len(r.Handlers) > 0 {
			// r is a copy; its Handlers share the registered route's array.
			t.handlers[&r.Handlers[0]] = r.Path
		}
	}
}

type routePatternKey struct{}

// Pattern is the registered pattern of the route that answered c, such as
// "/products/:slug" (never the address asked for, so it takes as few values
// as there are routes), or RouteNone. A page the page cache replayed names
// the route that rendered it. Call it once c.Next() has returned.
func (t *RouteTable) Pattern(c *fiber.Ctx) string {
	if p, ok := c.Locals(routePatternKey{}).(string); ok {
		return p
	}
	if r := c.Route(); t != nil && r != nil && len(r.Handlers) > 0 {
		if p, ok := t.handlers[&r.Handlers[0]]; ok {
			return p
		}
	}
	return RouteNone
}
