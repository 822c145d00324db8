package search_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/claro-market/claro/testkit/apptest"
)

// The header box's suggestions: the first products (the last word as a
// prefix, as typed so far) and their stores on the marketplace; on a
// storefront, that store's products only.
func TestSuggestAnswersAFragmentOfProductsAndStoresAsYouType(t *testing.T) {
	a := newSearchApp(t)
	word := uniqueWord("lumenvault")
	mine, other := newStore(t), newStore(t)
	p := newProduct(t, mine, "Harbor "+word+" Presets")
	q := newProduct(t, other, word+" Icon Kit")

	for _, typed := range []string{word, "harbor " + word[:len(word)-2]} {
		resp, body := a.Get(t, "", "/search/suggest?q="+strings.ReplaceAll(typed, " ", "+"), "HX-Request", "true")
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%q: status %d: %s", typed, resp.StatusCode, body)
		}
		if strings.Contains(body, "<html") {
			t.Fatalf("%q: a whole page, want a fragment: %s", typed, body)
		}
		for _, want := range []string{`role="option"`, `id="suggest-product-0"`, p.Title, "/products/" + p.Slug, mine.Name, `id="suggest-all"`} {
			if !strings.Contains(body, want) {
				t.Errorf("%q: suggestions lack %q:\n%s", typed, want, body)
			}
		}
	}

	_, body := a.Get(t, apptest.StoreHost(mine.Slug), "/search/suggest?q="+word, "HX-Request", "true")
	if !strings.Contains(body, p.Title) || strings.Contains(body, q.Title) || strings.Contains(body, "suggest-store") {
		t.Fatalf("a storefront suggests only its own products, no stores:\n%s", body)
	}

	resp, body := a.Get(t, "", "/search/suggest?q=", "HX-Request", "true")
	if resp.StatusCode != http.StatusOK || strings.Contains(body, `role="option"`) {
		t.Fatalf("an empty box: status %d, %q", resp.StatusCode, body)
	}
	resp, _ = a.Get(t, "", "/search/suggest?q="+strings.Repeat("a", 201), "HX-Request", "true")
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("too long a text: status %d, want 400", resp.StatusCode)
	}
}
