package search

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/claro-market/claro/app/catalog"
	"github.com/claro-market/claro/app/cursor"
	"github.com/claro-market/claro/app/db"
	"github.com/uptrace/bun"
)

// Postgres is the default Index: it searches the catalog tables themselves
// (weighted tsvector, pg_trgm for typos) under the one eligibility rule, so
// there is nothing to keep in step and Upsert and Delete do nothing.
type Postgres struct {
	db      *bun.DB
	cursors *cursor.Codec
}

// NewPostgres returns the PostgreSQL backend reading db (the replica).
func NewPostgres(db *bun.DB, cursors *cursor.Codec) *Postgres {
	return &Postgres{db: db, cursors: cursors}
}

// Upsert does nothing: the tables are the index.
func (p *Postgres) Upsert(context.Context, []Document) error { return nil }

// Delete does nothing: the tables are the index.
func (p *Postgres) Delete(context.Context, []int64) error { return nil }

// pgSort is a sort as SQL: the key expression, how the key is written into a
// cursor (keyOut) and read back (keyIn, with one placeholder), and direction.
type pgSort struct {
	expr, keyOut, keyIn string
	desc                bool
	args                []any // arguments of expr's placeholders
}

const (
	// The words as a tsquery, parsed once per statement: a sub-select is an
	// InitPlan, still an index condition of the GIN indexes. Written as a
	// plain call, a generic plan of the prepared statement (PostgreSQL
	// switches to one after five executions when it looks as cheap) parsed
	// the words again for every row it ranked or rechecked.
	tsQuery = `(SELECT websearch_to_tsquery('english', ?::text))`
	// Relevance: weighted full-text rank when the words match as typed, and
	// trigram word similarity to the title in typo mode.
	rankExpr  = `ts_rank('{0.1,0.2,0.4,1.0}', p._search_vector, ` + tsQuery + `)::float8`
	fuzzyExpr = `word_similarity(?, p.title)::float8`
)

func pgSortOf(s Sort, text string, fuzzy bool) pgSort {
	num := func(expr, typ string, desc bool) pgSort {
		return pgSort{expr: expr, keyOut: expr + "::text", keyIn: "?::text::" + typ, desc: desc}
	}
	switch s {
	case SortNewest:
		return pgSort{expr: "p.created_at", keyOut: "(extract(epoch FROM p.created_at) * 1000000)::bigint::text",
			keyIn: "(timestamptz 'epoch' + ?::text::bigint * interval '1 microsecond')", desc: true}
	case SortPriceAsc:
		return num("p.price_cents", "bigint", false)
	case SortPriceDesc:
		return num("p.price_cents", "bigint", true)
	case SortBestsellers:
		return num("p.sales_count", "bigint", true)
	case SortTrending:
		return num("p.trending_score", "float8", true)
	case SortTopRated:
		return num("p._bayes_rating", "float8", true)
	}
	if fuzzy {
		return pgSort{expr: fuzzyExpr, keyOut: fuzzyExpr + "::text", keyIn: "?::text::float8", desc: true, args: []any{text}}
	}
	return pgSort{expr: rankExpr, keyOut: rankExpr + "::text", keyIn: "?::text::float8", desc: true, args: []any{text}}
}

// pgCursor is the last row's sort key (as PostgreSQL prints it, so it reads
// back exactly) and id, and whether the search runs in typo mode.
type pgCursor struct {
	Key   string `json:"k"`
	ID    int64  `json:"i"`
	Fuzzy bool   `json:"f,omitempty"`
}

// sqlBuf builds SQL with its arguments in placeholder order: each ? in a
// fragment becomes the next $n, so the statement runs prepared (db.Prepared).
// A search's text depends only on which filters, sort and cursor it has, so
// each shape is parsed and planned once per connection, not per request:
// on the 100k catalog that was most of a cheap search's time.
type sqlBuf struct {
	sb   strings.Builder
	args []any
}

func (b *sqlBuf) add(s string, args ...any) {
	n := len(b.args)
	for {
		i := strings.IndexByte(s, '?')
		if i < 0 {
			break
		}
		n++
		b.sb.WriteString(s[:i])
		b.sb.WriteString("$" + strconv.Itoa(n))
		s = s[i+1:]
	}
	b.sb.WriteString(s)
	b.args = append(b.args, args...)
}

