package admin

import (
	"net/url"
	"strconv"

	"github.com/claro-market/claro/app/orders"
	"github.com/claro-market/claro/app/reconcile"
	"github.com/claro-market/claro/app/web"
	"github.com/gofiber/fiber/v2"
)

// Handlers serves the console.
type Handlers struct {
	store   *Store
	service *Service
	pages   *web.Pages
}

// NewHandlers returns the console's handlers.
func NewHandlers(store *Store, service *Service, pages *web.Pages) *Handlers {
	return &Handlers{store: store, service: service, pages: pages}
}

// Routes registers the console on the marketplace only; every route is
// behind staffOnly, so anyone without the platform role gets the 404 page.
func (h *Handlers) Routes(r fiber.Router) {
	m := web.MarketRoutes(r)
	m.Get("/admin", h.staffOnly, h.index)
	m.Get("/admin/stores/:store", h.staffOnly, h.showStore)
	m.Post("/admin/stores/:store/suspend", h.staffOnly, h.suspend)
	m.Post("/admin/stores/:store/restore", h.staffOnly, h.restore)
	m.Post("/admin/products/:id/take-down", h.staffOnly, h.takeDown)
	m.Post("/admin/products/:id/restore", h.staffOnly, h.restoreProduct)
	m.Post("/admin/orders/:id/resend-receipt", h.staffOnly, h.resendReceipt)
	m.Get("/admin/webhooks", h.staffOnly, h.webhooks)
	m.Post("/admin/reconcile", h.staffOnly, h.reconcile)
}

type staffKey struct{}

// staffOnly lets through only a signed-in account holding the platform
// role, read from the primary on every request. Anyone else, signed in or
// not, gets exactly the 404 page an unknown URL gets: no sign-in redirect,
// no 403, nothing that tells the console exists.
func (h *Handlers) staffOnly(c *fiber.Ctx) error {
	u := web.CurrentUser(c)
	if u == nil {
		return web.ErrNotFound
	}
	st, err := h.store.StaffByID(c.UserContext(), u.UserID)
	if err != nil {
		return err // ErrNotFound: the 404 page
	}
	c.Locals(staffKey{}, st)
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Next()
}

func staffFrom(c *fiber.Ctx) Staff { return c.Locals(staffKey{}).(Staff) }

// indexPage is the console's home: the store search and the audit log.
type indexPage struct {
	web.Page
	Q        string
	Searched bool
	Results  []StoreRow
	Audit    []AuditRow
}

func (h *Handlers) index(c *fiber.Ctx) error {
	page := indexPage{Page: h.pages.New(c, "Staff console"), Q: c.Query("q")}
	var err error
	if page.Q != "" {
		page.Searched = true
		if page.Results, err = h.store.FindStores(c.UserContext(), page.Q); err != nil {
			return err
		}
	}
	if page.Audit, err = h.store.Audit(c.UserContext(), 0, 50); err != nil {
		return err
	}
	return web.Render(c, "admin/index", page)
}

// storePage is one store as staff see it.
type storePage struct {
	web.Page
	Store    *StoreRow
	StoreURL string
	Products []ProductRow
	Orders   []OrderRow
	Audit    []AuditRow
	Error    string
}

// done are the confirmations a redirect after an action asks for.
var done = map[string]string{
	"suspended":    "Store suspended. Its pages say it is unavailable and its products are leaving search.",
	"restored":     "Store restored: it is served again.",
	"unchanged":    "Nothing changed: it was already so.",
	"taken-down":   "Product taken down. Its creator sees the reason in their dashboard.",
	"product-back": "Product restored: listed and on sale again.",
	"receipt":      "Receipt queued: it goes out within a few seconds.",
}

func (h *Handlers) loadStore(c *fiber.Ctx, slug string) (storePage, error) {
	page := storePage{Page: h.pages.New(c, "Store · Staff console")}
	ctx := c.UserContext()
	var err error
	if page.Store, err = h.store.StoreBySlug(ctx, slug); err != nil {
		return page, err
	}
	page.Title = page.Store.Name + " · Staff console"
	page.StoreURL = h.pages.Links.Store(page.Store.Slug)
	if page.Products, err = h.store.Products(ctx, page.Store.ID); err != nil {
		return page, err
	}
	if page.Orders, err = h.store.Orders(ctx, page.Store.ID); err != nil {
		return page, err
	}
	page.Audit, err = h.store.Audit(ctx, page.Store.ID, 50)
	page.Flash = done[c.Query("done")]
	return page, err
}

func (h *Handlers) showStore(c *fiber.Ctx) error {
	page, err := h.loadStore(c, c.Params("store"))
	if err != nil {
		return err
	}
	return web.Render(c, "admin/store", page)
}

