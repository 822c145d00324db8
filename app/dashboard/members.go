package dashboard

import (
	"errors"
	"strings"

	"github.com/claro-market/claro/app/accounts"
	"github.com/claro-market/claro/app/web"
	"github.com/claro-market/claro/tenants"
	"github.com/gofiber/fiber/v2"
)

type membersPage struct {
	storePage
	Members []tenants.Member
	Email   string
	Error   string
}

func (h *Handlers) members(c *fiber.Ctx) error {
	page := membersPage{storePage: h.newStorePage(c, "Members")}
	ms, err := h.tenants.Members(c.UserContext(), storeFrom(c).ID)
	if err != nil {
		return err
	}
	page.Members = ms
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
		if page.Members, err = h.tenants.Members(c.UserContext(), storeFrom(c).ID); err != nil {
			return err
		}
		c.Status(fiber.StatusUnprocessableEntity)
		return web.Render(c, "dashboard/members", page)
	}
	if err != nil {
		return err
	}
	if err := h.tenants.AddAdmin(c.UserContext(), storeFrom(c).ID, uid); err != nil {
		return err
	}
	return c.Redirect(page.Base+"/members?added=1", fiber.StatusSeeOther)
}
