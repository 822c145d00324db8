package search_test

import (
	"context"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/claro-market/claro/app/catalog"
	"github.com/claro-market/claro/app/db"
	"github.com/claro-market/claro/app/seed"
	"github.com/claro-market/claro/search"
	"github.com/claro-market/claro/testkit/dbtest"
)

// noBlobs drops the demo's covers and files: the measurement needs words.
type noBlobs struct{}

func (noBlobs) Put(context.Context, string, io.Reader, int64, string) error { return nil }

// TestTypoRecallOverDemoTitles measures, on the demo catalog in a database
// of its own, how many misspellings of the demo titles' words find the
// product they came from on the first results page: every one-typo variant
// (a deletion, insertion, substitution or transposition, never on the
// first letter) of each word of 5 letters or more, and two-typo variants of
// each word of 9 or more. Meilisearch's rules decide by the typed word's
// length (a deletion from a 5-letter word leaves 4 letters: no typo
// allowed), so recall is reported over the variants the rules allow, which
// must reach 98%, and over all of them.
func TestTypoRecallOverDemoTitles(t *testing.T) {
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
	r := measureRecall(t, td.DB, 0, false)
	if r.total == 0 || r.rate() < 0.98 {
		t.Errorf("typo recall within the rules %.1f%%, want at least 98%%", 100*r.rate())
	}
}

// TestTypoRecallOnTheScaleCatalog is the same measurement on a seeded scale
// catalog (CLARO_BENCH_DATABASE_URL), over CLARO_RECALL_PRODUCTS products
// (40 unless said). There a word is shared by thousands of products, so one
// word alone cannot put a given product on the first page, typo or not:
// each misspelt word is searched within the product's whole title (the
// other words as written), as someone looking for that product types it.
// It only reports.
func TestTypoRecallOnTheScaleCatalog(t *testing.T) {
	url := os.Getenv("CLARO_BENCH_DATABASE_URL")
	if url == "" {
		t.Skip("set CLARO_BENCH_DATABASE_URL to a seeded catalog")
	}
	d, err := db.Open(context.Background(), url, "")
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	n := 40
	if v, err := fmt.Sscan(os.Getenv("CLARO_RECALL_PRODUCTS"), &n); v != 1 || err != nil {
		n = 40
	}
	measureRecall(t, d, n, true)
}

// recall counts the variants searched and found.
type recall struct {
	hits, total      int // within the rules
	shortHits, short int // left under 5 letters by the typo: no typo allowed
	twoHits, two     int // two typos in 9 letters or more (part of hits and total)
	missed           []string
	products, words  int
	twins            int // found only as a page of products titled the same
}

func (r recall) rate() float64 { return float64(r.hits) / float64(max(r.total, 1)) }

