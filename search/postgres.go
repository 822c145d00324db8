package search

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/claro-market/claro/app/cursor"
	"github.com/claro-market/claro/app/db"
	"github.com/jackc/pgx/v5"
	"github.com/uptrace/bun"
)

// Postgres is the default Index: it searches the catalog tables themselves
// (weighted tsvector; typos corrected through search_vocabulary) under the one eligibility rule, so
// there is nothing to keep in step and Upsert and Delete do nothing. Its
// statements are in postgres_sql.go.
type Postgres struct {
	pools   *db.DB
	cursors *cursor.Codec
}

// NewPostgres returns the PostgreSQL backend over pools; each search reads
// the pool its request may read (see pool).
func NewPostgres(pools *db.DB, cursors *cursor.Codec) *Postgres {
	return &Postgres{pools: pools, cursors: cursors}
}

// pool is the one place a search chooses where it reads: the replica, or the
// primary when the request carries the read-your-writes mark (db.ReadPool),
// so a creator who just saved a product finds it as saved.
func (p *Postgres) pool(ctx context.Context) *bun.DB { return p.pools.ReadPool(ctx) }

// Upsert does nothing: the tables are the index.
func (p *Postgres) Upsert(context.Context, []Document) error { return nil }

// Delete does nothing: the tables are the index.
func (p *Postgres) Delete(context.Context, []int64) error { return nil }

// pgCursor is the last row's sort key (as PostgreSQL prints it, so it reads
// back exactly) and id, and the query's correction when it had one, so every
// page runs the first page's words even if the vocabulary changed since.
type pgCursor struct {
	Key   string   `json:"k"`
	ID    int64    `json:"i"`
	Match string   `json:"m,omitempty"`
	Exact []string `json:"e,omitempty"`
	One   []string `json:"o,omitempty"`
	Est   float64  `json:"x,omitempty"`
	N     float64  `json:"n,omitempty"`
}

// hitRow is a page row: the document, its sort key, and (on the first row
// only) the facet counts and the vocabulary look-up as JSON.
type hitRow struct {
	docRow
	SortKey string `bun:"sort_key"`
	Facets  []byte `bun:"facets"`
	Known   bool   `bun:"known"`
	Vocab   []byte `bun:"vocab"`
}

// query runs sql prepared (db.Prepared: parsed and planned once per
// connection) with its named arguments and scans the rows into dest.
func (p *Postgres) query(ctx context.Context, sql string, args pgx.StrictNamedArgs, dest any) error {
	pool := p.pool(ctx)
	rows, err := pool.DB.QueryContext(ctx, sql, db.Prepared(args)...)
	if err != nil {
		return err
	}
	return pool.ScanRows(ctx, rows, dest)
}

// Search answers q, most often in one statement: the vocabulary look-up of
// its words, the matches (at most matchBound+1 of them, see boundedSQL),
// the facet counts and the page all come from one round trip. When a word
// is one no public product uses, that statement stops after the look-up,
// the words are corrected within Meilisearch's typo rules (see correct) and
// a second statement runs the corrected query, still on the full-text index;
// the page then names the correction (Result.Corrected).
func (p *Postgres) Search(ctx context.Context, q Query) (*Result, error) {
	var after *pgCursor
	if q.Cursor != "" {
		after = new(pgCursor)
		if err := decodeCursor(p.cursors, q, after); err != nil {
			return nil, err
		}
	}
	var corr *correction
	if after != nil && after.Match != "" {
		corr = &correction{Match: after.Match, Exact: after.Exact, One: after.One, Estimate: after.Est, N: after.N}
	}
	var lookup []string
	if after == nil && q.Text != "" {
		// Plain words are searched as Meilisearch searches them: each also
		// by its typo neighbours, the last also as a prefix. The first
		// statement looks the words up and, when no word has a neighbour,
		// already searches them so (every word as typed, the last a prefix).
		if lookup = lookupWords(q.Text); lookup != nil {
			corr = correct(q.Text, nil)
		}
	}
	res, vocab, err := p.search(ctx, q, after, corr, lookup)
	if err != nil || vocab == nil {
		return res, err
	}
	var rows []candidateRow
	if err := json.Unmarshal(vocab, &rows); err != nil {
		return nil, fmt.Errorf("search: postgres corrections: %w", err)
	}
	corr = correct(q.Text, rows)
	res, _, err = p.search(ctx, q, nil, corr, nil)
	if err == nil && corr != nil {
		res.Corrected = corr.Shown
	}
	return res, err
}

