// Package library is the buyer's side of a purchase: the list of what they
// bought across stores, the content of each product and its file downloads.
// The entitlement check lives here, once: a product is opened only while the
// signed-in buyer holds an entitlement without revoked_at; anything else is
// the one 404 page, indistinguishable from a URL that never existed.
package library

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/uptrace/bun"
)

// ErrNotFound is a product or file the buyer may not open (not bought,
// refunded, disputed, another buyer's, or nonexistent). It wraps
// sql.ErrNoRows, which the web layer answers with the 404 page.
var ErrNotFound = fmt.Errorf("library: not found: %w", sql.ErrNoRows)

// Purchase is one product in a buyer's library.
type Purchase struct {
	ProductID   int64     `bun:"product_id"`
	Title       string    `bun:"title"`
	CoverKey    *string   `bun:"cover_key"`
	StoreName   string    `bun:"store_name"`
	StoreSlug   string    `bun:"store_slug"`
	PurchasedAt time.Time `bun:"purchased_at"`
	Files       []File    `bun:"-"` // what the buyer may download, oldest first
}

// Content is a purchased product's content.
type Content struct {
	ProductID   int64     `bun:"id"`
	Title       string    `bun:"title"`
	ContentHTML string    `bun:"content_html"` // sanitised by catalog's renderer when saved
	StoreName   string    `bun:"store_name"`
	StoreSlug   string    `bun:"store_slug"`
	CoverKey    *string   `bun:"cover_key"`
	PurchasedAt time.Time `bun:"purchased_at"` // the buyer's latest live entitlement to it
}

// File is a downloadable file of a purchased product.
type File struct {
	ID          int64  `bun:"id"`
	ProductID   int64  `bun:"product_id"` // filled by Purchases only
	Name        string `bun:"name"`
	BlobKey     string `bun:"blob_key"`
	SizeBytes   int64  `bun:"size_bytes"`
	ContentType string `bun:"content_type"`
}

// Store reads the library. It must read the primary: an entitlement just
// granted, or just revoked, has to count on the very next request.
type Store struct{ db bun.IDB }

// NewStore returns the library store over the primary.
func NewStore(primary bun.IDB) *Store { return &Store{db: primary} }

// entitled is the one entitlement condition, for the product bound as ? and
// the user bound as ?.
const entitled = `EXISTS (SELECT 1 FROM entitlements e WHERE e.product_id = ? AND e.user_id = ? AND e.revoked_at IS NULL)`

// EntitledToFile reports whether the user still holds a live entitlement to
// a product with a file stored under key: a signed download link is checked
// again when it is redeemed, so a refund ends the links already handed out.
func (s *Store) EntitledToFile(ctx context.Context, userID int64, key string) (bool, error) {
	var ok bool
	err := s.db.NewRaw(`SELECT EXISTS (SELECT 1 FROM product_files f JOIN entitlements e ON e.product_id = f.product_id
		WHERE f.blob_key = ? AND e.user_id = ? AND e.revoked_at IS NULL)`, key, userID).Scan(ctx, &ok)
	return ok, err
}

// Owns reports whether the user holds a live entitlement to the product, so
// the product page and the cart can send an owner to the library instead of
// selling them the product again.
func (s *Store) Owns(ctx context.Context, userID, productID int64) (bool, error) {
	var ok bool
	err := s.db.NewRaw(`SELECT `+entitled, productID, userID).Scan(ctx, &ok)
	return ok, err
}

// Claim attaches to the account the guest purchases made with its
// address, once that address is verified: an account whose owner has not
// opened a link sent to its address gets nothing by email, whoever typed it
// in at sign-up. Verifying an address runs it (accounts.Auth's onVerified),
// and so does every library page, for purchases made since.
func (s *Store) Claim(ctx context.Context, userID int64) error {
	_, err := s.db.NewRaw(`WITH u AS (
			SELECT id, email FROM users WHERE id = ? AND email_verified_at IS NOT NULL
		), o AS (
			UPDATE orders SET user_id = u.id, updated_at = now() FROM u WHERE orders.user_id IS NULL AND orders.email = u.email
		)
		UPDATE entitlements e SET user_id = u.id FROM u WHERE e.user_id IS NULL AND e.email = u.email`, userID).Exec(ctx)
	return err
}

// ErrClaimedElsewhere is a guest order a claim link was sent for that
// another account holds already.
var ErrClaimedElsewhere = errors.New("library: the order is in another account")

// OrderSummary is what a claim link's page shows of its order.
type OrderSummary struct {
	ID        int64    `bun:"id"`
	StoreName string   `bun:"store_name"`
	Titles    []string `bun:"titles,array"`
}

// Order returns the summary of order id.
func (s *Store) Order(ctx context.Context, id int64) (*OrderSummary, error) {
	o := new(OrderSummary)
	err := s.db.NewRaw(`SELECT o.id, t.name AS store_name,
			ARRAY(SELECT i.title FROM order_items i WHERE i.order_id = o.id ORDER BY i.title) AS titles
		FROM orders o JOIN tenants t ON t.id = o.tenant_id WHERE o.id = ?`, id).Scan(ctx, o)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	return o, err
}

