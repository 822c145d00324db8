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

var (
	// tsQuery is the words as a tsquery, parsed once per statement: a
	// sub-select is an InitPlan, still an index condition of the GIN indexes.
	// Written as a plain call, a generic plan of the prepared statement
	// (PostgreSQL switches to one after five executions when it looks as
	// cheap) parsed the words again for every row it ranked or rechecked.
	tsQuery = `(SELECT websearch_to_tsquery('english', @text::text))`
	// rankExpr is relevance when the words match as typed, in Meilisearch's
	// rule order as tiers of one float8 (see tiers): every word matches (the
	// query is an AND), no typo, then proximity, attribute, exactness (the
	// title is the query), then the weighted full-text rank.
	rankExpr = `(` + tiers(tsQuery) + ` + CASE WHEN lower(p.title) = lower(@text::text) THEN 1 ELSE 0 END)::float8`
	// correctedQuery is a query rewritten to known words (see correct), as
	// a tsquery of plain lexemes joined by & and |, parsed once per statement.
	correctedQuery = `(SELECT to_tsquery('english', @match::text))`
	// correctedRankExpr is relevance of a rewritten query (see correct):
	// fewer typos first (typoCount), then the tiers of rankExpr and
	// exactness.
	correctedRankExpr = `((-1000 * ` + typoCount + `)
	+ ` + tiers(correctedQuery) + ` + CASE WHEN lower(p.title) = lower(@text::text) THEN 1 ELSE 0 END)::float8`
	// typoCount is a product's typos over the query's words: none for a word
	// it has as typed (@exact), one for a one-typo neighbour (@one), else
	// two. Each array of tsqueries is parsed once (an InitPlan).
	typoCount = `(SELECT coalesce(sum(CASE WHEN p._search_vector @@ t.e THEN 0 WHEN p._search_vector @@ t.o THEN 1 ELSE 2 END), 0)
	FROM unnest(` + tsArray("@exact") + `, ` + tsArray("@one") + `) t(e, o))`
)

// tsArray is the named text[] argument parsed into a tsquery[] once, in
// order, "" read as NULL (matching nothing).
func tsArray(name string) string {
	return `(SELECT array_agg(to_tsquery('english', nullif(x, '')) ORDER BY o) FROM unnest((SELECT ` + name + `::text[])) WITH ORDINALITY u(x, o))`
}

// tiers is Meilisearch's proximity and attribute rules over products p for
// tsquery q, as tiers of a number: 100 when the words are adjacent in order
// (q with every & made <->), 20 when any word is in the title, 10 in the tags
// (ts_filter keeps one weight: title A, tags B, description C), plus the
// weighted full-text rank scaled below 1 (normalisation 32: rank/(rank+1)),
// so no lower rule ever crosses a higher one. Every tsquery is an InitPlan;
// the tiers are computed only for the bounded matches (see boundedSQL).
func tiers(q string) string {
	phrase := `(SELECT replace(` + q + `::text, ' & ', ' <-> ')::tsquery)`
	anyWord := `(SELECT replace(` + q + `::text, ' & ', ' | ')::tsquery)`
	return `(CASE WHEN p._search_vector @@ ` + phrase + ` THEN 100 ELSE 0 END)
	+ (CASE WHEN ts_filter(p._search_vector, '{a}') @@ ` + anyWord + ` THEN 20
		WHEN ts_filter(p._search_vector, '{b}') @@ ` + anyWord + ` THEN 10 ELSE 0 END)
	+ ts_rank('{0.1,0.2,0.4,1.0}', p._search_vector, ` + q + `, 32)`
}

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
	return "(" + key + ", " + id + ")" + cmp + "((SELECT " + k.in + "), (SELECT @after_id::bigint))"
}

// matchWhere is the WHERE clause of a search: the one eligibility rule, the
// text, and every filter, each binding its value in args. The text matches
// every word as typed (stemmed full text), or, corrected, every word as
// typed or as one of its corrections (the same full-text index).
func matchWhere(q Query, corr *correction, args pgx.StrictNamedArgs) string {
	var conds []string
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
		conds = append(conds, "p.tags @> (SELECT @tags::text[])")
		args["tags"] = q.Tags
	}
	if q.MinPrice >= 0 {
		conds = append(conds, "p.price_cents >= (SELECT @min_price::bigint)")
		args["min_price"] = q.MinPrice
	}
	if q.MaxPrice >= 0 {
		conds = append(conds, "p.price_cents <= (SELECT @max_price::bigint)")
		args["max_price"] = q.MaxPrice
	}
	if q.Creator != "" {
		conds = append(conds, "t.slug = (SELECT @creator::text)")
		args["creator"] = q.Creator
	}
	return "WHERE " + strings.Join(append([]string{catalog.DiscoverableSQL}, conds...), "\n\tAND ")
}

