// Package checkout opens Stripe Checkout Sessions for a storefront's cart:
// every item re-read from PostgreSQL within the store, the total and the
// platform fee computed by the server, a checkouts row written, and the
// session created as a destination charge to the creator's connected account.
package checkout

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/claro-market/claro/app/db"
	"github.com/uptrace/bun"
)

// ErrNotFound is a checkout that does not exist in the store.
var ErrNotFound = fmt.Errorf("checkout: not found: %w", sql.ErrNoRows)

// Checkout is one Checkout Session the server opened (the checkouts table).
type Checkout struct {
	bun.BaseModel `bun:"table:checkouts"`

	ID                      int64   `bun:"id,pk,autoincrement"`
	TenantID                int64   `bun:"tenant_id"`
	UserID                  *int64  `bun:"user_id"`
	Email                   string  `bun:"email"`
	StripeCheckoutSessionID *string `bun:"stripe_checkout_session_id"`
	AmountTotalCents        int64   `bun:"amount_total_cents"`
	ApplicationFeeCents     int64   `bun:"application_fee_cents"`
	Currency                string  `bun:"currency"`
	Status                  string  `bun:"status"`
}

// Item is one line of a checkout, at the price it was opened with.
type Item struct {
	bun.BaseModel `bun:"table:checkout_items"`

	CheckoutID     int64  `bun:"checkout_id,pk"`
	TenantID       int64  `bun:"tenant_id"`
	ProductID      int64  `bun:"product_id,pk"`
	Title          string `bun:"title"`
	UnitPriceCents int64  `bun:"unit_price_cents"`
	Quantity       int    `bun:"quantity"`
}

// Store writes checkouts. Every method runs in db.InTenant for the store, so
// row-level security backs its WHERE clauses.
type Store struct{ db *db.DB }

// NewStore returns the checkout store (always the primary).
func NewStore(d *db.DB) *Store { return &Store{db: d} }

// Create inserts a checkout and its items in one transaction.
func (s *Store) Create(ctx context.Context, tenantID int64, ck *Checkout, items []Item) error {
	return s.InTx(ctx, tenantID, func(ctx context.Context, tx bun.Tx) error { return insert(ctx, tx, tenantID, ck, items) })
}

// InTx runs fn in the store's db.InTenant transaction (checkout open takes
// a discount code's hold in the same one as its checkout row).
func (s *Store) InTx(ctx context.Context, tenantID int64, fn func(ctx context.Context, tx bun.Tx) error) error {
	return s.db.InTenant(ctx, tenantID, fn)
}

// insert writes a checkout and its items in tx.
func insert(ctx context.Context, tx bun.Tx, tenantID int64, ck *Checkout, items []Item) error {
	ck.TenantID = tenantID
	if _, err := tx.NewInsert().Model(ck).Column("tenant_id", "user_id", "email", "amount_total_cents",
		"application_fee_cents", "currency").Returning("id, status").Exec(ctx); err != nil {
		return err
	}
	for i := range items {
		items[i].CheckoutID, items[i].TenantID = ck.ID, tenantID
	}
	_, err := tx.NewInsert().Model(&items).Exec(ctx)
	return err
}

// SetSession records the Stripe session a checkout opened.
func (s *Store) SetSession(ctx context.Context, tenantID, id int64, sessionID string) error {
	return s.db.InTenant(ctx, tenantID, func(ctx context.Context, tx bun.Tx) error {
		res, err := tx.NewRaw(`UPDATE checkouts SET stripe_checkout_session_id = ?, updated_at = now()
			WHERE tenant_id = ? AND id = ?`, sessionID, tenantID, id).Exec(ctx)
		return one(res, err)
	})
}

// Delete removes a checkout whose session could not be opened, so no partial
// write survives the failed request.
func (s *Store) Delete(ctx context.Context, tenantID, id int64) error {
	return s.db.InTenant(ctx, tenantID, func(ctx context.Context, tx bun.Tx) error {
		res, err := tx.NewRaw(`DELETE FROM checkouts WHERE tenant_id = ? AND id = ? AND stripe_checkout_session_id IS NULL`,
			tenantID, id).Exec(ctx)
		return one(res, err)
	})
}

// BySession returns the store's checkout for a Stripe session id.
func (s *Store) BySession(ctx context.Context, tenantID int64, sessionID string) (*Checkout, error) {
	ck := new(Checkout)
	err := s.db.InTenant(ctx, tenantID, func(ctx context.Context, tx bun.Tx) error {
		return tx.NewSelect().Model(ck).Where("tenant_id = ?", tenantID).
			Where("stripe_checkout_session_id = ?", sessionID).Scan(ctx)
	})
	if err == sql.ErrNoRows {
		return nil, ErrNotFound
	}
	return ck, err
}

