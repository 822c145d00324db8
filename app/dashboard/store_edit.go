package dashboard

import (
	"context"
	"errors"
	"mime/multipart"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/claro-market/claro/app/blob"
	"github.com/claro-market/claro/app/web"
	"github.com/claro-market/claro/tenants"
	"github.com/gofiber/fiber/v2"
	"github.com/uptrace/bun"
)

// StoreForm is the form that creates a store or edits its settings.
type StoreForm struct {
	Slug        string
	Name        string
	Description string
	Accent      string
	Errors      map[string]string
}

var accentPattern = regexp.MustCompile(`^#[0-9a-f]{6}$`)

// Validate checks the form; creating also checks the slug. Neither the slug
// nor the name may pass for the platform (tenants.SlugProblem, NameProblem).
func (f *StoreForm) Validate(creating bool) bool {
	f.Errors = map[string]string{}
	f.Slug = strings.ToLower(strings.TrimSpace(f.Slug))
	f.Name = strings.TrimSpace(f.Name)
	f.Description = strings.TrimSpace(f.Description)
	f.Accent = strings.ToLower(strings.TrimSpace(f.Accent))
	if creating {
		if p := tenants.SlugProblem(f.Slug); p != "" {
			f.Errors["slug"] = p
		}
	}
	if f.Name == "" || utf8.RuneCountInString(f.Name) > 120 {
		f.Errors["name"] = "Give the store a name of up to 120 characters."
	} else if plainTextProblem(f.Name) {
		f.Errors["name"] = plainTextMessage
	} else if p := tenants.NameProblem(f.Name); p != "" {
		f.Errors["name"] = p // a look-alike of the platform, on creation and on every edit
	}
	if utf8.RuneCountInString(f.Description) > 2000 {
		f.Errors["description"] = "Keep the description under 2,000 characters."
	} else if plainTextProblem(f.Description) {
		f.Errors["description"] = plainTextMessage
	}
	if f.Accent == "" {
		f.Accent = "#4f46e5"
	}
	if !accentPattern.MatchString(f.Accent) {
		f.Errors["accent"] = "Pick a colour like #4f46e5."
	}
	return len(f.Errors) == 0
}

const plainTextMessage = "Use plain text here: < and > are not allowed."

func plainTextProblem(s string) bool { return strings.ContainsAny(s, "<>") }

type storeFormPage struct {
	web.Page
	Form StoreForm
}

func (h *Handlers) newStore(c *fiber.Ctx) error {
	return web.Render(c, "dashboard/store_new", storeFormPage{Page: h.pages.New(c, "Open a store"), Form: StoreForm{Accent: "#4f46e5"}})
}

func (h *Handlers) createStore(c *fiber.Ctx) error {
	f := StoreForm{Slug: c.FormValue("slug"), Name: c.FormValue("name"), Description: c.FormValue("description"), Accent: c.FormValue("accent")}
	page := storeFormPage{Page: h.pages.New(c, "Open a store")}
	if f.Validate(true) {
		t := &tenants.Tenant{Slug: f.Slug, Name: f.Name, Description: f.Description, AccentColor: f.Accent}
		err := h.tenants.CreateWithOwner(c.UserContext(), h.db.Primary, t, web.CurrentUser(c).UserID)
		switch {
		case errors.Is(err, tenants.ErrSlugTaken):
			f.Errors["slug"] = "That name is taken. Choose another."
		case err != nil:
			return err
		default:
			return c.Redirect("/dashboard/s/"+t.Slug, fiber.StatusSeeOther)
		}
	}
	page.Form = f
	c.Status(fiber.StatusUnprocessableEntity)
	return web.Render(c, "dashboard/store_new", page)
}

type storeOverviewPage struct {
	storePage
	Rows []productRow
}

func (h *Handlers) showStore(c *fiber.Ctx) error {
	page := storeOverviewPage{storePage: h.newStorePage(c, storeFrom(c).Name)}
	if c.Query("joined") != "" {
		page.Flash = "Welcome to " + page.Membership.Name + ". You joined it as its " + page.Membership.Role + "."
	}
	products, err := h.editor.List(c.UserContext(), page.Membership.ID)
	if err != nil {
		return err
	}
	for i := range products {
		page.Rows = append(page.Rows, newProductRow(&products[i], page.Membership, page.CSRF))
	}
	return web.Render(c, "dashboard/store", page)
}

type settingsPage struct {
	storePage
	Form  StoreForm
	Saved bool
}

func (h *Handlers) editSettings(c *fiber.Ctx) error {
	m := storeFrom(c)
	page := settingsPage{storePage: h.newStorePage(c, "Store settings"),
		Form: StoreForm{Slug: m.Slug, Name: m.Name, Description: m.Description, Accent: m.AccentColor}}
	return web.Render(c, "dashboard/store_settings", page)
}

func (h *Handlers) saveSettings(c *fiber.Ctx) error {
	m := storeFrom(c)
	f := StoreForm{Slug: m.Slug, Name: c.FormValue("name"), Description: c.FormValue("description"), Accent: c.FormValue("accent")}
	page := settingsPage{storePage: h.newStorePage(c, "Store settings")}
	if !f.Validate(false) {
		page.Form = f
		c.Status(fiber.StatusUnprocessableEntity)
		return web.Render(c, "dashboard/store_settings", page)
	}
	logo := m.LogoKey
	if fh, err := c.FormFile("logo"); err == nil && fh.Size > 0 {
		key, err := h.putImage(c, fh)
		var up *blob.UploadError
		if errors.As(err, &up) {
			f.Errors["logo"] = up.Message
			page.Form = f
			c.Status(fiber.StatusUnprocessableEntity)
			return web.Render(c, "dashboard/store_settings", page)
		} else if err != nil {
			return err
		}
		logo = &key
	}
	err := h.db.InTenant(c.UserContext(), m.ID, func(ctx context.Context, tx bun.Tx) error {
		return tenants.NewStore(tx).UpdateSettings(ctx, m.ID, f.Name, f.Description, f.Accent, logo)
	})
	if err != nil {
		return err
	}
	return c.Redirect(page.Base+"/settings?saved=1", fiber.StatusSeeOther)
}

// putImage stores an uploaded logo; a refused image is a *blob.UploadError.
func (h *Handlers) putImage(c *fiber.Ctx, fh *multipart.FileHeader) (string, error) {
	src, err := fh.Open()
	if err != nil {
		return "", err
	}
	defer src.Close()
	key, _, err := blob.PutImage(c.UserContext(), h.blobs, blob.DefaultLimits(), src)
	return key, err
}
