package migrations_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/claro-market/claro/app/catalog"
	"github.com/claro-market/claro/migrations"
	"github.com/claro-market/claro/tenants"
	"github.com/claro-market/claro/testkit/apptest"
	"github.com/claro-market/claro/testkit/dbtest"
	"github.com/claro-market/claro/testkit/moneytest"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/migrate"
)

// TestEveryMigrationGoesUpDownAndUpAgain applies the migrations one at a
// time (each its own group, as one deploy is), seeds a store with a product,
// a buyer, a paid order and a custom domain through the real app, then rolls
// back one migration at a time down to nothing. At each step down:
//   - every table the migration did not create keeps every row, and every
//     column the down kept holds the same values (a down drops only what its
//     up made);
//   - the schema is exactly what it was when going up at that level (a down
//     undoes all of its up: tables, columns, indexes, constraints, functions,
//     triggers, policies, grants);
//   - the migration goes up again on the data that is there, giving the same
//     schema and keeping the data, and down once more.
//
// Finally every migration goes up again on the empty database, to the same
// schema as the first time.
func TestEveryMigrationGoesUpDownAndUpAgain(t *testing.T) {
	ctx := context.Background()
	td, err := dbtest.CreateEmpty(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = td.Drop(context.Background()) })
	all, err := migrations.New()
	if err != nil {
		t.Fatal(err)
	}
	sorted := all.Sorted()
	n := len(sorted)
	db := td.Primary

	// up to level k applies migration k (1-based) as a group of its own.
	up := func(k int) {
		t.Helper()
		ms := migrate.NewMigrations()
		for _, m := range sorted[:k] {
			ms.Add(m)
		}
		m := migrate.NewMigrator(db, ms)
		if err := m.Init(ctx); err != nil {
			t.Fatal(err)
		}
		g, err := m.Migrate(ctx)
		if err != nil {
			t.Fatalf("up %s: %v", sorted[k-1].Name, err)
		}
		if len(g.Migrations) != 1 || g.Migrations[0].Name != sorted[k-1].Name {
			t.Fatalf("up to %s applied %v", sorted[k-1].Name, g.Migrations)
		}
	}
	// down rolls back the last group: migration k.
	down := func(k int) {
		t.Helper()
		g, err := migrate.NewMigrator(db, all).Rollback(ctx)
		if err != nil {
			t.Fatalf("down %s_%s: %v", sorted[k-1].Name, sorted[k-1].Comment, err)
		}
		if len(g.Migrations) != 1 || g.Migrations[0].Name != sorted[k-1].Name {
			t.Fatalf("down from %s rolled back %v", sorted[k-1].Name, g.Migrations)
		}
	}

	schemas := make([]string, n+1) // schemas[k]: after the first k migrations, going up
	schemas[0] = schema(t, db)
	for k := 1; k <= n; k++ {
		up(k)
		schemas[k] = schema(t, db)
	}

	seeded := seed(t, td)
	var empty []string
	for name, rows := range snapshot(t, db) {
		if len(rows) == 0 {
			empty = append(empty, name)
		}
	}
	slices.Sort(empty)
	t.Logf("seeded %s; tables left empty: %v", seeded, empty)

	for k := n; k >= 1; k-- {
		name := sorted[k-1].Name + "_" + sorted[k-1].Comment
		before := snapshot(t, db)
		down(k)
		if got := schema(t, db); got != schemas[k-1] {
			t.Fatalf("down %s: the schema is not what it was before its up:\n%s", name, diff(schemas[k-1], got))
		}
		after := snapshot(t, db)
		kept(t, "down "+name, before, after)

		up(k)
		if got := schema(t, db); got != schemas[k] {
			t.Fatalf("up %s again on its data: the schema differs from the first time:\n%s", name, diff(schemas[k], got))
		}
		kept(t, "up "+name+" again", after, snapshot(t, db))
		down(k)
	}

	for k := 1; k <= n; k++ {
		up(k)
	}
	if got := schema(t, db); got != schemas[n] {
		t.Fatalf("every migration up again: the schema differs from the first time:\n%s", diff(schemas[n], got))
	}
}

