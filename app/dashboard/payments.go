package dashboard

import (
	"context"
	"errors"
	"strings"

	"github.com/claro-market/claro/app/payments"
	"github.com/claro-market/claro/app/payouts"
	"github.com/claro-market/claro/app/web"
	"github.com/gofiber/fiber/v2"
	"github.com/uptrace/bun"
)

// money is what the dashboard's payments, sales and refund pages need.
type money struct {
	pay      *payments.Client
	accounts *payouts.Service
}

// WithMoney gives the dashboard Stripe (Connect onboarding, refunds) and the
// payouts service (account state on return from Stripe). Without it those
// pages answer that payments are not configured.
func (h *Handlers) WithMoney(pay *payments.Client, accounts *payouts.Service) *Handlers {
	h.money = money{pay: pay, accounts: accounts}
	return h
}

var errNoPayments = web.Refuse(fiber.StatusServiceUnavailable, "Payments are not configured on this server.")

type paymentsPage struct {
	storePage
	Account  *payouts.AccountState
	Problems []string
}

// payments shows the store's Stripe status. Stripe sends the creator back
// here: with ?from=stripe when onboarding ends (the account is re-read from
// Stripe rather than waiting for account.updated), with ?expired=1 when the
// onboarding link expired.
func (h *Handlers) payments(c *fiber.Ctx) error {
	m := storeFrom(c)
	page := paymentsPage{storePage: h.newStorePage(c, "Payments")}
	if c.Query("from") == "stripe" && h.money.pay != nil && m.StripeAccountID != nil {
		page.Flash = "Welcome back. This is what Stripe says about your account now."
		a, err := h.money.pay.RetrieveAccount(c.UserContext(), *m.StripeAccountID)
		switch {
		case errors.Is(err, payments.ErrStripe):
			page.Flash = "Stripe did not answer just now; the status below may be a little behind."
		case err != nil:
			return err
		default:
			if err := h.money.accounts.Sync(c.UserContext(), m.ID, a); err != nil {
				return err
			}
		}
	}
	switch {
	case c.Query("expired") != "":
		page.Flash = "That Stripe link expired. Press the button to continue where you left off."
	case c.Query("status") == "link-failed":
		page.Flash = "Stripe could not start onboarding just now. Try again in a moment."
	}
	err := h.db.InTenant(c.UserContext(), m.ID, func(ctx context.Context, tx bun.Tx) error {
		st, err := payouts.NewStore(tx).Read(ctx, m.ID)
		page.Account = st
		return err
	})
	if err != nil {
		return err
	}
	page.Problems = accountProblems(page.Account)
	return web.Render(c, "dashboard/payments", page)
}

// onboard creates the store's Express account if it has none, then sends the
// owner to a fresh Account Link whose refresh and return URLs are the
// payments page.
func (h *Handlers) onboard(c *fiber.Ctx) error {
	if h.money.pay == nil {
		return errNoPayments
	}
	m := storeFrom(c)
	base := h.pages.Links.Market() + "/dashboard/s/" + m.Slug + "/payments"
	ctx := c.UserContext()
	acct := ""
	if m.StripeAccountID != nil {
		acct = *m.StripeAccountID
	}
	if acct == "" {
		id, err := h.money.pay.CreateExpressAccount(ctx, m.ID, web.CurrentUser(c).Email)
		if err != nil {
			return h.linkFailed(c, base, err)
		}
		err = h.db.InTenant(ctx, m.ID, func(ctx context.Context, tx bun.Tx) error {
			if err := payouts.NewStore(tx).Attach(ctx, m.ID, id); err != nil {
				return err
			}
			st, err := payouts.NewStore(tx).Read(ctx, m.ID)
			acct = st.ID
			return err
		})
		if err != nil {
			return err
		}
	}
	url, err := h.money.pay.AccountLink(ctx, acct, base+"?expired=1", base+"?from=stripe")
	if err != nil {
		return h.linkFailed(c, base, err)
	}
	return c.Redirect(url, fiber.StatusSeeOther)
}

func (h *Handlers) linkFailed(c *fiber.Ctx, base string, err error) error {
	if !errors.Is(err, payments.ErrStripe) {
		return err
	}
	return c.Redirect(base+"?status=link-failed", fiber.StatusSeeOther)
}

// accountProblems says in plain words what stands between the store and
// being paid.
func accountProblems(st *payouts.AccountState) []string {
	var out []string
	if st.Deauthorized {
		out = append(out, "Your Stripe account was disconnected from Claro. Connect it again to take payments.")
	}
	if r := disabledReasons[st.DisabledReason]; r != "" {
		out = append(out, r)
	} else if st.DisabledReason != "" {
		out = append(out, "Stripe has paused this account ("+st.DisabledReason+").")
	}
	if len(st.PastDue) > 0 {
		out = append(out, "Overdue for Stripe: "+plainFields(st.PastDue)+".")
	}
	if len(st.CurrentlyDue) > 0 {
		out = append(out, "Stripe still needs: "+plainFields(st.CurrentlyDue)+".")
	}
	return out
}

var disabledReasons = map[string]string{
	"requirements.past_due":             "Payments are paused because Stripe's questions are overdue.",
	"requirements.pending_verification": "Stripe is checking the details you sent; this usually takes a few minutes.",
	"rejected.fraud":                    "Stripe closed this account.",
	"rejected.terms_of_service":         "Stripe closed this account.",
	"under_review":                      "Stripe is reviewing this account.",
	"listed":                            "Stripe is reviewing this account.",
}

// plainFields turns Stripe requirement ids (individual.verification.document)
// into words (individual verification document).
func plainFields(ids []string) string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = strings.NewReplacer(".", " ", "_", " ").Replace(id)
	}
	return strings.Join(out, ", ")
}
