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
	// Anonymous is a page the same for every visitor of a host (the error
	// pages): the header shows no sign-in state, whoever is signed in.
	Anonymous bool
	// NoHeaderSearch drops the header's search box, on the search page,
	// whose own box keeps the query and the filters.
	NoHeaderSearch bool
}

// IsStore reports whether the page is on a storefront.
func (p Page) IsStore() bool { return p.Site.Kind == tenants.KindStore }

// Links builds absolute URLs to the marketplace and storefronts.
type Links struct {
	Scheme string
	Root   string // ROOT_DOMAIN, with its port in development
	// Domains, when set, names the stores served on an active custom
	// domain, so links go there instead of through the subdomain's 301.
	Domains CustomDomains
}

// CustomDomains answers which custom domain a store is served on ("" for
// none); *tenants.Directory is one.
type CustomDomains interface {
	CustomDomain(slug string) string
}

// Market is the marketplace's base URL.
func (l Links) Market() string { return l.Scheme + "://" + l.Root }

// Store is a storefront's base URL: its active custom domain when it has
// one, else its subdomain.
func (l Links) Store(slug string) string {
	if l.Domains != nil {
		if host := l.Domains.CustomDomain(slug); host != "" {
			return l.Scheme + "://" + host
		}
	}
	return l.Scheme + "://" + slug + "." + l.Root
}

// StoreOf is Store for a store already loaded: its own custom_domain says
// where it is served, with no lookup.
func (l Links) StoreOf(t *tenants.Tenant) string {
	if t.CustomDomain != nil && *t.CustomDomain != "" {
		return l.Scheme + "://" + *t.CustomDomain
	}
	return l.Scheme + "://" + t.Slug + "." + l.Root
}

// Product is a product page's URL on its storefront.
func (l Links) Product(storeSlug, productSlug string) string {
	return l.Store(storeSlug) + "/products/" + productSlug
}

// Pages starts page data for handlers.
type Pages struct{ Links Links }

// New returns the page data common to every page. A storefront page's
// canonical URL is on the store's canonical host (its custom domain once
// active), whichever host served it.
func (p *Pages) New(c *fiber.Ctx, title string) Page {
	site := Site(c)
	page := Page{Title: title, Site: site, Store: site.Tenant, Links: p.Links, CSRF: CSRFToken(c), User: CurrentUser(c)}
	if site.Kind == tenants.KindStore && site.Tenant != nil {
		page.Canonical = p.Links.StoreOf(site.Tenant) + c.Path()
	}
	return page
}

// HandoffStartPath is where a custom domain starts signing a visitor in: it
// gives the browser its hand-off nonce and sends it to the marketplace
// (accounts serves it; the constant lives here so pages can link to it).
const HandoffStartPath = "/_claro/signin"

// SignInURL is where a page's "Sign in" link goes: the marketplace's sign-in
// page, or, on a custom domain (which the platform's session cookie never
// reaches), the hand-off that signs the visitor in on this host, started on
// this host so that only this browser can finish it.
func (p Page) SignInURL() string {
	if p.IsStore() && p.Store != nil && p.Store.CustomDomain != nil && p.Site.Host == *p.Store.CustomDomain {
		return HandoffStartPath
	}
	return p.Links.Market() + "/login"
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

// View is one template an area renders and a value of the type it passes
// it. Each area lists its views (its Views function) so that one test renders
// every template under views/ with the data it really gets: a typo in a rare
// partial then fails in tests, never for a user.
type View struct {
	Name string
	Data any
	// Page is set for a full page, rendered inside BaseLayout.
	Page bool
}
