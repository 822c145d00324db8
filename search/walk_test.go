package search_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/claro-market/claro/search"
)

// A query past its bound read by walking the popularity index (as a very
// common word is) answers as the full-text index does where the answer is
// exact: a sort other than relevance gives the same pages, and relevance
// ranks a bounded set of matches, every one a match, each once across pages.
func TestWalkedCommonQueriesAnswerAsTheIndexDoes(t *testing.T) {
	st := newStore(t)
	word := word(t, 9)
	var want []int64
	for i := range 30 {
		p := newProduct(t, st, fmt.Sprintf("Kit %s %d", word, i), createdAt(time.Now().Add(-time.Duration(i)*time.Hour)))
		want = append(want, p.ID)
	}
	newProduct(t, st, "Kit unrelated")
	idx := search.NewPostgres(testDB.DB, codec())
	pages := func(kv ...string) (all [][]int64) {
		t.Helper()
		q := query(t, append([]string{"q", word, "creator", st.Slug}, kv...)...)
		q.Limit, q.MaxMatches = 5, 10 // a bound of 10: 30 matches are past it
		for range 10 {
			res, err := idx.Search(context.Background(), q)
			if err != nil {
				t.Fatal(err)
			}
			all = append(all, ids(res.Hits))
			if res.Next == "" {
				break
			}
			q.Cursor = res.Next
		}
		return all
	}
	byIndex := pages("sort", "newest")
	relevanceByIndex := slices.Concat(pages()...)
	search.WalkEverything(t)
	if walked := pages("sort", "newest"); !slices.EqualFunc(walked, byIndex, slices.Equal) {
		t.Errorf("newest, walked: %v, by the index: %v", walked, byIndex)
	}
	if got := slices.Concat(byIndex...); !slices.Equal(got, want) {
		t.Errorf("newest: %v, want every match newest first %v", got, want)
	}
	walked := slices.Concat(pages()...)
	seen := map[int64]bool{}
	for _, id := range walked {
		if !slices.Contains(want, id) || seen[id] {
			t.Errorf("relevance, walked: %d is not a match or came twice (%v)", id, walked)
		}
		seen[id] = true
	}
	if len(walked) != 11 || len(relevanceByIndex) != 11 {
		t.Errorf("relevance pages over the bound's 11 matches: walked %d, by the index %d", len(walked), len(relevanceByIndex))
	}
}
