package checkout

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/claro-market/claro/app/cart"
	"github.com/claro-market/claro/app/discounts"
	"github.com/claro-market/claro/app/payments"
	"github.com/uptrace/bun"
)

// Reasons a checkout is refused. The handler words each for the buyer; the
// text here is for logs.
var (
	ErrEmpty         = errors.New("checkout: cart is empty")
	ErrCannotCharge  = errors.New("checkout: store cannot take payments")
	ErrMixedCurrency = errors.New("checkout: products in different currencies")
	ErrNothingToPay  = errors.New("checkout: nothing to pay")
	ErrStripe        = errors.New("checkout: could not open the Stripe session")
)

// UnavailableError lists the cart's products that are no longer for sale in
// this store (drafts, deleted, another store's, unknown).
type UnavailableError struct{ ProductIDs []int64 }

func (e *UnavailableError) Error() string {
	return fmt.Sprintf("checkout: %d products no longer for sale", len(e.ProductIDs))
}

// AmountError lists the cart's pay-what-you-want lines whose chosen amount
// cannot be charged now (below the product's minimum, above its maximum).
type AmountError struct{ Lines []cart.Line }

func (e *AmountError) Error() string {
	return fmt.Sprintf("checkout: %d amounts out of range", len(e.Lines))
}

// Request is a buyer's checkout: the cart, who is paying, and where Stripe
// sends them back to.
type Request struct {
	TenantID int64
	Cart     cart.Cart
	UserID   int64  // 0 for a guest
	Email    string // the account's, or the guest's (may be empty: Stripe asks)
	// Buyer is who a discount code's per-buyer limit counts (cart.Buyer).
	Buyer      discounts.Buyer
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
	case len(priced.AmountProblems()) > 0:
		return nil, &AmountError{Lines: priced.AmountProblems()}
	}
	ck := &Checkout{Email: strings.ToLower(strings.TrimSpace(r.Email)), Currency: priced.Currency}
	if r.UserID != 0 {
		ck.UserID = &r.UserID
	}
	var lines []payments.Line
	var expires time.Time // a held code's session expires before its hold; else Stripe's default (24 h)
	// The code's hold is taken in the checkout's own transaction, under the
	// code's row lock (discounts.Hold): the checkouts of one code open one
	// after another, each counting the holds of those before it.
	err = s.store.InTx(ctx, r.TenantID, func(ctx context.Context, tx bun.Tx) error {
		var take func(int64) error
		if r.Cart.Code != "" {
			a, t, err := discounts.Hold(ctx, tx, r.TenantID, r.Cart.Code, priced.DiscountLines(), priced.Currency, r.Buyer)
			if err != nil {
				return err
			}
			priced.Discount(a)
			take, expires = t, time.Now().Add(discounts.SessionLife)
		}
		if priced.TotalCents <= 0 {
			return ErrNothingToPay
		}
		// Stripe charges the lines' real amounts, after the discount, and
		// the fee is the platform's share of what is charged.
		ck.AmountTotalCents, ck.ApplicationFeeCents = priced.TotalCents, Fee(priced.TotalCents, s.feeBPS)
		items := make([]Item, len(priced.Lines))
		lines = make([]payments.Line, len(priced.Lines))
		for i, l := range priced.Lines {
			unit := l.ChargeCents() / int64(l.Quantity) // quantity is always 1: a digital product is bought once
			items[i] = Item{ProductID: l.ProductID, Title: l.Title, UnitPriceCents: unit, Quantity: l.Quantity}
			lines[i] = payments.Line{ProductID: l.ProductID, Name: l.Title, UnitAmount: unit, Quantity: int64(l.Quantity)}
		}
		if err := insert(ctx, tx, r.TenantID, ck, items); err != nil {
			return err
		}
		if take != nil {
			return take(ck.ID)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	sess, err := s.pay.CreateCheckoutSession(ctx, payments.SessionRequest{
		CheckoutID: ck.ID, TenantID: r.TenantID, Currency: ck.Currency, Lines: lines, FeeCents: ck.ApplicationFeeCents,
		Destination: pay.StripeAccountID, SuccessURL: r.SuccessURL, CancelURL: r.CancelURL, CustomerEmail: ck.Email,
		ExpiresAt: expires,
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
