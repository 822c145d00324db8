package devtools_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/claro-market/claro/app/devtools/stripeproxy"
	"github.com/claro-market/claro/app/payments"
	"github.com/claro-market/claro/tenants"
	"github.com/claro-market/claro/testkit/apptest"
	"github.com/claro-market/claro/testkit/moneytest"
	"github.com/claro-market/claro/testkit/stripetest"
)

// unpaidStore is a store with no Stripe account yet, and its signed-in owner.
func unpaidStore(t *testing.T, e *moneytest.Env, prefix string) (*tenants.Tenant, *apptest.Browser) {
	t.Helper()
	store := e.Store(t, apptest.Unique(prefix), func(s *tenants.Tenant) { s.ChargesEnabled, s.StripeAccountID = false, nil })
	return store, memberOf(t, e, store, tenants.RoleOwner)
}

// startOnboarding presses "Set up payments with Stripe" and returns the
// Account Link's path on the marketplace and the account it onboards.
func startOnboarding(t *testing.T, e *moneytest.Env, owner *apptest.Browser, store *tenants.Tenant) (string, string) {
	t.Helper()
	base := "/dashboard/s/" + store.Slug + "/payments"
	token := owner.CSRF(t, "", base)
	resp, body := owner.PostForm(t, "", base+"/onboard", url.Values{"_csrf": {token}})
	s, err := tenants.NewStore(e.DB.Primary).ByID(context.Background(), store.ID)
	if err != nil || s.StripeAccountID == nil {
		t.Fatalf("no account attached: %v", err)
	}
	acct := *s.StripeAccountID
	want := "http://" + apptest.Root + payments.TestOnboardingPath + acct
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != want {
		t.Fatalf("onboard: %d to %q, want %q\n%s", resp.StatusCode, resp.Header.Get("Location"), want, body)
	}
	if n := len(e.Stripe.Find("POST", "/v1/account_links")); n == 0 {
		t.Fatal("no Account Link asked of Stripe")
	}
	return payments.TestOnboardingPath + acct, acct
}

func onboardForm(token, outcome string) url.Values {
	return url.Values{"_csrf": {token}, "business_name": {"Harbor Prints LLC"}, "country": {"GB"},
		"routing": {"110000000"}, "account_number": {"000123456789"}, "outcome": {outcome}}
}

func chargesEnabled(t *testing.T, e *moneytest.Env, storeID int64) bool {
	t.Helper()
	var on bool
	if err := e.DB.Primary.NewRaw(`SELECT charges_enabled FROM tenants WHERE id = ?`, storeID).Scan(context.Background(), &on); err != nil {
		t.Fatal(err)
	}
	return on
}

func TestTestOnboardingPageMakesTheStoreTakePaymentsThroughStripeAndTheSignedConnectWebhook(t *testing.T) {
	e := moneytest.New(t, testDB, devPayments)
	store, owner := unpaidStore(t, e, "onb")
	path, acct := startOnboarding(t, e, owner, store)

	resp, body := owner.Get(t, "", path)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "Test onboarding") || !strings.Contains(body, store.Name) ||
		!strings.Contains(body, `value="110000000"`) {
		t.Fatalf("onboarding page: %d\n%s", resp.StatusCode, body)
	}
	token := owner.CSRF(t, "", path)

	// A bad answer is shown again with its reason, and changes nothing.
	bad := onboardForm(token, "verified")
	bad.Set("routing", "12ab")
	resp, body = owner.PostForm(t, "", path, bad)
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "A routing number is 9 digits") ||
		!strings.Contains(body, `value="Harbor Prints LLC"`) {
		t.Fatalf("bad form: %d\n%s", resp.StatusCode, body)
	}
	if chargesEnabled(t, e, store.ID) || e.Count(t, "stripe_events WHERE account = ?", acct) != 0 {
		t.Fatal("a refused form changed the store")
	}

	resp, body = owner.PostForm(t, "", path, onboardForm(token, "verified"))
	back := "http://" + apptest.Root + "/dashboard/s/" + store.Slug + "/payments?from=stripe"
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != back {
		t.Fatalf("submit: %d to %q\n%s", resp.StatusCode, resp.Header.Get("Location"), body)
	}
	// The signed account.updated reached the Connect handler and the store
	// takes payments, before the creator is even back.
	if !chargesEnabled(t, e, store.ID) || e.Count(t, "stripe_events WHERE account = ? AND type = 'account.updated'", acct) != 1 {
		t.Fatal("the store cannot take payments after onboarding")
	}
	// "Stripe" holds what the creator chose: the dashboard's re-read agrees.
	a, err := e.Payments.RetrieveAccount(context.Background(), acct)
	if err != nil || !a.ChargesEnabled || !a.PayoutsEnabled || !a.DetailsSubmitted || len(a.CurrentlyDue) != 0 || a.DisabledReason != "" {
		t.Fatalf("Stripe says %+v, %v", a, err)
	}
	resp, body = owner.Get(t, "", strings.TrimPrefix(back, "http://"+apptest.Root))
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "This store takes payments and Stripe pays out to your bank") ||
		strings.Contains(body, `class="problems"`) {
		t.Fatalf("payments page after onboarding: %d\n%s", resp.StatusCode, body)
	}
	if !chargesEnabled(t, e, store.ID) {
		t.Fatal("the return re-read undid the onboarding")
	}
}

