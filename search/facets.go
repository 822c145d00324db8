package search

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// PriceBand is one bucket of the price facet: [Min, Max] in cents, Max -1
// meaning no upper bound.
type PriceBand struct {
	Key      string
	Label    string
	Min, Max int64
}

// PriceBands are the price facet's buckets, cheapest first. Both backends
// derive a document's band from this one list.
func PriceBands() []PriceBand {
	return []PriceBand{
		{"under-5", "Under $5", 0, 499},
		{"5-15", "$5 to $15", 500, 1499},
		{"15-30", "$15 to $30", 1500, 2999},
		{"30-60", "$30 to $60", 3000, 5999},
		{"60-plus", "$60 and up", 6000, -1},
	}
}

// BandOf is the key of the price band holding cents.
func BandOf(cents int64) string {
	for _, b := range PriceBands() {
		if cents >= b.Min && (b.Max < 0 || cents <= b.Max) {
			return b.Key
		}
	}
	return ""
}

// bandCaseSQL is BandOf as a SQL CASE over the column col.
func bandCaseSQL(col string) string {
	var sb strings.Builder
	sb.WriteString("CASE")
	for _, b := range PriceBands() {
		if b.Max < 0 {
			fmt.Fprintf(&sb, " WHEN %s >= %d THEN '%s'", col, b.Min, b.Key)
		} else {
			fmt.Fprintf(&sb, " WHEN %s BETWEEN %d AND %d THEN '%s'", col, b.Min, b.Max, b.Key)
		}
	}
	sb.WriteString(" END")
	return sb.String()
}

// sortFacet orders facet values by count, then value, and keeps the first
// MaxFacetValues. Price bands keep their own order instead (see Facets use).
func sortFacet(counts map[string]int) []FacetCount {
	out := make([]FacetCount, 0, len(counts))
	for v, n := range counts {
		if v != "" && n > 0 {
			out = append(out, FacetCount{Value: v, Count: n})
		}
	}
	slices.SortFunc(out, func(a, b FacetCount) int {
		if c := cmp.Compare(b.Count, a.Count); c != 0 {
			return c
		}
		return cmp.Compare(a.Value, b.Value)
	})
	if len(out) > MaxFacetValues {
		out = out[:MaxFacetValues]
	}
	return out
}

// bandFacet lists the price bands that have results, cheapest first.
func bandFacet(counts map[string]int) []FacetCount {
	var out []FacetCount
	for _, b := range PriceBands() {
		if n := counts[b.Key]; n > 0 {
			out = append(out, FacetCount{Value: b.Key, Count: n})
		}
	}
	return out
}
