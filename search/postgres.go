package search

import (
	"context"
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
	Key   string `json:"k"`
	ID    int64  `json:"i"`
	Match string `json:"m,omitempty"`
	Best  string `json:"b,omitempty"`
}

// hitRow is a page row: the document, its sort key, and (with facets, on the
// first row only) the facet counts as JSON.
type hitRow struct {
	docRow
	SortKey string `bun:"sort_key"`
	Facets  []byte `bun:"facets"`
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

// Search answers q in one statement: the matching rows are read once, and
// the facet counts over all of them and the page by keyset both come from
// that one read. First every word no public product uses is corrected to the
// known words within Meilisearch's typo rules (see correct), so a misspelt
// word still runs on the full-text index; the page then names the
// correction (Result.Corrected).
func (p *Postgres) Search(ctx context.Context, q Query) (*Result, error) {
	var after *pgCursor
	if q.Cursor != "" {
		after = new(pgCursor)
		if err := decodeCursor(p.cursors, q, after); err != nil {
			return nil, err
		}
	}
	var corr *correction
	switch {
	case after != nil && after.Match != "":
		corr = &correction{Match: after.Match, Best: after.Best}
	case after == nil && q.Text != "":
		var err error
		if corr, err = p.correct(ctx, q.Text); err != nil {
			return nil, err
		}
	}
	res, err := p.search(ctx, q, after, corr)
	if err == nil && corr != nil && after == nil {
		res.Corrected = corr.Shown
	}
	return res, err
}

// search runs one page of q, with its facets when q asks for them, reading
// one row more than the page to know whether there is a next one.
func (p *Postgres) search(ctx context.Context, q Query, after *pgCursor, corr *correction) (*Result, error) {
	sort := q.EffectiveSort()
	key, limit := sortKeyOf(sort, corr != nil), q.limit()
	args := pgx.StrictNamedArgs{}
	where := matchWhere(q, corr, args)
	if corr != nil && sort == SortRelevance {
		args["best"] = corr.Best
	}
	bindPage(args, after, limit+1)
	sql := pageSQL(where, key, after != nil)
	if q.Facets {
		sql = facetedPageSQL(where, key, after != nil)
	}
	var rows []hitRow
	if err := p.query(ctx, sql, args, &rows); err != nil {
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
			continue // the faceted answer's row when nothing matched
		}
		if len(res.Hits) == limit {
			c := pgCursor{Key: last.SortKey, ID: last.ID}
			if corr != nil {
				c.Match, c.Best = corr.Match, corr.Best
			}
			next, err := p.cursors.Encode(q.scope(), c)
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
