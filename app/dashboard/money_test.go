package dashboard_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/claro-market/claro/app/catalog"
	"github.com/claro-market/claro/app/payments"
	"github.com/claro-market/claro/tenants"
	"github.com/claro-market/claro/testkit/apptest"
	"github.com/claro-market/claro/testkit/moneytest"
	"github.com/claro-market/claro/testkit/stripetest"
)

// moneyStore is a store created through the dashboard by its signed-in owner.
func moneyStore(t *testing.T, e *moneytest.Env) (*apptest.Browser, *tenants.Tenant) {
	t.Helper()
	owner := e.NewBrowser()
	owner.SignUp(t, apptest.Unique("creator")+"@example.com", pw, "Creator")
	slug := apptest.Unique("paid-store")
	token := owner.CSRF(t, "", "/dashboard/stores/new")
	resp, body := owner.PostForm(t, "", "/dashboard/stores", url.Values{"_csrf": {token}, "slug": {slug}, "name": {"Store " + slug}, "accent": {"#112233"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("create store: %d\n%s", resp.StatusCode, body)
	}
	tn, err := tenants.NewStore(e.DB.Primary).BySlug(context.Background(), slug)
	if err != nil {
		t.Fatal(err)
	}
	return owner, tn
}

func TestOwnerOnboardsWithStripeAndSeesTheStatusInPlainWords(t *testing.T) {
	e := moneytest.New(t, testDB)
	owner, s := moneyStore(t, e)
	base := "/dashboard/s/" + s.Slug + "/payments"
	_, page := owner.Get(t, "", base)
	if !strings.Contains(page, "Set up payments with Stripe") {
		t.Fatalf("no onboarding button:\n%s", page)
	}
	token := owner.CSRF(t, "", base)
	resp, body := owner.PostForm(t, "", base+"/onboard", url.Values{"_csrf": {token}})
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "https://") {
		t.Fatalf("onboard: %d %q\n%s", resp.StatusCode, resp.Header.Get("Location"), body)
	}
	acct, err := tenants.NewStore(e.DB.Primary).BySlug(context.Background(), s.Slug)
	if err != nil || acct.StripeAccountID == nil {
		t.Fatalf("no account stored: %v", err)
	}
	links := e.Stripe.Find("POST", "/v1/account_links")
	if len(links) != 1 || !strings.HasSuffix(links[0].Form.Get("return_url"), base+"?from=stripe") ||
		!strings.HasSuffix(links[0].Form.Get("refresh_url"), base+"?expired=1") || links[0].Form.Get("account") != *acct.StripeAccountID {
		t.Fatalf("account link: %+v", links)
	}
	resp, page = owner.Get(t, "", base+"?from=stripe")
	if resp.StatusCode != http.StatusOK || len(e.Stripe.Find("GET", "/v1/accounts/"+*acct.StripeAccountID)) != 1 {
		t.Fatalf("return: %d, account not re-read\n%s", resp.StatusCode, page)
	}
	if !strings.Contains(page, "Continue Stripe setup") && !strings.Contains(page, "Update your Stripe details") {
		t.Fatalf("no link to continue:\n%s", page)
	}
	// account.updated with requirements shows them in words.
	e.Deliver(t, "/webhooks/stripe/connect", stripetest.Event("evt_"+apptest.Unique("au"), "account.updated",
		stripetest.Account(*acct.StripeAccountID, false, false, []string{"individual.verification.document"}, "requirements.past_due"),
		stripetest.OnAccount(*acct.StripeAccountID)))
	_, page = owner.Get(t, "", base)
	for _, want := range []string{"cannot take payments yet", "individual verification document", "questions are overdue", "Continue Stripe setup"} {
		if !strings.Contains(page, want) {
			t.Errorf("payments page lacks %q", want)
		}
	}
}

func TestSalesPageAndRefundFromTheDashboard(t *testing.T) {
	e := moneytest.New(t, testDB)
	owner, s := moneyStore(t, e)
	acct := "acct_" + apptest.Unique("sales")
	if _, err := e.DB.Primary.NewRaw(`UPDATE tenants SET stripe_account_id = ?, charges_enabled = true WHERE id = ?`, acct, s.ID).Exec(context.Background()); err != nil {
		t.Fatal(err)
	}
	e.App.Resolver.Invalidate(s.ID)
	s.StripeAccountID = &acct
	p := e.Product(t, s, "course", catalog.Public)
	buyer := e.NewBrowser()
	buyer.SignUp(t, apptest.Unique("fan")+"@example.com", pw, "Fan")
	ck := e.OpenCheckout(t, buyer, s, p)
	pi := "pi_" + apptest.Unique("sales")
	e.Pay(t, ck, pi)

	base := "/dashboard/s/" + s.Slug + "/sales"
	_, page := owner.Get(t, "", base)
	var orderID int64
	if err := e.DB.Primary.NewRaw(`SELECT id FROM orders WHERE tenant_id = ?`, s.ID).Scan(context.Background(), &orderID); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"<svg", "$15.00", "$1.50", fmt.Sprintf(`href="/dashboard/s/%s/orders/%d/refund"`, s.Slug, orderID), p.Title} {
		if !strings.Contains(page, want) {
			t.Errorf("sales page lacks %q", want)
		}
	}
	// Refund asks first: the confirmation page sends nothing to Stripe.
	resp, page := owner.Get(t, "", fmt.Sprintf("/dashboard/s/%s/orders/%d/refund", s.Slug, orderID))
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, fmt.Sprintf("Refund order #%d?", orderID)) ||
		len(e.Stripe.Find("POST", "/v1/refunds")) != 0 {
		t.Fatalf("confirmation: %d\n%s", resp.StatusCode, page)
	}
	token := owner.CSRF(t, "", base)
	for range 2 {
		resp, body := owner.PostForm(t, "", fmt.Sprintf("/dashboard/s/%s/orders/%d/refund", s.Slug, orderID), url.Values{"_csrf": {token}})
		if resp.StatusCode != http.StatusSeeOther || !strings.Contains(resp.Header.Get("Location"), "refund-requested") {
			t.Fatalf("refund: %d %q\n%s", resp.StatusCode, resp.Header.Get("Location"), body)
		}
	}
	refunds := e.Stripe.Find("POST", "/v1/refunds")
	if len(refunds) != 2 {
		t.Fatalf("%d refund calls", len(refunds))
	}
	// Stripe accepted; until charge.refunded arrives the order is paid and
	// shown as refund pending, with no Refund to press again, and no dev tools.
	_, page = owner.Get(t, "", base)
	confirm := fmt.Sprintf("/dashboard/s/%s/orders/%d/refund", s.Slug, orderID)
	if !strings.Contains(page, "refund pending") || strings.Contains(page, `href="`+confirm+`"`) || strings.Contains(page, "Open a test dispute") {
		t.Fatalf("sales page while the refund is pending:\n%s", page)
	}
	if n := e.Count(t, "orders WHERE id = ? AND status = 'paid' AND refund_requested_at IS NOT NULL", orderID); n != 1 {
		t.Fatal("the order changed before charge.refunded, or no refund was recorded as requested")
	}
	for _, r := range refunds {
		if r.Form.Get("payment_intent") != pi || r.Form.Get("reverse_transfer") != "true" || r.Form.Get("refund_application_fee") != "true" ||
			r.Header.Get("Idempotency-Key") != payments.RefundIdempotencyKey(orderID) {
			t.Errorf("refund request %v %v", r.Form, r.Header.Get("Idempotency-Key"))
		}
	}
	e.Deliver(t, "/webhooks/stripe", stripetest.Event("evt_"+apptest.Unique("rf"), "charge.refunded", stripetest.Charge("ch_x", pi, ck.Amount, ck.Amount)))
	_, page = owner.Get(t, "", base)
	if !strings.Contains(page, "refunded") {
		t.Fatalf("order not shown refunded:\n%s", page)
	}
	// Another store's owner cannot refund it: the 404 page, and no Stripe call.
	other, _ := moneyStore(t, e)
	otherToken := other.CSRF(t, "", "/dashboard")
	resp, _ = other.PostForm(t, "", fmt.Sprintf("/dashboard/s/%s/orders/%d/refund", s.Slug, orderID), url.Values{"_csrf": {otherToken}})
	if resp.StatusCode != http.StatusNotFound || len(e.Stripe.Find("POST", "/v1/refunds")) != 2 {
		t.Fatalf("foreign refund: %d", resp.StatusCode)
	}
}
