package search

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/claro-market/claro/app/catalog"
	"github.com/jackc/pgx/v5"
)

// The PostgreSQL backend's statements. Values are bound by name (@text,
// @limit…) through pgx.StrictNamedArgs, which turns them into $1, $2… before
// the statement is prepared: a statement whose SQL uses a name its arguments
// lack, or is given one it does not use, fails rather than reading NULL. A
// search's text depends only on which filters, sort and cursor it has, so each
// shape is parsed and planned once per connection, not per request (on the
// 100k catalog that was most of a cheap search's time).

const (
	// tsQuery is the words as a tsquery, parsed once per statement: a
	// sub-select is an InitPlan, still an index condition of the GIN indexes.
	// Written as a plain call, a generic plan of the prepared statement
	// (PostgreSQL switches to one after five executions when it looks as
	// cheap) parsed the words again for every row it ranked or rechecked.
	tsQuery = `(SELECT websearch_to_tsquery('english', @text::text))`
	// rankExpr is relevance when the words match as typed: the weighted
	// full-text rank.
	rankExpr = `ts_rank('{0.1,0.2,0.4,1.0}', p._search_vector, ` + tsQuery + `)::float8`
	// correctedQuery is a query rewritten to known words (see correct), as
	// a tsquery of plain lexemes joined by & and |, parsed once per statement.
	correctedQuery = `(SELECT to_tsquery('english', @match::text))`
	// correctedRankExpr is relevance of a corrected query: products matching
	// every word's closest corrections (fewest typos) first, then the
	// weighted full-text rank (below 1, so it never crosses a tier).
	correctedRankExpr = `((CASE WHEN p._search_vector @@ (SELECT to_tsquery('english', @best::text)) THEN 10 ELSE 0 END)
	+ ts_rank('{0.1,0.2,0.4,1.0}', p._search_vector, ` + correctedQuery + `))::float8`
)

// sortKey is a sort as SQL over products p: the key expression, the key as
// text for a cursor (out, printed so that it reads back exactly), the
// cursor's @after_key read back as the key's type (in), and the direction.
// Every order ends with p.id, so it is total.
type sortKey struct {
	expr, out, in string
	desc          bool
}

func sortKeyOf(s Sort, corrected bool) sortKey {
	number := func(expr, typ string, desc bool) sortKey {
		return sortKey{expr: expr, out: expr + "::text", in: "@after_key::text::" + typ, desc: desc}
	}
	switch s {
	case SortNewest:
		return sortKey{expr: "p.created_at", out: "(extract(epoch FROM p.created_at) * 1000000)::bigint::text",
			in: "(timestamptz 'epoch' + @after_key::text::bigint * interval '1 microsecond')", desc: true}
	case SortPriceAsc:
		return number("p.price_cents", "bigint", false)
	case SortPriceDesc:
		return number("p.price_cents", "bigint", true)
	case SortBestsellers:
		return number("p.sales_count", "bigint", true)
	case SortTrending:
		return number("p.trending_score", "float8", true)
	case SortTopRated:
		return number("p._bayes_rating", "float8", true)
	}
	if corrected {
		return number(correctedRankExpr, "float8", true)
	}
	return number(rankExpr, "float8", true)
}

// order is the ORDER BY list of key and id columns in the sort's direction.
func (k sortKey) order(key, id string) string {
	dir := " ASC"
	if k.desc {
		dir = " DESC"
	}
	return key + dir + ", " + id + dir
}

// after is the keyset condition: rows strictly after the cursor's row.
func (k sortKey) after(key, id string) string {
	cmp := " > "
	if k.desc {
		cmp = " < "
	}
	return "(" + key + ", " + id + ")" + cmp + "(" + k.in + ", @after_id)"
}

// matchWhere is the WHERE clause of a search: the one eligibility rule, the
// text, and every filter, each binding its value in args. The text matches
// every word as typed (stemmed full text), or, corrected, every word as
// typed or as one of its corrections (the same full-text index).
func matchWhere(q Query, corr *correction, args pgx.StrictNamedArgs) string {
	conds := []string{catalog.DiscoverableSQL}
	switch {
	case q.Text != "" && corr != nil:
		conds = append(conds, "p._search_vector @@ "+correctedQuery)
		args["match"] = corr.Match
	case q.Text != "":
		conds = append(conds, "p._search_vector @@ "+tsQuery)
		args["text"] = q.Text
	}
	if q.Category != "" {
		// An array computed once (an InitPlan), so the category is an index
		// condition of products_category_search_idx next to the words.
		conds = append(conds, `p.category_id = ANY (ARRAY(WITH RECURSIVE sub AS (
			SELECT id FROM categories WHERE slug = @category
			UNION ALL SELECT c.id FROM categories c JOIN sub ON c.parent_id = sub.id) SELECT id FROM sub))`)
		args["category"] = q.Category
	}
	if len(q.Tags) > 0 {
		conds = append(conds, "p.tags @> @tags::text[]")
		args["tags"] = q.Tags
	}
	if q.MinPrice >= 0 {
		conds = append(conds, "p.price_cents >= @min_price")
		args["min_price"] = q.MinPrice
	}
	if q.MaxPrice >= 0 {
		conds = append(conds, "p.price_cents <= @max_price")
		args["max_price"] = q.MaxPrice
	}
	if q.Creator != "" {
		conds = append(conds, "t.slug = @creator")
		args["creator"] = q.Creator
	}
	return "WHERE " + strings.Join(conds, "\n\tAND ")
}

