package dashboard_test

import (
	"context"
	"encoding/csv"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/claro-market/claro/app/catalog"
	"github.com/claro-market/claro/tenants"
	"github.com/claro-market/claro/testkit/apptest"
)

// salesFixture is a store with two products and orders of each at known
// ages and statuses, its signed-in owner, and another store with an order
// of its own and its owner.
type salesFixture struct {
	*fixture
	course, ebook *catalog.Product
	bProduct      *catalog.Product
	// orders of store A by name: id
	ids map[string]int64
}

func newSalesFixture(t *testing.T) *salesFixture {
	t.Helper()
	f := &salesFixture{fixture: newFixture(t), ids: map[string]int64{}}
	f.course = f.e.Product(t, f.a, apptest.Unique("course-"), catalog.Public, func(p *catalog.Product) { p.Title = "=HYPERLINK(\"http://evil\")" })
	f.ebook = f.e.Product(t, f.a, apptest.Unique("ebook-"), catalog.Public, func(p *catalog.Product) { p.Title = "Field Notes"; p.PriceCents = 900 })
	f.bProduct = f.e.Product(t, f.b, apptest.Unique("b-"), catalog.Public)
	for _, o := range []struct {
		name    string
		store   *tenants.Tenant
		product *catalog.Product
		status  string
		email   string
		daysAgo int
	}{
		{"course-today", f.a, f.course, "paid", "+buyer@example.com", 0},
		{"ebook-3d", f.a, f.ebook, "paid", "reader@example.com", 3},
		{"course-20d-refunded", f.a, f.course, "refunded", "-late@example.com", 20},
		{"ebook-60d", f.a, f.ebook, "paid", "@old@example.com", 60},
		{"ebook-120d", f.a, f.ebook, "paid", "ancient@example.com", 120},
		{"b-today", f.b, f.bProduct, "paid", "b-buyer@example.com", 0},
	} {
		f.ids[o.name] = salesOrder(t, o.store.ID, o.product, o.status, o.email, o.daysAgo)
	}
	f.ids["fixture"] = f.orderID // the isolation fixture's order: paid today, no items
	return f
}

// salesOrder writes a paid (or other status) order of one product, daysAgo
// days old, as the webhook's writer leaves one.
func salesOrder(t *testing.T, tenantID int64, p *catalog.Product, status, email string, daysAgo int) int64 {
	t.Helper()
	session := apptest.Unique("cs_sales_")
	var id int64
	if err := testDB.Primary.NewRaw(`WITH ck AS (
			INSERT INTO checkouts (tenant_id, stripe_checkout_session_id, amount_total_cents, application_fee_cents, currency, status)
			VALUES (?, ?, ?, ?, 'usd', 'completed') RETURNING id),
		o AS (INSERT INTO orders (tenant_id, checkout_id, email, stripe_checkout_session_id, stripe_payment_intent_id,
			amount_total_cents, application_fee_cents, amount_refunded_cents, currency, status, paid_at, created_at)
			SELECT ?, ck.id, ?, ?, ?, ?, ?, CASE WHEN ? = 'refunded' THEN ? ELSE 0 END, 'usd', ?, now() - make_interval(days => ?), now() - make_interval(days => ?)
			FROM ck RETURNING id)
		INSERT INTO order_items (order_id, tenant_id, product_id, title, unit_price_cents, quantity)
		SELECT o.id, ?, ?, ?, ?, 1 FROM o RETURNING order_id`,
		tenantID, session, p.PriceCents, p.PriceCents/10,
		tenantID, email, session, "pi_"+session, p.PriceCents, p.PriceCents/10, status, p.PriceCents, status, daysAgo, daysAgo,
		tenantID, p.ID, p.Title, p.PriceCents).Scan(context.Background(), &id); err != nil {
		t.Fatal(err)
	}
	return id
}

var orderRow = regexp.MustCompile(`<tr data-order-id="(\d+)">`)

// listed is the names of the fixture's orders the page lists.
func (f *salesFixture) listed(page string) []string {
	var out []string
	for _, m := range orderRow.FindAllStringSubmatch(page, -1) {
		for name, id := range f.ids {
			if fmt.Sprint(id) == m[1] {
				out = append(out, name)
			}
		}
	}
	slices.Sort(out)
	return out
}

