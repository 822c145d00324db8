package api

import (
	"context"
	"errors"
	"time"

	"github.com/claro-market/claro/app/licenses"
	"github.com/gofiber/fiber/v2"
	"github.com/uptrace/bun"
)

// LicenseKey is one of the store's license keys (never the key itself:
// its buyer reads it in their library; the dashboard's CSV exports them).
type LicenseKey struct {
	ID              int64      `json:"id"`
	OrderID         int64      `json:"order_id"`
	ProductID       int64      `json:"product_id"`
	ProductTitle    string     `json:"product_title"`
	BuyerEmail      string     `json:"buyer_email"`
	Last4           string     `json:"last4"`
	Status          string     `json:"status"` // active or disabled
	DisabledAt      *time.Time `json:"disabled_at"`
	DisabledReason  string     `json:"disabled_reason,omitempty"`
	Activations     int        `json:"activations"`
	ActivationLimit int        `json:"activation_limit"` // 0: no limit
	IssuedAt        time.Time  `json:"issued_at"`
}

func keyOf(k licenses.StoreKey) LicenseKey {
	status := "active"
	if k.DisabledAt != nil {
		status = "disabled"
	}
	return LicenseKey{ID: k.ID, OrderID: k.OrderID, ProductID: k.ProductID, ProductTitle: k.Product, BuyerEmail: k.Email,
		Last4: k.Last4, Status: status, DisabledAt: k.DisabledAt, DisabledReason: k.DisabledReason, Activations: k.Activations,
		ActivationLimit: k.Limit, IssuedAt: k.IssuedAt}
}

// keyPosition is a license cursor's payload: the last key's id.
type keyPosition struct {
	ID int64 `json:"i"`
}

func (h *Handlers) listKeys(c *fiber.Ctx) error {
	tenant := principal(c).TenantID
	scope := scopeOf("licenses", tenant)
	var pos keyPosition
	limit, _, err := h.pageArgs(c, scope, &pos)
	if err != nil {
		return answer(c, err)
	}
	var rows []licenses.StoreKey
	err = h.db.InTenant(c.UserContext(), tenant, func(ctx context.Context, tx bun.Tx) (err error) {
		rows, err = h.keys.Creator(tx).Page(ctx, tenant, pos.ID, limit+1)
		return err
	})
	if err != nil {
		return err
	}
	return pageOf(c, h, scope, rows, limit, func(k licenses.StoreKey) any { return keyPosition{ID: k.ID} }, keyOf)
}

func (h *Handlers) key(ctx context.Context, tenant, id int64) (k *licenses.StoreKey, err error) {
	err = h.db.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		k, err = h.keys.Creator(tx).ByID(ctx, tenant, id)
		return err
	})
	return k, err
}

func (h *Handlers) getKey(c *fiber.Ctx) error {
	id, err := id(c)
	if err != nil {
		return err
	}
	k, err := h.key(c.UserContext(), principal(c).TenantID, id)
	if err != nil {
		return err
	}
	return c.JSON(keyOf(*k))
}

// setKey disables one of the store's keys, or enables one the store
// disabled (a key a refund or dispute disabled stays so: 422).
func (h *Handlers) setKey(disabled bool) fiber.Handler {
	return func(c *fiber.Ctx) error {
		id, err := id(c)
		if err != nil {
			return err
		}
		tenant := principal(c).TenantID
		err = h.db.InTenant(c.UserContext(), tenant, func(ctx context.Context, tx bun.Tx) error {
			return h.keys.Creator(tx).SetDisabled(ctx, tenant, id, disabled)
		})
		if errors.Is(err, licenses.ErrRefunded) {
			return answer(c, fail(fiber.StatusUnprocessableEntity, "key_refunded",
				"A refund or dispute disabled this key; it stays disabled."))
		}
		if err != nil {
			return err
		}
		return h.getKey(c)
	}
}
