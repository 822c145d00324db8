package api_test

import (
	"context"
	"encoding/base64"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/claro-market/claro/app/api"
	"github.com/claro-market/claro/app/apitokens"
	"github.com/claro-market/claro/app/catalog"
	"github.com/claro-market/claro/app/config"
	"github.com/claro-market/claro/testkit/apptest"
	"github.com/claro-market/claro/testkit/moneytest"
	"github.com/claro-market/claro/testkit/stripetest"
)

type listPage struct {
	Data []struct {
		ID int64 `json:"id"`
	} `json:"data"`
	NextCursor *string `json:"next_cursor"`
}

// walk reads every page of a list, limit at a time, and returns the ids
// in order and the cursors it was given.
func walk(t *testing.T, e *moneytest.Env, tok, path string, limit int, between func(page int)) ([]int64, []string) {
	t.Helper()
	var ids []int64
	var cursors []string
	next := path + "?limit=" + strconv.Itoa(limit)
	for page := 0; page < 100; page++ {
		resp, body := call(t, e, tok, http.MethodGet, next, nil)
		var p listPage
		decodeInto(t, body, &p)
		if resp.StatusCode != http.StatusOK || len(p.Data) > limit {
			t.Fatalf("%s: %d, %d rows", next, resp.StatusCode, len(p.Data))
		}
		for _, d := range p.Data {
			ids = append(ids, d.ID)
		}
		if p.NextCursor == nil {
			return ids, cursors
		}
		cursors = append(cursors, *p.NextCursor)
		next = path + "?limit=" + strconv.Itoa(limit) + "&cursor=" + url.QueryEscape(*p.NextCursor)
		if between != nil {
			between(page)
		}
	}
	t.Fatal("more than 100 pages")
	return nil, nil
}

