package seed_test

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/claro-market/claro/app/blob"
	"github.com/claro-market/claro/app/catalog"
	"github.com/claro-market/claro/app/seed"
	"github.com/claro-market/claro/testkit/apptest"
	"github.com/claro-market/claro/testkit/dbtest"
	"github.com/uptrace/bun"
)

// demoRow is one demo product with what its rows say.
type demoRow struct {
	ID          int64   `bun:"id"`
	TenantID    int64   `bun:"tenant_id"`
	Store       string  `bun:"store"`
	Slug        string  `bun:"slug"`
	Visibility  string  `bun:"visibility"`
	Discovered  bool    `bun:"discovered"`
	SalesCount  int64   `bun:"sales_count"`
	RatingCount int64   `bun:"rating_count"`
	RatingSum   int64   `bun:"rating_sum"`
	Trending    float64 `bun:"trending_score"`
	// Counted over the rows.
	Units   int64 `bun:"units"`
	Reviews int64 `bun:"reviews"`
	Stars   int64 `bun:"stars"`
}

var (
	productRating = regexp.MustCompile(`<p class="rating">★ ([0-9.]+) <span class="muted">\((\d+) ratings\)</span></p>`)
	reviewItem    = regexp.MustCompile(`data-review-id="\d+"`)
	dashSales     = regexp.MustCompile(`(?s)data-product-id="(\d+)">.*?<td>(\d+)</td>\s*<td class="actions">`)
)

