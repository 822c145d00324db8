// Package admin is the console for platform staff on ROOT_DOMAIN/admin:
// find a store, suspend and restore it, take a product down and restore it
// (with a reason its creator sees), see recent webhook deliveries and re-run
// the reconciler for one Checkout Session, queue a receipt again. Every
// action writes one audit row (who, what, on what, why, when), listed in the
// console. Staff are the accounts given the platform role by `claro admin
// grant EMAIL` (never by the web); every /admin route answers anyone else
// (a visitor, a buyer, any creator) with the one 404 page, so the console
// cannot be told from a URL that does not exist. Handlers parse, call the
// Service, and render, as the dashboard's do.
package admin

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/claro-market/claro/app/orders"
	"github.com/claro-market/claro/app/payments"
	"github.com/claro-market/claro/app/receipts"
	"github.com/claro-market/claro/app/reconcile"
	"github.com/claro-market/claro/tenants"
)

// Service carries out staff actions, each with its audit row.
type Service struct {
	store      *Store
	reconciler *reconcile.Reconciler
	receipts   *receipts.Sender
	deliveries *orders.Deliveries
}

// NewService returns the console's service.
func NewService(store *Store, rec *reconcile.Reconciler, sender *receipts.Sender, deliveries *orders.Deliveries) *Service {
	return &Service{store: store, reconciler: rec, receipts: sender, deliveries: deliveries}
}

// MaxReason bounds a reason's length, in characters.
const MaxReason = 500

// ErrReasonRequired and ErrReasonTooLong are refused reasons.
var (
	ErrReasonRequired = errors.New("admin: a reason is required")
	ErrReasonTooLong  = errors.New("admin: reason too long")
	ErrBadSession     = errors.New("admin: not a Checkout Session id")
)

// CheckReason trims a reason and checks it: required is whether it may be
// empty.
func CheckReason(reason string, required bool) (string, error) {
	reason = strings.Join(strings.Fields(reason), " ")
	switch {
	case reason == "" && required:
		return "", ErrReasonRequired
	case utf8.RuneCountInString(reason) > MaxReason:
		return "", ErrReasonTooLong
	}
	return reason, nil
}

// Suspend suspends a store: its pages answer the "store unavailable" page,
// its products leave discovery, no certificate is issued for its names, and
// its buyers keep their library. A reason is required. It reports whether
// the store was active.
func (s *Service) Suspend(ctx context.Context, by Staff, tenantID int64, reason string) (bool, error) {
	reason, err := CheckReason(reason, true)
	if err != nil {
		return false, err
	}
	return s.store.SetStoreStatus(ctx, by, tenantID, tenants.StatusSuspended, reason)
}

// Restore serves a suspended store again.
func (s *Service) Restore(ctx context.Context, by Staff, tenantID int64, reason string) (bool, error) {
	reason, err := CheckReason(reason, false)
	if err != nil {
		return false, err
	}
	return s.store.SetStoreStatus(ctx, by, tenantID, tenants.StatusActive, reason)
}

// TakeDown hides a product from its storefront, discovery and checkout; its
// buyers keep it and its creator sees the reason, which is required.
func (s *Service) TakeDown(ctx context.Context, by Staff, productID int64, reason string) (bool, error) {
	reason, err := CheckReason(reason, true)
	if err != nil {
		return false, err
	}
	return s.store.SetTakenDown(ctx, by, productID, true, reason)
}

// RestoreProduct lists a taken-down product again.
func (s *Service) RestoreProduct(ctx context.Context, by Staff, productID int64, reason string) (bool, error) {
	reason, err := CheckReason(reason, false)
	if err != nil {
		return false, err
	}
	return s.store.SetTakenDown(ctx, by, productID, false, reason)
}

// Reconcile re-runs the reconciler for one Checkout Session (never a
// redelivery: the session is read back from Stripe and applied through the
// webhook's own writer) and records what it came to.
func (s *Service) Reconcile(ctx context.Context, by Staff, session, reason string) (string, error) {
	session = strings.TrimSpace(session)
	if !strings.HasPrefix(session, "cs_") || len(session) > 255 || strings.ContainsAny(session, " /?#") {
		return "", ErrBadSession
	}
	reason, err := CheckReason(reason, false)
	if err != nil {
		return "", err
	}
	result, err := s.reconciler.Session(ctx, session)
	if err != nil {
		return "", err
	}
	tenantID, err := s.store.SessionTenant(ctx, session)
	if err != nil {
		return "", err
	}
	return result, s.store.Record(ctx, by, Action{Action: ActionReconcileSession, Target: "session " + session,
		TenantID: tenantID, Reason: reason, Outcome: result})
}

// ResendReceipt queues a paid order's receipt again; it returns the order's
// store id. An order that is not paid is receipts.ErrNoReceipt.
func (s *Service) ResendReceipt(ctx context.Context, by Staff, orderID int64, reason string) (int64, error) {
	reason, err := CheckReason(reason, false)
	if err != nil {
		return 0, err
	}
	tenantID, err := s.store.OrderTenant(ctx, orderID)
	if err != nil {
		return 0, err
	}
	if err := s.receipts.Resend(ctx, orderID); err != nil {
		return tenantID, err
	}
	return tenantID, s.store.Record(ctx, by, Action{Action: ActionResendReceipt, Target: "order " + strconv.FormatInt(orderID, 10),
		TenantID: tenantID, Reason: reason, Outcome: "queued"})
}

// Deliveries lists recent webhook deliveries, those of one session when
// session is set.
func (s *Service) Deliveries(ctx context.Context, session string) ([]orders.Delivery, error) {
	return s.deliveries.Recent(ctx, strings.TrimSpace(session), 100)
}

// Refusals word the service's errors for staff.
var refusals = []struct {
	err error
	msg string
}{
	{ErrReasonRequired, "Give a reason: it goes in the audit log (and, for a take-down, to the creator)."},
	{ErrReasonTooLong, "Keep the reason under 500 characters."},
	{ErrBadSession, "That is not a Checkout Session id (they start with cs_)."},
	{payments.ErrSessionNotFound, "Stripe knows no Checkout Session with that id."},
	{receipts.ErrNoReceipt, "Only a paid order's receipt can be sent again."},
	{payments.ErrStripe, "Stripe did not answer. Nothing was changed; try again in a moment."},
}

// Refusal is the sentence for a refused action, or "" for an error that is
// not the staff member's to fix.
func Refusal(err error) string {
	for _, r := range refusals {
		if errors.Is(err, r.err) {
			return r.msg
		}
	}
	return ""
}
