package web

import (
	"github.com/claro-market/claro/tenants"
	"github.com/gofiber/fiber/v2"
)

// BaseLayout wraps every full page.
const BaseLayout = "layouts/base"

// Page is what every full page's data embeds: who the page is for and the
// links it needs. Handlers fill it with Pages.New and add their own fields.
type Page struct {
	Title       string
	Description string
	Site        tenants.Site
	Store       *tenants.Tenant
	Links       Links
	CSRF        string
	Canonical   string
	User        *Identity
	Flash       string
}

// IsStore reports whether the page is on a storefront.
func (p Page) IsStore() bool { return p.Site.Kind == tenants.KindStore }

// Links builds absolute URLs to the marketplace and storefronts.
type Links struct {
	Scheme string
	Root   string // ROOT_DOMAIN, with its port in development
}

// Market is the marketplace's base URL.
func (l Links) Market() string { return l.Scheme + "://" + l.Root }

// Store is a storefront's base URL.
func (l Links) Store(slug string) string { return l.Scheme + "://" + slug + "." + l.Root }

// Product is a product page's URL on its storefront.
func (l Links) Product(storeSlug, productSlug string) string {
	return l.Store(storeSlug) + "/products/" + productSlug
}

// Pages starts page data for handlers.
type Pages struct{ Links Links }

// New returns the page data common to every page.
func (p *Pages) New(c *fiber.Ctx, title string) Page {
	site := tenants.From(c)
	return Page{Title: title, Site: site, Store: site.Tenant, Links: p.Links, CSRF: CSRFToken(c), User: CurrentUser(c)}
}

// Render writes a full page inside the base layout, or only the named
// fragment when htmx asked for one.
func Render(c *fiber.Ctx, name string, data any) error {
	c.Set(fiber.HeaderVary, "HX-Request")
	return c.Render(name, data, BaseLayout)
}

// Fragment writes a template without the layout: the same partial a full page
// includes, sent alone to htmx.
func Fragment(c *fiber.Ctx, name string, data any) error {
	c.Set(fiber.HeaderVary, "HX-Request")
	return c.Render(name, data)
}
