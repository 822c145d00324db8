package api

import (
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/claro-market/claro/app/blob"
	"github.com/claro-market/claro/app/catalog"
	"github.com/claro-market/claro/app/dashboard"
	"github.com/gofiber/fiber/v2"
)

// Product is a product as the API answers it.
type Product struct {
	ID              int64      `json:"id"`
	Slug            string     `json:"slug"`
	Title           string     `json:"title"`
	Description     string     `json:"description"`
	PriceCents      int64      `json:"price_cents"`
	Currency        string     `json:"currency"`
	Visibility      string     `json:"visibility"`
	CategoryID      *int64     `json:"category_id"`
	Tags            []string   `json:"tags"`
	ContentMD       string     `json:"content_md"`
	LicenseKeys     bool       `json:"license_keys"`
	ActivationLimit int        `json:"activation_limit"`
	TakenDown       bool       `json:"taken_down"`
	PublishedAt     *time.Time `json:"published_at"`
	CreatedAt       time.Time  `json:"created_at"`
	UpdatedAt       time.Time  `json:"updated_at"`
	Files           []File     `json:"files,omitempty"`
}

// File is a product's downloadable file.
type File struct {
	ID          int64  `json:"id"`
	Name        string `json:"name"`
	SizeBytes   int64  `json:"size_bytes"`
	ContentType string `json:"content_type"`
}

func productOf(p catalog.Product) Product {
	tags := p.Tags
	if tags == nil {
		tags = []string{}
	}
	return Product{ID: p.ID, Slug: p.Slug, Title: p.Title, Description: p.Description, PriceCents: p.PriceCents,
		Currency: p.Currency, Visibility: p.Visibility, CategoryID: p.CategoryID, Tags: tags, ContentMD: p.ContentMD,
		LicenseKeys: p.LicenseKeys, ActivationLimit: p.ActivationLimit, TakenDown: p.TakenDownAt != nil,
		PublishedAt: p.PublishedAt, CreatedAt: p.CreatedAt, UpdatedAt: p.UpdatedAt}
}

func fileOf(f catalog.File) File {
	return File{ID: f.ID, Name: f.Name, SizeBytes: f.SizeBytes, ContentType: f.ContentType}
}

func withFiles(p *catalog.Product, files []catalog.File) Product {
	out := productOf(*p)
	out.Files = make([]File, 0, len(files))
	for _, f := range files {
		out.Files = append(out.Files, fileOf(f))
	}
	return out
}

func (h *Handlers) listProducts(c *fiber.Ctx) error {
	p := principal(c)
	scope := scopeOf("products", p.TenantID)
	var after catalog.Position
	limit, more, err := h.pageArgs(c, scope, &after)
	if err != nil {
		return answer(c, err)
	}
	var from *catalog.Position
	if more {
		from = &after
	}
	rows, err := h.editor.CreatorPage(c.UserContext(), p.TenantID, from, limit+1)
	if err != nil {
		return err
	}
	return pageOf(c, h, scope, rows, limit, func(p catalog.Product) any { return catalog.ProductPosition(p) }, productOf)
}

func (h *Handlers) getProduct(c *fiber.Ctx) error {
	id, err := id(c)
	if err != nil {
		return err
	}
	p, files, err := h.editor.Product(c.UserContext(), principal(c).TenantID, id)
	if err != nil {
		return err
	}
	return c.JSON(withFiles(p, files))
}

// productInput is the body of create and update: a field left out is left
// as it is (on create: the editor's default).
type productInput struct {
	Title           *string   `json:"title"`
	Slug            *string   `json:"slug"`
	Description     *string   `json:"description"`
	PriceCents      *int64    `json:"price_cents"`
	Currency        *string   `json:"currency"`
	CategoryID      *int64    `json:"category_id"` // 0: none
	Tags            *[]string `json:"tags"`
	ContentMD       *string   `json:"content_md"`
	LicenseKeys     *bool     `json:"license_keys"`
	ActivationLimit *int      `json:"activation_limit"`
}

// formFields are the dashboard form's field names as the API calls them.
var formFields = map[string]string{"price": "price_cents", "content": "content_md", "category": "category_id"}

// apply fills the dashboard's product form from in and validates it with
// the editor's own rules; problems name the API's fields.
func (h *Handlers) apply(c *fiber.Ctx, f *dashboard.ProductForm, in productInput, create bool) error {
	pre := map[string]string{}
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = *v
		}
	}
	set(&f.Title, in.Title)
	set(&f.Slug, in.Slug)
	set(&f.Description, in.Description)
	set(&f.Currency, in.Currency)
	set(&f.Content, in.ContentMD)
	switch {
	case in.PriceCents != nil && *in.PriceCents < 0:
		pre["price_cents"] = "The price is a whole number of cents, not negative."
	case in.PriceCents != nil:
		f.Price = strconv.FormatInt(*in.PriceCents/100, 10) + "." + strconv.FormatInt(100+*in.PriceCents%100, 10)[1:]
	case create:
		pre["price_cents"] = "Give the price in cents, e.g. 1299 for 12.99."
	}
	if in.CategoryID != nil {
		f.CategoryID = ""
		if *in.CategoryID != 0 {
			cats, err := h.editor.Categories(c.UserContext())
			if err != nil {
				return err
			}
			if !slices.ContainsFunc(cats, func(k catalog.Category) bool { return k.ID == *in.CategoryID }) {
				pre["category_id"] = "No such category (0 for none)."
			}
			f.CategoryID = strconv.FormatInt(*in.CategoryID, 10)
		}
	}
	if in.Tags != nil {
		if slices.ContainsFunc(*in.Tags, func(t string) bool { return strings.Contains(t, ",") }) {
			pre["tags"] = "A tag cannot hold a comma."
		}
		f.Tags = strings.Join(*in.Tags, ", ")
	}
	if in.LicenseKeys != nil {
		f.LicenseKeys = *in.LicenseKeys
	}
	if in.ActivationLimit != nil {
		f.Limit = strconv.Itoa(*in.ActivationLimit)
	}
	if create && in.Title == nil {
		pre["title"] = "Give the product a title."
	}
	ok := f.Validate()
	for k, v := range f.Errors {
		if n, renamed := formFields[k]; renamed {
			k = n
		}
		if _, seen := pre[k]; !seen {
			pre[k] = v
		}
	}
	if !ok || len(pre) > 0 {
		return invalid(pre)
	}
	return nil
}

