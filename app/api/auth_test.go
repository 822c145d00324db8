package api_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/claro-market/claro/app/api"
	"github.com/claro-market/claro/app/apitokens"
	"github.com/claro-market/claro/testkit/apptest"
	"github.com/claro-market/claro/testkit/moneytest"
)

// No token, a malformed one, an unknown one and a revoked one are 401s in
// the API's shape; a token without the route's scope is a 403 naming it.
// The database keeps only the token's SHA-256.
func TestTokensAreCheckedOnEveryCall(t *testing.T) {
	e := moneytest.New(t, testDB)
	s := newStore(t, e, "auth")
	read := makeToken(t, s.owner, s.t, "reader", apitokens.ProductsRead)
	if n := e.Count(t, "api_tokens WHERE tenant_id = ? AND token_hash = sha256(?::bytea) AND last4 = ?", s.t.ID, read, read[len(read)-4:]); n != 1 {
		t.Fatal("the token is not stored as its SHA-256 with its last four characters")
	}
	if n := e.Count(t, "api_tokens WHERE tenant_id = ? AND position(? in concat_ws(',', name, scopes, last4)) > 0", s.t.ID, read); n != 0 {
		t.Fatal("the token itself is stored")
	}
	before := snapshot(t, e, s.t.ID)

	unknown := apitokens.Prefix + strings.Repeat("a", 52)
	for _, c := range []struct{ name, token, code string }{
		{"no token", "", "unauthorized"},
		{"malformed", "claro_pat_short", "invalid_token"},
		{"unknown", unknown, "invalid_token"},
	} {
		resp, body := call(t, e, c.token, http.MethodGet, "/api/v1/products", nil)
		if resp.StatusCode != http.StatusUnauthorized || refusal(t, body).Error.Code != c.code || resp.Header.Get("WWW-Authenticate") == "" {
			t.Errorf("%s: %d %s", c.name, resp.StatusCode, body)
		}
	}
	resp, body := call(t, e, read, http.MethodGet, "/api/v1/products", nil)
	if resp.StatusCode != http.StatusOK || len(resp.Header.Values("Set-Cookie")) != 0 || resp.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("the token reads products: %d %v %s", resp.StatusCode, resp.Header, body)
	}
	// An upload with an unknown token is refused before its body is read.
	resp, body = upload(t, e, unknown, "/api/v1/products/"+strconv.FormatInt(s.product.ID, 10)+"/files", "x.zip", []byte("PK\x03\x04"))
	if resp.StatusCode != http.StatusUnauthorized || refusal(t, body).Error.Code != "invalid_token" || !resp.Close {
		t.Fatalf("an upload with an unknown token: %d close=%v %s", resp.StatusCode, resp.Close, body)
	}
	for _, rt := range [][2]string{{http.MethodPost, "/api/v1/products"}, {http.MethodGet, "/api/v1/sales"}, {http.MethodGet, "/api/v1/licenses"},
		{http.MethodPost, "/api/v1/sales/" + strconv.FormatInt(s.orderID, 10) + "/refunds"}} {
		resp, body := call(t, e, read, rt[0], rt[1], `{"title":"x","price_cents":1}`)
		r := refusal(t, body)
		if resp.StatusCode != http.StatusForbidden || r.Error.Code != "insufficient_scope" || !strings.Contains(r.Error.Message, "scope") {
			t.Errorf("%s %s without its scope: %d %s", rt[0], rt[1], resp.StatusCode, body)
		}
	}

	// Revoked on the dashboard: refused from the next call on.
	var id int64
	if err := e.DB.Primary.NewRaw(`SELECT id FROM api_tokens WHERE token_hash = sha256(?::bytea)`, read).Scan(context.Background(), &id); err != nil {
		t.Fatal(err)
	}
	path := "/dashboard/s/" + s.t.Slug + "/tokens/" + strconv.FormatInt(id, 10) + "/revoke"
	resp, _ = s.owner.PostForm(t, "", path, url.Values{"_csrf": {s.owner.CSRF(t, "", "/dashboard/s/"+s.t.Slug+"/tokens")}})
	if resp.StatusCode != http.StatusSeeOther || !strings.Contains(resp.Header.Get("Location"), "notice=revoked") {
		t.Fatalf("revoke: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	resp, body = call(t, e, read, http.MethodGet, "/api/v1/products", nil)
	if resp.StatusCode != http.StatusUnauthorized || refusal(t, body).Error.Code != "invalid_token" {
		t.Fatalf("a revoked token: %d %s", resp.StatusCode, body)
	}
	if after := snapshot(t, e, s.t.ID); strings.Split(after, ",")[0] != strings.Split(before, ",")[0] {
		t.Fatal("a refused call changed the store's products")
	}
	// Another store's member cannot revoke this store's token (404).
	other := newStore(t, e, "authother")
	live := makeToken(t, s.owner, s.t, "live", apitokens.ProductsRead)
	if err := e.DB.Primary.NewRaw(`SELECT id FROM api_tokens WHERE token_hash = sha256(?::bytea)`, live).Scan(context.Background(), &id); err != nil {
		t.Fatal(err)
	}
	for _, slug := range []string{other.t.Slug, s.t.Slug} {
		path := "/dashboard/s/" + slug + "/tokens/" + strconv.FormatInt(id, 10) + "/revoke"
		resp, _ := other.owner.PostForm(t, "", path, url.Values{"_csrf": {other.owner.CSRF(t, "", "/dashboard/s/"+other.t.Slug+"/tokens")}})
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("another store's owner revoking via %s: %d", slug, resp.StatusCode)
		}
	}
	if resp, _ := call(t, e, live, http.MethodGet, "/api/v1/products", nil); resp.StatusCode != http.StatusOK {
		t.Fatalf("the token another store's owner tried to revoke: %d", resp.StatusCode)
	}
}

