package accounts

import (
	"errors"
	"net/url"
	"strings"
	"time"

	"github.com/claro-market/claro/app/web"
	"github.com/claro-market/claro/tenants"
	"github.com/gofiber/fiber/v2"
)

// HandoffPath is where a custom domain redeems a hand-off token.
const HandoffPath = "/_claro/handoff"

// HandoffStartPath is where a custom domain starts a hand-off: it sets the
// browser's hand-off cookie and sends it to ROOT_DOMAIN/handoff. A page's
// "Sign in" link on a custom domain points here (web.Page.SignInURL).
const HandoffStartPath = web.HandoffStartPath

// handoffCookieAge is how long the asking browser's nonce lasts: long enough
// to sign in or sign up on ROOT_DOMAIN on the way.
const handoffCookieAge = 30 * time.Minute

// hostCookieName is the session cookie on a custom domain: host-only, and
// over HTTPS with the __Host- prefix, which forbids a Domain attribute and
// requires Secure and Path=/, so no other host can set or read it.
func (h *Handlers) hostCookieName() string { return HostCookieName(h.secure) }

// CookieNames are the names a session cookie goes by: on the marketplace and
// store subdomains, and on custom domains. A request carrying neither is
// anonymous without a look-up (the page cache's early path relies on it).
func (h *Handlers) CookieNames() []string { return []string{CookieName, h.hostCookieName()} }

// HostCookieName is the session cookie's name on custom domains, over HTTPS
// (secure) or plain HTTP (development and tests).
func HostCookieName(secure bool) string {
	if secure {
		return "__Host-claro_session"
	}
	return "claro_host_session"
}

// HandoffCookieName is the cookie holding the asking browser's hand-off
// nonce on a custom domain: host-only, and over HTTPS with the __Host-
// prefix, so a sibling host cannot plant a nonce of its choosing.
func HandoffCookieName(secure bool) string {
	if secure {
		return "__Host-claro_handoff"
	}
	return "claro_handoff"
}

// customHost reports whether the request is for a store on its custom domain
// (not ROOT_DOMAIN or a subdomain of it), and that host.
func (h *Handlers) customHost(c *fiber.Ctx) (string, bool) {
	site := web.Site(c)
	if site.Kind != tenants.KindStore || site.Host == h.domain || strings.HasSuffix(site.Host, "."+h.domain) {
		return "", false
	}
	return site.Host, true
}

// askHandoff (GET /_claro/signin?next=<path> on a custom domain) starts a
// hand-off from the browser that wants to be signed in here: it sets a fresh
// random nonce in a host-only cookie and sends the browser to
// ROOT_DOMAIN/handoff with the nonce's hash as state. Only this browser can
// later redeem the token minted for that state.
func (h *Handlers) askHandoff(c *fiber.Ctx) error {
	host, custom := h.customHost(c)
	if !custom {
		return web.ErrNotFound
	}
	nonce, state, err := NewBrowserNonce()
	if err != nil {
		return err
	}
	c.Cookie(&fiber.Cookie{Name: HandoffCookieName(h.secure), Value: nonce, Path: "/", MaxAge: int(handoffCookieAge.Seconds()),
		Expires: time.Now().Add(handoffCookieAge), HTTPOnly: true, Secure: h.secure, SameSite: fiber.CookieSameSiteLaxMode})
	noTrace(c)
	q := url.Values{"to": {host}, "next": {web.SafeNext(c.Query("next"))}, "state": {state}}
	return c.Redirect(h.pages.Links.Market()+"/handoff?"+q.Encode(), fiber.StatusSeeOther)
}

// startHandoff (GET /handoff?to=<custom domain>&next=<path>&state=<hash> on
// ROOT_DOMAIN) mints a token for the signed-in user, bound to the browser
// whose nonce hashes to state, and sends the browser to redeem it on the
// custom domain. Visitors sign in first and come back here. Without a state
// (an old link, or one typed by hand) the hand-off restarts on the custom
// domain, which gives the browser its nonce.
func (h *Handlers) startHandoff(c *fiber.Ctx) error {
	to, ok := tenants.ParseHost(c.Query("to"))
	if !ok || to == h.domain || strings.HasSuffix(to, "."+h.domain) {
		return web.ErrNotFound
	}
	next := web.SafeNext(c.Query("next"))
	state := c.Query("state")
	browser, bound := ParseState(state)
	if bound && web.CurrentUser(c) == nil {
		back := "/handoff?" + url.Values{"to": {to}, "next": {next}, "state": {state}}.Encode()
		return c.Redirect("/login?next="+url.QueryEscape(back), fiber.StatusSeeOther)
	}
	// Only to a store's active custom domain, under its canonical name.
	d, err := h.stores.ActiveDomain(c.UserContext(), to)
	if err != nil {
		return err
	}
	if d.Hostname != to {
		return web.ErrNotFound
	}
	noTrace(c)
	if !bound {
		return c.Redirect(h.scheme()+"://"+to+HandoffStartPath+"?"+url.Values{"next": {next}}.Encode(), fiber.StatusSeeOther)
	}
	token, err := h.handoffs.Mint(c.UserContext(), web.CurrentUser(c).UserID, to, next, browser)
	if err != nil {
		return err
	}
	return c.Redirect(h.scheme()+"://"+to+HandoffPath+"?token="+token, fiber.StatusSeeOther)
}