// seed makes data in every table: through the real app and its stores a
// store with a public product, a buyer who signed up and paid for it (order,
// items, entitlement, Stripe event, receipt owed, sales ledger, search
// outbox) and a custom domain; then, in SQL, the rows other features write
// (a category, a file, a member and an invitation, a review, tokens, a Connect
// account, a refund waiting for its order, a stored certificate).
func seed(t *testing.T, td *dbtest.Database) string {
	t.Helper()
	ctx := context.Background()
	e := moneytest.New(t, td)
	store := e.Store(t, apptest.Unique("migrate-store"))
	product := e.Product(t, store, "migrate-thing", catalog.Public)
	buyer := e.NewBrowser()
	email := apptest.Email("migrate-buyer")
	buyer.SignUp(t, email, "a long enough password", "Buyer")
	ck := e.OpenCheckout(t, buyer, store, product)
	e.Pay(t, ck, "pi_"+apptest.Unique("migrate"))
	if _, err := tenants.NewDomainStore(td.Primary, apptest.Root).Add(ctx, store.ID, "shop."+store.Slug+".example"); err != nil {
		t.Fatal(err)
	}
	var user, order int64
	if err := td.Primary.NewRaw(`SELECT u.id, o.id FROM users u JOIN orders o ON o.user_id = u.id WHERE u.email = ?`, email).Scan(ctx, &user, &order); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`INSERT INTO categories (slug, name) VALUES ('migrate-fonts', 'Fonts')`,
		`UPDATE products SET category_id = (SELECT id FROM categories WHERE slug = 'migrate-fonts') WHERE id = ?1`,
		`INSERT INTO product_files (tenant_id, product_id, name, blob_key, size_bytes, content_type)
			VALUES (?0, ?1, 'pack.zip', 'files/migrate/pack.zip', 1234, 'application/zip')`,
		// Verified, so its names are held both before 0025 (every claim held
		// them) and after (only proven claims do).
		`UPDATE domains SET status = 'verified', verified_at = now() WHERE tenant_id = ?0`,
		`INSERT INTO tenant_members (tenant_id, user_id, role) VALUES (?0, ?2, 'admin')`,
		`INSERT INTO tenant_invitations (tenant_id, email, role, token_hash, invited_by, expires_at)
			VALUES (?0, 'invitee@example.com', 'admin', '\x03', ?2, now() + interval '14 days')`,
		`INSERT INTO reviews (tenant_id, product_id, user_id, rating, title, body) VALUES (?0, ?1, ?2, 5, 'Good', 'Worth it.')`,
		`INSERT INTO email_tokens (token_hash, purpose, user_id, email, order_id, expires_at)
			VALUES ('\x01', 'claim', ?2, 'buyer@example.com', ?3, now() + interval '1 day')`,
		`INSERT INTO session_handoffs (token_hash, user_id, target_host, expires_at) VALUES ('\x02', ?2, 'shop.example.com', now() + interval '1 minute')`,
		`INSERT INTO stripe_accounts (tenant_id, account_id, charges_enabled) VALUES (?0, 'acct_migrate', true)`,
		`INSERT INTO pending_adjustments (stripe_payment_intent_id, kind, amount_refunded_cents, stripe_event_id)
			VALUES ('pi_not_yet', 'refund', 100, 'evt_refund_first')`,
		`INSERT INTO certmagic_data (key, value) VALUES ('certificates/acme/shop.example.com/shop.example.com.crt', '\x2d2d2d')`,
	} {
		if _, err := td.Primary.NewRaw(q, store.ID, product.ID, user, order).Exec(ctx); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	return fmt.Sprintf("store %s, product %d, order %d", store.Slug, product.ID, order)
}

// snapshot is every public table's rows (bun's own bookkeeping aside), each
// row as its JSON object.
func snapshot(t *testing.T, db *bun.DB) map[string][]map[string]any {
	t.Helper()
	var names []string
	if err := db.NewRaw(`SELECT table_name FROM information_schema.tables
		WHERE table_schema = 'public' AND table_type = 'BASE TABLE' AND table_name NOT LIKE 'bun\_%'`).Scan(context.Background(), &names); err != nil {
		t.Fatal(err)
	}
	out := make(map[string][]map[string]any, len(names))
	for _, name := range names {
		var raw string
		if err := db.NewRaw(`SELECT coalesce(json_agg(to_jsonb(t)), '[]')::text FROM ? AS t`, bun.Ident(name)).Scan(context.Background(), &raw); err != nil {
			t.Fatal(err)
		}
		var rows []map[string]any
		if err := json.Unmarshal([]byte(raw), &rows); err != nil {
			t.Fatal(err)
		}
		out[name] = rows
	}
	return out
}

