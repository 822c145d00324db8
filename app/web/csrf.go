package web

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"hash"
	"strings"
	"sync"

	"github.com/gofiber/fiber/v2"
)

// CSRF protects every state-changing request, in two layers.
//
// Every unsafe request (POST, PUT, PATCH, DELETE), signed in or not, must
// come from this very host, as the browser tells it:
//   - Sec-Fetch-Site (Fetch Metadata, sent by every current browser) must be
//     same-origin or none (typed in, a bookmark). same-site is refused: store
//     subdomains are siblings run by other people, so a form on
//     mallory.claro.shop posting to alice.claro.shop is same-site and hostile.
//   - An Origin or Referer header naming another host (or Origin: null) is
//     refused, whether or not Sec-Fetch-Site came.
//   - A request with neither Sec-Fetch-Site nor Origin is not from a browser
//     that could be tricked (curl, a server): it is let through, as Go's
//     net/http.CrossOriginProtection does.
//
// A signed-in request must in addition carry a token: an HMAC of the session
// and the request host, so a token minted on one storefront is refused on
// every other. Pages of signed-in visitors are never cached, so the token
// costs nothing to share.
//
// Anonymous requests carry no token: their pages (the ones the page cache
// keeps) are then the same bytes for every visitor, and no visitor cookie is
// needed to bind one. What an anonymous write can change is the visitor's own
// host-only cart cookie, a sign-in, a sign-up, a reset request or a review
// draft; the Fetch Metadata rule refuses all of them cross-site and
// same-site, in every browser that sends it (Chrome and Edge 76+, Firefox
// 90+, Safari 16.4+), and older browsers still send Origin on a cross-site
// POST.
//
// The rule is net/http.CrossOriginProtection's, written out here in a few
// lines rather than calling it: that type checks a *http.Request, which Fiber
// (fasthttp) does not have (building one per write costs a request and a
// header map), and it compares Origin with the Host header including its
// port, where Claro compares with the resolved site's host (lower case, no
// port, the trusted proxy's X-Forwarded-Host), as the token does.
type CSRF struct {
	key    []byte
	exempt []string
	macs   sync.Pool // HMAC-SHA256 states keyed with key, reused across requests
}

// CSRFHeader is the header htmx sends the token in (hx-headers on <body>).
const CSRFHeader = "X-CSRF-Token"

// CSRFField is the form field forms send the token in.
const CSRFField = "_csrf"

type csrfTokenKey struct{}

// NewCSRF derives the CSRF key from the application secret. Paths starting
// with an exempt prefix (webhooks, which are signed instead) are not checked.
func NewCSRF(secret []byte, exempt ...string) *CSRF {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("claro csrf v1"))
	x := &CSRF{key: m.Sum(nil), exempt: exempt}
	x.macs.New = func() any { return hmac.New(sha256.New, x.key) }
	return x
}

// Token is the token for binding on host.
func (x *CSRF) Token(binding, host string) string {
	m := x.macs.Get().(hash.Hash)
	m.Reset()
	m.Write([]byte(binding))
	m.Write([]byte{0})
	m.Write([]byte(strings.ToLower(host)))
	var sum [sha256.Size]byte
	t := base64.RawURLEncoding.EncodeToString(m.Sum(sum[:0]))
	x.macs.Put(m)
	return t
}

// msgCrossSite is the refusal of a write another site started.
const msgCrossSite = "This request came from another site and was refused."

// Middleware issues a signed-in request's token and checks every unsafe
// request: its origin always, its token when signed in. An exempt path
// (signed webhooks, the token-authorised JSON API) is not checked and gets
// no token: nothing there renders a form.
func (x *CSRF) Middleware(c *fiber.Ctx) error {
	for _, p := range x.exempt {
		if strings.HasPrefix(c.Path(), p) {
			return c.Next()
		}
	}
	binding := sessionBinding(c)
	var token string
	host := Site(c).Host // normalised: lower case, no port
	if binding != "" {
		token = x.Token(binding, host)
		c.Locals(csrfTokenKey{}, token)
	}

	switch c.Method() {
	case fiber.MethodGet, fiber.MethodHead, fiber.MethodOptions, fiber.MethodTrace:
		return c.Next()
	}
	if !fetchSiteAllowed(c.Get("Sec-Fetch-Site")) ||
		!sameOrigin(c.Get(fiber.HeaderOrigin), host) || !sameOrigin(c.Get(fiber.HeaderReferer), host) {
		return Refuse(fiber.StatusForbidden, msgCrossSite)
	}
	if binding == "" {
		return c.Next() // anonymous: the origin is the whole check (see CSRF)
	}
	sent := c.Get(CSRFHeader)
	if sent == "" {
		sent = c.FormValue(CSRFField)
	}
	if !hmac.Equal([]byte(sent), []byte(token)) {
		return Refuse(fiber.StatusForbidden, "Your form expired or came from another page. Reload the page and try again.")
	}
	return c.Next()
}

// fetchSiteAllowed is the Fetch Metadata rule: absent (an older browser or
// no browser: Origin decides), same-origin, or none (the user's own
// navigation). cross-site and same-site (a sibling store) are refused.
func fetchSiteAllowed(v string) bool {
	switch v {
	case "", "same-origin", "none":
		return true
	}
	return false
}

// sameOrigin reports whether an Origin or Referer value (when present) names
// host. An absent header is allowed.
func sameOrigin(v, host string) bool {
	if v == "" {
		return true
	}
	if v == "null" {
		return false
	}
	rest, ok := strings.CutPrefix(v, "https://")
	if !ok {
		if rest, ok = strings.CutPrefix(v, "http://"); !ok {
			return false
		}
	}
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		rest = rest[:i]
	}
	h := rest
	if i := strings.LastIndexByte(h, ':'); i >= 0 && !strings.Contains(h[i:], "]") {
		h = h[:i]
	}
	return strings.EqualFold(h, host)
}

// CSRFToken returns the token the page must carry: the signed-in visitor's,
// or "" for an anonymous one, whose page carries none.
func CSRFToken(c *fiber.Ctx) string {
	t, _ := c.Locals(csrfTokenKey{}).(string)
	return t
}
