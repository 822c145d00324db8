package search_test

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/claro-market/claro/search"
	"github.com/claro-market/claro/testkit/apptest"
)

// newSearchApp is the real app (app.New), whose /search is the PostgreSQL
// backend on this package's database.
func newSearchApp(t *testing.T) *apptest.Env {
	t.Helper()
	return apptest.New(t, testDB)
}

func TestSearchPageShowsCardsFacetsAndOnlyThisQuery(t *testing.T) {
	a := newSearchApp(t)
	st := newStore(t)
	cat := newCategory(t, nil)
	p := newProduct(t, st, "Harbor Fog Presets", withCategory(cat), withTags("film"), withPrice(900))
	newProduct(t, st, "Desert Icons", withTags("icons"))
	resp, body := a.Get(t, "", "/search?q=harbor&creator="+st.Slug)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d: %s", resp.StatusCode, body)
	}
	if got := apptest.CardIDs(body); !slices.Equal(got, []string{fmt.Sprint(p.ID)}) {
		t.Fatalf("cards %v, want only %d", got, p.ID)
	}
	for _, want := range []string{"<html", `id="search-controls"`, cat.Name, "/search?category=" + cat.Slug, "tag=film", "$5 to $15", `value="harbor"`} {
		if !strings.Contains(body, want) {
			t.Errorf("page lacks %q", want)
		}
	}
}

func TestSearchInfiniteScrollWalksEveryProductOnceAsFragments(t *testing.T) {
	a := newSearchApp(t)
	st := newStore(t)
	var want []string
	for i := range search.DefaultLimit*2 + 5 {
		want = append(want, fmt.Sprint(newProduct(t, st, fmt.Sprintf("Scroll Item %d", i)).ID))
	}
	_, body := a.Get(t, "", "/search?sort=newest&creator="+st.Slug)
	seen := apptest.CardIDs(body)
	for page := 2; ; page++ {
		next := apptest.NextPage(body)
		if next == "" {
			break
		}
		if !strings.Contains(next, "cursor=") || !strings.Contains(next, "creator="+st.Slug) {
			t.Fatalf("next-page URL %q must carry the cursor and keep the filters", next)
		}
		resp, frag := a.Get(t, "", next, "HX-Request", "true")
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("page %d: status %d", page, resp.StatusCode)
		}
		if strings.Contains(frag, "<html") || strings.Contains(frag, "search-controls") {
			t.Fatalf("page %d: htmx wants only rows and the trigger, got %s", page, frag)
		}
		seen = append(seen, apptest.CardIDs(frag)...)
		body = frag
	}
	slices.Reverse(want)
	if !slices.Equal(seen, want) {
		t.Fatalf("scroll saw %v\nwant %v", seen, want)
	}
}

func TestSearchFilterChangeByHTMXSwapsControlsAndPushesTheURL(t *testing.T) {
	a := newSearchApp(t)
	st := newStore(t)
	newProduct(t, st, "Tagged", withTags("warm"))
	resp, frag := a.Get(t, "", "/search?tag=warm&creator="+st.Slug, "HX-Request", "true")
	if resp.StatusCode != http.StatusOK || strings.Contains(frag, "<html") {
		t.Fatalf("status %d, fragment %s", resp.StatusCode, frag)
	}
	if !strings.Contains(frag, `hx-swap-oob="true"`) || len(apptest.CardIDs(frag)) != 1 {
		t.Fatalf("a filter change must bring the rows and the controls out of band: %s", frag)
	}
	if got := resp.Header.Get("HX-Push-Url"); got != "/search?creator="+st.Slug+"&tag=warm" {
		t.Fatalf("HX-Push-Url %q", got)
	}
}

func TestSearchRefusesMalformedParametersWithA400(t *testing.T) {
	a := newSearchApp(t)
	for path, msg := range map[string]string{
		"/search?min_price=cheap":               "min_price must be a whole number",
		"/search?max_price=-5":                  "max_price must be a whole number",
		"/search?min_price=500&max_price=100":   "minimum price is above the maximum",
		"/search?sort=random":                   "is not a way to sort",
		"/search?category=Not%20A%20Slug":       "is not a category",
		"/search?cursor=forged.cursor":          "page link is broken",
		"/search?q=" + strings.Repeat("a", 201): "too long",
	} {
		resp, body := a.Get(t, "", path)
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, msg) {
			t.Errorf("%s: status %d, want 400 saying %q; body %.300s", path, resp.StatusCode, msg, body)
		}
	}
}

func TestSearchExistsOnlyOnTheMarketplace(t *testing.T) {
	a := newSearchApp(t)
	st := newStore(t)
	resp, _ := a.Get(t, apptest.StoreHost(st.Slug), "/search?q=x")
	if resp.StatusCode != http.StatusNotFound {
		t.Fatalf("storefront /search: status %d, want 404", resp.StatusCode)
	}
}

