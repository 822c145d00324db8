package search

import (
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/claro-market/claro/app/catalog"
)

// View is what the search templates render: the cards, the next-page link,
// and the facets as links that add or remove one filter each.
type View struct {
	Query   Query
	Cards   []catalog.Card
	NextURL string // the next page, "" on the last one
	URL     string // this search without a cursor: what a shared link holds
	// Corrected is the query as it ran when its typos were corrected, named
	// by "Showing results for …"; "" when it ran as typed.
	Corrected string
	// OOB marks a refresh fragment: the controls are swapped out of band.
	OOB       bool
	HasFacets bool
	Total     int
	// Approximate is a result larger than the backend counts exactly: more
	// than Total products, the facet counts taken over the first Total.
	Approximate bool
	Categories  []FacetLink
	Tags        []FacetLink // the top TopTags (and any tag in the query)
	MoreTags    []FacetLink // the rest, behind "show more"
	Prices      []FacetLink
	Sorts       []SortLink
}

// FacetLink is one facet value: its count and the URL that toggles it.
type FacetLink struct {
	Label  string
	Count  int
	URL    string
	Active bool
}

// SortLink is one sort in the sort menu.
type SortLink struct {
	Value, Label string
	Selected     bool
}

// NewView builds the page's view of q's result; categoryNames maps category
// slugs to their names.
func NewView(q Query, res *Result, categoryNames map[string]string) View {
	v := View{Query: q, URL: searchURL(q.Values()), Corrected: res.Corrected}
	for _, d := range res.Hits {
		v.Cards = append(v.Cards, d.Card())
	}
	if res.Next != "" {
		next := q.Values()
		next.Set("cursor", res.Next)
		v.NextURL = searchURL(next)
	}
	for _, s := range Sorts() {
		v.Sorts = append(v.Sorts, SortLink{Value: string(s.Sort), Label: s.Label, Selected: s.Sort == q.Sort})
	}
	if f := res.Facets; f != nil {
		v.HasFacets, v.Total, v.Approximate = true, f.Total, f.Approximate
		for _, c := range f.Categories {
			name := categoryNames[c.Value]
			if name == "" {
				name = c.Value
			}
			v.Categories = append(v.Categories, toggle(q, name, c.Count, c.Value == q.Category, func(u url.Values, on bool) {
				u.Del("category")
				if on {
					u.Set("category", c.Value)
				}
			}))
		}
		for _, t := range f.Tags {
			active := slices.Contains(q.Tags, t.Value)
			v.Tags = append(v.Tags, toggle(q, t.Value, t.Count, active, func(u url.Values, on bool) {
				tags := slices.DeleteFunc(slices.Clone(q.Tags), func(s string) bool { return s == t.Value })
				if on {
					tags = append(tags, t.Value)
				}
				u["tag"] = tags
			}))
		}
		v.Tags, v.MoreTags = topTags(v.Tags)
		for _, b := range PriceBands() {
			i := slices.IndexFunc(f.Prices, func(c FacetCount) bool { return c.Value == b.Key })
			if i < 0 {
				continue
			}
			active := q.MinPrice == b.Min && q.MaxPrice == b.Max
			v.Prices = append(v.Prices, toggle(q, b.Label, f.Prices[i].Count, active, func(u url.Values, on bool) {
				u.Del("min_price")
				u.Del("max_price")
				if on {
					u.Set("min_price", strconv.FormatInt(b.Min, 10))
					if b.Max >= 0 {
						u.Set("max_price", strconv.FormatInt(b.Max, 10))
					}
				}
			}))
		}
	}
	return v
}

// TopTags is how many tags the tag facet shows before "show more".
const TopTags = 12

// topTags splits the tag facet (most used first): the first TopTags and
// every active tag are shown, the rest go behind "show more".
func topTags(all []FacetLink) (top, more []FacetLink) {
	for i, t := range all {
		if i < TopTags || t.Active {
			top = append(top, t)
		} else {
			more = append(more, t)
		}
	}
	return top, more
}

// PriceFrom and PriceTo are the query's price range as the range form
// shows it (whole units, cents when there are any), "" when unset.
func (v View) PriceFrom() string { return units(v.Query.MinPrice) }

// PriceTo is the top of the range; see PriceFrom.
func (v View) PriceTo() string { return units(v.Query.MaxPrice) }

func units(cents int64) string {
	switch {
	case cents < 0:
		return ""
	case cents%100 == 0:
		return strconv.FormatInt(cents/100, 10)
	}
	return fmt.Sprintf("%d.%02d", cents/100, cents%100)
}

// toggle is a facet link that turns its value on, or off when it is active.
func toggle(q Query, label string, count int, active bool, set func(url.Values, bool)) FacetLink {
	u := q.Values()
	set(u, !active)
	if len(u["tag"]) == 0 {
		u.Del("tag")
	}
	return FacetLink{Label: label, Count: count, URL: searchURL(u), Active: active}
}

func searchURL(v url.Values) string {
	if len(v) == 0 {
		return "/search"
	}
	return "/search?" + v.Encode()
}

// Title is the page title for q.
func (v View) Title() string {
	if v.Query.Text != "" {
		return fmt.Sprintf("“%s” — Claro search", v.Query.Text)
	}
	return "Discover — Claro"
}

// Card is the document as the shared product card partial renders it.
func (d Document) Card() catalog.Card {
	c := catalog.Card{
		ID: d.ID, Slug: d.Slug, Title: d.Title, PriceCents: d.PriceCents, Currency: d.Currency,
		Visibility: d.Visibility, RatingCount: d.RatingCount, RatingSum: d.RatingSum,
		CreatedAt: time.UnixMicro(d.CreatedAt).UTC(), StoreSlug: d.Creator, StoreName: d.CreatorName,
	}
	if d.CoverKey != "" {
		key := d.CoverKey
		c.CoverKey = &key
	}
	return c
}
