package web

import (
	"bytes"
	"database/sql"
	"errors"
	"log/slog"

	"github.com/claro-market/claro/app/db"
	"github.com/claro-market/claro/tenants"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"
)

// ErrNotFound answers with the one 404 page. Domain sentinels wrap
// sql.ErrNoRows instead, which is answered the same way.
var ErrNotFound = fiber.ErrNotFound

// BusyMessage is the 503 page's sentence when the database is too busy to
// answer in time (db.Busy); BusyRetryAfter is its Retry-After, in seconds.
const (
	BusyMessage    = "Claro is busy right now. Please try again in a few seconds."
	BusyRetryAfter = "5"
	// UnavailableMessage is the 503 page's sentence when the database does
	// not answer at all (db.Unreachable).
	UnavailableMessage = "Claro cannot reach its database right now. Pages you have seen may still open; please try again in a minute."
)

// ErrorPages holds the rendered 404 page (the same bytes whatever the cause, so
// nothing can be learned from it) and renders other errors.
//
// Three kinds of host get their own 404 page, each the same bytes for every
// cause on that host: a host no store owns gets a self-contained page
// (/static is not routed there) pointing at the marketplace; the
// marketplace gets its header, a search box and a way home, rendered once
// (WithSites); a storefront gets its own header, a search of its products
// and a link to its home, rendered from the store alone (never from the
// visitor: no session, no CSRF token), so an unknown URL, a locked product
// and another store's id answer alike.
type ErrorPages struct {
	notFound       []byte // hosts no store owns
	marketNotFound []byte // the marketplace; nil until WithSites
	unavailable    []byte // a suspended store's page (Unavailable)
	views          fiber.Views
	links          *Links
	styles         []string // CSP hashes of the pages' inline <style> blocks
	render         func(c *fiber.Ctx, status int, msg string) error
	log            *slog.Logger
}

// NewErrorPages renders the 404 page and the suspended store's page (which
// links to the marketplace at market) once, up front.
func NewErrorPages(v fiber.Views, log *slog.Logger, market string) (*ErrorPages, error) {
	var buf bytes.Buffer
	if err := v.Render(&buf, "errors/404", nil); err != nil {
		return nil, err
	}
	var gone bytes.Buffer
	if err := v.Render(&gone, "errors/unavailable", UnavailablePage{Market: market}); err != nil {
		return nil, err
	}
	var sample bytes.Buffer
	if err := v.Render(&sample, "errors/error", errorPage{Status: 500, Message: "x"}); err != nil {
		return nil, err
	}
	e := &ErrorPages{notFound: buf.Bytes(), unavailable: gone.Bytes(), views: v, styles: StyleHashes(buf.Bytes(), sample.Bytes(), gone.Bytes()), log: log}
	e.render = func(c *fiber.Ctx, status int, msg string) error {
		if IsAPI(c) {
			return apiStatus(c, status, msg)
		}
		c.Status(status)
		if site, ok := e.site(c); ok {
			return c.Render("errors/site_error", siteError{Page: e.page(site, "Error"), Status: status, Message: msg, RequestID: RequestID(c)}, BaseLayout)
		}
		return c.Render("errors/error", errorPage{Status: status, Message: msg, RequestID: RequestID(c), Market: e.market()})
	}
	return e, nil
}

// WithSites gives the error pages the marketplace's and storefronts' own
// header (inside the base layout): the marketplace's 404 is rendered here,
// once, and the page for hosts no store owns links to the marketplace.
func (e *ErrorPages) WithSites(links Links) error {
	e.links = &links
	var unknown, market, sample bytes.Buffer
	if err := e.views.Render(&unknown, "errors/404", notFoundPage{Market: links.Market()}); err != nil {
		return err
	}
	if err := e.views.Render(&market, "errors/site_404", e.page(tenants.Site{Kind: tenants.KindMarketplace}, notFoundTitle), BaseLayout); err != nil {
		return err
	}
	if err := e.views.Render(&sample, "errors/error", errorPage{Status: 500, Message: "x", Market: links.Market()}); err != nil {
		return err
	}
	e.notFound, e.marketNotFound = unknown.Bytes(), market.Bytes()
	e.styles = StyleHashes(e.notFound, sample.Bytes(), e.unavailable)
	return nil
}

const notFoundTitle = "Page not found"

// page is an error page's data: the site's header and links, and nothing
// of the visitor's (Anonymous), so it is the same for everyone on a host.
func (e *ErrorPages) page(site tenants.Site, title string) Page {
	return Page{Title: title, Site: site, Store: site.Tenant, Links: *e.links, Anonymous: true}
}

// site is the request's site when the error pages know the sites' headers.
func (e *ErrorPages) site(c *fiber.Ctx) (tenants.Site, bool) {
	site, ok := c.Locals(siteKey{}).(tenants.Site)
	if !ok || e.links == nil || (site.Kind == tenants.KindStore && site.Tenant == nil) {
		return tenants.Site{}, false
	}
	return site, site.Kind == tenants.KindMarketplace || site.Kind == tenants.KindStore
}

func (e *ErrorPages) market() string {
	if e.links == nil {
		return ""
	}
	return e.links.Market()
}

// UnavailablePage is the suspended store's page's data: the marketplace's
// base URL (the library and home it links to).
type UnavailablePage struct{ Market string }

type errorPage struct {
	Status    int
	Message   string
	RequestID string
	Market    string // the marketplace's address, "" when unknown
}

// notFoundPage is the data of the 404 page for hosts no store owns.
type notFoundPage struct{ Market string }

// siteError is an error page on the marketplace or a storefront.
type siteError struct {
	Page
	Status    int
	Message   string
	RequestID string
}

