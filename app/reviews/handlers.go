package reviews

import (
	"context"
	"strconv"

	"github.com/claro-market/claro/app/accounts"
	"github.com/claro-market/claro/app/catalog"
	"github.com/claro-market/claro/app/cursor"
	"github.com/claro-market/claro/app/web"
	"github.com/gofiber/fiber/v2"
)

// BodyLimit caps every review POST: a review is a few kilobytes of text.
const BodyLimit = 64 << 10

// Products finds a storefront's visible product by slug; *catalog.Store is one.
type Products interface {
	VisibleBySlug(ctx context.Context, tenantID int64, slug string) (*catalog.Product, error)
}

// Handlers serves a product's reviews on storefront hosts, as the htmx
// fragment the product page loads, and takes buyers' and creators' writes.
type Handlers struct {
	service  *Service
	products Products
	pages    *web.Pages
	cursors  *cursor.Codec
	budget   *Budget
	drafts   *Drafter // nil unless AI_REVIEW_DRAFTS is on
}

// NewHandlers returns the review handlers; budget rate-limits writes and
// drafts per user and per IP.
func NewHandlers(service *Service, products Products, pages *web.Pages, cursors *cursor.Codec, budget *Budget) *Handlers {
	return &Handlers{service: service, products: products, pages: pages, cursors: cursors, budget: budget}
}

// WithDrafts turns on the AI draft helper's route.
func (h *Handlers) WithDrafts(d *Drafter) *Handlers { h.drafts = d; return h }

// Routes registers the review routes on storefront hosts.
func (h *Handlers) Routes(r fiber.Router) {
	s := web.StoreRoutes(r)
	capped := web.BodyCap(BodyLimit)
	s.Get("/products/:slug/reviews", h.list)
	s.Post("/products/:slug/reviews", capped, accounts.RequireUser, h.submit)
	s.Post("/products/:slug/reviews/delete", capped, accounts.RequireUser, h.remove)
	s.Post("/products/:slug/reviews/:id/response", capped, accounts.RequireUser, h.respond)
	if h.drafts != nil {
		s.Post("/products/:slug/reviews/draft", capped, accounts.RequireUser, h.draft)
	}
}

// reviewsPage is the reviews fragment's data (and the no-script page's).
type reviewsPage struct {
	web.Page
	Product  *catalog.Product
	Summary  Summary
	Viewer   Viewer
	Form     Form
	Error    string
	Field    string
	Words    string
	Reviews  []Review
	NextURL  string
	DraftsOn bool
}

// Ratings are the choices of the rating field, best first.
func (reviewsPage) Ratings() []string { return []string{"5", "4", "3", "2", "1"} }

// product loads the storefront's product named in the URL, or the 404.
func (h *Handlers) product(c *fiber.Ctx) (*catalog.Product, error) {
	return h.products.VisibleBySlug(c.UserContext(), web.Site(c).Tenant.ID, c.Params("slug"))
}

func userID(c *fiber.Ctx) int64 {
	if u := web.CurrentUser(c); u != nil {
		return u.UserID
	}
	return 0
}

// list is GET /products/:slug/reviews: the whole section (summary, the
// viewer's form, the first page), or with ?cursor= only the next page.
func (h *Handlers) list(c *fiber.Ctx) error {
	p, err := h.product(c)
	if err != nil {
		return err
	}
	if raw := c.Query("cursor"); raw != "" {
		after := new(Position)
		if err := h.cursors.Decode(scope(p.ID), raw, after); err != nil {
			return web.BadRequest("That page of reviews is broken or has expired. Reload the product page.")
		}
		if !web.IsHTMX(c) {
			// A browser without script followed "Load more": the reviews
			// page, holding the reviews after the cursor.
			page := reviewsPage{Page: h.pages.New(c, "Reviews of "+p.Title), Product: p}
			h.cacheable(c)
			return h.renderFrom(c, &page, fiber.StatusOK, after)
		}
		page := reviewsPage{Page: h.pages.New(c, p.Title), Product: p}
		if page.Viewer, err = h.service.Viewer(c.UserContext(), p.TenantID, p.ID, userID(c)); err != nil {
			return err
		}
		if err := h.fillList(c, &page, after); err != nil {
			return err
		}
		h.cacheable(c)
		return web.Fragment(c, "partials/review_items", page)
	}
	page := reviewsPage{Page: h.pages.New(c, "Reviews of "+p.Title), Product: p}
	h.cacheable(c)
	return h.render(c, &page, fiber.StatusOK)
}

// cacheable lets the page cache keep the fragment for visitors; a review
// write notifies catalog_changed (migration 0010), which drops it.
func (h *Handlers) cacheable(c *fiber.Ctx) {
	if userID(c) == 0 {
		web.Cacheable(c, web.Site(c).Tenant.ID)
	}
}

func scope(productID int64) string { return "reviews:" + strconv.FormatInt(productID, 10) }

func (h *Handlers) fillList(c *fiber.Ctx, page *reviewsPage, after *Position) error {
	rs, next, err := h.service.List(c.UserContext(), page.Product.ID, after)
	if err != nil {
		return err
	}
	page.Reviews = rs
	if next != nil {
		token, err := h.cursors.Encode(scope(page.Product.ID), next)
		if err != nil {
			return err
		}
		page.NextURL = "/products/" + page.Product.Slug + "/reviews?cursor=" + token
	}
	return nil
}

// render fills the section (summary, viewer, first page) and writes it: the
// fragment to htmx, the reviews page to a browser without script. A form the
// page already carries (a draft, a refused submission) is kept as it is.
func (h *Handlers) render(c *fiber.Ctx, page *reviewsPage, status int) error {
	return h.renderFrom(c, page, status, nil)
}

// renderFrom is render with the list starting after a cursor's position
// (nil: the first page).
func (h *Handlers) renderFrom(c *fiber.Ctx, page *reviewsPage, status int, after *Position) error {
	ctx := c.UserContext()
	var err error
	if page.Summary, err = h.service.Summary(ctx, page.Product.ID); err != nil {
		return err
	}
	if page.Viewer, err = h.service.Viewer(ctx, page.Product.TenantID, page.Product.ID, userID(c)); err != nil {
		return err
	}
	if page.Form == (Form{}) && page.Viewer.Own != nil {
		o := page.Viewer.Own
		page.Form = Form{Rating: strconv.Itoa(o.Rating), Title: o.Title, Body: o.Body}
	}
	page.DraftsOn = h.drafts != nil
	if err := h.fillList(c, page, after); err != nil {
		return err
	}
	c.Status(status)
	if userID(c) != 0 {
		c.Set(fiber.HeaderCacheControl, "private, no-store")
	}
	if web.IsHTMX(c) {
		return web.Fragment(c, "partials/reviews", page)
	}
	return web.Render(c, "storefront/reviews", page)
}
