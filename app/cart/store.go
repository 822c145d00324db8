package cart

import (
	"context"
	"database/sql"
	"fmt"
	"slices"

	"github.com/claro-market/claro/app/catalog"
	"github.com/claro-market/claro/app/db"
	"github.com/claro-market/claro/tenants"
	"github.com/uptrace/bun"
)

// Line is a cart item priced from the database just now.
type Line struct {
	ProductID      int64   `bun:"id"`
	Slug           string  `bun:"slug"`
	Title          string  `bun:"title"`
	UnitPriceCents int64   `bun:"price_cents"`
	Currency       string  `bun:"currency"`
	CoverKey       *string `bun:"cover_key"`
	Quantity       int     `bun:"-"`
}

// SubtotalCents is the line's price times its quantity.
func (l Line) SubtotalCents() int64 { return l.UnitPriceCents * int64(l.Quantity) }

// Priced is a cart re-priced from the database: the lines still for sale in
// this store, the ids that are not (drafts, deleted, another store's, unknown),
// and the total.
type Priced struct {
	Lines       []Line
	Unavailable []int64
	TotalCents  int64
	Currency    string
	// MixedCurrency is a cart whose products are priced in different
	// currencies, which one Checkout Session cannot charge.
	MixedCurrency bool
}

// Count is the number of things priced.
func (p *Priced) Count() int {
	n := 0
	for _, l := range p.Lines {
		n += l.Quantity
	}
	return n
}

// Store prices carts.
type Store struct{ pool db.Pool }

// NewStore returns a cart store over h: the primary, where the price will be
// charged.
func NewStore(h bun.IDB) *Store { return &Store{pool: db.Fixed(h)} }

// NewReadStore returns a cart store for showing the cart: the replica, or the
// primary for a visitor whose write it has not replayed yet (db.ReadPool),
// chosen per request.
func NewReadStore(d *db.DB) *Store { return &Store{pool: d.Reads()} }

// priceSQL is Price's statement: one text for every cart, run prepared
// (db.Prepared), so PostgreSQL parses and plans it once per connection.
const priceSQL = `SELECT p.id, p.slug, p.title, p.price_cents, p.currency, p.cover_key FROM products p
	WHERE p.tenant_id = $1 AND p.id = ANY ($2::bigint[]) AND ` + catalog.ListedSQL

// Price reads every product of the cart within the store tenantID: only
// public or unlisted, live products of that store count. The cookie's word is
// taken for nothing but ids and quantities.
func (s *Store) Price(ctx context.Context, tenantID int64, c Cart) (*Priced, error) {
	out := &Priced{Lines: []Line{}}
	if len(c.Items) == 0 {
		return out, nil
	}
	rows, err := s.query(ctx, s.pool(ctx), tenantID, c.IDs())
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var one [1]Line // a cart add prices one product: its row stays on the stack
	lines := one[:0]
	for rows.Next() {
		var l Line
		if err := rows.Scan(&l.ProductID, &l.Slug, &l.Title, &l.UnitPriceCents, &l.Currency, &l.CoverKey); err != nil {
			return nil, err
		}
		lines = append(lines, l)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for _, it := range c.Items {
		i := slices.IndexFunc(lines, func(l Line) bool { return l.ProductID == it.ProductID })
		if i < 0 {
			out.Unavailable = append(out.Unavailable, it.ProductID)
			continue
		}
		l := lines[i]
		l.Quantity = it.Quantity
		if out.Currency == "" {
			out.Currency = l.Currency
		} else if out.Currency != l.Currency {
			out.MixedCurrency = true
		}
		out.Lines = append(out.Lines, l)
		out.TotalCents += l.SubtotalCents()
	}
	return out, nil
}

// query runs priceSQL on the database/sql handle under h: Bun would
// interpolate the arguments into a new text per call (see db.Prepared).
func (s *Store) query(ctx context.Context, h bun.IDB, tenantID int64, ids []int64) (*sql.Rows, error) {
	args := db.Prepared(tenantID, ids)
	switch h := h.(type) {
	case *bun.DB:
		return h.DB.QueryContext(ctx, priceSQL, args...)
	case bun.Tx:
		return h.Tx.QueryContext(ctx, priceSQL, args...)
	case *bun.Tx:
		return h.Tx.QueryContext(ctx, priceSQL, args...)
	case bun.Conn:
		return h.Conn.QueryContext(ctx, priceSQL, args...)
	}
	return nil, fmt.Errorf("cart: no database/sql handle under %T", h)
}

// Stores reads the active stores among ids, for the carts index: a store
// since suspended or deleted is left out, and so is its cart.
func (s *Store) Stores(ctx context.Context, ids []int64) (map[int64]*tenants.Tenant, error) {
	out := map[int64]*tenants.Tenant{}
	if len(ids) == 0 {
		return out, nil
	}
	var rows []*tenants.Tenant
	if err := s.pool(ctx).NewSelect().Model(&rows).Where("id IN (?)", bun.List(ids)).
		Where("status = ?", tenants.StatusActive).Scan(ctx); err != nil {
		return nil, err
	}
	for _, t := range rows {
		out[t.ID] = t
	}
	return out, nil
}