func TestSalesPageFiltersByRangeProductAndStatus(t *testing.T) {
	f := newSalesFixture(t)
	base := "/dashboard/s/" + f.a.Slug + "/sales"
	for _, c := range []struct {
		query string
		want  []string
	}{
		{"", []string{"course-20d-refunded", "course-today", "ebook-3d", "fixture"}}, // 30 days by default
		{"?days=7", []string{"course-today", "ebook-3d", "fixture"}},
		{"?days=90", []string{"course-20d-refunded", "course-today", "ebook-3d", "ebook-60d", "fixture"}},
		{fmt.Sprintf("?days=90&product=%d", f.ebook.ID), []string{"ebook-3d", "ebook-60d"}},
		{fmt.Sprintf("?days=90&product=%d&status=refunded", f.course.ID), []string{"course-20d-refunded"}},
		{"?days=90&status=paid", []string{"course-today", "ebook-3d", "ebook-60d", "fixture"}},
		{"?days=7&status=disputed", nil},
	} {
		resp, page := f.owner.Get(t, "", base+c.query)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: %d\n%s", c.query, resp.StatusCode, page)
		}
		if got := f.listed(page); !slices.Equal(got, c.want) {
			t.Errorf("%s lists %v, want %v", c.query, got, c.want)
		}
		if c.want == nil && !strings.Contains(page, "No orders match these filters") {
			t.Errorf("%s: no empty state", c.query)
		}
	}
	// The chart follows the range and the product: 7 days of the ebook is one
	// $9.00 sale; the range switch keeps the product and the CSV link has all.
	_, page := f.owner.Get(t, "", fmt.Sprintf("%s?days=7&product=%d", base, f.ebook.ID))
	for _, want := range []string{
		`class="range-total">$9.00</strong> from 1 order`,
		`<title>` + chartDate(3) + `: $9.00, 1 order</title>`,
		fmt.Sprintf(`href="%s?days=90&amp;product=%d"`, base, f.ebook.ID),
		fmt.Sprintf(`href="%s.csv?days=7&amp;product=%d"`, base, f.ebook.ID),
		`class="chart-tick"`, `<option value="` + fmt.Sprint(f.ebook.ID) + `" selected>Field Notes</option>`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the 7-day ebook page lacks %q", want)
		}
	}
	// A product with no sales in the range shows the empty chart.
	_, page = f.owner.Get(t, "", fmt.Sprintf("%s?days=7&product=%d", base, f.product.ID))
	if !strings.Contains(page, "No sales in the last 7 days of "+f.product.Title) || strings.Contains(page, `class="chart-bar"`) {
		t.Errorf("no empty state for a product without sales")
	}
}

// chartDate is the chart's label of the day daysAgo days before today (UTC).
func chartDate(daysAgo int) string {
	var s string
	if err := testDB.Primary.NewRaw(`SELECT to_char((now() AT TIME ZONE 'UTC')::date - ?::int, 'FMDD Mon')`, daysAgo).Scan(context.Background(), &s); err != nil {
		panic(err)
	}
	return s
}

func TestSalesFiltersRefuseWhatTheyDoNotOffer(t *testing.T) {
	f := newSalesFixture(t)
	notFound := string(f.e.App.Errors.NotFoundBody())
	for _, path := range []string{"/sales", "/sales.csv"} {
		base := "/dashboard/s/" + f.a.Slug + path
		for _, c := range []struct {
			query  string
			status int
			says   string
		}{
			{"?days=14", http.StatusBadRequest, "Choose a range of 7, 30 or 90 days."},
			{"?days=abc", http.StatusBadRequest, "Choose a range of 7, 30 or 90 days."},
			{"?status=stolen", http.StatusBadRequest, "That is not an order status"},
			{"?product=abc", http.StatusNotFound, ""},
			{fmt.Sprintf("?product=%d", f.bProduct.ID), http.StatusNotFound, ""}, // another store's product
			{"?product=-3", http.StatusNotFound, ""},
		} {
			resp, body := f.owner.Get(t, "", base+c.query)
			if resp.StatusCode != c.status {
				t.Errorf("%s%s: %d, want %d", path, c.query, resp.StatusCode, c.status)
			}
			if c.status == http.StatusNotFound && body != notFound {
				t.Errorf("%s%s: not the 404 page", path, c.query)
			}
			if c.says != "" && !strings.Contains(body, c.says) {
				t.Errorf("%s%s does not say %q", path, c.query, c.says)
			}
		}
	}
}

// csvOf downloads a store's CSV and parses it.
func csvOf(t *testing.T, f *salesFixture, path string) (*http.Response, [][]string) {
	t.Helper()
	resp, body := f.owner.Get(t, "", path)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%s: %d\n%s", path, resp.StatusCode, body)
	}
	rows, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatalf("%s: not CSV: %v\n%s", path, err, body)
	}
	return resp, rows
}

