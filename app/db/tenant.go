package db

import (
	"context"
	"strconv"

	"github.com/uptrace/bun"
)

// TenantRole is the PostgreSQL role creator-side transactions run as; the
// row-level security policies of migration 0004 apply to it.
const TenantRole = "claro_tenant"

// InTenant runs fn in a transaction on the primary as TenantRole with
// app.tenant_id set to tenantID for that transaction only. Row-level security
// then hides every other store's rows: the second wall behind the store
// methods' own WHERE tenant_id = ? clauses. Both settings end with the
// transaction, so a pooled connection never carries them into the next one.
func (d *DB) InTenant(ctx context.Context, tenantID int64, fn func(ctx context.Context, tx bun.Tx) error) error {
	return d.Primary.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.ExecContext(ctx, "SET LOCAL ROLE "+TenantRole); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "SELECT set_config('app.tenant_id', ?, true)", strconv.FormatInt(tenantID, 10)); err != nil {
			return err
		}
		return fn(ctx, tx)
	})
}