// Products, sales and keys are listed newest first a page at a time; the
// walk sees every row once, even with rows added while it walks; a
// tampered cursor, or one from another list, is a 400 and changes nothing.
func TestEveryListWalksAllPagesOnceAndRefusesATamperedCursor(t *testing.T) {
	e := moneytest.New(t, testDB)
	s := newStore(t, e, "pages")
	tok := makeToken(t, s.owner, s.t, "lists", apitokens.ProductsRead, apitokens.SalesRead, apitokens.Licenses)
	want := map[int64]bool{s.product.ID: true}
	for i := 0; i < 6; i++ {
		want[e.Product(t, s.t, apptest.Unique("page"), catalog.Draft).ID] = true
	}
	var added []int64
	ids, cursors := walk(t, e, tok, "/api/v1/products", 3, func(int) {
		added = append(added, e.Product(t, s.t, apptest.Unique("late"), catalog.Public).ID) // newer: before the walk's position
	})
	seen := map[int64]bool{}
	for _, id := range ids {
		if seen[id] {
			t.Fatalf("product %d listed twice: %v", id, ids)
		}
		seen[id] = true
	}
	for id := range want {
		if !seen[id] {
			t.Fatalf("product %d never listed: %v", id, ids)
		}
	}
	if len(ids) != len(want) || len(cursors) != 2 {
		t.Fatalf("%d products over %d cursors, want %d over 2 (the ones added while walking come first on a new walk)", len(ids), len(cursors), len(want))
	}
	if first, _ := walk(t, e, tok, "/api/v1/products", 100, nil); first[0] != added[len(added)-1] {
		t.Fatalf("a new walk does not start with the newest product: %v", first)
	}

	// Sales and keys: six orders, six keys.
	wantSales := map[int64]bool{s.orderID: true}
	for i := 0; i < 5; i++ {
		o := paidOrder(t, e, s.t, s.product, apptest.Unique("pi_pages_"))
		wantSales[o] = true
		if _, err := e.DB.Primary.NewRaw(`INSERT INTO license_keys (tenant_id, product_id, order_id, key_hash, last4)
			VALUES (?, ?, ?, sha256(?::bytea), 'CD34')`, s.t.ID, s.product.ID, o, apptest.Unique("key")).Exec(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	for _, l := range []string{"/api/v1/sales", "/api/v1/licenses"} {
		ids, cursors := walk(t, e, tok, l, 4, nil)
		seen := map[int64]bool{}
		for _, id := range ids {
			if seen[id] {
				t.Fatalf("%s: %d twice", l, id)
			}
			seen[id] = true
		}
		if len(ids) != 6 || len(cursors) != 1 {
			t.Fatalf("%s: %d rows over %d cursors", l, len(ids), len(cursors))
		}
		if l == "/api/v1/sales" {
			for id := range wantSales {
				if !seen[id] {
					t.Fatalf("sale %d never listed", id)
				}
			}
		}
	}

	// Tampered: the payload's position changed, the signature kept.
	good := cursors[0]
	payload, sig, _ := strings.Cut(good, ".")
	raw, err := base64.RawURLEncoding.DecodeString(payload)
	if err != nil {
		t.Fatal(err)
	}
	forged := strings.Replace(string(raw), `"i":`, `"i":1`, 1)
	if forged == string(raw) {
		t.Fatalf("the test did not change the cursor %s", raw)
	}
	tampered := base64.RawURLEncoding.EncodeToString([]byte(forged)) + "." + sig
	_, salesCursors := walk(t, e, tok, "/api/v1/sales", 4, nil)
	before := snapshot(t, e, s.t.ID)
	for _, c := range []struct{ name, path, cursor string }{
		{"tampered", "/api/v1/products", tampered},
		{"garbage", "/api/v1/products", "not-a-cursor"},
		{"another list's", "/api/v1/products", salesCursors[0]},
		{"truncated", "/api/v1/sales", salesCursors[0][:len(salesCursors[0])-2]},
	} {
		resp, body := call(t, e, tok, http.MethodGet, c.path+"?cursor="+url.QueryEscape(c.cursor), nil)
		if resp.StatusCode != http.StatusBadRequest || refusal(t, body).Error.Code != "invalid_cursor" {
			t.Errorf("a %s cursor: %d %s", c.name, resp.StatusCode, body)
		}
	}
	for _, limit := range []string{"0", "101", "ten", "-1"} {
		if resp, body := call(t, e, tok, http.MethodGet, "/api/v1/products?limit="+limit, nil); resp.StatusCode != http.StatusBadRequest ||
			!strings.Contains(refusal(t, body).Error.Message, "limit") {
			t.Errorf("limit=%s: %d %s", limit, resp.StatusCode, body)
		}
	}
	if after := snapshot(t, e, s.t.ID); after != before {
		t.Fatal("a refused list changed rows")
	}
	// Another store's token cannot use this store's cursor either.
	o := newStore(t, e, "pagesother")
	otherTok := makeToken(t, o.owner, o.t, "other", apitokens.ProductsRead)
	if resp, body := call(t, e, otherTok, http.MethodGet, "/api/v1/products?cursor="+url.QueryEscape(good), nil); resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("another store's cursor: %d %s", resp.StatusCode, body)
	}
}

// A sale is refunded through stripe-mock as the dashboard refunds it: the
// payment intent, the transfer and fee reversed, the order's idempotency
// key; the sale is refund pending until charge.refunded, then refunded,
// and a second refund is a 409.
func TestASaleIsRefundedThroughStripe(t *testing.T) {
	e := moneytest.New(t, testDB)
	s := newStore(t, e, "refund")
	tok := makeToken(t, s.owner, s.t, "support desk", apitokens.SalesRead, apitokens.SalesRefund)
	path := "/api/v1/sales/" + strconv.FormatInt(s.orderID, 10)

	resp, body := call(t, e, tok, http.MethodGet, path, nil)
	var sale api.Sale
	decodeInto(t, body, &sale)
	if resp.StatusCode != http.StatusOK || sale.Status != "paid" || !sale.Refundable || len(sale.Items) != 1 || sale.Items[0].ProductID != s.product.ID {
		t.Fatalf("the sale: %d %s", resp.StatusCode, body)
	}
	calls := len(e.Stripe.Find(http.MethodPost, "/v1/refunds"))
	resp, body = call(t, e, tok, http.MethodPost, path+"/refunds", nil)
	decodeInto(t, body, &sale)
	if resp.StatusCode != http.StatusAccepted || !sale.RefundPending || sale.Refundable || sale.Status != "paid" {
		t.Fatalf("refund: %d %s", resp.StatusCode, body)
	}
	refunds := e.Stripe.Find(http.MethodPost, "/v1/refunds")
	if len(refunds) != calls+1 {
		t.Fatalf("%d refund calls to Stripe, want 1", len(refunds)-calls)
	}
	r := refunds[len(refunds)-1]
	if r.Form.Get("payment_intent") != s.pi || r.Form.Get("reverse_transfer") != "true" || r.Form.Get("refund_application_fee") != "true" ||
		r.Header.Get("Idempotency-Key") == "" {
		t.Fatalf("the refund request: %v %v", r.Form, r.Header)
	}
	if n := e.Count(t, "orders WHERE id = ? AND status = 'paid' AND refund_requested_at IS NOT NULL", s.orderID); n != 1 {
		t.Fatal("the refund is not recorded as requested")
	}
	// Stripe confirms: the sale is refunded and cannot be refunded again.
	e.Deliver(t, "/webhooks/stripe", stripetest.Event("evt_"+apptest.Unique("rf"), "charge.refunded",
		stripetest.Charge("ch_"+apptest.Unique("rf"), s.pi, s.product.PriceCents, s.product.PriceCents)))
	_, body = call(t, e, tok, http.MethodGet, path, nil)
	decodeInto(t, body, &sale)
	if sale.Status != "refunded" || sale.AmountRefundedCents != s.product.PriceCents {
		t.Fatalf("after charge.refunded: %s", body)
	}
	before := snapshot(t, e, s.t.ID)
	resp, body = call(t, e, tok, http.MethodPost, path+"/refunds", nil)
	if resp.StatusCode != http.StatusConflict || refusal(t, body).Error.Code != "not_refundable" {
		t.Fatalf("a second refund: %d %s", resp.StatusCode, body)
	}
	if len(e.Stripe.Find(http.MethodPost, "/v1/refunds")) != calls+1 || snapshot(t, e, s.t.ID) != before {
		t.Fatal("a refused refund reached Stripe or changed rows")
	}
}

// Keys are disabled and enabled through the API as on the dashboard; a
// key a refund disabled stays disabled.
func TestLicenseKeysAreDisabledAndEnabled(t *testing.T) {
	e := moneytest.New(t, testDB)
	s := newStore(t, e, "keys")
	tok := makeToken(t, s.owner, s.t, "keys", apitokens.Licenses)
	path := "/api/v1/licenses/" + strconv.FormatInt(s.keyID, 10)
	var k api.LicenseKey
	resp, body := call(t, e, tok, http.MethodPost, path+"/disable", nil)
	decodeInto(t, body, &k)
	if resp.StatusCode != http.StatusOK || k.Status != "disabled" || k.DisabledReason == "" || k.Last4 != "AB12" {
		t.Fatalf("disable: %d %s", resp.StatusCode, body)
	}
	resp, body = call(t, e, tok, http.MethodPost, path+"/enable", nil)
	decodeInto(t, body, &k)
	if resp.StatusCode != http.StatusOK || k.Status != "active" {
		t.Fatalf("enable: %d %s", resp.StatusCode, body)
	}
	if _, err := e.DB.Primary.NewRaw(`UPDATE license_keys SET disabled_at = now(), disabled_reason = 'refunded' WHERE id = ?`, s.keyID).
		Exec(context.Background()); err != nil {
		t.Fatal(err)
	}
	before := snapshot(t, e, s.t.ID)
	resp, body = call(t, e, tok, http.MethodPost, path+"/enable", nil)
	if resp.StatusCode != http.StatusUnprocessableEntity || refusal(t, body).Error.Code != "key_refunded" || snapshot(t, e, s.t.ID) != before {
		t.Fatalf("enabling a refunded key: %d %s", resp.StatusCode, body)
	}
}

// With DEV_TEST_PAYMENTS (`claro dev`), the API's refund is confirmed at
// once, as the dashboard's is: the dev tools deliver the charge.refunded
// stripe-mock never sends, through the webhook's own handler.
func TestInDevARefundThroughTheAPIIsConfirmedAtOnce(t *testing.T) {
	e := moneytest.New(t, testDB, func(c *config.Config) { c.DevTestPayments = true })
	s := newStore(t, e, "devrefund")
	tok := makeToken(t, s.owner, s.t, "dev", apitokens.SalesRead, apitokens.SalesRefund)
	resp, body := call(t, e, tok, http.MethodPost, "/api/v1/sales/"+strconv.FormatInt(s.orderID, 10)+"/refunds", nil)
	var sale api.Sale
	decodeInto(t, body, &sale)
	if resp.StatusCode != http.StatusAccepted || sale.Status != "refunded" || sale.RefundPending {
		t.Fatalf("a dev refund: %d %s", resp.StatusCode, body)
	}
	if n := e.Count(t, "license_keys WHERE id = ? AND disabled_at IS NOT NULL", s.keyID); n != 1 {
		t.Fatal("the refunded order's key is still enabled")
	}
}
