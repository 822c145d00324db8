package tenants

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/uptrace/bun"
)

// Member roles: owners manage members; admins run the store.
const (
	RoleOwner = "owner"
	RoleAdmin = "admin"
)

// ErrSlugTaken is a store slug another store already has.
var ErrSlugTaken = errors.New("tenants: slug taken")

// tenantColumns are the Tenant model's columns, named, so a column added
// later never breaks a scan.
const tenantColumns = `t.id, t.slug, t.name, t.description, t.accent_color, t.logo_key, t.custom_domain,
	t.stripe_account_id, t.charges_enabled, t.payouts_enabled, t.status, t.created_at, t.updated_at`

// Membership is a store as one of its members sees it.
type Membership struct {
	Tenant
	Role string `bun:"role"`
}

// Member is one account with access to a store.
type Member struct {
	UserID int64     `bun:"user_id"`
	Email  string    `bun:"email"`
	Name   string    `bun:"name"`
	Role   string    `bun:"role"`
	Since  time.Time `bun:"created_at"`
}

// ForMember returns the store with slug if userID belongs to it; otherwise
// ErrNotFound, exactly as if the store did not exist.
func (s *Store) ForMember(ctx context.Context, userID int64, slug string) (*Membership, error) {
	m := new(Membership)
	err := s.pool(ctx).NewRaw(`SELECT `+tenantColumns+`, m.role FROM tenants t JOIN tenant_members m ON m.tenant_id = t.id
		WHERE t.slug = ? AND m.user_id = ?`, slug, userID).Scan(ctx, m)
	return m, notFound(err)
}

// ListForMember returns every store userID belongs to.
func (s *Store) ListForMember(ctx context.Context, userID int64) ([]Membership, error) {
	var ms []Membership
	err := s.pool(ctx).NewRaw(`SELECT `+tenantColumns+`, m.role FROM tenants t JOIN tenant_members m ON m.tenant_id = t.id
		WHERE m.user_id = ? ORDER BY t.name`, userID).Scan(ctx, &ms)
	return ms, err
}

// CreateWithOwner creates a store and makes userID its owner, in one
// transaction.
func (s *Store) CreateWithOwner(ctx context.Context, db *bun.DB, t *Tenant, userID int64) error {
	return db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if err := NewStore(tx).Create(ctx, t); err != nil {
			var pg *pgconn.PgError
			if errors.As(err, &pg) && pg.Code == "23505" {
				return ErrSlugTaken
			}
			return err
		}
		_, err := tx.NewRaw(`INSERT INTO tenant_members (tenant_id, user_id, role) VALUES (?, ?, 'owner')`, t.ID, userID).Exec(ctx)
		return err
	})
}

// UpdateSettings saves the store's name, description, accent colour and logo.
func (s *Store) UpdateSettings(ctx context.Context, tenantID int64, name, description, accent string, logoKey *string) error {
	res, err := s.pool(ctx).NewRaw(`UPDATE tenants SET name = ?, description = ?, accent_color = ?, logo_key = ?, updated_at = now()
		WHERE id = ?`, name, description, accent, logoKey, tenantID).Exec(ctx)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return ErrNotFound
	}
	return nil
}

// Members lists the accounts with access to the store.
func (s *Store) Members(ctx context.Context, tenantID int64) ([]Member, error) {
	var ms []Member
	err := s.pool(ctx).NewRaw(`SELECT m.user_id, u.email, u.name, m.role, m.created_at FROM tenant_members m
		JOIN users u ON u.id = m.user_id WHERE m.tenant_id = ? ORDER BY m.created_at`, tenantID).Scan(ctx, &ms)
	return ms, err
}
