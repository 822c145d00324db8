// Package catalog holds products, categories, tags and files, and the
// storefront and marketplace listings built on them. Every creator-side query
// takes the tenant and filters on it; buyer-side listings apply visibility here,
// once, never in templates.
package catalog

import (
	"database/sql"
	"fmt"
	"time"

	"github.com/uptrace/bun"
)

// Visibility values: public products are listed everywhere, private ones only
// on their storefront (unlisted), drafts nowhere.
const (
	Public  = "public"
	Private = "private"
	Draft   = "draft"
)

// ErrNotFound is a product that does not exist, is not visible, or belongs to
// another store. It wraps sql.ErrNoRows: the web layer answers it with the 404
// page, so those cases cannot be told apart.
var ErrNotFound = fmt.Errorf("catalog: product not found: %w", sql.ErrNoRows)

// Product is one thing a store sells.
type Product struct {
	bun.BaseModel `bun:"table:products"`

	ID          int64    `bun:"id,pk,autoincrement"`
	TenantID    int64    `bun:"tenant_id"`
	Slug        string   `bun:"slug"`
	Title       string   `bun:"title"`
	Description string   `bun:"description"`
	PriceCents  int64    `bun:"price_cents"`
	Currency    string   `bun:"currency"`
	Visibility  string   `bun:"visibility"`
	CategoryID  *int64   `bun:"category_id"`
	Tags        []string `bun:"tags,array"`
	CoverKey    *string  `bun:"cover_key"`
	ContentMD   string   `bun:"content_md"`
	ContentHTML string   `bun:"content_html"`
	SalesCount  int64    `bun:"sales_count"`
	RatingCount int64    `bun:"rating_count"`
	RatingSum   int64    `bun:"rating_sum"`
	// TrendingScore is ln Σ e^(λ·t_sale): comparable across ages, so sorting
	// by it is an index scan (see ARCHITECTURE.md).
	TrendingScore float64    `bun:"trending_score"`
	PublishedAt   *time.Time `bun:"published_at"`
	CreatedAt     time.Time  `bun:"created_at,nullzero,default:now()"`
	UpdatedAt     time.Time  `bun:"updated_at,nullzero,default:now()"`
	DeletedAt     *time.Time `bun:"deleted_at"`
	// TakenDownAt is set while platform staff have taken the product down
	// (app/admin): hidden from its storefront, discovery and checkout, kept
	// by its buyers; TakenDownReason is staff's reason, shown to its creator.
	// Only admin writes them; Update never does.
	TakenDownAt     *time.Time `bun:"taken_down_at"`
	TakenDownReason *string    `bun:"taken_down_reason"`
	// LicenseKeys: each purchase gets a license key (app/licenses), which
	// activates on at most ActivationLimit instances (0: no limit).
	LicenseKeys     bool `bun:"license_keys"`
	ActivationLimit int  `bun:"activation_limit"`
	// PWYW: the buyer chooses what to pay, at least PWYWMinCents (zero
	// allowed); PriceCents is then the suggested price.
	PWYW         bool  `bun:"pwyw"`
	PWYWMinCents int64 `bun:"pwyw_min_cents"`
}

// Rating is the average star rating, 0 when unrated.
func (p *Product) Rating() float64 {
	if p.RatingCount == 0 {
		return 0
	}
	return float64(p.RatingSum) / float64(p.RatingCount)
}

// Category is a node of the shared category tree.
type Category struct {
	bun.BaseModel `bun:"table:categories"`

	ID       int64  `bun:"id,pk,autoincrement"`
	ParentID *int64 `bun:"parent_id"`
	Slug     string `bun:"slug"`
	Name     string `bun:"name"`
	Position int    `bun:"position"`
}

// File is a downloadable file attached to a product.
type File struct {
	bun.BaseModel `bun:"table:product_files"`

	ID          int64     `bun:"id,pk,autoincrement"`
	TenantID    int64     `bun:"tenant_id"`
	ProductID   int64     `bun:"product_id"`
	Name        string    `bun:"name"`
	BlobKey     string    `bun:"blob_key"`
	SizeBytes   int64     `bun:"size_bytes"`
	ContentType string    `bun:"content_type"`
	CreatedAt   time.Time `bun:"created_at,nullzero,default:now()"`
}

// Card is a product as listings show it: with its store's name and slug.
type Card struct {
	ID          int64     `bun:"id"`
	Slug        string    `bun:"slug"`
	Title       string    `bun:"title"`
	PriceCents  int64     `bun:"price_cents"`
	Currency    string    `bun:"currency"`
	Visibility  string    `bun:"visibility"`
	CoverKey    *string   `bun:"cover_key"`
	RatingCount int64     `bun:"rating_count"`
	RatingSum   int64     `bun:"rating_sum"`
	CreatedAt   time.Time `bun:"created_at"`
	StoreSlug   string    `bun:"store_slug"`
	StoreName   string    `bun:"store_name"`
}

// Rating is the card's average star rating, 0 when unrated.
func (c Card) Rating() float64 {
	if c.RatingCount == 0 {
		return 0
	}
	return float64(c.RatingSum) / float64(c.RatingCount)
}
