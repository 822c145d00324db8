package web

import (
	"bytes"
	"strconv"
	"testing"
)

// The cache holds at most maxBytes of pages however many addresses come
// (searches never run out of them), counts what invalidation drops, and
// never keeps a page larger than the whole budget.
func TestPageCacheStaysWithinItsByteBudget(t *testing.T) {
	pc := NewPageCache(1000, 10_000)
	page := func(tenant int64, n int) *cachedPage {
		return &cachedPage{body: bytes.Repeat([]byte("x"), n), tenant: tenant}
	}
	for i := range 50 {
		pc.put("k"+strconv.Itoa(i), page(int64(i%2+1), 900))
		if b := pc.Bytes(); b > 10_000 {
			t.Fatalf("after %d pages the cache holds %d bytes", i+1, b)
		}
	}
	if pc.Len() == 0 || pc.Len() > 10 {
		t.Fatalf("%d pages cached", pc.Len())
	}
	pc.put("store-1", page(1, 900)) // so store 1 surely has a page
	before := pc.Bytes()
	pc.InvalidateTenant(1)
	want := 0
	for k, p := range pc.pages {
		want += p.size(k)
	}
	if got := pc.Bytes(); got != want || got >= before {
		t.Fatalf("after invalidating store 1: %d bytes counted, %d held, %d before", got, want, before)
	}
	pc.put("huge", page(1, 20_000))
	if _, ok := pc.pages["huge"]; ok {
		t.Fatal("a page larger than the budget was kept")
	}
	pc.InvalidateAll()
	if pc.Bytes() != 0 || pc.Len() != 0 {
		t.Fatalf("after InvalidateAll: %d bytes, %d pages", pc.Bytes(), pc.Len())
	}
}

// A stream of distinct searches (query pages) cycles only its own quarter
// of the cache: the catalog's pages stay.
func TestPageCacheQueryPagesNeverEvictCatalogPages(t *testing.T) {
	pc := NewPageCache(1000, 10_000)
	store := &cachedPage{body: bytes.Repeat([]byte("s"), 900), tenant: 7}
	pc.put("storefront", store)
	for i := range 200 {
		pc.put("search"+strconv.Itoa(i), &cachedPage{body: bytes.Repeat([]byte("q"), 900), query: true})
		if b := pc.classes[1].bytes; b > 2_500 {
			t.Fatalf("after %d searches the query share holds %d bytes", i+1, b)
		}
	}
	if pc.pages["storefront"] != store {
		t.Fatal("searches evicted the storefront page")
	}
	if _, ok := pc.pages["search199"]; !ok {
		t.Fatal("the newest search page is not cached")
	}
	pc.InvalidateTenant(7) // the store changed: its page goes, marketplace pages (searches) too
	if pc.Len() != 0 || pc.Bytes() != 0 {
		t.Fatalf("after the store's change: %d pages, %d bytes", pc.Len(), pc.Bytes())
	}
}
