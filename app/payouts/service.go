package payouts

import (
	"context"
	"log/slog"
	"time"

	"github.com/claro-market/claro/app/payments"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"
)

// Invalidator drops a store's cached host answers; tenants.Resolver is one.
// A store whose charges_enabled changed must stop (or start) showing its buy
// button at once.
type Invalidator interface{ Invalidate(tenantID int64) }

// Service applies what Stripe says about connected accounts: on return from
// onboarding (Sync) and through the Connect endpoint's events (Apply).
type Service struct {
	db      *bun.DB
	tenants Invalidator
	log     *slog.Logger
}

// NewService returns the service over the primary.
func NewService(primary *bun.DB, tenants Invalidator, log *slog.Logger) *Service {
	return &Service{db: primary, tenants: tenants, log: log}
}

// Sync applies an account just re-read from Stripe (the creator came back
// from onboarding): the freshest state there is, so it wins over any event
// older than now (to the second, as events are stamped).
func (s *Service) Sync(ctx context.Context, tenantID int64, a *payments.Account) error {
	var changed int64
	err := s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		var before bool
		if err := tx.NewRaw(`SELECT charges_enabled FROM tenants WHERE id = ? AND stripe_account_id = ? FOR UPDATE`, tenantID, a.ID).
			Scan(ctx, &before); err != nil {
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
		var err error
		changed, err = setPayable(ctx, tx, tenantID, before, a.ChargesEnabled, a.PayoutsEnabled)
		return err
	})
	if err != nil {
		return err
	}
	s.Invalidate(changed)
	return nil
}

// Invalidate drops the cached host answers of the store Apply reported
// (0: none). Call it after the transaction Apply ran in has committed.
func (s *Service) Invalidate(tenantID int64) {
	if tenantID != 0 {
		s.tenants.Invalidate(tenantID)
	}
}

// lockTenant locks the store holding a connected account and reads whether it
// takes charges now.
func lockTenant(ctx context.Context, tx bun.Tx, accountID string) (int64, bool, error) {
	var id int64
	var charges bool
	err := tx.NewRaw(`SELECT id, charges_enabled FROM tenants WHERE stripe_account_id = ? FOR UPDATE`, accountID).Scan(ctx, &id, &charges)
	return id, charges, err
}

// setPayable mirrors the account's flags on tenants, which the storefront,
// checkout and discovery read. It returns the store whose cached host answers
// must be dropped (charges_enabled changed), else 0.
func setPayable(ctx context.Context, tx bun.Tx, tenantID int64, before, charges, payouts bool) (int64, error) {
	if _, err := tx.NewRaw(`UPDATE tenants SET charges_enabled = ?, payouts_enabled = ?, updated_at = now()
		WHERE id = ? AND (charges_enabled, payouts_enabled) IS DISTINCT FROM (?, ?)`,
		charges, payouts, tenantID, charges, payouts).Exec(ctx); err != nil {
		return 0, err
	}
	if before != charges {
		return tenantID, nil
	}
	return 0, nil
}
