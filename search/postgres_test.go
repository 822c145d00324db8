package search_test

import (
	"context"
	"slices"
	"testing"

	"github.com/claro-market/claro/search"
)

// Typo mode is for misspellings: a word some discoverable product uses is
// not retried by trigram similarity when the filters exclude every product
// using it, so a search inside a category never fills up with look-alikes
// of a real word. A word nothing uses still is.
func TestPostgresTypoModeOnlyForWordsDiscoveryDoesNotKnow(t *testing.T) {
	st := newStore(t)
	paints, cards := newCategory(t, nil), newCategory(t, nil)
	brush := newProduct(t, st, "Watercolor Brush Pack", withCategory(paints))
	lookalike := newProduct(t, st, "Watercolour Cards", withCategory(cards))
	// While listed, these make "watercolour" a real word of discovery, which
	// the contract's typo case searches as a misspelling: take them down
	// again so no other test depends on whether this one ran first.
	t.Cleanup(func() {
		exec(t, "UPDATE products SET deleted_at = now() WHERE id IN (?, ?)", brush.ID, lookalike.ID)
	})
	idx := search.NewPostgres(testDB.Primary, codec())
	for _, tc := range []struct {
		kv   []string
		want []int64
	}{
		{[]string{"q", "watercolor", "category", cards.Slug}, nil},
		{[]string{"q", "watercolor", "category", paints.Slug}, []int64{brush.ID}},
		{[]string{"q", "watercolr", "category", cards.Slug}, []int64{lookalike.ID}},
	} {
		// The first page of the search page asks for facets; other callers
		// may not.
		for _, facets := range []bool{true, false} {
			q := query(t, tc.kv...)
			q.Facets = facets
			res, err := idx.Search(context.Background(), q)
			if err != nil {
				t.Fatal(err)
			}
			if got := ids(res.Hits); !slices.Equal(got, tc.want) {
				t.Errorf("%v facets %v: got %v, want %v", tc.kv, facets, got, tc.want)
			}
			if facets && (res.Facets == nil || res.Facets.Total != len(tc.want)) {
				t.Errorf("%v: facets %+v, want a total of %d", tc.kv, res.Facets, len(tc.want))
			}
		}
	}
}