// search runs one page of q, with its facets when q asks for them, reading
// one row more than the page to know whether there is a next one. Given
// lookup words, it first looks them up: when one is unknown it returns no
// result but the look-up's rows (vocab), for Search to correct.
func (p *Postgres) search(ctx context.Context, q Query, after *pgCursor, corr *correction, lookup []string) (*Result, []byte, error) {
	sort := q.EffectiveSort()
	key, limit := sortKeyOf(sort, corr), q.limit()
	args := pgx.StrictNamedArgs{}
	where := matchWhere(q, corr, args, false)
	if corr != nil && sort == SortRelevance {
		args["text"] = q.Text
		if typoWords(corr) > 0 {
			args["exact"], args["one"] = corr.Exact, corr.One
		}
	}
	bindPage(args, after, limit+1)
	var sql string
	if q.Text == "" && !q.Facets {
		sql = pageSQL(where, key, after != nil)
	} else {
		sh := sqlShape{facets: q.Facets, lookup: len(lookup) > 0, after: after != nil}
		if sh.lookup {
			args["words"] = lookup
			args["variant_typed"], args["variants"] = lookupVariants(lookup)
		}
		delete(args, "limit") // part of the text, see boundedSQL
		bound := matchBound
		if q.MaxMatches > 0 && !q.Facets {
			bound = min(bound, max(q.MaxMatches, limit))
		}
		// The walk reads the whole catalog's most popular products: not for
		// a store's own products or a category or tag, whose share of the
		// catalog the estimate does not know (the full-text index, with
		// the category beside the words in one GIN index, serves those).
		sh.walkable = walkAnyScope || q.Creator == "" && q.Category == "" && len(q.Tags) == 0
		sh.walk = sh.walkable && corr != nil && isCommon(corr.Estimate, corr.N, bound)
		hidden := where
		if sh.walk {
			hidden = matchWhere(q, corr, pgx.StrictNamedArgs{}, true)
		}
		sql = boundedSQL(where, hidden, key, sort == SortRelevance, limit+1, bound, sh)
	}
	var rows []hitRow
	if err := p.query(ctx, sql, args, &rows); err != nil {
		return nil, nil, fmt.Errorf("search: postgres: %w", err)
	}
	if len(lookup) > 0 && len(rows) > 0 && !rows[0].Known {
		return nil, rows[0].Vocab, nil
	}
	res := &Result{}
	if q.Facets {
		var raw []byte
		if len(rows) > 0 {
			raw = rows[0].Facets
		}
		f, err := parseFacets(raw)
		if err != nil {
			return nil, nil, err
		}
		res.Facets = f
	}
	var last hitRow
	for _, r := range rows {
		if r.ID == 0 {
			continue // the answer's one row when nothing matched
		}
		if len(res.Hits) == limit {
			c := pgCursor{Key: last.SortKey, ID: last.ID}
			if corr != nil {
				c.Match, c.Exact, c.One, c.Est, c.N = corr.Match, corr.Exact, corr.One, corr.Estimate, corr.N
			}
			next, err := p.cursors.Encode(q.scope(), c)
			if err != nil {
				return nil, nil, err
			}
			res.Next = next
			break
		}
		res.Hits = append(res.Hits, r.doc())
		last = r
	}
	return res, nil, nil
}
