package discounts

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/claro-market/claro/app/db"
	"github.com/uptrace/bun"
)

// find reads the store's code by its text, whatever its case, with its
// products; lock takes the row FOR UPDATE (checkout open counts and holds
// under it). An unknown code is (nil, nil).
func find(ctx context.Context, q bun.IDB, tenantID int64, code string, lock bool) (*Code, error) {
	c := new(Code)
	sel := q.NewSelect().Model(c).Where("tenant_id = ?", tenantID).Where("lower(code) = lower(?)", code)
	if lock {
		sel = sel.For("UPDATE")
	}
	if err := sel.Scan(ctx); errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	return c, products(ctx, q, c)
}

func products(ctx context.Context, q bun.IDB, c *Code) error {
	c.Products = []int64{}
	if c.AllProducts {
		return nil
	}
	return q.NewRaw(`SELECT product_id FROM discount_code_products WHERE tenant_id = ? AND code_id = ? ORDER BY product_id`,
		c.TenantID, c.ID).Scan(ctx, &c.Products)
}

// usage counts the code's redemptions and live holds, in all and by buyer
// (by account or by address: a buyer who signed in once and checked out as
// a guest once is the same buyer when the addresses match).
func usage(ctx context.Context, q bun.IDB, c *Code, b Buyer) (Usage, error) {
	var u Usage
	err := q.NewRaw(`SELECT count(*), count(*) FILTER (WHERE order_id IS NOT NULL),
			count(*) FILTER (WHERE buyer), count(*) FILTER (WHERE buyer AND order_id IS NOT NULL)
		FROM (SELECT order_id, (? <> 0 AND user_id = ?) OR (? <> '' AND email = ?) AS buyer
			FROM discount_uses WHERE tenant_id = ? AND code_id = ? AND (order_id IS NOT NULL OR expires_at > now())) u`,
		b.UserID, b.UserID, b.Email, b.Email, c.TenantID, c.ID).Scan(ctx, &u.Total, &u.Redeemed, &u.ByBuyer, &u.RedeemedByBuyer)
	return u, err
}

// Preview applies the store's code to a cart for the cart page: over q (a
// read pool is fine), nothing written, the per-buyer limit checked when the
// buyer is known.
func Preview(ctx context.Context, q bun.IDB, tenantID int64, code string, lines []Line, currency string, b Buyer) (*Applied, error) {
	c, err := find(ctx, q, tenantID, code, false)
	if err != nil {
		return nil, err
	}
	if c == nil {
		return nil, evalNil()
	}
	u, err := usage(ctx, q, c, b)
	if err != nil {
		return nil, err
	}
	return Evaluate(c, lines, currency, time.Now(), u, b, b.Known())
}

func evalNil() error {
	_, err := Evaluate(nil, nil, "", time.Time{}, Usage{}, Buyer{}, false)
	return err
}

// Hold applies the store's code for a checkout being opened, inside the
// checkout's transaction tx (db.InTenant): the code's row locked, so every
// checkout of that code waits here for the one before it to commit, then
// its redemptions and live holds counted against its caps. It returns the
// discount to charge and take, and take writes the hold once the checkout
// row exists (the caller inserts it in between).
func Hold(ctx context.Context, tx bun.Tx, tenantID int64, code string, lines []Line, currency string, b Buyer) (a *Applied, take func(checkoutID int64) error, err error) {
	c, err := find(ctx, tx, tenantID, code, true)
	if err != nil {
		return nil, nil, err
	}
	if c == nil {
		return nil, nil, evalNil()
	}
	u, err := usage(ctx, tx, c, b)
	if err != nil {
		return nil, nil, err
	}
	if a, err = Evaluate(c, lines, currency, time.Now(), u, b, true); err != nil {
		return nil, nil, err
	}
	take = func(checkoutID int64) error {
		var uid *int64
		if b.UserID != 0 {
			uid = &b.UserID
		}
		_, err := tx.NewRaw(`INSERT INTO discount_uses (tenant_id, code_id, checkout_id, user_id, email, amount_off_cents, expires_at)
			VALUES (?, ?, ?, ?, ?, ?, now() + make_interval(secs => ?))`, tenantID, c.ID, checkoutID, uid, b.Email, a.TotalOff,
			HoldFor.Seconds()).Exec(ctx)
		return err
	}
	return a, take, nil
}

// redeemSQL turns the holds of the orders just paid into redemptions, with
// the paying buyer's account and address (Stripe's, which may differ from
// what was known at open), flagged 'late' when the hold had expired (the
// code may then be over its cap: a paid order is never refused).
const redeemSQL = `UPDATE discount_uses d SET order_id = o.id, redeemed_at = now(),
		user_id = coalesce(o.user_id, d.user_id), email = lower(o.email),
		flag = CASE WHEN d.expires_at <= now() THEN 'late' END
	FROM orders o
	WHERE o.id = ANY ($1::bigint[]) AND d.checkout_id = o.checkout_id AND d.order_id IS NULL`

// buyerLimitSQL flags a redemption whose buyer, as Stripe reported them,
// had used or held the code up to its per-buyer limit in checkouts opened
// before this one (a guest may type
// another address at open than Stripe collects; see docs/discounts.md).
const buyerLimitSQL = `UPDATE discount_uses d SET flag = 'buyer_limit'
	FROM discount_codes k
	WHERE d.order_id = ANY ($1::bigint[]) AND k.id = d.code_id AND k.max_per_buyer IS NOT NULL AND d.flag IS NULL
	  AND (SELECT count(*) FROM discount_uses e WHERE e.code_id = d.code_id AND e.id < d.id
	       AND (e.order_id IS NOT NULL OR e.expires_at > now())
	       AND ((d.user_id IS NOT NULL AND e.user_id = d.user_id) OR (d.email <> '' AND e.email = d.email))) >= k.max_per_buyer`

// Redeem is the orders.PaidStep that records the redemptions of the orders
// this webhook transaction paid, once each (a hold already redeemed is left
// as it is). A batch without discounted orders costs one indexed read.
func Redeem(ctx context.Context, tx bun.Tx, paid []int64) error {
	res, err := tx.Tx.ExecContext(ctx, redeemSQL, db.Prepared(paid)...)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return nil
	}
	_, err = tx.Tx.ExecContext(ctx, buyerLimitSQL, db.Prepared(paid)...)
	return err
}
