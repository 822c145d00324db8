package meilitest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"unicode"
)

type searchRequest struct {
	Q                string          `json:"q"`
	Filter           json.RawMessage `json:"filter"`
	Sort             []string        `json:"sort"`
	Facets           []string        `json:"facets"`
	HitsPerPage      *int            `json:"hitsPerPage"`
	Page             int             `json:"page"`
	Limit            int             `json:"limit"`
	Offset           int             `json:"offset"`
	MatchingStrategy string          `json:"matchingStrategy"`
}

// candidate is a matching document and its ranking-rule scores.
type candidate struct {
	doc       map[string]any
	typos     int
	proximity int
	attribute int
	exact     int
}

func (s *Server) search(w http.ResponseWriter, r *http.Request, ix *index) {
	var req searchRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		writeErr(w, http.StatusBadRequest, "bad_request", "Invalid search: %v", err)
		return
	}
	filters, err := parseFilters(req.Filter)
	if err != nil {
		writeErr(w, http.StatusBadRequest, "invalid_search_filter", "%v", err)
		return
	}
	var searchable, rules []string
	_ = json.Unmarshal(ix.settings["searchableAttributes"], &searchable)
	_ = json.Unmarshal(ix.settings["rankingRules"], &rules)
	if len(rules) == 0 {
		rules = []string{"words", "typo", "proximity", "attribute", "sort", "exactness"}
	}
	words := tokenize(req.Q)
	var found []candidate
	seen := map[string]bool{}
	for _, key := range ix.order {
		doc, ok := ix.docs[key]
		if !ok || seen[key] {
			continue
		}
		seen[key] = true
		if !slices.ContainsFunc(filters, func(f node) bool { return !f.eval(doc) }) {
			if c, ok := match(doc, words, searchable); ok {
				found = append(found, c)
			}
		}
	}
	slices.SortStableFunc(found, func(a, b candidate) int { return rank(a, b, rules, req.Sort) })
	resp := map[string]any{"query": req.Q, "processingTimeMs": 0}
	if len(req.Facets) > 0 {
		dist := map[string]map[string]int{}
		for _, f := range req.Facets {
			dist[f] = map[string]int{}
			for _, c := range found {
				for _, v := range values(c.doc[f]) {
					dist[f][fmt.Sprint(v)]++
				}
			}
		}
		resp["facetDistribution"] = dist
	}
	from, to := req.Offset, req.Offset+req.Limit
	if req.Limit == 0 {
		to = from + 20
	}
	if req.HitsPerPage != nil {
		per, page := *req.HitsPerPage, max(req.Page, 1)
		from, to = (page-1)*per, page*per
		resp["hitsPerPage"], resp["page"], resp["totalHits"] = per, page, len(found)
		resp["totalPages"] = 0
		if per > 0 {
			resp["totalPages"] = (len(found) + per - 1) / per
		}
	} else {
		resp["offset"], resp["limit"], resp["estimatedTotalHits"] = req.Offset, req.Limit, len(found)
	}
	hits := []map[string]any{}
	for i := from; i < to && i < len(found); i++ {
		hits = append(hits, found[i].doc)
	}
	resp["hits"] = hits
	writeJSON(w, http.StatusOK, resp)
}

// rank compares two candidates rule by rule; equal candidates keep
// insertion order (the sort is stable), like Meilisearch's internal ids.
func rank(a, b candidate, rules, sorts []string) int {
	for _, rule := range rules {
		c := 0
		switch rule {
		case "typo":
			c = a.typos - b.typos
		case "proximity":
			c = a.proximity - b.proximity
		case "attribute":
			c = a.attribute - b.attribute
		case "exactness":
			c = b.exact - a.exact
		case "sort":
			for _, s := range sorts {
				attr, dir, _ := strings.Cut(s, ":")
				if c = compare(a.doc[attr], b.doc[attr]); dir == "desc" {
					c = -c
				}
				if c != 0 {
					break
				}
			}
		}
		if c != 0 {
			return c
		}
	}
	return 0
}

func compare(a, b any) int {
	af, aok := a.(float64)
	bf, bok := b.(float64)
	if aok && bok {
		switch {
		case af < bf:
			return -1
		case af > bf:
			return 1
		}
		return 0
	}
	return strings.Compare(fmt.Sprint(a), fmt.Sprint(b))
}

func values(v any) []any {
	if arr, ok := v.([]any); ok {
		return arr
	}
	if v == nil {
		return nil
	}
	return []any{v}
}

func tokenize(s string) []string {
	return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
}

// match applies matchingStrategy "all" with Meilisearch's default typo
// tolerance (1 typo from 5 letters, 2 from 9) and prefix search on the last
// query word.
func match(doc map[string]any, words, searchable []string) (candidate, bool) {
	c := candidate{doc: doc}
	if len(words) == 0 {
		return c, true
	}
	if len(searchable) == 0 || searchable[0] == "*" {
		searchable = nil
		for k := range doc {
			searchable = append(searchable, k)
		}
		slices.Sort(searchable)
	}
	c.attribute = len(searchable)
	// pos is where each word matched (attribute, token), for proximity.
	type pos struct{ attr, tok int }
	var prev []pos
	for i, w := range words {
		allowed := 0
		switch n := len([]rune(w)); {
		case n >= 9:
			allowed = 2
		case n >= 5:
			allowed = 1
		}
		best, bestAttr := allowed+1, len(searchable)
		var at []pos
		for ai, attr := range searchable {
			tok := 0
			for _, v := range values(doc[attr]) {
				for _, dw := range tokenize(fmt.Sprint(v)) {
					tok++
					cost := typos(w, dw)
					if i == len(words)-1 && strings.HasPrefix(dw, w) {
						cost = 0
					}
					if cost <= allowed {
						at = append(at, pos{ai, tok})
					}
					if cost < best || cost == best && ai < bestAttr {
						best, bestAttr = cost, ai
					}
				}
			}
		}
		if best > allowed {
			return c, false
		}
		// Proximity: the closest pair of this word and the one before, as
		// Meilisearch counts it: the distance in the same attribute (one
		// more when out of order), at most 8, and 8 across attributes.
		if i > 0 {
			d := 8
			for _, p := range prev {
				for _, q := range at {
					if p.attr == q.attr {
						switch {
						case q.tok > p.tok:
							d = min(d, q.tok-p.tok)
						case q.tok < p.tok:
							d = min(d, p.tok-q.tok+1)
						}
					}
				}
			}
			c.proximity += d
		}
		prev = at
		c.typos += best
		c.attribute = min(c.attribute, bestAttr)
		if best == 0 {
			c.exact++
		}
	}
	return c, true
}

// typos counts as Meilisearch does: Damerau-Levenshtein (optimal string
// alignment; a transposition is one typo), a typo on the first letter
// counting as two.
func typos(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	d := make([][]int, len(ra)+1)
	for i := range d {
		d[i] = make([]int, len(rb)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(ra); i++ {
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	n := d[len(ra)][len(rb)]
	if len(ra) > 0 && len(rb) > 0 && ra[0] != rb[0] {
		n++
	}
	return n
}
