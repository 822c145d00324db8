package seed

import (
	"context"
	"fmt"

	"github.com/uptrace/bun"
)

// demoPurchasesPerBuyer is how many products each demo buyer owns.
const demoPurchasesPerBuyer = 3

// demoSold is a product a demo buyer can own.
type demoSold struct {
	productID, tenantID int64
	title               string
	priceCents          int64
}

var demoReviewTexts = []struct {
	rating      int
	title, body string
}{
	{5, "Exactly what I needed", "Clear, well organised and worth every cent. I used it the same evening."},
	{4, "Very good", "Great quality overall; a couple of parts could go deeper, but I would buy again."},
	{5, "Changed my workflow", "Saves me time on every project. The examples are the best part."},
	{3, "Solid, not spectacular", "Does what it says. I hoped for a bit more variety."},
}

// demoPurchases gives a buyer paid orders for a few products (checkouts,
// orders, items and entitlements, as the webhook path writes them) and a
// review of each, so the library and the reviews have something to show.
// Products are picked deterministically from buyer's index.
func demoPurchases(ctx context.Context, tx bun.Tx, buyer int, userID int64, email string, sellable []demoSold) error {
	if len(sellable) == 0 {
		return nil
	}
	for j := range demoPurchasesPerBuyer {
		p := sellable[(buyer*7+j*11)%len(sellable)]
		session := fmt.Sprintf("cs_demo_%d_%d", buyer+1, j+1)
		fee := p.priceCents * 1000 / 10000
		var checkoutID, orderID int64
		if err := tx.NewRaw(`INSERT INTO checkouts (tenant_id, user_id, email, stripe_checkout_session_id, amount_total_cents,
				application_fee_cents, currency, status) VALUES (?, ?, ?, ?, ?, ?, 'usd', 'completed') RETURNING id`,
			p.tenantID, userID, email, session, p.priceCents, fee).Scan(ctx, &checkoutID); err != nil {
			return fmt.Errorf("seed: checkout for %s: %w", email, err)
		}
		if err := tx.NewRaw(`INSERT INTO orders (tenant_id, checkout_id, user_id, email, stripe_checkout_session_id,
				amount_total_cents, application_fee_cents, currency, status, paid_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, 'usd', 'paid', now()) RETURNING id`,
			p.tenantID, checkoutID, userID, email, session, p.priceCents, fee).Scan(ctx, &orderID); err != nil {
			return fmt.Errorf("seed: order for %s: %w", email, err)
		}
		if _, err := tx.NewRaw(`INSERT INTO order_items (order_id, tenant_id, product_id, title, unit_price_cents, quantity)
				VALUES (?, ?, ?, ?, ?, 1)`, orderID, p.tenantID, p.productID, p.title, p.priceCents).Exec(ctx); err != nil {
			return err
		}
		if _, err := tx.NewRaw(`INSERT INTO entitlements (tenant_id, user_id, email, product_id, order_id) VALUES (?, ?, ?, ?, ?)`,
			p.tenantID, userID, email, p.productID, orderID).Exec(ctx); err != nil {
			return err
		}
		r := demoReviewTexts[(buyer+j)%len(demoReviewTexts)]
		if _, err := tx.NewRaw(`INSERT INTO reviews (tenant_id, product_id, user_id, rating, title, body) VALUES (?, ?, ?, ?, ?, ?)`,
			p.tenantID, p.productID, userID, r.rating, r.title, r.body).Exec(ctx); err != nil {
			return fmt.Errorf("seed: review by %s: %w", email, err)
		}
	}
	return nil
}
