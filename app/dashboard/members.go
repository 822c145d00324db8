package dashboard

import (
	"context"
	"errors"
	"strconv"
	"strings"

	"github.com/claro-market/claro/app/accounts"
	"github.com/claro-market/claro/app/web"
	"github.com/claro-market/claro/tenants"
	"github.com/gofiber/fiber/v2"
	"github.com/uptrace/bun"
)

// InvitationHook hears of every invitation an owner sends (new, or renewed
// for the same address), once it is committed, with its token: the only
// copy, since only the token's hash is stored (tenants.OpenInvitationByToken
// finds the invitation again from it). It is where the email with a link is
// to be sent from: it runs inside the owner's request, so it should queue
// the email rather than wait for it, and its failures are its own to log.
// Without one nothing is sent, and the invitee finds the invitation on
// their dashboard once signed in with the address, verified.
type InvitationHook func(ctx context.Context, inv tenants.Invitation, token string)

// OnInvitation sets the hook told of each invitation sent.
func (h *Handlers) OnInvitation(fn InvitationHook) *Handlers {
	h.invited = fn
	return h
}

// InviteForm is the members page's invitation form.
type InviteForm struct {
	Email  string
	Role   string
	Errors map[string]string
}

// Validate checks the address with sign-up's rule and the role.
func (f *InviteForm) Validate() bool {
	f.Errors = map[string]string{}
	var ok bool
	if f.Email, ok = accounts.CheckEmail(f.Email); !ok {
		f.Errors["email"] = accounts.EmailMessage
	}
	f.Role = strings.TrimSpace(f.Role)
	if f.Role != tenants.RoleAdmin && f.Role != tenants.RoleOwner {
		f.Errors["role"] = "Choose admin or owner."
	}
	return len(f.Errors) == 0
}

// inviteRefusals word each refused invitation for the owner.
var inviteRefusals = []struct {
	err error
	msg string
}{
	{tenants.ErrAlreadyMember, "That address already belongs to a member of this store."},
	{tenants.ErrInvitationLimit, "This store has 50 pending invitations. Revoke some, or wait for them to be answered, before inviting more."},
}

type membersPage struct {
	storePage
	Members     []tenants.Member
	Invitations []tenants.Invitation
	Form        InviteForm
	Error       string
	Me          int64 // the signed-in user: an owner cannot remove themselves
}

// newMembersPage loads the store's members and open invitations in its
// tenant transaction.
func (h *Handlers) newMembersPage(c *fiber.Ctx) (membersPage, error) {
	page := membersPage{storePage: h.newStorePage(c, "Members"), Form: InviteForm{Role: tenants.RoleAdmin}, Me: web.CurrentUser(c).UserID}
	err := h.inTenants(c, func(ts *tenants.Store) (err error) {
		if page.Members, err = ts.Members(c.UserContext(), storeFrom(c).ID); err != nil {
			return err
		}
		page.Invitations, err = ts.Invitations(c.UserContext(), storeFrom(c).ID)
		return err
	})
	return page, err
}

func (h *Handlers) members(c *fiber.Ctx) error {
	page, err := h.newMembersPage(c)
	if err != nil {
		return err
	}
	switch {
	case c.Query("invited") != "":
		// The flash names the address from the store's own invitation,
		// never from the URL.
		for _, inv := range page.Invitations {
			if strconv.FormatInt(inv.ID, 10) == c.Query("invited") {
				page.Flash = "Invitation sent to " + inv.Email + ". It is listed below until it is answered, and expires in 14 days."
			}
		}
	case c.Query("revoked") != "":
		page.Flash = "Invitation revoked. Its link no longer works."
	case c.Query("removed") != "":
		page.Flash = "Member removed. They no longer have access to this store."
	}
	return web.Render(c, "dashboard/members", page)
}

