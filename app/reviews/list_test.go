package reviews_test

import (
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/claro-market/claro/app/reviews"
)

var nextPage = regexp.MustCompile(`hx-get="(/products/field-guide/reviews\?cursor=[^"]+)"`)

func TestReviewsPaginateByKeysetThroughHTMX(t *testing.T) {
	e := newEnv(t, options{})
	s := e.shop(t)
	n := reviews.PageSize + 2
	for i := range n {
		b, _ := e.buyer(t, s, true)
		if resp, body := post(t, b, s, "/products/field-guide/reviews", review("4", "", fmt.Sprintf("Review number %02d.", i)), true); resp.StatusCode != http.StatusOK {
			t.Fatalf("review %d: %d\n%s", i, resp.StatusCode, body)
		}
	}
	visitor := e.NewBrowser()
	resp, first := visitor.Get(t, s.host, "/products/field-guide/reviews")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("fragment: %d", resp.StatusCode)
	}
	mustContain(t, first, fmt.Sprintf("from %d reviews", n), "Sign in")
	m := nextPage.FindStringSubmatch(first)
	if m == nil {
		t.Fatalf("no next-page trigger:\n%s", first)
	}
	req, err := http.NewRequest(http.MethodGet, "http://"+s.host+strings.ReplaceAll(m[1], "&amp;", "&"), nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("HX-Request", "true")
	_, second := visitor.Do(t, req)
	if strings.Contains(second, "Reviews</h2>") || nextPage.MatchString(second) {
		t.Fatalf("the next page is not just the remaining items:\n%s", second)
	}
	seen := map[string]int{}
	for _, page := range []string{first, second} {
		for _, r := range regexp.MustCompile(`Review number \d\d\.`).FindAllString(page, -1) {
			seen[r]++
		}
	}
	if len(seen) != n {
		t.Fatalf("saw %d distinct reviews over two pages, want %d: %v", len(seen), n, seen)
	}
	for r, c := range seen {
		if c != 1 {
			t.Fatalf("%s shown %d times", r, c)
		}
	}
	if resp, _ := visitor.Get(t, s.host, "/products/field-guide/reviews?cursor=forged"); resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("forged cursor: %d", resp.StatusCode)
	}
}

func TestProductPageLoadsItsReviewsWithHTMX(t *testing.T) {
	e := newEnv(t, options{})
	s := e.shop(t)
	_, page := e.NewBrowser().Get(t, s.host, "/products/field-guide")
	mustContain(t, page, `hx-get="/products/field-guide/reviews"`, `hx-trigger="load"`, `id="reviews"`)
	// Without script, the link leads to the same section as a page.
	resp, full := e.NewBrowser().Get(t, s.host, "/products/field-guide/reviews")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("reviews page: %d", resp.StatusCode)
	}
	mustContain(t, full, "<!doctype html>", "No reviews yet.")
	// Drafts and other stores' products have no reviews page.
	if resp, _ := e.NewBrowser().Get(t, s.host, "/products/nope/reviews"); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("unknown product: %d", resp.StatusCode)
	}
}

// TestReviewsLoadMoreIsARealLinkToTheNextPage follows the reviews' "Load
// more" as a browser without script would: an <a href> (the same URL htmx
// fetches) that opens the whole reviews page holding the next reviews.
func TestReviewsLoadMoreIsARealLinkToTheNextPage(t *testing.T) {
	e := newEnv(t, options{})
	s := e.shop(t)
	n := reviews.PageSize + 1
	for i := range n {
		b, _ := e.buyer(t, s, true)
		if resp, body := post(t, b, s, "/products/field-guide/reviews", review("5", "", fmt.Sprintf("Linked review %02d.", i)), true); resp.StatusCode != http.StatusOK {
			t.Fatalf("review %d: %d\n%s", i, resp.StatusCode, body)
		}
	}
	visitor := e.NewBrowser()
	_, first := visitor.Get(t, s.host, "/products/field-guide/reviews")
	link := regexp.MustCompile(`<a class="load-more" href="(/products/field-guide/reviews\?cursor=[^"]+)" hx-get="([^"]+)"`).FindStringSubmatch(first)
	if link == nil || link[1] != link[2] {
		t.Fatalf("no Load more link whose href is the URL htmx fetches:\n%s", first)
	}
	resp, second := visitor.Get(t, s.host, strings.ReplaceAll(link[1], "&amp;", "&"))
	if resp.StatusCode != http.StatusOK || !strings.Contains(second, "<html") || !strings.Contains(second, `class="reviews-page"`) {
		t.Fatalf("without script Load more must open the reviews page: %d\n%s", resp.StatusCode, second)
	}
	seen := regexp.MustCompile(`Linked review \d\d\.`).FindAllString(first+second, -1)
	if got := len(regexp.MustCompile(`Linked review \d\d\.`).FindAllString(second, -1)); got != 1 || len(seen) != n {
		t.Fatalf("the next page shows %d reviews (want 1), %d over both pages (want %d)", got, len(seen), n)
	}
	if strings.Contains(second, `class="load-more"`) {
		t.Fatal("the last page still has a Load more link")
	}
}