// refused shows the store's page again with the sentence for err (422), or
// hands err on when it is not staff's to fix.
func (h *Handlers) refused(c *fiber.Ctx, slug string, err error) error {
	msg := Refusal(err)
	if msg == "" {
		return err
	}
	page, lerr := h.loadStore(c, slug)
	if lerr != nil {
		return lerr
	}
	page.Flash, page.Error = "", msg
	c.Status(fiber.StatusUnprocessableEntity)
	return web.Render(c, "admin/store", page)
}

func (h *Handlers) backToStore(c *fiber.Ctx, slug string, changed bool, code string) error {
	if !changed {
		code = "unchanged"
	}
	return c.Redirect("/admin/stores/"+url.PathEscape(slug)+"?done="+code, fiber.StatusSeeOther)
}

func (h *Handlers) suspend(c *fiber.Ctx) error {
	st, err := h.store.StoreBySlug(c.UserContext(), c.Params("store"))
	if err != nil {
		return err
	}
	changed, err := h.service.Suspend(c.UserContext(), staffFrom(c), st.ID, c.FormValue("reason"))
	if err != nil {
		return h.refused(c, st.Slug, err)
	}
	return h.backToStore(c, st.Slug, changed, "suspended")
}

func (h *Handlers) restore(c *fiber.Ctx) error {
	st, err := h.store.StoreBySlug(c.UserContext(), c.Params("store"))
	if err != nil {
		return err
	}
	changed, err := h.service.Restore(c.UserContext(), staffFrom(c), st.ID, c.FormValue("reason"))
	if err != nil {
		return h.refused(c, st.Slug, err)
	}
	return h.backToStore(c, st.Slug, changed, "restored")
}

// idParam is the route's :id; a malformed one is the 404 page.
func idParam(c *fiber.Ctx) (int64, error) {
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, ErrNotFound
	}
	return id, nil
}

func (h *Handlers) product(c *fiber.Ctx, down bool) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	slug, err := h.store.ProductTenant(c.UserContext(), id)
	if err != nil {
		return err
	}
	act, code := h.service.RestoreProduct, "product-back"
	if down {
		act, code = h.service.TakeDown, "taken-down"
	}
	changed, err := act(c.UserContext(), staffFrom(c), id, c.FormValue("reason"))
	if err != nil {
		return h.refused(c, slug, err)
	}
	return h.backToStore(c, slug, changed, code)
}

func (h *Handlers) takeDown(c *fiber.Ctx) error       { return h.product(c, true) }
func (h *Handlers) restoreProduct(c *fiber.Ctx) error { return h.product(c, false) }

func (h *Handlers) resendReceipt(c *fiber.Ctx) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	tenantID, err := h.service.ResendReceipt(c.UserContext(), staffFrom(c), id, c.FormValue("reason"))
	if tenantID == 0 {
		return err // no such order: the 404 page
	}
	slug, serr := h.store.TenantSlug(c.UserContext(), tenantID)
	switch {
	case serr != nil:
		return serr
	case err != nil:
		return h.refused(c, slug, err)
	}
	return h.backToStore(c, slug, true, "receipt")
}

// reconcileResults are what a reconciler run for a session can come to; the
// page shows only these.
var reconcileResults = map[string]bool{reconcile.SessionOrderWritten: true, reconcile.SessionHadOrder: true,
	reconcile.SessionNotComplete: true, reconcile.SessionStillMissing: true}

// webhooksPage lists recent deliveries and offers the reconciler for one
// session.
type webhooksPage struct {
	web.Page
	Session    string
	Deliveries []orders.Delivery
	Error      string
	Result     string
}

func (h *Handlers) webhooksPage(c *fiber.Ctx, session string) (webhooksPage, error) {
	page := webhooksPage{Page: h.pages.New(c, "Webhooks · Staff console"), Session: session}
	var err error
	page.Deliveries, err = h.service.Deliveries(c.UserContext(), session)
	return page, err
}

func (h *Handlers) webhooks(c *fiber.Ctx) error {
	page, err := h.webhooksPage(c, c.Query("session"))
	if err != nil {
		return err
	}
	if r := c.Query("result"); reconcileResults[r] {
		page.Result = r
	}
	return web.Render(c, "admin/webhooks", page)
}

func (h *Handlers) reconcile(c *fiber.Ctx) error {
	session := c.FormValue("session")
	result, err := h.service.Reconcile(c.UserContext(), staffFrom(c), session, c.FormValue("reason"))
	if err != nil {
		msg := Refusal(err)
		if msg == "" {
			return err
		}
		page, perr := h.webhooksPage(c, "")
		if perr != nil {
			return perr
		}
		page.Session, page.Error = session, msg
		c.Status(fiber.StatusUnprocessableEntity)
		return web.Render(c, "admin/webhooks", page)
	}
	return c.Redirect("/admin/webhooks?session="+url.QueryEscape(session)+"&result="+url.QueryEscape(result), fiber.StatusSeeOther)
}
