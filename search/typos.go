package search

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Typo tolerance on PostgreSQL follows Meilisearch's default rules: a word
// under 5 letters is never corrected, one of 5 to 8 letters may be one typo
// away, one of 9 or more two; a typo is an insertion, deletion, substitution
// or transposition of adjacent letters (Damerau-Levenshtein, optimal string
// alignment), and a typo on the first letter counts as two. A query word
// whose stem some public product uses is searched as typed; any other is
// replaced by the words of search_vocabulary (migration 0029) within its
// allowance, so the search still runs on the full-text index.

// allowedTypos is how many typos a query word of n letters may have.
func allowedTypos(n int) int {
	switch {
	case n >= 9:
		return 2
	case n >= 5:
		return 1
	}
	return 0
}

// typoDistance is how many typos apart the query word typed and the known
// word are: their optimal string alignment distance, plus one when the first
// letters differ (a first-letter typo counts as two).
func typoDistance(typed, word string) int {
	d := osaDistance(typed, word)
	a, _ := utf8.DecodeRuneInString(typed)
	b, _ := utf8.DecodeRuneInString(word)
	if a != b {
		d++
	}
	return d
}

// osaDistance is the optimal string alignment distance between a and b, in
// runes: the fewest insertions, deletions, substitutions and transpositions
// of adjacent runes turning a into b, no substring edited twice. Written
// here because none of the module's dependencies offers it.
func osaDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	// Three rows of the dynamic programme: i-2, i-1 and i.
	prev2, prev, cur := make([]int, len(rb)+1), make([]int, len(rb)+1), make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(rb)]
}

