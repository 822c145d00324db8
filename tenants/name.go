package tenants

import (
	"slices"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// NameProblem says what is wrong with a store's display name as a
// look-alike of the platform, or "" when it is fine. (Length and markup are
// the form's business.) Refused are: invisible formatting characters (bidi
// overrides, zero-width joiners), which make a name read other than it is
// written; a word mixing alphabets ("Сlaro" with a Cyrillic С), the classic
// homograph; and the platform's name as a word, however it is spelt (Claro,
// CLARO, C l a r o, C1aro, Сlаrо in Cyrillic letters, ClaroShop).
func NameProblem(name string) string {
	s := norm.NFKC.String(name)
	for _, r := range s {
		if unicode.Is(unicode.Cf, r) || (unicode.IsControl(r) && r != ' ') {
			return "Remove the invisible formatting characters from the name."
		}
	}
	words := nameWords(s)
	for _, w := range words {
		if mixedScripts(w) {
			return "Write each word of the name in one alphabet: a word mixing letters of different alphabets can imitate another name."
		}
	}
	// The brand as a word, or spelt out over several ("C l a r o", "Cla ro").
	for i := range words {
		joined := ""
		for j := i; j < len(words) && len(joined) < len(brand); j++ {
			joined += nameSkeleton(words[j])
			if joined == brand {
				return "That name is reserved: it could be read as Claro itself. Choose a name of your own."
			}
		}
	}
	return ""
}

// nameWords splits a name into its words: runs of letters, marks and digits,
// also cut where a lowercase letter meets an uppercase one ("ClaroShop").
func nameWords(s string) []string {
	var words []string
	var cur []rune
	flush := func() {
		if len(cur) > 0 {
			words = append(words, string(cur))
			cur = cur[:0]
		}
	}
	for _, r := range s {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r):
			if len(cur) > 0 && unicode.IsUpper(r) && unicode.IsLower(cur[len(cur)-1]) {
				flush()
			}
			cur = append(cur, r)
		default:
			flush()
		}
	}
	flush()
	return words
}

// nameScripts are the scripts a word is checked against; a letter of any
// other script counts as its own.
var nameScripts = []*unicode.RangeTable{
	unicode.Latin, unicode.Cyrillic, unicode.Greek, unicode.Armenian, unicode.Hebrew, unicode.Arabic,
	unicode.Devanagari, unicode.Thai, unicode.Georgian, unicode.Hangul, unicode.Han, unicode.Hiragana,
	unicode.Katakana, unicode.Cherokee,
}

// mixedScripts reports whether a word's letters come from more than one
// script. Japanese (Han with kana) and Korean (Han with Hangul) are one
// writing system each; digits and marks belong to every script.
func mixedScripts(word string) bool {
	seen := map[*unicode.RangeTable]bool{}
	for _, r := range word {
		if !unicode.IsLetter(r) {
			continue
		}
		script := unlistedScript
		for _, t := range nameScripts {
			if unicode.Is(t, r) {
				script = t
				break
			}
		}
		seen[script] = true
	}
	if len(seen) <= 1 {
		return false
	}
	for _, system := range writingSystems {
		inside := true
		for t := range seen {
			inside = inside && slices.Contains(system, t)
		}
		if inside {
			return false
		}
	}
	return true
}

// unlistedScript stands for every script not in nameScripts.
var unlistedScript = &unicode.RangeTable{}

// writingSystems are the scripts one language writes words in together.
var writingSystems = [][]*unicode.RangeTable{
	{unicode.Han, unicode.Hiragana, unicode.Katakana}, // Japanese
	{unicode.Han, unicode.Hangul},                     // Korean
}

// nameLookalikes map letters of other scripts that are drawn like Latin
// letters (and digits that read as letters) to those Latin letters: a name
// written wholly in them reads as the Latin word.
var nameLookalikes = map[rune]rune{
	// Cyrillic
	'а': 'a', 'в': 'b', 'е': 'e', 'ё': 'e', 'к': 'k', 'м': 'm', 'н': 'h', 'о': 'o', 'р': 'p', 'с': 'c',
	'т': 't', 'у': 'y', 'х': 'x', 'і': 'i', 'ї': 'i', 'ј': 'j', 'ѕ': 's', 'ԁ': 'd', 'ӏ': 'l', 'ɡ': 'g',
	'ԛ': 'q', 'ԝ': 'w', 'ѵ': 'v', 'һ': 'h', 'г': 'r',
	// Greek
	'α': 'a', 'β': 'b', 'ε': 'e', 'η': 'n', 'ι': 'i', 'κ': 'k', 'ν': 'v', 'ο': 'o', 'ρ': 'p', 'τ': 't',
	'υ': 'u', 'χ': 'x', 'ϲ': 'c', 'ℓ': 'l',
	// Latin letters drawn like others
	'ı': 'i', 'ł': 'l', 'ɩ': 'i', 'ǀ': 'l',
	// digits
	'0': 'o', '1': 'l', '3': 'e', '4': 'a', '5': 's', '7': 't', '8': 'b', '9': 'g',
}

// nameSkeleton is what a word reads as in Latin letters: a capital I read
// as the l it is drawn like (CIaro), lowercased, marks dropped (Clárо is
// claro), look-alike letters and digits mapped.
func nameSkeleton(word string) string {
	var b strings.Builder
	for _, r := range norm.NFD.String(strings.ToLower(strings.ReplaceAll(word, "I", "l"))) {
		if unicode.IsMark(r) {
			continue
		}
		if l, ok := nameLookalikes[r]; ok {
			r = l
		}
		b.WriteRune(r)
	}
	return strings.NewReplacer("rn", "m", "vv", "w").Replace(b.String())
}
