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
		return &cachedPage{parts: [][]byte{bytes.Repeat([]byte("x"), n)}, tenant: tenant}
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