// invite offers a role in the store to an address. Whether an account holds
// the address is never looked up, so the answer is the same either way; the
// invitee sees the invitation once signed in with that address, verified.
func (h *Handlers) invite(c *fiber.Ctx) error {
	f := InviteForm{Email: c.FormValue("email"), Role: c.FormValue("role")}
	if !f.Validate() {
		return h.refuseInvite(c, f, "")
	}
	m, me := storeFrom(c), web.CurrentUser(c)
	var inv *tenants.Invitation
	var token string
	err := h.inTenants(c, func(ts *tenants.Store) (err error) {
		inv, token, err = ts.Invite(c.UserContext(), m.ID, me.UserID, f.Email, f.Role)
		return err
	})
	for _, r := range inviteRefusals {
		if errors.Is(err, r.err) {
			return h.refuseInvite(c, f, r.msg)
		}
	}
	if err != nil {
		return err
	}
	if h.invited != nil {
		h.invited(c.UserContext(), *inv, token)
	}
	return c.Redirect(storePath(m)+"/members?invited="+strconv.FormatInt(inv.ID, 10), fiber.StatusSeeOther)
}

// refuseInvite shows the members page again with the form as typed.
func (h *Handlers) refuseInvite(c *fiber.Ctx, f InviteForm, msg string) error {
	page, err := h.newMembersPage(c)
	if err != nil {
		return err
	}
	page.Form, page.Error = f, msg
	c.Status(fiber.StatusUnprocessableEntity)
	return web.Render(c, "dashboard/members", page)
}

// revokeInvitation withdraws one of this store's open invitations; another
// store's invitation id is the 404 page (by the WHERE clause and by
// row-level security).
func (h *Handlers) revokeInvitation(c *fiber.Ctx) error {
	id, err := idParam(c, "invitation")
	if err != nil {
		return err
	}
	m := storeFrom(c)
	if err := h.inTenants(c, func(ts *tenants.Store) error { return ts.RevokeInvitation(c.UserContext(), m.ID, id) }); err != nil {
		return err
	}
	return c.Redirect(storePath(m)+"/members?revoked=1", fiber.StatusSeeOther)
}

// removeMember takes a member's access away; the owner asking cannot remove
// themselves, and a user who is not a member of this store is the 404 page.
func (h *Handlers) removeMember(c *fiber.Ctx) error {
	uid, err := idParam(c, "user")
	if err != nil {
		return err
	}
	m := storeFrom(c)
	err = h.inTenants(c, func(ts *tenants.Store) error {
		return ts.RemoveMember(c.UserContext(), m.ID, web.CurrentUser(c).UserID, uid)
	})
	switch {
	case errors.Is(err, tenants.ErrRemoveSelf):
		page, perr := h.newMembersPage(c)
		if perr != nil {
			return perr
		}
		page.Error = "You cannot remove yourself from the store."
		c.Status(fiber.StatusUnprocessableEntity)
		return web.Render(c, "dashboard/members", page)
	case errors.Is(err, tenants.ErrNotOwner):
		return web.Refuse(fiber.StatusForbidden, "Only the store's owner can do that.")
	case err != nil:
		return err
	}
	return c.Redirect(storePath(m)+"/members?removed=1", fiber.StatusSeeOther)
}

// storePath is the dashboard's base path for store m.
func storePath(m *tenants.Membership) string { return "/dashboard/s/" + m.Slug }

// idParam is a positive id from the route; anything else is the 404 page.
func idParam(c *fiber.Ctx, name string) (int64, error) {
	id, err := strconv.ParseInt(c.Params(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, web.ErrNotFound
	}
	return id, nil
}

// inTenants runs fn with a tenants store inside the store's tenant
// transaction, so row-level security backs the membership queries too.
func (h *Handlers) inTenants(c *fiber.Ctx, fn func(ts *tenants.Store) error) error {
	return h.db.InTenant(c.UserContext(), storeFrom(c).ID, func(_ context.Context, tx bun.Tx) error {
		return fn(tenants.NewStore(tx))
	})
}
