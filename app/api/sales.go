package api

import (
	"context"
	"errors"
	"time"

	"github.com/claro-market/claro/app/orders"
	"github.com/claro-market/claro/app/payments"
	"github.com/gofiber/fiber/v2"
	"github.com/uptrace/bun"
)

// Sale is an order as the API answers it.
type Sale struct {
	ID                  int64     `json:"id"`
	Email               string    `json:"email"`
	Status              string    `json:"status"`
	AmountTotalCents    int64     `json:"amount_total_cents"`
	ApplicationFeeCents int64     `json:"application_fee_cents"`
	AmountRefundedCents int64     `json:"amount_refunded_cents"`
	Currency            string    `json:"currency"`
	Refundable          bool      `json:"refundable"`
	RefundPending       bool      `json:"refund_pending"`
	CreatedAt           time.Time `json:"created_at"`
	Items               []Item    `json:"items"`
}

// Item is one line of a sale.
type Item struct {
	ProductID      int64  `json:"product_id"`
	Title          string `json:"title"`
	UnitPriceCents int64  `json:"unit_price_cents"`
	Quantity       int    `json:"quantity"`
}

func saleOf(o orders.Order, items []orders.Item) Sale {
	s := Sale{ID: o.ID, Email: o.Email, Status: o.Status, AmountTotalCents: o.AmountTotalCents,
		ApplicationFeeCents: o.ApplicationFeeCents, AmountRefundedCents: o.AmountRefundedCents, Currency: o.Currency,
		Refundable: o.Refundable() && !o.RefundPending(), RefundPending: o.RefundPending(), CreatedAt: o.CreatedAt, Items: []Item{}}
	for _, it := range items {
		if it.OrderID == o.ID {
			s.Items = append(s.Items, Item{ProductID: it.ProductID, Title: it.Title, UnitPriceCents: it.UnitPriceCents, Quantity: it.Quantity})
		}
	}
	return s
}

// salePosition is a sales cursor's payload.
type salePosition struct {
	Micros int64 `json:"t"`
	ID     int64 `json:"i"`
}

func (h *Handlers) listSales(c *fiber.Ctx) error {
	tenant := principal(c).TenantID
	scope := scopeOf("sales", tenant)
	var pos salePosition
	limit, more, err := h.pageArgs(c, scope, &pos)
	if err != nil {
		return answer(c, err)
	}
	var after *orders.After
	if more {
		after = &orders.After{CreatedAt: time.UnixMicro(pos.Micros).UTC(), ID: pos.ID}
	}
	var rows []orders.Order
	var items []orders.Item
	err = h.db.InTenant(c.UserContext(), tenant, func(ctx context.Context, tx bun.Tx) error {
		s := orders.NewSales(tx)
		if rows, err = s.Every(ctx, tenant, after, limit+1); err != nil {
			return err
		}
		ids := make([]int64, 0, len(rows))
		for _, o := range rows {
			ids = append(ids, o.ID)
		}
		items, err = s.Items(ctx, tenant, ids)
		return err
	})
	if err != nil {
		return err
	}
	return pageOf(c, h, scope, rows, limit,
		func(o orders.Order) any { return salePosition{Micros: o.CreatedAt.UnixMicro(), ID: o.ID} },
		func(o orders.Order) Sale { return saleOf(o, items) })
}

// sale reads one of the store's orders with its lines.
func (h *Handlers) sale(ctx context.Context, tenant, id int64) (Sale, error) {
	var s Sale
	err := h.db.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		o, err := orders.NewSales(tx).ByID(ctx, tenant, id)
		if err != nil {
			return err
		}
		items, err := orders.NewSales(tx).Items(ctx, tenant, []int64{id})
		s = saleOf(*o, items)
		return err
	})
	return s, err
}

func (h *Handlers) getSale(c *fiber.Ctx) error {
	id, err := id(c)
	if err != nil {
		return err
	}
	s, err := h.sale(c.UserContext(), principal(c).TenantID, id)
	if err != nil {
		return err
	}
	return c.JSON(s)
}

// refundSale refunds an order in full through Stripe, as the dashboard's
// Refund button does (orders.RequestRefund): 202, the sale marked refund
// pending until Stripe's charge.refunded changes it.
func (h *Handlers) refundSale(c *fiber.Ctx) error {
	id, err := id(c)
	if err != nil {
		return err
	}
	tenant := principal(c).TenantID
	if h.pay == nil {
		return answer(c, fail(fiber.StatusServiceUnavailable, "payments_unavailable", "Payments are not configured on this server."))
	}
	ctx := c.UserContext()
	o, err := orders.RequestRefund(ctx, h.db, h.pay, tenant, id)
	switch {
	case errors.Is(err, orders.ErrNotRefundable):
		return answer(c, fail(fiber.StatusConflict, "not_refundable", "This sale cannot be refunded: its status is "+o.Status+"."))
	case errors.Is(err, payments.ErrStripe):
		h.log.Warn("api refund refused by stripe", "order", id, "err", err)
		return answer(c, fail(fiber.StatusBadGateway, "stripe_error", "Stripe could not refund this sale just now; try again in a moment."))
	case err != nil:
		return err
	}
	if h.refunded != nil {
		if err := h.refunded(ctx, *o); err != nil {
			return err
		}
	}
	s, err := h.sale(ctx, tenant, id)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusAccepted).JSON(s)
}
