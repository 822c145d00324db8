package dashboard

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/claro-market/claro/app/catalog"
	"github.com/claro-market/claro/app/discounts"
	"github.com/claro-market/claro/app/web"
	"github.com/gofiber/fiber/v2"
	"github.com/uptrace/bun"
)

// DiscountForm is the new-code form, as typed.
type DiscountForm struct {
	Code           string
	Kind           string // discounts.Percent or discounts.Amount
	Value          string // "20" (percent) or "5.00" (amount)
	Currency       string
	Scope          string // "all" or "chosen"
	Products       []string
	StartsAt       string // datetime-local, UTC
	EndsAt         string
	MaxRedemptions string
	MaxPerBuyer    string
	MinOrder       string
	Errors         map[string]string
}

// Chose reports whether the form names product id (for its checkboxes).
func (f DiscountForm) Chose(id int64) bool {
	return slices.Contains(f.Products, strconv.FormatInt(id, 10))
}

// formTime is how datetime-local inputs send a time; the form's times are UTC.
const formTime = "2006-01-02T15:04"

// code validates the form into a code, filling Errors; nil when invalid.
func (f *DiscountForm) code() *discounts.Code {
	f.Errors = map[string]string{}
	k := &discounts.Code{AllProducts: f.Scope != "chosen", Currency: f.Currency}
	var ok bool
	if k.Code, ok = discounts.Normalize(f.Code); !ok {
		f.Errors["code"] = "Use 2 to 40 letters, digits, - or _ (buyers may type it in any case)."
	}
	f.Code = strings.TrimSpace(f.Code)
	switch f.Kind {
	case discounts.Percent:
		n, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(f.Value), "%"), 10, 64)
		if err != nil || n < 1 || n > 100 {
			f.Errors["value"] = "A percent off is a whole number from 1 to 100."
		}
		k.Value = n
	case discounts.Amount:
		n, ok := parsePrice(f.Value)
		if !ok || n <= 0 || n > 1_000_000_00 {
			f.Errors["value"] = "Enter an amount off like 5 or 4.99, more than zero."
		}
		k.Value = n
		if !slices.Contains(Currencies, f.Currency) {
			f.Errors["currency"] = "Choose USD, EUR or GBP."
		}
	default:
		f.Errors["kind"] = "Choose a percent or a fixed amount off."
	}
	if k.Kind = f.Kind; k.Currency == "" {
		k.Currency = "usd"
	}
	if !k.AllProducts {
		for _, s := range f.Products {
			id, err := strconv.ParseInt(s, 10, 64)
			if err != nil || id <= 0 || slices.Contains(k.Products, id) {
				f.Errors["products"] = "Choose products from the list."
				break
			}
			k.Products = append(k.Products, id)
		}
		if len(k.Products) == 0 && f.Errors["products"] == "" {
			f.Errors["products"] = "Choose at least one product, or the whole store."
		}
		if len(k.Products) > 500 {
			f.Errors["products"] = "Choose at most 500 products."
		}
	}
	k.StartsAt = f.when("starts_at", f.StartsAt)
	k.EndsAt = f.when("ends_at", f.EndsAt)
	if k.StartsAt != nil && k.EndsAt != nil && !k.EndsAt.After(*k.StartsAt) {
		f.Errors["ends_at"] = "The end must come after the start."
	}
	k.MaxRedemptions = f.count("max_redemptions", f.MaxRedemptions)
	k.MaxPerBuyer = f.count("max_per_buyer", f.MaxPerBuyer)
	if f.MinOrder = strings.TrimSpace(f.MinOrder); f.MinOrder != "" {
		if k.MinOrderCents, ok = parsePrice(f.MinOrder); !ok {
			f.Errors["min_order"] = "Enter a minimum order like 20 or 19.99, or leave it empty."
		}
	}
	if len(f.Errors) > 0 {
		return nil
	}
	return k
}

func (f *DiscountForm) when(field, s string) *time.Time {
	if s = strings.TrimSpace(s); s == "" {
		return nil
	}
	t, err := time.ParseInLocation(formTime, s, time.UTC)
	if err != nil || t.Year() < 2000 || t.Year() > 9999 {
		f.Errors[field] = "Enter a date and time (UTC), or leave it empty."
		return nil
	}
	return &t
}

