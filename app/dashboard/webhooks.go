package dashboard

import (
	"context"
	"errors"
	"strconv"

	"github.com/claro-market/claro/app/hooks"
	"github.com/claro-market/claro/app/web"
	"github.com/claro-market/claro/tenants"
	"github.com/gofiber/fiber/v2"
	"github.com/uptrace/bun"
)

// deliveriesShown is how many deliveries the webhooks page lists.
const deliveriesShown = 50

// WithHooks gives the dashboard its webhooks page; production makes it
// accept https endpoints on public hosts only (hooks.CheckURL).
func (h *Handlers) WithHooks(hk *hooks.Hooks, production bool) *Handlers {
	h.hooks, h.hooksProduction = hk, production
	return h
}

type webhooksPage struct {
	storePage
	Owner      bool
	Endpoints  []hooks.Endpoint
	Deliveries []hooks.Delivery
	Shown      int
	Events     []hooks.EventInfo
	Form       webhookForm
	Error      string
}

type webhookForm struct {
	URL    string
	Events []string
}

// Has reports whether the form has typ chosen.
func (f webhookForm) Has(typ string) bool {
	for _, e := range f.Events {
		if e == typ {
			return true
		}
	}
	return false
}

type deliveryPage struct {
	storePage
	Owner    bool
	Delivery hooks.Delivery
}

// webhookNotices are the messages of the page's actions (?notice=), fixed
// texts: nothing of the address is shown.
var webhookNotices = map[string]string{
	"added":       "The endpoint is added. Copy its signing secret into your server; the events you chose are sent to it from now on.",
	"rotated":     "The secret is rotated. Deliveries carry a signature by the old secret too for the next 24 hours; deploy the new one before then.",
	"disabled":    "The endpoint is disabled: nothing is sent to it until you enable it.",
	"enabled":     "The endpoint is enabled again.",
	"deleted":     "The endpoint and its delivery log are deleted.",
	"test":        "A test event is on its way; it shows in the log below within a few seconds.",
	"redelivered": "The delivery is queued again; its new attempt shows here within a few seconds.",
}

func (h *Handlers) newWebhooksPage(c *fiber.Ctx) (webhooksPage, error) {
	m := storeFrom(c)
	page := webhooksPage{storePage: h.newStorePage(c, "Webhooks"), Owner: m.Role == tenants.RoleOwner, Shown: deliveriesShown,
		Events: hooks.Events, Form: webhookForm{Events: []string{hooks.Sale}}}
	err := h.db.InTenant(c.UserContext(), m.ID, func(ctx context.Context, tx bun.Tx) (err error) {
		cr := h.hooks.Creator(tx)
		if page.Endpoints, err = cr.Endpoints(ctx, m.ID); err != nil {
			return err
		}
		page.Deliveries, err = cr.Recent(ctx, m.ID, deliveriesShown)
		return err
	})
	if !page.Owner { // only the owner sees the secrets
		for i := range page.Endpoints {
			page.Endpoints[i].Secret, page.Endpoints[i].Previous = "", ""
		}
	}
	return page, err
}

// hooksOn is the webhooks routes' first step: a dashboard built without
// webhooks (WithHooks) answers them as unknown URLs.
func (h *Handlers) hooksOn(c *fiber.Ctx) error {
	if h.hooks == nil {
		return web.ErrNotFound
	}
	return c.Next()
}

func (h *Handlers) webhooksList(c *fiber.Ctx) error {
	page, err := h.newWebhooksPage(c)
	if err != nil {
		return err
	}
	page.Flash = webhookNotices[c.Query("notice")]
	c.Set(fiber.HeaderCacheControl, "private, no-store")
	return web.Render(c, "dashboard/webhooks", page)
}

// addWebhook saves a new endpoint; a refused URL or event list shows the
// page again with the form as typed and the reason, and saves nothing.
func (h *Handlers) addWebhook(c *fiber.Ctx) error {
	m := storeFrom(c)
	f := webhookForm{URL: c.FormValue("url")}
	for _, v := range c.Context().PostArgs().PeekMulti("events") {
		f.Events = append(f.Events, string(v))
	}
	err := h.db.InTenant(c.UserContext(), m.ID, func(ctx context.Context, tx bun.Tx) error {
		_, err := h.hooks.Creator(tx).Add(ctx, m.ID, f.URL, f.Events, h.hooksProduction)
		return err
	})
	var refusal *web.Refusal
	if errors.As(err, &refusal) {
		page, perr := h.newWebhooksPage(c)
		if perr != nil {
			return perr
		}
		page.Form, page.Error = f, refusal.Message
		c.Status(refusal.Status)
		c.Set(fiber.HeaderCacheControl, "private, no-store")
		return web.Render(c, "dashboard/webhooks", page)
	}
	if err != nil {
		return err
	}
	return c.Redirect(storePath(m)+"/webhooks?notice=added", fiber.StatusSeeOther)
}

// webhookAction is rotate, disable, enable, delete or test of one of the
// store's endpoints; another store's is the 404 page.
func (h *Handlers) webhookAction(action string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		m := storeFrom(c)
		id, err := strconv.ParseInt(c.Params("endpoint"), 10, 64)
		if err != nil {
			return web.ErrNotFound
		}
		err = h.db.InTenant(c.UserContext(), m.ID, func(ctx context.Context, tx bun.Tx) error {
			cr := h.hooks.Creator(tx)
			switch action {
			case "rotated":
				return cr.Rotate(ctx, m.ID, id)
			case "deleted":
				return cr.Delete(ctx, m.ID, id)
			case "test":
				return cr.SendTest(ctx, m.ID, id)
			default:
				return cr.SetDisabled(ctx, m.ID, id, action == "disabled")
			}
		})
		if err != nil {
			return err
		}
		return c.Redirect(storePath(m)+"/webhooks?notice="+action, fiber.StatusSeeOther)
	}
}

// webhookDelivery shows one delivery: the request sent and every attempt.
func (h *Handlers) webhookDelivery(c *fiber.Ctx) error {
	m := storeFrom(c)
	id, err := strconv.ParseInt(c.Params("delivery"), 10, 64)
	if err != nil {
		return web.ErrNotFound
	}
	page := deliveryPage{storePage: h.newStorePage(c, "Webhook delivery"), Owner: m.Role == tenants.RoleOwner}
	err = h.db.InTenant(c.UserContext(), m.ID, func(ctx context.Context, tx bun.Tx) (err error) {
		page.Delivery, err = h.hooks.Creator(tx).Detail(ctx, m.ID, id)
		return err
	})
	if err != nil {
		return err
	}
	page.Flash = webhookNotices[c.Query("notice")]
	c.Set(fiber.HeaderCacheControl, "private, no-store")
	return web.Render(c, "dashboard/webhook_delivery", page)
}

// redeliver queues one of the store's deliveries again.
func (h *Handlers) redeliver(c *fiber.Ctx) error {
	m := storeFrom(c)
	id, err := strconv.ParseInt(c.Params("delivery"), 10, 64)
	if err != nil {
		return web.ErrNotFound
	}
	if err := h.db.InTenant(c.UserContext(), m.ID, func(ctx context.Context, tx bun.Tx) error {
		return h.hooks.Creator(tx).Redeliver(ctx, m.ID, id)
	}); err != nil {
		return err
	}
	return c.Redirect(storePath(m)+"/webhooks/deliveries/"+strconv.FormatInt(id, 10)+"?notice=redelivered", fiber.StatusSeeOther)
}
