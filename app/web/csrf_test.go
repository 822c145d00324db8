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

// An anonymous write carries no token: it is checked by where it comes from.
// A cross-site or sibling-store (same-site) POST is refused and changes
// nothing; the same form from the page itself, or from no browser at all
// (no Sec-Fetch-Site, no Origin), goes through. No visitor cookie is set.
func TestAnonymousWritesAreCheckedByTheirOrigin(t *testing.T) {
	e := apptest.New(t, testDB)
	bob := apptest.StoreHost(e.Store(t, apptest.Unique("csrf-sibling")).Slug)
	email, pw := apptest.Email("csrf-anon"), "a long enough password"
	e.NewBrowser().SignUp(t, email, pw, "Anon")
	victim := e.NewBrowser()
	resp, page := victim.Get(t, "", "/login")
	if strings.Contains(page, `name="csrf-token"`) || strings.Contains(page, "X-CSRF-Token") {
		t.Fatal("an anonymous page carries a CSRF token")
	}
	if c := resp.Header.Values("Set-Cookie"); len(c) != 0 {
		t.Fatalf("an anonymous page set cookies: %v", c)
	}
	form := url.Values{"email": {email}, "password": {pw}}
	for _, c := range []struct {
		name    string
		headers map[string]string
	}{
		{"cross-site", map[string]string{"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"}},
		{"cross-site, no Origin", map[string]string{"Sec-Fetch-Site": "cross-site"}},
		{"a sibling store (same-site)", map[string]string{"Sec-Fetch-Site": "same-site", "Origin": "http://" + bob}},
		{"same-site, no Origin", map[string]string{"Sec-Fetch-Site": "same-site"}},
		{"an older browser, from a sibling store", map[string]string{"Origin": "http://" + bob}},
		{"null origin", map[string]string{"Origin": "null"}},
		{"same-origin, but the Referer names another host", map[string]string{"Sec-Fetch-Site": "same-origin", "Referer": "http://" + bob + "/x"}},
	} {
		if got := post(t, victim, apptest.Root, "/login", form, c.headers); got != http.StatusForbidden {
			t.Errorf("%s: status %d, want 403", c.name, got)
		}
	}
	if _, page := victim.Get(t, "", "/"); strings.Contains(page, "Sign out") {
		t.Fatal("a refused sign-in signed the visitor in")
	}
	// The form as the browser sends it from the page itself signs in.
	if got := post(t, victim, apptest.Root, "/login", form, map[string]string{"Sec-Fetch-Site": "same-origin", "Origin": "http://" + apptest.Root}); got != http.StatusSeeOther {
		t.Fatalf("same-origin sign-in: status %d, want 303", got)
	}
	// A client that is no browser (neither header) is let through.
	other := e.NewBrowser()
	if got := post(t, other, apptest.Root, "/login", form, nil); got != http.StatusSeeOther {
		t.Fatalf("sign-in without Fetch Metadata or Origin: status %d, want 303", got)
	}
}
