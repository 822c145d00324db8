// Package reconcile makes sure a lost or failed webhook never loses a sale:
// it reads back from Stripe the Checkout Sessions completed in the last 72
// hours and applies, through the webhook's own writer (orders.ApplySession),
// each whose order is missing; and it re-reads the Connect accounts whose
// stored state is older than a day (payouts.Service.Sync). Everything it
// does is idempotent, so running it again, or alongside the webhooks,
// changes nothing more.
package reconcile

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/claro-market/claro/app/orders"
	"github.com/claro-market/claro/app/payments"
	"github.com/claro-market/claro/app/payouts"
	"github.com/uptrace/bun"
)

// Window is how far back sessions are read: Stripe retries a webhook for
// three days, so a session older than that will never be delivered.
const Window = 72 * time.Hour

// AccountAge is how old an account's stored state may grow before it is
// re-read from Stripe.
const AccountAge = 24 * time.Hour

// Every is how often `claro serve` runs a pass (Run).
const Every = 15 * time.Minute

// LockKey is the session advisory lock key a pass holds: one pass at a time
// across every instance.
const LockKey int64 = 0x636c61726f0528 // "claro", 28

// Counter counts what a pass fixed, by kind ("order", "account");
// metrics.Metrics.Reconciled is the one the app passes.
type Counter func(kind string, n int)

// Reconciler compares Stripe with the database and mends the difference.
type Reconciler struct {
	db       *bun.DB
	payments *payments.Client
	orders   *orders.Service
	payouts  *payouts.Service
	log      *slog.Logger
	count    Counter
}

// New returns a reconciler over the primary; count may be nil.
func New(primary *bun.DB, pay *payments.Client, ord *orders.Service, acc *payouts.Service, log *slog.Logger, count Counter) *Reconciler {
	return &Reconciler{db: primary, payments: pay, orders: ord, payouts: acc, log: log, count: count}
}

// Report is what one pass did.
type Report struct {
	Sessions int  // completed sessions Stripe listed in the window
	Orders   int  // orders the pass wrote (or paid) that a webhook had not
	Accounts int  // accounts re-read and synced
	Skipped  bool // another instance held the lock: nothing was done
}

