package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/claro-market/claro/app/catalog"
	"github.com/claro-market/claro/tenants"
	"github.com/claro-market/claro/testkit/apptest"
	"github.com/claro-market/claro/testkit/dbtest"
	"github.com/claro-market/claro/testkit/moneytest"
)

var testDB *dbtest.Database

func TestMain(m *testing.M) { os.Exit(dbtest.Main(m, &testDB)) }

const pw = "a long enough password"

// store is one store of a test: its owner's browser (signed in), a
// product with a file, a paid order and a license key of it.
type store struct {
	t       *tenants.Tenant
	owner   *apptest.Browser
	product *catalog.Product
	fileID  int64
	orderID int64
	pi      string
	keyID   int64
}

// newStore makes a store with an owner signed in, a product, a file, a
// paid order holding the product (with its payment intent) and a license key.
func newStore(t *testing.T, e *moneytest.Env, prefix string) *store {
	t.Helper()
	ctx := context.Background()
	s := &store{t: e.Store(t, apptest.Unique(prefix)), owner: e.NewBrowser(), pi: apptest.Unique("pi_api_")}
	email := apptest.Email(prefix + "owner")
	s.owner.SignUp(t, email, pw, "Owner "+prefix)
	member(t, e, s.t, email, "owner")
	s.product = e.Product(t, s.t, "p-"+apptest.Unique(prefix), catalog.Public)
	if err := e.DB.Primary.NewRaw(`INSERT INTO product_files (tenant_id, product_id, name, blob_key, size_bytes, content_type)
		VALUES (?, ?, 'a.zip', ?, 10, 'application/zip') RETURNING id`, s.t.ID, s.product.ID, "files/x/"+apptest.Unique("f")+".zip").
		Scan(ctx, &s.fileID); err != nil {
		t.Fatal(err)
	}
	s.orderID = paidOrder(t, e, s.t, s.product, s.pi)
	if err := e.DB.Primary.NewRaw(`INSERT INTO license_keys (tenant_id, product_id, order_id, key_hash, last4)
		VALUES (?, ?, ?, sha256(?::bytea), 'AB12') RETURNING id`, s.t.ID, s.product.ID, s.orderID, apptest.Unique("key")).Scan(ctx, &s.keyID); err != nil {
		t.Fatal(err)
	}
	return s
}

// paidOrder writes a paid order of product in the store, as the webhook's
// writer leaves one, and returns its id.
func paidOrder(t *testing.T, e *moneytest.Env, tn *tenants.Tenant, p *catalog.Product, pi string) int64 {
	t.Helper()
	var id int64
	session := apptest.Unique("cs_api_")
	if err := e.DB.Primary.NewRaw(`WITH ck AS (
			INSERT INTO checkouts (tenant_id, stripe_checkout_session_id, amount_total_cents, application_fee_cents, currency, status)
			VALUES (?, ?, ?, 150, 'usd', 'completed') RETURNING id),
		o AS (INSERT INTO orders (tenant_id, checkout_id, email, stripe_checkout_session_id, stripe_payment_intent_id,
			amount_total_cents, application_fee_cents, currency, status, paid_at)
			SELECT ?, ck.id, ?, ?, ?, ?, 150, 'usd', 'paid', now() FROM ck RETURNING id)
		INSERT INTO order_items (order_id, tenant_id, product_id, title, unit_price_cents, quantity)
		SELECT o.id, ?, ?, ?, ?, 1 FROM o RETURNING order_id`,
		tn.ID, session, p.PriceCents, tn.ID, apptest.Email("buyer"), session, pi, p.PriceCents,
		tn.ID, p.ID, p.Title, p.PriceCents).Scan(context.Background(), &id); err != nil {
		t.Fatal(err)
	}
	return id
}

// member makes the account of email a member of the store with role.
func member(t *testing.T, e *moneytest.Env, tn *tenants.Tenant, email, role string) {
	t.Helper()
	if _, err := e.DB.Primary.NewRaw(`INSERT INTO tenant_members (tenant_id, user_id, role) SELECT ?, id, ? FROM users WHERE email = ?`,
		tn.ID, role, email).Exec(context.Background()); err != nil {
		t.Fatal(err)
	}
}

var tokenPattern = regexp.MustCompile(`claro_pat_[a-z2-7]{52}`)

// makeToken creates a token through the dashboard's page, as a member
// would, and returns it as the page shows it once.
func makeToken(t *testing.T, b *apptest.Browser, tn *tenants.Tenant, name string, scopes ...string) string {
	t.Helper()
	resp, body := postToken(t, b, tn, name, scopes...)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("create token: %d\n%s", resp.StatusCode, body)
	}
	tok := tokenPattern.FindString(body)
	if tok == "" {
		t.Fatalf("the page does not show the new token:\n%s", body)
	}
	return tok
}

func postToken(t *testing.T, b *apptest.Browser, tn *tenants.Tenant, name string, scopes ...string) (*http.Response, string) {
	t.Helper()
	path := "/dashboard/s/" + tn.Slug + "/tokens"
	form := url.Values{"_csrf": {b.CSRF(t, "", path)}, "name": {name}, "scope": scopes}
	return b.PostForm(t, "", path, form)
}

// call sends an API request with token ("" for none) and a JSON body (nil
// for none).
func call(t *testing.T, e *moneytest.Env, token, method, path string, body any) (*http.Response, string) {
	t.Helper()
	var r io.Reader
	ctype := ""
	switch b := body.(type) {
	case nil:
	case string:
		r, ctype = strings.NewReader(b), "application/json"
	default:
		js, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		r, ctype = bytes.NewReader(js), "application/json"
	}
	req := httptest.NewRequest(method, "http://"+apptest.Root+path, r)
	req.Host = apptest.Root
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return e.Do(t, req)
}

// apiError is the API's refusal shape.
type apiError struct {
	Error struct {
		Code    string            `json:"code"`
		Message string            `json:"message"`
		Fields  map[string]string `json:"fields"`
	} `json:"error"`
}

// refusal parses body as the API's error shape, failing the test when it is not.
func refusal(t *testing.T, body string) apiError {
	t.Helper()
	var e apiError
	d := json.NewDecoder(strings.NewReader(body))
	d.DisallowUnknownFields()
	if err := d.Decode(&e); err != nil || e.Error.Code == "" || e.Error.Message == "" {
		t.Fatalf("not the API's error shape (%v): %s", err, body)
	}
	return e
}

func decodeInto(t *testing.T, body string, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(body), v); err != nil {
		t.Fatalf("%v: %s", err, body)
	}
}