func (f *DiscountForm) count(field, s string) *int {
	if s = strings.TrimSpace(s); s == "" {
		return nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > 1_000_000 {
		f.Errors[field] = "A whole number from 1 to 1,000,000, or leave it empty for no limit."
		return nil
	}
	return &n
}

type discountsPage struct {
	storePage
	Codes      []discounts.StoreCode
	Products   []catalog.Product
	Form       DiscountForm
	Currencies []string
	Now        time.Time
	Error      string // why the form was refused
}

// discountNotices are the messages of the page's actions (?notice=).
var discountNotices = map[string]string{
	"created":  "The code is created: buyers can enter it in their cart.",
	"archived": "The code is archived: it no longer applies to new checkouts.",
}

func (h *Handlers) discountsPage(c *fiber.Ctx, f DiscountForm) (discountsPage, error) {
	m := storeFrom(c)
	page := discountsPage{storePage: h.newStorePage(c, "Discount codes"), Form: f, Currencies: Currencies, Now: time.Now()}
	if page.Form.Kind == "" {
		page.Form.Kind, page.Form.Scope, page.Form.Currency = discounts.Percent, "all", "usd"
	}
	err := h.db.InTenant(c.UserContext(), m.ID, func(ctx context.Context, tx bun.Tx) (err error) {
		if page.Codes, err = discounts.NewCreator(tx).List(ctx, m.ID); err != nil {
			return err
		}
		page.Products, err = catalog.NewStore(tx).ListForTenant(ctx, m.ID)
		return err
	})
	return page, err
}

func (h *Handlers) discountsList(c *fiber.Ctx) error {
	page, err := h.discountsPage(c, DiscountForm{})
	if err != nil {
		return err
	}
	page.Flash = discountNotices[c.Query("notice")]
	c.Set(fiber.HeaderCacheControl, "private, no-store")
	return web.Render(c, "dashboard/discounts", page)
}

func (h *Handlers) createDiscount(c *fiber.Ctx) error {
	m := storeFrom(c)
	f := DiscountForm{Code: c.FormValue("code"), Kind: c.FormValue("kind"), Value: c.FormValue("value"),
		Currency: c.FormValue("currency"), Scope: c.FormValue("scope"), StartsAt: c.FormValue("starts_at"),
		EndsAt: c.FormValue("ends_at"), MaxRedemptions: c.FormValue("max_redemptions"),
		MaxPerBuyer: c.FormValue("max_per_buyer"), MinOrder: c.FormValue("min_order")}
	for _, v := range c.Context().PostArgs().PeekMulti("products") {
		f.Products = append(f.Products, string(v))
	}
	k := f.code()
	if k != nil {
		err := h.db.InTenant(c.UserContext(), m.ID, func(ctx context.Context, tx bun.Tx) error {
			return discounts.NewCreator(tx).Create(ctx, m.ID, k)
		})
		switch {
		case errors.Is(err, discounts.ErrTaken):
			f.Errors["code"] = "This store has that code already (codes match whatever their case)."
		case errors.Is(err, discounts.ErrForeignProduct):
			f.Errors["products"] = "Choose products from the list."
		case err != nil:
			return err
		default:
			return c.Redirect("/dashboard/s/"+m.Slug+"/discounts?notice=created", fiber.StatusSeeOther)
		}
	}
	page, err := h.discountsPage(c, f)
	if err != nil {
		return err
	}
	page.Error = "The code was not created: see the fields marked below."
	c.Status(fiber.StatusUnprocessableEntity)
	return web.Render(c, "dashboard/discounts", page)
}

func (h *Handlers) archiveDiscount(c *fiber.Ctx) error {
	m := storeFrom(c)
	id, err := strconv.ParseInt(c.Params("code"), 10, 64)
	if err != nil {
		return web.ErrNotFound
	}
	if err := h.db.InTenant(c.UserContext(), m.ID, func(ctx context.Context, tx bun.Tx) error {
		return discounts.NewCreator(tx).Archive(ctx, m.ID, id)
	}); err != nil {
		return err
	}
	return c.Redirect("/dashboard/s/"+m.Slug+"/discounts?notice=archived", fiber.StatusSeeOther)
}
