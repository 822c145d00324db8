package web_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/claro-market/claro/testkit/dbtest"

	"github.com/claro-market/claro/testkit/apptest"
)

var testDB *dbtest.Database

func TestMain(m *testing.M) { os.Exit(dbtest.Main(m, &testDB)) }

func post(t *testing.T, b *apptest.Browser, host, path string, form url.Values, headers map[string]string) int {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, "http://"+host+path, strings.NewReader(form.Encode()))
	req.Host = host
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, _ := b.Do(t, req)
	return resp.StatusCode
}

func TestCSRFTokensAreBoundToSessionAndHost(t *testing.T) {
	e := apptest.New(t, testDB)
	alice := apptest.StoreHost(e.Store(t, apptest.Unique("csrf-alice")).Slug)
	bob := apptest.StoreHost(e.Store(t, apptest.Unique("csrf-bob")).Slug)
	b := e.NewBrowser()
	b.SignUp(t, apptest.Email("csrf"), "a long enough password", "C")
	tokAlice := b.CSRF(t, alice, "/")
	tokRoot := b.CSRF(t, "", "/")
	if tokAlice == tokRoot {
		t.Fatal("one token for two hosts")
	}

	// /logout is a real state-changing route on the marketplace.
	cases := []struct {
		name    string
		host    string
		form    url.Values
		headers map[string]string
		want    int
	}{
		{"no token", apptest.Root, url.Values{}, nil, http.StatusForbidden},
		{"wrong token", apptest.Root, url.Values{"_csrf": {"AAAA"}}, nil, http.StatusForbidden},
		{"a store's token on the marketplace", apptest.Root, url.Values{"_csrf": {tokAlice}}, nil, http.StatusForbidden},
		{"token from another origin", apptest.Root, url.Values{"_csrf": {tokRoot}}, map[string]string{"Origin": "http://" + bob}, http.StatusForbidden},
		{"referer from another origin", apptest.Root, url.Values{"_csrf": {tokRoot}}, map[string]string{"Referer": "http://" + bob + "/x"}, http.StatusForbidden},
		{"null origin", apptest.Root, url.Values{"_csrf": {tokRoot}}, map[string]string{"Origin": "null"}, http.StatusForbidden},
		{"same-site is not enough", apptest.Root, url.Values{}, map[string]string{"Sec-Fetch-Site": "same-site", "Origin": "http://" + bob}, http.StatusForbidden},
	}
	for _, c := range cases {
		if got := post(t, b, c.host, "/logout", c.form, c.headers); got != c.want {
			t.Errorf("%s: status %d, want %d", c.name, got, c.want)
		}
	}
	// Still signed in: none of those requests signed us out.
	if _, page := b.Get(t, "", "/"); !strings.Contains(page, "Sign out") {
		t.Fatal("a refused request changed state")
	}
	// The htmx header is accepted, with a same-origin Origin.
	if got := post(t, b, apptest.Root, "/logout", url.Values{}, map[string]string{"X-CSRF-Token": tokRoot, "Origin": "http://" + apptest.Root}); got != http.StatusSeeOther {
		t.Fatalf("X-CSRF-Token header: status %d, want 303", got)
	}
}

func TestAnonymousTokensAreBoundToTheVisitorCookie(t *testing.T) {
	e := apptest.New(t, testDB)
	mallory := e.NewBrowser()
	tok := mallory.CSRF(t, "", "/login")
	victim := e.NewBrowser()
	victim.CSRF(t, "", "/login") // the victim has their own visitor cookie
	form := url.Values{"_csrf": {tok}, "email": {"x@example.com"}, "password": {"whatever password"}}
	if got := post(t, victim, apptest.Root, "/login", form, nil); got != http.StatusForbidden {
		t.Fatalf("another visitor's token accepted: %d", got)
	}
}
