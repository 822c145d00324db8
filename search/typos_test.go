package search_test

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/claro-market/claro/search"
	"github.com/claro-market/claro/testkit/apptest"
)

// Typo'd queries on the PostgreSQL backend, by Meilisearch's rules: one typo
// from 5 letters, two from 9, a transposition counting one, a first-letter
// typo counting two, nothing under 5 letters; closer corrections first.
func TestPostgresCorrectsTyposByMeilisearchRules(t *testing.T) {
	st := newStore(t)
	coastal := newProduct(t, st, "Coastal Film: 12 Lightroom Presets")
	brush := newProduct(t, st, "Gouache Brush Set")
	near := newProduct(t, st, "Gradient Palette Kit")
	far := newProduct(t, st, "Gradiant Palette Kit")
	t.Cleanup(func() { // "gradiant" must not stay a known word for other tests
		exec(t, "UPDATE products SET deleted_at = now() WHERE id IN (?, ?, ?, ?)", coastal.ID, brush.ID, near.ID, far.ID)
	})
	idx := search.NewPostgres(testDB.DB, codec())
	for _, tc := range []struct {
		text      string
		want      []int64
		corrected string
	}{
		{"coatal", []int64{coastal.ID}, "coastal"},                          // a letter left out
		{"costal", []int64{coastal.ID}, "coastal"},                          // another
		{"coastal", []int64{coastal.ID}, ""},                                // exact: not rewritten
		{"prestes", []int64{coastal.ID}, "presets"},                         // a transposition is one typo
		{"coatal prestes", []int64{coastal.ID}, "coastal presets"},          // every word, not only the first
		{"film prestes", []int64{coastal.ID}, "film presets"},               // a known word beside a typo
		{"lihgtroom", []int64{coastal.ID}, "lightroom"},                     // a transposition in 9 letters
		{"ligthroon", []int64{coastal.ID}, "lightroom"},                     // two typos in 9 letters
		{"ligthrom", nil, ""},                                               // two typos in 8 letters: too many
		{"brsuh", []int64{brush.ID}, "brush"},                               // a transposition in 5 letters
		{"brosh", []int64{brush.ID}, "brush"},                               // a substitution in 5 letters
		{"crush", nil, ""},                                                  // a first-letter typo counts two
		{"rbush", nil, ""},                                                  // so does a first-letter transposition
		{"flim", nil, ""},                                                   // 4 letters: never corrected
		{"gradiennt", []int64{near.ID, far.ID}, "gradient"},                 // one typo ranks above two
		{"gradiennt palette", []int64{near.ID, far.ID}, "gradient palette"}, // with a known word too
		{"gradiant", []int64{far.ID, near.ID}, ""},                          // a known word first, its one-typo neighbour after
		{`"coatal film"`, nil, ""},                                          // a phrase runs as typed
		{"coastal pres", []int64{coastal.ID}, ""},                           // the last word is a prefix
		{"light", []int64{coastal.ID}, ""},                                  // even alone
		{"pres coastal", nil, ""},                                           // no other word is
	} {
		searchStore(t, idx, st.Slug, tc.text, func(facets bool, res *search.Result) {
			if got := ids(res.Hits); !slices.Equal(got, tc.want) {
				t.Errorf("%q facets %v: got %v, want %v", tc.text, facets, got, tc.want)
			}
			if res.Corrected != tc.corrected {
				t.Errorf("%q: corrected to %q, want %q", tc.text, res.Corrected, tc.corrected)
			}
			if facets && res.Facets.Total != len(tc.want) {
				t.Errorf("%q: facet total %d, want %d", tc.text, res.Facets.Total, len(tc.want))
			}
		})
	}
}

// searchStore searches text within the store slug without facets and with
// them, and hands each result to check.
func searchStore(t *testing.T, idx *search.Postgres, slug, text string, check func(facets bool, res *search.Result)) {
	t.Helper()
	for _, facets := range []bool{false, true} {
		q := query(t, "q", text, "creator", slug)
		q.Facets = facets
		res, err := idx.Search(context.Background(), q)
		if err != nil {
			t.Fatalf("%q: %v", text, err)
		}
		check(facets, res)
	}
}

