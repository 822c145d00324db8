package orders

import (
	"context"
	"time"

	"github.com/claro-market/claro/app/payments"
	"github.com/uptrace/bun/dialect/pgdialect"
)

// ReconcileEventPrefix begins the id of the stand-in event the reconciler
// records for a session it applies (stripe_events.id), so its rows are told
// from Stripe's own evt_ ids.
const ReconcileEventPrefix = "reconcile:"

// Missing returns the sessions among ss that still owe an order: none has
// been written for the session, or it waits as pending while the session is
// paid (its async_payment_succeeded was lost). Sessions of the other mode are
// left out, as Apply would ignore them.
func (s *Service) Missing(ctx context.Context, ss []*payments.CheckoutSession) ([]*payments.CheckoutSession, error) {
	if len(ss) == 0 {
		return nil, nil
	}
	ids := make([]string, len(ss))
	for i, x := range ss {
		ids[i] = x.ID
	}
	var rows []struct {
		Session string `bun:"stripe_checkout_session_id"`
		Status  string `bun:"status"`
	}
	if err := s.db.NewRaw(`SELECT stripe_checkout_session_id, status FROM orders WHERE stripe_checkout_session_id = ANY (?)`,
		pgdialect.Array(ids)).Scan(ctx, &rows); err != nil {
		return nil, err
	}
	status := make(map[string]string, len(rows))
	for _, r := range rows {
		status[r.Session] = r.Status
	}
	var out []*payments.CheckoutSession
	for _, x := range ss {
		st, ok := status[x.ID]
		paid := x.PaymentStatus == "paid" || x.PaymentStatus == "no_payment_required"
		if !ok || (st == StatusPending && paid) {
			out = append(out, x)
		}
	}
	return out, nil
}

// ApplySession applies a completed session read back from Stripe as if its
// checkout.session.completed had been delivered: through Apply, so the one
// paid-order writer (writePaid) or the pending path writes its order. The
// stand-in event's id is ReconcileEventPrefix, the payment status and the
// session id, so applying the same session twice is a duplicate, and a
// webhook arriving after (or before) finds the order by its session and
// changes nothing.
func (s *Service) ApplySession(ctx context.Context, sess *payments.CheckoutSession) (Outcome, error) {
	e := &payments.Event{
		ID:         ReconcileEventPrefix + sess.PaymentStatus + ":" + sess.ID,
		Type:       "checkout.session.completed",
		APIVersion: payments.APIVersion,
		Livemode:   s.livemode,
		Created:    time.Now().UTC().Truncate(time.Second),
		Session:    sess,
	}
	return s.Apply(ctx, payments.PlatformEndpoint, e)
}
