package checkout

import (
	"errors"
	"net/mail"
	"strings"

	"github.com/claro-market/claro/app/cart"
	"github.com/claro-market/claro/app/web"
	"github.com/gofiber/fiber/v2"
)

// Handlers serves POST /checkout and the thank-you page on storefronts.
type Handlers struct {
	service *Service
	cookies *cart.Cookies
	carts   *cart.Handlers
	pages   *web.Pages
}

// NewHandlers returns the checkout handlers.
func NewHandlers(service *Service, cookies *cart.Cookies, carts *cart.Handlers, pages *web.Pages) *Handlers {
	return &Handlers{service: service, cookies: cookies, carts: carts, pages: pages}
}

// Routes registers checkout on storefronts.
func (h *Handlers) Routes(r fiber.Router) {
	s := web.StoreRoutes(r)
	s.Post("/checkout", h.checkout)
	s.Get("/checkout/success", h.success)
}

func (h *Handlers) checkout(c *fiber.Ctx) error {
	t := web.Site(c).Tenant
	crt, cerr := h.cookies.Read(c)
	if cerr != nil {
		h.cookies.Clear(c)
	}
	req := Request{TenantID: t.ID, Cart: crt,
		SuccessURL: c.BaseURL() + "/checkout/success?session_id={CHECKOUT_SESSION_ID}", CancelURL: c.BaseURL() + "/cart"}
	email := strings.TrimSpace(c.FormValue("email"))
	if u := web.CurrentUser(c); u != nil {
		req.UserID, req.Email = u.UserID, u.Email
	} else if email != "" {
		if a, err := mail.ParseAddress(email); err != nil || a.Address != email || len(email) > 254 {
			return h.refuse(c, crt, email, "Enter an email address like you@example.com, or leave it empty.")
		}
		req.Email = email
	}
	sess, err := h.service.Open(c.UserContext(), req)
	var unavailable *UnavailableError
	switch {
	case errors.As(err, &unavailable):
		for _, id := range unavailable.ProductIDs {
			crt.Remove(id)
		}
		h.cookies.Write(c, crt)
		return h.refuse(c, crt, email, msgUnavailable)
	case err != nil:
		r, ok := refusal(err)
		if !ok {
			return err
		}
		c.Status(r.Status)
		return h.render(c, crt, email, r.Message)
	}
	return c.Redirect(sess.URL, fiber.StatusSeeOther)
}

const msgUnavailable = "Some products in your cart are no longer for sale and were removed. Check your cart and try again."

// refusals word each reason a checkout is refused for the buyer, with the
// status the cart page is re-rendered with.
var refusals = []struct {
	err error
	web.Refusal
}{
	{ErrEmpty, web.Refusal{Status: fiber.StatusUnprocessableEntity, Message: "Your cart is empty."}},
	{ErrCannotCharge, web.Refusal{Status: fiber.StatusUnprocessableEntity, Message: "This store is not taking payments right now."}},
	{ErrMixedCurrency, web.Refusal{Status: fiber.StatusUnprocessableEntity, Message: "Products priced in different currencies need separate checkouts."}},
	{ErrNothingToPay, web.Refusal{Status: fiber.StatusUnprocessableEntity, Message: "There is nothing to pay for in this cart."}},
	{ErrStripe, web.Refusal{Status: fiber.StatusBadGateway, Message: "We could not start the payment. Please try again in a moment."}},
}

// refusal is the buyer's answer to a refused checkout, or false for any
// other error, whose text must not reach the page.
func refusal(err error) (web.Refusal, bool) {
	for _, r := range refusals {
		if errors.Is(err, r.err) {
			return r.Refusal, true
		}
	}
	return web.Refusal{}, false
}

// refuse re-renders the cart with the reason, as a 422.
func (h *Handlers) refuse(c *fiber.Ctx, crt cart.Cart, email, msg string) error {
	c.Status(fiber.StatusUnprocessableEntity)
	return h.render(c, crt, email, msg)
}

func (h *Handlers) render(c *fiber.Ctx, crt cart.Cart, email, msg string) error {
	status := c.Response().StatusCode()
	page, err := h.carts.NewPage(c, crt)
	if err != nil {
		return err
	}
	page.Error, page.Email = msg, email
	c.Status(status)
	return web.Render(c, "storefront/cart", page)
}

type successPage struct {
	web.Page
	Found  bool
	Amount int64
	Cur    string
}

// success thanks the buyer. The order itself appears when Stripe's webhook
// arrives; this page only clears the cart and points at the library.
func (h *Handlers) success(c *fiber.Ctx) error {
	h.cookies.Clear(c)
	page := successPage{Page: h.pages.New(c, "Thank you")}
	if id := c.Query("session_id"); id != "" && len(id) < 256 {
		ck, err := h.service.store.BySession(c.UserContext(), web.Site(c).Tenant.ID, id)
		switch {
		case errors.Is(err, ErrNotFound):
		case err != nil:
			return err
		default:
			page.Found, page.Amount, page.Cur = true, ck.AmountTotalCents, ck.Currency
		}
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return web.Render(c, "storefront/checkout_success", page)
}