// A corrected query pages through its results with the first page's
// correction, each product once.
func TestPostgresCorrectedQueryPagesByCursor(t *testing.T) {
	st := newStore(t)
	var want []int64
	for i := range 5 {
		want = append(want, newProduct(t, st, fmt.Sprintf("Coastal Presets Volume %d", i)).ID)
	}
	idx := search.NewPostgres(testDB.DB, codec())
	q := query(t, "q", "coatal", "creator", st.Slug)
	q.Limit = 2
	var got []int64
	for page := 0; page < 5; page++ {
		res, err := idx.Search(context.Background(), q)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, ids(res.Hits)...)
		if res.Next == "" {
			break
		}
		q.Cursor = res.Next
	}
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Fatalf("pages gave %v, want each of %v once", got, want)
	}
}

// Renaming a product or taking it down changes the vocabulary with it: a
// typo of a word no listed product uses any more is not corrected to it.
func TestVocabularyFollowsTheCatalog(t *testing.T) {
	st := newStore(t)
	word := "quokkaesque"
	p := newProduct(t, st, "Quokkaesque Sticker Sheet")
	idx := search.NewPostgres(testDB.DB, codec())
	find := func() []int64 {
		res, err := idx.Search(context.Background(), query(t, "q", "quokaesque", "creator", st.Slug))
		if err != nil {
			t.Fatal(err)
		}
		return ids(res.Hits)
	}
	if got := find(); !slices.Equal(got, []int64{p.ID}) {
		t.Fatalf("listed: got %v, want [%d]", got, p.ID)
	}
	exec(t, "UPDATE products SET title = 'Sticker Sheet', description = 'Stickers' WHERE id = ?", p.ID)
	if got := find(); len(got) != 0 {
		t.Fatalf("renamed: got %v, want nothing", got)
	}
	exec(t, "UPDATE products SET title = ? WHERE id = ?", "Quokkaesque Stickers", p.ID)
	exec(t, "UPDATE products SET deleted_at = now() WHERE id = ?", p.ID)
	var n int
	if err := testDB.Primary.NewRaw("SELECT count(*) FROM search_vocabulary WHERE word = ?", word).Scan(context.Background(), &n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Fatalf("a deleted product's word %q stays in the vocabulary", word)
	}
}

// The search page names the correction it searched by.
func TestSearchPageShowsTheCorrection(t *testing.T) {
	a := newSearchApp(t)
	st := newStore(t)
	p := newProduct(t, st, "Coastal Film Grain Pack")
	resp, body := a.Get(t, "", "/search?q=coatal&creator="+st.Slug)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d: %s", resp.StatusCode, body)
	}
	if !strings.Contains(body, "Showing results for <strong>coastal</strong>") {
		t.Errorf("page does not name the correction")
	}
	if got := apptest.CardIDs(body); !slices.Equal(got, []string{fmt.Sprint(p.ID)}) {
		t.Errorf("cards %v, want [%d]", got, p.ID)
	}
	_, body = a.Get(t, "", "/search?q=coastal&creator="+st.Slug)
	if strings.Contains(body, "Showing results for") {
		t.Errorf("a query run as typed names a correction")
	}
}

// The last word is searched as a prefix only when a longer known stem begins
// with its own (migration 0048): "film" finds "Filmmaker" too, a whole word
// that nothing longer begins with finds exactly what it names, and so does a
// word typed in full whose prefix would only find its own forms again.
func TestPostgresLastWordIsAPrefixWhenItCompletes(t *testing.T) {
	st := newStore(t)
	grain := newProduct(t, st, "Grainy Film Pack")
	maker := newProduct(t, st, "Filmmaker Toolkit")
	t.Cleanup(func() {
		exec(t, "UPDATE products SET deleted_at = now() WHERE id IN (?, ?)", grain.ID, maker.ID)
	})
	idx := search.NewPostgres(testDB.DB, codec())
	for _, tc := range []struct {
		text string
		want []int64
	}{
		{"film", []int64{grain.ID, maker.ID}}, // filmmak begins with film: a prefix
		{"filmmaker", []int64{maker.ID}},
		{"filmmakers", []int64{maker.ID}}, // the same stem
		{"grainy film", []int64{grain.ID}},
		{"toolkit", []int64{maker.ID}},
		{"filmm", []int64{grain.ID, maker.ID}}, // a beginning of a known word, and one typo from film
	} {
		searchStore(t, idx, st.Slug, tc.text, func(facets bool, res *search.Result) {
			got := ids(res.Hits)
			slices.Sort(got)
			if want := slices.Sorted(slices.Values(tc.want)); !slices.Equal(got, want) {
				t.Errorf("%q facets %v: got %v, want %v", tc.text, facets, got, want)
			}
		})
	}
}
