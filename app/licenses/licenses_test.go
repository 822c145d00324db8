package licenses_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/claro-market/claro/app/catalog"
	"github.com/claro-market/claro/app/licenses"
	"github.com/claro-market/claro/tenants"
	"github.com/claro-market/claro/testkit/apptest"
	"github.com/claro-market/claro/testkit/moneytest"
	"github.com/claro-market/claro/testkit/stripetest"
)

// sold is a paid order of a product that issues keys.
type sold struct {
	e       *moneytest.Env
	store   *tenants.Tenant
	product *catalog.Product
	ck      moneytest.Checkout
	pi      string
	order   int64
	key     string
	root    string // the marketplace host, when not apptest.Root
}

func sell(t *testing.T, limit int) *sold {
	t.Helper()
	e := moneytest.New(t, testDB)
	s := &sold{e: e, store: e.Store(t, apptest.Unique("keys"))}
	s.product = e.Product(t, s.store, "plugin", catalog.Public)
	if _, err := e.DB.Primary.NewRaw(`UPDATE products SET license_keys = true, activation_limit = ? WHERE id = ?`, limit, s.product.ID).
		Exec(context.Background()); err != nil {
		t.Fatal(err)
	}
	buyer := e.NewBrowser()
	buyer.SignUp(t, apptest.Email("keybuyer"), "a long enough password", "Buyer")
	s.ck = e.OpenCheckout(t, buyer, s.store, s.product)
	s.pi = "pi_" + apptest.Unique("lk")
	paid := moneytest.CompletedEvent("evt_"+apptest.Unique("cs"), s.ck, s.pi)
	for range 2 { // and a duplicate delivery
		if resp, body := e.Deliver(t, "/webhooks/stripe", paid); resp.StatusCode != http.StatusOK {
			t.Fatalf("webhook: %d %s", resp.StatusCode, body)
		}
	}
	if err := e.DB.Primary.NewRaw(`SELECT id FROM orders WHERE tenant_id = ?`, s.store.ID).Scan(context.Background(), &s.order); err != nil {
		t.Fatal(err)
	}
	s.key = e.App.Licenses.Key(s.order, s.product.ID)
	return s
}

// call posts body to the license API on the marketplace; it is safe from
// goroutines (no t.Fatal).
func (s *sold) call(path, contentType, body string) (int, map[string]any, error) {
	root := apptest.Root
	if s.root != "" {
		root = s.root
	}
	req := httptest.NewRequest(http.MethodPost, "http://"+root+"/api/v1/licenses/"+path, strings.NewReader(body))
	req.Host = root
	req.Header.Set("Content-Type", contentType)
	resp, err := s.e.App.Fiber.Test(req, -1)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, nil, err
	}
	var out map[string]any
	if err := json.Unmarshal(b, &out); err != nil {
		return resp.StatusCode, nil, err
	}
	return resp.StatusCode, out, nil
}

func (s *sold) must(t *testing.T, path, body string, want int) map[string]any {
	t.Helper()
	status, out, err := s.call(path, "application/json", body)
	if err != nil || status != want {
		t.Fatalf("%s %s: %d %v (%v), want %d", path, body, status, out, err, want)
	}
	return out
}

func keyBody(key string, kv ...string) string {
	m := map[string]string{"key": key}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	b, _ := json.Marshal(m)
	return string(b)
}

func (s *sold) live(t *testing.T) int {
	return s.e.Count(t, `license_activations a JOIN license_keys k ON k.id = a.key_id WHERE k.order_id = ? AND a.deactivated_at IS NULL`, s.order)
}

func TestAPaidOrderIssuesOneKeyThatActivatesUpToItsLimit(t *testing.T) {
	s := sell(t, 3)
	if n := s.e.Count(t, `license_keys WHERE order_id = ?`, s.order); n != 1 {
		t.Fatalf("%d keys for one order delivered twice, want 1", n)
	}
	if _, ok := licenses.Parse(strings.ToLower(strings.ReplaceAll(s.key, "-", " "))); !ok || len(s.key) != 29 {
		t.Fatalf("key %q does not read back", s.key)
	}
	// The key is unguessable from its neighbours: another order's differs.
	if s.e.App.Licenses.Key(s.order+1, s.product.ID) == s.key {
		t.Fatal("two orders share a key")
	}

	out := s.must(t, "validate", keyBody(s.key), http.StatusOK)
	if out["valid"] != true || out["activations"].(float64) != 0 || out["activation_limit"].(float64) != 3 {
		t.Fatalf("validate: %v", out)
	}
	first := s.must(t, "activate", keyBody(strings.ToLower(s.key), "instance_name", "studio mac"), http.StatusCreated)
	inst := first["instance"].(map[string]any)["id"].(string)
	s.must(t, "validate", keyBody(s.key, "instance_id", inst), http.StatusOK)
	s.must(t, "activate", keyBody(s.key, "instance_name", "laptop"), http.StatusCreated)
	s.must(t, "activate", keyBody(s.key, "instance_name", "desktop"), http.StatusCreated)
	refused := s.must(t, "activate", keyBody(s.key, "instance_name", "fourth"), http.StatusConflict)
	if refused["error"].(map[string]any)["code"] != "activation_limit_reached" {
		t.Fatalf("over the limit: %v", refused)
	}
	if n := s.live(t); n != 3 {
		t.Fatalf("%d live activations, want 3", n)
	}
	s.must(t, "deactivate", keyBody(s.key, "instance_id", inst), http.StatusOK)
	s.must(t, "deactivate", keyBody(s.key, "instance_id", inst), http.StatusNotFound) // once
	s.must(t, "validate", keyBody(s.key, "instance_id", inst), http.StatusNotFound)
	s.must(t, "activate", keyBody(s.key, "instance_name", "fourth"), http.StatusCreated)
}

