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
	switch c.Query("status") {
	case "refund-requested":
		page.Flash = "Refund requested. The order shows as refunded as soon as Stripe confirms it."
	case "refund-failed":
		page.Flash = "Stripe could not refund that order just now. Try again in a moment."
	}
	return web.Render(c, "dashboard/sales", page)
}

// refund refunds an order in full through Stripe: the transfer to the creator
// and the platform fee are reversed in proportion, under the order's own
// idempotency key. The order changes when charge.refunded arrives.
func (h *Handlers) refund(c *fiber.Ctx) error {
	if h.money.pay == nil {
		return errNoPayments
	}
	m := storeFrom(c)
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil {
		return web.ErrNotFound
	}
	var o *orders.Order
	if err := h.db.InTenant(c.UserContext(), m.ID, func(ctx context.Context, tx bun.Tx) error {
		o, err = orders.NewSales(tx).Refundable(ctx, m.ID, id)
		return err
	}); err != nil {
		return err
	}
	base := "/dashboard/s/" + m.Slug + "/sales"
	if _, err := h.money.pay.Refund(c.UserContext(), o.ID, *o.PaymentIntentID); err != nil {
		if errors.Is(err, payments.ErrStripe) {
			return c.Redirect(base+"?status=refund-failed", fiber.StatusSeeOther)
		}
		return err
	}
	return c.Redirect(base+"?status=refund-requested", fiber.StatusSeeOther)
}
