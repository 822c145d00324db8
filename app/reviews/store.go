package reviews

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/claro-market/claro/app/db"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/uptrace/bun"
)

// Store reads and writes reviews. Writes, and the checks they depend on
// (entitlement, membership, the buyer's own review), use the primary; the
// public list reads the replica unless the request has just written.
type Store struct{ db *db.DB }

// NewStore returns the review store.
func NewStore(d *db.DB) *Store { return &Store{db: d} }

const reviewColumns = `r.id, r.product_id, r.user_id, COALESCE(NULLIF(u.name, ''), 'A buyer') AS author,
	r.rating, r.title, r.body, r.visible, r.response, r.responded_at, r.created_at, r.updated_at`

// Summary returns a product's rating aggregates.
func (s *Store) Summary(ctx context.Context, productID int64) (Summary, error) {
	var sum Summary
	err := s.db.ReadPool(ctx).NewRaw(`SELECT rating_count, rating_sum, _bayes_rating AS bayes_rating FROM products WHERE id = ?`,
		productID).Scan(ctx, &sum)
	return sum, err
}

// Page returns up to limit visible reviews of a product, newest first,
// after the given position (nil for the first page).
func (s *Store) Page(ctx context.Context, productID int64, after *Position, limit int) ([]Review, error) {
	q := `SELECT ` + reviewColumns + ` FROM reviews r JOIN users u ON u.id = r.user_id
		WHERE r.product_id = ? AND r.visible`
	args := []any{productID}
	if after != nil {
		q += ` AND (r.created_at, r.id) < (?, ?)`
		args = append(args, time.UnixMicro(after.Micros).UTC(), after.ID)
	}
	q += ` ORDER BY r.created_at DESC, r.id DESC LIMIT ?`
	args = append(args, limit)
	rs := make([]Review, 0, limit)
	err := s.db.ReadPool(ctx).NewRaw(q, args...).Scan(ctx, &rs)
	return rs, err
}

// Own returns the user's review of the product, visible or hidden.
func (s *Store) Own(ctx context.Context, productID, userID int64) (*Review, error) {
	r := new(Review)
	err := s.db.Primary.NewRaw(`SELECT `+reviewColumns+` FROM reviews r JOIN users u ON u.id = r.user_id
		WHERE r.product_id = ? AND r.user_id = ?`, productID, userID).Scan(ctx, r)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	return r, err
}

// entitledSQL is the one entitlement condition (product ?, user ?), the same
// as the library's.
const entitledSQL = `SELECT EXISTS (SELECT 1 FROM entitlements e WHERE e.product_id = ? AND e.user_id = ? AND e.revoked_at IS NULL)`

// Entitled reports whether the user holds a live entitlement to the product.
func (s *Store) Entitled(ctx context.Context, productID, userID int64) (bool, error) {
	var ok bool
	err := s.db.Primary.NewRaw(entitledSQL, productID, userID).Scan(ctx, &ok)
	return ok, err
}

// IsMember reports whether the user belongs to the store.
func (s *Store) IsMember(ctx context.Context, tenantID, userID int64) (bool, error) {
	var ok bool
	err := s.db.Primary.NewRaw(`SELECT EXISTS (SELECT 1 FROM tenant_members WHERE tenant_id = ? AND user_id = ?)`,
		tenantID, userID).Scan(ctx, &ok)
	return ok, err
}

// Upsert writes the buyer's review, or edits the one they already wrote, in
// one transaction that first takes a share lock on their live entitlement:
// a refund committing meanwhile either waits for this review (and then hides
// it) or is seen here, and the review is refused. The aggregates move in the
// same transaction (trigger, migration 0010).
func (s *Store) Upsert(ctx context.Context, tenantID, productID, userID int64, rating int, title, body string) error {
	return s.db.Primary.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		var ids []int64
		if err := tx.NewRaw(`SELECT id FROM entitlements WHERE product_id = ? AND user_id = ? AND revoked_at IS NULL FOR SHARE`,
			productID, userID).Scan(ctx, &ids); err != nil {
			return err
		}
		if len(ids) == 0 {
			return ErrNotBuyer
		}
		_, err := tx.NewRaw(`INSERT INTO reviews (tenant_id, product_id, user_id, rating, title, body)
			VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT (product_id, user_id) DO UPDATE
			SET rating = EXCLUDED.rating, title = EXCLUDED.title, body = EXCLUDED.body, updated_at = now()`,
			tenantID, productID, userID, rating, title, body).Exec(ctx)
		var pe *pgconn.PgError
		if errors.As(err, &pe) && pe.ConstraintName == "reviews_entitlement_check" {
			return ErrNotBuyer
		}
		return err
	})
}

// Delete removes the user's own review of the product; the aggregates drop
// it in the same transaction.
func (s *Store) Delete(ctx context.Context, productID, userID int64) error {
	res, err := s.db.Primary.NewRaw(`DELETE FROM reviews WHERE product_id = ? AND user_id = ?`, productID, userID).Exec(ctx)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}

// Respond sets the store's public response to one review of its product, in
// the store's row-level-security transaction, so another store's review is
// never reachable. Posting again replaces the response: there is one.
func (s *Store) Respond(ctx context.Context, tenantID, productID, reviewID, userID int64, body string) error {
	return s.db.InTenant(ctx, tenantID, func(ctx context.Context, tx bun.Tx) error {
		res, err := tx.NewRaw(`UPDATE reviews SET response = ?, response_by = ?, responded_at = now()
			WHERE id = ? AND tenant_id = ? AND product_id = ? AND visible`, body, userID, reviewID, tenantID, productID).Exec(ctx)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNotFound
		}
		return nil
	})
}
