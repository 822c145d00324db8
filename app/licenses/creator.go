package licenses

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/claro-market/claro/app/web"
	"github.com/uptrace/bun"
)

// StoreKey is one key as its store's dashboard lists it.
type StoreKey struct {
	ID             int64      `bun:"id"`
	OrderID        int64      `bun:"order_id"`
	ProductID      int64      `bun:"product_id"`
	Product        string     `bun:"title"`
	Email          string     `bun:"email"`
	Last4          string     `bun:"last4"`
	IssuedAt       time.Time  `bun:"created_at"`
	DisabledAt     *time.Time `bun:"disabled_at"`
	DisabledReason string     `bun:"disabled_reason"`
	Activations    int        `bun:"activations"`
	Limit          int        `bun:"activation_limit"`
	Key            string     `bun:"-"` // set by Export only
}

// Enableable reports whether the store may enable the key again: only a
// key it disabled itself.
func (k StoreKey) Enableable() bool { return k.DisabledAt != nil && k.DisabledReason == ByStore }

// ByStore is the dashboard's reason for a key it disabled: the only
// disabled keys the store may enable again (a refunded or disputed key
// stays disabled: its money went back).
const ByStore = "disabled by the store"

// Creator is a store's side of its keys. Every method takes the store's id
// and reads or writes that store's keys only; the dashboard runs it inside
// the store's db.InTenant transaction, under row-level security.
type Creator struct {
	q    bun.IDB
	keys *Keys
}

// Creator returns the store side of the keys over q (the tenant's tx).
func (k *Keys) Creator(q bun.IDB) *Creator { return &Creator{q: q, keys: k} }

const storeKeysSQL = `SELECT k.id, k.order_id, k.product_id, p.title, o.email, k.last4, k.created_at, k.disabled_at,
		coalesce(k.disabled_reason, '') AS disabled_reason, p.activation_limit,
		(SELECT count(*) FROM license_activations a WHERE a.key_id = k.id AND a.deactivated_at IS NULL) AS activations
	FROM license_keys k JOIN products p ON p.id = k.product_id JOIN orders o ON o.id = k.order_id
	WHERE k.tenant_id = ?`

// Recent lists the store's newest keys, at most limit.
func (c *Creator) Recent(ctx context.Context, tenantID int64, limit int) ([]StoreKey, error) {
	ks := []StoreKey{}
	err := c.q.NewRaw(storeKeysSQL+` ORDER BY k.id DESC LIMIT ?`, tenantID, limit).Scan(ctx, &ks)
	return ks, err
}

// Export lists every key of the store with the key itself, oldest first,
// for the CSV the creator downloads.
func (c *Creator) Export(ctx context.Context, tenantID int64) ([]StoreKey, error) {
	ks := []StoreKey{}
	if err := c.q.NewRaw(storeKeysSQL+` ORDER BY k.id`, tenantID).Scan(ctx, &ks); err != nil {
		return nil, err
	}
	for i := range ks {
		ks[i].Key = c.keys.Key(ks[i].OrderID, ks[i].ProductID)
	}
	return ks, nil
}

// ErrRefunded is enabling a key a refund or dispute disabled.
var ErrRefunded = web.Refuse(422, "This key was disabled by a refund or dispute; it stays disabled.")

// SetDisabled disables one of the store's keys, or enables one the store
// disabled. Another store's key is web.ErrNotFound.
func (c *Creator) SetDisabled(ctx context.Context, tenantID, keyID int64, disabled bool) error {
	var reason sql.NullString
	var at sql.NullTime
	err := c.q.NewRaw(`SELECT disabled_at, disabled_reason FROM license_keys WHERE tenant_id = ? AND id = ? FOR UPDATE`,
		tenantID, keyID).Scan(ctx, &at, &reason)
	if errors.Is(err, sql.ErrNoRows) {
		return web.ErrNotFound
	}
	if err != nil {
		return err
	}
	switch {
	case disabled && at.Valid, !disabled && !at.Valid:
		return nil // already so
	case !disabled && reason.String != ByStore:
		return ErrRefunded
	}
	q := `UPDATE license_keys SET disabled_at = now(), disabled_reason = ? WHERE tenant_id = ? AND id = ?`
	args := []any{ByStore, tenantID, keyID}
	if !disabled {
		q, args = `UPDATE license_keys SET disabled_at = NULL, disabled_reason = NULL WHERE tenant_id = ? AND id = ?`, args[1:]
	}
	_, err = c.q.NewRaw(q, args...).Exec(ctx)
	return err
}

// Reset frees every live activation of one of the store's keys.
func (c *Creator) Reset(ctx context.Context, tenantID, keyID int64) (int64, error) {
	var id int64
	err := c.q.NewRaw(`SELECT id FROM license_keys WHERE tenant_id = ? AND id = ? FOR UPDATE`, tenantID, keyID).Scan(ctx, &id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, web.ErrNotFound
	}
	if err != nil {
		return 0, err
	}
	res, err := c.q.NewRaw(`UPDATE license_activations SET deactivated_at = now()
		WHERE tenant_id = ? AND key_id = ? AND deactivated_at IS NULL`, tenantID, id).Exec(ctx)
	if err != nil {
		return 0, err
	}
	n, _ := res.RowsAffected()
	return n, nil
}