// bindPage binds the page's cursor (when there is one) and row limit.
func bindPage(args pgx.StrictNamedArgs, after *pgCursor, limit int) {
	if after != nil {
		args["after_key"], args["after_id"] = after.Key, after.ID
	}
	args["limit"] = limit
}

// pageSQL is a page of a search without text and without facets (a next
// page of browsing): matching rows after the cursor in sort order, each with
// its document and sort key; the planner walks the sort's index.
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

// matchBound caps how many matches a search reads to rank and count: a query
// matching more is ranked (by relevance) and faceted over the first
// matchBound+1 matches the index yields, and the page says its counts are
// approximate (Facets.Approximate). Any other sort then still pages exactly:
// it reads the sort key of every match (a top-N sort, no ranking, no facets).
// Walking the sort's own index instead would cost 25/frequency rows, but with
// the words hidden from the planner it chose a sequential scan (measured:
// 200 ms at 100k), so that is left to do.
const matchBound = 1000

// vocabCTE looks the query's words (@words) up in search_vocabulary inside
// the search's own statement: whether each one's stem is known and, when it
// is long enough to have a typo, the other known words sharing one of its
// deletions (@variants, each of the word @variant_typed; see typoVariants)
// in search_vocabulary_deletes (migration 0047): every word within the typo
// allowance, and some beyond it, by btree look-ups. The distance itself is
// checked in Go (see correct). vocab_ok is whether every word is known and
// none has a candidate: only then does the statement go on to search (as
// typed, the last word a prefix; a known word is otherwise searched with its
// typo neighbours too, as Meilisearch does, ranked below it).
const vocabCTE = `vocab_words AS MATERIALIZED (
	SELECT q.w, (ts_lexize('english_stem', q.w))[1] AS lexeme FROM unnest((SELECT @words::text[])) q(w)
), vocab_known AS MATERIALIZED (
	SELECT q.w, EXISTS (SELECT 1 FROM search_vocabulary v WHERE v.word = q.w)
		OR EXISTS (SELECT 1 FROM search_vocabulary v WHERE v.lexeme = q.lexeme) AS known
	FROM vocab_words q
), vocab AS MATERIALIZED (
	SELECT q.w AS typed, q.known, coalesce(c.word, '') AS word, coalesce(c.docs, 0) AS docs
	FROM vocab_known q
	LEFT JOIN LATERAL (SELECT v.word, v.docs FROM search_vocabulary v
		WHERE v.word <> q.w AND v.word IN (SELECT d.word FROM search_vocabulary_deletes d
			WHERE d.variant = ANY (ARRAY(SELECT x.variant
				FROM unnest((SELECT @variant_typed::text[]), (SELECT @variants::text[])) x(typed, variant) WHERE x.typed = q.w)))
		ORDER BY v.docs DESC, v.word LIMIT ` + maxCandidatesSQL + `) c ON true
), vocab_ok AS (
	SELECT coalesce(bool_and(known AND word = ''), true) AS known,
		json_agg(json_build_object('typed', typed, 'known', known, 'word', word, 'docs', docs)) AS candidates
	FROM vocab
)`

// maxCandidatesSQL caps the known words read per query word (the most used
// first) before the exact distance is checked.
const maxCandidatesSQL = "200"

// sqlShape is what one search statement does besides reading a page: count
// facets, look the words up first (vocabCTE), continue after a cursor.
type sqlShape struct {
	facets, lookup, after bool
}

