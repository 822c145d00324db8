package payments

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/stripe/stripe-go/v79"
)

// SessionRequest is a Checkout Session to open: a destination charge to the
// store's connected account, priced by the server.
type SessionRequest struct {
	CheckoutID    int64 // Claro's checkouts.id: idempotency key and client_reference_id
	TenantID      int64
	Currency      string
	Lines         []Line
	FeeCents      int64  // payment_intent_data.application_fee_amount
	Destination   string // transfer_data.destination: the store's connected account
	SuccessURL    string // may contain {CHECKOUT_SESSION_ID}
	CancelURL     string
	CustomerEmail string // prefilled when known; a guest types it on Stripe's page
	// ExpiresAt, when set, is when Stripe expires the session unpaid (at
	// least 30 minutes ahead, Stripe's own floor): a discount code's hold
	// outlives it (app/discounts).
	ExpiresAt time.Time
}

// Line is one line item, priced from the database.
type Line struct {
	ProductID  int64
	Name       string
	UnitAmount int64
	Quantity   int64
}

// Session is an opened Checkout Session: its id and the page to send the buyer to.
type Session struct {
	ID  string
	URL string
}

// CheckoutIdempotencyKey is the key a checkout's session is created under, so a
// retry of the same checkout never opens a second session.
func CheckoutIdempotencyKey(checkoutID int64) string {
	return "claro-checkout-" + strconv.FormatInt(checkoutID, 10)
}

// RefundIdempotencyKey is the key an order's refund is created under: the same
// order is refunded once however often the button is pressed.
func RefundIdempotencyKey(orderID int64) string {
	return "claro-refund-order-" + strconv.FormatInt(orderID, 10)
}

// CreateCheckoutSession opens the session on the platform account with the
// platform fee and the transfer to the creator in the same charge.
func (c *Client) CreateCheckoutSession(ctx context.Context, r SessionRequest) (*Session, error) {
	id := strconv.FormatInt(r.CheckoutID, 10)
	p := &stripe.CheckoutSessionParams{
		Mode:              stripe.String(string(stripe.CheckoutSessionModePayment)),
		ClientReferenceID: stripe.String(id),
		SuccessURL:        stripe.String(r.SuccessURL),
		CancelURL:         stripe.String(r.CancelURL),
		PaymentIntentData: &stripe.CheckoutSessionPaymentIntentDataParams{
			ApplicationFeeAmount: stripe.Int64(r.FeeCents),
			TransferData:         &stripe.CheckoutSessionPaymentIntentDataTransferDataParams{Destination: stripe.String(r.Destination)},
			Metadata:             map[string]string{"checkout_id": id, "tenant_id": strconv.FormatInt(r.TenantID, 10)},
		},
		Metadata: map[string]string{"checkout_id": id, "tenant_id": strconv.FormatInt(r.TenantID, 10)},
	}
	if r.CustomerEmail != "" {
		p.CustomerEmail = stripe.String(r.CustomerEmail)
	}
	if !r.ExpiresAt.IsZero() {
		p.ExpiresAt = stripe.Int64(r.ExpiresAt.Unix())
	}
	for _, l := range r.Lines {
		p.LineItems = append(p.LineItems, &stripe.CheckoutSessionLineItemParams{
			Quantity: stripe.Int64(l.Quantity),
			PriceData: &stripe.CheckoutSessionLineItemPriceDataParams{
				Currency:    stripe.String(strings.ToLower(r.Currency)),
				UnitAmount:  stripe.Int64(l.UnitAmount),
				ProductData: &stripe.CheckoutSessionLineItemPriceDataProductDataParams{Name: stripe.String(l.Name)},
			},
		})
	}
	p.Context = ctx
	p.SetIdempotencyKey(CheckoutIdempotencyKey(r.CheckoutID))
	s, err := c.api.CheckoutSessions.New(p)
	if err != nil {
		return nil, apiError("create checkout session", err)
	}
	if c.testPage != "" && !c.livemode {
		return &Session{ID: s.ID, URL: c.testPage + id}, nil
	}
	return &Session{ID: s.ID, URL: s.URL}, nil
}

// Refund refunds an order's payment in full, reversing the transfer to the
// creator and the platform fee in proportion, under the order's idempotency key.
func (c *Client) Refund(ctx context.Context, orderID int64, paymentIntentID string) (string, error) {
	p := &stripe.RefundParams{
		PaymentIntent:        stripe.String(paymentIntentID),
		ReverseTransfer:      stripe.Bool(true),
		RefundApplicationFee: stripe.Bool(true),
	}
	p.AddMetadata("order_id", strconv.FormatInt(orderID, 10))
	p.Context = ctx
	p.SetIdempotencyKey(RefundIdempotencyKey(orderID))
	rf, err := c.api.Refunds.New(p)
	if err != nil {
		return "", apiError("refund", err)
	}
	return rf.ID, nil
}

// ListCompletedSessions returns the platform's Checkout Sessions completed
// (status complete) and created at or after since, newest first, every page
// of them: what the reconciler compares with the orders written.
func (c *Client) ListCompletedSessions(ctx context.Context, since time.Time) ([]*CheckoutSession, error) {
	p := &stripe.CheckoutSessionListParams{
		CreatedRange: &stripe.RangeQueryParams{GreaterThanOrEqual: since.Unix()},
		Status:       stripe.String(string(stripe.CheckoutSessionStatusComplete)),
	}
	p.Context = ctx
	p.Limit = stripe.Int64(100)
	var out []*CheckoutSession
	it := c.api.CheckoutSessions.List(p)
	for it.Next() {
		if s := it.CheckoutSession(); s.Status == stripe.CheckoutSessionStatusComplete {
			out = append(out, sessionFrom(s))
		}
	}
	if err := it.Err(); err != nil {
		return nil, apiError("list checkout sessions", err)
	}
	return out, nil
}

// ErrSessionNotFound is a Checkout Session id Stripe does not know.
var ErrSessionNotFound = errors.New("payments: no such checkout session")

// RetrieveCheckoutSession reads one Checkout Session back from Stripe, and
// whether it is complete: what the staff console's "re-run the reconciler
// for a session" applies. An id Stripe does not know is ErrSessionNotFound.
func (c *Client) RetrieveCheckoutSession(ctx context.Context, id string) (*CheckoutSession, bool, error) {
	p := &stripe.CheckoutSessionParams{}
	p.Context = ctx
	s, err := c.api.CheckoutSessions.Get(id, p)
	if se, ok := err.(*stripe.Error); ok && se.HTTPStatusCode == http.StatusNotFound {
		return nil, false, ErrSessionNotFound
	}
	if err != nil {
		return nil, false, apiError("retrieve checkout session", err)
	}
	return sessionFrom(s), s.Status == stripe.CheckoutSessionStatusComplete, nil
}
