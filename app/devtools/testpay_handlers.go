package devtools

import (
	"net/mail"
	"net/url"
	"strconv"
	"strings"

	"github.com/claro-market/claro/app/payments"
	"github.com/claro-market/claro/app/web"
	"github.com/gofiber/fiber/v2"
)

// TestPaymentHandlers serves the test-payment page on ROOT_DOMAIN.
type TestPaymentHandlers struct {
	pay   *TestPayments
	pages *web.Pages
}

// NewTestPaymentHandlers returns the page's handlers.
func NewTestPaymentHandlers(pay *TestPayments, pages *web.Pages) *TestPaymentHandlers {
	return &TestPaymentHandlers{pay: pay, pages: pages}
}

// Routes registers GET and POST /dev/pay/:checkout_id on the marketplace.
// app.New calls it only when DEV_TEST_PAYMENTS is on.
func (h *TestPaymentHandlers) Routes(r fiber.Router) {
	m := web.MarketRoutes(r)
	m.Get(payments.TestPaymentPath+":checkout_id", h.show)
	m.Post(payments.TestPaymentPath+":checkout_id", h.submit)
}

type payPage struct {
	web.Page
	Checkout *PayCheckout
	Email    string
	Error    string
	CartURL  string
}

func (h *TestPaymentHandlers) show(c *fiber.Ctx) error {
	ck, err := h.load(c)
	if err != nil {
		return err
	}
	return h.render(c, ck, ck.Email, "")
}

// submit delivers the signed event, then sends the buyer to the storefront's
// thank-you page, as Stripe would.
func (h *TestPaymentHandlers) submit(c *fiber.Ctx) error {
	ck, err := h.load(c)
	if err != nil {
		return err
	}
	email := ck.Email
	if email == "" {
		email = strings.TrimSpace(c.FormValue("email"))
		if a, err := mail.ParseAddress(email); err != nil || a.Address != email || len(email) > 254 {
			c.Status(fiber.StatusUnprocessableEntity)
			return h.render(c, ck, email, "Enter the email address your receipt and library go to.")
		}
	}
	if err := h.pay.Pay(c.UserContext(), ck, strings.ToLower(email)); err != nil {
		return err
	}
	return c.Redirect(h.pages.Links.Store(ck.StoreSlug)+"/checkout/success?session_id="+url.QueryEscape(ck.Session), fiber.StatusSeeOther)
}

func (h *TestPaymentHandlers) load(c *fiber.Ctx) (*PayCheckout, error) {
	id, err := strconv.ParseInt(c.Params("checkout_id"), 10, 64)
	if err != nil {
		return nil, errNoCheckout
	}
	return h.pay.Checkout(c.UserContext(), id)
}

func (h *TestPaymentHandlers) render(c *fiber.Ctx, ck *PayCheckout, email, msg string) error {
	page := payPage{Page: h.pages.New(c, "Test payment"), Checkout: ck, Email: email, Error: msg,
		CartURL: h.pages.Links.Store(ck.StoreSlug) + "/cart"}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return web.Render(c, "marketplace/dev_pay", page)
}