// boundedSQL is a search with text or facets, in one statement:
//
//	vocab_ok      (lookup only) the words' vocabulary look-up; the rest runs
//	              only when every word is known
//	matches       the first matchBound+1 matches with their sort keys, in
//	              the full-text index's order: all of them for most queries
//	counted       how many that is
//	facet_counts  (facets only) the counts of each category (with its
//	              ancestors), tag and price band among the matches, and
//	              their total
//	page_keys     the page's rows: the first matches after the cursor, or,
//	              past the bound and sorted other than by relevance, the
//	              first of all matches in the sort's order
//	page_docs     those rows' documents, in sort order
//
// Every value is bound as a sub-select (an InitPlan) and the page size is
// part of the text, so a custom plan costs what the generic one does and
// PostgreSQL keeps the generic plan after its first five executions: the
// statement is planned five times per connection, not on every search.
//
// The answer has one row at least: the first carries the facet counts and
// the look-up as JSON (known, vocab), every row a document when any matched.
func boundedSQL(where string, k sortKey, relevance bool, limit, bound int, sh sqlShape) string {
	lim := fmt.Sprint(limit)
	gate, lookupCols, from := "", "true AS known, NULL::json AS vocab", "(SELECT 1) one"
	ctes := categoryPathsCTE
	if sh.lookup {
		ctes += ",\n" + vocabCTE
		gate = "\n\tAND (SELECT known FROM vocab_ok)"
		lookupCols = "vo.known, CASE WHEN NOT vo.known THEN vo.candidates END AS vocab"
		from = "vocab_ok vo"
	}
	keysetM, keysetP := "", ""
	if sh.after {
		keysetM = "\n\tAND " + k.after("m.sort_key", "m.id")
		keysetP = "\n\tAND " + k.after(k.expr, "p.id")
	}
	boundN := fmt.Sprint(bound)
	pageKeys := `SELECT id, sort_key FROM matches m WHERE true` + keysetM + `
	ORDER BY ` + k.order("m.sort_key", "m.id") + ` LIMIT ` + lim + ``
	if !relevance {
		pageKeys = `(SELECT id, sort_key FROM matches m WHERE (SELECT n FROM counted) <= ` + boundN + keysetM + `
	ORDER BY ` + k.order("m.sort_key", "m.id") + ` LIMIT ` + lim + `)
	UNION ALL
	(SELECT p.id, ` + k.expr + ` FROM products p JOIN tenants t ON t.id = p.tenant_id
	` + where + `
	AND (SELECT n FROM counted) > ` + boundN + keysetP + `
	ORDER BY ` + k.order(k.expr, "p.id") + ` LIMIT ` + lim + `)`
	}
	facets, facetCol := "", "NULL::json AS facets"
	if sh.facets {
		facets = `, facet_counts AS (
	SELECT 'category' AS facet, slug AS value, count(*) AS count
	FROM matches m JOIN cat_path cp ON cp.id = m.category_id CROSS JOIN unnest(cp.slugs) slug GROUP BY slug
	UNION ALL
	SELECT 'tag', tag, count(*) FROM matches m CROSS JOIN unnest(m.tags) tag GROUP BY tag
	UNION ALL
	SELECT 'price', ` + bandCaseSQL("m.price_cents") + `, count(*) FROM matches m GROUP BY 2
	UNION ALL
	SELECT 'total', '', n FROM counted
)`
		facetCol = `(SELECT json_agg(json_build_object('facet', facet, 'value', value, 'count', count)) FROM facet_counts) AS facets`
	}
	return `WITH RECURSIVE ` + ctes + `,
matches AS MATERIALIZED (
	SELECT p.id, p.category_id, p.tags, p.price_cents, ` + k.expr + ` AS sort_key
	FROM products p JOIN tenants t ON t.id = p.tenant_id
	` + where + gate + `
	LIMIT ` + fmt.Sprint(bound+1) + `
), counted AS (SELECT count(*) AS n FROM matches)` + facets + `,
page_keys AS (
	` + pageKeys + `
), page_docs AS (
	SELECT ` + docColumns + `, ` + k.out + ` AS sort_key
	FROM page_keys pk JOIN (` + docFrom + `) ON p.id = pk.id
	ORDER BY ` + k.order("pk.sort_key", "pk.id") + `
)
SELECT CASE WHEN coalesce(page._ord, 1) = 1 THEN head.facets END AS facets, head.known, head.vocab, page.*
FROM (SELECT ` + facetCol + `, ` + lookupCols + ` FROM ` + from + `) head
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
	if f.Total > matchBound {
		// Counted over the first matchBound+1 matches only: the page says so.
		f.Total, f.Approximate = matchBound, true
	}
	return f, nil
}
