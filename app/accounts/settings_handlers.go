package accounts

import (
	"errors"
	"strconv"

	"github.com/claro-market/claro/app/web"
	"github.com/gofiber/fiber/v2"
)

// settingsDone words each action's success for the page it redirects to;
// the query names the action, never the text.
var settingsDone = map[string]string{
	"profile":  "Your name is saved.",
	"password": "Password changed. Every other session of your account is signed out; this browser stays signed in.",
	"session":  "That session is signed out.",
	"others":   "Every other session of your account is signed out.",
}

// sessionRow is one live session on the settings page.
type sessionRow struct {
	ActiveSession
	Current bool // the browser looking at the page
}

// settingsPage is GET /account: the profile, the password, the sessions and
// the email address of the signed-in account.
type settingsPage struct {
	web.Page
	Account  User
	Verified bool
	EmailURL string
	Sessions []sessionRow
	Profile  ProfileForm
	Password PasswordForm
	// PasswordError is a refusal of the password form as a whole (a wrong
	// or throttled current password).
	PasswordError string
}

// settingsRoutes registers the account settings on the marketplace, for
// signed-in users only.
func (h *Handlers) settingsRoutes(r fiber.Router) {
	m := web.MarketRoutes(r)
	m.Get("/account", RequireUser, h.showSettings)
	m.Post("/account/profile", RequireUser, h.saveProfile)
	m.Post("/account/password", RequireUser, h.changePassword)
	m.Post("/account/sessions/sign-out-others", RequireUser, h.endOtherSessions)
	m.Post("/account/sessions/:id/sign-out", RequireUser, h.endSession)
}

// newSettingsPage loads the account and its sessions; the forms start with
// what is stored.
func (h *Handlers) newSettingsPage(c *fiber.Ctx) (settingsPage, error) {
	me := web.CurrentUser(c)
	page := settingsPage{Page: h.pages.New(c, "Your account"), EmailURL: EmailPath}
	u, err := h.auth.users.ByID(c.UserContext(), me.UserID)
	if err != nil {
		return page, err
	}
	page.Account, page.Verified = *u, u.EmailVerifiedAt != nil
	page.Account.PasswordHash = ""
	page.Profile.Name = u.Name
	sessions, err := h.sessions.ForUser(c.UserContext(), me.UserID)
	if err != nil {
		return page, err
	}
	for _, s := range sessions {
		page.Sessions = append(page.Sessions, sessionRow{ActiveSession: s, Current: s.ID == me.SessionID})
	}
	return page, nil
}

func (h *Handlers) showSettings(c *fiber.Ctx) error {
	page, err := h.newSettingsPage(c)
	if err != nil {
		return err
	}
	page.Flash = settingsDone[c.Query("done")]
	return web.Render(c, "accounts/settings", page)
}

// refuseSettings shows the page again with what the user typed and why it
// was refused.
func (h *Handlers) refuseSettings(c *fiber.Ctx, status int, fill func(*settingsPage)) error {
	page, err := h.newSettingsPage(c)
	if err != nil {
		return err
	}
	fill(&page)
	page.Password.Current, page.Password.New, page.Password.Repeat = "", "", ""
	c.Status(status)
	return web.Render(c, "accounts/settings", page)
}

func (h *Handlers) saveProfile(c *fiber.Ctx) error {
	f := ProfileForm{Name: c.FormValue("name")}
	if !f.Validate() {
		return h.refuseSettings(c, fiber.StatusUnprocessableEntity, func(p *settingsPage) { p.Profile = f })
	}
	if err := h.auth.Rename(c.UserContext(), web.CurrentUser(c).UserID, &f); err != nil {
		return err
	}
	return c.Redirect("/account?done=profile", fiber.StatusSeeOther)
}

func (h *Handlers) changePassword(c *fiber.Ctx) error {
	f := PasswordForm{Current: c.FormValue("current_password"), New: c.FormValue("new_password"), Repeat: c.FormValue("repeat_password")}
	if !f.Validate() {
		return h.refuseSettings(c, fiber.StatusUnprocessableEntity, func(p *settingsPage) { p.Password = f })
	}
	me := web.CurrentUser(c)
	_, err := h.auth.ChangePassword(c.UserContext(), me.UserID, me.SessionID, &f)
	var thr *ThrottledError
	switch {
	case errors.As(err, &thr):
		c.Set(fiber.HeaderRetryAfter, strconv.Itoa(int(thr.RetryAfter.Seconds())+1))
		return h.refuseSettings(c, fiber.StatusTooManyRequests, func(p *settingsPage) { p.PasswordError = tryAgainIn(thr.RetryAfter) })
	case errors.Is(err, ErrWrongPassword):
		return h.refuseSettings(c, fiber.StatusUnprocessableEntity, func(p *settingsPage) {
			p.Password.Errors = map[string]string{"current": "That is not your current password."}
		})
	case err != nil:
		return err
	}
	return c.Redirect("/account?done=password", fiber.StatusSeeOther)
}

// endSession signs one of the account's sessions out. Another account's
// session id is the 404 page and ends nothing; the browser's own session
// signs this browser out.
func (h *Handlers) endSession(c *fiber.Ctx) error {
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil || id <= 0 {
		return web.ErrNotFound
	}
	me := web.CurrentUser(c)
	if err := h.sessions.End(c.UserContext(), me.UserID, id); err != nil {
		return err
	}
	if id == me.SessionID {
		h.clearCookie(c)
		return c.Redirect("/", fiber.StatusSeeOther)
	}
	return c.Redirect("/account?done=session", fiber.StatusSeeOther)
}

func (h *Handlers) endOtherSessions(c *fiber.Ctx) error {
	me := web.CurrentUser(c)
	if _, err := h.sessions.EndOthers(c.UserContext(), me.UserID, me.SessionID); err != nil {
		return err
	}
	return c.Redirect("/account?done=others", fiber.StatusSeeOther)
}
