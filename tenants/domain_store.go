package tenants

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"time"

	"github.com/claro-market/claro/app/db"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/uptrace/bun"
)

// DomainStore writes custom domains and runs the checker's bookkeeping. It is
// built on the primary: the dashboard reads back what it just wrote, and the
// checker's claims must not race a replica's lag.
type DomainStore struct {
	db   bun.IDB
	root string
}

// NewDomainStore returns a DomainStore on the primary; rootHost is ROOT_DOMAIN
// without its port, which no creator may claim.
func NewDomainStore(primary bun.IDB, rootHost string) *DomainStore {
	return &DomainStore{db: primary, root: rootHost}
}

// Add validates raw and records it as the store's pending custom domain with
// a fresh verification token. It returns ErrDomainInvalid, ErrDomainIP,
// ErrDomainPlatform, ErrDomainTaken or ErrDomainLimit for a refused domain.
func (s *DomainStore) Add(ctx context.Context, tenantID int64, raw string) (*Domain, error) {
	host, alt, err := ValidateDomain(raw, s.root)
	if err != nil {
		return nil, err
	}
	d := &Domain{TenantID: tenantID, Hostname: host, VerificationToken: newToken(), Status: DomainPending,
		LastTXT: []string{}, LastAddrs: []string{}}
	if alt != "" {
		d.AltHostname = &alt
	}
	err = s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.NewInsert().Model(d).Returning("*").Exec(ctx); err != nil {
			return err
		}
		for _, n := range d.Names() {
			if _, err := tx.ExecContext(ctx, "INSERT INTO domain_names (name, domain_id) VALUES (?, ?)", n, d.ID); err != nil {
				return err
			}
		}
		return nil
	})
	var pg *pgconn.PgError
	if errors.As(err, &pg) && pg.Code == "23505" {
		if pg.ConstraintName == "domains_tenant_id_key" {
			return nil, ErrDomainLimit
		}
		return nil, ErrDomainTaken
	}
	if err != nil {
		return nil, err
	}
	return d, nil
}

// ForTenant returns the store's custom domain, or ErrNotFound.
func (s *DomainStore) ForTenant(ctx context.Context, tenantID int64) (*Domain, error) {
	d := new(Domain)
	err := s.db.NewSelect().Model(d).Where("tenant_id = ?", tenantID).Scan(ctx)
	return d, notFound(err)
}

// Remove deletes the store's domain and stops serving it at once.
func (s *DomainStore) Remove(ctx context.Context, tenantID, domainID int64) error {
	return s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		res, err := tx.NewDelete().Model((*Domain)(nil)).Where("id = ? AND tenant_id = ?", domainID, tenantID).Exec(ctx)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNotFound
		}
		_, err = tx.ExecContext(ctx, "UPDATE tenants SET custom_domain = NULL, updated_at = now() WHERE id = ?", tenantID)
		return err
	})
}

// claimDue takes up to limit domains whose check is due and pushes their next
// check lease ahead, so two checkers never work on the same domain at once.
func (s *DomainStore) claimDue(ctx context.Context, limit int, lease time.Duration) ([]*Domain, error) {
	var ds []*Domain
	err := s.db.NewRaw(`UPDATE domains SET next_check_at = now() + make_interval(secs => ?)
		WHERE id IN (SELECT id FROM domains WHERE next_check_at <= now()
		             ORDER BY next_check_at LIMIT ? FOR UPDATE SKIP LOCKED)
		RETURNING *`, lease.Seconds(), limit).Scan(ctx, &ds)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	return ds, err
}

// save writes a check's outcome, keeps tenants.custom_domain naming the
// store's domain exactly while it is active, and announces the change, in one
// transaction.
func (s *DomainStore) save(ctx context.Context, d *Domain, next time.Duration) error {
	if d.LastTXT == nil {
		d.LastTXT = []string{}
	}
	if d.LastAddrs == nil {
		d.LastAddrs = []string{}
	}
	return s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		_, err := tx.NewUpdate().Model(d).
			Column("status", "last_txt", "last_cname", "last_addrs", "last_error", "failure_count",
				"checked_at", "verified_at", "activated_at").
			Set("next_check_at = now() + make_interval(secs => ?)", next.Seconds()).
			Set("updated_at = now()").
			WherePK().Returning("*").Exec(ctx)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE tenants SET custom_domain = CASE WHEN ? THEN ? END, updated_at = now()
			WHERE id = ? AND custom_domain IS DISTINCT FROM CASE WHEN ? THEN ? END`,
			d.Status == DomainActive, d.Hostname, d.TenantID, d.Status == DomainActive, d.Hostname)
		if err != nil {
			return err
		}
		// The domains table has no trigger of its own: announce the store so
		// every instance's host and TLS answers are dropped (db.Changes).
		_, err = tx.ExecContext(ctx, "SELECT pg_notify(?, ?)", db.CatalogChannel, strconv.FormatInt(d.TenantID, 10))
		return err
	})
}

// ActiveDomain returns the active custom domain that answers for name (as its
// hostname or its apex/www partner), or ErrNotFound.
func (s *Store) ActiveDomain(ctx context.Context, name string) (*Domain, error) {
	d := new(Domain)
	err := s.pool(ctx).NewSelect().Model(d).
		Join("JOIN domain_names AS n ON n.domain_id = domain.id").
		Where("n.name = ?", name).Where("domain.status = ?", DomainActive).
		Scan(ctx)
	return d, notFound(err)
}

// CertifiedDomain reports whether name belongs to a verified (or later)
// custom domain of an active store: the custom-domain half of the TLS policy.
func (s *Store) CertifiedDomain(ctx context.Context, name string) (bool, error) {
	return s.pool(ctx).NewSelect().Table("domain_names").
		Join("JOIN domains AS d ON d.id = domain_names.domain_id").
		Join("JOIN tenants AS t ON t.id = d.tenant_id").
		Where("domain_names.name = ?", name).
		Where("d.status IN (?)", bun.List([]string{DomainVerified, DomainCertReady, DomainActive})).
		Where("t.status = ?", StatusActive).
		Exists(ctx)
}

// ActiveSlug reports whether an active store has this slug: the subdomain half
// of the TLS policy.
func (s *Store) ActiveSlug(ctx context.Context, slug string) (bool, error) {
	return s.pool(ctx).NewSelect().Table("tenants").Where("slug = ? AND status = ?", slug, StatusActive).Exists(ctx)
}
