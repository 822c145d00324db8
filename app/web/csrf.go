package web

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"hash"
	"strings"
	"sync"

	"github.com/gofiber/fiber/v2"
)

// CSRF protects every state-changing request. A token is an HMAC of the
// visitor's binding (their session, or a random visitor id in a host-only
// cookie) and the request host, so a token minted on one storefront is refused
// on every other: store subdomains are siblings run by other people, and
// Sec-Fetch-Site: same-site proves nothing there. On top, a request whose
// Origin (or Referer) names another host is refused outright.
type CSRF struct {
	key    []byte
	secure bool
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
func NewCSRF(secret []byte, secure bool, exempt ...string) *CSRF {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("claro csrf v1"))
	x := &CSRF{key: m.Sum(nil), secure: secure, exempt: exempt}
	x.macs.New = func() any { return hmac.New(sha256.New, x.key) }
	return x
}

// VisitorCookie names the host-only cookie that binds an anonymous visitor's
// tokens. Over HTTPS it carries the __Host- prefix, which a sibling subdomain
// cannot set.
func (x *CSRF) VisitorCookie() string {
	if x.secure {
		return "__Host-claro_visitor"
	}
	return "claro_visitor"
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

// Middleware issues the request's token and checks it on unsafe methods.
// An exempt path (signed webhooks, the token-authorised JSON API) gets no
// token and no visitor cookie: nothing there renders a form, and an API
// client must not be handed cookies.
func (x *CSRF) Middleware(c *fiber.Ctx) error {
	for _, p := range x.exempt {
		if strings.HasPrefix(c.Path(), p) {
			return c.Next()
		}
	}
	binding := sessionBinding(c)
	if binding == "" {
		binding = c.Cookies(x.VisitorCookie())
		if len(binding) != 22 {
			b := make([]byte, 16)
			_, _ = rand.Read(b)
			binding = base64.RawURLEncoding.EncodeToString(b)
			c.Cookie(&fiber.Cookie{
				Name: x.VisitorCookie(), Value: binding, Path: "/", HTTPOnly: true,
				Secure: x.secure, SameSite: fiber.CookieSameSiteLaxMode,
			})
		}
		binding = "visitor:" + binding
	}
	host := Site(c).Host // normalised: lower case, no port
	token := x.Token(binding, host)
	c.Locals(csrfTokenKey{}, token)

	switch c.Method() {
	case fiber.MethodGet, fiber.MethodHead, fiber.MethodOptions, fiber.MethodTrace:
		return c.Next()
	}
	if !sameOrigin(c.Get(fiber.HeaderOrigin), host) || !sameOrigin(c.Get(fiber.HeaderReferer), host) {
		return Refuse(fiber.StatusForbidden, "This request came from another site and was refused.")
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

// sameOrigin reports whether an Origin or Referer value (when present) names
// host. An absent header is allowed: the token still has to match.
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

// CSRFToken returns the token the page must carry.
func CSRFToken(c *fiber.Ctx) string {
	t, _ := c.Locals(csrfTokenKey{}).(string)
	return t
}
