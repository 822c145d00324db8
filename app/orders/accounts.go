package orders

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/claro-market/claro/app/payments"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"
)

// AccountState is what the dashboard shows about a store's Connect account.
type AccountState struct {
	AccountID        string
	ChargesEnabled   bool
	PayoutsEnabled   bool
	DetailsSubmitted bool
	CurrentlyDue     []string
	PastDue          []string
	DisabledReason   string
	Deauthorized     bool
	Known            bool // Stripe has told us about the account at least once
}

// ReadAccountState reads the store's account state; db is the dashboard's
// InTenant transaction.
func ReadAccountState(ctx context.Context, db bun.IDB, tenantID int64) (*AccountState, error) {
	st := &AccountState{CurrentlyDue: []string{}, PastDue: []string{}}
	var acct sql.NullString
	if err := db.NewRaw(`SELECT stripe_account_id, charges_enabled, payouts_enabled FROM tenants WHERE id = ?`, tenantID).
		Scan(ctx, &acct, &st.ChargesEnabled, &st.PayoutsEnabled); err != nil {
		return nil, err
	}
	st.AccountID = acct.String
	err := db.NewRaw(`SELECT details_submitted, currently_due, past_due, disabled_reason, deauthorized FROM stripe_accounts WHERE tenant_id = ?`,
		tenantID).Scan(ctx, &st.DetailsSubmitted, pgdialect.Array(&st.CurrentlyDue), pgdialect.Array(&st.PastDue), &st.DisabledReason, &st.Deauthorized)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return st, nil
	case err != nil:
		return nil, err
	}
	st.Known = true
	return st, nil
}

// AttachAccount records the store's new Connect account; db is the
// dashboard's InTenant transaction. A store that already has one keeps it.
func AttachAccount(ctx context.Context, db bun.IDB, tenantID int64, accountID string) error {
	_, err := db.NewRaw(`UPDATE tenants SET stripe_account_id = ?, updated_at = now() WHERE id = ? AND stripe_account_id IS NULL`,
		accountID, tenantID).Exec(ctx)
	return err
}

// SyncAccount applies an account just re-read from Stripe (the creator came
// back from onboarding): the freshest state there is, so it wins over any
// event older than now (to the second, as events are stamped).
func (s *Service) SyncAccount(ctx context.Context, tenantID int64, a *payments.Account) error {
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
