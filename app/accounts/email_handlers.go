package accounts

import (
	"errors"
	"fmt"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/claro-market/claro/app/web"
	"github.com/gofiber/fiber/v2"
)

// ResendPath is where a signed-in user whose address is not verified asks
// for a new verification link (the banner on every page links here).
const ResendPath = "/verify/resend"

// emailRoutes registers the pages account mail leads to and the forms that
// send it, on the marketplace.
func (h *Handlers) emailRoutes(m web.Routes) {
	m.Get(VerifyPath, h.verify)
	m.Get(ResendPath, RequireUser, h.showResend)
	m.Post(ResendPath, RequireUser, h.resend)
	m.Get("/forgot", h.showForgot)
	m.Post("/forgot", h.forgot)
	m.Get(ResetPath, h.showReset)
	m.Post(ResetPath, h.reset)
	m.Get(resetDonePath, RequireUser, h.resetDone)
	m.Post(SignInLinkPath, h.requestSignInLink)
	m.Get(SignInLinkPath, h.signInWithLink)
	h.emailChangeRoutes(m)
}

// inboxPage is "check your inbox": where a link was sent, or, to answer
// alike whether or not an account exists, where it would have been.
type inboxPage struct {
	web.Page
	Heading string
	Lead    string // what was sent, in one sentence
	Email   string
	Resend  bool   // a signed-in user waiting for a verification link: offer another
	Error   string // a refused resend
	Next    string
}

// noticePage says what became of a link or a form: a heading, a sentence and
// where to go next.
type noticePage struct {
	web.Page
	Heading string
	Message string
	Failed  bool // a refusal (an invalid link), shown as an error
	Actions []Action
}

// Action is one way onward from a notice.
type Action struct {
	Label, URL string
	Primary    bool
}

// resetPage is the new-password form a reset link opens.
type resetPage struct {
	web.Page
	Token string
	Error string
}

func (h *Handlers) checkInbox(c *fiber.Ctx, email, next string) error {
	return web.Render(c, "accounts/check_inbox", inboxPage{Page: h.pages.New(c, "Check your inbox"), Heading: "Check your inbox",
		Email: email, Next: next,
		Lead: "We sent a link to this address. Open it to confirm the address and sign in; it works once, for 24 hours."})
}

// linkPage marks an answer to a request whose address holds a link's token:
// never stored by any cache, and no Referer beyond this site. Not
// no-referrer: under it a browser sends "Origin: null" with the page's own
// forms, which CSRF refuses as another site's.
func linkPage(c *fiber.Ctx) {
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Set(fiber.HeaderReferrerPolicy, "same-origin")
}

// invalidLink is the one answer to a link that is unknown, spent, expired or
// made for something else, with the way to get a new one.
func (h *Handlers) invalidLink(c *fiber.Ctx, again Action) error {
	linkPage(c)
	c.Status(fiber.StatusBadRequest)
	return web.Render(c, "accounts/notice", noticePage{Page: h.pages.New(c, "This link does not work"),
		Heading: "This link does not work", Failed: true,
		Message: "It has been used already, it has expired, or it is not a link we sent. Links in Claro's emails work once, for a limited time.",
		Actions: []Action{again, {Label: "Go to the home page", URL: "/"}}})
}

// signInWith replaces the browser's session, if any, with token's.
func (h *Handlers) signInWith(c *fiber.Ctx, token string) {
	if old := c.Cookies(CookieName); old != "" {
		_ = h.auth.SignOut(c.UserContext(), old) // the old session id dies at sign-in
	}
	h.setCookie(c, token)
}

// verify (GET /verify?token=…&next=…) spends a verification link: the
// address is verified, the guest purchases made with it join the account,
// the browser is signed in and goes on to next.
func (h *Handlers) verify(c *fiber.Ctx) error {
	_, token, err := h.auth.Verify(c.UserContext(), c.Query("token"), web.ClientIP(c), c.Get(fiber.HeaderUserAgent))
	if errors.Is(err, ErrTokenInvalid) {
		return h.invalidLink(c, Action{Label: "Sign in to get a new link", URL: "/login?next=" + ResendPath, Primary: true})
	}
	if err != nil {
		return err
	}
	linkPage(c)
	h.signInWith(c, token)
	return c.Redirect(web.SafeNext(c.Query("next")), fiber.StatusSeeOther)
}

