package search_test

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/claro-market/claro/app/catalog"
	"github.com/claro-market/claro/app/config"
	"github.com/claro-market/claro/search"
	"github.com/claro-market/claro/tenants"
	"github.com/claro-market/claro/testkit/apptest"
	"github.com/claro-market/claro/testkit/browsertest"
)

// TestSearchFiltersSortsAndScrollsThreePagesWithoutDuplicatesInBrowser clicks
// a category facet and picks a sort on the real search page in Chromium, then
// scrolls until every page of the filtered, sorted results is in: each product
// once, each one in the category, in price order, with the address bar
// following every change.
func TestSearchFiltersSortsAndScrollsThreePagesWithoutDuplicatesInBrowser(t *testing.T) {
	ctx := browsertest.Chromium(t) // first: without a browser, skip before seeding
	const word = "quillorbit"      // in every seeded title, so the search sees only these
	catA, catB := newCategory(t, nil), newCategory(t, nil)
	shops := []*tenants.Tenant{newStore(t), newStore(t)}

	// Category A holds two full pages and part of a third, across two stores,
	// with prices that tie, so the keyset cursor has to break ties by id.
	totalA := search.DefaultLimit*2 + 10
	inA := map[string]bool{}
	for i := range totalA {
		p := newProduct(t, shops[i%2], fmt.Sprintf("Quillorbit Brush Set %02d", i),
			withCategory(catA), withPrice(int64(300+(i%9)*100)))
		inA[strconv.FormatInt(p.ID, 10)] = true
	}
	for i := range 20 {
		newProduct(t, shops[i%2], fmt.Sprintf("Quillorbit Font Pack %02d", i), withCategory(catB), withPrice(int64(100+i*50)))
	}
	// Products in category A that discovery must never show: unlisted, from a
	// store that cannot take payments, and from a suspended store.
	for i := range 3 {
		newProduct(t, shops[0], fmt.Sprintf("Quillorbit Hidden Set %d", i), withCategory(catA),
			func(p *catalog.Product) { p.Visibility = catalog.Private })
	}
	unpaid := newStore(t, func(st *tenants.Tenant) { st.ChargesEnabled = false })
	suspended := newStore(t, func(st *tenants.Tenant) { st.Status = tenants.StatusSuspended })
	for i := range 3 {
		newProduct(t, unpaid, fmt.Sprintf("Quillorbit Unpaid Set %d", i), withCategory(catA))
		newProduct(t, suspended, fmt.Sprintf("Quillorbit Suspended Set %d", i), withCategory(catA))
	}

	ln, root := browsertest.Listen(t)
	e := apptest.New(t, testDB, func(c *config.Config) { c.RootDomain = root })
	browsertest.Start(t, e.App.Fiber, ln)
	b := &tab{t: t, ctx: ctx}

	b.open("http://" + root + "/search?q=" + word)
	b.waitFor("htmx on the search page (run make assets)", `typeof htmx !== 'undefined'`)
	// Every htmx request the page makes from now on, and a marker that only
	// a full page load would clear.
	b.eval(`window.__claroRequests = []; window.__claroSamePage = true;
		document.addEventListener('htmx:afterRequest', e => window.__claroRequests.push({
			path: e.detail.pathInfo.finalRequestPath || e.detail.pathInfo.requestPath, ok: e.detail.successful }));`)
	if n := len(b.cardIDs()); n != search.DefaultLimit {
		t.Fatalf("the first page for %q shows %d products, want %d", word, n, search.DefaultLimit)
	}

	// Filter: click category A's facet.
	facet := `#search-controls a.chip[href*="category=` + catA.Slug + `"]`
	label := b.text(`(document.querySelector('` + facet + `') || {textContent: ''}).textContent`)
	if !strings.Contains(label, catA.Name) || !strings.Contains(label, strconv.Itoa(totalA)) {
		t.Fatalf("category A's facet reads %q, want %q with count %d", label, catA.Name, totalA)
	}
	b.must("click category A's facet", chromedp.Click(chromedp.CSS(facet)))
	b.waitFor("the category filter to apply", `new URLSearchParams(location.search).get('category') === `+strconv.Quote(catA.Slug)+
		` && Array.from(document.querySelectorAll('#search-controls a.chip-active')).some(a => a.textContent.includes(`+strconv.Quote(catA.Name)+`))`+
		` && !document.querySelector('.htmx-request')`)
	b.samePage("the facet click")
	after := b.location()
	t.Logf("after the facet click the address bar holds %s", after.RequestURI())
	if after.Path != "/search" || after.Query().Get("q") != word || after.Query().Has("sort") {
		t.Fatalf("after the facet click the address bar holds %s, want /search with q=%s and the category", after.RequestURI(), word)
	}
	if total := b.text(`document.querySelector('#search-total').textContent.trim()`); total != fmt.Sprintf("%d products", totalA) {
		t.Fatalf("the filtered total reads %q, want %d products", total, totalA)
	}
	b.allIn(inA, "after the facet click")

	// Sort: pick "Price: low to high" in the sort menu with the keyboard: P
	// selects the first option that starts with it, as a person typing would.
	sortMenu := `#search-controls select[name="sort"]`
	b.must("choose a sort", chromedp.SendKeys(chromedp.CSS(sortMenu), "P"))
	if v := b.text(`document.querySelector('` + sortMenu + `').value`); v != string(search.SortPriceAsc) {
		t.Fatalf("the sort menu holds %q after typing, want %q", v, search.SortPriceAsc)
	}
	b.waitFor("the sort to apply", `new URLSearchParams(location.search).get('sort') === `+strconv.Quote(string(search.SortPriceAsc))+
		` && document.querySelector('`+sortMenu+`').value === `+strconv.Quote(string(search.SortPriceAsc))+
		` && !document.querySelector('.htmx-request')`)
	b.samePage("the sort change")
	sorted := b.location()
	t.Logf("after the sort change the address bar holds %s", sorted.RequestURI())
	if q := sorted.Query(); q.Get("q") != word || q.Get("category") != catA.Slug || q.Has("cursor") {
		t.Fatalf("after the sort change the address bar holds %s, want q, category and sort and no cursor", sorted.RequestURI())
	}
	requestsBeforeScroll := b.requests()
	first := b.cardIDs()
	if len(first) != search.DefaultLimit {
		t.Fatalf("the first sorted page shows %d products, want %d", len(first), search.DefaultLimit)
	}
	b.allIn(inA, "after the sort change")

	// Scroll until all three pages are in.
	deadline := time.Now().Add(30 * time.Second)
	var all []string
	for {
		all = b.list(`(() => { const m = document.querySelector('#search-results .load-more');
			if (m) m.scrollIntoView(); else window.scrollTo(0, document.body.scrollHeight);
			return Array.from(document.querySelectorAll('#search-results [data-product-id]'), el => el.getAttribute('data-product-id')) })()`)
		if len(all) >= totalA && b.text(`String(document.querySelectorAll('.htmx-request, #search-results .load-more').length)`) == "0" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after scrolling for 30s the page shows %d products, want %d", len(all), totalA)
		}
		b.must("pause between scrolls", chromedp.Sleep(150*time.Millisecond))
	}
	b.samePage("scrolling")

	var pages []string
	for _, r := range b.requests()[len(requestsBeforeScroll):] {
		u, err := url.Parse(r.Path)
		if err != nil {
			t.Fatal(err)
		}
		if !r.OK {
			t.Fatalf("the request for %s failed", r.Path)
		}
		if u.Query().Has("cursor") {
			if q := u.Query(); q.Get("category") != catA.Slug || q.Get("sort") != string(search.SortPriceAsc) || q.Get("q") != word {
				t.Fatalf("next-page request %s dropped the filter, the sort or the words", r.Path)
			}
			pages = append(pages, r.Path)
		}
	}
	t.Logf("scrolling loaded %d more pages; the page shows %d products", len(pages), len(all))
	if len(pages) < 2 {
		t.Fatalf("scrolling made %d next-page requests, want at least 2 (three pages in all)", len(pages))
	}

	seen := map[string]bool{}
	for _, id := range all {
		if seen[id] {
			t.Fatalf("product %s is shown twice", id)
		}
		seen[id] = true
	}
	if len(all) != totalA {
		t.Fatalf("the page shows %d products, want the %d of category A", len(all), totalA)
	}
	for i, id := range first {
		if all[i] != id {
			t.Fatalf("loading more pages changed the first page: position %d holds %s, was %s", i, all[i], id)
		}
	}
	b.allIn(inA, "after scrolling")

	prices := b.list(`Array.from(document.querySelectorAll('#search-results [data-product-id] .price'), el => el.textContent.trim())`)
	if len(prices) != len(all) {
		t.Fatalf("%d prices for %d cards", len(prices), len(all))
	}
	last := -1.0
	for i, p := range prices {
		v, err := strconv.ParseFloat(strings.TrimPrefix(p, "$"), 64)
		if err != nil {
			t.Fatalf("card %d's price %q: %v", i, p, err)
		}
		if v < last {
			t.Fatalf("card %d costs %s after a card costing $%.2f: not sorted low to high", i, p, last)
		}
		last = v
	}

	// Infinite scroll never rewrites the address: it is still the filtered,
	// sorted search without a cursor.
	if now := b.location(); now.RequestURI() != sorted.RequestURI() {
		t.Fatalf("after scrolling the address bar holds %s, want %s", now.RequestURI(), sorted.RequestURI())
	}
}