// TestSearchLoadMoreIsARealLinkToTheNextPage follows the results' "Load
// more" as a browser without JavaScript would (no HX-Request): it is an
// <a href> that htmx fetches too, and it opens the whole search page showing
// the next page of results, with the filters kept and nothing repeated.
func TestSearchLoadMoreIsARealLinkToTheNextPage(t *testing.T) {
	a := newSearchApp(t)
	st := newStore(t)
	var want []string
	for i := range search.DefaultLimit + 3 {
		want = append(want, fmt.Sprint(newProduct(t, st, fmt.Sprintf("Link Item %d", i)).ID))
	}
	slices.Reverse(want) // newest first
	_, body := a.Get(t, "", "/search?sort=newest&creator="+st.Slug)
	next := apptest.NextPage(body)
	if next == "" || !strings.Contains(next, "cursor=") || !strings.Contains(next, "creator="+st.Slug) {
		t.Fatalf("the first page's Load more link is %q, want the next page's URL with the cursor and filters", next)
	}
	if !strings.Contains(body, `href="`+htmlAttr(next)+`" hx-get="`+htmlAttr(next)+`"`) {
		t.Fatalf("the Load more link's href and hx-get differ:\n%s", body)
	}
	resp, page2 := a.Get(t, "", next)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("following Load more: status %d", resp.StatusCode)
	}
	if !strings.Contains(page2, "<html") || !strings.Contains(page2, `id="search-controls"`) {
		t.Fatalf("without JavaScript Load more must open a whole page, got %s", page2)
	}
	if got := apptest.CardIDs(page2); !slices.Equal(got, want[search.DefaultLimit:]) {
		t.Fatalf("the next page shows %v, want %v", got, want[search.DefaultLimit:])
	}
	if more := apptest.NextPage(page2); more != "" {
		t.Fatalf("the last page still links to %q", more)
	}
}

func htmlAttr(s string) string { return strings.ReplaceAll(s, "&", "&amp;") }

// The tag facet shows the dozen most used tags (and any chosen one), the
// rest behind "show more"; the page has one search box, keeping the query.
func TestTheTagFacetShowsTheTopDozenAndTheRestBehindShowMore(t *testing.T) {
	a := newSearchApp(t)
	st := newStore(t)
	// tag00 is on 15 products, tag01 on 14, … tag14 on 1.
	for i := range 15 {
		var tags []string
		for j := 0; j <= 14-i; j++ {
			tags = append(tags, fmt.Sprintf("tag%02d", j))
		}
		newProduct(t, st, fmt.Sprintf("Dozen Item %d", i), withTags(tags...))
	}
	_, body := a.Get(t, "", "/search?q=dozen&creator="+st.Slug)
	top, more, ok := strings.Cut(body, `<details class="more-tags">`)
	if !ok {
		t.Fatalf("no show-more for the tags:\n%s", body)
	}
	for i := range 15 {
		tag := fmt.Sprintf("tag=tag%02d", i)
		if inTop := strings.Contains(top, tag); inTop != (i < search.TopTags) {
			t.Errorf("%s in the top dozen: %v", tag, inTop)
		}
		if i >= search.TopTags && !strings.Contains(more, tag) {
			t.Errorf("%s is not behind show more", tag)
		}
	}
	if !strings.Contains(more, "<summary>Show 3 more tags</summary>") {
		t.Errorf("the show-more summary is wrong:\n%s", more)
	}
	// A chosen tag from the tail stays in sight.
	_, body = a.Get(t, "", "/search?q=dozen&tag=tag14&creator="+st.Slug)
	top, _, _ = strings.Cut(body, `<details class="more-tags">`)
	if !strings.Contains(top, `chip chip-active`) || !strings.Contains(top, ">tag14 <") {
		t.Errorf("the chosen tag is hidden behind show more")
	}
	// One search box, and it keeps the query.
	if n := strings.Count(body, `type="search"`); n != 1 || !strings.Contains(body, `value="dozen"`) {
		t.Errorf("%d search boxes on the search page (want 1 keeping the query)", n)
	}
}

// The custom price range: amounts typed as a person would, kept in the
// form and in the URL as cents; a bad one is a 400 saying what to type.
func TestACustomPriceRangeFiltersAndABadOneSaysWhy(t *testing.T) {
	a := newSearchApp(t)
	st := newStore(t)
	cheap := newProduct(t, st, "Rangeful Cheap", withPrice(300))
	mid := newProduct(t, st, "Rangeful Mid", withPrice(1250))
	dear := newProduct(t, st, "Rangeful Dear", withPrice(4000))
	resp, body := a.Get(t, "", "/search?q=rangeful&creator="+st.Slug+"&price_from=4.99&price_to=%2420")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("range: %d\n%s", resp.StatusCode, body)
	}
	if got := apptest.CardIDs(body); !slices.Equal(got, []string{fmt.Sprint(mid.ID)}) {
		t.Errorf("cards %v, want only %d (not %d, %d)", got, mid.ID, cheap.ID, dear.ID)
	}
	for _, want := range []string{`name="price_from" value="4.99"`, `name="price_to" value="20"`,
		`name="min_price" value="499"`, `name="max_price" value="2000"`} {
		if !strings.Contains(body, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	// An empty end clears that end.
	_, body = a.Get(t, "", "/search?q=rangeful&creator="+st.Slug+"&min_price=100&price_from=&price_to=5")
	if got := apptest.CardIDs(body); !slices.Equal(got, []string{fmt.Sprint(cheap.ID)}) {
		t.Errorf("open-ended range: cards %v", got)
	}
	for query, want := range map[string]string{
		"price_from=cheap":          "Enter the lowest price as an amount like 5 or 4.99.",
		"price_to=1.999":            "Enter the highest price as an amount like 5 or 4.99.",
		"price_to=-3":               "Enter the highest price",
		"price_from=20&price_to=10": "The minimum price is above the maximum price.",
		"price_to=9999999":          "above the largest price",
	} {
		resp, body := a.Get(t, "", "/search?q=rangeful&"+query)
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, want) || !strings.Contains(body, `class="error-search"`) {
			t.Errorf("%s: %d, want 400 saying %q\n%s", query, resp.StatusCode, want, body)
		}
	}
}
