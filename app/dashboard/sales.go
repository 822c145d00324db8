package dashboard

import (
	"context"
	"errors"
	"strconv"

	"github.com/claro-market/claro/app/orders"
	"github.com/claro-market/claro/app/payments"
	"github.com/claro-market/claro/app/web"
	"github.com/gofiber/fiber/v2"
	"github.com/uptrace/bun"
)

// chartDays is how far back the sales chart looks.
const chartDays = 30

type salesPage struct {
	storePage
	Summary orders.Summary
	Orders  []orders.Order
	Chart   Chart
	// DevDisputePath, in `claro dev` only, is where each paid order's
	// "Open a test dispute" control posts (the order's id follows).
	DevDisputePath string
}

// DevEvents stands in for the events Stripe sends after a dashboard action,
// in `claro dev` only (stripe-mock sends none): Refunded delivers the
// charge.refunded of a refund Stripe accepted. DisputePath is where the sales
// page's dev-only "Open a test dispute" control posts.
type DevEvents interface {
	Refunded(ctx context.Context, o orders.Order) error
	DisputePath() string
}

// WithDevEvents turns on the dev stand-ins for Stripe's refund and dispute
// events. app.New calls it only when DEV_TEST_PAYMENTS is on.
func (h *Handlers) WithDevEvents(d DevEvents) *Handlers {
	h.dev = d
	return h
}

type refundPage struct {
	storePage
	Order *orders.Order
}

func (h *Handlers) sales(c *fiber.Ctx) error {
	m := storeFrom(c)
	page := salesPage{storePage: h.newStorePage(c, "Sales")}
	err := h.db.InTenant(c.UserContext(), m.ID, func(ctx context.Context, tx bun.Tx) error {
		s := orders.NewSales(tx)
		var err error
		if page.Summary, err = s.Summary(ctx, m.ID); err != nil {
			return err
		}
		if page.Orders, err = s.Recent(ctx, m.ID, 100); err != nil {
			return err
		}
		days, err := s.Daily(ctx, m.ID, chartDays)
		page.Chart = NewChart(days, page.Summary.Currency)
		return err
	})
	if err != nil {
		return err
	}
	if h.dev != nil {
		page.DevDisputePath = h.dev.DisputePath()
	}
	switch c.Query("status") {
	case "refund-requested":
		page.Flash = "Refund requested. The order shows as refunded as soon as Stripe confirms it."
	case "refund-failed":
		page.Flash = "Stripe could not refund that order just now. Try again in a moment."
	case "dispute-opened":
		page.Flash = "Test dispute opened: the buyer's access is revoked while the payment is contested."
	}
	return web.Render(c, "dashboard/sales", page)
}

// confirmRefund asks the owner to confirm a refund before anything is sent
// to Stripe.
func (h *Handlers) confirmRefund(c *fiber.Ctx) error {
	o, err := h.refundable(c)
	if err != nil {
		return err
	}
	return web.Render(c, "dashboard/refund_confirm", refundPage{storePage: h.newStorePage(c, "Refund order"), Order: o})
}

// refundable is the order in the URL if the store may refund it; anything
// else is the 404 page.
func (h *Handlers) refundable(c *fiber.Ctx) (*orders.Order, error) {
	m := storeFrom(c)
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil {
		return nil, web.ErrNotFound
	}
	var o *orders.Order
	err = h.db.InTenant(c.UserContext(), m.ID, func(ctx context.Context, tx bun.Tx) error {
		o, err = orders.NewSales(tx).Refundable(ctx, m.ID, id)
		return err
	})
	return o, err
}

// refund refunds an order in full through Stripe: the transfer to the creator
// and the platform fee are reversed in proportion, under the order's own
// idempotency key. The order is marked refund pending; it changes when
// charge.refunded arrives (in `claro dev`, delivered here by DevEvents).
func (h *Handlers) refund(c *fiber.Ctx) error {
	if h.money.pay == nil {
		return errNoPayments
	}
	m := storeFrom(c)
	o, err := h.refundable(c)
	if err != nil {
		return err
	}
	base := "/dashboard/s/" + m.Slug + "/sales"
	ctx := c.UserContext()
	if _, err := h.money.pay.Refund(ctx, o.ID, *o.PaymentIntentID); err != nil {
		if errors.Is(err, payments.ErrStripe) {
			return c.Redirect(base+"?status=refund-failed", fiber.StatusSeeOther)
		}
		return err
	}
	if err := h.db.InTenant(ctx, m.ID, func(ctx context.Context, tx bun.Tx) error {
		return orders.NewSales(tx).RefundRequested(ctx, m.ID, o.ID)
	}); err != nil {
		return err
	}
	if h.dev != nil {
		if err := h.dev.Refunded(ctx, *o); err != nil {
			return err
		}
	}
	return c.Redirect(base+"?status=refund-requested", fiber.StatusSeeOther)
}