// A token works only while its creator is a member; an admin cannot make
// a refunding token, and an owner's refunding token loses that scope when
// the owner becomes an admin.
func TestATokenFollowsItsCreatorsMembership(t *testing.T) {
	e := moneytest.New(t, testDB)
	s := newStore(t, e, "role")
	adminEmail := apptest.Email("roleadmin")
	admin := e.NewBrowser()
	admin.SignUp(t, adminEmail, pw, "Admin")
	member(t, e, s.t, adminEmail, "admin")

	resp, body := postToken(t, admin, s.t, "refunds", apitokens.SalesRefund)
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "Only the store&#39;s owner") {
		t.Fatalf("an admin making a refunding token: %d", resp.StatusCode)
	}
	if _, page := admin.Get(t, "", "/dashboard/s/"+s.t.Slug+"/tokens"); strings.Contains(page, `value="sales:refund"`) {
		t.Fatal("the admin is offered the refund scope")
	}
	tok := makeToken(t, admin, s.t, "admin's", apitokens.ProductsRead)
	if resp, _ := call(t, e, tok, http.MethodGet, "/api/v1/products", nil); resp.StatusCode != http.StatusOK {
		t.Fatalf("the admin's token: %d", resp.StatusCode)
	}
	if _, err := e.DB.Primary.NewRaw(`DELETE FROM tenant_members WHERE tenant_id = ? AND user_id = (SELECT id FROM users WHERE email = ?)`,
		s.t.ID, adminEmail).Exec(context.Background()); err != nil {
		t.Fatal(err)
	}
	if resp, body := call(t, e, tok, http.MethodGet, "/api/v1/products", nil); resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("the token of a removed member: %d %s", resp.StatusCode, body)
	}

	refunder := makeToken(t, s.owner, s.t, "owner's refunds", apitokens.SalesRead, apitokens.SalesRefund)
	if _, err := e.DB.Primary.NewRaw(`UPDATE tenant_members SET role = 'admin' WHERE tenant_id = ? AND role = 'owner'`, s.t.ID).
		Exec(context.Background()); err != nil {
		t.Fatal(err)
	}
	resp, body = call(t, e, refunder, http.MethodPost, "/api/v1/sales/"+strconv.FormatInt(s.orderID, 10)+"/refunds", nil)
	if resp.StatusCode != http.StatusForbidden || refusal(t, body).Error.Code != "insufficient_scope" {
		t.Fatalf("a refund with the token of an owner now admin: %d %s", resp.StatusCode, body)
	}
	if resp, _ := call(t, e, refunder, http.MethodGet, "/api/v1/sales", nil); resp.StatusCode != http.StatusOK {
		t.Fatalf("its other scope: %d", resp.StatusCode)
	}
}

// Past PerToken calls in a minute a token gets 429 with Retry-After; a
// second token of the same store is not slowed.
func TestEachTokenIsRateLimited(t *testing.T) {
	e := moneytest.New(t, testDB)
	s := newStore(t, e, "rate")
	busy := makeToken(t, s.owner, s.t, "busy", apitokens.ProductsRead)
	calm := makeToken(t, s.owner, s.t, "calm", apitokens.ProductsRead)
	// A fixed window: a run that crosses a minute boundary gets up to
	// twice the calls through before the first 429, never more.
	ok := 0
	for i := 0; i <= 2*api.PerToken; i++ {
		resp, body := call(t, e, busy, http.MethodGet, "/api/v1/products?limit=1", nil)
		if resp.StatusCode == http.StatusOK {
			ok++
			continue
		}
		if resp.StatusCode != http.StatusTooManyRequests || refusal(t, body).Error.Code != "rate_limited" || resp.Header.Get("Retry-After") == "" {
			t.Fatalf("call %d: %d %q %s", i+1, resp.StatusCode, resp.Header.Get("Retry-After"), body)
		}
		break
	}
	if ok < api.PerToken || ok > 2*api.PerToken {
		t.Fatalf("%d calls went through before the first 429 (limit %d)", ok, api.PerToken)
	}
	if resp, _ := call(t, e, calm, http.MethodGet, "/api/v1/products?limit=1", nil); resp.StatusCode != http.StatusOK {
		t.Fatalf("another token of the store: %d", resp.StatusCode)
	}
}

// An address that sends BadPerAddress unknown tokens in a minute gets 429s
// without a lookup; one well-formed but unknown token after another is not
// a way to search the token space.
func TestUnknownTokensFromOneAddressAreLimited(t *testing.T) {
	e := moneytest.New(t, testDB)
	limited := 0
	for i := 0; i <= 2*api.BadPerAddress; i++ {
		resp, body := call(t, e, apitokens.Prefix+strings.Repeat(string(rune('a'+i%26)), 52), http.MethodGet, "/api/v1/products", nil)
		switch code := refusal(t, body).Error.Code; {
		case resp.StatusCode == http.StatusUnauthorized && code == "invalid_token" && limited == 0:
		case resp.StatusCode == http.StatusTooManyRequests && code == "rate_limited" && resp.Header.Get("Retry-After") != "":
			limited++
		default:
			t.Fatalf("unknown token %d: %d %s", i+1, resp.StatusCode, body)
		}
	}
	// A fixed window: a run crossing a minute boundary lets up to twice the
	// limit through, so at least the last call is limited.
	if limited == 0 {
		t.Fatalf("%d of %d unknown tokens limited", limited, 2*api.BadPerAddress+1)
	}
}
