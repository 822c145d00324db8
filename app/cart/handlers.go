package cart

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/claro-market/claro/app/catalog"
	"github.com/claro-market/claro/app/discounts"
	"github.com/claro-market/claro/app/ratelimit"
	"github.com/claro-market/claro/app/web"
	"github.com/claro-market/claro/tenants"
	"github.com/gofiber/fiber/v2"
)

// Messages shown to buyers.
const (
	msgUnreadable  = "Your cart could not be read, so it was emptied. Add the products again."
	msgUnavailable = "Some products in your cart are no longer for sale and were removed."
)

// Handlers serves a storefront's cart.
type Handlers struct {
	cookies *Cookies
	store   *Store
	pages   *web.Pages
	owned   func(ctx context.Context, userID, productID int64) (bool, error)
	limits  ratelimit.Limiter // counts codes that did not apply (WithLimits); nil: no limit
}

// Codes that did not apply, per store and client address, before the cart
// stops looking codes up for a while: enough for typos, not for guessing.
const (
	CodeMisses     = 20
	CodeMissWindow = 10 * time.Minute
)

// WithLimits has the cart count the codes a client tried that did not
// apply, and refuse more past CodeMisses in CodeMissWindow (429).
func (h *Handlers) WithLimits(l ratelimit.Limiter) *Handlers {
	h.limits = l
	return h
}

// NewHandlers returns the cart handlers; store may read the replica.
func NewHandlers(cookies *Cookies, store *Store, pages *web.Pages) *Handlers {
	return &Handlers{cookies: cookies, store: store, pages: pages}
}

// WithOwned has the cart send a signed-in buyer who already owns a product
// to their library instead of adding it (owned is library.Store.Owns).
func (h *Handlers) WithOwned(owned func(ctx context.Context, userID, productID int64) (bool, error)) *Handlers {
	h.owned = owned
	return h
}

// Routes registers the cart on storefronts. The POST .../remove form is the
// no-JavaScript twin of the htmx DELETE.
func (h *Handlers) Routes(r fiber.Router) {
	s := web.StoreRoutes(r)
	s.Get("/cart", h.show)
	s.Get("/cart/count", h.count)
	s.Post("/cart/items", h.add)
	s.Delete("/cart/items/:product_id", h.remove)
	s.Post("/cart/items/:product_id/remove", h.remove)
	s.Post("/cart/items/:product_id/amount", h.amount)
	s.Post("/cart/discount", h.discount)
	web.MarketRoutes(r).Get("/carts", h.all)
}

// StoreCart is one store's cart on the marketplace's /carts page, priced now.
type StoreCart struct {
	Store  *tenants.Tenant
	URL    string // the store's cart page, where it is checked out
	Priced *Priced
}

// CartsPage is /carts: every store's cart the carts index holds.
type CartsPage struct {
	web.Page
	Carts []StoreCart
}

// all lists every store's cart the browser's carts index holds, each priced
// within its store now (what is no longer for sale is left out), with a
// link to check it out on the store. A tampered index lists nothing.
func (h *Handlers) all(c *fiber.Ctx) error {
	c.Set(fiber.HeaderCacheControl, "no-store")
	page := CartsPage{Page: h.pages.New(c, "Your carts")}
	ix, err := h.cookies.ReadIndex(c)
	if err != nil {
		ix = Index{}
	}
	ids := make([]int64, 0, len(ix.Carts))
	for _, crt := range ix.Carts {
		ids = append(ids, crt.TenantID)
	}
	stores, err := h.store.Stores(c.UserContext(), ids)
	if err != nil {
		return err
	}
	for _, crt := range ix.Carts {
		t, ok := stores[crt.TenantID]
		if !ok {
			continue
		}
		priced, err := h.store.Price(c.UserContext(), t.ID, crt)
		if err != nil {
			return err
		}
		if len(priced.Lines) == 0 {
			continue
		}
		page.Carts = append(page.Carts, StoreCart{Store: t, URL: h.pages.Links.StoreOf(t) + "/cart", Priced: priced})
	}
	return web.Render(c, "marketplace/carts", page)
}

