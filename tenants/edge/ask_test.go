package edge

import (
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/claro-market/claro/tenants"
	"github.com/gofiber/fiber/v2"
)

// The endpoint answers the policy's table; that it is served on the
// marketplace host only is the app's route table's rule, tested in app.
func TestAskEndpointAnswersThePolicyTable(t *testing.T) {
	// Names of their own on every run, so the test passes repeated.
	n := strconv.FormatInt(time.Now().UnixNano(), 36)
	alice, verified, pending := "alice-ask-"+n, "shop.verified-ask-"+n+".example", "shop.pending-ask-"+n+".example"
	createStore(t, alice)
	addDomain(t, "verified-ask-"+n, verified, "verified")
	addDomain(t, "pending-ask-"+n, pending, "pending")
	app := fiber.New(fiber.Config{DisableStartupMessage: true})
	app.Get("/internal/tls/allowed", Ask(tenants.NewPolicy(tenants.NewStore(testDB.Primary), testRoot, tenants.PolicyOptions{})))
	cases := []struct {
		domain string
		status int
	}{
		{"claro.test", 200},
		{"www.claro.test", 200},
		{alice + ".claro.test", 200},
		{verified, 200},
		{pending, 404},
		{"nobody-ask-" + n + ".claro.test", 404},
		{"a." + alice + ".claro.test", 404},
		{"claro.test.evil.com", 404},
		{"203.0.113.7", 404},
		{"", 404},
	}
	for _, c := range cases {
		req := httptest.NewRequest("GET", "/internal/tls/allowed?domain="+c.domain, nil)
		resp, err := app.Test(req, -1)
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != c.status {
			t.Errorf("?domain=%s: %d, want %d", c.domain, resp.StatusCode, c.status)
		}
		if c.status == 200 && resp.Header.Get("Cache-Control") != "no-store" {
			t.Errorf("?domain=%s: Cache-Control %q, want no-store", c.domain, resp.Header.Get("Cache-Control"))
		}
	}
}
