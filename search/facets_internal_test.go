package search

import (
	"strconv"
	"testing"
)

// Past matchBound, PostgreSQL counts only the first matches: the facets say
// so, and their total is the bound the page names ("More than 1000").
func TestFacetsPastTheBoundAreMarkedApproximate(t *testing.T) {
	for _, tc := range []struct {
		total  int
		approx bool
		want   int
	}{{matchBound, false, matchBound}, {matchBound + 1, true, matchBound}, {3, false, 3}} {
		f, err := parseFacets([]byte(`[{"facet":"total","value":"","count":` + strconv.Itoa(tc.total) + `},{"facet":"tag","value":"film","count":2}]`))
		if err != nil {
			t.Fatal(err)
		}
		if f.Approximate != tc.approx || f.Total != tc.want || len(f.Tags) != 1 {
			t.Errorf("total %d: %+v, want approximate %v and total %d", tc.total, f, tc.approx, tc.want)
		}
	}
}
