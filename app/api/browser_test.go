package api_test

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/claro-market/claro/app/apitokens"
	"github.com/claro-market/claro/app/config"
	"github.com/claro-market/claro/testkit/apptest"
	"github.com/claro-market/claro/testkit/browsertest"
	"github.com/claro-market/claro/testkit/moneytest"
)

// The owner makes a token on the dashboard's page, sees it once (with its
// copy button), uses it, and revokes it; the page fits a desktop window
// and a phone, the new token included.
func TestTheTokensPageInBrowser(t *testing.T) {
	ln, root := browsertest.Listen(t)
	e := moneytest.New(t, testDB, func(c *config.Config) { c.RootDomain = root })
	store := e.Store(t, apptest.Unique("tokensb"))
	email := apptest.Email("towner")
	browsertest.Start(t, e.App.Fiber, ln)
	b := browsertest.NewPage(t, browsertest.Chromium(t))
	market := "http://" + root
	b.SignUp(market, "Token Owner", email, pw, func() string { return e.MailLink(t, email, "/verify") })
	member(t, e, store, email, "owner")
	apiCall := func(token string) int {
		req := httptest.NewRequest(http.MethodGet, "http://"+root+"/api/v1/sales", nil)
		req.Host = root
		req.Header.Set("Authorization", "Bearer "+token)
		resp, _ := e.Do(t, req)
		return resp.StatusCode
	}

	page := market + "/dashboard/s/" + store.Slug + "/tokens"
	b.Must("a desktop window", chromedp.EmulateViewport(1280, 800))
	b.Open(page)
	b.WaitFor("the empty list and the form", `document.body.innerText.includes("No tokens yet") && !!document.querySelector('form[action$="/tokens"] input[name="name"]')`)
	b.WaitFor("the page fitting 1280 px", browsertest.Fits(1280))
	// No name: refused with the reason, nothing made.
	b.Must("submit without a name", chromedp.Click(chromedp.CSS(`form[action$="/tokens"] button[type="submit"]`)))
	b.WaitFor("the name's error", `document.body.innerText.includes("Name the token")`)
	if n := e.Count(t, "api_tokens WHERE tenant_id = ?", store.ID); n != 0 {
		t.Fatalf("%d tokens made by a refused form", n)
	}
	b.Must("name the token and add sales:read",
		chromedp.SendKeys(chromedp.CSS(`form[action$="/tokens"] input[name="name"]`), "Bookkeeping export"),
		chromedp.Click(chromedp.CSS(`input[name="scope"][value="sales:read"]`)),
		chromedp.Click(chromedp.CSS(`form[action$="/tokens"] button[type="submit"]`)))
	b.WaitFor("the new token, shown once", `!!document.querySelector('#token-secret') && document.body.innerText.includes("Copy it now")`)
	token, err := b.Text(`document.querySelector('#token-secret').innerText`)
	if err != nil || !apitokens.WellFormed(token) {
		t.Fatalf("the token shown: %q %v", token, err)
	}
	b.WaitFor("the copy button and the listed token", `!!document.querySelector('button[data-copy^="claro_pat_"]') &&
		document.querySelector('table.api-tokens').innerText.includes("Bookkeeping export") &&
		document.querySelector('table.api-tokens').innerText.includes("sales:read") &&
		document.querySelector('table.api-tokens').innerText.includes("never")`)
	b.WaitFor("the page with the token fitting 1280 px", browsertest.Fits(1280))
	b.Must("a phone-sized window", chromedp.EmulateViewport(360, 740))
	b.WaitFor("the page with the token fitting 360 px", browsertest.Fits(360))
	if got := apiCall(token); got != http.StatusOK {
		t.Fatalf("the new token's call: %d", got)
	}

	// Opened again, the page lists the token by its last four only, now used.
	b.Open(page)
	b.WaitFor("the token listed, used, not shown", `!document.querySelector('#token-secret') && !document.body.innerText.includes(`+strconv.Quote(token)+`) &&
		document.body.innerText.includes("…`+token[len(token)-4:]+`") && !document.querySelector('table.api-tokens').innerText.includes("never")`)
	b.WaitFor("the list fitting 360 px", browsertest.Fits(360))
	b.Must("revoke", chromedp.Click(chromedp.CSS(`form[action$="/revoke"] button`)))
	b.WaitFor("the revoked notice", `document.body.innerText.includes("The token is revoked") && document.querySelector('table.api-tokens').innerText.includes("revoked")`)
	b.WaitFor("the revoked list fitting 360 px", browsertest.Fits(360))
	b.Must("a desktop window", chromedp.EmulateViewport(1280, 800))
	b.WaitFor("the revoked list fitting 1280 px", browsertest.Fits(1280))
	if got := apiCall(token); got != http.StatusUnauthorized {
		t.Fatalf("the revoked token's call: %d", got)
	}
	if html, _ := b.Text(`document.documentElement.outerHTML`); strings.Contains(html, token) {
		t.Fatal("the revoked page still holds the token")
	}
}
