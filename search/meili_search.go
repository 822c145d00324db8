package search

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/meilisearch/meilisearch-go"
)

// meiliSortAttr is the document attribute each sort orders by (relevance has
// none) and whether it descends.
func meiliSortAttr(s Sort) (attr string, desc bool) {
	switch s {
	case SortNewest:
		return "created_at", true
	case SortPriceAsc:
		return "price_cents", false
	case SortPriceDesc:
		return "price_cents", true
	case SortBestsellers:
		return "sales", true
	case SortTrending:
		return "trending", true
	case SortTopRated:
		return "rating", true
	}
	return "", true
}

// meiliCursor is a keyset position (Key, ID) for sorted searches, or a page
// number for relevance, whose order Meilisearch cannot express as a filter.
type meiliCursor struct {
	Key  string `json:"k,omitempty"`
	ID   int64  `json:"i,omitempty"`
	Page int64  `json:"p,omitempty"`
}

// meiliKey is doc's value of attr, printed as a filter accepts it.
func meiliKey(d Document, attr string) string {
	switch attr {
	case "created_at":
		return strconv.FormatInt(d.CreatedAt, 10)
	case "price_cents":
		return strconv.FormatInt(d.PriceCents, 10)
	case "sales":
		return strconv.FormatInt(d.Sales, 10)
	case "trending":
		return strconv.FormatFloat(d.Trending, 'f', -1, 64)
	}
	return strconv.FormatFloat(d.Rating, 'f', -1, 64)
}

// filterString quotes a value for a Meilisearch filter.
func filterString(s string) string { return strconv.Quote(s) }

// meiliFilters is the eligibility rule once more, then every filter of q.
func meiliFilters(q Query) []string {
	f := []string{`visibility = "public"`, "store_active = true", "charges_enabled = true"}
	if q.Category != "" {
		f = append(f, "category = "+filterString(q.Category))
	}
	for _, t := range q.Tags {
		f = append(f, "tags = "+filterString(t))
	}
	if q.MinPrice >= 0 {
		f = append(f, fmt.Sprintf("price_cents >= %d", q.MinPrice))
	}
	if q.MaxPrice >= 0 {
		f = append(f, fmt.Sprintf("price_cents <= %d", q.MaxPrice))
	}
	if q.Creator != "" {
		f = append(f, "creator = "+filterString(q.Creator))
	}
	return f
}

// Search answers q with the search-only key: keyset by filter for sorted
// searches, page numbers for relevance.
func (m *Meili) Search(ctx context.Context, q Query) (*Result, error) {
	limit := int64(q.limit())
	attr, desc := meiliSortAttr(q.EffectiveSort())
	var after meiliCursor
	if q.Cursor != "" {
		if err := decodeCursor(m.cursors, q, &after); err != nil {
			return nil, err
		}
		if _, err := strconv.ParseFloat(after.Key, 64); attr != "" && err != nil || attr == "" && after.Page < 2 {
			return nil, ErrBadCursor
		}
	}
	req := &meilisearch.SearchRequest{Filter: meiliFilters(q), HitsPerPage: &limit, Page: max(after.Page, 1),
		MatchingStrategy: meilisearch.All}
	if attr != "" {
		dir, cmp := "asc", ">"
		if desc {
			dir, cmp = "desc", "<"
		}
		req.Sort = []string{attr + ":" + dir, "id:" + dir}
		req.Page = 1
		if q.Cursor != "" {
			req.Filter = append(req.Filter.([]string), fmt.Sprintf("(%[1]s %[2]s %[3]s OR (%[1]s = %[3]s AND id %[2]s %[4]d))", attr, cmp, after.Key, after.ID))
		}
	}
	if q.Facets {
		req.Facets = []string{"category", "tags", "price_band"}
	}
	resp, err := m.searcher.Index(m.uid).Search(ctx, q.Text, req)
	if err != nil {
		return nil, fmt.Errorf("search: meilisearch: %w", err)
	}
	res := &Result{}
	if err := resp.Hits.DecodeInto(&res.Hits); err != nil {
		return nil, fmt.Errorf("search: meilisearch hits: %w", err)
	}
	if q.Facets {
		var dist map[string]map[string]int
		if len(resp.FacetDistribution) > 0 {
			if err := json.Unmarshal(resp.FacetDistribution, &dist); err != nil {
				return nil, fmt.Errorf("search: meilisearch facets: %w", err)
			}
		}
		res.Facets = &Facets{Total: int(resp.TotalHits), Categories: sortFacet(dist["category"]),
			Tags: sortFacet(dist["tags"]), Prices: bandFacet(dist["price_band"])}
	}
	var next *meiliCursor
	switch {
	case attr == "" && resp.Page < resp.TotalPages:
		next = &meiliCursor{Page: resp.Page + 1}
	case attr != "" && resp.TotalHits > limit && len(res.Hits) > 0:
		last := res.Hits[len(res.Hits)-1]
		next = &meiliCursor{Key: meiliKey(last, attr), ID: last.ID}
	}
	if next != nil {
		if res.Next, err = m.cursors.Encode(q.scope(), next); err != nil {
			return nil, err
		}
	}
	return res, nil
}
