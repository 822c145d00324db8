package seed

import (
	"math/rand/v2"
	"strings"
)

// scaleGenerated is how many made-up words the scale catalog's vocabulary
// has besides its real ones.
const scaleGenerated = 6000

// scaleVocabulary is the words titles, tags and descriptions draw from, most
// common first: the real adjectives and subjects, then scaleGenerated words
// made of syllables (deterministic: the same list on every run), so a scale
// catalog has thousands of distinct words without embedding a word list.
// Drawn by zipfWords, a few words (the first ones) are in thousands of
// products and most in a handful, as in a real catalog.
func scaleVocabulary() []string {
	words := make([]string, 0, 60+scaleGenerated)
	seen := map[string]bool{}
	adj, subj := scaleAdjectives(), scaleSubjects()
	for i := range max(len(adj), len(subj)) {
		for _, list := range [][]string{adj, subj} {
			if i < len(list) {
				w := strings.ToLower(list[i])
				words, seen[w] = append(words, w), true
			}
		}
	}
	onsets := []string{"b", "br", "c", "ch", "cl", "d", "dr", "f", "fl", "g", "gr", "h", "j", "k", "l", "m", "n",
		"p", "pl", "pr", "r", "s", "sh", "sl", "st", "t", "tr", "v", "w", "z"}
	vowels := []string{"a", "e", "i", "o", "u", "ai", "ea", "io", "ou", "y"}
	codas := []string{"", "", "", "n", "r", "l", "s", "m", "x", "th", "nd", "rk"}
	rng := rand.New(rand.NewPCG(7, 2026))
	for len(words) < 60+scaleGenerated {
		var b strings.Builder
		for range 2 + rng.IntN(2) {
			b.WriteString(onsets[rng.IntN(len(onsets))])
			b.WriteString(vowels[rng.IntN(len(vowels))])
			b.WriteString(codas[rng.IntN(len(codas))])
		}
		if w := b.String(); len(w) >= 4 && !seen[w] {
			words, seen[w] = append(words, w), true
		}
	}
	return words
}

// zipfWords draws words of a vocabulary with a Zipf-like frequency: the
// word of rank k (from 0) about as often as 1/(k+2)^1.1.
type zipfWords struct {
	words []string
	z     *rand.Zipf
}

func newZipfWords(words []string, rng *rand.Rand) *zipfWords {
	return &zipfWords{words: words, z: rand.NewZipf(rng, 1.1, 2, uint64(len(words)-1))}
}

func (z *zipfWords) next() string { return z.words[z.z.Uint64()] }

// titleCase is w with its first letter in upper case.
func titleCase(w string) string { return strings.ToUpper(w[:1]) + w[1:] }
