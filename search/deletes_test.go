package search_test

import (
	"context"
	"math/rand/v2"
	"slices"
	"testing"
	"unicode/utf8"

	"github.com/claro-market/claro/search"
)

// TestEveryWordWithinTheAllowanceSharesADelete checks the symmetric-delete
// look-up (migration 0047) against the typo rules: for known words of 5 to 11
// letters, every query word one edit away (an insertion, deletion,
// substitution or adjacent transposition anywhere, the first letter too) and
// a sample of those two edits away that the rules allow (allowedTypos of
// the typed word, a first-letter typo counting two) shares at least one of
// its typoVariants with the strings the database stores the known word
// under (claro_word_deletes). Were it not so, that correction would be
// missed.
func TestEveryWordWithinTheAllowanceSharesADelete(t *testing.T) {
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(47, 2026))
	checked, beyond := 0, 0
	for _, word := range []string{"brush", "coastal", "presets", "portrait", "cinematic", "watercolour", "photography", "café"} {
		var stored []string
		if err := testDB.Primary.NewRaw(`SELECT claro_word_deletes(?)`, word).Scan(ctx, &stored); err != nil {
			t.Fatal(err)
		}
		edits := oneEdits(word)
		for _, e := range oneEdits(word) {
			for range 3 {
				more := oneEdits(e)
				edits = append(edits, more[rng.IntN(len(more))])
			}
		}
		for _, typed := range edits {
			n := utf8.RuneCountInString(typed)
			if typed == word || search.TypoDistance(typed, word) > search.AllowedTypos(n) {
				beyond++
				continue
			}
			checked++
			if !slices.ContainsFunc(search.TypoVariants(typed), func(v string) bool { return slices.Contains(stored, v) }) {
				t.Errorf("%q is within %d typos of %q but shares no delete with it", typed, search.AllowedTypos(n), word)
			}
		}
	}
	t.Logf("%d typed words within the allowance checked (%d beyond it skipped)", checked, beyond)
	if checked < 500 {
		t.Fatalf("only %d typed words checked: the edits are not being made", checked)
	}
}

// oneEdits are the words one edit from w: every deletion, adjacent
// transposition, and substitution or insertion of a letter of a small
// alphabet (with an accented one), at every position.
func oneEdits(w string) []string {
	r := []rune(w)
	var out []string
	for i := 0; i <= len(r); i++ {
		for _, c := range "aeiorstxzé" {
			out = append(out, string(slices.Concat(r[:i], []rune{c}, r[i:])))
			if i < len(r) && r[i] != c {
				out = append(out, string(slices.Concat(r[:i], []rune{c}, r[i+1:])))
			}
		}
		if i < len(r) {
			out = append(out, string(slices.Concat(r[:i], r[i+1:])))
		}
		if i+1 < len(r) && r[i] != r[i+1] {
			out = append(out, string(slices.Concat(r[:i], []rune{r[i+1], r[i]}, r[i+2:])))
		}
	}
	return out
}
