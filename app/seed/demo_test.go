package seed_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/claro-market/claro/testkit/dbtest"

	"github.com/claro-market/claro/app/blob"
	"github.com/claro-market/claro/app/catalog"
	"github.com/claro-market/claro/app/seed"
)

func TestDemoSeedsStoresProductsPurchasesAndReviews(t *testing.T) {
	ctx := context.Background()
	td, err := dbtest.Create(ctx) // its own database: demo and scale data share category slugs
	if err != nil {
		t.Fatal(err)
	}
	defer td.Drop(ctx)
	blobs, err := blob.NewLocal(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := seed.Demo(ctx, td.Primary, blobs, &out); err != nil {
		t.Fatal(err)
	}
	counts := map[string]int{}
	for _, q := range []struct{ name, sql string }{
		{"stores", `SELECT count(*) FROM tenants`},
		{"products", `SELECT count(*) FROM products`},
		{"private", `SELECT count(*) FROM products WHERE visibility = 'private'`},
		{"draft", `SELECT count(*) FROM products WHERE visibility = 'draft'`},
		{"categories", `SELECT count(*) FROM categories`},
		{"paid orders", `SELECT count(*) FROM orders WHERE status = 'paid'`},
		{"live entitlements", `SELECT count(*) FROM entitlements WHERE revoked_at IS NULL`},
		{"visible reviews", `SELECT count(*) FROM reviews WHERE visible`},
	} {
		var n int
		if err := td.Primary.NewRaw(q.sql).Scan(ctx, &n); err != nil {
			t.Fatal(err)
		}
		counts[q.name] = n
	}
	if counts["stores"] < 3 || counts["products"] < 40 || counts["categories"] < 6 || counts["private"] < 1 || counts["draft"] < 1 {
		t.Fatalf("demo catalog too small: %v", counts)
	}
	if counts["paid orders"] < 100 || counts["paid orders"] != counts["live entitlements"] || counts["visible reviews"] == 0 ||
		counts["visible reviews"] > counts["paid orders"] {
		t.Fatalf("demo purchases and reviews do not line up: %v", counts)
	}
	// Every seeded product's content was rendered, as a creator's save renders it:
	// the library shows content_html, which the seed once left empty.
	var bare []string
	if err := td.Primary.NewRaw(`SELECT slug FROM products WHERE content_md <> '' AND (content_html = '' OR content_html IS NULL)`).
		Scan(ctx, &bare); err != nil {
		t.Fatal(err)
	}
	if len(bare) > 0 {
		t.Fatalf("products without content_html: %v", bare)
	}
	var html string
	if err := td.Primary.NewRaw(`SELECT content_html FROM products ORDER BY id LIMIT 1`).Scan(ctx, &html); err != nil {
		t.Fatal(err)
	}
	if want, _ := catalog.NewRenderer().Render(firstContent(t, td)); html != want {
		t.Fatalf("content_html is not the catalog renderer's output:\n%s\nwant\n%s", html, want)
	}
	if !strings.Contains(out.String(), seed.DemoPassword) || !strings.Contains(out.String(), "@claro.test") {
		t.Fatalf("the demo logins are not printed:\n%s", out.String())
	}
}

// firstContent is the Markdown of the first seeded product.
func firstContent(t *testing.T, td *dbtest.Database) string {
	t.Helper()
	var md string
	if err := td.Primary.NewRaw(`SELECT content_md FROM products ORDER BY id LIMIT 1`).Scan(context.Background(), &md); err != nil {
		t.Fatal(err)
	}
	return md
}