// Twenty activations at once on a limit of three: exactly three succeed.
func TestConcurrentActivationsNeverPassTheLimit(t *testing.T) {
	s := sell(t, 3)
	var wg sync.WaitGroup
	codes := make([]int, 20)
	errs := make([]error, 20)
	for i := range codes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			codes[i], _, errs[i] = s.call("activate", "application/json", keyBody(s.key, "instance_name", "machine"))
		}()
	}
	wg.Wait()
	created := 0
	for i, c := range codes {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		switch c {
		case http.StatusCreated:
			created++
		case http.StatusConflict:
		default:
			t.Fatalf("activation answered %d", c)
		}
	}
	if created != 3 || s.live(t) != 3 {
		t.Fatalf("%d activations succeeded (%d live), want 3", created, s.live(t))
	}
}

// A full refund disables the key in the webhook's transaction.
func TestARefundDisablesTheKey(t *testing.T) {
	s := sell(t, 0)
	s.must(t, "activate", keyBody(s.key, "instance_name", "one"), http.StatusCreated)
	if resp, body := s.e.Deliver(t, "/webhooks/stripe", stripetestRefund(s)); resp.StatusCode != http.StatusOK {
		t.Fatalf("refund webhook: %d %s", resp.StatusCode, body)
	}
	out := s.must(t, "validate", keyBody(s.key), http.StatusOK)
	if out["valid"] != false || out["status"] != "disabled" || out["disabled_reason"] != "refunded" {
		t.Fatalf("after the refund: %v", out)
	}
	out = s.must(t, "activate", keyBody(s.key, "instance_name", "two"), http.StatusForbidden)
	if out["error"].(map[string]any)["code"] != "key_disabled" {
		t.Fatalf("activating a refunded key: %v", out)
	}
}

// Bad input is refused with the API's error shape and writes nothing.
func TestBadLicenseRequestsAreRefusedAndChangeNothing(t *testing.T) {
	s := sell(t, 5)
	cases := []struct {
		name, ctype, body string
		status            int
		code              string
	}{
		{"not JSON", "application/json", `{"key":`, 400, "invalid_request"},
		{"form body", "application/x-www-form-urlencoded", "key=" + s.key, 415, "invalid_request"},
		{"unknown field", "application/json", `{"key":"` + s.key + `","instance_name":"a","admin":true}`, 400, "invalid_request"},
		{"not a key", "application/json", keyBody("hello", "instance_name", "a"), 400, "invalid_key"},
		{"NUL byte", "application/json", "{\"key\":\"" + s.key + "\",\"instance_name\":\"a\x00\"}", 400, "invalid_request"},
		{"no name", "application/json", keyBody(s.key), 400, "invalid_request"},
		{"long name", "application/json", keyBody(s.key, "instance_name", strings.Repeat("n", 201)), 400, "invalid_request"},
		{"unknown key", "application/json", keyBody(strings.Repeat("Z", 25), "instance_name", "a"), 404, "not_found"},
	}
	for _, c := range cases {
		status, out, err := s.call("activate", c.ctype, c.body)
		if err != nil || status != c.status {
			t.Fatalf("%s: %d %v (%v), want %d", c.name, status, out, err, c.status)
		}
		if e, _ := out["error"].(map[string]any); e == nil || e["code"] != c.code || e["message"] == "" {
			t.Fatalf("%s: %v, want code %s", c.name, out, c.code)
		}
	}
	if n := s.live(t); n != 0 {
		t.Fatalf("bad requests left %d activations", n)
	}
	// A store's host has no license API: its 404 page.
	req := httptest.NewRequest(http.MethodPost, "http://"+apptest.StoreHost(s.store.Slug)+"/api/v1/licenses/validate", strings.NewReader(keyBody(s.key)))
	req.Host, req.Header = apptest.StoreHost(s.store.Slug), http.Header{"Content-Type": {"application/json"}}
	if resp, body := s.e.Do(t, req); resp.StatusCode != http.StatusNotFound || body != s.e.NotFound(t, apptest.StoreHost(s.store.Slug)) {
		t.Fatalf("on a store's host: %d", resp.StatusCode)
	}
}