// tab drives one browser tab with bounded waits.
type tab struct {
	t   *testing.T
	ctx context.Context
}

func (b *tab) must(what string, steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, steps...); err != nil {
		b.t.Fatalf("%s: %v", what, err)
	}
}

func (b *tab) open(u string) {
	b.t.Helper()
	b.must("open "+u, chromedp.Navigate(u), chromedp.WaitReady(chromedp.CSS("body")))
}

func (b *tab) eval(expr string) {
	b.t.Helper()
	b.must("run script", chromedp.Evaluate[chromedp.Void](expr))
}

func (b *tab) text(expr string) string {
	b.t.Helper()
	s, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](expr))
	if err != nil {
		b.t.Fatalf("%s: %v", expr, err)
	}
	return s
}

func (b *tab) list(expr string) []string {
	b.t.Helper()
	s, err := chromedp.Run(b.ctx, chromedp.Evaluate[[]string](expr))
	if err != nil {
		b.t.Fatalf("%s: %v", expr, err)
	}
	return s
}

// cardIDs lists the data-product-id of every result card, in order.
func (b *tab) cardIDs() []string {
	b.t.Helper()
	return b.list(`Array.from(document.querySelectorAll('#search-results [data-product-id]'), el => el.getAttribute('data-product-id'))`)
}

