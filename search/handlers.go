package search

import (
	"errors"
	"net/url"

	"github.com/claro-market/claro/app/catalog"
	"github.com/claro-market/claro/app/web"
	"github.com/gofiber/fiber/v2"
)

// Handlers serves GET /search on the marketplace and GET /search/suggest.
type Handlers struct {
	index   Index
	catalog *catalog.Store
	pages   *web.Pages
}

// NewHandlers returns the search handlers; cats (on the replica) names the
// categories in the facet list.
func NewHandlers(index Index, cats *catalog.Store, pages *web.Pages) *Handlers {
	return &Handlers{index: index, catalog: cats, pages: pages}
}

// Routes registers discovery's routes: the search page on the marketplace,
// and the header box's suggestions on the marketplace and every storefront.
func (h *Handlers) Routes(r fiber.Router) {
	market := web.MarketRoutes(r)
	market.Get("/search", h.search)
	// On every site: the handler scopes a storefront to its own store.
	r.Get("/search/suggest", h.suggest)
}

type searchPage struct {
	web.Page
	View View
}

// search answers the full page, or for htmx only the rows and the next-page
// trigger: a next page (with a cursor) is rows alone; a first page (a filter
// changed) also swaps the controls out of band and pushes the filters' URL.
func (h *Handlers) search(c *fiber.Ctx) error {
	// url.ParseQuery copies: nothing kept points into Fiber's buffers.
	vals, err := url.ParseQuery(string(c.Request().URI().QueryString()))
	if err != nil {
		return web.BadRequest("That search address is malformed.")
	}
	q, err := ParseQuery(vals)
	var badQ *BadQueryError
	if errors.As(err, &badQ) {
		return web.BadRequest(badQ.Msg)
	}
	htmx := web.IsHTMX(c)
	q.Facets = !htmx || q.Cursor == ""
	ctx := c.UserContext()
	res, err := h.index.Search(ctx, q)
	if errors.Is(err, ErrBadCursor) {
		return web.BadRequest("That page link is broken or has expired. Start the search again.")
	}
	if err != nil {
		return err
	}
	names := map[string]string{}
	if q.Facets {
		cats, err := h.catalog.Categories(ctx)
		if err != nil {
			return err
		}
		for _, cat := range cats {
			names[cat.Slug] = cat.Name
		}
	}
	view := NewView(q, res, names)
	// Results show every store's products: any catalog change drops them.
	web.CacheableQuery(c, 0)
	if htmx && q.Cursor != "" {
		return web.Fragment(c, "partials/search_results", view)
	}
	if htmx {
		view.OOB = true
		web.PushURL(c, view.URL)
		return web.Fragment(c, "partials/search_refresh", view)
	}
	page := searchPage{Page: h.pages.New(c, view.Title()), View: view}
	page.NoHeaderSearch = true // one search box: the page's own keeps the query
	return web.Render(c, "marketplace/search", page)
}