func (h *Handlers) resendPage(c *fiber.Ctx) inboxPage {
	u := web.CurrentUser(c)
	return inboxPage{Page: h.pages.New(c, "Confirm your email"), Heading: "Confirm your email", Email: u.Email, Resend: true,
		Next: web.SafeNext(c.Query("next")),
		Lead: "Open the link we sent to this address to confirm it. Until then, purchases made with it as a guest stay out of your account."}
}

// showResend (GET /verify/resend) offers a new verification link.
func (h *Handlers) showResend(c *fiber.Ctx) error {
	if web.CurrentUser(c).Verified {
		return c.Redirect("/", fiber.StatusSeeOther)
	}
	return web.Render(c, "accounts/check_inbox", h.resendPage(c))
}

// resend (POST /verify/resend) emails the signed-in user a new verification
// link, within the mail allowances.
func (h *Handlers) resend(c *fiber.Ctx) error {
	page := h.resendPage(c)
	page.Next = web.SafeNext(c.FormValue("next"))
	_, err := h.auth.ResendVerification(c.UserContext(), web.CurrentUser(c).UserID, web.ClientIP(c), page.Next)
	var thr *ThrottledError
	var mthr *MailThrottledError
	switch {
	case errors.Is(err, ErrAlreadyVerified):
		return c.Redirect(page.Next, fiber.StatusSeeOther)
	case errors.As(err, &thr):
		return h.tooManyMails(c, page, thr.RetryAfter)
	case errors.As(err, &mthr):
		return h.tooManyMails(c, page, mthr.RetryAfter)
	case err != nil:
		h.auth.log.Error("accounts: verification mail not sent", "err", err)
		page.Error = "We could not send the email just now. Try again in a minute."
		c.Status(fiber.StatusServiceUnavailable)
		return web.Render(c, "accounts/check_inbox", page)
	}
	page.Heading, page.Lead = "Check your inbox", "We sent a new link to this address. Open it to confirm the address; it works once, for 24 hours."
	return web.Render(c, "accounts/check_inbox", page)
}

func (h *Handlers) tooManyMails(c *fiber.Ctx, page inboxPage, wait time.Duration) error {
	secs := int(wait.Seconds()) + 1
	mins := max((secs+59)/60, 1)
	page.Error = fmt.Sprintf("We have sent several emails already. Try again in %d minute%s.", mins, map[bool]string{true: "", false: "s"}[mins == 1])
	c.Set(fiber.HeaderRetryAfter, strconv.Itoa(secs))
	c.Status(fiber.StatusTooManyRequests)
	return web.Render(c, "accounts/check_inbox", page)
}

// sentIfKnown is the one answer to "email me a link": the same whether or
// not an account has the address.
func (h *Handlers) sentIfKnown(c *fiber.Ctx, email, what string) error {
	return web.Render(c, "accounts/check_inbox", inboxPage{Page: h.pages.New(c, "Check your inbox"), Heading: "Check your inbox",
		Email: email, Lead: "If an account has this address, we sent it " + what + "."})
}

// showForgot (GET /forgot) asks for the address to send a reset link to.
func (h *Handlers) showForgot(c *fiber.Ctx) error {
	return web.Render(c, "accounts/forgot", authPage{Page: h.pages.New(c, "Reset your password"), Form: SignUpForm{Email: c.Query("email")}})
}

// forgot (POST /forgot) emails a reset link to the account holding the
// address, if any, and answers the same either way.
func (h *Handlers) forgot(c *fiber.Ctx) error {
	email := c.FormValue("email")
	page := authPage{Page: h.pages.New(c, "Reset your password"), Form: SignUpForm{Email: email}}
	err := h.auth.ForgotPassword(c.UserContext(), email, web.ClientIP(c))
	var thr *ThrottledError
	switch {
	case errors.Is(err, ErrBadEmail):
		page.Error = "Enter an email address like name@example.com."
		c.Status(fiber.StatusUnprocessableEntity)
		return web.Render(c, "accounts/forgot", page)
	case errors.As(err, &thr):
		return h.throttled(c, "accounts/forgot", page, thr)
	case err != nil:
		return err
	}
	return h.sentIfKnown(c, NormalizeEmail(email), "a link to choose a new password; it works once, for 30 minutes")
}

