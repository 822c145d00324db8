package payouts

import (
	"context"
	"database/sql"
	"errors"

	"github.com/claro-market/claro/app/payments"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"
)

// Handles reports whether Apply knows the Connect event type typ.
func Handles(typ string) bool {
	return typ == "account.updated" || typ == "account.application.deauthorized"
}

// Apply applies a Connect event in tx, the transaction that recorded the
// event's id (orders.Service.Handle), so a duplicate never reaches it.
func (s *Service) Apply(ctx context.Context, tx bun.Tx, e *payments.Event) error {
	switch {
	case e.Type == "account.updated" && e.Connect != nil:
		return s.accountUpdated(ctx, tx, e)
	case e.Type == "account.application.deauthorized":
		return s.deauthorized(ctx, tx, e)
	}
	s.log.Warn("stripe event without the object its type promises", "event", e.ID, "type", e.Type)
	return nil
}

// accountUpdated applies account.updated, only when it is not older than the
// state already held: Stripe does not promise order.
func (s *Service) accountUpdated(ctx context.Context, tx bun.Tx, e *payments.Event) error {
	a := e.Connect
	// The event's account is whose event this is; the object inside is only
	// what Stripe says about it. An object naming another account is not
	// applied to either.
	if e.Account == "" || (a.ID != "" && a.ID != e.Account) {
		s.log.Warn("account.updated whose object is not the event's account; ignored", "event", e.ID,
			"account", e.Account, "object", a.ID)
		return nil
	}
	a.ID = e.Account
	tenantID, err := lockTenant(ctx, tx, a.ID)
	if errors.Is(err, sql.ErrNoRows) {
		s.log.Warn("account.updated for an account no store holds; ignored", "event", e.ID, "account", a.ID)
		return nil
	}
	if err != nil {
		return err
	}
	res, err := tx.NewRaw(`INSERT INTO stripe_accounts AS sa (tenant_id, account_id, charges_enabled, payouts_enabled, details_submitted,
			currently_due, past_due, disabled_reason, event_created, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, now())
		ON CONFLICT (tenant_id) DO UPDATE SET account_id = EXCLUDED.account_id,
			charges_enabled = EXCLUDED.charges_enabled, payouts_enabled = EXCLUDED.payouts_enabled,
			details_submitted = EXCLUDED.details_submitted, currently_due = EXCLUDED.currently_due,
			past_due = EXCLUDED.past_due, disabled_reason = EXCLUDED.disabled_reason,
			event_created = EXCLUDED.event_created, deauthorized = false, updated_at = now()
		WHERE sa.event_created IS NULL OR sa.event_created <= EXCLUDED.event_created`,
		tenantID, a.ID, a.ChargesEnabled, a.PayoutsEnabled, a.DetailsSubmitted,
		pgdialect.Array(a.CurrentlyDue), pgdialect.Array(a.PastDue), a.DisabledReason, e.Created).Exec(ctx)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		s.log.Info("account.updated older than the state held; ignored", "event", e.ID, "account", a.ID)
		return nil
	}
	return setPayable(ctx, tx, tenantID, a.ChargesEnabled, a.PayoutsEnabled)
}

// deauthorized applies account.application.deauthorized: the creator
// disconnected Claro, so the store can take no more charges.
func (s *Service) deauthorized(ctx context.Context, tx bun.Tx, e *payments.Event) error {
	tenantID, err := lockTenant(ctx, tx, e.Account)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return err
	}
	if _, err := tx.NewRaw(`INSERT INTO stripe_accounts (tenant_id, account_id, deauthorized, event_created) VALUES (?, ?, true, ?)
		ON CONFLICT (tenant_id) DO UPDATE SET deauthorized = true, charges_enabled = false, payouts_enabled = false, updated_at = now()`,
		tenantID, e.Account, e.Created).Exec(ctx); err != nil {
		return err
	}
	s.log.Warn("stripe account disconnected from Claro", "tenant", tenantID, "account", e.Account)
	return setPayable(ctx, tx, tenantID, false, false)
}
