package library

import (
	"context"
	"errors"
	"net/url"

	"github.com/claro-market/claro/app/accounts"
	"github.com/claro-market/claro/app/web"
	"github.com/gofiber/fiber/v2"
)

// claimPage is what a guest receipt's claim link shows: the order and the
// ways to an account (signed out), or why it cannot be claimed.
type claimPage struct {
	web.Page
	Order     *OrderSummary
	Email     string // the address the order was paid with
	SignInURL string
	SignUpURL string
	Problem   string // the link does not work, or the order is in another account
}

// claimOrder (GET /claim?token=…) is a guest receipt's claim link. Signed
// in, it spends the link and puts its order, with its entitlements, in the
// account; when the account's address is the one the order was paid with,
// the link proved that mailbox, so the address is verified too. Signed out,
// it shows the order and leads to sign-in or sign-up, each of which comes
// back here; the link is spent only then. Nothing weaker than this link or a
// verified address ever attaches an order.
func (h *Handlers) claimOrder(c *fiber.Ctx) error {
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Set(fiber.HeaderReferrerPolicy, "same-origin") // not no-referrer: the page's forms would send "Origin: null"
	ctx, token := c.UserContext(), c.Query("token")
	u := web.CurrentUser(c)
	if u == nil {
		t, err := h.tokens.Check(ctx, accounts.PurposeClaim, token)
		if errors.Is(err, accounts.ErrTokenInvalid) {
			return h.claimRefused(c, "This link does not work: it has been used already, it has expired, or it is not one we sent. If you used it, the purchase is in the library of the account you were signed in to.")
		}
		if err != nil {
			return err
		}
		order, err := h.store.Order(ctx, t.OrderID)
		if err != nil {
			return err
		}
		back := url.QueryEscape(accounts.ClaimPath + "?" + url.Values{"token": {token}}.Encode())
		email := url.QueryEscape(t.Email)
		return web.Render(c, "library/claim", claimPage{Page: h.pages.New(c, "Add your purchase to an account"), Order: order, Email: t.Email,
			SignInURL: "/login?email=" + email + "&next=" + back, SignUpURL: "/signup?email=" + email + "&next=" + back})
	}
	t, err := h.tokens.Redeem(ctx, accounts.PurposeClaim, token)
	if errors.Is(err, accounts.ErrTokenInvalid) {
		return h.claimRefused(c, "This link does not work: it has been used already, it has expired, or it is not one we sent. A purchase it added is in your library.")
	}
	if err != nil {
		return err
	}
	switch err := h.store.ClaimOrder(ctx, u.UserID, t.OrderID); {
	case errors.Is(err, ErrClaimedElsewhere):
		c.Status(fiber.StatusConflict)
		return h.claimRefused(c, "This purchase is already in another Claro account. Sign in to that account to open it.")
	case err != nil:
		return err
	}
	if err := h.tokens.RevokeOrder(ctx, t.OrderID); err != nil {
		return err
	}
	if err := h.provedAddress(ctx, u, t.Email); err != nil {
		return err
	}
	return c.Redirect("/library?claimed=1", fiber.StatusSeeOther)
}

// provedAddress verifies the account's address when the claim link was sent
// to that very address (it proved the mailbox), and then attaches the other
// guest purchases made with it.
func (h *Handlers) provedAddress(ctx context.Context, u *web.Identity, email string) error {
	if u.Verified || accounts.NormalizeEmail(u.Email) != email {
		return nil
	}
	ok, err := h.users.MarkVerified(ctx, u.UserID, email)
	if err != nil || !ok {
		return err
	}
	return h.store.Claim(ctx, u.UserID)
}

func (h *Handlers) claimRefused(c *fiber.Ctx, problem string) error {
	if c.Response().StatusCode() == fiber.StatusOK {
		c.Status(fiber.StatusBadRequest)
	}
	return web.Render(c, "library/claim", claimPage{Page: h.pages.New(c, "Add your purchase to an account"), Problem: problem})
}
