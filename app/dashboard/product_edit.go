package dashboard

import (
	"errors"
	"strconv"

	"github.com/claro-market/claro/app/catalog"
	"github.com/claro-market/claro/app/web"
	"github.com/claro-market/claro/tenants"
	"github.com/gofiber/fiber/v2"
)

type productPage struct {
	storePage
	Form       ProductForm
	Product    *catalog.Product
	Files      []catalog.File
	Categories []catalog.Category
	Currencies []string
}

// productID is the product named by :id; a malformed id is the 404 page.
func productID(c *fiber.Ctx) (int64, error) {
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, catalog.ErrNotFound
	}
	return id, nil
}

func (h *Handlers) productPage(c *fiber.Ctx, title string) (productPage, error) {
	page := productPage{storePage: h.newStorePage(c, title), Currencies: Currencies}
	cats, err := h.editor.Categories(c.UserContext())
	page.Categories = cats
	return page, err
}

func (h *Handlers) newProduct(c *fiber.Ctx) error {
	page, err := h.productPage(c, "New product")
	if err != nil {
		return err
	}
	page.Form = ProductForm{Currency: "usd", Visibility: catalog.Draft, Limit: "3"}
	return web.Render(c, "dashboard/product_form", page)
}

func (h *Handlers) createProduct(c *fiber.Ctx) error {
	page, err := h.productPage(c, "New product")
	if err != nil {
		return err
	}
	f := readProductForm(c)
	if !f.Validate() {
		return h.invalidProduct(c, page, f)
	}
	p, err := h.editor.Create(c.UserContext(), storeFrom(c).ID, f.changes())
	if errors.Is(err, catalog.ErrSlugTaken) {
		f.Errors["slug"] = msgSlugTaken
		return h.invalidProduct(c, page, f)
	}
	if err != nil {
		return err
	}
	return c.Redirect(page.Base+"/products/"+strconv.FormatInt(p.ID, 10)+"/edit?created=1", fiber.StatusSeeOther)
}

const msgSlugTaken = "Another product of this store uses that slug."

func (h *Handlers) editProduct(c *fiber.Ctx) error {
	page, err := h.productPage(c, "Edit product")
	if err != nil {
		return err
	}
	id, err := productID(c)
	if err != nil {
		return err
	}
	if page.Product, page.Files, err = h.editor.Product(c.UserContext(), storeFrom(c).ID, id); err != nil {
		return err
	}
	page.Form = formOf(page.Product)
	if c.Query("created") != "" {
		page.Flash = "Product created."
	} else if c.Query("saved") != "" {
		page.Flash = "Changes saved."
	}
	return web.Render(c, "dashboard/product_form", page)
}

// updateProduct saves the editor's form; an invalid one re-renders with the
// creator's values beside the stored product and its files.
func (h *Handlers) updateProduct(c *fiber.Ctx) error {
	page, err := h.productPage(c, "Edit product")
	if err != nil {
		return err
	}
	id, err := productID(c)
	if err != nil {
		return err
	}
	ctx, store := c.UserContext(), storeFrom(c).ID
	if page.Product, page.Files, err = h.editor.Product(ctx, store, id); err != nil {
		return err
	}
	f := readProductForm(c)
	if !f.Validate() {
		return h.invalidProduct(c, page, f)
	}
	_, err = h.editor.Update(ctx, store, id, f.changes())
	if errors.Is(err, catalog.ErrSlugTaken) {
		f.Errors["slug"] = msgSlugTaken
		return h.invalidProduct(c, page, f)
	}
	if err != nil {
		return err
	}
	return c.Redirect(page.Base+"/products/"+c.Params("id")+"/edit?saved=1", fiber.StatusSeeOther)
}

// setVisibility is the inline (htmx) visibility switch of the product list.
func (h *Handlers) setVisibility(c *fiber.Ctx) error {
	id, err := productID(c)
	if err != nil {
		return err
	}
	p, err := h.editor.Publish(c.UserContext(), storeFrom(c).ID, id, c.FormValue("visibility"))
	if errors.Is(err, catalog.ErrVisibility) {
		return web.BadRequest("Choose public, unlisted or draft.")
	}
	if err != nil {
		return err
	}
	row := newProductRow(p, storeFrom(c), web.CSRFToken(c))
	if web.IsHTMX(c) {
		return web.Fragment(c, "partials/dash_product_row", row)
	}
	return c.Redirect(row.Base, fiber.StatusSeeOther)
}

func (h *Handlers) deleteProduct(c *fiber.Ctx) error {
	id, err := productID(c)
	if err != nil {
		return err
	}
	if err := h.editor.Delete(c.UserContext(), storeFrom(c).ID, id); err != nil {
		return err
	}
	if web.IsHTMX(c) {
		return c.SendString("") // the row disappears
	}
	return c.Redirect("/dashboard/s/"+storeFrom(c).Slug, fiber.StatusSeeOther)
}

// productRow is one row of the dashboard's product table.
type productRow struct {
	Product   *catalog.Product
	Base      string
	CSRF      string
	Discovery string // where buyers can find it, and why not in search
	Listed    bool   // in global discovery
}

func newProductRow(p *catalog.Product, m *tenants.Membership, csrf string) productRow {
	r := productRow{Product: p, Base: "/dashboard/s/" + m.Slug, CSRF: csrf}
	r.Discovery, r.Listed = discoveryNote(p, &m.Tenant)
	return r
}

// discoveryNote says in plain words whether marketplace search shows the
// product, and why not; it mirrors catalog's one eligibility rule.
func discoveryNote(p *catalog.Product, t *tenants.Tenant) (string, bool) {
	switch {
	case p.TakenDownAt != nil:
		return "Taken down by Claro staff (reason: " + deref(p.TakenDownReason) + "). Hidden from your store, search and checkout; buyers keep access.", false
	case p.Visibility == catalog.Draft:
		return "Draft: hidden everywhere until you publish it.", false
	case t.Status != tenants.StatusActive:
		return "Your store is suspended, so nothing of it is shown.", false
	case p.Visibility == catalog.Private:
		return "Unlisted: on your store by its link, never in marketplace search.", false
	case !t.ChargesEnabled:
		return "Not in marketplace search until your store can take payments (Payments).", false
	}
	return "In marketplace search and on your store.", true
}

func readProductForm(c *fiber.Ctx) ProductForm {
	return ProductForm{Title: c.FormValue("title"), Slug: c.FormValue("slug"), Description: c.FormValue("description"),
		Price: c.FormValue("price"), Currency: c.FormValue("currency"), Visibility: c.FormValue("visibility"),
		CategoryID: c.FormValue("category_id"), Tags: c.FormValue("tags"), Content: c.FormValue("content"),
		LicenseKeys: c.FormValue("license_keys") == "on", Limit: c.FormValue("activation_limit"),
		PWYW: c.FormValue("pwyw") == "on", PWYWMin: c.FormValue("pwyw_min")}
}

func (h *Handlers) invalidProduct(c *fiber.Ctx, page productPage, f ProductForm) error {
	page.Form = f
	c.Status(fiber.StatusUnprocessableEntity)
	return web.Render(c, "dashboard/product_form", page)
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