// redeemHandoff (GET /_claro/handoff?token=… on a custom domain) spends the
// token and, if this browser holds the nonce the token was minted for,
// starts a new session bound to this host: a new id, never the platform
// session's. Any refused token is a 401 that signs nobody in.
func (h *Handlers) redeemHandoff(c *fiber.Ctx) error {
	host, custom := h.customHost(c)
	if !custom {
		return web.ErrNotFound
	}
	noTrace(c)
	userID, next, err := h.handoffs.Redeem(c.UserContext(), c.Query("token"), host, c.Cookies(HandoffCookieName(h.secure)))
	switch {
	case errors.Is(err, ErrHandoffOtherBrowser):
		// The login-CSRF attempt (or a link sent on): say so, sign in nobody.
		return web.Refuse(fiber.StatusUnauthorized,
			"This sign-in link was opened in a different browser from the one that asked for it, so nobody was signed in. To sign in here, go back to the store and choose Sign in.")
	case errors.Is(err, ErrHandoffInvalid):
		return web.Refuse(fiber.StatusUnauthorized,
			"This sign-in link has expired or was already used. Go back to the store and choose Sign in again.")
	case err != nil:
		return err
	}
	if old := c.Cookies(h.hostCookieName()); old != "" {
		_ = h.sessions.Delete(c.UserContext(), old) // the previous session on this host ends here
	}
	token, err := h.sessions.CreateOnHost(c.UserContext(), userID, host, web.ClientIP(c), c.Get(fiber.HeaderUserAgent))
	if err != nil {
		return err
	}
	c.Cookie(&fiber.Cookie{Name: h.hostCookieName(), Value: token, Path: "/", Expires: time.Now().Add(SessionMaxAge),
		HTTPOnly: true, Secure: h.secure, SameSite: fiber.CookieSameSiteLaxMode})
	c.Cookie(&fiber.Cookie{Name: HandoffCookieName(h.secure), Value: "", Path: "/", Expires: time.Unix(1, 0), MaxAge: -1,
		HTTPOnly: true, Secure: h.secure, SameSite: fiber.CookieSameSiteLaxMode}) // the nonce is used up
	return c.Redirect(web.SafeNext(next), fiber.StatusSeeOther) // checked again: a row minted before a stricter rule
}

func (h *Handlers) clearHostCookie(c *fiber.Ctx) {
	c.Cookie(&fiber.Cookie{Name: h.hostCookieName(), Value: "", Path: "/", Expires: time.Unix(1, 0), MaxAge: -1,
		HTTPOnly: true, Secure: h.secure, SameSite: fiber.CookieSameSiteLaxMode})
}

func (h *Handlers) scheme() string {
	if h.secure {
		return "https"
	}
	return "http"
}

// noTrace keeps a hand-off URL, which carries a token, out of caches and of
// the Referer the next page would send.
func noTrace(c *fiber.Ctx) {
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Set(fiber.HeaderReferrerPolicy, "no-referrer")
}

// allowHandoffTarget lets the sign-in and sign-up forms lead to the custom
// domain their next step hands off to (next = /handoff?to=<domain>): the
// form posts here, then /handoff redirects to that domain, and browsers hold
// the whole redirect chain to the page's CSP form-action. Only a store's
// active custom domain, under its canonical name, is added.
func (h *Handlers) allowHandoffTarget(c *fiber.Ctx, next string) {
	rest, ok := strings.CutPrefix(next, "/handoff?")
	if !ok {
		return
	}
	q, err := url.ParseQuery(rest)
	if err != nil {
		return
	}
	to, ok := tenants.ParseHost(q.Get("to"))
	if !ok || to == h.domain || strings.HasSuffix(to, "."+h.domain) {
		return
	}
	if d, err := h.stores.ActiveDomain(c.UserContext(), to); err != nil || d.Hostname != to {
		return
	}
	web.AllowFormTarget(c, h.scheme()+"://"+to)
}
