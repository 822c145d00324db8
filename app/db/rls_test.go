package db_test

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/claro-market/claro/testkit/apptest"
	"github.com/claro-market/claro/testkit/dbtest"

	"github.com/claro-market/claro/app/db"
	"github.com/uptrace/bun"
)

var testDB *dbtest.Database

func TestMain(m *testing.M) { os.Exit(dbtest.Main(m, &testDB)) }

// mkTenant makes a store (its slug unique to this run) with three products.
func mkTenant(t *testing.T, prefix string) int64 {
	t.Helper()
	slug := apptest.Unique(prefix)
	var id int64
	if err := testDB.Primary.NewRaw(`INSERT INTO tenants (slug, name) VALUES (?, ?) RETURNING id`, slug, slug).Scan(context.Background(), &id); err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		if _, err := testDB.Primary.NewRaw(`INSERT INTO products (tenant_id, slug, title, price_cents, visibility) VALUES (?, ?, 'T', 100, 'public')`,
			id, slug+"-p"+string(rune('a'+i))).Exec(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	return id
}

func TestTenantRoleIsNeitherSuperuserNorBypassesRLS(t *testing.T) {
	var super, bypass bool
	err := testDB.Primary.NewRaw(`SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = ?`, db.TenantRole).Scan(context.Background(), &super, &bypass)
	if err != nil || super || bypass {
		t.Fatalf("role %s: super=%v bypassrls=%v err=%v", db.TenantRole, super, bypass, err)
	}
}

func TestRowLevelSecurityStopsAnUnscopedQuery(t *testing.T) {
	ctx := context.Background()
	a := mkTenant(t, "rls-alice")
	b := mkTenant(t, "rls-bob")

	err := testDB.InTenant(ctx, a, func(ctx context.Context, tx bun.Tx) error {
		// Deliberately unscoped: no WHERE tenant_id.
		var ids []int64
		if err := tx.NewRaw(`SELECT DISTINCT tenant_id FROM products`).Scan(ctx, &ids); err != nil {
			return err
		}
		if len(ids) != 1 || ids[0] != a {
			t.Errorf("unscoped SELECT saw tenants %v, want only %d", ids, a)
		}
		var n int
		if err := tx.NewRaw(`SELECT count(*) FROM products WHERE tenant_id = ?`, b).Scan(ctx, &n); err != nil {
			return err
		}
		if n != 0 {
			t.Errorf("SELECT of bob's products returned %d rows", n)
		}
		res, err := tx.ExecContext(ctx, `UPDATE products SET title = 'pwned'`)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 3 {
			t.Errorf("unscoped UPDATE touched %d rows, want alice's 3", n)
		}
		var tenants int
		if err := tx.NewRaw(`SELECT count(*) FROM tenants`).Scan(ctx, &tenants); err != nil {
			return err
		}
		if tenants != 1 {
			t.Errorf("unscoped SELECT on tenants saw %d stores", tenants)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// An INSERT into another store is a policy violation.
	err = testDB.InTenant(ctx, a, func(ctx context.Context, tx bun.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO products (tenant_id, slug, title, price_cents) VALUES (?, 'sneaky', 'S', 1)`, b)
		return err
	})
	if err == nil || !strings.Contains(err.Error(), "row-level security") {
		t.Fatalf("insert into bob's store: err = %v, want a row-level security violation", err)
	}
	var pwned int
	if err := testDB.Primary.NewRaw(`SELECT count(*) FROM products WHERE tenant_id = ? AND title = 'pwned'`, b).Scan(ctx, &pwned); err != nil || pwned != 0 {
		t.Fatalf("bob's products changed: %d (%v)", pwned, err)
	}
}

func TestTenantSettingDoesNotOutliveItsTransaction(t *testing.T) {
	ctx := context.Background()
	a := mkTenant(t, "rls-carol")
	if err := testDB.InTenant(ctx, a, func(ctx context.Context, tx bun.Tx) error { return nil }); err != nil {
		t.Fatal(err)
	}
	// Every pooled connection, as the tenant role but without set_config,
	// sees nothing: no stale app.tenant_id survives a commit.
	for range 25 {
		err := testDB.Primary.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
			if _, err := tx.ExecContext(ctx, "SET LOCAL ROLE "+db.TenantRole); err != nil {
				return err
			}
			var n int
			if err := tx.NewRaw(`SELECT count(*) FROM products`).Scan(ctx, &n); err != nil {
				return err
			}
			if n != 0 {
				t.Errorf("a transaction without app.tenant_id saw %d products", n)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}
