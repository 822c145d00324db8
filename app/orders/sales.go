package orders

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/uptrace/bun"
)

// ErrNotFound is an order that does not exist in the store.
var ErrNotFound = fmt.Errorf("orders: not found: %w", sql.ErrNoRows)

// Sales reads a store's orders for its dashboard. Build it on the dashboard's
// InTenant transaction; every method also filters on the tenant.
type Sales struct{ db bun.IDB }

// NewSales returns the sales reader over db.
func NewSales(db bun.IDB) *Sales { return &Sales{db: db} }

// Order is one row of the sales table.
type Order struct {
	ID                  int64     `bun:"id"`
	Email               string    `bun:"email"`
	AmountTotalCents    int64     `bun:"amount_total_cents"`
	ApplicationFeeCents int64     `bun:"application_fee_cents"`
	AmountRefundedCents int64     `bun:"amount_refunded_cents"`
	Currency            string    `bun:"currency"`
	Status              string    `bun:"status"`
	PaymentIntentID     *string   `bun:"stripe_payment_intent_id"`
	Items               string    `bun:"items"`
	CreatedAt           time.Time `bun:"created_at"`
	// RefundRequestedAt is when Stripe accepted the dashboard's refund; the
	// order changes when charge.refunded arrives.
	RefundRequestedAt *time.Time `bun:"refund_requested_at"`
}

// RefundPending reports whether a refund was requested and its
// charge.refunded has not arrived yet.
func (o Order) RefundPending() bool {
	return o.RefundRequestedAt != nil && (o.Status == StatusPaid || o.Status == StatusPartiallyRefunded)
}

// Disputable reports whether a buyer could still dispute the payment (the
// local dev tools open a pretend dispute on such an order).
func (o Order) Disputable() bool {
	return o.PaymentIntentID != nil && (o.Status == StatusPaid || o.Status == StatusPartiallyRefunded)
}

// Refundable reports whether the dashboard may offer a refund.
func (o Order) Refundable() bool {
	return o.PaymentIntentID != nil && (o.Status == StatusPaid || o.Status == StatusPartiallyRefunded)
}

// Summary is the store's totals over paid orders.
type Summary struct {
	Orders        int64  `bun:"orders"`
	RevenueCents  int64  `bun:"revenue"`
	FeesCents     int64  `bun:"fees"`
	RefundedCents int64  `bun:"refunded"`
	Currency      string `bun:"currency"`
}

// NetCents is what the creator keeps: revenue less fees and refunds.
func (s Summary) NetCents() int64 { return s.RevenueCents - s.FeesCents - s.RefundedCents }

// DayTotal is one day's revenue, for the chart.
type DayTotal struct {
	Day          time.Time `bun:"day"`
	RevenueCents int64     `bun:"revenue"`
	Orders       int64     `bun:"orders"`
}

// settled is the set of statuses that took money.
const settled = `status IN ('paid', 'partially_refunded', 'refunded', 'disputed')`

// Filter narrows the sales page and its CSV export: orders of the last
// Days days (UTC, today included), holding ProductID (0: any), in Status
// ("": any). The chart uses the same days and product.
type Filter struct {
	Days      int
	ProductID int64
	Status    string
}

// Statuses are the order statuses a filter may name, in the order the
// dashboard lists them.
var Statuses = []string{StatusPaid, StatusPartiallyRefunded, StatusRefunded, StatusDisputed, StatusPending, StatusFailed}

// where is the filter's condition over orders o of tenant tenantID, with its
// arguments.
func (f Filter) where(tenantID int64) (string, []any) {
	q := `o.tenant_id = ? AND o.created_at >= ((now() AT TIME ZONE 'UTC')::date - (?::int - 1))::timestamp AT TIME ZONE 'UTC'`
	args := []any{tenantID, max(f.Days, 1)}
	if f.ProductID != 0 {
		q += ` AND EXISTS (SELECT 1 FROM order_items oi WHERE oi.order_id = o.id AND oi.tenant_id = o.tenant_id AND oi.product_id = ?)`
		args = append(args, f.ProductID)
	}
	if f.Status != "" {
		q += ` AND o.status = ?`
		args = append(args, f.Status)
	}
	return q, args
}

const orderColumns = `o.id, o.email, o.amount_total_cents, o.application_fee_cents, o.amount_refunded_cents, o.currency,
	o.status, o.stripe_payment_intent_id, o.created_at, o.refund_requested_at,
	coalesce((SELECT string_agg(oi.title, ', ' ORDER BY oi.product_id) FROM order_items oi
		WHERE oi.order_id = o.id AND oi.tenant_id = o.tenant_id), '') AS items`

// Recent returns the store's latest orders that pass the filter, with their
// items, newest first, and how many pass it in all.
func (s *Sales) Recent(ctx context.Context, tenantID int64, f Filter, limit int) ([]Order, int64, error) {
	os := []Order{}
	where, args := f.where(tenantID)
	if err := s.db.NewRaw(`SELECT `+orderColumns+` FROM orders o WHERE `+where+`
		ORDER BY o.created_at DESC, o.id DESC LIMIT ?`, append(args, limit)...).Scan(ctx, &os); err != nil {
		return nil, 0, err
	}
	var n int64
	err := s.db.NewRaw(`SELECT count(*) FROM orders o WHERE `+where, args...).Scan(ctx, &n)
	return os, n, err
}