// allIn fails unless every result card is one of want.
func (b *tab) allIn(want map[string]bool, when string) {
	b.t.Helper()
	for _, id := range b.cardIDs() {
		if !want[id] {
			b.t.Fatalf("%s the page shows product %s, which is not in the chosen category", when, id)
		}
	}
}

func (b *tab) location() *url.URL {
	b.t.Helper()
	u, err := url.Parse(b.text(`location.href`))
	if err != nil {
		b.t.Fatal(err)
	}
	return u
}

// samePage fails when the page was loaded anew, so a change meant for htmx did
// not fall back to a full navigation unnoticed.
func (b *tab) samePage(after string) {
	b.t.Helper()
	if b.text(`window.__claroSamePage ? 'yes' : 'no'`) != "yes" {
		b.t.Fatalf("%s loaded a new page instead of updating this one through htmx", after)
	}
}

type htmxRequest struct {
	Path string `json:"path"`
	OK   bool   `json:"ok"`
}

// requests lists the htmx requests the page has made since it was marked.
func (b *tab) requests() []htmxRequest {
	b.t.Helper()
	r, err := chromedp.Run(b.ctx, chromedp.Evaluate[[]htmxRequest](`window.__claroRequests || []`))
	if err != nil {
		b.t.Fatal(err)
	}
	return r
}

// waitFor polls a JavaScript predicate for up to 15 seconds.
func (b *tab) waitFor(what, predicate string) {
	b.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	var lastErr error
	for {
		ok, err := chromedp.Run(b.ctx, chromedp.Evaluate[bool](predicate))
		if err == nil && ok {
			return
		}
		if err != nil {
			lastErr = err
		}
		if time.Now().After(deadline) {
			loc, _ := chromedp.Run(b.ctx, chromedp.Evaluate[string](`location.href`))
			b.t.Fatalf("waited 15s for %s (last error %v); the browser is at %s", what, lastErr, loc)
		}
		b.must("pause", chromedp.Sleep(100*time.Millisecond))
	}
}