// kept fails t unless every table in both snapshots has the same rows in
// the columns both have.
func kept(t *testing.T, step string, before, after map[string][]map[string]any) {
	t.Helper()
	for name, rowsAfter := range after {
		rowsBefore, ok := before[name]
		if !ok {
			continue // made by this step
		}
		var cols []string
		if len(rowsAfter) > 0 && len(rowsBefore) > 0 {
			for c := range rowsAfter[0] {
				if _, ok := rowsBefore[0][c]; ok {
					cols = append(cols, c)
				}
			}
		}
		if a, b := project(rowsBefore, cols), project(rowsAfter, cols); !slices.Equal(a, b) {
			t.Fatalf("%s: table %s changed:\nbefore %v\nafter  %v", step, name, a, b)
		}
	}
}

// project is each row's values in cols, as sorted JSON texts.
func project(rows []map[string]any, cols []string) []string {
	out := make([]string, len(rows))
	for i, r := range rows {
		p := make(map[string]any, len(cols))
		for _, c := range cols {
			p[c] = r[c]
		}
		b, _ := json.Marshal(p) // maps marshal with sorted keys
		out[i] = string(b)
	}
	slices.Sort(out)
	return out
}

// schema describes the public schema as sorted lines: columns, indexes,
// constraints, functions, triggers, policies, row-level security, grants
// (no ACL read as the owner's default one, which is what it means), default
// privileges and extensions. bun's own tables are left out, and so
// is pg_trgm, which 0006's down leaves installed on purpose.
func schema(t *testing.T, db *bun.DB) string {
	t.Helper()
	var lines []string
	err := db.NewRaw(`SELECT x FROM (
		SELECT 'column ' || table_name || '.' || column_name || ' ' || data_type || ' null=' || is_nullable || ' default=' || coalesce(column_default, '')
			FROM information_schema.columns WHERE table_schema = 'public' AND table_name NOT LIKE 'bun\_%'
		UNION ALL SELECT 'index ' || indexdef FROM pg_indexes WHERE schemaname = 'public' AND tablename NOT LIKE 'bun\_%'
		UNION ALL SELECT 'constraint ' || conrelid::regclass::text || ' ' || conname || ' ' || pg_get_constraintdef(oid)
			FROM pg_constraint WHERE connamespace = 'public'::regnamespace AND conrelid::regclass::text NOT LIKE 'bun\_%'
		UNION ALL SELECT 'function ' || p.oid::regprocedure::text || ' ' || md5(pg_get_functiondef(p.oid))
			FROM pg_proc p WHERE pronamespace = 'public'::regnamespace AND prokind IN ('f', 'p')
			AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')
		UNION ALL SELECT 'trigger ' || pg_get_triggerdef(oid) FROM pg_trigger WHERE NOT tgisinternal
		UNION ALL SELECT 'policy ' || tablename || ' ' || policyname || ' ' || array_to_string(roles, ',') || ' ' || coalesce(qual, '') || ' ' || coalesce(with_check, '')
			FROM pg_policies WHERE schemaname = 'public'
		UNION ALL SELECT 'rls ' || relname FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relrowsecurity
		UNION ALL SELECT 'grants ' || relname || ' ' || coalesce(relacl, acldefault(CASE relkind WHEN 'S' THEN 's'::"char" ELSE 'r'::"char" END, relowner))::text
			FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relkind IN ('r', 'S') AND relname NOT LIKE 'bun\_%'
		UNION ALL SELECT 'default privileges ' || defaclobjtype::text || ' ' || defaclacl::text FROM pg_default_acl
		UNION ALL SELECT 'extension ' || extname FROM pg_extension WHERE extname <> 'pg_trgm'
	) s(x) ORDER BY x`).Scan(context.Background(), &lines)
	if err != nil {
		t.Fatal(err)
	}
	return strings.Join(lines, "\n")
}

// diff is the lines only in want (-) and only in got (+).
func diff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	var out []string
	for _, l := range w {
		if !slices.Contains(g, l) {
			out = append(out, "- "+l)
		}
	}
	for _, l := range g {
		if !slices.Contains(w, l) {
			out = append(out, "+ "+l)
		}
	}
	return strings.Join(out, "\n")
}
