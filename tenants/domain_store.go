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
//
// A pending claim holds nothing: another store may add the same name while
// it waits, and whichever proves the DNS first keeps it (see save). Only a
// proven claim's names (domain_names) make the name ErrDomainTaken. The
// store's own claim left unverified past PendingTTL is replaced.
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
		if _, err := tx.ExecContext(ctx, "DELETE FROM domains WHERE tenant_id = ? AND "+expiredSQL,
			tenantID, bun.List(provenStatuses), PendingTTL.Seconds()); err != nil {
			return err
		}
		held, err := tx.NewSelect().Table("domain_names").Where("name IN (?)", bun.List(d.Names())).Exists(ctx)
		if err != nil {
			return err
		}
		if held {
			return ErrDomainTaken
		}
		_, err = tx.NewInsert().Model(d).Returning("*").Exec(ctx)
		return err
	})
	var pg *pgconn.PgError
	if errors.As(err, &pg) && pg.Code == "23505" && pg.ConstraintName == "domains_tenant_id_key" {
		return nil, ErrDomainLimit
	}
	if err != nil {
		return nil, err
	}
	return d, nil
}

// expiredSQL matches claims never verified whose PendingTTL has passed; its
// arguments are provenStatuses (bun.List) and PendingTTL in seconds.
const expiredSQL = "verified_at IS NULL AND status NOT IN (?) AND created_at <= now() - make_interval(secs => ?)"

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
// transaction. A proven claim holds its names (the domain_names trigger of
// migration 0025) and every unproven claim on them is deleted: the store that
// proved the DNS wins over stale pending ones. save returns ErrDomainTaken
// when another claim proved the names first, and ErrNotFound when this claim
// is gone (removed, expired or outbid meanwhile); neither writes anything.
// It returns the stores whose claims it deleted.
func (s *DomainStore) save(ctx context.Context, d *Domain, next time.Duration) (outbid []int64, err error) {
	if d.LastTXT == nil {
		d.LastTXT = []string{}
	}
	if d.LastAddrs == nil {
		d.LastAddrs = []string{}
	}
	names := bun.List(d.Names())
	err = s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		// Every claim on these names is locked in id order first, so two
		// stores proving one name at once queue here instead of deadlocking.
		if _, err := tx.ExecContext(ctx, `SELECT id FROM domains WHERE id = ? OR hostname IN (?) OR alt_hostname IN (?)
			ORDER BY id FOR UPDATE`, d.ID, names, names); err != nil {
			return err
		}
		res, err := tx.NewUpdate().Model(d).
			Column("status", "last_txt", "last_cname", "last_addrs", "last_error", "failure_count",
				"checked_at", "verified_at", "activated_at").
			Set("next_check_at = now() + make_interval(secs => ?)", next.Seconds()).
			Set("updated_at = now()").
			WherePK().Returning("*").Exec(ctx)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNotFound
		}
		outbid = nil
		if d.Certified() {
			if err := tx.NewRaw(`DELETE FROM domains WHERE id <> ? AND status NOT IN (?) AND (hostname IN (?) OR alt_hostname IN (?))
				RETURNING tenant_id`, d.ID, bun.List(provenStatuses), names, names).Scan(ctx, &outbid); err != nil && !errors.Is(err, sql.ErrNoRows) {
				return err
			}
		}
		_, err = tx.ExecContext(ctx, `UPDATE tenants SET custom_domain = CASE WHEN ? THEN ? END, updated_at = now()
			WHERE id = ? AND custom_domain IS DISTINCT FROM CASE WHEN ? THEN ? END`,
			d.Status == DomainActive, d.Hostname, d.TenantID, d.Status == DomainActive, d.Hostname)
		if err != nil {
			return err
		}
		// The domains table has no trigger announcing changes: announce the
		// stores so every instance's host and TLS answers are dropped
		// (db.Changes).
		return notify(ctx, tx, append(outbid, d.TenantID)...)
	})
	var pg *pgconn.PgError
	if errors.As(err, &pg) && pg.Code == "23505" && pg.ConstraintName == "domain_names_pkey" {
		return nil, ErrDomainTaken
	}
	if err != nil {
		return nil, err
	}
	return outbid, nil
}

// drop deletes a claim that lost its names to another store's proof, unless
// it has been proven meanwhile.
func (s *DomainStore) drop(ctx context.Context, d *Domain) error {
	return s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		res, err := tx.ExecContext(ctx, "DELETE FROM domains WHERE id = ? AND status NOT IN (?)", d.ID, bun.List(provenStatuses))
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		return notify(ctx, tx, d.TenantID)
	})
}

// expire deletes every claim never verified within PendingTTL of being
// added, and returns the stores whose claim went. The checker calls it on
// each round.
func (s *DomainStore) expire(ctx context.Context) ([]int64, error) {
	var gone []int64
	err := s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if err := tx.NewRaw("DELETE FROM domains WHERE "+expiredSQL+" RETURNING tenant_id",
			bun.List(provenStatuses), PendingTTL.Seconds()).Scan(ctx, &gone); err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		return notify(ctx, tx, gone...)
	})
	return gone, err
}

// notify announces the stores on db.CatalogChannel inside tx.
func notify(ctx context.Context, tx bun.Tx, tenantIDs ...int64) error {
	for _, id := range tenantIDs {
		if _, err := tx.ExecContext(ctx, "SELECT pg_notify(?, ?)", db.CatalogChannel, strconv.FormatInt(id, 10)); err != nil {
			return err
		}
	}
	return nil
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

// allowedName is one name the TLS policy allows: an active store's slug
// (Sub: the name is <slug>.ROOT_DOMAIN) or a name of its verified custom
// domain.
type allowedName struct {
	TenantID int64  `bun:"tenant_id"`
	Name     string `bun:"name"`
	Sub      bool   `bun:"sub"`
}

// allowedNames reads the names the TLS policy allows of the stores with these
// ids (every store when ids is nil), without their slugs unless subdomains
// is set: what ActiveSlug and CertifiedDomain answer, for all at once.
func (s *Store) allowedNames(ctx context.Context, ids []int64, subdomains bool) ([]allowedName, error) {
	var out []allowedName
	if ids != nil && len(ids) == 0 {
		return out, nil
	}
	where, args := "", []any{}
	if ids != nil {
		where = " AND t.id IN (?)"
		args = append(args, bun.List(ids))
	}
	q := `SELECT d.tenant_id, n.name, false AS sub FROM domain_names n
		JOIN domains d ON d.id = n.domain_id JOIN tenants t ON t.id = d.tenant_id
		WHERE d.status IN (?) AND t.status = ?` + where
	args = append([]any{bun.List(provenStatuses), StatusActive}, args...)
	if subdomains {
		q += ` UNION ALL SELECT t.id, t.slug, true FROM tenants t WHERE t.status = ?` + where
		args = append(args, StatusActive)
		if ids != nil {
			args = append(args, bun.List(ids))
		}
	}
	err := s.pool(ctx).NewRaw(q, args...).Scan(ctx, &out)
	if errors.Is(err, sql.ErrNoRows) {
		err = nil
	}
	return out, err
}
