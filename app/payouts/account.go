// Package payouts keeps each store's Stripe Connect account state: what
// onboarding still asks for, and whether the account may take charges and
// receive payouts. The flags that the storefront, checkout and discovery
// read are mirrored on tenants here, and only here, so the store that owns
// that state is the one place that changes it.
package payouts

import (
	"context"
	"database/sql"
	"errors"

	"github.com/claro-market/claro/app/payments"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"
)

// AccountState is what the dashboard shows about a store's Connect account:
// the account as Stripe last described it (ID empty before onboarding), and
// what only Claro knows.
type AccountState struct {
	payments.Account
	Deauthorized bool
	Known        bool // Stripe has told us about the account at least once
}

// Store reads and attaches a store's account for the dashboard. Build it on
// the dashboard's InTenant transaction; every method also filters on the
// tenant.
type Store struct{ db bun.IDB }

// NewStore returns the account store over db.
func NewStore(db bun.IDB) *Store { return &Store{db: db} }

// Read returns the store's account state; an account Stripe has not told us
// about yet is a state with Known false.
func (s *Store) Read(ctx context.Context, tenantID int64) (*AccountState, error) {
	st := &AccountState{Account: payments.Account{CurrentlyDue: []string{}, PastDue: []string{}}}
	var acct sql.NullString
	if err := s.db.NewRaw(`SELECT stripe_account_id, charges_enabled, payouts_enabled FROM tenants WHERE id = ?`, tenantID).
		Scan(ctx, &acct, &st.ChargesEnabled, &st.PayoutsEnabled); err != nil {
		return nil, err
	}
	st.ID = acct.String
	err := s.db.NewRaw(`SELECT details_submitted, currently_due, past_due, disabled_reason, deauthorized FROM stripe_accounts WHERE tenant_id = ?`,
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

// Attach records the store's new Connect account. A store that already has
// one keeps it: two onboarding clicks at once attach one account.
func (s *Store) Attach(ctx context.Context, tenantID int64, accountID string) error {
	_, err := s.db.NewRaw(`UPDATE tenants SET stripe_account_id = ?, updated_at = now() WHERE id = ? AND stripe_account_id IS NULL`,
		accountID, tenantID).Exec(ctx)
	return err
}
