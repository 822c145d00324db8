package search_test

import (
	"context"
	"slices"
	"testing"

	"github.com/claro-market/claro/app/db"
	"github.com/claro-market/claro/search"
	"github.com/claro-market/claro/testkit/dbtest"
)

// Every word is searched with its typo neighbours, as Meilisearch searches
// it, a word some public product uses too: inside a category that holds
// only "Watercolour Cards", "watercolor" (one typo away) finds them, and
// names no correction (the word is a real one); with facets or without.
func TestPostgresKnownWordsAreSearchedWithTheirTypoNeighboursToo(t *testing.T) {
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
	idx := search.NewPostgres(testDB.DB, codec())
	for _, tc := range []struct {
		kv   []string
		want []int64
	}{
		{[]string{"q", "watercolor", "category", cards.Slug}, []int64{lookalike.ID}},
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

// A search reads the pool its request may read: the replica, unless the
// request carries the read-your-writes mark, and then the primary. The
// "replica" here is a second database that has none of the primary's
// products, so which one answered is plain from the hits.
func TestPostgresSearchReadsThePrimaryWhenTheRequestMustSeeItsWrites(t *testing.T) {
	ctx := context.Background()
	stale, err := dbtest.Create(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = stale.Drop(context.Background()) })
	word := uniqueWord("readyourwrites")
	p := newProduct(t, newStore(t), "Just saved "+word)
	idx := search.NewPostgres(&db.DB{Primary: testDB.Primary, Replica: stale.Primary}, codec())
	for _, facets := range []bool{true, false} {
		q := query(t, "q", word)
		q.Facets = facets
		res, err := idx.Search(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Hits) != 0 {
			t.Fatalf("facets %v: an unmarked request read the primary: %v", facets, ids(res.Hits))
		}
		res, err = idx.Search(db.WithPrimaryReads(ctx), q)
		if err != nil {
			t.Fatal(err)
		}
		if got := ids(res.Hits); !slices.Equal(got, []int64{p.ID}) {
			t.Fatalf("facets %v: a request that must see its writes got %v, want [%d]", facets, got, p.ID)
		}
	}
}
