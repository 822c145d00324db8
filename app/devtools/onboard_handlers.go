package devtools

import (
	"github.com/claro-market/claro/app/payments"
	"github.com/claro-market/claro/app/web"
	"github.com/gofiber/fiber/v2"
)

// TestOnboardingHandlers serves the test-onboarding page on ROOT_DOMAIN.
type TestOnboardingHandlers struct {
	onboard *TestOnboarding
	pages   *web.Pages
}

// NewTestOnboardingHandlers returns the page's handlers.
func NewTestOnboardingHandlers(onboard *TestOnboarding, pages *web.Pages) *TestOnboardingHandlers {
	return &TestOnboardingHandlers{onboard: onboard, pages: pages}
}

// Routes registers GET and POST /dev/onboard/:account on the marketplace.
// app.New calls it only when DEV_TEST_PAYMENTS is on.
func (h *TestOnboardingHandlers) Routes(r fiber.Router) {
	m := web.MarketRoutes(r)
	m.Get(payments.TestOnboardingPath+":account", h.show)
	m.Post(payments.TestOnboardingPath+":account", h.submit)
}

type onboardPage struct {
	web.Page
	Account   *OnboardAccount
	Form      OnboardForm
	Countries []Country
	BackURL   string // the payments page, unchanged
}

func (h *TestOnboardingHandlers) show(c *fiber.Ctx) error {
	a, err := h.load(c)
	if err != nil {
		return err
	}
	return h.render(c, a, OnboardForm{BusinessName: a.StoreName, Country: "US", Routing: "110000000",
		AccountNo: "000123456789", Outcome: OutcomeVerified})
}

// submit sets the chosen state in "Stripe", delivers the signed
// account.updated, then sends the creator back to the payments page as
// Stripe sends them to the Account Link's return_url.
func (h *TestOnboardingHandlers) submit(c *fiber.Ctx) error {
	a, err := h.load(c)
	if err != nil {
		return err
	}
	f := OnboardForm{BusinessName: c.FormValue("business_name"), Country: c.FormValue("country"),
		Routing: c.FormValue("routing"), AccountNo: c.FormValue("account_number"), Outcome: c.FormValue("outcome")}
	if !f.Validate() {
		c.Status(fiber.StatusUnprocessableEntity)
		return h.render(c, a, f)
	}
	if err := h.onboard.Complete(c.UserContext(), a, &f); err != nil {
		return err
	}
	return c.Redirect(h.paymentsURL(a)+"?from=stripe", fiber.StatusSeeOther)
}

// load is the account in the URL if the signed-in user is a member of its
// store; a visitor, another store's member or an unknown account is the 404
// page, and nothing is shown or changed.
func (h *TestOnboardingHandlers) load(c *fiber.Ctx) (*OnboardAccount, error) {
	u := web.CurrentUser(c)
	if u == nil {
		return nil, web.ErrNotFound
	}
	return h.onboard.Account(c.UserContext(), u.UserID, c.Params("account"))
}

func (h *TestOnboardingHandlers) paymentsURL(a *OnboardAccount) string {
	return h.pages.Links.Market() + "/dashboard/s/" + a.StoreSlug + "/payments"
}

func (h *TestOnboardingHandlers) render(c *fiber.Ctx, a *OnboardAccount, f OnboardForm) error {
	page := onboardPage{Page: h.pages.New(c, "Test Stripe onboarding"), Account: a, Form: f, Countries: Countries,
		BackURL: h.paymentsURL(a)}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return web.Render(c, "marketplace/dev_onboard", page)
}
