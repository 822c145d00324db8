package dashboard

import (
	"context"
	"encoding/csv"
	"fmt"
	"strconv"
	"time"

	"github.com/claro-market/claro/app/licenses"
	"github.com/claro-market/claro/app/web"
	"github.com/gofiber/fiber/v2"
	"github.com/uptrace/bun"
)

// licensesShown is how many keys the page lists; the CSV has them all.
const licensesShown = 200

// WithLicenses gives the dashboard its license-keys page.
func (h *Handlers) WithLicenses(keys *licenses.Keys) *Handlers {
	h.licenses = keys
	return h
}

type licensesPage struct {
	storePage
	Keys  []licenses.StoreKey
	Shown int
}

// licenseNotices are the messages of the page's actions (?notice=), fixed
// texts: nothing of the address is shown.
var licenseNotices = map[string]string{
	"disabled": "The key is disabled: activating or validating it now says so.",
	"enabled":  "The key is enabled again.",
	"reset":    "Every activation of the key is freed.",
}

func (h *Handlers) licensesList(c *fiber.Ctx) error {
	if h.licenses == nil {
		return web.ErrNotFound
	}
	m := storeFrom(c)
	page := licensesPage{storePage: h.newStorePage(c, "License keys"), Shown: licensesShown}
	err := h.db.InTenant(c.UserContext(), m.ID, func(ctx context.Context, tx bun.Tx) (err error) {
		page.Keys, err = h.licenses.Creator(tx).Recent(ctx, m.ID, licensesShown)
		return err
	})
	if err != nil {
		return err
	}
	page.Flash = licenseNotices[c.Query("notice")]
	c.Set(fiber.HeaderCacheControl, "private, no-store")
	return web.Render(c, "dashboard/licenses", page)
}

// licenseAction is disable, enable or reset of one of the store's keys.
func (h *Handlers) licenseAction(action string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		if h.licenses == nil {
			return web.ErrNotFound
		}
		m := storeFrom(c)
		id, err := strconv.ParseInt(c.Params("key"), 10, 64)
		if err != nil {
			return web.ErrNotFound
		}
		err = h.db.InTenant(c.UserContext(), m.ID, func(ctx context.Context, tx bun.Tx) error {
			cr := h.licenses.Creator(tx)
			switch action {
			case "reset":
				_, err := cr.Reset(ctx, m.ID, id)
				return err
			default:
				return cr.SetDisabled(ctx, m.ID, id, action == "disabled")
			}
		})
		if err != nil {
			return err
		}
		return c.Redirect("/dashboard/s/"+m.Slug+"/licenses?notice="+action, fiber.StatusSeeOther)
	}
}

// licensesCSV sends every key of the store, the keys themselves included
// (the creator answers their buyers' support mail with them).
func (h *Handlers) licensesCSV(c *fiber.Ctx) error {
	if h.licenses == nil {
		return web.ErrNotFound
	}
	m := storeFrom(c)
	var ks []licenses.StoreKey
	err := h.db.InTenant(c.UserContext(), m.ID, func(ctx context.Context, tx bun.Tx) (err error) {
		ks, err = h.licenses.Creator(tx).Export(ctx, m.ID)
		return err
	})
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
	c.Set(fiber.HeaderContentDisposition, fmt.Sprintf(`attachment; filename="%s-license-keys-%s.csv"`, m.Slug, time.Now().UTC().Format("2006-01-02")))
	c.Set(fiber.HeaderCacheControl, "private, no-store")
	w := csv.NewWriter(c.Response().BodyWriter())
	_ = w.Write([]string{"key", "product", "buyer_email", "order_id", "issued_at", "status", "disabled_reason", "activations", "activation_limit"})
	for _, k := range ks {
		status := "active"
		if k.DisabledAt != nil {
			status = "disabled"
		}
		_ = w.Write([]string{k.Key, csvSafe(k.Product), csvSafe(k.Email), strconv.FormatInt(k.OrderID, 10), k.IssuedAt.UTC().Format(time.RFC3339),
			status, k.DisabledReason, strconv.Itoa(k.Activations), strconv.Itoa(k.Limit)})
	}
	w.Flush()
	return w.Error()
}