// NotFoundBody is the marketplace's 404 page (before WithSites, the only
// one); tests compare against it.
func (e *ErrorPages) NotFoundBody() []byte {
	if e.marketNotFound != nil {
		return e.marketNotFound
	}
	return e.notFound
}

// UnknownHostBody is the 404 page of a host no store owns.
func (e *ErrorPages) UnknownHostBody() []byte { return e.notFound }

// StoreNotFoundBody is a storefront's 404 page on host (the store's
// subdomain or its custom domain, whose sign-in link differs).
func (e *ErrorPages) StoreNotFoundBody(t *tenants.Tenant, host string) ([]byte, error) {
	var buf bytes.Buffer
	err := e.views.Render(&buf, "errors/site_404", e.page(tenants.Site{Kind: tenants.KindStore, Host: host, Tenant: t}, notFoundTitle), BaseLayout)
	return buf.Bytes(), err
}

// StyleHashes are the CSP hashes of the error pages' inline styles: the
// pages are also served on hosts where /static is not routed, so they carry
// their styles with them.
func (e *ErrorPages) StyleHashes() []string { return e.styles }

// NotFound writes the 404 page.
func (e *ErrorPages) NotFound(c *fiber.Ctx) error {
	if IsAPI(c) {
		return APIError(c, fiber.StatusNotFound, "", "")
	}
	body := e.notFound
	if site, ok := e.site(c); ok {
		body = e.marketNotFound
		if site.Kind == tenants.KindStore {
			var err error
			if body, err = e.StoreNotFoundBody(site.Tenant, site.Host); err != nil {
				e.log.Error("404 page", "request_id", RequestID(c), "err", err)
				body = e.notFound
			}
		}
	}
	c.Status(fiber.StatusNotFound)
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Send(body)
}

// UnavailableBody is the suspended store's page; tests compare against it.
func (e *ErrorPages) UnavailableBody() []byte { return e.unavailable }

// Unavailable writes the page every URL of a suspended store answers: 410
// Gone (the store's pages are withdrawn, not missing, and not a fault of
// ours: a 5xx would page the on-call and invite crawlers to retry), never
// cached, the same bytes for every store so that nothing about it shows.
func (e *ErrorPages) Unavailable(c *fiber.Ctx) error {
	c.Status(fiber.StatusGone)
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Send(e.unavailable)
}

// Handle is Fiber's ErrorHandler: it picks the status, the page and the log
// line. Only a Refusal's message is shown; any other error gets the generic
// sentence of its status and the request id, and a 5xx gets a log line too.
func (e *ErrorPages) Handle(c *fiber.Ctx, err error) error {
	var fe *fiber.Error
	if r, ok := AsRefusal(err); ok {
		if r.Status == fiber.StatusNotFound {
			return e.NotFound(c)
		}
		return e.render(c, r.Status, r.Message)
	}
	if reason, busy := db.Busy(err); busy {
		// A lock or statement timeout, the request's deadline, a full pool:
		// the same request is likely to work in a moment, so say so.
		e.log.Warn("request busy", "request_id", RequestID(c), "method", c.Method(), "path", c.Path(), "reason", reason, "err", err)
		c.Set(fiber.HeaderRetryAfter, BusyRetryAfter)
		c.Set(fiber.HeaderCacheControl, "no-store")
		return e.render(c, fiber.StatusServiceUnavailable, BusyMessage)
	}
	if db.Unreachable(err) {
		// The database is down or restarting: the request is fine and will
		// work once it is back. /readyz says "database unreachable" too.
		e.log.Error("request failed: database unreachable", "request_id", RequestID(c), "method", c.Method(), "path", c.Path(), "err", err)
		c.Set(fiber.HeaderRetryAfter, BusyRetryAfter)
		c.Set(fiber.HeaderCacheControl, "no-store")
		return e.render(c, fiber.StatusServiceUnavailable, UnavailableMessage)
	}
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return e.NotFound(c)
	case errors.As(err, &fe) && fe.Code < 500:
		// Fiber's own refusals (405, 413, a malformed request): their text is
		// Fiber's, so the page says only what the status means.
		if fe.Code == fiber.StatusNotFound {
			return e.NotFound(c)
		}
		return e.render(c, fe.Code, utils.StatusMessage(fe.Code))
	case errors.As(err, &fe):
		e.log.Error("request failed", "request_id", RequestID(c), "path", c.Path(), "err", err)
		return e.render(c, fe.Code, "Something went wrong on our side.")
	default:
		e.log.Error("request failed", "request_id", RequestID(c), "method", c.Method(), "path", c.Path(), "err", err)
		return e.render(c, fiber.StatusInternalServerError, "Something went wrong on our side. We have been told.")
	}
}

// RequestID returns the id RequestRecord gave this request ("" before it).
func RequestID(c *fiber.Ctx) string {
	if r := recordOf(c); r != nil {
		return r.id
	}
	return ""
}

// Views are the templates web itself renders: the error pages (the 404 page
// takes no data) and the headers the base layout includes with the page.
func Views() []View {
	return []View{
		{Name: "errors/404"},
		{Name: "errors/404", Data: notFoundPage{Market: "http://claro.test"}},
		{Name: "errors/unavailable", Data: UnavailablePage{}},
		{Name: "errors/error", Data: errorPage{}},
		{Name: "errors/site_404", Data: Page{Anonymous: true}, Page: true},
		{Name: "errors/site_error", Data: siteError{Status: 400, Message: "x"}, Page: true},
		{Name: "partials/error_search", Data: Page{}},
		{Name: "partials/market_header", Data: Page{}},
		{Name: "partials/store_header", Data: Page{}},
	}
}
