package edge

import (
	"net/http/httptest"
	"testing"

	"github.com/claro-market/claro/tenants"
	"github.com/gofiber/fiber/v2"
)

// The endpoint answers the policy's table; that it is served on the
// marketplace host only is the app's route table's rule, tested in app.
func TestAskEndpointAnswersThePolicyTable(t *testing.T) {
	createStore(t, "alice-ask")
	addDomain(t, "verified-ask", "shop.verified-ask.example", "verified")
	addDomain(t, "pending-ask", "shop.pending-ask.example", "pending")
	app := fiber.New(fiber.Config{DisableStartupMessage: true})
	app.Get("/internal/tls/allowed", Ask(tenants.NewPolicy(tenants.NewStore(testDB.Primary), testRoot, tenants.PolicyOptions{})))
	cases := []struct {
		domain string
		status int
	}{
		{"claro.test", 200},
		{"www.claro.test", 200},
		{"alice-ask.claro.test", 200},
		{"shop.verified-ask.example", 200},
		{"shop.pending-ask.example", 404},
		{"nobody-ask.claro.test", 404},
		{"a.alice-ask.claro.test", 404},
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
