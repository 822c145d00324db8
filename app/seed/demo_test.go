package seed_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/claro-market/claro/testkit/dbtest"

	"github.com/claro-market/claro/app/blob"
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
	if counts["paid orders"] == 0 || counts["paid orders"] != counts["live entitlements"] || counts["visible reviews"] != counts["paid orders"] {
		t.Fatalf("demo purchases and reviews do not line up: %v", counts)
	}
	if !strings.Contains(out.String(), seed.DemoPassword) || !strings.Contains(out.String(), "@claro.test") {
		t.Fatalf("the demo logins are not printed:\n%s", out.String())
	}
}
