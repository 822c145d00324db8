package search

import (
	"errors"
	"net/url"

	"github.com/claro-market/claro/app/catalog"
	"github.com/claro-market/claro/app/web"
	"github.com/gofiber/fiber/v2"
)

// Instant search: GET /search/suggest?q= answers the header's search box as
// the visitor types (an htmx request after each pause, the older one
// cancelled; static/app.js makes the box a combobox) with a small fragment:
// the first suggestLimit products and, on the marketplace, the stores among
// them. On a storefront it suggests that store's products only. It runs the
// same search as GET /search (typo rules, the last word as a prefix) without
// facets, and is cached like it.
const (
	suggestLimit   = 6
	suggestStores  = 3
	suggestMatches = 150 // candidates ranked for the dropdown
)

// Suggestions is what partials/search_suggest renders.
type Suggestions struct {
	Query     string
	Products  []catalog.Card
	Stores    []SuggestedStore
	Corrected string
	// OnStore is a storefront's box: no stores, its own products only.
	OnStore bool
	// SearchURL is the full results page for the query.
	SearchURL string
}

// SuggestedStore is a store the suggestions name.
type SuggestedStore struct{ Slug, Name, URL string }

// Empty reports whether there is nothing to suggest.
func (s Suggestions) Empty() bool { return len(s.Products) == 0 && len(s.Stores) == 0 }

func (h *Handlers) suggest(c *fiber.Ctx) error {
	vals, err := url.ParseQuery(string(c.Request().URI().QueryString()))
	if err != nil {
		return web.BadRequest("That search address is malformed.")
	}
	// Only the text: the box has no filters, and a cursor makes no sense.
	q, err := ParseQuery(url.Values{"q": vals["q"]})
	var badQ *BadQueryError
	if errors.As(err, &badQ) {
		return web.BadRequest(badQ.Msg)
	}
	q.Limit, q.MaxMatches = suggestLimit, suggestMatches
	site := web.Site(c)
	sg := Suggestions{Query: q.Text, SearchURL: searchURL(q.Values())}
	var tenant int64
	if site.Tenant != nil {
		q.Creator, sg.OnStore, tenant = site.Tenant.Slug, true, site.Tenant.ID
	}
	if q.Text != "" {
		res, err := h.index.Search(c.UserContext(), q)
		if err != nil {
			return err
		}
		sg.Corrected = res.Corrected
		for _, d := range res.Hits {
			sg.Products = append(sg.Products, d.Card())
			if !sg.OnStore && len(sg.Stores) < suggestStores && !containsStore(sg.Stores, d.Creator) {
				sg.Stores = append(sg.Stores, SuggestedStore{Slug: d.Creator, Name: d.CreatorName, URL: h.pages.Links.Store(d.Creator)})
			}
		}
	}
	web.CacheableQuery(c, tenant)
	return web.Fragment(c, "partials/search_suggest", sg)
}

func containsStore(ss []SuggestedStore, slug string) bool {
	for _, s := range ss {
		if s.Slug == slug {
			return true
		}
	}
	return false
}
