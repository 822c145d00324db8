package orders

import (
	"context"
	"database/sql"
	"errors"

	"github.com/uptrace/bun/dialect/pgdialect"
)

// Item is one line of an order.
type Item struct {
	OrderID        int64  `bun:"order_id"`
	ProductID      int64  `bun:"product_id"`
	Title          string `bun:"title"`
	UnitPriceCents int64  `bun:"unit_price_cents"`
	Quantity       int    `bun:"quantity"`
}

// ByID returns one of the store's orders, any status; another store's
// order (or none) is ErrNotFound.
func (s *Sales) ByID(ctx context.Context, tenantID, orderID int64) (*Order, error) {
	o := new(Order)
	err := s.db.NewRaw(`SELECT `+orderColumns+` FROM orders o WHERE o.tenant_id = ? AND o.id = ?`, tenantID, orderID).Scan(ctx, o)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	return o, err
}

// Every returns up to limit of the store's orders after the position (nil
// for the first page), newest first, whatever their age or status: the
// API's keyset list.
func (s *Sales) Every(ctx context.Context, tenantID int64, after *After, limit int) ([]Order, error) {
	os := make([]Order, 0, limit)
	q, args := `SELECT `+orderColumns+` FROM orders o WHERE o.tenant_id = ?`, []any{tenantID}
	if after != nil {
		q += ` AND (o.created_at, o.id) < (?, ?)`
		args = append(args, after.CreatedAt, after.ID)
	}
	err := s.db.NewRaw(q+` ORDER BY o.created_at DESC, o.id DESC LIMIT ?`, append(args, limit)...).Scan(ctx, &os)
	return os, err
}

// Items returns the lines of the store's orders ids, by order then product.
func (s *Sales) Items(ctx context.Context, tenantID int64, ids []int64) ([]Item, error) {
	items := []Item{}
	if len(ids) == 0 {
		return items, nil
	}
	err := s.db.NewRaw(`SELECT order_id, product_id, title, unit_price_cents, quantity FROM order_items
		WHERE tenant_id = ? AND order_id = ANY(?) ORDER BY order_id, product_id`, tenantID, pgdialect.Array(ids)).Scan(ctx, &items)
	return items, err
}
