package licenses

import (
	"context"
	"database/sql"
	"errors"

	"github.com/claro-market/claro/app/web"
)

// Page returns up to limit of the store's keys with ids below before (0
// for the first page), newest first: the API's keyset list.
func (c *Creator) Page(ctx context.Context, tenantID, before int64, limit int) ([]StoreKey, error) {
	ks := make([]StoreKey, 0, limit)
	q, args := storeKeysSQL, []any{tenantID}
	if before > 0 {
		q += ` AND k.id < ?`
		args = append(args, before)
	}
	err := c.q.NewRaw(q+` ORDER BY k.id DESC LIMIT ?`, append(args, limit)...).Scan(ctx, &ks)
	return ks, err
}

// ByID returns one of the store's keys; another store's key is web.ErrNotFound.
func (c *Creator) ByID(ctx context.Context, tenantID, keyID int64) (*StoreKey, error) {
	k := new(StoreKey)
	err := c.q.NewRaw(storeKeysSQL+` AND k.id = ?`, tenantID, keyID).Scan(ctx, k)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, web.ErrNotFound
	}
	return k, err
}
