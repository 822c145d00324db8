package search

import (
	"context"
	"errors"

	"github.com/claro-market/claro/app/cursor"
)

// Index is what discovery runs on: PostgreSQL itself (the default) or
// Meilisearch. Both pass the one contract suite (contract_test.go), so the
// handler never knows which it has.
type Index interface {
	// Upsert adds or replaces documents. Callers only ever pass eligible
	// products (public, live, of an active store that can take payments).
	Upsert(ctx context.Context, docs []Document) error
	// Delete removes documents; unknown ids are not an error.
	Delete(ctx context.Context, ids []int64) error
	// Search answers one page of a query. A cursor that is malformed, tampered
	// with or made for another query is ErrBadCursor.
	Search(ctx context.Context, q Query) (*Result, error)
}

// ErrBadCursor is a page cursor that is malformed, tampered with or belongs to
// another query; the handler answers it with a 400.
var ErrBadCursor = errors.New("search: invalid page cursor")

// Document is a product as discovery sees it: public fields only, never
// content, files, drafts or anything about buyers.
type Document struct {
	ID          int64    `json:"id"`
	Slug        string   `json:"slug"`
	Title       string   `json:"title"`
	Description string   `json:"description"`
	Creator     string   `json:"creator"`      // the store's slug
	CreatorName string   `json:"creator_name"` // the store's name
	Category    []string `json:"category"`     // own slug, then its ancestors'
	Tags        []string `json:"tags"`
	PriceCents  int64    `json:"price_cents"`
	PriceBand   string   `json:"price_band"`
	Currency    string   `json:"currency"`
	CreatedAt   int64    `json:"created_at"`   // unix microseconds
	PublishedAt int64    `json:"published_at"` // unix microseconds, 0 if never
	Sales       int64    `json:"sales"`
	// Trending is the product's trending score, floored at TrendingFloor so it
	// stays a finite JSON number for never-sold products.
	Trending    float64 `json:"trending"`
	RatingCount int64   `json:"rating_count"`
	RatingSum   int64   `json:"rating_sum"`
	Rating      float64 `json:"rating"` // Bayesian average, see BayesRating
	CoverKey    string  `json:"cover_key"`
	// Visibility, StoreActive and ChargesEnabled restate eligibility inside the
	// index, so every Meilisearch query can filter on it once more.
	Visibility     string `json:"visibility"`
	StoreActive    bool   `json:"store_active"`
	ChargesEnabled bool   `json:"charges_enabled"`
}

// Result is one page of hits, the facet counts when asked for, and the cursor
// of the next page ("" on the last page).
type Result struct {
	Hits   []Document
	Facets *Facets
	Next   string
	// Corrected is the query as PostgreSQL ran it when it corrected typos
	// ("" when it ran as typed, and always on Meilisearch, which tolerates
	// typos without rewriting the words).
	Corrected string
}

// Facets counts the whole result set (not just the page) by category
// (sub-categories count towards their ancestors), tag and price band.
type Facets struct {
	// Total is how many results there are; with Approximate, more than
	// Total, and every count is over the first Total or so of them only
	// (PostgreSQL counts at most matchBound matches; Meilisearch is exact).
	Total       int
	Approximate bool
	Categories  []FacetCount
	Tags        []FacetCount
	Prices      []FacetCount
}

// FacetCount is one facet value and how many results carry it.
type FacetCount struct {
	Value string
	Count int
}

// MaxFacetValues caps each facet list (Meilisearch's maxValuesPerFacet).
const MaxFacetValues = 100

// TrendingFloor stands for "never sold" (a trending score of -∞) in indexes
// that only hold finite numbers.
const TrendingFloor = -1e9

// Bayesian prior for top_rated: an unrated product counts as BayesPriorWeight
// ratings of BayesPriorMean, so one 5-star review does not top the chart. The
// products._bayes_rating column (migration 0006) uses the same numbers.
const (
	BayesPriorMean   = 3.5
	BayesPriorWeight = 5
)

// BayesRating is the Bayesian average of ratingCount ratings summing to
// ratingSum, computed exactly as PostgreSQL's generated column computes it.
func BayesRating(ratingCount, ratingSum int64) float64 {
	return (float64(ratingSum) + BayesPriorMean*BayesPriorWeight) / (float64(ratingCount) + BayesPriorWeight)
}

// decodeCursor checks a query's cursor into v, mapping every failure to
// ErrBadCursor.
func decodeCursor(codec *cursor.Codec, q Query, v any) error {
	if err := codec.Decode(q.scope(), q.Cursor, v); err != nil {
		return ErrBadCursor
	}
	return nil
}
