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
// (weighted tsvector, pg_trgm for typos) under the one eligibility rule, so
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
// back exactly) and id, and whether the search runs in typo mode.
type pgCursor struct {
	Key   string `json:"k"`
	ID    int64  `json:"i"`
	Fuzzy bool   `json:"f,omitempty"`
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
	if err := p.query(ctx, knownWordsSQL, pgx.StrictNamedArgs{"text": q.Text}, &known); err != nil {
		return nil, fmt.Errorf("search: postgres: %w", err)
	}
	if known {
		return res, nil
	}
	return p.search(ctx, q, nil, true)
}

// search runs one page of q, with its facets when q asks for them, reading
// one row more than the page to know whether there is a next one.
func (p *Postgres) search(ctx context.Context, q Query, after *pgCursor, fuzzy bool) (*Result, error) {
	key, limit := sortKeyOf(q.EffectiveSort(), fuzzy), q.limit()
	args := pgx.StrictNamedArgs{}
	where := matchWhere(q, fuzzy, args)
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
