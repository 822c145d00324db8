package devtools_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/claro-market/claro/app/catalog"
	"github.com/claro-market/claro/tenants"
	"github.com/claro-market/claro/testkit/apptest"
	"github.com/claro-market/claro/testkit/moneytest"
)

// paidOrder is an order a signed-in buyer paid on the test-payment page, as
// in `claro dev`, with the store's signed-in owner.
type paidOrder struct {
	store   *tenants.Tenant
	owner   *apptest.Browser
	buyer   *apptest.Browser
	product *catalog.Product
	id      int64
}

func payOrder(t *testing.T, e *moneytest.Env, prefix string) paidOrder {
	t.Helper()
	store := e.Store(t, apptest.Unique(prefix))
	owner := memberOf(t, e, store, tenants.RoleOwner)
	p := e.Product(t, store, "guide", catalog.Public, func(p *catalog.Product) { p.Title, p.PriceCents = "Tide Tables", 1800 })
	_, email := newUser(t, e, "buyer")
	buyer := signIn(t, e, email)
	ck := e.OpenCheckout(t, buyer, store, p)
	payPath := "/dev/pay/" + strconv.FormatInt(ck.ID, 10)
	if resp, body := buyer.PostForm(t, "", payPath, url.Values{"_csrf": {buyer.CSRF(t, "", payPath)}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("pay: %d\n%s", resp.StatusCode, body)
	}
	o := paidOrder{store: store, owner: owner, buyer: buyer, product: p}
	if err := e.DB.Primary.NewRaw(`SELECT id FROM orders WHERE checkout_id = ?`, ck.ID).Scan(context.Background(), &o.id); err != nil {
		t.Fatal(err)
	}
	o.libraryStatus(t, http.StatusOK)
	return o
}

func (o paidOrder) libraryStatus(t *testing.T, want int) {
	t.Helper()
	if resp, body := o.buyer.Get(t, "", "/library/"+strconv.FormatInt(o.product.ID, 10)); resp.StatusCode != want {
		t.Fatalf("library: %d, want %d\n%s", resp.StatusCode, want, body)
	}
}

func (o paidOrder) status(t *testing.T, e *moneytest.Env) (status string, live int) {
	t.Helper()
	if err := e.DB.Primary.NewRaw(`SELECT status, (SELECT count(*) FROM entitlements WHERE order_id = o.id AND revoked_at IS NULL) AS live
		FROM orders o WHERE id = ?`, o.id).Scan(context.Background(), &status, &live); err != nil {
		t.Fatal(err)
	}
	return status, live
}

func (o paidOrder) salesRow(t *testing.T) string {
	t.Helper()
	_, page := o.owner.Get(t, "", "/dashboard/s/"+o.store.Slug+"/sales")
	_, row, ok := strings.Cut(page, `data-order-id="`+strconv.FormatInt(o.id, 10)+`"`)
	if !ok {
		t.Fatalf("no row for order %d:\n%s", o.id, page)
	}
	row, _, _ = strings.Cut(row, "</tr>")
	return row
}

func TestDevRefundIsConfirmedThenDeliversChargeRefundedAndRevokesTheBuyersAccess(t *testing.T) {
	e := moneytest.New(t, testDB, devPayments)
	o := payOrder(t, e, "devrefund")
	refund := "/dashboard/s/" + o.store.Slug + "/orders/" + strconv.FormatInt(o.id, 10) + "/refund"
	if row := o.salesRow(t); !strings.Contains(row, `href="`+refund+`"`) || !strings.Contains(row, "Open a test dispute") {
		t.Fatalf("sales row before the refund:\n%s", row)
	}
	// The row's Refund is a link to a confirmation page, which sends nothing.
	resp, page := o.owner.Get(t, "", refund)
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, "Refund order #"+strconv.FormatInt(o.id, 10)+"?") ||
		!strings.Contains(page, "$18.00") || !strings.Contains(page, "Tide Tables") || len(e.Stripe.Find("POST", "/v1/refunds")) != 0 {
		t.Fatalf("confirmation: %d\n%s", resp.StatusCode, page)
	}
	resp, body := o.owner.PostForm(t, "", refund, url.Values{"_csrf": {o.owner.CSRF(t, "", refund)}})
	if resp.StatusCode != http.StatusSeeOther || !strings.Contains(resp.Header.Get("Location"), "notice=refund-requested") {
		t.Fatalf("refund: %d %q\n%s", resp.StatusCode, resp.Header.Get("Location"), body)
	}
	if n := len(e.Stripe.Find("POST", "/v1/refunds")); n != 1 {
		t.Fatalf("%d refund calls", n)
	}
	if status, live := o.status(t, e); status != "refunded" || live != 0 {
		t.Fatalf("order %s with %d live entitlements", status, live)
	}
	o.libraryStatus(t, http.StatusNotFound)
	row := o.salesRow(t)
	if !strings.Contains(row, "refunded") || strings.Contains(row, "refund pending") || strings.Contains(row, "Refund…") ||
		strings.Contains(row, "Open a test dispute") {
		t.Fatalf("sales row after the refund:\n%s", row)
	}
	if n := e.Count(t, "stripe_events WHERE id = ?", "evt_dev_refund_"+strconv.FormatInt(o.id, 10)); n != 1 {
		t.Fatalf("%d refund events", n)
	}
	// A refunded order is not refundable again: the 404 page, no Stripe call.
	resp, _ = o.owner.PostForm(t, "", refund, url.Values{"_csrf": {o.owner.CSRF(t, "", "/dashboard")}})
	if resp.StatusCode != http.StatusNotFound || len(e.Stripe.Find("POST", "/v1/refunds")) != 1 {
		t.Fatalf("second refund: %d", resp.StatusCode)
	}
}