func invalid(fields map[string]string) *problem {
	names := make([]string, 0, len(fields))
	for k := range fields {
		names = append(names, k)
	}
	slices.Sort(names)
	return &problem{status: fiber.StatusUnprocessableEntity, code: "validation_failed",
		message: "Some fields were refused: " + strings.Join(names, ", ") + ".", fields: fields}
}

var slugTaken = map[string]string{"slug": "Another product of this store uses that slug."}

// createProduct adds a draft product; publish it with /publish.
func (h *Handlers) createProduct(c *fiber.Ctx) error {
	var in productInput
	if err := decode(c, &in, false); err != nil {
		return answer(c, err)
	}
	f := dashboard.ProductForm{Currency: "usd", Visibility: catalog.Draft, Limit: "3"}
	if err := h.apply(c, &f, in, true); err != nil {
		return answer(c, err)
	}
	p, err := h.editor.Create(c.UserContext(), principal(c).TenantID, f.Changes())
	if errors.Is(err, catalog.ErrSlugTaken) {
		return answer(c, invalid(slugTaken))
	}
	if err != nil {
		return err
	}
	c.Location("/api/v1/products/" + strconv.FormatInt(p.ID, 10))
	return c.Status(fiber.StatusCreated).JSON(withFiles(p, nil))
}

// updateProduct changes the fields the body names, through the editor's
// form filled from the stored product, so nothing else moves.
func (h *Handlers) updateProduct(c *fiber.Ctx) error {
	id, err := id(c)
	if err != nil {
		return err
	}
	tenant := principal(c).TenantID
	p, _, err := h.editor.Product(c.UserContext(), tenant, id)
	if err != nil {
		return err
	}
	var in productInput
	if err := decode(c, &in, false); err != nil {
		return answer(c, err)
	}
	f := dashboard.FormOf(p)
	if err := h.apply(c, &f, in, false); err != nil {
		return answer(c, err)
	}
	if _, err = h.editor.Update(c.UserContext(), tenant, id, f.Changes()); errors.Is(err, catalog.ErrSlugTaken) {
		return answer(c, invalid(slugTaken))
	}
	if err != nil {
		return err
	}
	return h.getProduct(c)
}

// publishProduct sets the visibility: public (the default), private
// (unlisted) or draft.
func (h *Handlers) publishProduct(c *fiber.Ctx) error {
	id, err := id(c)
	if err != nil {
		return err
	}
	in := struct {
		Visibility string `json:"visibility"`
	}{Visibility: catalog.Public}
	if err := decode(c, &in, true); err != nil {
		return answer(c, err)
	}
	_, err = h.editor.Publish(c.UserContext(), principal(c).TenantID, id, in.Visibility)
	if errors.Is(err, catalog.ErrVisibility) {
		return answer(c, invalid(map[string]string{"visibility": "Choose public, private (unlisted) or draft."}))
	}
	if err != nil {
		return err
	}
	return h.getProduct(c)
}

// uploadFile attaches a downloadable file (multipart field "file", up to
// the dashboard's size) to the product.
func (h *Handlers) uploadFile(c *fiber.Ctx) error {
	id, err := id(c)
	if err != nil {
		return err
	}
	if !strings.HasPrefix(strings.ToLower(c.Get(fiber.HeaderContentType)), fiber.MIMEMultipartForm) {
		return answer(c, fail(fiber.StatusUnsupportedMediaType, "unsupported_media_type",
			"Send the file as multipart/form-data in a field named file."))
	}
	fh, err := c.FormFile("file")
	if err != nil {
		return answer(c, invalid(map[string]string{"file": "Send the file in a multipart field named file."}))
	}
	name := dashboard.CleanFileName(fh.Filename)
	if name == "" {
		return answer(c, invalid(map[string]string{"file": "That file name cannot be used; rename the file."}))
	}
	src, err := fh.Open()
	if err != nil {
		return err
	}
	defer src.Close()
	f, err := h.editor.AttachFile(c.UserContext(), principal(c).TenantID, id, name, src, fh.Size)
	var up *blob.UploadError
	if errors.As(err, &up) {
		return answer(c, invalid(map[string]string{"file": up.Message}))
	}
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(fileOf(*f))
}