// One key asked about too often is limited, with Retry-After.
func TestTheLicenseAPIIsRateLimitedPerKey(t *testing.T) {
	s := sell(t, 1)
	for i := 0; i < licenses.PerKey; i++ {
		s.must(t, "validate", keyBody(s.key), http.StatusOK)
	}
	out := s.must(t, "validate", keyBody(s.key), http.StatusTooManyRequests)
	if out["error"].(map[string]any)["code"] != "rate_limited" {
		t.Fatalf("past the limit: %v", out)
	}
}

func FuzzParse(f *testing.F) {
	f.Add("ABCDE-FGHJK-MNPQR-STVWX-YZ012")
	f.Add("abcde fghjk mnpqr stvwx yz01l")
	f.Add("")
	f.Fuzz(func(t *testing.T, s string) {
		k, ok := licenses.Parse(s)
		if !ok {
			return
		}
		if k2, ok2 := licenses.Parse(k); !ok2 || k2 != k || len(k) != 29 {
			t.Fatalf("Parse(%q) = %q, which does not read back", s, k)
		}
	})
}

// The buyer sees their key in the library and frees an activation there;
// another buyer can neither see it nor free it.
func TestTheBuyerSeesTheKeyAndFreesAnActivationInTheLibrary(t *testing.T) {
	e := moneytest.New(t, testDB)
	store := e.Store(t, apptest.Unique("libkeys"))
	product := e.Product(t, store, "tool", catalog.Public)
	if _, err := e.DB.Primary.NewRaw(`UPDATE products SET license_keys = true, activation_limit = 2 WHERE id = ?`, product.ID).
		Exec(context.Background()); err != nil {
		t.Fatal(err)
	}
	buyer := e.NewBrowser()
	buyer.SignUp(t, apptest.Email("libkey"), "a long enough password", "Buyer")
	ck := e.OpenCheckout(t, buyer, store, product)
	e.Pay(t, ck, "pi_"+apptest.Unique("lib"))
	var order int64
	if err := e.DB.Primary.NewRaw(`SELECT id FROM orders WHERE tenant_id = ?`, store.ID).Scan(context.Background(), &order); err != nil {
		t.Fatal(err)
	}
	s := &sold{e: e, store: store, product: product, order: order, key: e.App.Licenses.Key(order, product.ID)}
	act := s.must(t, "activate", keyBody(s.key, "instance_name", "Studio iMac"), http.StatusCreated)
	inst := act["instance"].(map[string]any)["id"].(string)

	path := "/library/" + strconv.FormatInt(product.ID, 10)
	_, page := buyer.Get(t, "", path)
	if !strings.Contains(page, s.key) || !strings.Contains(page, "Studio iMac") || !strings.Contains(page, "Active on 1 of 2 instances") {
		t.Fatalf("the library page does not show the key and its activation:\n%s", page)
	}
	var keyID int64
	if err := e.DB.Primary.NewRaw(`SELECT id FROM license_keys WHERE order_id = ?`, order).Scan(context.Background(), &keyID); err != nil {
		t.Fatal(err)
	}
	free := path + "/keys/" + strconv.FormatInt(keyID, 10) + "/free"

	// Another buyer: the same 404 page as any unknown URL, nothing freed.
	other := e.NewBrowser()
	other.SignUp(t, apptest.Email("otherkey"), "a long enough password", "Other")
	if resp, body := moneytest.SendToken(t, other, http.MethodPost, apptest.Root, free, url.Values{"instance_id": {inst}}, false, other.CSRF(t, apptest.Root, "/library")); resp.StatusCode != http.StatusNotFound ||
		body != e.NotFound(t, "") {
		t.Fatalf("another buyer freeing it: %d", resp.StatusCode)
	}
	if _, page := other.Get(t, "", path); strings.Contains(page, s.key) {
		t.Fatal("another buyer sees the key")
	}
	if s.live(t) != 1 {
		t.Fatal("another buyer freed the activation")
	}

	resp, _ := moneytest.SendToken(t, buyer, http.MethodPost, apptest.Root, free, url.Values{"instance_id": {inst}}, false, buyer.CSRF(t, apptest.Root, path))
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != path+"?freed=1" {
		t.Fatalf("freeing: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	if s.live(t) != 0 {
		t.Fatal("the activation is still live")
	}
	if _, page := buyer.Get(t, "", path+"?freed=1"); !strings.Contains(page, "The activation is freed") || !strings.Contains(page, "Active on 0 of 2") {
		t.Fatal("the page does not say the activation was freed")
	}
}

// stripetestRefund is a full charge.refunded for s's order.
func stripetestRefund(s *sold) []byte {
	return stripetest.Event("evt_"+apptest.Unique("rf"), "charge.refunded", stripetest.Charge("ch_"+s.pi, s.pi, s.ck.Amount, s.ck.Amount))
}