// After is a keyset position in a newest-first list of orders.
type After struct {
	CreatedAt time.Time
	ID        int64
}

// Page returns up to limit orders that pass the filter after the position
// (nil for the first), newest first: the CSV export reads a store's orders
// this way, one bounded page at a time, however many it has.
func (s *Sales) Page(ctx context.Context, tenantID int64, f Filter, after *After, limit int) ([]Order, error) {
	os := make([]Order, 0, limit)
	where, args := f.where(tenantID)
	if after != nil {
		where += ` AND (o.created_at, o.id) < (?, ?)`
		args = append(args, after.CreatedAt, after.ID)
	}
	err := s.db.NewRaw(`SELECT `+orderColumns+` FROM orders o WHERE `+where+`
		ORDER BY o.created_at DESC, o.id DESC LIMIT ?`, append(args, limit)...).Scan(ctx, &os)
	return os, err
}

// ProductOption is one product a sales filter may name.
type ProductOption struct {
	ID    int64  `bun:"id"`
	Title string `bun:"title"`
}

// Products lists the store's products a filter may name: those not deleted,
// and deleted ones that sold.
func (s *Sales) Products(ctx context.Context, tenantID int64) ([]ProductOption, error) {
	ps := []ProductOption{}
	err := s.db.NewRaw(`SELECT p.id, p.title FROM products p WHERE p.tenant_id = ?
		AND (p.deleted_at IS NULL OR EXISTS (SELECT 1 FROM order_items oi WHERE oi.product_id = p.id AND oi.tenant_id = p.tenant_id))
		ORDER BY lower(p.title), p.id`, tenantID).Scan(ctx, &ps)
	return ps, err
}

// Summary totals the store's settled orders.
func (s *Sales) Summary(ctx context.Context, tenantID int64) (Summary, error) {
	var sum Summary
	err := s.db.NewRaw(`SELECT count(*) AS orders, coalesce(sum(amount_total_cents), 0) AS revenue,
			coalesce(sum(application_fee_cents), 0) AS fees, coalesce(sum(amount_refunded_cents), 0) AS refunded,
			coalesce(min(currency), 'usd') AS currency
		FROM orders WHERE tenant_id = ? AND `+settled, tenantID).Scan(ctx, &sum)
	return sum, err
}

// Daily returns revenue per day (UTC) for the last days days, oldest first,
// with empty days included. With a product, a day's revenue is what that
// product's lines took and its orders are the orders holding it.
func (s *Sales) Daily(ctx context.Context, tenantID int64, days int, productID int64) ([]DayTotal, error) {
	ds := []DayTotal{}
	series := `generate_series((now() AT TIME ZONE 'UTC')::date - (?::int - 1), (now() AT TIME ZONE 'UTC')::date, interval '1 day') AS d(day)`
	var err error
	if productID == 0 {
		err = s.db.NewRaw(`SELECT d.day, coalesce(sum(o.amount_total_cents), 0) AS revenue, count(o.id) AS orders
			FROM `+series+`
			LEFT JOIN orders o ON o.tenant_id = ? AND o.`+settled+` AND (o.created_at AT TIME ZONE 'UTC')::date = d.day
			GROUP BY d.day ORDER BY d.day`, days, tenantID).Scan(ctx, &ds)
	} else {
		err = s.db.NewRaw(`SELECT d.day, coalesce(sum(l.unit_price_cents * l.quantity), 0) AS revenue, count(DISTINCT l.order_id) AS orders
			FROM `+series+`
			LEFT JOIN (SELECT oi.order_id, oi.unit_price_cents, oi.quantity, o.created_at FROM order_items oi
				JOIN orders o ON o.id = oi.order_id AND o.tenant_id = oi.tenant_id
				WHERE oi.tenant_id = ? AND oi.product_id = ? AND o.`+settled+`) l
				ON (l.created_at AT TIME ZONE 'UTC')::date = d.day
			GROUP BY d.day ORDER BY d.day`, days, tenantID, productID).Scan(ctx, &ds)
	}
	return ds, err
}

// Refundable returns the store's order with its payment intent, if it may be refunded.
func (s *Sales) Refundable(ctx context.Context, tenantID, orderID int64) (*Order, error) {
	o := new(Order)
	err := s.db.NewRaw(`SELECT id, email, amount_total_cents, application_fee_cents, amount_refunded_cents, currency, status,
			stripe_payment_intent_id, created_at, refund_requested_at,
			coalesce((SELECT string_agg(oi.title, ', ' ORDER BY oi.product_id) FROM order_items oi
				WHERE oi.order_id = orders.id AND oi.tenant_id = orders.tenant_id), '') AS items
		FROM orders WHERE tenant_id = ? AND id = ?`, tenantID, orderID).Scan(ctx, o)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && !o.Refundable()) {
		return nil, ErrNotFound
	}
	return o, err
}

// RefundRequested records that Stripe accepted a refund of the store's order
// (the first time counts), so the sales page shows it pending.
func (s *Sales) RefundRequested(ctx context.Context, tenantID, orderID int64) error {
	_, err := s.db.NewRaw(`UPDATE orders SET refund_requested_at = coalesce(refund_requested_at, now()), updated_at = now()
		WHERE tenant_id = ? AND id = ?`, tenantID, orderID).Exec(ctx)
	return err
}
