package search

import (
	"encoding/json"
	"fmt"
	"slices"
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
	// correctedTiers is relevance of a rewritten query after its typo count
	// (see correctedRankExpr): the tiers of rankExpr and exactness.
	correctedTiers = tiers(correctedQuery) + ` + CASE WHEN lower(p.title) = lower(@text::text) THEN 1 ELSE 0 END`
)

// correctedRankExpr is relevance of a rewritten query (see correct) of
// words query words: fewer typos first (typoCount), then correctedTiers.
// words is 0 when no word has a typo neighbour: every match then has none.
func correctedRankExpr(words int) string {
	if words == 0 {
		return `(` + correctedTiers + `)::float8`
	}
	return `((-1000 * ` + typoCount(words) + `)
	+ ` + correctedTiers + `)::float8`
}

// typoCount is a product's typos over the query's n words: none for a word
// it has as typed (@exact[i]), one for a one-typo neighbour (@one[i]), else
// two. Each word's two tsqueries are parsed once (InitPlans) and the count is
// a sum of n CASEs, one statement text per word count, rather than a
// sub-select over unnest of the arrays run for every ranked row. What was
// measured to matter is leaving the count out when no word has a neighbour
// (typoWords); the per-word form was not measured apart from it.
func typoCount(n int) string {
	terms := make([]string, n)
	for i := range n {
		tsq := func(name string) string {
			return fmt.Sprintf(`(SELECT to_tsquery('english', nullif((@%s::text[])[%d], '')))`, name, i+1)
		}
		terms[i] = `CASE WHEN p._search_vector @@ ` + tsq("exact") + ` THEN 0 WHEN p._search_vector @@ ` + tsq("one") + ` THEN 1 ELSE 2 END`
	}
	return "(" + strings.Join(terms, "\n\t+ ") + ")"
}

