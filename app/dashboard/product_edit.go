package dashboard

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/claro-market/claro/app/catalog"
	"github.com/claro-market/claro/app/web"
	"github.com/claro-market/claro/tenants"
	"github.com/gofiber/fiber/v2"
	"github.com/uptrace/bun"
)

type productPage struct {
	storePage
	Form       ProductForm
	Product    *catalog.Product
	Files      []catalog.File
	Categories []catalog.Category
	Currencies []string
}

// inStore runs fn with a catalog store inside the store's tenant transaction.
func (h *Handlers) inStore(c *fiber.Ctx, fn func(cs *catalog.Store) error) error {
	return h.db.InTenant(c.UserContext(), storeFrom(c).ID, func(_ context.Context, tx bun.Tx) error {
		return fn(catalog.NewStore(tx))
	})
}

// productFromURL loads the product named by :id within the store.
func (h *Handlers) productFromURL(c *fiber.Ctx, cs *catalog.Store) (*catalog.Product, error) {
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil || id <= 0 {
		return nil, catalog.ErrNotFound
	}
	return cs.ByID(c.UserContext(), storeFrom(c).ID, id)
}

func (h *Handlers) productPage(c *fiber.Ctx, title string) (productPage, error) {
	page := productPage{storePage: h.newStorePage(c, title), Currencies: Currencies}
	cats, err := catalog.NewReadStore(h.db).Categories(c.UserContext())
	page.Categories = cats
	return page, err
}

func (h *Handlers) newProduct(c *fiber.Ctx) error {
	page, err := h.productPage(c, "New product")
	if err != nil {
		return err
	}
	page.Form = ProductForm{Currency: "usd", Visibility: catalog.Draft}
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
	p := &catalog.Product{}
	f.apply(p)
	if p.ContentHTML, err = h.markdown.Render(p.ContentMD); err != nil {
		return err
	}
	if p.Visibility != catalog.Draft {
		now := time.Now()
		p.PublishedAt = &now
	}
	err = h.inStore(c, func(cs *catalog.Store) error { return cs.CreateChecked(c.UserContext(), storeFrom(c).ID, p) })
	if errors.Is(err, catalog.ErrSlugTaken) {
		f.Errors["slug"] = "Another product of this store uses that slug."
		return h.invalidProduct(c, page, f)
	}
	if err != nil {
		return err
	}
	return c.Redirect(page.Base+"/products/"+strconv.FormatInt(p.ID, 10)+"/edit?created=1", fiber.StatusSeeOther)
}

func (h *Handlers) editProduct(c *fiber.Ctx) error {
	page, err := h.productPage(c, "Edit product")
	if err != nil {
		return err
	}
	err = h.inStore(c, func(cs *catalog.Store) error {
		if page.Product, err = h.productFromURL(c, cs); err != nil {
			return err
		}
		page.Files, err = cs.Files(c.UserContext(), storeFrom(c).ID, page.Product.ID)
		return err
	})
	if err != nil {
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

func (h *Handlers) updateProduct(c *fiber.Ctx) error {
	page, err := h.productPage(c, "Edit product")
	if err != nil {
		return err
	}
	f := readProductForm(c)
	valid := f.Validate()
	err = h.inStore(c, func(cs *catalog.Store) error {
		p, err := h.productFromURL(c, cs)
		if err != nil {
			return err
		}
		page.Product = p
		if page.Files, err = cs.Files(c.UserContext(), storeFrom(c).ID, p.ID); err != nil || !valid {
			return err
		}
		wasDraft := p.Visibility == catalog.Draft
		f.apply(p)
		if p.ContentHTML, err = h.markdown.Render(p.ContentMD); err != nil {
			return err
		}
		if wasDraft && p.Visibility != catalog.Draft && p.PublishedAt == nil {
			now := time.Now()
			p.PublishedAt = &now
		}
		return cs.Update(c.UserContext(), storeFrom(c).ID, p)
	})
	switch {
	case errors.Is(err, catalog.ErrSlugTaken):
		f.Errors["slug"] = "Another product of this store uses that slug."
		return h.invalidProduct(c, page, f)
	case err != nil:
		return err
	case !valid:
		return h.invalidProduct(c, page, f)
	}
	return c.Redirect(page.Base+"/products/"+c.Params("id")+"/edit?saved=1", fiber.StatusSeeOther)
}

// setVisibility is the inline (htmx) visibility switch of the product list.
func (h *Handlers) setVisibility(c *fiber.Ctx) error {
	vis := c.FormValue("visibility")
	if vis != catalog.Public && vis != catalog.Private && vis != catalog.Draft {
		return web.BadRequest("Choose public, unlisted or draft.")
	}
	var p *catalog.Product
	err := h.inStore(c, func(cs *catalog.Store) (err error) {
		if p, err = h.productFromURL(c, cs); err != nil {
			return err
		}
		p.Visibility = vis
		if vis != catalog.Draft && p.PublishedAt == nil {
			now := time.Now()
			p.PublishedAt = &now
		}
		return cs.Update(c.UserContext(), storeFrom(c).ID, p)
	})
	if err != nil {
		return err
	}
	row := newProductRow(p, storeFrom(c), web.CSRFToken(c))
	if web.IsHTMX(c) {
		return web.Fragment(c, "partials/dash_product_row", row)
	}
	return c.Redirect(row.Base, fiber.StatusSeeOther)
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

func (h *Handlers) deleteProduct(c *fiber.Ctx) error {
	err := h.inStore(c, func(cs *catalog.Store) error {
		p, err := h.productFromURL(c, cs)
		if err != nil {
			return err
		}
		return cs.SoftDelete(c.UserContext(), storeFrom(c).ID, p.ID)
	})
	if err != nil {
		return err
	}
	if web.IsHTMX(c) {
		return c.SendString("") // the row disappears
	}
	return c.Redirect("/dashboard/s/"+storeFrom(c).Slug, fiber.StatusSeeOther)
}

func readProductForm(c *fiber.Ctx) ProductForm {
	return ProductForm{Title: c.FormValue("title"), Slug: c.FormValue("slug"), Description: c.FormValue("description"),
		Price: c.FormValue("price"), Currency: c.FormValue("currency"), Visibility: c.FormValue("visibility"),
		CategoryID: c.FormValue("category_id"), Tags: c.FormValue("tags"), Content: c.FormValue("content")}
}

func (h *Handlers) invalidProduct(c *fiber.Ctx, page productPage, f ProductForm) error {
	page.Form = f
	c.Status(fiber.StatusUnprocessableEntity)
	return web.Render(c, "dashboard/product_form", page)
}
