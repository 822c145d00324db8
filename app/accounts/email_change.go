package accounts

import (
	"errors"

	"github.com/claro-market/claro/app/web"
	"github.com/gofiber/fiber/v2"
)

// EmailPath is the page where a signed-in user changes their address.
const EmailPath = "/account/email"

// emailChangeRoutes registers the change of address on the marketplace.
func (h *Handlers) emailChangeRoutes(m web.Routes) {
	m.Get(EmailPath, RequireUser, h.showEmailChange)
	m.Post(EmailPath, RequireUser, h.requestEmailChange)
	m.Get(EmailConfirmPath, h.confirmEmailChange)
}

// emailPage is the change-of-address form.
type emailPage struct {
	web.Page
	Current  string // the account's address now
	NewEmail string
	Errors   map[string]string
	Error    string
}

func (h *Handlers) emailPage(c *fiber.Ctx) emailPage {
	return emailPage{Page: h.pages.New(c, "Change your email"), Current: web.CurrentUser(c).Email, Errors: map[string]string{}}
}

// showEmailChange (GET /account/email) shows the form.
func (h *Handlers) showEmailChange(c *fiber.Ctx) error {
	return web.Render(c, "accounts/email", h.emailPage(c))
}

// requestEmailChange (POST /account/email) checks the current password and
// mails the new address a confirmation link; nothing changes until it is
// opened. The answer is the same whether or not the new address has an
// account.
func (h *Handlers) requestEmailChange(c *fiber.Ctx) error {
	page := h.emailPage(c)
	page.NewEmail = c.FormValue("email")
	err := h.auth.RequestEmailChange(c.UserContext(), web.CurrentUser(c).UserID, c.FormValue("password"), page.NewEmail, web.ClientIP(c))
	var thr *ThrottledError
	switch {
	case errors.Is(err, ErrBadEmail):
		page.Errors["email"] = "Enter an email address like name@example.com."
	case errors.Is(err, ErrSameEmail):
		page.Errors["email"] = "That is your address already. Enter the new one."
	case errors.Is(err, ErrBadCredentials):
		page.Errors["password"] = "That is not your current password."
	case errors.As(err, &thr):
		page.Error = tryAgainIn(thr.RetryAfter)
		c.Status(fiber.StatusTooManyRequests)
		return web.Render(c, "accounts/email", page)
	case err != nil:
		return err
	}
	if len(page.Errors) > 0 {
		c.Status(fiber.StatusUnprocessableEntity)
		return web.Render(c, "accounts/email", page)
	}
	return web.Render(c, "accounts/check_inbox", inboxPage{Page: h.pages.New(c, "Check your inbox"), Heading: "Check your inbox",
		Email: NormalizeEmail(page.NewEmail),
		Lead:  "We sent a confirmation link to this address. Your email stays " + page.Current + " until you open it; it works once, for 24 hours."})
}

// confirmEmailChange (GET /account/email/confirm?token=…) spends the link
// and moves the account to the new address.
func (h *Handlers) confirmEmailChange(c *fiber.Ctx) error {
	u, err := h.auth.ConfirmEmailChange(c.UserContext(), c.Query("token"))
	switch {
	case errors.Is(err, ErrTokenInvalid):
		return h.invalidLink(c, Action{Label: "Change your email again", URL: EmailPath, Primary: true})
	case errors.Is(err, ErrEmailTaken):
		linkPage(c)
		c.Status(fiber.StatusConflict)
		return web.Render(c, "accounts/notice", noticePage{Page: h.pages.New(c, "Email not changed"), Heading: "Email not changed",
			Failed: true, Message: "That address has its own Claro account now, so your account keeps its address.",
			Actions: []Action{{Label: "Go to the home page", URL: "/", Primary: true}}})
	case err != nil:
		return err
	}
	linkPage(c)
	return web.Render(c, "accounts/notice", noticePage{Page: h.pages.New(c, "Email changed"), Heading: "Email changed",
		Message: "Your Claro account's email is now " + u.Email + ". Receipts and sign-in links go there from now on.",
		Actions: []Action{{Label: "Go to your library", URL: "/library", Primary: true}, {Label: "Go to the home page", URL: "/"}}})
}