func TestSalesCSVHasTheFilteredOrdersSafeToOpen(t *testing.T) {
	f := newSalesFixture(t)
	base := "/dashboard/s/" + f.a.Slug + "/sales.csv"
	resp, rows := csvOf(t, f, base+"?days=90")
	if ct := resp.Header.Get("Content-Type"); ct != "text/csv; charset=utf-8" {
		t.Errorf("Content-Type %q", ct)
	}
	if cd := resp.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, `attachment; filename="`+f.a.Slug+`-sales-90d-`) || !strings.HasSuffix(cd, `.csv"`) {
		t.Errorf("Content-Disposition %q", cd)
	}
	if strings.Join(rows[0], ",") != "order,date,buyer,items,total,fee,refunded,currency,status" {
		t.Fatalf("header %v", rows[0])
	}
	byID := map[string][]string{}
	for _, r := range rows[1:] {
		byID[r[0]] = r
	}
	if len(rows) != 6 || len(byID) != 5 {
		t.Fatalf("90 days: %d rows, want the header and 5 orders:\n%v", len(rows), rows)
	}
	today := byID[fmt.Sprint(f.ids["course-today"])]
	// Cells a person wrote never start a formula.
	if today[2] != "'+buyer@example.com" || today[3] != `'=HYPERLINK("http://evil")` || today[4] != "15.00" || today[5] != "1.50" || today[8] != "paid" {
		t.Errorf("today's course order: %q", today)
	}
	if r := byID[fmt.Sprint(f.ids["course-20d-refunded"])]; r[2] != "'-late@example.com" || r[6] != "15.00" || r[8] != "refunded" {
		t.Errorf("the refunded order: %q", r)
	}
	if r := byID[fmt.Sprint(f.ids["ebook-60d"])]; r[2] != "'@old@example.com" || r[3] != "Field Notes" || r[4] != "9.00" {
		t.Errorf("the ebook order: %q", r)
	}
	for _, r := range rows[1:] {
		for _, cell := range r {
			if cell != "" && strings.ContainsRune("=+-@", rune(cell[0])) {
				t.Errorf("cell %q starts a formula", cell)
			}
		}
	}
	// The same filters as the page.
	_, rows = csvOf(t, f, fmt.Sprintf("%s?days=90&product=%d&status=paid", base, f.ebook.ID))
	if len(rows) != 3 || rows[1][0] != fmt.Sprint(f.ids["ebook-3d"]) || rows[2][0] != fmt.Sprint(f.ids["ebook-60d"]) {
		t.Errorf("the ebook's paid orders, newest first: %v", rows)
	}
	// Never another store's orders.
	_, rows = csvOf(t, f, base+"?days=90")
	for _, r := range rows {
		if r[0] == fmt.Sprint(f.ids["b-today"]) {
			t.Errorf("store A's CSV holds store B's order")
		}
	}
}

func TestSalesCSVOfAnotherStoreIsTheNotFoundPage(t *testing.T) {
	f := newSalesFixture(t)
	notFound := string(f.e.App.Errors.NotFoundBody())
	for _, who := range []struct {
		name string
		b    *apptest.Browser
	}{{"owner of store B", f.other}, {"buyer", f.by}} {
		for _, q := range []string{"", "?days=90", fmt.Sprintf("?product=%d", f.course.ID)} {
			resp, body := who.b.Get(t, "", "/dashboard/s/"+f.a.Slug+"/sales.csv"+q)
			if resp.StatusCode != http.StatusNotFound || body != notFound || strings.Contains(body, "@example.com") {
				t.Errorf("%s: store A's CSV%s → %d, want the 404 page", who.name, q, resp.StatusCode)
			}
		}
	}
	// B's owner gets B's own orders only.
	resp, body := f.other.Get(t, "", "/dashboard/s/"+f.b.Slug+"/sales.csv")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "b-buyer@example.com") || strings.Contains(body, "reader@example.com") {
		t.Errorf("store B's CSV: %d\n%s", resp.StatusCode, body)
	}
}

func TestSalesCSVStreamsEveryOrderOfABigStoreInPages(t *testing.T) {
	f := newSalesFixture(t)
	// 1,234 more orders today: more than two of the export's pages.
	const n = 1234
	if _, err := testDB.Primary.NewRaw(`WITH ck AS (
			INSERT INTO checkouts (tenant_id, stripe_checkout_session_id, amount_total_cents, application_fee_cents, currency, status)
			SELECT ?, ? || g, 500, 50, 'usd', 'completed' FROM generate_series(1, ?) g RETURNING id, stripe_checkout_session_id)
		INSERT INTO orders (tenant_id, checkout_id, email, stripe_checkout_session_id, amount_total_cents, application_fee_cents, currency, status, paid_at, created_at)
		SELECT ?, ck.id, 'many@example.com', ck.stripe_checkout_session_id, 500, 50, 'usd', 'paid', now(), now() - random() * interval '1 hour' FROM ck`,
		f.a.ID, apptest.Unique("cs_many_"), n, f.a.ID).Exec(context.Background()); err != nil {
		t.Fatal(err)
	}
	_, rows := csvOf(t, f, "/dashboard/s/"+f.a.Slug+"/sales.csv?days=7")
	seen := map[string]bool{}
	for _, r := range rows[1:] {
		if seen[r[0]] {
			t.Fatalf("order %s exported twice", r[0])
		}
		seen[r[0]] = true
	}
	if want := n + 3; len(seen) != want { // and the fixture's three orders of the last 7 days
		t.Fatalf("%d orders exported, want %d", len(seen), want)
	}
	_, page := f.owner.Get(t, "", "/dashboard/s/"+f.a.Slug+"/sales?days=7")
	if got := len(orderRow.FindAllString(page, -1)); got != 100 || !strings.Contains(page, fmt.Sprintf("The latest 100 of %d; the CSV has them all.", n+3)) {
		t.Errorf("the page lists %d orders", got)
	}
}
