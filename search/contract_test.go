package search_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/claro-market/claro/app/catalog"
	"github.com/claro-market/claro/search"
)

// backend is one Index under the contract, with the worker that keeps it in
// step with the catalog.
type backend struct {
	name   string
	index  search.Index
	worker *search.Worker
}

// sync drains the outbox into the index: after it, the index reflects every
// committed change.
func (b *backend) sync(t testing.TB) {
	t.Helper()
	if _, err := b.worker.Drain(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func (b *backend) search(t testing.TB, q search.Query) *search.Result {
	t.Helper()
	b.sync(t)
	res, err := b.index.Search(context.Background(), q)
	if err != nil {
		t.Fatalf("%s: search %+v: %v", b.name, q, err)
	}
	return res
}

var seqWord atomic.Int64

// contract is the suite every backend must pass. Each case makes its own
// store(s) and filters on them, so cases and backends share one database.
var contract = []struct {
	name string
	run  func(*testing.T, *backend)
}{
	{"RelevanceRanksTitleAboveDescription", contractRelevance},
	{"TyposStillFind", contractTypos},
	{"RankingFollowsMeilisearchRules", contractRanking},
	{"EveryFilterNarrows", contractFilters},
	{"EverySortOrders", contractSorts},
	{"FacetsCountTheWholeResult", contractFacets},
	{"CursorsWalkEveryRowOnce", contractCursorWalk},
	{"CursorsRefuseTampering", contractCursorTamper},
	{"OnlyEligibleProductsEverAppear", contractPrivacy},
}

// TestContract runs the suite on every backend: PostgreSQL always,
// Meilisearch through the protocol replay server always, and a real
// Meilisearch when MEILI_URL is set.
func TestContract(t *testing.T) {
	for _, mk := range backendMakers() {
		t.Run(mk.name, func(t *testing.T) {
			b := mk.make(t)
			if b == nil {
				t.Skip(mk.skip)
			}
			for _, c := range contract {
				t.Run(c.name, func(t *testing.T) { c.run(t, b) })
			}
		})
	}
}

// TestContractWalkingThePopularityIndex runs the PostgreSQL backend's
// contract with every query that may walk the popularity index walking it
// (the way a very common query is read): the same answers, through the walk
// or through its fallback to the full-text index.
func TestContractWalkingThePopularityIndex(t *testing.T) {
	search.WalkEverything(t)
	idx := search.NewPostgres(testDB.DB, codec())
	b := &backend{name: "postgres", index: idx, worker: search.NewWorker(testDB.Primary, idx, quietLog())}
	for _, c := range contract {
		t.Run(c.name, func(t *testing.T) { c.run(t, b) })
	}
}

func contractRelevance(t *testing.T, b *backend) {
	st := newStore(t)
	inTitle := newProduct(t, st, "Watercolor Brush Pack", withDescription("Forty brushes for painting apps."))
	inText := newProduct(t, st, "Ink Wash Set", withDescription("Pairs well with any watercolor texture."))
	newProduct(t, st, "Pixel Icon Kit", withDescription("Sixteen pixel icons."))
	res := b.search(t, query(t, "q", "watercolor", "creator", st.Slug))
	if got, want := ids(res.Hits), []int64{inTitle.ID, inText.ID}; !slices.Equal(got, want) {
		t.Fatalf("watercolor: got %v, want title match %d before description match %d only", got, inTitle.ID, inText.ID)
	}
	if h := res.Hits[0]; h.Title != inTitle.Title || h.Creator != st.Slug || h.CreatorName != st.Name || h.PriceCents != 1500 {
		t.Fatalf("hit carries wrong public fields: %+v", h)
	}
}

func contractTypos(t *testing.T, b *backend) {
	st := newStore(t)
	p := newProduct(t, st, "Watercolor Brush Pack")
	newProduct(t, st, "Pixel Icon Kit")
	coastal := newProduct(t, st, "Coastal Film: 12 Lightroom Presets")
	for _, tc := range []struct {
		text string
		want []int64
	}{
		{"watercolr", []int64{p.ID}}, {"watercolour", []int64{p.ID}}, {"Watercolor Brusj", []int64{p.ID}},
		{"coatal", []int64{coastal.ID}}, {"costal", []int64{coastal.ID}}, // one typo in 6 letters
		{"coastal lightrom", []int64{coastal.ID}}, // in any word
		{"flim", nil},                         // 4 letters: no typo allowed
		{"coastal pres", []int64{coastal.ID}}, // the last word is a prefix
	} {
		res := b.search(t, query(t, "q", tc.text, "creator", st.Slug))
		if got := ids(res.Hits); !slices.Equal(got, tc.want) {
			t.Errorf("%q: got %v, want %v", tc.text, got, tc.want)
		}
	}
}

func contractFilters(t *testing.T, b *backend) {
	st, other := newStore(t), newStore(t)
	parent := newCategory(t, nil)
	child := newCategory(t, parent)
	a := newProduct(t, st, "Alpha", withCategory(parent), withTags("film", "warm"), withPrice(400))
	c := newProduct(t, st, "Gamma", withCategory(child), withTags("film"), withPrice(1500))
	d := newProduct(t, st, "Delta", withTags("warm"), withPrice(6000))
	o := newProduct(t, other, "Omega", withCategory(child), withTags("film", "warm"), withPrice(1500))
	cases := []struct {
		kv   []string
		want []int64
	}{
		{[]string{"creator", st.Slug}, []int64{a.ID, c.ID, d.ID}},
		{[]string{"category", parent.Slug}, []int64{a.ID, c.ID, o.ID}},
		{[]string{"category", child.Slug}, []int64{c.ID, o.ID}},
		{[]string{"creator", st.Slug, "tag", "film"}, []int64{a.ID, c.ID}},
		{[]string{"creator", st.Slug, "tag", "film", "tag", "warm"}, []int64{a.ID}},
		{[]string{"creator", st.Slug, "min_price", "1500"}, []int64{c.ID, d.ID}},
		{[]string{"creator", st.Slug, "max_price", "1500"}, []int64{a.ID, c.ID}},
		{[]string{"creator", st.Slug, "min_price", "401", "max_price", "5999"}, []int64{c.ID}},
		{[]string{"category", parent.Slug, "creator", other.Slug}, []int64{o.ID}},
	}
	for _, tc := range cases {
		res := b.search(t, query(t, append(tc.kv, "sort", "price_asc")...))
		got := ids(res.Hits)
		slices.Sort(got)
		slices.Sort(tc.want)
		if !slices.Equal(got, tc.want) {
			t.Errorf("%v: got %v, want %v", tc.kv, got, tc.want)
		}
	}
}

func contractSorts(t *testing.T, b *backend) {
	st := newStore(t)
	base := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	p1 := newProduct(t, st, "One", withPrice(900), createdAt(base))
	p2 := newProduct(t, st, "Two", withPrice(100), createdAt(base.Add(time.Hour)))
	p3 := newProduct(t, st, "Three", withPrice(500), createdAt(base.Add(2*time.Hour)))
	p4 := newProduct(t, st, "Four", withPrice(500), createdAt(base.Add(-time.Hour)))
	// Sales: p2 sold 3 times long ago, p4 twice just now: p2 sells most, p4 trends.
	ctx := context.Background()
	for _, s := range []struct {
		id int64
		at time.Time
	}{{p2.ID, base}, {p2.ID, base}, {p2.ID, base}, {p4.ID, base.Add(30 * 24 * time.Hour)}, {p4.ID, base.Add(30 * 24 * time.Hour)}, {p1.ID, base.Add(10 * 24 * time.Hour)}} {
		recordSale(t, s.id, s.at)
	}
	if _, err := catalog.NewSales(testDB.Primary, quietLog()).Apply(ctx); err != nil {
		t.Fatal(err)
	}
	// Ratings: p3 has many good ones, p1 a single 5 (the prior keeps it below p3).
	exec(t, "UPDATE products SET rating_count = 20, rating_sum = 94 WHERE id = ?", p3.ID)
	exec(t, "UPDATE products SET rating_count = 1, rating_sum = 5 WHERE id = ?", p1.ID)
	exec(t, "UPDATE products SET rating_count = 4, rating_sum = 8 WHERE id = ?", p2.ID)
	for _, tc := range []struct {
		sort string
		want []int64
	}{
		{"newest", []int64{p3.ID, p2.ID, p1.ID, p4.ID}},
		{"price_asc", []int64{p2.ID, min(p3.ID, p4.ID), max(p3.ID, p4.ID), p1.ID}},
		{"price_desc", []int64{p1.ID, max(p3.ID, p4.ID), min(p3.ID, p4.ID), p2.ID}},
		{"bestsellers", []int64{p2.ID, p4.ID, p1.ID, p3.ID}},
		{"trending", []int64{p4.ID, p1.ID, p2.ID, p3.ID}},
		{"top_rated", []int64{p3.ID, p1.ID, p4.ID, p2.ID}},
		{"relevance", []int64{p2.ID, p4.ID, p1.ID, p3.ID}}, // no text: bestsellers
	} {
		res := b.search(t, query(t, "creator", st.Slug, "sort", tc.sort))
		if got := ids(res.Hits); !slices.Equal(got, tc.want) {
			t.Errorf("sort %s: got %v, want %v", tc.sort, got, tc.want)
		}
	}
}

func contractFacets(t *testing.T, b *backend) {
	st := newStore(t)
	parent := newCategory(t, nil)
	child := newCategory(t, parent)
	newProduct(t, st, "Alpha", withCategory(parent), withTags("film", "warm"), withPrice(400))
	newProduct(t, st, "Beta", withCategory(child), withTags("film"), withPrice(1200))
	newProduct(t, st, "Gamma", withCategory(child), withTags("film", "cold"), withPrice(1400))
	newProduct(t, st, "Delta", withTags("warm"), withPrice(7000))
	q := query(t, "creator", st.Slug)
	q.Facets = true
	res := b.search(t, q)
	f := res.Facets
	if f == nil {
		t.Fatal("no facets")
	}
	if f.Total != 4 {
		t.Errorf("total %d, want 4", f.Total)
	}
	want := func(name string, got, want []search.FacetCount) {
		if !slices.Equal(got, want) {
			t.Errorf("%s facet: got %v, want %v", name, got, want)
		}
	}
	want("category", f.Categories, []search.FacetCount{{parent.Slug, 3}, {child.Slug, 2}})
	want("tags", f.Tags, []search.FacetCount{{"film", 3}, {"warm", 2}, {"cold", 1}})
	want("price", f.Prices, []search.FacetCount{{"under-5", 1}, {"5-15", 2}, {"60-plus", 1}})
	q = query(t, "creator", st.Slug, "tag", "film", "min_price", "1000")
	q.Facets = true
	if f := b.search(t, q).Facets; f.Total != 2 || !slices.Equal(f.Tags, []search.FacetCount{{"film", 2}, {"cold", 1}}) {
		t.Errorf("filtered facets: total %d tags %v, want 2 and film 2, cold 1", f.Total, f.Tags)
	}
}

// walkFacets walks q's pages asking for facets on the first page (first) and
// on the pages after it (rest): the web page asks on the first only.
func walkFacets(t *testing.T, b *backend, q search.Query, first, rest bool) []int64 {
	t.Helper()
	var all []int64
	q.Facets = first
	for range 100 {
		res := b.search(t, q)
		all = append(all, ids(res.Hits)...)
		if res.Next == "" {
			return all
		}
		q.Cursor, q.Facets = res.Next, rest
	}
	t.Fatal("more than 100 pages")
	return nil
}

func contractCursorWalk(t *testing.T, b *backend) {
	st := newStore(t)
	base := time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)
	var want []int64
	for i := range 23 {
		// Few distinct keys, so ties on the sort key must be broken by id.
		p := newProduct(t, st, "Lantern "+unique("n"), withPrice(int64(100*(i%4))), withTags("lantern"),
			createdAt(base.Add(time.Duration(i%3)*time.Hour)))
		exec(t, "UPDATE products SET sales_count = ?, rating_count = ?, rating_sum = ? WHERE id = ?", i%5, i%2, 4*(i%2), p.ID)
		want = append(want, p.ID)
	}
	slices.Sort(want)
	for _, s := range search.Sorts() {
		for _, text := range []string{"", "lantern"} {
			q := query(t, "creator", st.Slug, "q", text, "sort", string(s.Sort))
			q.Limit = 5
			whole := q
			whole.Limit = 100
			one := ids(b.search(t, whole).Hits)
			for _, facets := range [][2]bool{{false, false}, {true, false}, {true, true}} {
				got := walkFacets(t, b, q, facets[0], facets[1])
				if !slices.Equal(got, one) {
					t.Errorf("sort %s q %q facets %v: pages %v differ from one page %v", s.Sort, text, facets, got, one)
				}
				slices.Sort(got)
				if !slices.Equal(got, want) {
					t.Errorf("sort %s q %q facets %v: walk saw %v, want each of %v once", s.Sort, text, facets, got, want)
				}
			}
		}
	}
}

func contractCursorTamper(t *testing.T, b *backend) {
	st := newStore(t)
	for range 3 {
		newProduct(t, st, "Candle")
	}
	q := query(t, "creator", st.Slug, "sort", "newest")
	q.Limit = 1
	next := b.search(t, q).Next
	if next == "" {
		t.Fatal("no next page")
	}
	for name, bad := range map[string]search.Query{
		"tampered":      func() search.Query { c := q; c.Cursor = next[:len(next)-2] + "xx"; return c }(),
		"garbage":       func() search.Query { c := q; c.Cursor = "not-a-cursor"; return c }(),
		"another query": func() search.Query { c := q; c.Sort = search.SortPriceAsc; c.Cursor = next; return c }(),
	} {
		if _, err := b.index.Search(context.Background(), bad); !errors.Is(err, search.ErrBadCursor) {
			t.Errorf("%s cursor: err %v, want ErrBadCursor", name, err)
		}
	}
}

func contractPrivacy(t *testing.T, b *backend) {
	st := newStore(t)
	title := "Quokka Zebra Almanac " + unique("v")
	p := newProduct(t, st, title)
	find := func(step string, want bool) {
		t.Helper()
		for _, q := range []search.Query{query(t, "q", title), query(t, "q", title, "sort", "newest"), query(t, "creator", st.Slug)} {
			got := slices.Contains(ids(b.search(t, q).Hits), p.ID)
			if got != want {
				t.Fatalf("%s: found=%v for %+v, want %v", step, got, q, want)
			}
		}
	}
	find("public", true)
	for _, step := range []struct {
		name, sql string
		visible   bool
	}{
		{"private", "UPDATE products SET visibility = 'private' WHERE id = ?", false},
		{"public again", "UPDATE products SET visibility = 'public' WHERE id = ?", true},
		{"draft", "UPDATE products SET visibility = 'draft' WHERE id = ?", false},
		{"published", "UPDATE products SET visibility = 'public' WHERE id = ?", true},
		{"deleted", "UPDATE products SET deleted_at = now() WHERE id = ?", false},
		{"restored", "UPDATE products SET deleted_at = NULL WHERE id = ?", true},
		{"taken down by staff", "UPDATE products SET taken_down_at = now(), taken_down_reason = 'test' WHERE id = ?", false},
		{"restored by staff", "UPDATE products SET taken_down_at = NULL, taken_down_reason = NULL WHERE id = ?", true},
		{"store suspended", "UPDATE tenants SET status = 'suspended' WHERE id = (SELECT tenant_id FROM products WHERE id = ?)", false},
		{"store reinstated", "UPDATE tenants SET status = 'active' WHERE id = (SELECT tenant_id FROM products WHERE id = ?)", true},
		{"charges disabled", "UPDATE tenants SET charges_enabled = false WHERE id = (SELECT tenant_id FROM products WHERE id = ?)", false},
		{"charges enabled", "UPDATE tenants SET charges_enabled = true WHERE id = (SELECT tenant_id FROM products WHERE id = ?)", true},
		{"hard deleted", "DELETE FROM products WHERE id = ?", false},
	} {
		exec(t, step.sql, p.ID)
		find(step.name, step.visible)
	}
}

// word is a word no other test uses: letters only, ending in k so the
// English stemmer leaves it whole.
func word(t *testing.T, n int) string {
	t.Helper()
	const cons, vows = "bcdfghjlmnprstvz", "aeiou"
	seed := seqWord.Add(1)*7919 + time.Now().UnixNano()
	b := make([]byte, n-1)
	for i := range b {
		seed = seed*6364136223846793005 + 1442695040888963407
		r := uint64(seed) >> 33
		if i%2 == 0 {
			b[i] = cons[r%uint64(len(cons))]
		} else {
			b[i] = vows[r%uint64(len(vows))]
		}
	}
	return string(b) + "k"
}

// swap replaces the letter at i of w by another of the same kind.
func swap(w string, i int) string {
	b := []byte(w)
	if strings.IndexByte("aeiou", b[i]) >= 0 {
		b[i] = map[byte]byte{'a': 'e', 'e': 'i', 'i': 'o', 'o': 'u', 'u': 'a'}[b[i]]
	} else if b[i] == 'x' {
		b[i] = 'w'
	} else {
		b[i] = 'x'
	}
	return string(b)
}

// firstOf is the order of want's products among hits.
func firstOf(hits []search.Document, want ...int64) []int64 {
	var got []int64
	for _, id := range ids(hits) {
		if slices.Contains(want, id) {
			got = append(got, id)
		}
	}
	return got
}

// contractRanking: Meilisearch's rules in order, on both backends: fewer
// typos first (exact, one, two), then adjacent words above far apart, then
// title over tags over description.
func contractRanking(t *testing.T, b *backend) {
	st := newStore(t)
	w := word(t, 10) // two typos allowed
	one, two := swap(w, 4), swap(swap(w, 4), 6)
	pExact := newProduct(t, st, "Kit "+w)
	pOne := newProduct(t, st, "Kit "+one)
	pTwo := newProduct(t, st, "Kit "+two)
	// As typed, the exact product first (PostgreSQL, the word being known,
	// finds only it; Meilisearch the others after it).
	res := b.search(t, query(t, "q", w, "creator", st.Slug))
	if got := firstOf(res.Hits, pExact.ID, pOne.ID, pTwo.ID); len(got) == 0 || got[0] != pExact.ID ||
		!slices.IsSortedFunc(got, func(a, c int64) int {
			return slices.Index([]int64{pExact.ID, pOne.ID, pTwo.ID}, a) - slices.Index([]int64{pExact.ID, pOne.ID, pTwo.ID}, c)
		}) {
		t.Errorf("%q: got %v, want exact %d, then one typo %d, then two typos %d", w, got, pExact.ID, pOne.ID, pTwo.ID)
	}
	// A typo no product has: one typo from the exact word, two from the
	// one-typo word, three (too many) from the two-typo word.
	typed := swap(w, 2)
	res = b.search(t, query(t, "q", typed, "creator", st.Slug))
	if got, want := ids(res.Hits), []int64{pExact.ID, pOne.ID}; !slices.Equal(got, want) {
		t.Errorf("%q: got %v, want one typo %d before two typos %d", typed, got, pExact.ID, pOne.ID)
	}

	a, c := word(t, 7), word(t, 7)
	far := newProduct(t, st, a+" grain dust film loop "+c)
	near := newProduct(t, st, "Loop "+a+" "+c+" film")
	res = b.search(t, query(t, "q", a+" "+c, "creator", st.Slug))
	if got, want := ids(res.Hits), []int64{near.ID, far.ID}; !slices.Equal(got, want) {
		t.Errorf("proximity: got %v, want adjacent %d before far apart %d", got, near.ID, far.ID)
	}

	u := word(t, 8)
	inDesc := newProduct(t, st, "Plain Pack", withDescription("Made with "+u+" in mind."))
	inTag := newProduct(t, st, "Other Pack", withTags(u))
	inTitle := newProduct(t, st, "Pack "+u)
	res = b.search(t, query(t, "q", u, "creator", st.Slug))
	if got, want := ids(res.Hits), []int64{inTitle.ID, inTag.ID, inDesc.ID}; !slices.Equal(got, want) {
		t.Errorf("attribute: got %v, want title %d, tag %d, description %d", got, inTitle.ID, inTag.ID, inDesc.ID)
	}
}
