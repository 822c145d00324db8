package api_test

import (
	"bytes"
	"context"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/claro-market/claro/app/apitokens"
	"github.com/claro-market/claro/app/web"
	"github.com/claro-market/claro/testkit/apptest"
	"github.com/claro-market/claro/testkit/moneytest"
	"github.com/uptrace/bun/dialect/pgdialect"
)

func tenantIDs(ids []int64) any { return pgdialect.Array(ids) }

// snapshot fingerprints every row of the stores' products, files, orders,
// license keys and activations, and their tokens (without last_used_at,
// which a call stamps), to prove a refused call changed nothing.
func snapshot(t *testing.T, e *moneytest.Env, tenants ...int64) string {
	t.Helper()
	var out []string
	for _, q := range []string{
		`SELECT md5(coalesce(string_agg(p::text, '|' ORDER BY id), '')) FROM products p WHERE tenant_id = ANY(?)`,
		`SELECT md5(coalesce(string_agg(f::text, '|' ORDER BY id), '')) FROM product_files f WHERE tenant_id = ANY(?)`,
		`SELECT md5(coalesce(string_agg(o::text, '|' ORDER BY id), '')) FROM orders o WHERE tenant_id = ANY(?)`,
		`SELECT md5(coalesce(string_agg(k::text, '|' ORDER BY id), '')) FROM license_keys k WHERE tenant_id = ANY(?)`,
		`SELECT md5(coalesce(string_agg(a::text, '|' ORDER BY id), '')) FROM license_activations a WHERE tenant_id = ANY(?)`,
		`SELECT md5(coalesce(string_agg(concat_ws(',', id, name, scopes, revoked_at), '|' ORDER BY id), '')) FROM api_tokens WHERE tenant_id = ANY(?)`,
	} {
		var s string
		if err := e.DB.Primary.NewRaw(q, tenantIDs(tenants)).Scan(context.Background(), &s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	return strings.Join(out, ",")
}

// apiRoutes lists every route the app has under /api/v1, from its own
// route table.
func apiRoutes(t *testing.T, e *moneytest.Env) [][2]string {
	t.Helper()
	var out [][2]string
	for _, r := range e.App.Fiber.GetRoutes(true) {
		if strings.HasPrefix(r.Path, "/api/v1/") && r.Method != http.MethodHead {
			out = append(out, [2]string{r.Method, r.Path})
		}
	}
	if len(out) < 15 {
		t.Fatalf("only %d API routes found: %v", len(out), out)
	}
	return out
}

// request builds an API request with a harmless, valid body for its route.
func request(t *testing.T, token, method, path string) *http.Request {
	t.Helper()
	var body bytes.Buffer
	ctype := "application/json"
	switch {
	case strings.HasSuffix(path, "/files"):
		w := multipart.NewWriter(&body)
		fw, _ := w.CreateFormFile("file", "x.zip")
		fw.Write([]byte("PK\x03\x04hijacked"))
		w.Close()
		ctype = w.FormDataContentType()
	case strings.HasSuffix(path, "/publish"):
		body.WriteString(`{"visibility":"public"}`)
	case method == http.MethodPatch || method == http.MethodPost && strings.HasSuffix(path, "/products"):
		body.WriteString(`{"title":"Hijacked","slug":"hijacked","price_cents":100}`)
	}
	req := httptest.NewRequest(method, "http://"+apptest.Root+path, &body)
	req.Host = apptest.Root
	if body.Len() > 0 {
		req.Header.Set("Content-Type", ctype)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	return req
}

// Store B's token with every scope, sent to every /api/v1 route that
// names an object with store A's ids: the same 404 body as an unknown URL,
// every row unchanged, nothing asked of Stripe. The lists answer B's
// objects only. On a store's own host the API does not exist.
func TestEveryAPIRouteIsA404ForAnotherStoresObjects(t *testing.T) {
	e := moneytest.New(t, testDB)
	a, b := newStore(t, e, "isoa"), newStore(t, e, "isob")
	tokenB := makeToken(t, b.owner, b.t, "everything", apitokens.AllScopes...)
	_, unknown := call(t, e, tokenB, http.MethodGet, "/api/v1/no-such-thing-"+apptest.Unique("x"), nil)
	if unknown != web.APINotFound {
		t.Fatalf("an unknown API path: %s", unknown)
	}
	refunds := len(e.Stripe.Find(http.MethodPost, "/v1/refunds"))
	tried := 0
	for _, rt := range apiRoutes(t, e) {
		method, pattern := rt[0], rt[1]
		if !strings.Contains(pattern, ":id") {
			continue
		}
		var id int64
		switch {
		case strings.HasPrefix(pattern, "/api/v1/products/"):
			id = a.product.ID
		case strings.HasPrefix(pattern, "/api/v1/sales/"):
			id = a.orderID
		case strings.HasPrefix(pattern, "/api/v1/licenses/"):
			id = a.keyID
		default:
			t.Fatalf("a route this test does not know how to fill: %s %s", method, pattern)
		}
		path := strings.Replace(pattern, ":id", fmt.Sprint(id), 1)
		before := snapshot(t, e, a.t.ID, b.t.ID)
		resp, body := e.Do(t, request(t, tokenB, method, path))
		if resp.StatusCode != http.StatusNotFound || body != web.APINotFound {
			t.Errorf("%s %s with another store's token: %d %s, want the API's 404", method, path, resp.StatusCode, body)
		}
		if after := snapshot(t, e, a.t.ID, b.t.ID); after != before {
			t.Errorf("%s %s with another store's token changed rows", method, path)
		}
		tried++
	}
	if tried < 9 {
		t.Fatalf("only %d routes with ids tried", tried)
	}
	if n := len(e.Stripe.Find(http.MethodPost, "/v1/refunds")); n != refunds {
		t.Fatalf("%d refunds asked of Stripe for another store's order", n-refunds)
	}

	// The lists: B's own objects, none of A's.
	for _, l := range []struct {
		path     string
		mine, as int64
	}{{"/api/v1/products", b.product.ID, a.product.ID}, {"/api/v1/sales", b.orderID, a.orderID}, {"/api/v1/licenses", b.keyID, a.keyID}} {
		resp, body := call(t, e, tokenB, http.MethodGet, l.path+"?limit=100", nil)
		var page struct {
			Data []struct {
				ID int64 `json:"id"`
			} `json:"data"`
		}
		decodeInto(t, body, &page)
		seen := map[int64]bool{}
		for _, d := range page.Data {
			seen[d.ID] = true
		}
		if resp.StatusCode != http.StatusOK || !seen[l.mine] || seen[l.as] {
			t.Errorf("%s: %d, has B's own %v, has A's %v", l.path, resp.StatusCode, seen[l.mine], seen[l.as])
		}
	}
	// A product created with B's token is B's.
	resp, body := call(t, e, tokenB, http.MethodPost, "/api/v1/products", map[string]any{"title": "Made by B", "price_cents": 500})
	var made struct {
		ID int64 `json:"id"`
	}
	decodeInto(t, body, &made)
	if n := e.Count(t, "products WHERE id = ? AND tenant_id = ?", made.ID, b.t.ID); resp.StatusCode != http.StatusCreated || n != 1 {
		t.Fatalf("create with B's token: %d, in B: %d\n%s", resp.StatusCode, n, body)
	}

	// The API lives on the marketplace only: a store's host answers its own 404 page.
	storeNotFound := e.NotFound(t, apptest.StoreHost(a.t.Slug))
	req := httptest.NewRequest(http.MethodGet, "http://"+apptest.StoreHost(a.t.Slug)+"/api/v1/products", nil)
	req.Host = apptest.StoreHost(a.t.Slug)
	req.Header.Set("Authorization", "Bearer "+tokenB)
	if resp, body := e.Do(t, req); resp.StatusCode != http.StatusNotFound || body != storeNotFound {
		t.Fatalf("the API on a store's host: %d %s", resp.StatusCode, body[:min(len(body), 400)])
	}
}
