package search_test

import (
	"context"
	"io"
	"slices"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/claro-market/claro/app/catalog"
	"github.com/claro-market/claro/app/seed"
	"github.com/claro-market/claro/search"
	"github.com/claro-market/claro/testkit/dbtest"
)

// noBlobs drops the demo's covers and files: the measurement needs words.
type noBlobs struct{}

func (noBlobs) Put(context.Context, string, io.Reader, int64, string) error { return nil }

// TestTypoHitRateOverDemoTitles measures, on the demo catalog in a database
// of its own, how many one-typo variants of the demo titles' words (5
// letters or more, first letter kept: a typo there counts two) find the
// product they came from. It reports the rate; it asserts only a floor well
// under what the corrections reach, so it catches a regression, not noise.
func TestTypoHitRateOverDemoTitles(t *testing.T) {
	if testing.Short() {
		t.Skip("seeds the demo catalog")
	}
	ctx := context.Background()
	td, err := dbtest.Create(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = td.Drop(context.Background()) })
	if err := seed.Demo(ctx, td.Primary, noBlobs{}, io.Discard); err != nil {
		t.Fatal(err)
	}
	var products []struct {
		ID    int64  `bun:"id"`
		Title string `bun:"title"`
	}
	if err := td.Primary.NewRaw(`SELECT p.id, p.title FROM products p JOIN tenants t ON t.id = p.tenant_id
		WHERE `+catalog.DiscoverableSQL+` ORDER BY p.id`).Scan(ctx, &products); err != nil {
		t.Fatal(err)
	}
	idx := search.NewPostgres(td.DB, codec())
	hits, total := 0, 0
	for _, p := range products {
		seen := map[string]bool{}
		for _, w := range strings.FieldsFunc(strings.ToLower(p.Title), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
			if utf8.RuneCountInString(w) < 5 || seen[w] {
				continue
			}
			seen[w] = true
			for _, v := range oneTypoVariants(w) {
				q := query(t, "q", v)
				q.Limit = 100
				res, err := idx.Search(ctx, q)
				if err != nil {
					t.Fatal(err)
				}
				total++
				if slices.Contains(ids(res.Hits), p.ID) {
					hits++
				}
			}
		}
	}
	rate := float64(hits) / float64(total)
	t.Logf("one-typo hit rate over the demo titles' words: %d of %d (%.1f%%)", hits, total, 100*rate)
	if total == 0 || rate < 0.5 {
		t.Errorf("one-typo hit rate %.1f%%, want at least 50%%", 100*rate)
	}
}

// oneTypoVariants are one-typo misspellings of w, none on its first letter:
// at its second, middle and last letter, a deletion, a substitution, an
// insertion and a transposition with the next letter.
func oneTypoVariants(w string) []string {
	r := []rune(w)
	var out []string
	for _, i := range []int{1, len(r) / 2, len(r) - 1} {
		sub := 'x'
		if r[i] == 'x' {
			sub = 'q'
		}
		out = append(out,
			string(slices.Concat(r[:i], r[i+1:])),
			string(slices.Concat(r[:i], []rune{sub}, r[i+1:])),
			string(slices.Concat(r[:i], []rune{'e'}, r[i:])))
		if i+1 < len(r) && r[i] != r[i+1] {
			out = append(out, string(slices.Concat(r[:i], []rune{r[i+1], r[i]}, r[i+2:])))
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}