// ClaimOrder attaches one guest order and its entitlements to the account,
// as its claim link (the only proof accepted besides a verified address)
// asks. An order the account holds already is fine; one another account
// holds is ErrClaimedElsewhere.
func (s *Store) ClaimOrder(ctx context.Context, userID, orderID int64) error {
	var owner int64
	err := s.db.NewRaw(`WITH o AS (
			UPDATE orders SET user_id = ?, updated_at = now() WHERE id = ? AND user_id IS NULL RETURNING id
		), e AS (
			UPDATE entitlements SET user_id = ? WHERE order_id IN (SELECT id FROM o) AND user_id IS NULL
		)
		SELECT coalesce((SELECT ? FROM o), (SELECT user_id FROM orders WHERE id = ?), 0)`,
		userID, orderID, userID, userID, orderID).Scan(ctx, &owner)
	switch {
	case err != nil:
		return err
	case owner == 0:
		return ErrNotFound
	case owner != userID:
		return ErrClaimedElsewhere
	}
	return nil
}

// Purchases lists what the buyer may open, newest purchase first, each with
// its files. A non-empty q keeps the purchases whose title or store name
// contains it, ignoring case (LIKE's wildcards in q match themselves).
func (s *Store) Purchases(ctx context.Context, userID int64, q string) ([]Purchase, error) {
	ps := []Purchase{}
	pattern := "%" + likeEscaper.Replace(q) + "%"
	err := s.db.NewRaw(`SELECT p.id AS product_id, p.title, p.cover_key, t.name AS store_name, t.slug AS store_slug,
			max(e.created_at) AS purchased_at
		FROM entitlements e JOIN products p ON p.id = e.product_id JOIN tenants t ON t.id = e.tenant_id
		WHERE e.user_id = ? AND e.revoked_at IS NULL AND (? = '' OR p.title ILIKE ? OR t.name ILIKE ?)
		GROUP BY p.id, t.id ORDER BY purchased_at DESC, p.id DESC`, userID, q, pattern, pattern).Scan(ctx, &ps)
	if err != nil || len(ps) == 0 {
		return ps, err
	}
	ids := make([]int64, len(ps))
	at := make(map[int64]int, len(ps))
	for i, p := range ps {
		ids[i], at[p.ProductID] = p.ProductID, i
	}
	fs := []File{}
	if err := s.db.NewRaw(`SELECT f.id, f.product_id, f.name, f.blob_key, f.size_bytes, f.content_type FROM product_files f
		WHERE f.product_id IN (?) AND EXISTS (SELECT 1 FROM entitlements e
			WHERE e.product_id = f.product_id AND e.user_id = ? AND e.revoked_at IS NULL)
		ORDER BY f.product_id, f.id`, bun.List(ids), userID).Scan(ctx, &fs); err != nil {
		return nil, err
	}
	for _, f := range fs {
		i := at[f.ProductID]
		ps[i].Files = append(ps[i].Files, f)
	}
	return ps, nil
}

// likeEscaper makes a search text match itself in a LIKE pattern (the
// default escape character is the backslash).
var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

// Content returns a product's content when the buyer is entitled to it.
func (s *Store) Content(ctx context.Context, userID, productID int64) (*Content, error) {
	c := new(Content)
	err := s.db.NewRaw(`SELECT p.id, p.title, p.content_html, t.name AS store_name, t.slug AS store_slug, p.cover_key,
			(SELECT max(e.created_at) FROM entitlements e WHERE e.product_id = p.id AND e.user_id = ? AND e.revoked_at IS NULL) AS purchased_at
		FROM products p JOIN tenants t ON t.id = p.tenant_id
		WHERE p.id = ? AND `+entitled, userID, productID, productID, userID).Scan(ctx, c)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	return c, err
}

// Files lists a product's files when the buyer is entitled to it.
func (s *Store) Files(ctx context.Context, userID, productID int64) ([]File, error) {
	fs := []File{}
	err := s.db.NewRaw(`SELECT f.id, f.name, f.blob_key, f.size_bytes, f.content_type FROM product_files f
		WHERE f.product_id = ? AND `+entitled+` ORDER BY f.id`, productID, productID, userID).Scan(ctx, &fs)
	return fs, err
}

// File returns one file of a product when the buyer is entitled to it.
func (s *Store) File(ctx context.Context, userID, productID, fileID int64) (*File, error) {
	f := new(File)
	err := s.db.NewRaw(`SELECT f.id, f.name, f.blob_key, f.size_bytes, f.content_type FROM product_files f
		WHERE f.id = ? AND f.product_id = ? AND `+entitled, fileID, productID, productID, userID).Scan(ctx, f)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	return f, err
}
