package dashboard

import (
	"context"
	"errors"
	"strings"

	"github.com/claro-market/claro/app/accounts"
	"github.com/claro-market/claro/app/web"
	"github.com/claro-market/claro/tenants"
	"github.com/gofiber/fiber/v2"
	"github.com/uptrace/bun"
)

type membersPage struct {
	storePage
	Members []tenants.Member
	Email   string
	Error   string
}

func (h *Handlers) members(c *fiber.Ctx) error {
	page := membersPage{storePage: h.newStorePage(c, "Members")}
	if err := h.inTenants(c, func(ts *tenants.Store) (err error) {
		page.Members, err = ts.Members(c.UserContext(), storeFrom(c).ID)
		return err
	}); err != nil {
		return err
	}
	if c.Query("added") != "" {
		page.Flash = "Member added."
	}
	return web.Render(c, "dashboard/members", page)
}

// addMember makes an existing account an admin of the store. The account must
// exist; the message does not say whether another store knows it.
func (h *Handlers) addMember(c *fiber.Ctx) error {
	email := accounts.NormalizeEmail(c.FormValue("email"))
	page := membersPage{storePage: h.newStorePage(c, "Members"), Email: email}
	uid, err := h.tenants.UserIDByEmail(c.UserContext(), email)
	if errors.Is(err, tenants.ErrNotFound) || !strings.Contains(email, "@") {
		page.Error = "No Claro account uses that email. Ask them to sign up first, then add them."
		if err := h.inTenants(c, func(ts *tenants.Store) (err error) {
			page.Members, err = ts.Members(c.UserContext(), storeFrom(c).ID)
			return err
		}); err != nil {
			return err
		}
		c.Status(fiber.StatusUnprocessableEntity)
		return web.Render(c, "dashboard/members", page)
	}
	if err != nil {
		return err
	}
	if err := h.inTenants(c, func(ts *tenants.Store) error {
		return ts.AddAdmin(c.UserContext(), storeFrom(c).ID, uid)
	}); err != nil {
		return err
	}
	return c.Redirect(page.Base+"/members?added=1", fiber.StatusSeeOther)
}

// inTenants runs fn with a tenants store inside the store's tenant
// transaction, so row-level security backs the membership queries too.
func (h *Handlers) inTenants(c *fiber.Ctx, fn func(ts *tenants.Store) error) error {
	return h.db.InTenant(c.UserContext(), storeFrom(c).ID, func(_ context.Context, tx bun.Tx) error {
		return fn(tenants.NewStore(tx))
	})
}
