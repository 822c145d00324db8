package db

import "github.com/jackc/pgx/v5"

// Prepared marks a statement's arguments so pgx runs it as a prepared
// statement cached on its connection: parsed and planned once per connection
// instead of once per call. It is for the hottest statements, whose text never
// changes; they use $1, $2… placeholders and go through the *sql.Tx or *sql.DB
// underneath Bun (tx.Tx, db.DB), because Bun interpolates its ? placeholders
// into a new text on every call, which the pool's default exec mode then
// plans afresh (see open).
//
//	tx.Tx.QueryRowContext(ctx, `SELECT … WHERE id = $1`, db.Prepared(id)...)
func Prepared(args ...any) []any {
	return append([]any{pgx.QueryExecModeCacheStatement}, args...)
}