// query runs the built statement prepared and scans its rows into dest.
func (p *Postgres) query(ctx context.Context, b *sqlBuf, dest any) error {
	rows, err := p.db.DB.QueryContext(ctx, b.sb.String(), db.Prepared(b.args...)...)
	if err != nil {
		return err
	}
	return p.db.ScanRows(ctx, rows, dest)
}

// where appends the eligibility rule, the text match and every filter. The
// text matches every word as typed (stemmed full text), or in typo mode the
// title by trigram word similarity (pg_trgm's <%, GIN-indexed).
func where(b *sqlBuf, q Query, fuzzy bool) {
	b.add(" WHERE " + catalog.DiscoverableSQL)
	switch {
	case q.Text != "" && fuzzy:
		b.add(" AND ? <% p.title", q.Text)
	case q.Text != "":
		b.add(" AND p._search_vector @@ "+tsQuery, q.Text)
	}
	if q.Category != "" {
		// An array computed once (an InitPlan), so the category is an index
		// condition of products_category_search_idx next to the words.
		b.add(` AND p.category_id = ANY (ARRAY(WITH RECURSIVE sub AS (
			SELECT id FROM categories WHERE slug = ?
			UNION ALL SELECT c.id FROM categories c JOIN sub ON c.parent_id = sub.id) SELECT id FROM sub))`, q.Category)
	}
	if len(q.Tags) > 0 {
		b.add(" AND p.tags @> ?::text[]", q.Tags)
	}
	if q.MinPrice >= 0 {
		b.add(" AND p.price_cents >= ?", q.MinPrice)
	}
	if q.MaxPrice >= 0 {
		b.add(" AND p.price_cents <= ?", q.MaxPrice)
	}
	if q.Creator != "" {
		b.add(" AND t.slug = ?", q.Creator)
	}
}

// page appends the page query: matching rows after the cursor in sort order.
func page(b *sqlBuf, q Query, s pgSort, after *pgCursor, limit int, fuzzy bool) {
	b.add("SELECT "+docColumns+", "+s.keyOut+" AS sort_key", s.args...)
	b.add(" FROM " + docFrom)
	where(b, q, fuzzy)
	dir, cmp := "ASC", ">"
	if s.desc {
		dir, cmp = "DESC", "<"
	}
	if after != nil {
		b.add(" AND ("+s.expr+", p.id) "+cmp+" ("+s.keyIn+", ?)", append(slices.Clone(s.args), after.Key, after.ID)...)
	}
	b.add(" ORDER BY "+s.expr+" "+dir+", p.id "+dir+" LIMIT ?", append(slices.Clone(s.args), limit)...)
}

// hitRow is a page row: the document, its sort key, and (with facets) the
// facet counts as JSON, repeated on every row.
type hitRow struct {
	docRow
	SortKey string `bun:"sort_key"`
	Facets  []byte `bun:"facets"`
}

// Search answers q in one statement: the matching rows are read once, and
// the facet counts over all of them and the page by keyset both come from
// that one read. Words are first matched as typed; when nothing matches and
// the words match nothing anywhere in discovery either (a misspelling, not
// a real word the filters exclude), the search runs again in typo mode
// (trigram similarity), and its cursors stay in that mode.
func (p *Postgres) Search(ctx context.Context, q Query) (*Result, error) {
	var after *pgCursor
	if q.Cursor != "" {
		after = new(pgCursor)
		if err := decodeCursor(p.cursors, q, after); err != nil {
			return nil, err
		}
	}
	fuzzy := after != nil && after.Fuzzy
	res, err := p.search(ctx, q, after, fuzzy)
	if err != nil || fuzzy || after != nil || q.Text == "" || len(res.Hits) > 0 {
		return res, err
	}
	var known bool
	b := &sqlBuf{}
	// Any public listing using the words makes them real words: one table,
	// answered from the words' own partial index.
	b.add(`SELECT EXISTS (SELECT 1 FROM products p
		WHERE p.visibility = 'public' AND p.deleted_at IS NULL AND p._search_vector @@ `+tsQuery+`)`, q.Text)
	if err := p.query(ctx, b, &known); err != nil {
		return nil, fmt.Errorf("search: postgres: %w", err)
	}
	if known {
		return res, nil
	}
	return p.search(ctx, q, nil, true)
}

