package devtools

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/claro-market/claro/app/config"
	"github.com/claro-market/claro/app/devtools/stripeproxy"
	"github.com/claro-market/claro/app/payments"
	"github.com/uptrace/bun"
)

// errNoAccount is an account the page will not show this user: unknown, no
// store's, or a store the user is not a member of. All are the 404 page.
var errNoAccount = fmt.Errorf("devtools: no such connected account: %w", sql.ErrNoRows)

// ConnectSigner signs a payload as Stripe signs connected accounts' events to
// the Connect endpoint; *payments.Verifier is one.
type ConnectSigner interface {
	SignTestConnectEvent(payload []byte) (string, error)
}

// ConnectWebhook applies a signed delivery exactly as POST
// /webhooks/stripe/connect does; *orders.Handlers is one.
type ConnectWebhook interface {
	DeliverConnect(ctx context.Context, body []byte, signature string) error
}

// TestOnboarding plays Stripe's Connect Express onboarding in `claro dev`,
// where stripe-mock's Account Link leads nowhere and its account is
// restricted forever: the creator fills in a pretend form, the chosen state
// is set on the account in "Stripe" (the stripeproxy in front of
// stripe-mock, which payments.Client.RetrieveAccount reads), and a correctly
// signed account.updated is delivered to the app's own Connect webhook.
type TestOnboarding struct {
	db      bun.IDB
	apiBase string // the stripeproxy: STRIPE_API_BASE
	http    *http.Client
	signer  ConnectSigner
	webhook ConnectWebhook
}

// NewTestOnboarding returns the test-onboarding page's service, refused as
// NewTestPayments refuses: in production, with DEV_TEST_PAYMENTS off, or
// without stripe-mock and a test key.
func NewTestOnboarding(cfg config.Config, primary bun.IDB, signer ConnectSigner, webhook ConnectWebhook) (*TestOnboarding, error) {
	if err := devOnly(cfg); err != nil {
		return nil, err
	}
	return &TestOnboarding{db: primary, apiBase: cfg.StripeAPIBase, http: &http.Client{Timeout: 10 * time.Second},
		signer: signer, webhook: webhook}, nil
}

// devOnly refuses every stand-in for Stripe outside development with
// stripe-mock and a test key.
func devOnly(cfg config.Config) error {
	switch {
	case cfg.IsProduction():
		return ErrTestPaymentsInProduction
	case !cfg.DevTestPayments:
		return errors.New("devtools: test payments are off (DEV_TEST_PAYMENTS)")
	case cfg.StripeAPIBase == "" || payments.IsLiveKey(cfg.StripeSecretKey):
		return errors.New("DEV_TEST_PAYMENTS: needs stripe-mock (STRIPE_API_BASE) and a test key")
	}
	return nil
}

// OnboardAccount is the connected account the page onboards, with its store.
type OnboardAccount struct {
	ID        string `bun:"account_id"`
	StoreID   int64  `bun:"store_id"`
	StoreName string `bun:"store_name"`
	StoreSlug string `bun:"store_slug"`
}

// Account loads the connected account if it is the store's of which userID
// is a member; anything else is errNoAccount.
func (o *TestOnboarding) Account(ctx context.Context, userID int64, accountID string) (*OnboardAccount, error) {
	a := new(OnboardAccount)
	err := o.db.NewRaw(`SELECT t.stripe_account_id AS account_id, t.id AS store_id, t.name AS store_name, t.slug AS store_slug
		FROM tenants t JOIN tenant_members m ON m.tenant_id = t.id
		WHERE t.stripe_account_id = ? AND m.user_id = ?`, accountID, userID).Scan(ctx, a)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errNoAccount
	}
	return a, err
}

// The outcomes the creator may choose for their pretend verification.
const (
	OutcomeVerified   = "verified"   // everything checked: charges and payouts on
	OutcomeDue        = "due"        // charges on, payouts held until an identity document is sent
	OutcomeRestricted = "restricted" // questions overdue: no charges, no payouts
)

// Countries are the countries the pretend form offers, code to name.
var Countries = []Country{{"US", "United States"}, {"GB", "United Kingdom"}, {"CA", "Canada"}, {"AU", "Australia"},
	{"DE", "Germany"}, {"FR", "France"}, {"NL", "Netherlands"}, {"IE", "Ireland"}}

