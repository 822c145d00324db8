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
