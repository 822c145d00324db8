package edge

import (
	"io"
	"log/slog"
	"net/http/httptest"
	"testing"

	"github.com/claro-market/claro/app/web"
	"github.com/claro-market/claro/tenants"
	"github.com/gofiber/fiber/v2"
)

// pageViews stands in for the html engine: the ask endpoint renders no page
// of its own, only the one 404 page.
type pageViews struct{}

func (pageViews) Load() error { return nil }
func (pageViews) Render(w io.Writer, name string, _ any, _ ...string) error {
	_, err := io.WriteString(w, "page "+name)
	return err
}

// askApp is the real middleware chain (tenant resolution first) with the ask
// endpoint registered, as app.New registers it.
func askApp(t *testing.T) *fiber.App {
	t.Helper()
	log := slog.New(slog.DiscardHandler)
	errs, err := web.NewErrorPages(pageViews{}, log)
	if err != nil {
		t.Fatal(err)
	}
	f := web.New(web.Options{Views: pageViews{}, Logger: log, Errors: errs})
	store := tenants.NewStore(testDB.Primary)
	web.Use(f, log, tenants.NewResolver(store, testRoot), errs, "")
	NewAskHandler(tenants.NewPolicy(store, testRoot, tenants.PolicyOptions{})).Routes(f)
	f.Use(func(c *fiber.Ctx) error { return errs.NotFound(c) })
	return f
}

func TestAskEndpointAnswersThePolicyTableOnTheRootDomainOnly(t *testing.T) {
	aliceAsk := uniq("alice-ask")
	pendingAsk := uniq("pending-ask")
	verifiedAsk := uniq("verified-ask")
	createStore(t, aliceAsk)
	addDomain(t, verifiedAsk, "shop."+verifiedAsk+".example", "verified")
	addDomain(t, pendingAsk, "shop."+pendingAsk+".example", "pending")
	app := askApp(t)
	cases := []struct {
		host, domain string
		status       int
	}{
		{"claro.test", "claro.test", 200},
		{"claro.test", "www.claro.test", 200},
		{"claro.test", aliceAsk + ".claro.test", 200},
		{"claro.test", "shop." + verifiedAsk + ".example", 200},
		{"claro.test", "shop." + pendingAsk + ".example", 404},
		{"claro.test", "nobody-ask.claro.test", 404},
		{"claro.test", "a." + aliceAsk + ".claro.test", 404},
		{"claro.test", "claro.test.evil.com", 404},
		{"claro.test", "203.0.113.7", 404},
		{"claro.test", "", 404},
		// Not served on a store's host, even for a name that is allowed.
		{aliceAsk + ".claro.test", aliceAsk + ".claro.test", 404},
		{"127.0.0.1:8080", aliceAsk + ".claro.test", 404},
		{"www.claro.test", aliceAsk + ".claro.test", 301},
	}
	for _, c := range cases {
		req := httptest.NewRequest("GET", "/internal/tls/allowed?domain="+c.domain, nil)
		req.Host = c.host
		resp, err := app.Test(req, -1)
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != c.status {
			t.Errorf("Host %s ?domain=%s: %d, want %d", c.host, c.domain, resp.StatusCode, c.status)
		}
	}
}
