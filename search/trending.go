package search

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"
)

// RecordSale counts one sale of productID at time at: sales_count + 1 and the
// trending score log-add-exp'd with the sale's weight, in one UPDATE on tx
// (the money path's transaction). Nothing is ever recounted: the score stays
// ln Σ e^(λ·t_sale), so scores of every age compare and sorting by trending is
// an index scan. The outbox trigger enqueues the product for the index.
func RecordSale(ctx context.Context, tx bun.IDB, productID int64, at time.Time) error {
	res, err := tx.NewRaw(`UPDATE products
		SET sales_count = sales_count + 1, trending_score = claro_logaddexp(trending_score, ?)
		WHERE id = ?`, SaleWeight(at), productID).Exec(ctx)
	if err != nil {
		return fmt.Errorf("search: record sale: %w", err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return fmt.Errorf("search: record sale: product %d not found", productID)
	}
	return nil
}

// UndoSale reverses one sale of productID (a refund): sales_count - 1. The
// trending score keeps the sale, which fades with time like any other; a
// log-sum cannot subtract one term without risking -∞ from rounding.
func UndoSale(ctx context.Context, tx bun.IDB, productID int64) error {
	_, err := tx.NewRaw(`UPDATE products SET sales_count = greatest(sales_count - 1, 0) WHERE id = ?`, productID).Exec(ctx)
	return err
}
