package search_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/claro-market/claro/app/apptest"
	"github.com/claro-market/claro/app/catalog"
	"github.com/claro-market/claro/app/web"
	"github.com/claro-market/claro/search"
	"github.com/gofiber/fiber/v2"
)

var (
	cardIDs = regexp.MustCompile(`data-product-id="(\d+)"`)
	nextGet = regexp.MustCompile(`class="load-more" hx-get="([^"]+)"`)
)

// searchApp is the real app's views, errors and middleware with the search
// routes mounted the way app.New mounts them.
type searchApp struct{ f *fiber.App }

func newSearchApp(t *testing.T) *searchApp {
	t.Helper()
	e := apptest.New(t, testDB)
	f := web.New(web.Options{Views: e.App.Fiber.Config().Views, Errors: e.App.Errors, Logger: quietLog()})
	web.Use(f, quietLog(), e.App.Resolver, e.App.Errors, "")
	idx := search.NewPostgres(testDB.Replica, codec())
	pages := &web.Pages{Links: web.Links{Scheme: "http", Root: apptest.Root}}
	search.NewHandlers(idx, catalog.NewStore(testDB.Replica), pages).Routes(f)
	f.Use(func(c *fiber.Ctx) error { return e.App.Errors.NotFound(c) })
	return &searchApp{f: f}
}

func (a *searchApp) get(t *testing.T, host, path string, headers ...string) (*http.Response, string) {
	t.Helper()
	if host == "" {
		host = apptest.Root
	}
	req := httptest.NewRequest(http.MethodGet, "http://"+host+path, nil)
	req.Host = host
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := a.f.Test(req, -1)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(b)
}

func cards(body string) []string {
	var out []string
	for _, m := range cardIDs.FindAllStringSubmatch(body, -1) {
		out = append(out, m[1])
	}
	return out
}

func nextURL(body string) string {
	m := nextGet.FindStringSubmatch(body)
	if m == nil {
		return ""
	}
	return strings.ReplaceAll(m[1], "&amp;", "&")
}

func TestSearchPageShowsCardsFacetsAndOnlyThisQuery(t *testing.T) {
	a := newSearchApp(t)
	st := newStore(t)
	cat := newCategory(t, nil)
	p := newProduct(t, st, "Harbor Fog Presets", withCategory(cat), withTags("film"), withPrice(900))
	newProduct(t, st, "Desert Icons", withTags("icons"))
	resp, body := a.get(t, "", "/search?q=harbor&creator="+st.Slug)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d: %s", resp.StatusCode, body)
	}
	if got := cards(body); !slices.Equal(got, []string{fmt.Sprint(p.ID)}) {
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
	_, body := a.get(t, "", "/search?sort=newest&creator="+st.Slug)
	seen := cards(body)
	for page := 2; ; page++ {
		next := nextURL(body)
		if next == "" {
			break
		}
		if !strings.Contains(next, "cursor=") || !strings.Contains(next, "creator="+st.Slug) {
			t.Fatalf("next-page URL %q must carry the cursor and keep the filters", next)
		}
		resp, frag := a.get(t, "", next, "HX-Request", "true")
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("page %d: status %d", page, resp.StatusCode)
		}
		if strings.Contains(frag, "<html") || strings.Contains(frag, "search-controls") {
			t.Fatalf("page %d: htmx wants only rows and the trigger, got %s", page, frag)
		}
		seen = append(seen, cards(frag)...)
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
	resp, frag := a.get(t, "", "/search?tag=warm&creator="+st.Slug, "HX-Request", "true")
	if resp.StatusCode != http.StatusOK || strings.Contains(frag, "<html") {
		t.Fatalf("status %d, fragment %s", resp.StatusCode, frag)
	}
	if !strings.Contains(frag, `hx-swap-oob="true"`) || len(cards(frag)) != 1 {
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
		resp, body := a.get(t, "", path)
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, msg) {
			t.Errorf("%s: status %d, want 400 saying %q; body %.300s", path, resp.StatusCode, msg, body)
		}
	}
}

func TestSearchExistsOnlyOnTheMarketplace(t *testing.T) {
	a := newSearchApp(t)
	st := newStore(t)
	resp, _ := a.get(t, apptest.StoreHost(st.Slug), "/search?q=x")
	if resp.StatusCode != http.StatusNotFound {
		t.Fatalf("storefront /search: status %d, want 404", resp.StatusCode)
	}
}
