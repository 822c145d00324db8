package devtools

import (
	"strconv"

	"github.com/claro-market/claro/app/web"
	"github.com/gofiber/fiber/v2"
)

// TestEventHandlers serves the dev-only "Open a dispute" control of the
// dashboard's sales page, on ROOT_DOMAIN.
type TestEventHandlers struct {
	events *TestEvents
	pages  *web.Pages
}

// NewTestEventHandlers returns the control's handler.
func NewTestEventHandlers(events *TestEvents, pages *web.Pages) *TestEventHandlers {
	return &TestEventHandlers{events: events, pages: pages}
}

// Routes registers POST /dev/dispute/:order_id on the marketplace. app.New
// calls it only when DEV_TEST_PAYMENTS is on.
func (h *TestEventHandlers) Routes(r fiber.Router) {
	web.MarketRoutes(r).Post(TestDisputePath+":order_id", h.dispute)
}

// dispute delivers charge.dispute.created for an order of a store the
// signed-in user is a member of (anything else is the 404 page), then goes
// back to the store's sales page.
func (h *TestEventHandlers) dispute(c *fiber.Ctx) error {
	u := web.CurrentUser(c)
	id, err := strconv.ParseInt(c.Params("order_id"), 10, 64)
	if u == nil || err != nil {
		return web.ErrNotFound
	}
	o, slug, err := h.events.Order(c.UserContext(), u.UserID, id)
	if err != nil {
		return err
	}
	if !o.Disputable() {
		return web.Refuse(fiber.StatusConflict, "Only a paid order can be disputed; order #"+strconv.FormatInt(o.ID, 10)+" is "+o.Status+".")
	}
	if err := h.events.Disputed(c.UserContext(), *o); err != nil {
		return err
	}
	return c.Redirect(h.pages.Links.Market()+"/dashboard/s/"+slug+"/sales?notice=dispute-opened", fiber.StatusSeeOther)
}
