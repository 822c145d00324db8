package search_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/claro-market/claro/testkit/dbtest"

	"github.com/claro-market/claro/app/catalog"
	"github.com/claro-market/claro/app/cursor"
	"github.com/claro-market/claro/search"
	"github.com/claro-market/claro/tenants"
)

var testDB *dbtest.Database

func TestMain(m *testing.M) { os.Exit(dbtest.Main(m, &testDB)) }

var seq atomic.Int64

// unique returns a name unique within the test binary.
func unique(prefix string) string { return fmt.Sprintf("%s%d", prefix, seq.Add(1)) }

// uniqueWord returns a word for a test to search by: prefix and ten random
// letters. unique's names differ from each other by a digit or two, which
// the typo rules forgive ("readyourwrites3" finds "readyourwrites9"), so a
// test that searched by one could also find another test's product; two
// random ten-letter tails are practically never within two typos.
func uniqueWord(prefix string) string {
	b := []byte(prefix)
	for range 10 {
		b = append(b, byte('a'+rand.IntN(26)))
	}
	return string(b)
}

func quietLog() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func codec() *cursor.Codec { return cursor.NewCodec([]byte("search-test-secret-search-test-secret")) }

// newStore creates an active store that can take payments.
func newStore(t testing.TB, mods ...func(*tenants.Tenant)) *tenants.Tenant {
	t.Helper()
	slug := unique("store-")
	acct := "acct_" + strings.ReplaceAll(slug, "-", "")
	st := &tenants.Tenant{Slug: slug, Name: "Studio " + slug, ChargesEnabled: true, StripeAccountID: &acct}
	for _, m := range mods {
		m(st)
	}
	if err := tenants.NewStore(testDB.Primary).Create(context.Background(), st); err != nil {
		t.Fatal(err)
	}
	return st
}

// newProduct creates a public product in store st.
func newProduct(t testing.TB, st *tenants.Tenant, title string, mods ...func(*catalog.Product)) *catalog.Product {
	t.Helper()
	p := &catalog.Product{Slug: unique("p-"), Title: title, Description: "A thing called " + title,
		PriceCents: 1500, Visibility: catalog.Public}
	for _, m := range mods {
		m(p)
	}
	if err := catalog.NewStore(testDB.Primary).Create(context.Background(), st.ID, p); err != nil {
		t.Fatal(err)
	}
	return p
}

// newCategory creates a category, under parent when it is not nil.
func newCategory(t testing.TB, parent *catalog.Category) *catalog.Category {
	t.Helper()
	c := &catalog.Category{Slug: unique("cat-"), Name: unique("Category ")}
	if parent != nil {
		c.ParentID = &parent.ID
	}
	if err := catalog.NewStore(testDB.Primary).CreateCategory(context.Background(), c); err != nil {
		t.Fatal(err)
	}
	return c
}

// exec runs SQL on the primary, as any writer in the product would.
func exec(t testing.TB, query string, args ...any) {
	t.Helper()
	if _, err := testDB.Primary.NewRaw(query, args...).Exec(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func withPrice(c int64) func(*catalog.Product) { return func(p *catalog.Product) { p.PriceCents = c } }
func withTags(ts ...string) func(*catalog.Product) {
	return func(p *catalog.Product) { p.Tags = ts }
}
func withCategory(c *catalog.Category) func(*catalog.Product) {
	return func(p *catalog.Product) { p.CategoryID = &c.ID }
}
func withDescription(d string) func(*catalog.Product) {
	return func(p *catalog.Product) { p.Description = d }
}
func createdAt(at time.Time) func(*catalog.Product) {
	return func(p *catalog.Product) { p.CreatedAt = at; p.UpdatedAt = at }
}

// ids lists the hits' product ids in order.
func ids(hits []search.Document) []int64 {
	out := make([]int64, 0, len(hits))
	for _, h := range hits {
		out = append(out, h.ID)
	}
	return out
}

// query is a parsed query with the given parameters (name, value pairs).
func query(t testing.TB, kv ...string) search.Query {
	t.Helper()
	v := map[string][]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		v[kv[i]] = append(v[kv[i]], kv[i+1])
	}
	q, err := search.ParseQuery(v)
	if err != nil {
		t.Fatal(err)
	}
	return q
}

// recordSale writes one sale of productID at time at to the sales ledger, as
// the order service's statements do; catalog.Sales applies it.
func recordSale(t testing.TB, productID int64, at time.Time) {
	t.Helper()
	exec(t, `INSERT INTO sales_ledger (product_id, units, sold_at) VALUES (?, 1, ?)`, productID, at)
}