// measureRecall searches every variant of the titles' words of the first n
// discoverable products (every product when n is 0), substituting and
// inserting two letters, and logs the recall. inTitle searches each variant
// in the title with the other words as written.
func measureRecall(t *testing.T, pools *db.DB, n int, inTitle bool) recall {
	ctx := context.Background()
	var products []struct {
		ID    int64  `bun:"id"`
		Title string `bun:"title"`
	}
	limit := ""
	if n > 0 {
		limit = fmt.Sprintf(" LIMIT %d", n)
	}
	if err := pools.Primary.NewRaw(`SELECT p.id, p.title FROM products p JOIN tenants t ON t.id = p.tenant_id
		WHERE `+catalog.DiscoverableSQL+` ORDER BY p.id`+limit).Scan(ctx, &products); err != nil {
		t.Fatal(err)
	}
	letters := "xe"
	idx := search.NewPostgres(pools, codec())
	var r recall
	r.products = len(products)
	for _, p := range products {
		seen := map[string]bool{}
		words := strings.FieldsFunc(strings.ToLower(p.Title), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
		for wi, w := range words {
			if utf8.RuneCountInString(w) < 5 || seen[w] {
				continue
			}
			seen[w] = true
			r.words++
			variants := typoVariantsOf(w, letters)
			long := utf8.RuneCountInString(w) >= 9
			if long {
				variants = append(variants, twoTypoVariantsOf(w)...)
			}
			for _, v := range variants {
				if v == w {
					continue
				}
				dist := search.TypoDistance(v, w)
				text := v
				if inTitle {
					text = strings.Join(slices.Concat(words[:wi], []string{v}, words[wi+1:]), " ")
				}
				res, err := idx.Search(ctx, query(t, "q", text)) // the first results page
				if err != nil {
					t.Fatal(err)
				}
				found := slices.Contains(ids(res.Hits), p.ID)
				if !found && len(res.Hits) == search.DefaultLimit && !slices.ContainsFunc(res.Hits, func(h search.Document) bool {
					return !strings.EqualFold(h.Title, p.Title)
				}) {
					// A big catalog holds the same title many times: a first
					// page of nothing but this title found the product as
					// well as any search can.
					found = true
					r.twins++
				}
				switch {
				case dist > search.AllowedTypos(utf8.RuneCountInString(v)):
					r.short++
					if found {
						r.shortHits++
					}
					continue
				case dist == 2:
					r.two++
					if found {
						r.twoHits++
					}
				}
				r.total++
				if found {
					r.hits++
				} else if len(r.missed) < 20 {
					r.missed = append(r.missed, fmt.Sprintf("%s→%s (%q searched as %q, corrected to %q, %d hits)", w, v, p.Title, text, res.Corrected, len(res.Hits)))
				}
			}
		}
	}
	for _, m := range r.missed {
		t.Log("missed: " + m)
	}
	t.Logf("typo recall over %d products' %d title words (%d found as a full page of the same title): within the rules %d of %d (%.1f%%), two-typo variants of 9+ letters %d of %d; "+
		"variants beyond the rules (a 5-letter word left with 4) %d of %d found; all variants %d of %d (%.1f%%)",
		r.products, r.words, r.twins, r.hits, r.total, 100*r.rate(), r.twoHits, r.two, r.shortHits, r.short,
		r.hits+r.shortHits, r.total+r.short, 100*float64(r.hits+r.shortHits)/float64(max(1, r.total+r.short)))
	return r
}

// typoVariantsOf are w's one-typo misspellings not on its first letter: at
// every later position, a deletion, a substitution and an insertion of each
// of letters, and a transposition with the next letter.
func typoVariantsOf(w, letters string) []string {
	r := []rune(w)
	var out []string
	for i := 1; i < len(r); i++ {
		out = append(out, string(slices.Concat(r[:i], r[i+1:])))
		for _, c := range letters {
			if c != r[i] {
				out = append(out, string(slices.Concat(r[:i], []rune{c}, r[i+1:])))
			}
			out = append(out, string(slices.Concat(r[:i], []rune{c}, r[i:])))
		}
		if i+1 < len(r) && r[i] != r[i+1] {
			out = append(out, string(slices.Concat(r[:i], []rune{r[i+1], r[i]}, r[i+2:])))
		}
	}
	out = append(out, w+string(letters[0]))
	slices.Sort(out)
	return slices.Compact(out)
}

// twoTypoVariantsOf are two-typo misspellings of w (9 letters or more): a
// deletion or a transposition at each of two positions apart, past the
// first letter.
func twoTypoVariantsOf(w string) []string {
	r := []rune(w)
	var out []string
	for i := 1; i+3 < len(r); i += 2 {
		j := i + 2 + (len(r)-i-3)/2
		del := slices.Concat(r[:i], r[i+1:j], r[j+1:])
		out = append(out, string(del))
		if r[i] != r[i+1] && r[j] != r[(j+1)%len(r)] && j+1 < len(r) {
			sw := slices.Clone(r)
			sw[i], sw[i+1] = sw[i+1], sw[i]
			sw[j], sw[j+1] = sw[j+1], sw[j]
			out = append(out, string(sw))
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}