// Page is the cart page and its htmx body fragment.
type Page struct {
	web.Page
	Priced *Priced
	Count  int
	Error  string
	Email  string
	// Fragment is set when only the body goes to htmx, with the counter out of band.
	Fragment bool
}

// CountBadge is the header's cart counter; OOB marks it for an out-of-band swap.
type CountBadge struct {
	Count int
	OOB   bool
}

// addedFragment answers an htmx add: what happened to which product.
type addedFragment struct {
	Title   string
	Result  AddResult
	Owned   bool   // the buyer owns it already: nothing was added
	Library string // the product's page in the library, when Owned
	Badge   CountBadge
}

// AlreadyIn reports that the product was in the cart before this request.
func (f addedFragment) AlreadyIn() bool { return f.Result == AlreadyIn }

// Buyer is who is buying, as far as the request knows before Stripe asks:
// the signed-in account (with its address once verified), else the address
// a guest typed (email, "" for none).
func Buyer(c *fiber.Ctx, email string) discounts.Buyer {
	if u := web.CurrentUser(c); u != nil {
		b := discounts.Buyer{UserID: u.UserID}
		if u.Verified {
			b.Email = strings.ToLower(u.Email)
		}
		return b
	}
	return discounts.Buyer{Email: strings.ToLower(strings.TrimSpace(email))}
}

// NewPage prices the cart, applies its discount code, and fills the page;
// checkout re-renders it with an error.
func (h *Handlers) NewPage(c *fiber.Ctx, cart Cart) (Page, error) {
	tid := web.Site(c).Tenant.ID
	priced, err := h.store.Price(c.UserContext(), tid, cart)
	if err != nil {
		return Page{}, err
	}
	if _, err := h.store.Preview(c.UserContext(), tid, priced, cart.Code, Buyer(c, "")); err != nil {
		return Page{}, err
	}
	p := Page{Page: h.pages.New(c, "Your cart"), Priced: priced, Count: priced.Count()}
	if len(priced.Unavailable) > 0 {
		p.Flash = msgUnavailable
		for _, id := range priced.Unavailable {
			cart.Remove(id)
		}
		h.cookies.Write(c, cart)
	}
	return p, nil
}