// bindPage binds the page's cursor (when there is one) and row limit.
func bindPage(args pgx.StrictNamedArgs, after *pgCursor, limit int) {
	if after != nil {
		args["after_key"], args["after_id"] = after.Key, after.ID
	}
	args["limit"] = limit
}

// pageSQL is a page without facets: matching rows after the cursor in sort
// order, each with its document and sort key.
func pageSQL(where string, k sortKey, after bool) string {
	if after {
		where += "\n\tAND " + k.after(k.expr, "p.id")
	}
	return `WITH RECURSIVE ` + categoryPathsCTE + `
SELECT ` + docColumns + `, ` + k.out + ` AS sort_key
FROM ` + docFrom + `
` + where + `
ORDER BY ` + k.order(k.expr, "p.id") + ` LIMIT @limit`
}

// facetedPageSQL is a page with the facets over every match, in one read of
// the matches:
//
//	matches       every matching product with its sort key, read once
//	facet_counts  the counts of each category (with its ancestors), tag and
//	              price band among the matches, and their total
//	page_keys     the page's rows: the first matches after the cursor
//	page_docs     those rows' documents, in sort order
//
// The answer's first row carries the facet counts as JSON (an object per
// facet_counts row: facet, value, count); with no match at all it is the only
// row, with the counts and no document.
func facetedPageSQL(where string, k sortKey, after bool) string {
	keyset := ""
	if after {
		keyset = "\n\tWHERE " + k.after("m.sort_key", "m.id")
	}
	return `WITH RECURSIVE ` + categoryPathsCTE + `,
matches AS MATERIALIZED (
	SELECT p.id, p.category_id, p.tags, p.price_cents, ` + k.expr + ` AS sort_key
	FROM ` + docFrom + `
	` + where + `
), facet_counts AS (
	SELECT 'category' AS facet, slug AS value, count(*) AS count
	FROM matches m JOIN cat_path cp ON cp.id = m.category_id CROSS JOIN unnest(cp.slugs) slug GROUP BY slug
	UNION ALL
	SELECT 'tag', tag, count(*) FROM matches m CROSS JOIN unnest(m.tags) tag GROUP BY tag
	UNION ALL
	SELECT 'price', ` + bandCaseSQL("m.price_cents") + `, count(*) FROM matches m GROUP BY 2
	UNION ALL
	SELECT 'total', '', count(*) FROM matches
), page_keys AS (
	SELECT id, sort_key FROM matches m` + keyset + `
	ORDER BY ` + k.order("m.sort_key", "m.id") + ` LIMIT @limit
), page_docs AS (
	SELECT ` + docColumns + `, ` + k.out + ` AS sort_key
	FROM page_keys pk JOIN (` + docFrom + `) ON p.id = pk.id
	ORDER BY ` + k.order("pk.sort_key", "pk.id") + `
)
SELECT CASE WHEN coalesce(page._ord, 1) = 1 THEN facets.counts END AS facets, page.*
FROM (SELECT json_agg(json_build_object('facet', facet, 'value', value, 'count', count)) AS counts FROM facet_counts) facets
LEFT JOIN (SELECT page_docs.*, row_number() OVER () AS _ord FROM page_docs) page ON true
ORDER BY page._ord`
}

// facetCount is one row of facet_counts: how many matches have value in
// facet ("category", "tag", "price" band); facet "total" counts them all.
type facetCount struct {
	Facet string `json:"facet"`
	Value string `json:"value"`
	Count int    `json:"count"`
}

// parseFacets reads facet_counts, as JSON, into Facets.
func parseFacets(raw []byte) (*Facets, error) {
	f := &Facets{}
	if len(raw) == 0 {
		return f, nil
	}
	var rows []facetCount
	if err := json.Unmarshal(raw, &rows); err != nil {
		return nil, fmt.Errorf("search: postgres facets: %w", err)
	}
	categories, tags, prices := map[string]int{}, map[string]int{}, map[string]int{}
	for _, r := range rows {
		switch r.Facet {
		case "category":
			categories[r.Value] += r.Count
		case "tag":
			tags[r.Value] += r.Count
		case "price":
			prices[r.Value] += r.Count
		case "total":
			f.Total = r.Count
		}
	}
	f.Categories, f.Tags, f.Prices = sortFacet(categories), sortFacet(tags), bandFacet(prices)
	return f, nil
}