func (p *Postgres) search(ctx context.Context, q Query, after *pgCursor, fuzzy bool) (*Result, error) {
	s := pgSortOf(q.EffectiveSort(), q.Text, fuzzy)
	limit := q.limit()
	b := &sqlBuf{}
	b.add("WITH RECURSIVE " + categoryPathsCTE)
	if !q.Facets {
		b.add(" ")
		page(b, q, s, after, limit+1, fuzzy)
	} else {
		// matched is every match with its sort key, read once; the facets
		// count it and the page takes its first rows in sort order, then
		// reads only those rows' documents.
		b.add(", matched AS MATERIALIZED (SELECT p.id, p.category_id, p.tags, p.price_cents, "+s.expr+" AS sk FROM "+docFrom, s.args...)
		where(b, q, fuzzy)
		dir, cmp := "ASC", ">"
		if s.desc {
			dir, cmp = "DESC", "<"
		}
		b.add(`), f AS (
			SELECT 'c' AS kind, s AS value, count(*) AS n FROM matched m JOIN cat_path cp ON cp.id = m.category_id CROSS JOIN unnest(cp.slugs) s GROUP BY s
			UNION ALL SELECT 't', tg, count(*) FROM matched m CROSS JOIN unnest(m.tags) tg GROUP BY tg
			UNION ALL SELECT 'p', ` + bandCaseSQL("m.price_cents") + `, count(*) FROM matched m GROUP BY 2
			UNION ALL SELECT 'n', '', count(*) FROM matched
		), top AS (SELECT id, sk FROM matched m`)
		if after != nil {
			b.add(" WHERE (m.sk, m.id) "+cmp+" ("+s.keyIn+", ?)", after.Key, after.ID)
		}
		b.add(" ORDER BY m.sk "+dir+", m.id "+dir+" LIMIT ?", limit+1)
		b.add("), pg AS (SELECT "+docColumns+", "+s.keyOut+" AS sort_key", s.args...)
		b.add(" FROM top JOIN (" + docFrom + ") ON p.id = top.id ORDER BY top.sk " + dir + ", top.id " + dir)
		b.add(`) SELECT fj.facets, pgo.* FROM (SELECT json_agg(json_build_array(kind, value, n)) AS facets FROM f) fj
			LEFT JOIN (SELECT pg.*, row_number() OVER () AS _ord FROM pg) pgo ON true ORDER BY pgo._ord`)
	}
	var rows []hitRow
	if err := p.query(ctx, b, &rows); err != nil {
		return nil, fmt.Errorf("search: postgres: %w", err)
	}
	res := &Result{}
	if q.Facets {
		var raw []byte
		if len(rows) > 0 {
			raw = rows[0].Facets
		}
		f, err := parseFacets(raw)
		if err != nil {
			return nil, err
		}
		res.Facets = f
	}
	var last hitRow
	for _, r := range rows {
		if r.ID == 0 {
			continue
		}
		if len(res.Hits) == limit {
			next, err := p.cursors.Encode(q.scope(), pgCursor{Key: last.SortKey, ID: last.ID, Fuzzy: fuzzy})
			if err != nil {
				return nil, err
			}
			res.Next = next
			break
		}
		res.Hits = append(res.Hits, r.doc())
		last = r
	}
	return res, nil
}

// parseFacets reads the f CTE's rows: [kind, value, count] triples.
func parseFacets(raw []byte) (*Facets, error) {
	f := &Facets{}
	if len(raw) == 0 {
		return f, nil
	}
	var triples [][3]json.RawMessage
	if err := json.Unmarshal(raw, &triples); err != nil {
		return nil, fmt.Errorf("search: postgres facets: %w", err)
	}
	counts := map[string]map[string]int{"c": {}, "t": {}, "p": {}}
	for _, tr := range triples {
		var kind, value string
		var n int
		if json.Unmarshal(tr[0], &kind) != nil || json.Unmarshal(tr[1], &value) != nil || json.Unmarshal(tr[2], &n) != nil {
			continue
		}
		if kind == "n" {
			f.Total = n
			continue
		}
		counts[kind][value] += n
	}
	f.Categories, f.Tags, f.Prices = sortFacet(counts["c"]), sortFacet(counts["t"]), bandFacet(counts["p"])
	return f, nil
}