// TestEveryDemoNumberIsACountOfItsRows seeds the demo and checks, for every
// product and store of the demo (its own tenants only), that what the pages
// show is what the rows say: the rating and number of ratings on the
// product page and the reviews listed, the sales on the creator's dashboard,
// the trending list (scores recomputed from the orders' payment times, and
// more than one store in it), and orders spread over the last 90 days.
func TestEveryDemoNumberIsACountOfItsRows(t *testing.T) {
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
	if err := seed.Demo(ctx, td.Primary, blobs, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	slugs := seed.DemoStoreSlugs()
	var rows []demoRow
	if err := td.Primary.NewRaw(`SELECT p.id, p.tenant_id, t.slug AS store, p.slug, p.visibility,
			p.visibility = 'public' AND t.status = 'active' AND t.charges_enabled AS discovered,
			p.sales_count, p.rating_count, p.rating_sum, p.trending_score,
			(SELECT coalesce(sum(oi.quantity), 0) FROM order_items oi JOIN orders o ON o.id = oi.order_id
				WHERE oi.product_id = p.id AND o.tenant_id = t.id AND o.status = 'paid') AS units,
			(SELECT count(*) FROM reviews r WHERE r.product_id = p.id AND r.tenant_id = t.id AND r.visible) AS reviews,
			(SELECT coalesce(sum(r.rating), 0) FROM reviews r WHERE r.product_id = p.id AND r.tenant_id = t.id AND r.visible) AS stars
		FROM products p JOIN tenants t ON t.id = p.tenant_id
		WHERE t.slug IN (?) AND p.deleted_at IS NULL ORDER BY p.id`, bun.List(slugs)).Scan(ctx, &rows); err != nil {
		t.Fatal(err)
	}
	if len(rows) < 40 {
		t.Fatalf("only %d demo products", len(rows))
	}

	// The counters the catalog keeps are the rows' counts.
	sold, reviewed := 0, 0
	for _, r := range rows {
		if r.SalesCount != r.Units {
			t.Errorf("%s/%s: sales_count %d, its paid order items hold %d units", r.Store, r.Slug, r.SalesCount, r.Units)
		}
		if r.RatingCount != r.Reviews || r.RatingSum != r.Stars {
			t.Errorf("%s/%s: rating %d/%d, its visible reviews %d/%d", r.Store, r.Slug, r.RatingSum, r.RatingCount, r.Stars, r.Reviews)
		}
		if r.Units > 0 {
			sold++
		}
		if r.Reviews > 0 {
			reviewed++
		}
	}
	if sold < 20 || reviewed < 15 {
		t.Fatalf("a thin demo: %d products sold, %d reviewed", sold, reviewed)
	}

	// Trending scores are the orders' payment times on the trending scale.
	var sales []struct {
		ProductID int64     `bun:"product_id"`
		PaidAt    time.Time `bun:"paid_at"`
		Quantity  int64     `bun:"quantity"`
	}
	if err := td.Primary.NewRaw(`SELECT oi.product_id, o.paid_at, oi.quantity FROM orders o JOIN order_items oi ON oi.order_id = o.id
		JOIN tenants t ON t.id = o.tenant_id WHERE t.slug IN (?) AND o.status = 'paid'`, bun.List(slugs)).Scan(ctx, &sales); err != nil {
		t.Fatal(err)
	}
	score := map[int64]float64{}
	days := map[string]bool{}
	now := time.Now()
	for _, s := range sales {
		w := math.Log(float64(s.Quantity)) + catalog.SaleWeight(s.PaidAt)
		if old, ok := score[s.ProductID]; ok {
			hi, lo := math.Max(old, w), math.Min(old, w)
			w = hi + math.Log1p(math.Exp(lo-hi))
		}
		score[s.ProductID] = w
		if s.PaidAt.After(now) || s.PaidAt.Before(now.AddDate(0, 0, -91)) {
			t.Errorf("an order paid %s, outside the last 90 days", s.PaidAt)
		}
		days[s.PaidAt.UTC().Format(time.DateOnly)] = true
	}
	if len(days) < 45 {
		t.Errorf("orders fall on only %d days of the last 90", len(days))
	}
	var discovered []demoRow
	for _, r := range rows {
		if want, ok := score[r.ID]; ok && math.Abs(r.Trending-want) > 1e-6 {
			t.Errorf("%s/%s: trending_score %f, its orders make %f", r.Store, r.Slug, r.Trending, want)
		}
		if r.Discovered {
			discovered = append(discovered, r)
		}
	}
	sort.SliceStable(discovered, func(i, j int) bool {
		si, iok := score[discovered[i].ID]
		sj, jok := score[discovered[j].ID]
		if iok != jok {
			return iok
		}
		if si != sj {
			return si > sj
		}
		return discovered[i].ID > discovered[j].ID
	})

	e := apptest.New(t, td)
	// The marketplace's "Trending now" is that ranking, from several stores.
	_, home := e.Get(t, "", "/")
	section := home[strings.Index(home, "Trending now"):]
	section = section[:strings.Index(section, "</section>")]
	got := apptest.CardIDs(section)
	stores := map[string]bool{}
	for i, id := range got {
		if i >= len(discovered) || id != fmt.Sprint(discovered[i].ID) {
			t.Fatalf("trending shows %v; the orders rank %v", got, ids(discovered[:min(10, len(discovered))]))
		}
		stores[discovered[i].Store] = true
	}
	t.Logf("%d products sold, %d reviewed, orders on %d days, trending from %d stores", sold, reviewed, len(days), len(stores))
	if len(got) != 10 || len(stores) < 3 {
		t.Errorf("trending shows %d products from %d stores (%v), want 10 from 3 or more", len(got), len(stores), stores)
	}

	// Each listed product's page shows its rating as its reviews make it, and
	// lists exactly its visible reviews.
	for _, r := range rows {
		if r.Visibility == catalog.Draft {
			continue
		}
		host := apptest.StoreHost(r.Store)
		resp, page := e.Get(t, host, "/products/"+r.Slug)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s/%s: product page %d", r.Store, r.Slug, resp.StatusCode)
		}
		m := productRating.FindStringSubmatch(page)
		switch {
		case r.Reviews == 0 && m != nil:
			t.Errorf("%s/%s: shows %q with no review", r.Store, r.Slug, m[0])
		case r.Reviews > 0 && m == nil:
			t.Errorf("%s/%s: %d reviews but no rating shown", r.Store, r.Slug, r.Reviews)
		case r.Reviews > 0:
			want := fmt.Sprintf("%.1f", float64(r.Stars)/float64(r.Reviews))
			if m[1] != want || m[2] != strconv.FormatInt(r.Reviews, 10) {
				t.Errorf("%s/%s: shows ★ %s (%s ratings), its reviews make ★ %s (%d)", r.Store, r.Slug, m[1], m[2], want, r.Reviews)
			}
		}
		listed := 0
		for path := "/products/" + r.Slug + "/reviews"; path != ""; {
			_, body := e.Get(t, host, path)
			listed += len(reviewItem.FindAllString(body, -1))
			path = apptest.NextPage(body)
		}
		if int64(listed) != r.Reviews {
			t.Errorf("%s/%s: lists %d reviews, has %d", r.Store, r.Slug, listed, r.Reviews)
		}
	}

	// Each creator's dashboard shows each product's sales as its orders count them.
	units := map[string]int64{}
	for _, r := range rows {
		units[fmt.Sprint(r.ID)] = r.Units
	}
	for _, slug := range slugs {
		b := e.NewBrowser()
		b.SignIn(t, seed.DemoOwnerEmail(slug), seed.DemoPassword)
		_, page := b.Get(t, "", "/dashboard/s/"+slug)
		ms := dashSales.FindAllStringSubmatch(page, -1)
		if len(ms) == 0 {
			t.Fatalf("%s: no product rows on the dashboard", slug)
		}
		for _, m := range ms {
			if m[2] != fmt.Sprint(units[m[1]]) {
				t.Errorf("%s: product %s shows %s sales, its orders hold %d units", slug, m[1], m[2], units[m[1]])
			}
		}
		// The sales page: its totals and its 90 days are the store's orders.
		var want struct {
			Orders  int64 `bun:"orders"`
			Revenue int64 `bun:"revenue"`
			Days    int64 `bun:"days"`
		}
		if err := td.Primary.NewRaw(`SELECT count(*) AS orders, coalesce(sum(o.amount_total_cents), 0) AS revenue,
				count(DISTINCT (o.created_at AT TIME ZONE 'UTC')::date) AS days
			FROM orders o JOIN tenants t ON t.id = o.tenant_id WHERE t.slug = ? AND o.status = 'paid'`, slug).Scan(ctx, &want); err != nil {
			t.Fatal(err)
		}
		_, page = b.Get(t, "", "/dashboard/s/"+slug+"/sales?days=90")
		if !strings.Contains(page, fmt.Sprintf(`all time</span></dt><dd>%d</dd>`, want.Orders)) ||
			!strings.Contains(page, fmt.Sprintf(`class="range-total">%s</strong> from %d order`, catalog.Money(want.Revenue, "usd"), want.Orders)) {
			t.Errorf("%s: the sales page does not show its %d orders and %s", slug, want.Orders, catalog.Money(want.Revenue, "usd"))
		}
		if bars := strings.Count(page, `class="chart-fill"`) - strings.Count(page, `height="0" rx="2"`); want.Orders > 0 && int64(bars) != want.Days {
			t.Errorf("%s: %d bars with sales on the 90-day chart, its orders fall on %d days", slug, bars, want.Days)
		}
	}
}

func ids(rs []demoRow) []int64 {
	out := make([]int64, len(rs))
	for i, r := range rs {
		out[i] = r.ID
	}
	return out
}
