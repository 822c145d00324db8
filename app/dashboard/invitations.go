package dashboard

import (
	"context"

	"github.com/claro-market/claro/app/accounts"
	"github.com/claro-market/claro/app/web"
	"github.com/claro-market/claro/tenants"
	"github.com/gofiber/fiber/v2"
	"github.com/uptrace/bun"
)

// indexPage is GET /dashboard: the user's stores, and the invitations to
// join others sent to their verified address.
type indexPage struct {
	web.Page
	Stores      []tenants.Membership
	Invitations []tenants.Invitation
	Verified    bool   // whether the account's address is verified (invitations reach only those)
	EmailURL    string // where it is verified
}

func (h *Handlers) index(c *fiber.Ctx) error {
	me := web.CurrentUser(c)
	page := indexPage{Page: h.pages.New(c, "Your stores"), EmailURL: accounts.EmailPath}
	var err error
	if page.Stores, err = h.tenants.ListForMember(c.UserContext(), me.UserID); err != nil {
		return err
	}
	if page.Invitations, err = h.tenants.InvitationsFor(c.UserContext(), me.UserID); err != nil {
		return err
	}
	u, err := h.users.ByID(c.UserContext(), me.UserID)
	if err != nil {
		return err
	}
	page.Verified = u.EmailVerifiedAt != nil
	if c.Query("declined") != "" {
		page.Flash = "Invitation declined. The store's owner can invite you again."
	}
	return web.Render(c, "dashboard/index", page)
}

// acceptInvitation makes the signed-in user a member of the store that
// invited their verified address.
func (h *Handlers) acceptInvitation(c *fiber.Ctx) error {
	inv, err := h.answer(c, func(ctx context.Context, ts *tenants.Store, inv *tenants.Invitation, userID int64) error {
		return ts.AcceptInvitation(ctx, inv.TenantID, inv.ID, userID)
	})
	if err != nil {
		return err
	}
	return c.Redirect("/dashboard/s/"+inv.StoreSlug+"?joined=1", fiber.StatusSeeOther)
}

// declineInvitation answers no; the store can invite the address again.
func (h *Handlers) declineInvitation(c *fiber.Ctx) error {
	_, err := h.answer(c, func(ctx context.Context, ts *tenants.Store, inv *tenants.Invitation, userID int64) error {
		return ts.DeclineInvitation(ctx, inv.TenantID, inv.ID, userID)
	})
	if err != nil {
		return err
	}
	return c.Redirect("/dashboard?declined=1", fiber.StatusSeeOther)
}

// answer finds the invitation in the URL among those live and addressed to
// the user's verified address (anything else, another person's or an
// unverified account's included, is the 404 page), then runs fn in that
// store's tenant transaction, where every condition is checked again.
func (h *Handlers) answer(c *fiber.Ctx, fn func(ctx context.Context, ts *tenants.Store, inv *tenants.Invitation, userID int64) error) (*tenants.Invitation, error) {
	id, err := idParam(c, "invitation")
	if err != nil {
		return nil, err
	}
	me := web.CurrentUser(c)
	inv, err := h.tenants.InvitationFor(c.UserContext(), me.UserID, id)
	if err != nil {
		return nil, err
	}
	return inv, h.db.InTenant(c.UserContext(), inv.TenantID, func(ctx context.Context, tx bun.Tx) error {
		return fn(ctx, tenants.NewStore(tx), inv, me.UserID)
	})
}