// showReset (GET /reset?token=…) shows the new-password form while the link
// works; the link is spent only when the form is sent.
func (h *Handlers) showReset(c *fiber.Ctx) error {
	token := c.Query("token")
	if err := h.auth.CheckReset(c.UserContext(), token); errors.Is(err, ErrTokenInvalid) {
		return h.invalidLink(c, Action{Label: "Ask for a new reset link", URL: "/forgot", Primary: true})
	} else if err != nil {
		return err
	}
	linkPage(c)
	return web.Render(c, "accounts/reset", resetPage{Page: h.pages.New(c, "Choose a new password"), Token: token})
}

// reset (POST /reset) spends the link and sets the new password: every
// other session of the account ends, and this browser is signed in afresh
// and sent to /reset/done.
func (h *Handlers) reset(c *fiber.Ctx) error {
	token, password := c.FormValue("token"), c.FormValue("password")
	page := resetPage{Page: h.pages.New(c, "Choose a new password"), Token: token}
	linkPage(c)
	if n := utf8.RuneCountInString(password); n < minPassword || n > maxPassword {
		page.Error = fmt.Sprintf("Use a password of %d to %d characters.", minPassword, maxPassword)
		c.Status(fiber.StatusUnprocessableEntity)
		return web.Render(c, "accounts/reset", page)
	}
	_, session, err := h.auth.ResetPassword(c.UserContext(), token, password, web.ClientIP(c), c.Get(fiber.HeaderUserAgent))
	if errors.Is(err, ErrTokenInvalid) {
		return h.invalidLink(c, Action{Label: "Ask for a new reset link", URL: "/forgot", Primary: true})
	}
	if err != nil {
		return err
	}
	h.setCookie(c, session) // every earlier session, this browser's too, ended with the reset
	// Answered by a new request, so the page is drawn for the new session.
	return c.Redirect(resetDonePath, fiber.StatusSeeOther)
}

// resetDonePath is where a reset lands, signed in with its new session.
const resetDonePath = "/reset/done"

// resetDone (GET /reset/done) says the reset worked.
func (h *Handlers) resetDone(c *fiber.Ctx) error {
	return web.Render(c, "accounts/notice", noticePage{Page: h.pages.New(c, "Password changed"), Heading: "Password changed",
		Message: "Your new password is set and you are signed in. Every other browser that was signed in to your account has been signed out.",
		Actions: []Action{{Label: "Go to your library", URL: "/library", Primary: true}, {Label: "Go to the home page", URL: "/"}}})
}

// requestSignInLink (POST /login/link) emails a sign-in link to the account
// holding the address, if any, and answers the same either way.
func (h *Handlers) requestSignInLink(c *fiber.Ctx) error {
	email := c.FormValue("email")
	page := authPage{Page: h.pages.New(c, "Sign in"), Next: web.SafeNext(c.FormValue("next")), Form: SignUpForm{Email: email}}
	err := h.auth.EmailSignIn(c.UserContext(), email, web.ClientIP(c), page.Next)
	var thr *ThrottledError
	switch {
	case errors.Is(err, ErrBadEmail):
		page.Error = "Enter an email address like name@example.com to get a sign-in link."
		c.Status(fiber.StatusUnprocessableEntity)
		return web.Render(c, "accounts/login", page)
	case errors.As(err, &thr):
		return h.throttled(c, "accounts/login", page, thr)
	case err != nil:
		return err
	}
	return h.sentIfKnown(c, NormalizeEmail(email), "a sign-in link; it works once, for 15 minutes")
}

// signInWithLink (GET /login/link?token=…&next=…) spends a sign-in link and
// signs the browser in.
func (h *Handlers) signInWithLink(c *fiber.Ctx) error {
	_, token, err := h.auth.SignInWithLink(c.UserContext(), c.Query("token"), web.ClientIP(c), c.Get(fiber.HeaderUserAgent))
	if errors.Is(err, ErrTokenInvalid) {
		return h.invalidLink(c, Action{Label: "Ask for a new sign-in link", URL: "/login", Primary: true})
	}
	if err != nil {
		return err
	}
	linkPage(c)
	h.signInWith(c, token)
	return c.Redirect(web.SafeNext(c.Query("next")), fiber.StatusSeeOther)
}
