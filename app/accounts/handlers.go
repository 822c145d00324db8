package accounts

import (
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/claro-market/claro/app/web"
	"github.com/claro-market/claro/tenants"
	"github.com/gofiber/fiber/v2"
)

// CookieName is the session cookie. It is scoped to ROOT_DOMAIN and its
// subdomains (see README "Accounts"), and never reaches a custom domain: there a
// hand-off gives the visitor a host-only cookie (HostCookieName) instead.
const CookieName = "claro_session"

// Handlers serves sign-up, sign-in and sign-out, the account settings, the
// links account mail carries (email_handlers.go), and loads the session of
// every request.
type Handlers struct {
	auth     *Auth
	sessions *Sessions
	pages    *web.Pages
	domain   string // cookie domain: ROOT_DOMAIN without port
	secure   bool
	handoffs *Handoffs
	stores   *tenants.Store // on the primary: is a hand-off's target an active custom domain?
}

// NewHandlers returns the accounts handlers. Hand-offs and the domain check
// they need use the sessions' database (the primary).
func NewHandlers(auth *Auth, sessions *Sessions, pages *web.Pages, cookieDomain string, secure bool) *Handlers {
	return &Handlers{auth: auth, sessions: sessions, pages: pages, domain: cookieDomain, secure: secure,
		handoffs: NewHandoffs(sessions.db), stores: tenants.NewStore(sessions.db)}
}

// Routes registers the account pages on the marketplace.
func (h *Handlers) Routes(r fiber.Router) {
	m := web.MarketRoutes(r)
	m.Get("/signup", h.showSignUp)
	m.Post("/signup", h.signUp)
	m.Get("/login", h.showSignIn)
	m.Post("/login", h.signIn)
	m.Post("/logout", h.signOut)
	h.emailRoutes(m)
	m.Get("/handoff", h.startHandoff)
	web.StoreRoutes(r).Get(HandoffStartPath, h.askHandoff)
	web.StoreRoutes(r).Get(HandoffPath, h.redeemHandoff)
	h.settingsRoutes(r)
}

// Middleware loads the signed-in user, if any, before CSRF and handlers run.
// On ROOT_DOMAIN and store subdomains it reads the platform's cookie and
// accepts only platform sessions; on a custom domain it reads only that
// host's cookie and accepts only a session handed off to that very host, so
// neither kind of session is honoured where it does not belong.
func (h *Handlers) Middleware(c *fiber.Ctx) error {
	host, custom := h.customHost(c)
	name := CookieName
	if custom {
		name = h.hostCookieName()
	}
	token := c.Cookies(name)
	if token == "" {
		return c.Next()
	}
	s, err := h.sessions.Lookup(c.UserContext(), token)
	if err == nil && s.Host != host {
		err = ErrNotFound
	}
	switch {
	case errors.Is(err, ErrNotFound) && custom:
		h.clearHostCookie(c)
	case errors.Is(err, ErrNotFound):
		h.clearCookie(c)
	case err != nil:
		return err
	default:
		web.SetIdentity(c, &web.Identity{UserID: s.User.ID, Email: s.User.Email, Name: s.User.Name, SessionID: s.ID, Verified: s.Verified},
			"session:"+hex.EncodeToString(s.TokenHash))
	}
	return c.Next()
}

// RequireUser sends visitors to sign in, coming back to where they were.
func RequireUser(c *fiber.Ctx) error {
	if web.CurrentUser(c) == nil {
		if web.IsHTMX(c) {
			c.Set("HX-Redirect", "/login?next="+c.Path())
			return c.SendStatus(fiber.StatusUnauthorized)
		}
		return c.Redirect("/login?next="+c.Path(), fiber.StatusSeeOther)
	}
	return c.Next()
}

func (h *Handlers) setCookie(c *fiber.Ctx, token string) {
	c.Cookie(&fiber.Cookie{
		Name: CookieName, Value: token, Path: "/", Domain: h.domain,
		Expires: time.Now().Add(SessionMaxAge), HTTPOnly: true, Secure: h.secure, SameSite: fiber.CookieSameSiteLaxMode,
	})
}

func (h *Handlers) clearCookie(c *fiber.Ctx) {
	c.Cookie(&fiber.Cookie{
		Name: CookieName, Value: "", Path: "/", Domain: h.domain,
		Expires: time.Unix(1, 0), MaxAge: -1, HTTPOnly: true, Secure: h.secure, SameSite: fiber.CookieSameSiteLaxMode,
	})
}

