package search

import (
	"context"

	"github.com/claro-market/claro/app/catalog"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"
)

// categoryPathsCTE gives every category its slug path, own slug first and
// then its ancestors', so a filter on a parent matches its sub-categories.
const categoryPathsCTE = `cat_path AS (
	SELECT id, ARRAY[slug] AS slugs FROM categories WHERE parent_id IS NULL
	UNION ALL
	SELECT c.id, c.slug || cp.slugs FROM categories c JOIN cat_path cp ON c.parent_id = cp.id
)`

// docColumns select a Document from products p, tenants t and cat_path cp.
const docColumns = `p.id, p.slug, p.title, p.description, t.slug AS creator, t.name AS creator_name,
	COALESCE(cp.slugs, '{}') AS category, p.tags, p.price_cents, p.currency,
	(extract(epoch FROM p.created_at) * 1000000)::bigint AS created_at,
	COALESCE((extract(epoch FROM p.published_at) * 1000000)::bigint, 0) AS published_at,
	p.sales_count AS sales, greatest(p.trending_score, -1e9) AS trending,
	p.rating_count, p.rating_sum, p._bayes_rating AS rating, COALESCE(p.cover_key, '') AS cover_key,
	p.visibility, t.status = 'active' AS store_active, t.charges_enabled`

// docFrom joins what docColumns reads.
const docFrom = `products p JOIN tenants t ON t.id = p.tenant_id LEFT JOIN cat_path cp ON cp.id = p.category_id`

// docRow is a Document as PostgreSQL returns it.
type docRow struct {
	ID             int64    `bun:"id"`
	Slug           string   `bun:"slug"`
	Title          string   `bun:"title"`
	Description    string   `bun:"description"`
	Creator        string   `bun:"creator"`
	CreatorName    string   `bun:"creator_name"`
	Category       []string `bun:"category,array"`
	Tags           []string `bun:"tags,array"`
	PriceCents     int64    `bun:"price_cents"`
	Currency       string   `bun:"currency"`
	CreatedAt      int64    `bun:"created_at"`
	PublishedAt    int64    `bun:"published_at"`
	Sales          int64    `bun:"sales"`
	Trending       float64  `bun:"trending"`
	RatingCount    int64    `bun:"rating_count"`
	RatingSum      int64    `bun:"rating_sum"`
	Rating         float64  `bun:"rating"`
	CoverKey       string   `bun:"cover_key"`
	Visibility     string   `bun:"visibility"`
	StoreActive    bool     `bun:"store_active"`
	ChargesEnabled bool     `bun:"charges_enabled"`
}

func (r docRow) doc() Document {
	d := Document{
		ID: r.ID, Slug: r.Slug, Title: r.Title, Description: r.Description,
		Creator: r.Creator, CreatorName: r.CreatorName, Category: r.Category, Tags: r.Tags,
		PriceCents: r.PriceCents, PriceBand: BandOf(r.PriceCents), Currency: r.Currency,
		CreatedAt: r.CreatedAt, PublishedAt: r.PublishedAt, Sales: r.Sales, Trending: r.Trending,
		RatingCount: r.RatingCount, RatingSum: r.RatingSum, Rating: r.Rating, CoverKey: r.CoverKey,
		Visibility: r.Visibility, StoreActive: r.StoreActive, ChargesEnabled: r.ChargesEnabled,
	}
	if d.Category == nil {
		d.Category = []string{}
	}
	if d.Tags == nil {
		d.Tags = []string{}
	}
	return d
}

// LoadDocuments reads the current documents of those of ids that discovery
// may show right now; an id missing from the answer must leave the index.
func LoadDocuments(ctx context.Context, db bun.IDB, ids []int64) ([]Document, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	var rows []docRow
	err := db.NewRaw(`WITH RECURSIVE `+categoryPathsCTE+`
		SELECT `+docColumns+` FROM `+docFrom+`
		WHERE p.id = ANY(?) AND `+catalog.DiscoverableSQL+` ORDER BY p.id`,
		pgdialect.Array(ids)).Scan(ctx, &rows)
	return docs(rows), err
}

// EachDocument walks every document discovery may show, in id order, batch
// at a time: the source of a full reindex.
func EachDocument(ctx context.Context, db bun.IDB, batch int, fn func([]Document) error) error {
	var after int64
	for {
		var rows []docRow
		err := db.NewRaw(`WITH RECURSIVE `+categoryPathsCTE+`
			SELECT `+docColumns+` FROM `+docFrom+`
			WHERE p.id > ? AND `+catalog.DiscoverableSQL+` ORDER BY p.id LIMIT ?`,
			after, batch).Scan(ctx, &rows)
		if err != nil {
			return err
		}
		if len(rows) == 0 {
			return nil
		}
		if err := fn(docs(rows)); err != nil {
			return err
		}
		after = rows[len(rows)-1].ID
	}
}

// CountDocuments counts what discovery may show: a reindex's total.
func CountDocuments(ctx context.Context, db bun.IDB) (int, error) {
	var n int
	err := db.NewRaw(`SELECT count(*) FROM products p JOIN tenants t ON t.id = p.tenant_id
		WHERE `+catalog.DiscoverableSQL).Scan(ctx, &n)
	return n, err
}

func docs(rows []docRow) []Document {
	out := make([]Document, 0, len(rows))
	for _, r := range rows {
		out = append(out, r.doc())
	}
	return out
}
