package discounts

import (
	"context"
	"errors"
	"time"

	"github.com/claro-market/claro/app/web"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"
)

// ErrTaken is a code the store has already (in any case, archived or not).
var ErrTaken = errors.New("discounts: the store has that code already")

// ErrForeignProduct is a product that is not the store's, named in a new
// code's scope.
var ErrForeignProduct = errors.New("discounts: a product that is not the store's")

// StoreCode is one code as the store's dashboard lists it.
type StoreCode struct {
	Code
	Redeemed int `bun:"redeemed"`
	Held     int `bun:"held"`    // live holds: checkouts open now
	Flagged  int `bun:"flagged"` // redemptions past the rules (late, over the per-buyer limit)
}

// Status is the code's state now, for the list: archived, scheduled,
// ended, used up or active.
func (c StoreCode) Status(now time.Time) string {
	switch {
	case c.ArchivedAt != nil:
		return "archived"
	case c.StartsAt != nil && now.Before(*c.StartsAt):
		return "scheduled"
	case c.EndsAt != nil && !now.Before(*c.EndsAt):
		return "ended"
	case c.MaxRedemptions != nil && c.Redeemed >= *c.MaxRedemptions:
		return "used up"
	}
	return "active"
}

// Creator is a store's side of its codes; the dashboard runs it inside the
// store's db.InTenant transaction, so row-level security backs every WHERE.
type Creator struct{ q bun.IDB }

// NewCreator returns the store side over q (the tenant's transaction).
func NewCreator(q bun.IDB) *Creator { return &Creator{q: q} }

// List returns the store's codes, newest first, with their use.
func (c *Creator) List(ctx context.Context, tenantID int64) ([]StoreCode, error) {
	out := []StoreCode{}
	err := c.q.NewRaw(`SELECT k.*,
			(SELECT count(*) FROM discount_uses u WHERE u.code_id = k.id AND u.order_id IS NOT NULL) AS redeemed,
			(SELECT count(*) FROM discount_uses u WHERE u.code_id = k.id AND u.order_id IS NULL AND u.expires_at > now()) AS held,
			(SELECT count(*) FROM discount_uses u WHERE u.code_id = k.id AND u.flag IS NOT NULL) AS flagged
		FROM discount_codes k WHERE k.tenant_id = ? ORDER BY k.archived_at IS NOT NULL, k.id DESC LIMIT 500`, tenantID).Scan(ctx, &out)
	if err != nil {
		return nil, err
	}
	for i := range out {
		if err := products(ctx, c.q, &out[i].Code); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// Create writes a new code of the store with its products; a code the store
// has already is ErrTaken, a product not the store's ErrForeignProduct, and
// nothing is written then.
func (c *Creator) Create(ctx context.Context, tenantID int64, k *Code) error {
	k.TenantID = tenantID
	if !k.AllProducts {
		var n int
		if err := c.q.NewRaw(`SELECT count(*) FROM products WHERE tenant_id = ? AND id IN (?) AND deleted_at IS NULL`,
			tenantID, bun.List(k.Products)).Scan(ctx, &n); err != nil {
			return err
		}
		if n != len(k.Products) || n == 0 {
			return ErrForeignProduct
		}
	}
	var taken bool
	if err := c.q.NewRaw(`SELECT EXISTS (SELECT 1 FROM discount_codes WHERE tenant_id = ? AND lower(code) = lower(?))`,
		tenantID, k.Code).Scan(ctx, &taken); err != nil {
		return err
	}
	if taken {
		return ErrTaken
	}
	_, err := c.q.NewInsert().Model(k).Column("tenant_id", "code", "kind", "value", "currency", "all_products", "starts_at",
		"ends_at", "max_redemptions", "max_per_buyer", "min_order_cents").Returning("id, created_at").Exec(ctx)
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == "23505" {
		return ErrTaken // another request created it since the check
	}
	if err != nil || k.AllProducts {
		return err
	}
	_, err = c.q.NewRaw(`INSERT INTO discount_code_products (code_id, tenant_id, product_id)
		SELECT ?, ?, p FROM unnest(?::bigint[]) AS p`, k.ID, tenantID, pgdialect.Array(k.Products)).Exec(ctx)
	return err
}

// Archive retires one of the store's codes: it no longer applies to new
// checkouts (a checkout open with it still redeems when paid). Another
// store's code is web.ErrNotFound.
func (c *Creator) Archive(ctx context.Context, tenantID, id int64) error {
	res, err := c.q.NewRaw(`UPDATE discount_codes SET archived_at = coalesce(archived_at, now()) WHERE tenant_id = ? AND id = ?`,
		tenantID, id).Exec(ctx)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return web.ErrNotFound
	}
	return nil
}