func TestTestOnboardingCanLeaveRequirementsDueForTheKYCPanel(t *testing.T) {
	e := moneytest.New(t, testDB, devPayments)
	store, owner := unpaidStore(t, e, "kyc")
	path, _ := startOnboarding(t, e, owner, store)
	for _, c := range []struct {
		outcome string
		charges bool
		want    []string
	}{
		{"due", true, []string{"payouts to your bank are not on yet", "Stripe still needs: individual verification document."}},
		{"restricted", false, []string{"cannot take payments yet", "questions are overdue",
			"Overdue for Stripe: individual verification document, individual id number."}},
		{"verified", true, []string{"This store takes payments and Stripe pays out"}},
	} {
		token := owner.CSRF(t, "", path)
		resp, body := owner.PostForm(t, "", path, onboardForm(token, c.outcome))
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("%s: %d\n%s", c.outcome, resp.StatusCode, body)
		}
		_, page := owner.Get(t, "", "/dashboard/s/"+store.Slug+"/payments?from=stripe")
		for _, w := range c.want {
			if !strings.Contains(page, w) {
				t.Errorf("%s: payments page lacks %q", c.outcome, w)
			}
		}
		if got := chargesEnabled(t, e, store.ID); got != c.charges {
			t.Errorf("%s: charges_enabled %v", c.outcome, got)
		}
	}
}

// The page is the creator's own: a visitor, a signed-in stranger and another
// store's owner get the 404 page for the account, and their POST changes
// nothing in Claro or in "Stripe" (the attack: enabling charges on, or
// restricting, a store one does not belong to).
func TestTestOnboardingIsOnlyForMembersOfTheAccountsStore(t *testing.T) {
	e := moneytest.New(t, testDB, devPayments)
	store, owner := unpaidStore(t, e, "mine")
	path, acct := startOnboarding(t, e, owner, store)
	other, _ := unpaidStore(t, e, "theirs")
	otherOwner := memberOf(t, e, other, tenants.RoleOwner)
	notFound := string(e.App.Errors.NotFoundBody())

	for name, b := range map[string]*apptest.Browser{"visitor": e.NewBrowser(), "stranger": stranger(t, e), "other owner": otherOwner} {
		resp, body := b.Get(t, "", path)
		if resp.StatusCode != http.StatusNotFound || body != notFound {
			t.Errorf("%s GET: %d\n%s", name, resp.StatusCode, body)
		}
		token := b.CSRF(t, "", "/")
		resp, body = b.PostForm(t, "", path, onboardForm(token, "verified"))
		if resp.StatusCode != http.StatusNotFound || body != notFound {
			t.Errorf("%s POST: %d\n%s", name, resp.StatusCode, body)
		}
	}
	resp, _ := owner.Get(t, "", payments.TestOnboardingPath+"acct_nobody_has")
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("unknown account: %d", resp.StatusCode)
	}
	if chargesEnabled(t, e, store.ID) || e.Count(t, "stripe_events WHERE account = ?", acct) != 0 {
		t.Fatal("a non-member changed the store")
	}
	if a, err := e.Payments.RetrieveAccount(context.Background(), acct); err != nil || a.ChargesEnabled || a.DetailsSubmitted {
		t.Fatalf("a non-member changed Stripe: %+v %v", a, err)
	}
	// An admin of the store is a member, and may finish it.
	admin := memberOf(t, e, store, tenants.RoleAdmin)
	if resp, _ := admin.Get(t, "", path); resp.StatusCode != http.StatusOK {
		t.Fatalf("admin: %d", resp.StatusCode)
	}
}

// The proxy holds what the page sets and RetrieveAccount reads it; an account
// never set is stripe-mock's own answer, unchanged, so tests that drive state
// through signed webhooks see what they always saw.
func TestStripeProxyAccountStateIsWhatRetrieveAccountReturns(t *testing.T) {
	m := stripetest.Start(t)
	c := payments.New(payments.Config{SecretKey: stripetest.SecretKey, APIBase: m.URL})
	ctx := context.Background()
	set, err := c.CreateExpressAccount(ctx, 1, "")
	if err != nil {
		t.Fatal(err)
	}
	untouched, err := c.CreateExpressAccount(ctx, 2, "")
	if err != nil {
		t.Fatal(err)
	}
	st := stripeproxy.Account{ID: set, ChargesEnabled: true, DetailsSubmitted: true, CurrentlyDue: []string{"individual.verification.document"},
		BusinessName: "Harbor", Country: "GB", BankLast4: "6789"}
	if err := stripeproxy.SetAccount(ctx, http.DefaultClient, m.URL, st); err != nil {
		t.Fatal(err)
	}
	a, err := c.RetrieveAccount(ctx, set)
	if err != nil || a.ID != set || !a.ChargesEnabled || a.PayoutsEnabled || !a.DetailsSubmitted ||
		strings.Join(a.CurrentlyDue, ",") != "individual.verification.document" || len(a.PastDue) != 0 || a.DisabledReason != "" {
		t.Fatalf("set account reads %+v, %v", a, err)
	}
	b, err := c.RetrieveAccount(ctx, untouched)
	if err != nil || b.ID != untouched || b.ChargesEnabled || b.DisabledReason != "requirements.past_due" || len(b.CurrentlyDue) == 0 {
		t.Fatalf("untouched account reads %+v, %v", b, err)
	}
	// A body for another account, or not an account at all, is refused.
	if err := stripeproxy.SetAccount(ctx, http.DefaultClient, m.URL, stripeproxy.Account{ID: "not-an-account"}); err == nil {
		t.Fatal("a bad account id was held")
	}
	if a, _ := c.RetrieveAccount(ctx, set); !a.ChargesEnabled {
		t.Fatal("a refused set changed the held state")
	}
}
