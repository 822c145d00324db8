package checkout

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"github.com/claro-market/claro/app/cart"
	"github.com/claro-market/claro/app/payments"
)

//lint:file-ignore ST1005 these errors carry the sentence shown to the buyer verbatim, capitalised and punctuated

// Reasons a checkout is refused, each with a message for the buyer.
var (
	ErrEmpty         = errors.New("Your cart is empty.")
	ErrCannotCharge  = errors.New("This store is not taking payments right now.")
	ErrMixedCurrency = errors.New("Products priced in different currencies need separate checkouts.")
	ErrNothingToPay  = errors.New("There is nothing to pay for in this cart.")
	ErrStripe        = errors.New("We could not start the payment. Please try again in a moment.")
)

// UnavailableError lists the cart's products that are no longer for sale in
// this store (drafts, deleted, another store's, unknown).
type UnavailableError struct{ ProductIDs []int64 }

func (e *UnavailableError) Error() string {
	return "Some products in your cart are no longer for sale and were removed. Check your cart and try again."
}

// Request is a buyer's checkout: the cart, who is paying, and where Stripe
// sends them back to.
type Request struct {
	TenantID   int64
	Cart       cart.Cart
	UserID     int64  // 0 for a guest
	Email      string // the account's, or the guest's (may be empty: Stripe asks)
	SuccessURL string
	CancelURL  string
}

// Service opens checkouts.
type Service struct {
	store  *Store
	prices *cart.Store
	pay    *payments.Client
	feeBPS int64
	log    *slog.Logger
}

// NewService returns the checkout service; prices must read the primary, so the
// price charged is the price now.
func NewService(store *Store, prices *cart.Store, pay *payments.Client, feeBPS int, log *slog.Logger) *Service {
	return &Service{store: store, prices: prices, pay: pay, feeBPS: int64(feeBPS), log: log}
}

// Fee is the platform's fee on total in basis points, rounded down.
func Fee(total, bps int64) int64 { return total * bps / 10000 }

// Open prices the cart from the database, writes the checkout, opens the
// Stripe session as a destination charge and returns it. When Stripe refuses,
// the checkout row is removed again.
func (s *Service) Open(ctx context.Context, r Request) (*payments.Session, error) {
	if len(r.Cart.Items) == 0 {
		return nil, ErrEmpty
	}
	pay, err := s.store.Payable(ctx, r.TenantID)
	if err != nil {
		return nil, err
	}
	if !pay.Active || !pay.ChargesEnabled || pay.StripeAccountID == "" {
		return nil, ErrCannotCharge
	}
	priced, err := s.prices.Price(ctx, r.TenantID, r.Cart)
	switch {
	case err != nil:
		return nil, err
	case len(priced.Unavailable) > 0:
		return nil, &UnavailableError{ProductIDs: priced.Unavailable}
	case priced.MixedCurrency:
		return nil, ErrMixedCurrency
	case priced.TotalCents <= 0:
		return nil, ErrNothingToPay
	}
	ck := &Checkout{Email: strings.ToLower(strings.TrimSpace(r.Email)), AmountTotalCents: priced.TotalCents,
		ApplicationFeeCents: Fee(priced.TotalCents, s.feeBPS), Currency: priced.Currency}
	if r.UserID != 0 {
		ck.UserID = &r.UserID
	}
	items := make([]Item, len(priced.Lines))
	lines := make([]payments.Line, len(priced.Lines))
	for i, l := range priced.Lines {
		items[i] = Item{ProductID: l.ProductID, Title: l.Title, UnitPriceCents: l.UnitPriceCents, Quantity: l.Quantity}
		lines[i] = payments.Line{ProductID: l.ProductID, Name: l.Title, UnitAmount: l.UnitPriceCents, Quantity: int64(l.Quantity)}
	}
	if err := s.store.Create(ctx, r.TenantID, ck, items); err != nil {
		return nil, err
	}
	sess, err := s.pay.CreateCheckoutSession(ctx, payments.SessionRequest{
		CheckoutID: ck.ID, TenantID: r.TenantID, Currency: ck.Currency, Lines: lines, FeeCents: ck.ApplicationFeeCents,
		Destination: pay.StripeAccountID, SuccessURL: r.SuccessURL, CancelURL: r.CancelURL, CustomerEmail: ck.Email,
	})
	if err != nil {
		s.log.Error("checkout: Stripe refused the session", "checkout", ck.ID, "tenant", r.TenantID, "err", err)
		if derr := s.store.Delete(context.WithoutCancel(ctx), r.TenantID, ck.ID); derr != nil {
			return nil, errors.Join(err, derr)
		}
		return nil, fmt.Errorf("%w (%w)", ErrStripe, err)
	}
	if err := s.store.SetSession(ctx, r.TenantID, ck.ID, sess.ID); err != nil {
		return nil, err
	}
	return sess, nil
}
