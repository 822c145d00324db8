package catalog

import (
	"context"
	"time"
)

// CreatorPage returns up to limit of the store's live products (drafts
// included, deleted ones not), newest first, after the position (nil for
// the first page): the API's keyset list, in the tenant's transaction.
func (e *Editor) CreatorPage(ctx context.Context, tenantID int64, after *Position, limit int) (ps []Product, err error) {
	err = e.inTenant(ctx, tenantID, func(ctx context.Context, s *Store) error {
		ps = make([]Product, 0, limit)
		q := s.pool(ctx).NewSelect().Model(&ps).Where("tenant_id = ?", tenantID).Where("deleted_at IS NULL")
		if after != nil {
			q = q.Where("(created_at, id) < (?, ?)", time.UnixMicro(after.Micros).UTC(), after.ID)
		}
		return q.OrderExpr("created_at DESC, id DESC").Limit(limit).Scan(ctx)
	})
	return ps, err
}

// ProductPosition is the position just after product p in CreatorPage's order.
func ProductPosition(p Product) Position { return Position{Micros: p.CreatedAt.UnixMicro(), ID: p.ID} }
