package search_test

import (
	"context"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/claro-market/claro/app/db"
	"github.com/claro-market/claro/app/seed"
	"github.com/claro-market/claro/search"
)

// TestScaleLatency reports p50/p95 of the PostgreSQL backend on a seeded
// catalog of CLARO_BENCH_N products (e.g. 100000): a text query, a text query
// with two filters and facets, and page 1 against page 200 of two sorts. It
// only reports (no assertion on the clock); `make bench` runs it.
// CLARO_BENCH_DATABASE_URL measures an already seeded database instead.
func TestScaleLatency(t *testing.T) {
	ctx := context.Background()
	pools := testDB.DB
	if url := os.Getenv("CLARO_BENCH_DATABASE_URL"); url != "" {
		d, err := db.Open(ctx, url, "")
		if err != nil {
			t.Fatal(err)
		}
		defer d.Close()
		pools = d
	} else if n, _ := strconv.Atoi(os.Getenv("CLARO_BENCH_N")); n > 0 {
		start := time.Now()
		if err := seed.Scale(ctx, pools.Primary, n, io.Discard); err != nil {
			t.Fatal(err)
		}
		if _, err := pools.Primary.ExecContext(ctx, "TRUNCATE search_outbox; ANALYZE"); err != nil {
			t.Fatal(err)
		}
		t.Logf("seeded %d products in %s", n, time.Since(start).Round(time.Millisecond))
	} else {
		t.Skip("set CLARO_BENCH_N (e.g. 100000) to seed a catalog and measure")
	}
	idx := search.NewPostgres(pools, codec())

	measure := func(name string, q search.Query) time.Duration {
		var ds []time.Duration
		for range 40 {
			t0 := time.Now()
			if _, err := idx.Search(ctx, q); err != nil {
				t.Fatal(err)
			}
			ds = append(ds, time.Since(t0))
		}
		slices.Sort(ds)
		p50, p95 := ds[len(ds)/2], ds[len(ds)*95/100]
		t.Logf("%-48s p50 %8s  p95 %8s", name, p50.Round(10*time.Microsecond), p95.Round(10*time.Microsecond))
		return p50
	}
	if os.Getenv("CLARO_BENCH_SUGGEST") == "" { // only the suggestions when it names them
		measureSearches(t, idx, measure)
	}
	// The header box as someone types (GET /search/suggest's query: six
	// products out of at most 150 candidates, no facets).
	for _, typed := range suggestTyped() {
		q := query(t, "q", typed)
		q.Limit, q.MaxMatches = 6, 150
		measure("suggest "+strconv.Quote(typed), q)
	}
}

// measureSearches is TestScaleLatency's text, filter and deep-page queries.
func measureSearches(t *testing.T, idx *search.Postgres, measure func(string, search.Query) time.Duration) {
	ctx := context.Background()
	text := query(t, "q", "film presets")
	text.Facets = true
	measure("text query + facets", text)
	filtered := query(t, "q", "presets", "category", "photography-presets", "max_price", "2000")
	filtered.Facets = true
	measure("text + category + max_price + facets", filtered)
	for _, s := range []string{"newest", "price_asc", "bestsellers"} {
		q := query(t, "sort", s)
		p1 := measure(s+" page 1", q)
		for range 199 {
			res, err := idx.Search(ctx, q)
			if err != nil || res.Next == "" {
				t.Fatalf("walking to page 200: %v", err)
			}
			q.Cursor = res.Next
		}
		p200 := measure(s+" page 200", q)
		t.Logf("%s: page 200 / page 1 = %.2f", s, float64(p200)/float64(p1))
	}
}

// BenchmarkSearchPostgres times the PostgreSQL backend's main query shapes,
// in process and prepared as the app runs them: text with filters and
// facets, a browse sort with facets, a next page by cursor, and a corrected typo.
// It measures CLARO_BENCH_DATABASE_URL when set (an already seeded catalog),
// else a catalog of 2,000 products it seeds into the test database.
//
//	go test -run '^$' -bench SearchPostgres -benchtime 300x ./search/
func BenchmarkSearchPostgres(b *testing.B) {
	ctx := context.Background()
	pools := testDB.DB
	if url := os.Getenv("CLARO_BENCH_DATABASE_URL"); url != "" {
		d, err := db.Open(ctx, url, "")
		if err != nil {
			b.Fatal(err)
		}
		defer d.Close()
		pools = d
	} else {
		if err := seed.Scale(ctx, pools.Primary, 2000, io.Discard); err != nil {
			b.Fatal(err)
		}
		if _, err := pools.Primary.ExecContext(ctx, "ANALYZE"); err != nil {
			b.Fatal(err)
		}
	}
	idx := search.NewPostgres(pools, codec())
	filtered := query(b, "q", "presets", "category", "photography-presets", "max_price", "2000")
	filtered.Facets = true
	newest := query(b, "sort", "newest")
	newest.Facets = true
	page2 := query(b, "sort", "bestsellers")
	first, err := idx.Search(ctx, page2)
	if err != nil || first.Next == "" {
		b.Fatalf("no second page to time: %v", err)
	}
	page2.Cursor = first.Next
	typo := query(b, "q", "cinematc")
	typo.Facets = true
	for _, c := range []struct {
		name string
		q    search.Query
	}{{"text+filters+facets", filtered}, {"newest+facets", newest}, {"bestsellers-page2", page2}, {"typo+facets", typo}} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := idx.Search(ctx, c.q); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func suggestTyped() []string {
	if v := os.Getenv("CLARO_BENCH_SUGGEST"); v != "" {
		return strings.Split(v, ",")
	}
	return []string{"p", "pr", "pre", "pres", "prese", "co", "coast", "portr", "nord", "film pr", "tempalte"}
}