type authPage struct {
	web.Page
	Form  SignUpForm
	Next  string
	Error string
}

func (h *Handlers) showSignUp(c *fiber.Ctx) error {
	next := web.SafeNext(c.Query("next"))
	h.allowHandoffTarget(c, next)
	return web.Render(c, "accounts/signup", authPage{Page: h.pages.New(c, "Create your account"), Next: next,
		Form: SignUpForm{Email: c.Query("email")}}) // a receipt's claim link names the address it was paid with
}

func (h *Handlers) signUp(c *fiber.Ctx) error {
	f := SignUpForm{Email: c.FormValue("email"), Password: c.FormValue("password"), Name: c.FormValue("name")}
	page := authPage{Page: h.pages.New(c, "Create your account"), Next: web.SafeNext(c.FormValue("next"))}
	h.allowHandoffTarget(c, page.Next) // a refused form is shown again
	if !f.Validate() {
		f.Password = ""
		page.Form = f
		c.Status(fiber.StatusUnprocessableEntity)
		return web.Render(c, "accounts/signup", page)
	}
	err := h.auth.SignUp(c.UserContext(), &f, web.ClientIP(c), page.Next)
	var thr *ThrottledError
	switch {
	case errors.As(err, &thr):
		return h.throttled(c, "accounts/signup", page, thr)
	case err != nil:
		return err
	}
	// The same page whether the address was new or had an account: the
	// mail sent says which.
	return h.checkInbox(c, f.Email, "")
}

func (h *Handlers) showSignIn(c *fiber.Ctx) error {
	next := web.SafeNext(c.Query("next"))
	h.allowHandoffTarget(c, next)
	return web.Render(c, "accounts/login", authPage{Page: h.pages.New(c, "Sign in"), Next: next, Form: SignUpForm{Email: c.Query("email")}})
}

func (h *Handlers) signIn(c *fiber.Ctx) error {
	email := c.FormValue("email")
	page := authPage{Page: h.pages.New(c, "Sign in"), Next: web.SafeNext(c.FormValue("next")), Form: SignUpForm{Email: email}}
	h.allowHandoffTarget(c, page.Next) // a refused form is shown again
	_, token, err := h.auth.SignIn(c.UserContext(), email, c.FormValue("password"), web.ClientIP(c), c.Get(fiber.HeaderUserAgent))
	var thr *ThrottledError
	switch {
	case errors.As(err, &thr):
		return h.throttled(c, "accounts/login", page, thr)
	case errors.Is(err, ErrBadCredentials):
		page.Error = "That email and password do not match an account."
		c.Status(fiber.StatusUnauthorized)
		return web.Render(c, "accounts/login", page)
	case err != nil:
		return err
	}
	if old := c.Cookies(CookieName); old != "" {
		_ = h.auth.SignOut(c.UserContext(), old) // the old session id dies at sign-in
	}
	h.setCookie(c, token)
	return c.Redirect(page.Next, fiber.StatusSeeOther)
}

func (h *Handlers) throttled(c *fiber.Ctx, view string, page authPage, thr *ThrottledError) error {
	page.Error = tryAgainIn(thr.RetryAfter)
	page.Form.Password = ""
	c.Set(fiber.HeaderRetryAfter, strconv.Itoa(int(thr.RetryAfter.Seconds())+1))
	c.Status(fiber.StatusTooManyRequests)
	return web.Render(c, view, page)
}

func (h *Handlers) signOut(c *fiber.Ctx) error {
	if token := c.Cookies(CookieName); token != "" {
		if err := h.auth.SignOut(c.UserContext(), token); err != nil {
			return err
		}
	}
	h.clearCookie(c)
	return c.Redirect("/", fiber.StatusSeeOther)
}

// tryAgainIn tells a throttled visitor how long to wait, in whole minutes.
func tryAgainIn(wait time.Duration) string {
	mins := int(wait.Round(time.Minute) / time.Minute)
	if mins < 1 {
		mins = 1
	}
	return fmt.Sprintf("Too many attempts. Try again in %d minute%s.", mins, map[bool]string{true: "", false: "s"}[mins == 1])
}