// typoWords is how many words a correction's typo count runs over: all of
// them when any word is matched by a typo neighbour (a "|" in Match: a
// word's exact form is one term), or is unknown (no exact form), else 0.
func typoWords(c *correction) int {
	if c == nil || !strings.Contains(c.Match, "|") && !slices.Contains(c.Exact, "") {
		return 0
	}
	return len(c.Exact)
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

func sortKeyOf(s Sort, corr *correction) sortKey {
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
	if corr != nil {
		return number(correctedRankExpr(typoWords(corr)), "float8", true)
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
func matchWhere(q Query, corr *correction, args pgx.StrictNamedArgs, hide bool) string {
	var conds []string
	switch {
	case q.Text != "" && corr != nil && hide:
		// The same condition the planner cannot answer from the full-text
		// index: a filter on a walk of another index.
		conds = append(conds, "(p._search_vector @@ "+correctedQuery+") IS TRUE")
		args["match"] = corr.Match
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
// typed; a known word is otherwise searched with its typo neighbours too, as
// Meilisearch does, ranked below it). The last word is searched as a prefix
// only when some known stem begins with its own and is longer (completes,
// migration 0048): otherwise the prefix matches what the word does, and
// GIN's partial-match scan of a prefix cost twice the whole search of a
// rare word on the 100k catalog. A last word that completes ends the
// statement at the look-up too (its prefix is searched by the second).
func vocabCTE(common string) string {
	return fmt.Sprintf(vocabCTEFormat, common)
}

const vocabCTEFormat = `vocab_words AS MATERIALIZED (
	SELECT q.w, (ts_lexize('english_stem', q.w))[1] AS lexeme, q.i = cardinality((SELECT @words::text[])) AS last
	FROM unnest((SELECT @words::text[])) WITH ORDINALITY q(w, i)
), vocab_known AS MATERIALIZED (
	SELECT q.w, EXISTS (SELECT 1 FROM search_vocabulary v WHERE v.word = q.w)
		OR EXISTS (SELECT 1 FROM search_vocabulary v WHERE v.lexeme = q.lexeme) AS known,
		CASE WHEN q.last THEN (SELECT coalesce(sum(v.docs), 0) FROM search_vocabulary v
			WHERE v.word ~>=~ q.w AND v.word ~<~ (q.w || chr(1114111)))
		ELSE (SELECT coalesce(sum(v.docs), 0) FROM search_vocabulary v WHERE v.word = q.w OR v.lexeme = q.lexeme) END AS base,
		q.last AND EXISTS (SELECT 1 FROM search_vocabulary v
			WHERE v.lexeme ~>~ q.lexeme AND v.lexeme ~<~ (q.lexeme || chr(1114111))) AS completes
	FROM vocab_words q
), vocab_n AS MATERIALIZED (
	SELECT greatest((SELECT reltuples FROM pg_class WHERE oid = 'products'::regclass), (SELECT max(base) FROM vocab_known), 1)::float8 AS n
), vocab AS MATERIALIZED (
	SELECT q.w AS typed, q.known, q.base, q.completes, coalesce(c.word, '') AS word, coalesce(c.docs, 0) AS docs
	FROM vocab_known q
	LEFT JOIN LATERAL (SELECT v.word, v.docs FROM search_vocabulary v
		WHERE v.word <> q.w AND v.word IN (SELECT d.word FROM search_vocabulary_deletes d
			WHERE d.variant = ANY (ARRAY(SELECT x.variant
				FROM unnest((SELECT @variant_typed::text[]), (SELECT @variants::text[])) x(typed, variant) WHERE x.typed = q.w)))
		ORDER BY v.docs DESC, v.word LIMIT ` + maxCandidatesSQL + `) c ON true
), vocab_ok AS (
	SELECT coalesce(bool_and(known AND word = '' AND NOT completes), true) AND NOT %s AS known,
		json_agg(json_build_object('typed', typed, 'known', known, 'base', base, 'n', (SELECT n FROM vocab_n),
			'completes', completes, 'word', word, 'docs', docs)) AS candidates
	FROM vocab
)`

// maxCandidatesSQL caps the known words read per query word (the most used
// first) before the exact distance is checked.
const maxCandidatesSQL = "200"

// sqlShape is what one search statement does besides reading a page: count
// facets, look the words up first (vocabCTE), continue after a cursor.
type sqlShape struct {
	facets, lookup, after bool
	// walk reads the matches in popularity order instead of from the
	// full-text index (a common query, see isCommon); walkable is whether
	// the look-up may find the query common (no store scope).
	walk, walkable bool
}

// isCommon reports whether a query estimated to match est of n products is
// cheaper to read by walking the popularity index (about bound/frequency
// rows, each a heap fetch and a check of its words) than by the full-text
// index's bitmap of all est matches: est² ≥ walkFactor·(bound+1)·n.
func isCommon(est, n float64, bound int) bool {
	return est > 0 && est*est >= walkFactor*float64(bound+1)*n
}

// walkFactor is what one walked row costs in bitmap entries. Measured with
// EXPLAIN (ANALYZE) on the million-product scale catalog: a walked row
// (a heap fetch and its words checked) about 40 µs, a bitmap entry about
// 1.4 µs, so about 30. A walk then pays only for very common words and short
// prefixes (6.7% of the catalog or more for the 150 suggestions, 17% for a
// page of results at a million products).
var walkFactor = 30.0

// walkAnyScope lets a store's, a category's or a tag's query walk too (for
// the tests: the walk must answer as the full-text index does).
var walkAnyScope = false

// commonSQL is isCommon over the look-up's words in SQL (vocab_known,
// vocab_n): the words' frequencies multiplied, as if independent. "false"
// when the query may not walk.
func commonSQL(bound int, walkable bool) string {
	if !walkable {
		return "false"
	}
	return fmt.Sprintf(`(SELECT coalesce(power(exp(sum(ln(least(greatest(q.base, 1), vn.n) / vn.n))) * vn.n, 2) >= %g * vn.n, false)
		FROM vocab_known q, vocab_n vn GROUP BY vn.n)`, walkFactor*float64(bound+1))
}

// walkCap is how many of the most popular products a walk reads at most
// before the full-text index answers instead.
func walkCap(bound int) int { return 50 * (bound + 1) }

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
func boundedSQL(where, hidden string, k sortKey, relevance bool, limit, bound int, sh sqlShape) string {
	lim := fmt.Sprint(limit)
	gate, lookupCols, from := "", "true AS known, NULL::json AS vocab", "(SELECT 1) one"
	ctes := categoryPathsCTE
	if sh.lookup {
		ctes += ",\n" + vocabCTE(commonSQL(bound, sh.walkable))
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
		// Past the bound, the sort's own order over every match: a common
		// query (walk) walks the sort's index with the words a filter.
		pastBound := where
		if sh.walk {
			pastBound = hidden
		}
		pageKeys = `(SELECT id, sort_key FROM matches m WHERE (SELECT n FROM counted) <= ` + boundN + keysetM + `
	ORDER BY ` + k.order("m.sort_key", "m.id") + ` LIMIT ` + lim + `)
	UNION ALL
	(SELECT p.id, ` + k.expr + ` FROM products p JOIN tenants t ON t.id = p.tenant_id
	` + pastBound + `
	AND (SELECT n FROM counted) > ` + boundN + keysetP + `
	ORDER BY ` + k.order(k.expr, "p.id") + ` LIMIT ` + lim + `)`
	}
	facets, facetCol := "", "NULL::json AS facets"
	if sh.facets {
		facets = `, facet_counts AS (
	SELECT 'category' AS facet, slug AS value, sum(n)::bigint AS count
	FROM (SELECT category_id, count(*) AS n FROM matches GROUP BY category_id) g
	JOIN cat_path cp ON cp.id = g.category_id CROSS JOIN unnest(cp.slugs) slug GROUP BY slug
	UNION ALL
	SELECT 'tag', tag, count(*) FROM (SELECT unnest(m.tags) AS tag FROM matches m) x GROUP BY tag
	UNION ALL
	SELECT 'price', ` + bandCaseSQL("m.price_cents") + `, count(*) FROM matches m GROUP BY 2
	UNION ALL
	SELECT 'total', '', n FROM counted
)`
		facetCol = `(SELECT json_agg(json_build_object('facet', facet, 'value', value, 'count', count)) FROM facet_counts) AS facets`
	}
	matches := `matches AS MATERIALIZED (
	SELECT p.id, p.category_id, p.tags, p.price_cents, ` + k.expr + ` AS sort_key
	FROM products p JOIN tenants t ON t.id = p.tenant_id
	` + where + gate + `
	LIMIT ` + fmt.Sprint(bound+1) + `
)`
	if sh.walk {
		// A common query: the most popular products first, the words a
		// filter, so the matches stop at the bound after about
		// bound/frequency rows instead of a bitmap of every match; if the
		// walk's walkCap products hold no more than the bound, the
		// full-text index answers after all (the same matches as without
		// the walk).
		// The LATERAL sub-select with OFFSET 0 is a fence: the planner
		// must look each walked id up in turn (a hash join of all walkCap
		// ids against a scan of products was its first choice).
		matches = `walked AS MATERIALIZED (
	SELECT x.* FROM (SELECT w.id FROM products w WHERE w.deleted_at IS NULL AND w.visibility = 'public'
		ORDER BY w.trending_score DESC, w.id DESC LIMIT ` + fmt.Sprint(walkCap(bound)) + `) top
	CROSS JOIN LATERAL (SELECT p.id, p.category_id, p.tags, p.price_cents, ` + k.expr + ` AS sort_key
		FROM products p JOIN tenants t ON t.id = p.tenant_id
		WHERE p.id = top.id AND ` + strings.TrimPrefix(hidden, "WHERE ") + gate + `
		OFFSET 0) x
	LIMIT ` + fmt.Sprint(bound+1) + `
), matches AS MATERIALIZED (
	SELECT * FROM walked WHERE (SELECT count(*) FROM walked) > ` + boundN + `
	UNION ALL
	(SELECT p.id, p.category_id, p.tags, p.price_cents, ` + k.expr + `
	FROM products p JOIN tenants t ON t.id = p.tenant_id
	` + where + gate + `
	AND (SELECT count(*) FROM walked) <= ` + boundN + `
	LIMIT ` + fmt.Sprint(bound+1) + `)
)`
	}
	return `WITH RECURSIVE ` + ctes + `,
` + matches + `, counted AS (SELECT count(*) AS n FROM matches)` + facets + `,
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