// Country is one country of the form.
type Country struct{ Code, Name string }

// OnboardForm is the pretend Express form.
type OnboardForm struct {
	BusinessName string
	Country      string
	Routing      string
	AccountNo    string
	Outcome      string
	Errors       map[string]string
}

var digits = regexp.MustCompile(`^[0-9]+$`)

// Validate checks the form and records a sentence per bad field; false when
// any field is bad.
func (f *OnboardForm) Validate() bool {
	f.BusinessName, f.Routing, f.AccountNo = strings.TrimSpace(f.BusinessName), strings.TrimSpace(f.Routing), strings.TrimSpace(f.AccountNo)
	f.Errors = map[string]string{}
	if f.BusinessName == "" || len([]rune(f.BusinessName)) > 120 {
		f.Errors["business_name"] = "Enter the name your customers know you by (up to 120 characters)."
	}
	known := false
	for _, c := range Countries {
		known = known || c.Code == f.Country
	}
	if !known {
		f.Errors["country"] = "Choose a country from the list."
	}
	if len(f.Routing) != 9 || !digits.MatchString(f.Routing) {
		f.Errors["routing"] = "A routing number is 9 digits (the test one is 110000000)."
	}
	if len(f.AccountNo) < 4 || len(f.AccountNo) > 17 || !digits.MatchString(f.AccountNo) {
		f.Errors["account_number"] = "An account number is 4 to 17 digits (the test one is 000123456789)."
	}
	switch f.Outcome {
	case OutcomeVerified, OutcomeDue, OutcomeRestricted:
	default:
		f.Errors["outcome"] = "Choose how Stripe's verification turns out."
	}
	return len(f.Errors) == 0
}

// state is the account Stripe would hold after this form.
func (f *OnboardForm) state(accountID string) stripeproxy.Account {
	st := stripeproxy.Account{ID: accountID, DetailsSubmitted: true, BusinessName: f.BusinessName, Country: f.Country,
		BankLast4: f.AccountNo[len(f.AccountNo)-4:], CurrentlyDue: []string{}, PastDue: []string{}}
	switch f.Outcome {
	case OutcomeVerified:
		st.ChargesEnabled, st.PayoutsEnabled = true, true
	case OutcomeDue:
		st.ChargesEnabled, st.CurrentlyDue = true, []string{"individual.verification.document"}
	case OutcomeRestricted:
		st.PastDue = []string{"individual.verification.document", "individual.id_number"}
		st.CurrentlyDue, st.DisabledReason = st.PastDue, "requirements.past_due"
	}
	return st
}

// Complete sets the form's outcome on the account in "Stripe", then
// delivers the account.updated Stripe would send, signed with the Connect
// secret, to the app's Connect webhook.
func (o *TestOnboarding) Complete(ctx context.Context, a *OnboardAccount, f *OnboardForm) error {
	st := f.state(a.ID)
	if err := stripeproxy.SetAccount(ctx, o.http, o.apiBase, st); err != nil {
		return err
	}
	payload, err := accountUpdatedEvent(st, time.Now())
	if err != nil {
		return err
	}
	sig, err := o.signer.SignTestConnectEvent(payload)
	if err != nil {
		return err
	}
	return o.webhook.DeliverConnect(ctx, payload, sig)
}

// accountUpdatedEvent is the event Stripe sends the Connect endpoint when a
// connected account changes.
func accountUpdatedEvent(st stripeproxy.Account, at time.Time) ([]byte, error) {
	var reason any
	if st.DisabledReason != "" {
		reason = st.DisabledReason
	}
	return devEvent("evt_dev_account_"+strings.ToLower(rand.Text()), "account.updated", st.ID, at, map[string]any{
		"id": st.ID, "object": "account", "type": "express", "country": st.Country,
		"business_profile": map[string]any{"name": st.BusinessName},
		"charges_enabled":  st.ChargesEnabled, "payouts_enabled": st.PayoutsEnabled, "details_submitted": st.DetailsSubmitted,
		"requirements": map[string]any{"currently_due": st.CurrentlyDue, "eventually_due": st.CurrentlyDue,
			"past_due": st.PastDue, "disabled_reason": reason},
	})
}
