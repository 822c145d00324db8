package catalog

import (
	"context"
	"strconv"

	"github.com/claro-market/claro/app/cursor"
	"github.com/claro-market/claro/app/web"
	"github.com/gofiber/fiber/v2"
)

// PageSize is how many products one storefront page shows.
const PageSize = 24

// Handlers serves the marketplace home, storefront listings and product pages.
type Handlers struct {
	store   *Store
	pages   *web.Pages
	cursors *cursor.Codec
	owned   func(ctx context.Context, userID, productID int64) (bool, error)
}

// NewHandlers returns the catalog's handlers; store should read the replica.
func NewHandlers(store *Store, pages *web.Pages, cursors *cursor.Codec) *Handlers {
	return &Handlers{store: store, pages: pages, cursors: cursors}
}

// WithOwned has the product page show a signed-in buyer who owns the
// product a link to it in their library instead of "Add to cart" (owned is
// library.Store.Owns). Signed-in pages are never cached, so this never
// reaches another visitor.
func (h *Handlers) WithOwned(owned func(ctx context.Context, userID, productID int64) (bool, error)) *Handlers {
	h.owned = owned
	return h
}

// Routes registers the catalog's routes.
func (h *Handlers) Routes(r fiber.Router) {
	r.Get("/", web.BySite(h.marketHome, h.storefrontHome))
	store := web.StoreRoutes(r)
	store.Get("/products/:slug", h.product)
}

type marketHomePage struct {
	web.Page
	Categories  []Category
	Trending    []Card
	Bestsellers []Card
	Newest      []Card
}

// homeSection is how many products each home section shows.
const homeSection = 10

func (h *Handlers) marketHome(c *fiber.Ctx) error {
	ctx := c.UserContext()
	cats, err := h.store.Categories(ctx)
	if err != nil {
		return err
	}
	page := marketHomePage{Page: h.pages.New(c, "Claro — digital goods from independent creators"), Categories: cats}
	if page.Trending, err = h.store.TopDiscoverable(ctx, ByTrending, homeSection); err != nil {
		return err
	}
	if page.Bestsellers, err = h.store.TopDiscoverable(ctx, ByBestselling, homeSection); err != nil {
		return err
	}
	if page.Newest, err = h.store.NewestDiscoverable(ctx, PageSize); err != nil {
		return err
	}
	web.Cacheable(c, 0)
	return web.Render(c, "marketplace/home", page)
}

// ProductList is one page of cards and the URL of the next page, if any.
type ProductList struct {
	Cards   []Card
	NextURL string
}

type storefrontPage struct {
	web.Page
	ProductList
}

func (h *Handlers) storefrontHome(c *fiber.Ctx) error {
	t := web.Site(c).Tenant
	scope := "storefront:" + strconv.FormatInt(t.ID, 10)
	var after *Position
	if raw := c.Query("cursor"); raw != "" {
		after = new(Position)
		if err := h.cursors.Decode(scope, raw, after); err != nil {
			return web.BadRequest("That page link is broken or has expired. Go back to the store's first page.")
		}
	}
	cards, err := h.store.StorefrontPage(c.UserContext(), t.ID, after, PageSize+1)
	if err != nil {
		return err
	}
	list := ProductList{Cards: cards}
	if len(cards) > PageSize {
		list.Cards = cards[:PageSize]
		next, err := h.cursors.Encode(scope, PositionOf(list.Cards[PageSize-1]))
		if err != nil {
			return err
		}
		list.NextURL = "/?cursor=" + next
	}
	web.Cacheable(c, t.ID)
	if web.IsHTMX(c) {
		return web.Fragment(c, "partials/product_list", list)
	}
	page := storefrontPage{Page: h.pages.New(c, t.Name), ProductList: list}
	page.Description = t.Description
	return web.Render(c, "storefront/home", page)
}

type productPage struct {
	web.Page
	Product  *Product
	Category *Category
	Files    []File
	// Library is the product's page in the signed-in buyer's library when
	// they own it; the page then offers that instead of the cart.
	Library string
}

func (h *Handlers) product(c *fiber.Ctx) error {
	t := web.Site(c).Tenant
	ctx := c.UserContext()
	p, err := h.store.VisibleBySlug(ctx, t.ID, c.Params("slug"))
	if err != nil {
		return err
	}
	page := productPage{Page: h.pages.New(c, p.Title), Product: p}
	page.Description = p.Description
	if p.CategoryID != nil {
		if page.Category, err = h.store.Category(ctx, *p.CategoryID); err != nil {
			return err
		}
	}
	if page.Files, err = h.store.Files(ctx, t.ID, p.ID); err != nil {
		return err
	}
	if u := web.CurrentUser(c); u != nil && h.owned != nil {
		owns, err := h.owned(ctx, u.UserID, p.ID)
		if err != nil {
			return err
		}
		if owns {
			page.Library = h.pages.Links.Market() + "/library/" + strconv.FormatInt(p.ID, 10)
		}
	}
	web.Cacheable(c, t.ID)
	return web.Render(c, "storefront/product", page)
}