// Only a member of the order's store can open a test dispute (the attack:
// revoking a stranger's purchase by posting another store's order id).
func TestDevDisputeDeliversChargeDisputeCreatedForMembersOnly(t *testing.T) {
	e := moneytest.New(t, testDB, devPayments)
	o := payOrder(t, e, "devdispute")
	path := "/dev/dispute/" + strconv.FormatInt(o.id, 10)
	other := payOrder(t, e, "otherstore")
	notFound := string(e.App.Errors.NotFoundBody())
	for name, b := range map[string]*apptest.Browser{"visitor": e.NewBrowser(), "buyer": o.buyer, "stranger": stranger(t, e), "other owner": other.owner} {
		resp, body := b.PostForm(t, "", path, url.Values{"_csrf": {b.CSRF(t, "", "/")}})
		if resp.StatusCode != http.StatusNotFound || body != notFound {
			t.Errorf("%s: %d\n%s", name, resp.StatusCode, body)
		}
	}
	if status, live := o.status(t, e); status != "paid" || live != 1 {
		t.Fatalf("a non-member changed the order: %s, %d live", status, live)
	}

	resp, body := o.owner.PostForm(t, "", path, url.Values{"_csrf": {o.owner.CSRF(t, "", "/dashboard")}})
	want := "http://" + apptest.Root + "/dashboard/s/" + o.store.Slug + "/sales?notice=dispute-opened"
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != want {
		t.Fatalf("dispute: %d %q\n%s", resp.StatusCode, resp.Header.Get("Location"), body)
	}
	if status, live := o.status(t, e); status != "disputed" || live != 0 {
		t.Fatalf("order %s with %d live entitlements", status, live)
	}
	o.libraryStatus(t, http.StatusNotFound)
	_, page := o.owner.Get(t, "", strings.TrimPrefix(want, "http://"+apptest.Root))
	if !strings.Contains(page, "Test dispute opened") {
		t.Fatalf("no feedback:\n%s", page)
	}
	if row := o.salesRow(t); !strings.Contains(row, "disputed") || strings.Contains(row, "Refund…") || strings.Contains(row, "Open a test dispute") {
		t.Fatalf("sales row after the dispute:\n%s", row)
	}
	resp, body = o.owner.PostForm(t, "", path, url.Values{"_csrf": {o.owner.CSRF(t, "", "/dashboard")}})
	if resp.StatusCode != http.StatusConflict || !strings.Contains(body, "Only a paid order can be disputed") {
		t.Fatalf("second dispute: %d\n%s", resp.StatusCode, body)
	}
	if status, live := other.status(t, e); status != "paid" || live != 1 {
		t.Fatalf("the other store's order changed: %s", status)
	}
}