// Payable is a store's payment state read from the primary, not the resolver's
// cache: whether it may take a charge right now and where the money goes.
type Payable struct {
	Active          bool
	ChargesEnabled  bool
	StripeAccountID string
}

// Payable reads the store's payment state.
func (s *Store) Payable(ctx context.Context, tenantID int64) (Payable, error) {
	var p Payable
	var acct sql.NullString
	var status string
	err := s.db.Primary.NewRaw(`SELECT status, charges_enabled, stripe_account_id FROM tenants WHERE id = ?`, tenantID).
		Scan(ctx, &status, &p.ChargesEnabled, &acct)
	p.Active, p.StripeAccountID = status == "active", acct.String
	return p, err
}

func one(res sql.Result, err error) error {
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return fmt.Errorf("checkout: %d rows changed (%v): %w", n, err, ErrNotFound)
	}
	return nil
}

// Receipt is what the thank-you page shows of a checkout: the order once
// Stripe's webhook wrote it, and the lines the checkout was opened with.
type Receipt struct {
	Session     string
	Amount      int64
	Currency    string
	OrderID     int64  // 0 until the webhook lands
	OrderStatus string // "" until the webhook lands
	UserID      int64  // the order's account, 0 for a guest's
	Email       string // the order's address (the checkout's until then)
	Lines       []ReceiptLine
}

// ReceiptLine is one product of a receipt.
type ReceiptLine struct {
	ProductID      int64   `bun:"product_id"`
	Title          string  `bun:"title"`
	CoverKey       *string `bun:"cover_key"`
	UnitPriceCents int64   `bun:"unit_price_cents"`
	Quantity       int     `bun:"quantity"`
}

// Receipt returns the store's checkout for a Stripe session id with its
// order, if any, and its lines; ErrNotFound for a session this store never
// opened.
func (s *Store) Receipt(ctx context.Context, tenantID int64, sessionID string) (*Receipt, error) {
	r := &Receipt{Session: sessionID}
	err := s.db.InTenant(ctx, tenantID, func(ctx context.Context, tx bun.Tx) error {
		var ck struct {
			ID       int64          `bun:"id"`
			Amount   int64          `bun:"amount_total_cents"`
			Currency string         `bun:"currency"`
			Email    string         `bun:"email"`
			OrderID  sql.NullInt64  `bun:"order_id"`
			Status   sql.NullString `bun:"status"`
			UserID   sql.NullInt64  `bun:"user_id"`
			OEmail   sql.NullString `bun:"order_email"`
		}
		if err := tx.NewRaw(`SELECT c.id, c.amount_total_cents, c.currency, c.email,
				o.id AS order_id, o.status, o.user_id, o.email AS order_email
			FROM checkouts c LEFT JOIN orders o ON o.checkout_id = c.id AND o.tenant_id = c.tenant_id
			WHERE c.tenant_id = ? AND c.stripe_checkout_session_id = ?`, tenantID, sessionID).Scan(ctx, &ck); err != nil {
			return err
		}
		r.Amount, r.Currency, r.Email = ck.Amount, ck.Currency, ck.Email
		r.OrderID, r.OrderStatus, r.UserID = ck.OrderID.Int64, ck.Status.String, ck.UserID.Int64
		if ck.OEmail.String != "" {
			r.Email = ck.OEmail.String
		}
		r.Lines = []ReceiptLine{}
		return tx.NewRaw(`SELECT i.product_id, i.title, p.cover_key, i.unit_price_cents, i.quantity
			FROM checkout_items i LEFT JOIN products p ON p.id = i.product_id AND p.tenant_id = i.tenant_id
			WHERE i.tenant_id = ? AND i.checkout_id = ? ORDER BY i.title, i.product_id`, tenantID, ck.ID).Scan(ctx, &r.Lines)
	})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	return r, err
}

// Paid reports whether the webhook has confirmed the payment (a partial
// refund leaves the rest of the order paid).
func (r *Receipt) Paid() bool {
	return r.OrderStatus == "paid" || r.OrderStatus == "partially_refunded"
}

// Pending reports whether the page should keep asking: Stripe has not told
// us yet how the payment went.
func (r *Receipt) Pending() bool { return r.OrderStatus == "" || r.OrderStatus == "pending" }
