package payouts

import (
	"context"
	"log/slog"
	"strconv"
	"time"

	"github.com/claro-market/claro/app/payments"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"
)

// Service applies what Stripe says about connected accounts: on return from
// onboarding (Sync) and through the Connect endpoint's events (Apply).
type Service struct {
	db  *bun.DB
	log *slog.Logger
}

// NewService returns the service over the primary. A store whose charges
// change is announced to every cache by the tenants trigger (db.Changes), so
// the service drops no cache itself.
func NewService(primary *bun.DB, log *slog.Logger) *Service {
	return &Service{db: primary, log: log}
}

// Sync applies an account just re-read from Stripe (the creator came back
// from onboarding): the freshest state there is, so it wins over any event
// older than now (to the second, as events are stamped).
func (s *Service) Sync(ctx context.Context, tenantID int64, a *payments.Account) error {
	return s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		var locked bool // the row lock (and that the account is this store's) is what counts
		if err := tx.NewRaw(`SELECT charges_enabled FROM tenants WHERE id = ? AND stripe_account_id = ? FOR UPDATE`, tenantID, a.ID).
			Scan(ctx, &locked); err != nil {
			return err
		}
		if _, err := tx.NewRaw(`INSERT INTO stripe_accounts (tenant_id, account_id, charges_enabled, payouts_enabled, details_submitted,
				currently_due, past_due, disabled_reason, event_created)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (tenant_id) DO UPDATE SET account_id = EXCLUDED.account_id, charges_enabled = EXCLUDED.charges_enabled,
				payouts_enabled = EXCLUDED.payouts_enabled, details_submitted = EXCLUDED.details_submitted,
				currently_due = EXCLUDED.currently_due, past_due = EXCLUDED.past_due,
				disabled_reason = EXCLUDED.disabled_reason, event_created = EXCLUDED.event_created, updated_at = now()`,
			tenantID, a.ID, a.ChargesEnabled, a.PayoutsEnabled, a.DetailsSubmitted, pgdialect.Array(a.CurrentlyDue),
			pgdialect.Array(a.PastDue), a.DisabledReason, time.Now().UTC().Truncate(time.Second)).Exec(ctx); err != nil {
			return err
		}
		return setPayable(ctx, tx, tenantID, a.ChargesEnabled, a.PayoutsEnabled)
	})
}

// lockTenant locks the store holding a connected account.
func lockTenant(ctx context.Context, tx bun.Tx, accountID string) (int64, error) {
	var id int64
	err := tx.NewRaw(`SELECT id FROM tenants WHERE stripe_account_id = ? FOR UPDATE`, accountID).Scan(ctx, &id)
	return id, err
}

// setPayable mirrors the account's flags on tenants, which the storefront,
// checkout and discovery read; the tenants trigger announces the change to
// every cache (db.Changes).
func setPayable(ctx context.Context, tx bun.Tx, tenantID int64, charges, payouts bool) error {
	_, err := tx.NewRaw(`UPDATE tenants SET charges_enabled = ?, payouts_enabled = ?, updated_at = now()
		WHERE id = ? AND (charges_enabled, payouts_enabled) IS DISTINCT FROM (?, ?)`,
		charges, payouts, tenantID, charges, payouts).Exec(ctx)
	return err
}

// Stale is a store's connected account whose stored state is old.
type Stale struct {
	TenantID  int64
	AccountID string
}

// StaleAccounts returns the stores with a connected account (not
// deauthorized) whose stored state was last written before now minus age,
// or never: the ones the reconciler re-reads from Stripe and Syncs.
func (s *Service) StaleAccounts(ctx context.Context, age time.Duration) ([]Stale, error) {
	var out []Stale
	err := s.db.NewRaw(`SELECT t.id AS tenant_id, t.stripe_account_id AS account_id FROM tenants t
		LEFT JOIN stripe_accounts sa ON sa.tenant_id = t.id
		WHERE t.stripe_account_id IS NOT NULL AND NOT coalesce(sa.deauthorized, false)
			AND (sa.updated_at IS NULL OR sa.updated_at < now() - ?::interval)
		ORDER BY t.id`, strconv.FormatInt(int64(age/time.Second), 10)+" seconds").Scan(ctx, &out)
	return out, err
}
