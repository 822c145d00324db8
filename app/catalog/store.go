package catalog

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/claro-market/claro/app/db"
	"github.com/uptrace/bun"
)

// Store reads and writes the catalog.
type Store struct{ pool db.Pool }

// NewStore returns a catalog store over h: the primary, or a transaction.
func NewStore(h bun.IDB) *Store { return &Store{pool: db.Fixed(h)} }

// NewReadStore returns a catalog store for pages: it reads the replica, or
// the primary for a writer whose change the replica has not replayed yet
// (db.ReadPool), chosen per request.
func NewReadStore(d *db.DB) *Store { return &Store{pool: d.Reads()} }

// cardColumns are the columns of a Card, with the product table aliased p and
// the tenant table t.
const cardColumns = `p.id, p.slug, p.title, p.price_cents, p.currency, p.visibility, p.cover_key,
	p.rating_count, p.rating_sum, p.created_at, t.slug AS store_slug, t.name AS store_name`

// discoverable is the one definition of what global discovery may show: public,
// live products, not taken down by staff, of active stores that can take payments.
const discoverable = `p.visibility = 'public' AND p.deleted_at IS NULL AND p.taken_down_at IS NULL
	AND t.status = 'active' AND t.charges_enabled`

// ListedSQL is what a storefront lists and sells, over products aliased p
// (or unaliased, with p. removed): public or unlisted, live, not taken down
// by staff. The storefront, the product page and the cart's re-pricing use it.
const ListedSQL = `p.deleted_at IS NULL AND p.taken_down_at IS NULL AND p.visibility IN ('public', 'private')`

// DiscoverableSQL is that rule as a SQL condition over products p joined to
// tenants t, for the search package, so the rule has one definition.
const DiscoverableSQL = discoverable

// Categories returns the category tree's nodes in display order.
func (s *Store) Categories(ctx context.Context) ([]Category, error) {
	var cs []Category
	err := s.pool(ctx).NewSelect().Model(&cs).OrderExpr("parent_id NULLS FIRST, position, name").Scan(ctx)
	return cs, err
}

// NewestDiscoverable returns the newest products across every store that
// global discovery may show.
func (s *Store) NewestDiscoverable(ctx context.Context, limit int) ([]Card, error) {
	cards := make([]Card, 0, limit)
	err := s.pool(ctx).NewRaw(`SELECT `+cardColumns+`
		FROM products p JOIN tenants t ON t.id = p.tenant_id
		WHERE `+discoverable+`
		ORDER BY p.created_at DESC, p.id DESC LIMIT ?`, limit).Scan(ctx, &cards)
	return cards, err
}

// Home sections: the orders the marketplace home lists products in. Each is
// an index scan on its own partial index (migration 0006).
const (
	ByTrending    = "p.trending_score DESC, p.id DESC"
	ByBestselling = "p.sales_count DESC, p.id DESC"
)

// TopDiscoverable returns the first products global discovery may show in one
// of the home orders.
func (s *Store) TopDiscoverable(ctx context.Context, order string, limit int) ([]Card, error) {
	if order != ByTrending && order != ByBestselling {
		return nil, fmt.Errorf("catalog: unknown order %q", order)
	}
	cards := make([]Card, 0, limit)
	err := s.pool(ctx).NewRaw(`SELECT `+cardColumns+`
		FROM products p JOIN tenants t ON t.id = p.tenant_id
		WHERE `+discoverable+`
		ORDER BY `+order+` LIMIT ?`, limit).Scan(ctx, &cards)
	return cards, err
}

// Position is a keyset position in a newest-first list: the last row's
// creation time (microseconds) and id.
type Position struct {
	Micros int64 `json:"t"`
	ID     int64 `json:"i"`
}

// PositionOf is the position just after card c.
func PositionOf(c Card) Position { return Position{Micros: c.CreatedAt.UnixMicro(), ID: c.ID} }

// StorefrontPage returns up to limit of a store's listed products (public and
// private, never drafts or deleted ones), newest first, after the given
// position (nil for the first page). Keyset pagination: a row inserted between
// two requests never makes another repeat or disappear.
func (s *Store) StorefrontPage(ctx context.Context, tenantID int64, after *Position, limit int) ([]Card, error) {
	q := `SELECT ` + cardColumns + `
		FROM products p JOIN tenants t ON t.id = p.tenant_id
		WHERE p.tenant_id = ? AND ` + ListedSQL
	args := []any{tenantID}
	if after != nil {
		q += ` AND (p.created_at, p.id) < (?, ?)`
		args = append(args, time.UnixMicro(after.Micros).UTC(), after.ID)
	}
	q += ` ORDER BY p.created_at DESC, p.id DESC LIMIT ?`
	args = append(args, limit)
	cards := make([]Card, 0, limit)
	err := s.pool(ctx).NewRaw(q, args...).Scan(ctx, &cards)
	return cards, err
}

// VisibleBySlug returns a store's product as buyers may see it: public or
// private, not deleted. Drafts and other stores' products are ErrNotFound.
func (s *Store) VisibleBySlug(ctx context.Context, tenantID int64, slug string) (*Product, error) {
	p := new(Product)
	err := s.pool(ctx).NewSelect().Model(p).
		Where("tenant_id = ?", tenantID).
		Where("slug = ?", slug).
		Where("deleted_at IS NULL").
		Where("taken_down_at IS NULL").
		Where("visibility IN ('public', 'private')").
		Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	return p, err
}

// Category returns one category.
func (s *Store) Category(ctx context.Context, id int64) (*Category, error) {
	c := new(Category)
	err := s.pool(ctx).NewSelect().Model(c).Where("id = ?", id).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	return c, err
}

// Files lists a product's downloadable files within the store.
func (s *Store) Files(ctx context.Context, tenantID, productID int64) ([]File, error) {
	var fs []File
	err := s.pool(ctx).NewSelect().Model(&fs).
		Where("tenant_id = ?", tenantID).Where("product_id = ?", productID).
		Order("id").Scan(ctx)
	return fs, err
}

// CreateCategory inserts a category (seeding and tests).
func (s *Store) CreateCategory(ctx context.Context, c *Category) error {
	_, err := s.pool(ctx).NewInsert().Model(c).Returning("id").Exec(ctx)
	return err
}

// Create inserts a product into the store tenantID; the tenant argument wins
// over whatever p carries.
func (s *Store) Create(ctx context.Context, tenantID int64, p *Product) error {
	p.TenantID = tenantID
	if p.Tags == nil {
		p.Tags = []string{}
	}
	if p.Currency == "" {
		p.Currency = "usd"
	}
	_, err := s.pool(ctx).NewInsert().Model(p).Returning("id, created_at, updated_at").Exec(ctx)
	return err
}

// AddFile attaches a file to a product of store tenantID.
func (s *Store) AddFile(ctx context.Context, tenantID int64, f *File) error {
	f.TenantID = tenantID
	_, err := s.pool(ctx).NewInsert().Model(f).Returning("id, created_at").Exec(ctx)
	return err
}
