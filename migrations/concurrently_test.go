package migrations_test

import (
	"context"
	"io/fs"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/claro-market/claro/migrations"
	"github.com/claro-market/claro/testkit/dbtest"
	"github.com/uptrace/bun/migrate"
)

var createConcurrently = regexp.MustCompile(`(?i)CREATE\s+(?:UNIQUE\s+)?INDEX\s+CONCURRENTLY\s+(?:IF\s+NOT\s+EXISTS\s+)?([a-z0-9_]+)`)

// A migration that builds an index CONCURRENTLY (so writes go on while a big
// table is indexed) must run outside a transaction, one statement at a
// time, and must survive a build that failed halfway: such a build leaves an
// INVALID index behind, and a plain re-run would stop at "already exists".
// Every such file: not a .tx file, one statement per --bun:split, and each
// index dropped (IF EXISTS, CONCURRENTLY) before it is created.
func TestConcurrentIndexMigrationsRunOutsideTransactionsAndCanBeRetried(t *testing.T) {
	entries, err := os.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	found := 0
	for _, e := range entries {
		name := e.Name()
		if !strings.HasSuffix(name, ".sql") {
			continue
		}
		b, err := fs.ReadFile(os.DirFS("."), name)
		if err != nil {
			t.Fatal(err)
		}
		sql := string(b)
		idx := createConcurrently.FindAllStringSubmatch(sql, -1)
		if len(idx) == 0 {
			continue
		}
		found++
		if strings.Contains(name, ".tx.") {
			t.Errorf("%s builds an index CONCURRENTLY in a transaction file: PostgreSQL refuses that", name)
		}
		for _, part := range strings.Split(sql, "--bun:split") {
			if n := strings.Count(stripComments(part), ";"); n > 1 {
				t.Errorf("%s: a part between --bun:split lines holds %d statements: they would run as one implicit transaction", name, n)
			}
		}
		for _, m := range idx {
			drop := regexp.MustCompile(`(?i)DROP\s+INDEX\s+CONCURRENTLY\s+IF\s+EXISTS\s+` + m[1] + `\b`)
			loc := drop.FindStringIndex(sql)
			if loc == nil || loc[0] > strings.Index(sql, m[0]) {
				t.Errorf("%s: index %s is not dropped (CONCURRENTLY IF EXISTS) before it is built, so a failed build cannot be retried", name, m[1])
			}
		}
	}
	if found == 0 {
		t.Fatal("no migration builds an index CONCURRENTLY: the rule checks nothing")
	}
}

func stripComments(s string) string {
	var out []string
	for _, line := range strings.Split(s, "\n") {
		if i := strings.Index(line, "--"); i >= 0 {
			line = line[:i]
		}
		out = append(out, line)
	}
	return strings.Join(out, "\n")
}

// A concurrent build that failed halfway (its index left INVALID, as a
// cancelled or deadlocked build leaves it) is mended by running the
// migrations again: the index ends up valid.
func TestAFailedConcurrentIndexBuildIsMendedByMigratingAgain(t *testing.T) {
	ctx := context.Background()
	td, err := dbtest.Create(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = td.Drop(context.Background()) })
	all, err := migrations.New()
	if err != nil {
		t.Fatal(err)
	}
	m := migrate.NewMigrator(td.Primary, all)
	valid := func() bool {
		var ok bool
		if err := td.Primary.NewRaw(`SELECT i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
			WHERE c.relname = 'order_items_product_idx'`).Scan(ctx, &ok); err != nil {
			t.Fatal(err)
		}
		return ok
	}
	if !valid() {
		t.Fatal("order_items_product_idx is not valid after migrating up")
	}
	// What a failed CREATE INDEX CONCURRENTLY leaves: the index, INVALID,
	// and the migration not recorded as applied.
	for _, q := range []string{
		`DELETE FROM bun_migrations WHERE name = '0037'`,
		`DROP INDEX order_items_product_idx`,
		`CREATE INDEX order_items_product_idx ON order_items (tenant_id, product_id)`,
		`UPDATE pg_index SET indisvalid = false WHERE indexrelid = 'order_items_product_idx'::regclass`,
	} {
		if _, err := td.Primary.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	if valid() {
		t.Fatal("the tamper did not leave the index invalid")
	}
	if _, err := m.Migrate(ctx); err != nil {
		t.Fatalf("migrating again after a failed build: %v", err)
	}
	if !valid() {
		t.Fatal("the index is still invalid after migrating again")
	}
}
