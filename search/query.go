package search

import (
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Sort orders results. Every sort ends with the product id, so the order is
// total and a keyset cursor never repeats or skips a row.
type Sort string

// The sorts of GET /search (README "Discovery backends").
const (
	SortRelevance   Sort = "relevance"
	SortNewest      Sort = "newest"
	SortPriceAsc    Sort = "price_asc"
	SortPriceDesc   Sort = "price_desc"
	SortBestsellers Sort = "bestsellers"
	SortTrending    Sort = "trending"
	SortTopRated    Sort = "top_rated"
)

// Sorts lists every sort with its label, in menu order.
func Sorts() []SortOption {
	return []SortOption{
		{SortRelevance, "Most relevant"}, {SortBestsellers, "Bestsellers"}, {SortTrending, "Trending"},
		{SortTopRated, "Top rated"}, {SortNewest, "Newest"}, {SortPriceAsc, "Price: low to high"},
		{SortPriceDesc, "Price: high to low"},
	}
}

// SortOption is a sort and the words the page shows for it.
type SortOption struct {
	Sort  Sort
	Label string
}

// Query is one search request, already validated by ParseQuery.
type Query struct {
	Text     string
	Category string   // a category slug; matches its sub-categories too
	Tags     []string // every tag must match
	MinPrice int64    // cents, inclusive; -1 when unset
	MaxPrice int64    // cents, inclusive; -1 when unset
	Creator  string   // a store slug
	Sort     Sort
	Cursor   string // opaque; "" for the first page
	Limit    int
	Facets   bool // count facets over the whole result set
	// MaxMatches, when above 0, caps the matches PostgreSQL reads to rank
	// below its usual bound (see matchBound): the header's suggestions rank
	// fewer candidates to answer fast. Meilisearch ignores it.
	MaxMatches int
}

// DefaultLimit is how many hits one page shows.
const DefaultLimit = 24

// Input limits: a query is small or it is a mistake.
const (
	maxTextLen = 200
	maxTags    = 10
	maxTagLen  = 50
)

var slugRE = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,79}$`)

// BadQueryError is a search parameter a person got wrong; its message is
// written for them.
type BadQueryError struct{ Msg string }

func (e *BadQueryError) Error() string { return e.Msg }

func bad(format string, args ...any) error { return &BadQueryError{Msg: fmt.Sprintf(format, args...)} }

// ParseQuery reads GET /search's parameters. Anything malformed is a
// *BadQueryError naming the parameter.
func ParseQuery(v url.Values) (Query, error) {
	q := Query{MinPrice: -1, MaxPrice: -1, Sort: SortRelevance, Limit: DefaultLimit}
	q.Text = strings.Join(strings.Fields(v.Get("q")), " ")
	if !utf8.ValidString(q.Text) || utf8.RuneCountInString(q.Text) > maxTextLen {
		return q, bad("The search text is too long (at most %d characters).", maxTextLen)
	}
	if q.Category = v.Get("category"); q.Category != "" && !slugRE.MatchString(q.Category) {
		return q, bad("%q is not a category.", q.Category)
	}
	if q.Creator = v.Get("creator"); q.Creator != "" && !slugRE.MatchString(q.Creator) {
		return q, bad("%q is not a creator.", q.Creator)
	}
	for _, t := range v["tag"] {
		t = strings.ToLower(strings.TrimSpace(t))
		if t == "" || !utf8.ValidString(t) || len(t) > maxTagLen {
			return q, bad("A tag must be 1 to %d characters.", maxTagLen)
		}
		if !slices.Contains(q.Tags, t) {
			q.Tags = append(q.Tags, t)
		}
	}
	if len(q.Tags) > maxTags {
		return q, bad("At most %d tags at once.", maxTags)
	}
	slices.Sort(q.Tags)
	var err error
	if q.MinPrice, err = price(v, "min_price"); err != nil {
		return q, err
	}
	if q.MaxPrice, err = price(v, "max_price"); err != nil {
		return q, err
	}
	// The custom price range form sends whole or decimal amounts
	// (price_from, price_to); present, they replace min_price and
	// max_price, and an empty one clears its end of the range.
	if _, ok := v["price_from"]; ok {
		if q.MinPrice, err = amount(v.Get("price_from"), "lowest"); err != nil {
			return q, err
		}
	}
	if _, ok := v["price_to"]; ok {
		if q.MaxPrice, err = amount(v.Get("price_to"), "highest"); err != nil {
			return q, err
		}
	}
	if q.MinPrice >= 0 && q.MaxPrice >= 0 && q.MinPrice > q.MaxPrice {
		return q, bad("The minimum price is above the maximum price.")
	}
	if s := v.Get("sort"); s != "" {
		q.Sort = Sort(s)
		if !slices.ContainsFunc(Sorts(), func(o SortOption) bool { return o.Sort == q.Sort }) {
			return q, bad("%q is not a way to sort results.", s)
		}
	}
	q.Cursor = v.Get("cursor")
	return q, nil
}

func price(v url.Values, name string) (int64, error) {
	s := v.Get(name)
	if s == "" {
		return -1, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 || n > 100000000 {
		return -1, bad("%s must be a whole number of cents between 0 and 100000000.", name)
	}
	return n, nil
}

var amountRE = regexp.MustCompile(`^[0-9]{1,7}(\.[0-9]{1,2})?$`)

// amount reads a price typed in the range form ("5", "4.99", "$12") as
// cents; "" is no bound.
func amount(s, which string) (int64, error) {
	s = strings.TrimPrefix(strings.TrimSpace(s), "$")
	if s == "" {
		return -1, nil
	}
	if !amountRE.MatchString(s) {
		return -1, bad("Enter the %s price as an amount like 5 or 4.99.", which)
	}
	whole, frac, _ := strings.Cut(s, ".")
	for len(frac) < 2 {
		frac += "0"
	}
	w, _ := strconv.ParseInt(whole, 10, 64)
	f, _ := strconv.ParseInt(frac, 10, 64)
	if c := w*100 + f; c <= 100000000 {
		return c, nil
	}
	return -1, bad("The %s price is above the largest price a product can have.", which)
}

// EffectiveSort is the order results come in: relevance without any text
// means bestsellers first.
func (q Query) EffectiveSort() Sort {
	if q.Sort == "" || q.Sort == SortRelevance {
		if q.Text == "" {
			return SortBestsellers
		}
		return SortRelevance
	}
	return q.Sort
}

// Values is the query as URL parameters, without the cursor: the address a
// shared link reproduces.
func (q Query) Values() url.Values {
	v := url.Values{}
	if q.Text != "" {
		v.Set("q", q.Text)
	}
	if q.Category != "" {
		v.Set("category", q.Category)
	}
	for _, t := range q.Tags {
		v.Add("tag", t)
	}
	if q.MinPrice >= 0 {
		v.Set("min_price", strconv.FormatInt(q.MinPrice, 10))
	}
	if q.MaxPrice >= 0 {
		v.Set("max_price", strconv.FormatInt(q.MaxPrice, 10))
	}
	if q.Creator != "" {
		v.Set("creator", q.Creator)
	}
	if q.Sort != "" && q.Sort != SortRelevance {
		v.Set("sort", string(q.Sort))
	}
	return v
}

// scope ties a cursor to the exact query it was made for, so a cursor pasted
// into another query is refused rather than silently misread.
func (q Query) scope() string {
	sum := sha256.Sum256([]byte(string(q.EffectiveSort()) + "\x00" + q.Values().Encode()))
	return "search:" + base64.RawURLEncoding.EncodeToString(sum[:12])
}

func (q Query) limit() int {
	if q.Limit <= 0 || q.Limit > 100 {
		return DefaultLimit
	}
	return q.Limit
}