// queryWords splits text as migration 0029's claro_search_words splits a
// product: lower case, at every character that is not a letter or digit.
func queryWords(text string) []string {
	return strings.FieldsFunc(strings.ToLower(text), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
}

// plainText reports whether text uses none of websearch_to_tsquery's
// operators (quoted phrases, -word, or): only such a query is rewritten.
func plainText(text string) bool {
	if strings.ContainsRune(text, '"') {
		return false
	}
	for _, f := range strings.Fields(strings.ToLower(text)) {
		if strings.HasPrefix(f, "-") || f == "or" {
			return false
		}
	}
	return true
}

// correction is a query rewritten as Meilisearch matches it: Match finds
// every product with, for each word, the word as typed (the last also as a
// prefix) or one of its known typo neighbours within the allowance. Exact
// and One hold, per query word, its forms with no typo and with one (a
// tsquery each, "" for none): a product's typos are counted over them (no
// typo, one, else two), so fewer typos rank above more. Shown is the query
// as the page names it, "" when no word was corrected.
type correction struct {
	Match      string
	Exact, One []string
	Shown      string
	// Estimate is how many of the N products the rewritten query may
	// match: each word's frequency (as typed, or as the prefix, plus its
	// corrections) multiplied, as if independent. 0 when unknown.
	Estimate, N float64
}

// candidateRow is one known word near a query word, or (Word "") a query
// word with no candidate: a row of the search statement's look-up (vocabCTE).
type candidateRow struct {
	Typed string `json:"typed"`
	Known bool   `json:"known"`
	Word  string `json:"word"`
	Docs  int    `json:"docs"`
	// Base is how many products use the typed word (or, the last word,
	// any word it begins), N about how many products there are.
	Base int     `json:"base"`
	N    float64 `json:"n"`
	// Completes is whether some known stem begins with the (last) typed
	// word's and is longer: only then is it searched as a prefix.
	Completes bool `json:"completes"`
}

// maxAlternatives caps the corrections one query word is searched by.
const maxAlternatives = 8

// lookupWords is what the vocabulary look-up reads for text: its words, each
// once (the last one last: it is the prefix); nil when the text has no word
// or uses websearch operators (it then runs as typed). Words too short for a
// typo are looked up for their frequency only.
func lookupWords(text string) []string {
	words := queryWords(text)
	if len(words) == 0 || !plainText(text) {
		return nil
	}
	last := words[len(words)-1]
	var lookup []string
	for _, w := range words {
		if w != last && !slices.Contains(lookup, w) {
			lookup = append(lookup, w)
		}
	}
	return append(lookup, last)
}

// typoVariants are the strings word becomes with up to allowedTypos of its
// letters deleted, itself included, as migration 0047's claro_word_deletes
// stores every known word (one deletion from 4 letters, two from 7): a known
// word within the allowance shares one of them. Nil for a word too short for
// a typo.
func typoVariants(word string) []string {
	r := []rune(word)
	k := allowedTypos(len(r))
	if k == 0 {
		return nil
	}
	out := []string{word}
	for i := range r {
		one := slices.Concat(r[:i], r[i+1:])
		out = append(out, string(one))
		if k == 2 {
			for j := i; j < len(one); j++ {
				out = append(out, string(slices.Concat(one[:j], one[j+1:])))
			}
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// lookupVariants is every look-up word's typoVariants as two parallel
// arrays (the word, a variant), the look-up statement's @variant_typed and
// @variants.
func lookupVariants(words []string) (typed, variants []string) {
	typed, variants = []string{}, []string{}
	for _, w := range words {
		for _, v := range typoVariants(w) {
			typed, variants = append(typed, w), append(variants, v)
		}
	}
	return typed, variants
}

// correct rewrites text's words to themselves or the known words within
// their typo allowance, as Meilisearch searches every word, and the last
// word to a prefix too when a longer known stem begins with its stem, from
// the look-up's rows (none: no prefix). A known word stays the
// closest (it ranks first) and is not shown as corrected; a word no public
// product uses is replaced by its nearest corrections, and the page names
// them. It returns nil only when text has no word.
func correct(text string, rows []candidateRow) *correction {
	words := queryWords(text)
	if len(words) == 0 {
		return nil
	}
	type alt struct {
		word       string
		dist, docs int
	}
	alts, known, base, completes := map[string][]alt{}, map[string]bool{}, map[string]int{}, map[string]bool{}
	var n float64
	for _, r := range rows {
		known[r.Typed], base[r.Typed], completes[r.Typed], n = r.Known, r.Base, r.Completes, max(n, r.N)
		if r.Word == "" {
			continue
		}
		if d := typoDistance(r.Typed, r.Word); d <= allowedTypos(utf8.RuneCountInString(r.Typed)) {
			alts[r.Typed] = append(alts[r.Typed], alt{r.Word, d, r.Docs})
		}
	}
	var match, shown []string
	c := &correction{N: n, Estimate: n}
	corrected := false
	for i, w := range words {
		as := alts[w]
		// The last word is also a prefix (search as you type), as
		// Meilisearch searches it, when a longer known stem begins with
		// its stem (else the prefix matches what the word does); as typed,
		// a prefix is no typo.
		pre := i == len(words)-1 && completes[w]
		typed := w
		if pre {
			typed += ":*"
		}
		slices.SortFunc(as, func(a, b alt) int {
			if a.dist != b.dist {
				return a.dist - b.dist
			}
			if a.docs != b.docs {
				return b.docs - a.docs
			}
			return strings.Compare(a.word, b.word)
		})
		as = as[:min(len(as), maxAlternatives)]
		var all, one []string
		exact := ""
		if pre || known[w] || len(as) == 0 {
			all, exact = []string{typed}, typed
		}
		for _, a := range as {
			all = append(all, a.word)
			if a.dist == 1 {
				one = append(one, a.word)
			}
		}
		docs := base[w]
		for _, a := range as {
			docs += a.docs
		}
		c.Estimate *= min(1, float64(docs)/max(n, 1))
		match = append(match, "("+strings.Join(all, " | ")+")")
		c.Exact, c.One = append(c.Exact, exact), append(c.One, strings.Join(one, " | "))
		if known[w] || len(as) == 0 {
			shown = append(shown, w)
		} else {
			shown = append(shown, as[0].word)
			corrected = true
		}
	}
	c.Match = strings.Join(match, " & ")
	if corrected {
		c.Shown = strings.Join(shown, " ")
	}
	return c
}
