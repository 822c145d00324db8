package orders

import (
	"context"
	"errors"

	"github.com/claro-market/claro/app/db"
	"github.com/uptrace/bun"
)

// Refunder asks Stripe for a refund of an order's payment in full, under
// the order's own idempotency key (payments.Client.Refund).
type Refunder interface {
	Refund(ctx context.Context, orderID int64, paymentIntentID string) (string, error)
}

// ErrNotRefundable is an order of the store that cannot be refunded now:
// unpaid, already refunded, or disputed.
var ErrNotRefundable = errors.New("orders: order cannot be refunded")

// RequestRefund refunds one of the store's orders in full: the creator's
// refund, from the dashboard and the API alike. Another store's order (or
// none) is ErrNotFound, one that cannot be refunded ErrNotRefundable. The
// transfer to the creator and the platform fee are reversed in proportion;
// the order is only marked refund pending (refund_requested_at), and changes
// when charge.refunded arrives. Stripe's refusal is payments.ErrStripe and
// marks nothing. Both reads and the mark run in the store's db.InTenant.
func RequestRefund(ctx context.Context, d *db.DB, pay Refunder, tenantID, orderID int64) (*Order, error) {
	var o *Order
	err := d.InTenant(ctx, tenantID, func(ctx context.Context, tx bun.Tx) (err error) {
		o, err = NewSales(tx).ByID(ctx, tenantID, orderID)
		return err
	})
	if err != nil {
		return nil, err
	}
	if !o.Refundable() {
		return o, ErrNotRefundable
	}
	if _, err := pay.Refund(ctx, o.ID, *o.PaymentIntentID); err != nil {
		return o, err
	}
	err = d.InTenant(ctx, tenantID, func(ctx context.Context, tx bun.Tx) (err error) {
		s := NewSales(tx)
		if err := s.RefundRequested(ctx, tenantID, o.ID); err != nil {
			return err
		}
		o, err = s.ByID(ctx, tenantID, o.ID)
		return err
	})
	return o, err
}
