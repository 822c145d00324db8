package checkout

import (
	"context"
	"errors"
	"net/mail"
	"net/url"
	"strconv"
	"strings"

	"github.com/claro-market/claro/app/cart"
	"github.com/claro-market/claro/app/discounts"
	"github.com/claro-market/claro/app/library"
	"github.com/claro-market/claro/app/web"
	"github.com/gofiber/fiber/v2"
)

// Handlers serves POST /checkout and the thank-you page on storefronts.
type Handlers struct {
	service *Service
	cookies *cart.Cookies
	carts   *cart.Handlers
	pages   *web.Pages
	// downloads, when set (WithDownloads), lists the signed-in owner's files
	// on the thank-you page.
	downloads Downloads
}

// NewHandlers returns the checkout handlers.
func NewHandlers(service *Service, cookies *cart.Cookies, carts *cart.Handlers, pages *web.Pages) *Handlers {
	return &Handlers{service: service, cookies: cookies, carts: carts, pages: pages}
}

// WithDownloads lets the thank-you page offer the signed-in buyer the files
// the library holds for them.
func (h *Handlers) WithDownloads(d Downloads) *Handlers {
	h.downloads = d
	return h
}

// Routes registers checkout on storefronts.
func (h *Handlers) Routes(r fiber.Router) {
	s := web.StoreRoutes(r)
	s.Post("/checkout", h.checkout)
	s.Get("/checkout/success", h.success)
	s.Get("/checkout/success/order", h.order)
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
	req.Buyer = cart.Buyer(c, req.Email)
	sess, err := h.service.Open(c.UserContext(), req)
	var unavailable *UnavailableError
	var amounts *AmountError
	var code *discounts.Refusal
	switch {
	case errors.As(err, &code):
		return h.refuse(c, crt, email, "Discount code "+crt.Code+": "+code.Message)
	case errors.As(err, &amounts):
		l := amounts.Lines[0]
		return h.refuse(c, crt, email, l.Title+": "+l.AmountProblem+" Enter a new amount, then check out.")
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
	{ErrNothingToPay, web.Refusal{Status: fiber.StatusUnprocessableEntity, Message: "The total is zero: Claro cannot check out a free order yet."}},
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

// Downloads lists the files of a product the buyer holds a live entitlement
// to; library.Store is one, so the thank-you page offers exactly the files
// the library would, behind the library's own download route.
type Downloads interface {
	Files(ctx context.Context, userID, productID int64) ([]library.File, error)
}

// successPage is the thank-you page and its order fragment.
type successPage struct {
	web.Page
	Receipt *checkoutReceipt
}

// checkoutReceipt is the receipt as the viewer may see it: files only for
// the signed-in account the order belongs to.
type checkoutReceipt struct {
	*Receipt
	// Owner is set when the signed-in visitor is the order's account.
	Owner bool
	Lines []receiptLine
	// PollURL is the fragment the page asks again every 2s while pending.
	PollURL string
	// GaveUp is set once the page has asked maxPolls times in vain.
	GaveUp bool
}

// maxPolls bounds the thank-you page's polling: 150 asks 2s apart are five
// minutes, after which the page says to reload instead.
const maxPolls = 150

// Polling reports whether the fragment asks again in 2s.
func (r checkoutReceipt) Polling() bool { return r.Pending() && !r.GaveUp }

// receiptLine is one product with the files its owner may download.
type receiptLine struct {
	ReceiptLine
	Files []library.File
}

// Guest reports whether the order has no account yet: its receipt email
// carries the claim link.
func (r checkoutReceipt) Guest() bool { return r.UserID == 0 }

// success thanks the buyer and clears the cart. The order appears once
// Stripe's webhook lands: until then the order fragment polls itself. An
// unknown session id is the 404 page.
func (h *Handlers) success(c *fiber.Ctx) error {
	page, err := h.receipt(c, "Thank you")
	if err != nil {
		return err
	}
	h.cookies.Clear(c)
	return web.Render(c, "storefront/checkout_success", page)
}

// order is the thank-you page's order fragment, which htmx polls while the
// payment is being confirmed.
func (h *Handlers) order(c *fiber.Ctx) error {
	page, err := h.receipt(c, "Your order")
	if err != nil {
		return err
	}
	return web.Fragment(c, "partials/checkout_order", page)
}

// receipt loads the session's receipt for the page: only the order of that
// session in this store, and files only for its signed-in owner.
func (h *Handlers) receipt(c *fiber.Ctx, title string) (successPage, error) {
	id := c.Query("session_id")
	if id == "" || len(id) > 255 {
		return successPage{}, ErrNotFound
	}
	ctx := c.UserContext()
	r, err := h.service.store.Receipt(ctx, web.Site(c).Tenant.ID, id)
	if err != nil {
		return successPage{}, err
	}
	page := successPage{Page: h.pages.New(c, title)}
	// poll counts the fragment's asks; anything but a small count starts afresh.
	n, err := strconv.Atoi(c.Query("poll"))
	if err != nil || n < 0 || n > maxPolls {
		n = 0
	}
	view := &checkoutReceipt{Receipt: r, Lines: make([]receiptLine, len(r.Lines)), GaveUp: n >= maxPolls,
		PollURL: "/checkout/success/order?session_id=" + url.QueryEscape(id) + "&poll=" + strconv.Itoa(n+1)}
	u := web.CurrentUser(c)
	view.Owner = u != nil && r.UserID != 0 && u.UserID == r.UserID
	for i, l := range r.Lines {
		view.Lines[i].ReceiptLine = l
		if view.Owner && r.Paid() && h.downloads != nil {
			if view.Lines[i].Files, err = h.downloads.Files(ctx, u.UserID, l.ProductID); err != nil {
				return successPage{}, err
			}
		}
	}
	page.Receipt = view
	c.Set(fiber.HeaderCacheControl, "private, no-store")
	return page, nil
}
