package search

import (
	"testing"
	"unicode/utf8"
)

func TestOSADistance(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want int
	}{
		{"", "", 0}, {"", "abc", 3}, {"coastal", "coastal", 0},
		{"coatal", "coastal", 1}, {"costal", "coastal", 1}, // a letter left out
		{"prestes", "presets", 1}, // a transposition is one typo, not two
		{"ca", "abc", 3},          // optimal string alignment edits no substring twice
		{"kitten", "sitting", 3}, {"brush", "brash", 1}, {"café", "cafe", 1},
	} {
		if got := osaDistance(tc.a, tc.b); got != tc.want {
			t.Errorf("osaDistance(%q, %q) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
	}
	if got := typoDistance("crush", "brush"); got != 2 {
		t.Errorf("a first-letter typo counts %d, want 2", got)
	}
}

func TestAllowedTypos(t *testing.T) {
	for n, want := range map[int]int{1: 0, 4: 0, 5: 1, 8: 1, 9: 2, 20: 2} {
		if got := allowedTypos(n); got != want {
			t.Errorf("allowedTypos(%d) = %d, want %d", n, got, want)
		}
	}
}

// FuzzOSADistance checks the distance's laws on any two strings: zero only
// for equal strings, symmetric, between the length difference and the longer
// length, and one edit (or one transposition) away is at most one.
func FuzzOSADistance(f *testing.F) {
	for _, s := range [][2]string{{"coastal", "coatal"}, {"presets", "prestes"}, {"", "x"}, {"ca", "abc"}, {"ünï", "nüï"}} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		if !utf8.ValidString(a) || !utf8.ValidString(b) || len(a) > 64 || len(b) > 64 {
			return
		}
		d := osaDistance(a, b)
		ra, rb := []rune(a), []rune(b)
		if (d == 0) != (a == b) || d != osaDistance(b, a) {
			t.Fatalf("osaDistance(%q, %q) = %d: not zero exactly for equal strings, or not symmetric", a, b, d)
		}
		if d < abs(len(ra)-len(rb)) || d > max(len(ra), len(rb)) {
			t.Fatalf("osaDistance(%q, %q) = %d: outside [length difference, longer length]", a, b, d)
		}
		if len(ra) >= 2 {
			sw := append([]rune{}, ra...)
			sw[0], sw[1] = sw[1], sw[0]
			if got := osaDistance(a, string(sw)); got > 1 {
				t.Fatalf("a transposition of %q is %d away", a, got)
			}
		}
		if len(ra) >= 1 {
			if got := osaDistance(a, string(ra[1:])); got != 1 {
				t.Fatalf("a deletion from %q is %d away", a, got)
			}
		}
	})
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

// The last word becomes a prefix only when the look-up says a longer known
// stem begins with it; the first statement's rewrite (no rows) has none.
func TestCorrectPrefixesTheLastWordOnlyWhenItCompletes(t *testing.T) {
	for _, tc := range []struct {
		rows []candidateRow
		want string
	}{
		{nil, "(grainy) & (film)"},
		{[]candidateRow{{Typed: "grainy", Known: true}, {Typed: "film", Known: true}}, "(grainy) & (film)"},
		{[]candidateRow{{Typed: "grainy", Known: true}, {Typed: "film", Known: true, Completes: true}}, "(grainy) & (film:*)"},
		{[]candidateRow{{Typed: "grainy", Known: true, Completes: true}, {Typed: "film", Known: true}}, "(grainy) & (film)"}, // only the last word is typed on
	} {
		if got := correct("grainy film", tc.rows).Match; got != tc.want {
			t.Errorf("rows %+v: match %q, want %q", tc.rows, got, tc.want)
		}
	}
}
