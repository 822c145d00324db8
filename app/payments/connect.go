package payments

import (
	"context"
	"errors"
	"net/url"
	"strconv"

	"github.com/stripe/stripe-go/v79"
)

// ErrStripe wraps every failed call to Stripe, so callers can tell "Stripe said
// no" from a database error.
var ErrStripe = errors.New("payments: stripe call failed")

// Account is a creator's Connect account as Claro needs it: whether it may
// take charges and receive payouts, and what Stripe still wants to know.
type Account struct {
	ID               string
	ChargesEnabled   bool
	PayoutsEnabled   bool
	DetailsSubmitted bool
	CurrentlyDue     []string
	PastDue          []string
	DisabledReason   string
}

// CreateExpressAccount opens an Express account for a store. The idempotency
// key is the store's, so a double click or a retry never makes two accounts.
func (c *Client) CreateExpressAccount(ctx context.Context, tenantID int64, email string) (string, error) {
	p := &stripe.AccountParams{
		Type: stripe.String(string(stripe.AccountTypeExpress)),
		Capabilities: &stripe.AccountCapabilitiesParams{
			CardPayments: &stripe.AccountCapabilitiesCardPaymentsParams{Requested: stripe.Bool(true)},
			Transfers:    &stripe.AccountCapabilitiesTransfersParams{Requested: stripe.Bool(true)},
		},
	}
	if email != "" {
		p.Email = stripe.String(email)
	}
	p.AddMetadata("tenant_id", strconv.FormatInt(tenantID, 10))
	p.Context = ctx
	p.SetIdempotencyKey("claro-account-tenant-" + strconv.FormatInt(tenantID, 10))
	a, err := c.api.Accounts.New(p)
	if err != nil {
		return "", apiError("create account", err)
	}
	return a.ID, nil
}

// AccountLink returns a one-time onboarding URL for the account. Stripe sends
// the creator to refreshURL when the link expires and to returnURL when done.
// With Config.TestOnboardingURL (never live) the link is the local
// test-onboarding page instead, once Stripe has made one.
func (c *Client) AccountLink(ctx context.Context, accountID, refreshURL, returnURL string) (string, error) {
	p := &stripe.AccountLinkParams{
		Account:    stripe.String(accountID),
		RefreshURL: stripe.String(refreshURL),
		ReturnURL:  stripe.String(returnURL),
		Type:       stripe.String(string(stripe.AccountLinkTypeAccountOnboarding)),
	}
	p.Context = ctx
	l, err := c.api.AccountLinks.New(p)
	if err != nil {
		return "", apiError("account link", err)
	}
	if c.testOnb != "" && !c.livemode {
		return c.testOnb + url.PathEscape(accountID), nil
	}
	return l.URL, nil
}

// RetrieveAccount reads the account's current state from Stripe: the answer to
// an out-of-order account.updated, and what the dashboard shows on return.
func (c *Client) RetrieveAccount(ctx context.Context, accountID string) (*Account, error) {
	p := &stripe.AccountParams{}
	p.Context = ctx
	a, err := c.api.Accounts.GetByID(accountID, p)
	if err != nil {
		return nil, apiError("retrieve account", err)
	}
	return accountFrom(a), nil
}

func accountFrom(a *stripe.Account) *Account {
	out := &Account{ID: a.ID, ChargesEnabled: a.ChargesEnabled, PayoutsEnabled: a.PayoutsEnabled, DetailsSubmitted: a.DetailsSubmitted}
	if r := a.Requirements; r != nil {
		out.CurrentlyDue = nonNil(r.CurrentlyDue)
		out.PastDue = nonNil(r.PastDue)
		out.DisabledReason = string(r.DisabledReason)
	} else {
		out.CurrentlyDue, out.PastDue = []string{}, []string{}
	}
	return out
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