func (h *Handlers) show(c *fiber.Ctx) error {
	cart, err := h.cookies.Read(c)
	if err != nil {
		h.cookies.Clear(c)
	}
	page, perr := h.NewPage(c, cart)
	if perr != nil {
		return perr
	}
	if err != nil {
		page.Flash = msgUnreadable
	} else if len(page.Priced.Unavailable) == 0 {
		h.cookies.Mirror(c, cart)
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return web.Render(c, "storefront/cart", page)
}

func (h *Handlers) count(c *fiber.Ctx) error {
	cart, _ := h.cookies.Read(c)
	c.Set(fiber.HeaderCacheControl, "no-store")
	return web.Fragment(c, "partials/cart_count", CountBadge{Count: cart.Count()})
}

func (h *Handlers) add(c *fiber.Ctx) error {
	t := web.Site(c).Tenant
	if !t.ChargesEnabled {
		return web.BadRequest("This store is not taking payments yet.")
	}
	id, err1 := strconv.ParseInt(strings.TrimSpace(c.FormValue("product_id")), 10, 64)
	// quantity is accepted for the form contract (1 to MaxQuantity) but a
	// digital product is in a cart once, whatever it says.
	qty, err2 := 1, error(nil)
	if v := strings.TrimSpace(c.FormValue("quantity")); v != "" {
		qty, err2 = strconv.Atoi(v)
	}
	if err1 != nil || id <= 0 || err2 != nil || qty < 1 || qty > MaxQuantity {
		return web.BadRequest("Choose a product and a quantity from 1 to 10.")
	}
	cart, err := h.cookies.Read(c)
	if errors.Is(err, ErrInvalid) {
		cart = Cart{TenantID: t.ID} // an unreadable cart is replaced, never trusted
	}
	priced, err := h.store.Price(c.UserContext(), t.ID, Cart{TenantID: t.ID, Items: []Item{{ProductID: id, Quantity: 1}}})
	if err != nil {
		return err
	}
	if len(priced.Lines) != 1 {
		return web.BadRequest("That product is not for sale in this store.")
	}
	frag := addedFragment{Title: priced.Lines[0].Title}
	if u := web.CurrentUser(c); u != nil && h.owned != nil {
		if frag.Owned, err = h.owned(c.UserContext(), u.UserID, id); err != nil {
			return err
		}
	}
	if frag.Owned {
		frag.Library = h.pages.Links.Market() + "/library/" + strconv.FormatInt(id, 10)
		if !web.IsHTMX(c) {
			return c.Redirect(frag.Library, fiber.StatusSeeOther)
		}
		frag.Badge = CountBadge{Count: cart.Count(), OOB: true}
		return web.Fragment(c, "partials/cart_added", frag)
	}
	if frag.Result = cart.Add(id); frag.Result == Full {
		return web.BadRequest("Your cart is full. Check out or remove something first.")
	}
	if frag.Result == Added {
		h.cookies.Write(c, cart)
	}
	if web.IsHTMX(c) {
		frag.Badge = CountBadge{Count: cart.Count(), OOB: true}
		return web.Fragment(c, "partials/cart_added", frag)
	}
	return c.Redirect("/cart", fiber.StatusSeeOther)
}

func (h *Handlers) remove(c *fiber.Ctx) error {
	id, err := strconv.ParseInt(c.Params("product_id"), 10, 64)
	if err != nil {
		return web.ErrNotFound
	}
	cart, rerr := h.cookies.Read(c)
	cart.Remove(id)
	h.cookies.Write(c, cart)
	if !web.IsHTMX(c) {
		return c.Redirect("/cart", fiber.StatusSeeOther)
	}
	page, err := h.NewPage(c, cart)
	if err != nil {
		return err
	}
	if rerr != nil {
		page.Flash = msgUnreadable
	}
	page.Fragment = true
	return web.Fragment(c, "partials/cart_body", page)
}

// discount applies the code the buyer typed (code), or removes the cart's
// code (remove set). A code that does not apply is refused with its reason
// (422) and the cart keeps what it had; one that applies is kept in the
// cart cookie and priced again at checkout.
func (h *Handlers) discount(c *fiber.Ctx) error {
	cart, rerr := h.cookies.Read(c)
	if rerr != nil {
		h.cookies.Clear(c) // never trusted: the empty cart is what is left
		return h.cartRefusal(c, cart, msgUnreadable)
	}
	if c.FormValue("remove") != "" {
		cart.Code = ""
		h.cookies.Write(c, cart)
		return h.answer(c, cart, "The discount code is removed.")
	}
	code, ok := discounts.Normalize(c.FormValue("code"))
	if !ok {
		return h.cartRefusal(c, cart, "Enter a discount code: 2 to 40 letters, digits, - or _.")
	}
	if len(cart.Items) == 0 {
		return h.cartRefusal(c, cart, "Add a product to your cart before entering a code.")
	}
	tid := web.Site(c).Tenant.ID
	missKey := "cart:code-miss:" + strconv.FormatInt(tid, 10) + ":" + web.ClientIP(c)
	if h.limits != nil {
		n, err := h.limits.Count(c.UserContext(), missKey, CodeMissWindow)
		if err != nil {
			return err
		}
		if n >= CodeMisses {
			c.Set(fiber.HeaderRetryAfter, strconv.Itoa(int(CodeMissWindow.Seconds())))
			return web.Refuse(fiber.StatusTooManyRequests, "Too many codes tried that did not apply. Try again in a few minutes.")
		}
	}
	priced, err := h.store.Price(c.UserContext(), tid, cart)
	if err != nil {
		return err
	}
	if applied, err := h.store.Preview(c.UserContext(), tid, priced, code, Buyer(c, "")); err != nil {
		return err
	} else if !applied {
		if h.limits != nil {
			if _, _, err := h.limits.Hit(c.UserContext(), missKey, CodeMissWindow); err != nil {
				return err
			}
		}
		return h.cartRefusal(c, cart, priced.CodeProblem)
	}
	cart.Code = priced.Code // as the store wrote it
	h.cookies.Write(c, cart)
	return h.answer(c, cart, "Code "+priced.Code+" applied: "+priced.CodeOff+".")
}

// amount records what the buyer chose to pay for a pay-what-you-want
// product in the cart: an amount below the product's minimum or above its
// maximum is refused (422) and the cart keeps what it had.
func (h *Handlers) amount(c *fiber.Ctx) error {
	id, err := strconv.ParseInt(c.Params("product_id"), 10, 64)
	if err != nil {
		return web.ErrNotFound
	}
	cart, rerr := h.cookies.Read(c)
	if rerr != nil {
		h.cookies.Clear(c) // never trusted: the empty cart is what is left
		return h.cartRefusal(c, cart, msgUnreadable)
	}
	if _, ok := cart.Item(id); !ok {
		return web.ErrNotFound
	}
	tid := web.Site(c).Tenant.ID
	priced, err := h.store.Price(c.UserContext(), tid, Cart{TenantID: tid, Items: []Item{{ProductID: id, Quantity: 1}}})
	if err != nil {
		return err
	}
	if len(priced.Lines) != 1 || !priced.Lines[0].PWYW {
		return h.cartRefusal(c, cart, "That product has a fixed price.")
	}
	l := priced.Lines[0]
	cents, ok := ParseAmount(c.FormValue("amount"))
	if !ok {
		return h.cartRefusal(c, cart, "Enter an amount like 12 or 12.50.")
	}
	if msg := CheckAmount(cents, l.MinCents, l.SuggestedCents, l.Currency); msg != "" {
		return h.cartRefusal(c, cart, msg+" Enter an amount from "+catalog.Money(l.MinCents, l.Currency)+" to "+
			catalog.Money(l.MaxCents(), l.Currency)+" for "+l.Title+".")
	}
	cart.SetAmount(id, cents)
	h.cookies.Write(c, cart)
	return h.answer(c, cart, "You pay "+catalog.Money(cents, l.Currency)+" for "+l.Title+".")
}

// ParseAmount reads an amount as a buyer types it ("12", "12.5", "12.50",
// "$12"): at most 7 digits before the point and 2 after, never negative.
func ParseAmount(s string) (int64, bool) {
	s = strings.TrimPrefix(strings.TrimSpace(s), "$")
	whole, frac, dot := strings.Cut(s, ".")
	if whole == "" || len(whole) > 7 || len(frac) > 2 || (dot && frac == "") {
		return 0, false
	}
	for _, r := range whole + frac {
		if r < '0' || r > '9' {
			return 0, false
		}
	}
	w, _ := strconv.ParseInt(whole, 10, 64)
	f, _ := strconv.ParseInt((frac + "00")[:2], 10, 64)
	return w*100 + f, true
}

// answer is a cart change's reply: the cart body with msg for htmx, else
// back to the cart page.
func (h *Handlers) answer(c *fiber.Ctx, cart Cart, msg string) error {
	if !web.IsHTMX(c) {
		return c.Redirect("/cart", fiber.StatusSeeOther)
	}
	page, err := h.NewPage(c, cart)
	if err != nil {
		return err
	}
	if page.Flash == "" {
		page.Flash = msg
	}
	page.Fragment = true
	c.Set(fiber.HeaderCacheControl, "no-store")
	return web.Fragment(c, "partials/cart_body", page)
}

// cartRefusal refuses a cart change with msg as a 422, changing nothing:
// for htmx the sentence (app.js shows it by the form), else the cart page
// with it.
func (h *Handlers) cartRefusal(c *fiber.Ctx, cart Cart, msg string) error {
	if web.IsHTMX(c) {
		return web.Refuse(fiber.StatusUnprocessableEntity, msg)
	}
	page, err := h.NewPage(c, cart)
	if err != nil {
		return err
	}
	page.Error = msg
	c.Status(fiber.StatusUnprocessableEntity)
	c.Set(fiber.HeaderCacheControl, "no-store")
	return web.Render(c, "storefront/cart", page)
}