// Once runs one pass, holding the advisory lock; with the lock held
// elsewhere it returns a Report with Skipped set and no error. A failure on
// one account is logged and the rest go on; a failure to list sessions or
// write an order ends the pass with its error.
func (r *Reconciler) Once(ctx context.Context) (Report, error) {
	var rep Report
	conn, err := r.db.Conn(ctx)
	if err != nil {
		return rep, err
	}
	defer conn.Close()
	var held bool
	if err := conn.QueryRowContext(ctx, "SELECT pg_try_advisory_lock(?)", LockKey).Scan(&held); err != nil {
		return rep, err
	}
	if !held {
		rep.Skipped = true
		return rep, nil
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock(?)", LockKey) //nolint:errcheck
	if err := r.sessions(ctx, &rep); err != nil {
		return rep, err
	}
	if err := r.accounts(ctx, &rep); err != nil {
		return rep, err
	}
	r.log.Info("reconcile: pass done", "sessions", rep.Sessions, "orders_fixed", rep.Orders, "accounts_synced", rep.Accounts)
	return rep, nil
}

func (r *Reconciler) sessions(ctx context.Context, rep *Report) error {
	listed, err := r.payments.ListCompletedSessions(ctx, time.Now().Add(-Window))
	if err != nil {
		return err
	}
	rep.Sessions = len(listed)
	missing, err := r.orders.Missing(ctx, listed)
	if err != nil {
		return fmt.Errorf("reconcile: orders: %w", err)
	}
	for _, sess := range missing {
		out, err := r.orders.ApplySession(ctx, sess)
		if err != nil {
			return fmt.Errorf("reconcile: session %s: %w", sess.ID, err)
		}
		if out != orders.Applied {
			continue // applied by an earlier pass, and still owing: logged then (no checkout, or another amount)
		}
		still, err := r.orders.Missing(ctx, []*payments.CheckoutSession{sess})
		if err != nil {
			return fmt.Errorf("reconcile: orders: %w", err)
		}
		if len(still) > 0 {
			continue // no checkout matched, or the amount differed: orders logged why
		}
		rep.Orders++
		r.log.Warn("reconcile: order written for a session whose webhook never arrived", "session", sess.ID,
			"client_reference_id", sess.ClientReferenceID, "payment_status", sess.PaymentStatus, "amount_cents", sess.AmountTotal)
	}
	r.add("order", rep.Orders)
	return nil
}

func (r *Reconciler) accounts(ctx context.Context, rep *Report) error {
	stale, err := r.payouts.StaleAccounts(ctx, AccountAge)
	if err != nil {
		return fmt.Errorf("reconcile: accounts: %w", err)
	}
	for _, s := range stale {
		a, err := r.payments.RetrieveAccount(ctx, s.AccountID)
		if err == nil {
			err = r.payouts.Sync(ctx, s.TenantID, a)
		}
		switch {
		case errors.Is(err, sql.ErrNoRows):
			r.log.Info("reconcile: account left its store meanwhile", "tenant", s.TenantID, "account", s.AccountID)
		case err != nil:
			if ctx.Err() != nil {
				return ctx.Err()
			}
			r.log.Warn("reconcile: account not synced; the next pass retries", "tenant", s.TenantID, "account", s.AccountID, "err", err)
		default:
			rep.Accounts++
			r.log.Info("reconcile: account re-read from Stripe", "tenant", s.TenantID, "account", s.AccountID,
				"charges_enabled", a.ChargesEnabled, "payouts_enabled", a.PayoutsEnabled)
		}
	}
	r.add("account", rep.Accounts)
	return nil
}

func (r *Reconciler) add(kind string, n int) {
	if r.count != nil && n > 0 {
		r.count(kind, n)
	}
}

// Run runs a pass now and then every interval until ctx ends; a failed pass
// is logged and the next one tries again.
func (r *Reconciler) Run(ctx context.Context, every time.Duration) {
	for {
		if _, err := r.Once(ctx); err != nil && ctx.Err() == nil {
			r.log.Warn("reconcile: pass failed; will retry", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(every):
		}
	}
}

// What re-running the reconciler for one session came to (Session).
const (
	SessionOrderWritten = "order written"        // no order (or a pending one) was there; the webhook's writer wrote it
	SessionHadOrder     = "order already there"  // nothing to do
	SessionNotComplete  = "session not complete" // Stripe has not completed it: nothing to write yet
	SessionStillMissing = "order still missing"  // applied, but no checkout matched or the amount differed (logged by orders)
)

// Session is one pass over a single Checkout Session, as staff ask for it
// from the console: read it back from Stripe and, when complete and still
// owing its order, apply it through the webhook's own writer
// (orders.ApplySession), so it is as idempotent as a pass. An id Stripe does
// not know is payments.ErrSessionNotFound.
func (r *Reconciler) Session(ctx context.Context, id string) (string, error) {
	sess, complete, err := r.payments.RetrieveCheckoutSession(ctx, id)
	if err != nil {
		return "", err
	}
	if !complete {
		return SessionNotComplete, nil
	}
	missing, err := r.orders.Missing(ctx, []*payments.CheckoutSession{sess})
	if err != nil || len(missing) == 0 {
		return SessionHadOrder, err
	}
	if _, err := r.orders.ApplySession(ctx, sess); err != nil {
		return "", fmt.Errorf("reconcile: session %s: %w", sess.ID, err)
	}
	if still, err := r.orders.Missing(ctx, missing); err != nil || len(still) > 0 {
		return SessionStillMissing, err
	}
	r.add("order", 1)
	r.log.Warn("reconcile: order written for a session, asked by staff", "session", sess.ID,
		"client_reference_id", sess.ClientReferenceID, "payment_status", sess.PaymentStatus, "amount_cents", sess.AmountTotal)
	return SessionOrderWritten, nil
}
