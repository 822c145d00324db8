package catalog

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5/pgconn"
)

// ErrSlugTaken is a product slug already used in the same store.
var ErrSlugTaken = errors.New("catalog: slug taken")

// Creator-side methods. Each takes the tenant and filters on it; there is no
// unscoped variant. The dashboard runs them inside db.InTenant, so row-level
// security backs every WHERE clause up.

// ListForTenant returns every live product of a store, drafts included, newest first.
func (s *Store) ListForTenant(ctx context.Context, tenantID int64) ([]Product, error) {
	var ps []Product
	err := s.pool(ctx).NewSelect().Model(&ps).
		Where("tenant_id = ?", tenantID).Where("deleted_at IS NULL").
		OrderExpr("created_at DESC, id DESC").Scan(ctx)
	return ps, err
}

// ByID returns a live product of the store; another store's product is ErrNotFound.
func (s *Store) ByID(ctx context.Context, tenantID, id int64) (*Product, error) {
	p := new(Product)
	err := s.pool(ctx).NewSelect().Model(p).
		Where("tenant_id = ?", tenantID).Where("id = ?", id).Where("deleted_at IS NULL").Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	return p, err
}

// Update saves a product's editable fields within the store.
func (s *Store) Update(ctx context.Context, tenantID int64, p *Product) error {
	res, err := s.pool(ctx).NewUpdate().Model(p).
		Column("slug", "title", "description", "price_cents", "currency", "visibility", "category_id",
			"tags", "cover_key", "content_md", "content_html", "published_at", "license_keys", "activation_limit",
			"pwyw", "pwyw_min_cents").
		Set("updated_at = now()").
		Where("tenant_id = ?", tenantID).Where("id = ?", p.ID).Where("deleted_at IS NULL").
		Exec(ctx)
	return affectedOne(res, uniqueSlug(err))
}

// SoftDelete removes a product from every listing; orders keep pointing at it.
func (s *Store) SoftDelete(ctx context.Context, tenantID, id int64) error {
	res, err := s.pool(ctx).NewRaw(`UPDATE products SET deleted_at = now(), updated_at = now(), slug = slug || '-deleted-' || id
		WHERE tenant_id = ? AND id = ? AND deleted_at IS NULL`, tenantID, id).Exec(ctx)
	return affectedOne(res, err)
}

// DeleteFile removes a file of a product of the store and returns its blob key.
func (s *Store) DeleteFile(ctx context.Context, tenantID, productID, fileID int64) (string, error) {
	var key string
	err := s.pool(ctx).NewRaw(`DELETE FROM product_files WHERE tenant_id = ? AND product_id = ? AND id = ? RETURNING blob_key`,
		tenantID, productID, fileID).Scan(ctx, &key)
	if errors.Is(err, sql.ErrNoRows) {
		return "", ErrNotFound
	}
	return key, err
}

// CreateChecked inserts a product, reporting a taken slug as ErrSlugTaken.
func (s *Store) CreateChecked(ctx context.Context, tenantID int64, p *Product) error {
	return uniqueSlug(s.Create(ctx, tenantID, p))
}

func uniqueSlug(err error) error {
	var pg *pgconn.PgError
	if errors.As(err, &pg) && pg.Code == "23505" {
		return ErrSlugTaken
	}
	return err
}

func affectedOne(res sql.Result, err error) error {
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n != 1 {
		return fmt.Errorf("catalog: %d rows changed: %w", n, ErrNotFound)
	}
	return nil
}
