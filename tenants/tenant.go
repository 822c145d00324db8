// Package tenants decides who a request is for. It owns the tenant (store)
// model and its store, the Host -> site resolution with its cache, and later the
// custom-domain and TLS policy: everything that turns a hostname into a store.
package tenants

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/claro-market/claro/app/db"
	"github.com/uptrace/bun"
)

// Tenant statuses: only active stores are served.
const (
	StatusActive    = "active"
	StatusSuspended = "suspended"
)

// ErrNotFound is returned for a store that does not exist or is not served. It
// wraps sql.ErrNoRows, which the web layer answers with the one 404 page.
var ErrNotFound = fmt.Errorf("tenants: store not found: %w", sql.ErrNoRows)

// ErrUnavailable is a store suspended by platform staff: not served (it is
// an ErrNotFound), but its host answers the "store unavailable" page rather
// than the 404 page (web.Tenant).
var ErrUnavailable = fmt.Errorf("tenants: store suspended: %w", ErrNotFound)

// Tenant is a creator's store.
type Tenant struct {
	bun.BaseModel `bun:"table:tenants"`

	ID              int64     `bun:"id,pk,autoincrement"`
	Slug            string    `bun:"slug"`
	Name            string    `bun:"name"`
	Description     string    `bun:"description"`
	AccentColor     string    `bun:"accent_color"`
	LogoKey         *string   `bun:"logo_key"`
	CustomDomain    *string   `bun:"custom_domain"`
	StripeAccountID *string   `bun:"stripe_account_id"`
	ChargesEnabled  bool      `bun:"charges_enabled"`
	PayoutsEnabled  bool      `bun:"payouts_enabled"`
	Status          string    `bun:"status"`
	CreatedAt       time.Time `bun:"created_at,nullzero,default:now()"`
	UpdatedAt       time.Time `bun:"updated_at,nullzero,default:now()"`
}

// Active reports whether the store is served at all.
func (t *Tenant) Active() bool { return t.Status == StatusActive }

// Store reads and writes tenants.
type Store struct{ pool db.Pool }

// NewStore returns a Store over h: the primary, or a transaction.
func NewStore(h bun.IDB) *Store { return &Store{pool: db.Fixed(h)} }

// NewReadStore returns a Store for resolving hosts and linking to stores: the
// replica, or the primary for a request whose writer has not seen their write
// replayed yet (db.ReadPool), chosen per request.
func NewReadStore(d *db.DB) *Store { return &Store{pool: d.Reads()} }

// BySlug returns the store with that slug, whatever its status.
func (s *Store) BySlug(ctx context.Context, slug string) (*Tenant, error) {
	t := new(Tenant)
	err := s.pool(ctx).NewSelect().Model(t).Where("slug = ?", slug).Scan(ctx)
	return t, notFound(err)
}

// ByCustomDomain returns the store holding that custom domain.
func (s *Store) ByCustomDomain(ctx context.Context, domain string) (*Tenant, error) {
	t := new(Tenant)
	err := s.pool(ctx).NewSelect().Model(t).Where("custom_domain = ?", domain).Scan(ctx)
	return t, notFound(err)
}

// ByID returns the store with that id.
func (s *Store) ByID(ctx context.Context, id int64) (*Tenant, error) {
	t := new(Tenant)
	err := s.pool(ctx).NewSelect().Model(t).Where("id = ?", id).Scan(ctx)
	return t, notFound(err)
}

// Create inserts a new store.
func (s *Store) Create(ctx context.Context, t *Tenant) error {
	if t.Status == "" {
		t.Status = StatusActive
	}
	if t.AccentColor == "" {
		t.AccentColor = "#4f46e5"
	}
	_, err := s.pool(ctx).NewInsert().Model(t).Returning("id, status, created_at, updated_at").Exec(ctx)
	return err
}

func notFound(err error) error {
	if errors.Is(err, sql.ErrNoRows) {
		return ErrNotFound
	}
	return err
}
