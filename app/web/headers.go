package web

import (
	"crypto/sha256"
	"encoding/base64"
	"net"
	"regexp"
	"strings"

	"github.com/claro-market/claro/tenants"
	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"
)

// SecurityOptions is what the security headers depend on: where the
// marketplace lives, and whether HSTS is sent.
type SecurityOptions struct {
	Scheme string // "https" or "http"
	Root   string // ROOT_DOMAIN, with its port in development
	// HSTS sends Strict-Transport-Security: in production, whatever
	// terminates TLS (the app, Caddy or Fly's edge), since a browser on
	// plain HTTP ignores it anyway.
	HSTS bool
	// StyleHashes allow the inline <style> blocks of the error pages, which
	// load no stylesheet: they are also served for hosts no store owns,
	// where /static is not routed.
	StyleHashes []string
}

// rootHost is Root without its port.
func (o SecurityOptions) rootHost() string {
	if h, _, err := net.SplitHostPort(o.Root); err == nil {
		return h
	}
	return o.Root
}

// FormTargets are the origins a page's forms may post to, or be redirected
// to after posting, besides the page's own: the marketplace (sign out, the
// header's search) and every store subdomain (the test-payment page's return),
// Stripe Checkout (POST /checkout answers 303 there) and Stripe Connect
// onboarding (POST /dashboard/…/payments/onboard).
func (o SecurityOptions) formTargets() []string {
	return []string{o.Scheme + "://" + o.Root, o.Scheme + "://*." + o.Root,
		"https://checkout.stripe.com", "https://connect.stripe.com"}
}

// CSP is the Content-Security-Policy every response carries. Scripts come
// only from this origin's files (htmx and static/*.js; no inline script or
// handler, no eval: the base layout sets htmx's allowEval false), so an
// injected <script> or onerror= runs nothing. Styles come from this
// origin's files, the error pages' hashed blocks and style= attributes (a
// store's accent colour is one: --accent per store); <style> elements are
// refused, so htmx's indicator styles are turned off in the layout and live
// in static/app.css.
func (o SecurityOptions) CSP() string {
	style := "'self'"
	for _, h := range o.StyleHashes {
		style += " '" + h + "'"
	}
	return "default-src 'self'; script-src 'self'; style-src " + style + "; style-src-attr 'unsafe-inline'; " +
		"img-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; " +
		"form-action 'self' " + strings.Join(o.formTargets(), " ")
}

// SecurityHeaders sets the security headers on every response before anything
// below writes it, so error pages, the 404 page, redirects and the page
// cache's replays carry them as well as rendered pages.
func SecurityHeaders(o SecurityOptions) fiber.Handler {
	// Names in canonical form and values as bytes, made once: SetCanonical
	// then copies them in without normalising each name per request.
	set := [][2][]byte{
		{[]byte(fiber.HeaderContentSecurityPolicy), []byte(o.CSP())},
		{[]byte(fiber.HeaderXContentTypeOptions), []byte("nosniff")},
		{[]byte(fiber.HeaderReferrerPolicy), []byte("strict-origin-when-cross-origin")},
	}
	hsts, root := []byte(fiber.HeaderStrictTransportSecurity), o.rootHost()
	return func(c *fiber.Ctx) error {
		h := &c.Response().Header
		for _, kv := range set {
			h.SetCanonical(kv[0], kv[1])
		}
		if o.HSTS {
			h.SetCanonical(hsts, utils.UnsafeBytes(tenants.HSTS(utils.UnsafeString(c.Request().Host()), root))) // copied in
		}
		return c.Next()
	}
}

// AllowFormTarget lets this response's forms also lead to origin (a
// scheme and host, validated by the caller): the sign-in page whose next
// step is a custom domain's hand-off is redirected there after posting,
// and browsers hold that redirect to form-action.
func AllowFormTarget(c *fiber.Ctx, origin string) {
	h := &c.Response().Header
	if csp := string(h.Peek(fiber.HeaderContentSecurityPolicy)); strings.Contains(csp, "form-action ") {
		h.Set(fiber.HeaderContentSecurityPolicy, csp+" "+origin)
	}
}

var styleBlock = regexp.MustCompile(`(?s)<style>(.*?)</style>`)

// StyleHashes is the CSP hash source of every <style> block in pages.
func StyleHashes(pages ...[]byte) []string {
	var out []string
	seen := map[string]bool{}
	for _, p := range pages {
		for _, m := range styleBlock.FindAllSubmatch(p, -1) {
			sum := sha256.Sum256(m[1])
			h := "sha256-" + base64.StdEncoding.EncodeToString(sum[:])
			if !seen[h] {
				seen[h] = true
				out = append(out, h)
			}
		}
	}
	return out
}
