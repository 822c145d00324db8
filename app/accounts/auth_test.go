package accounts_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/claro-market/claro/app/accounts"
	"github.com/claro-market/claro/app/config"
	"github.com/claro-market/claro/testkit/apptest"
)

const password = "a long enough password"

func count(t *testing.T, table, where string, args ...any) int {
	t.Helper()
	n, err := testDB.Primary.NewSelect().Table(table).Where(where, args...).Count(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func sessionCookie(t *testing.T, resp *http.Response) *http.Cookie {
	t.Helper()
	for _, c := range resp.Cookies() {
		if c.Name == accounts.CookieName {
			return c
		}
	}
	t.Fatal("no session cookie set")
	return nil
}

func TestSignUpCreatesTheAccountAndASession(t *testing.T) {
	e := apptest.New(t, testDB)
	b := e.NewBrowser()
	token := b.CSRF(t, "", "/signup")
	resp, _ := b.PostForm(t, "", "/signup", url.Values{"_csrf": {token}, "email": {"  New.Buyer@Example.COM "}, "password": {password}, "name": {"New Buyer"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("status %d", resp.StatusCode)
	}
	c := sessionCookie(t, resp)
	if !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Domain != apptest.Root || c.Path != "/" {
		t.Fatalf("session cookie attributes: %+v", c)
	}
	if count(t, "users", "email = ?", "new.buyer@example.com") != 1 {
		t.Fatal("user not stored with a normalised email")
	}
	// The raw token is never stored.
	if count(t, "sessions", "token_hash = ?", []byte(c.Value)) != 0 {
		t.Fatal("session token stored in clear")
	}
	// Signed in on the marketplace and on every store subdomain.
	_, page := b.Get(t, "", "/")
	if !strings.Contains(page, "Sign out") {
		t.Fatal("not signed in after sign-up")
	}
}

func TestSignUpRefusesBadInputAndChangesNothing(t *testing.T) {
	e := apptest.New(t, testDB)
	b := e.NewBrowser()
	b.SignUp(t, "taken@example.com", password, "Taken")
	before := count(t, "users", "true")
	cases := map[string]url.Values{
		"bad email":      {"email": {"not-an-email"}, "password": {password}, "name": {"X"}},
		"short password": {"email": {"short@example.com"}, "password": {"short"}, "name": {"X"}},
		"html name":      {"email": {"html@example.com"}, "password": {password}, "name": {"<script>alert(1)</script>"}},
		"taken email":    {"email": {"TAKEN@example.com"}, "password": {password}, "name": {"X"}},
	}
	for name, form := range cases {
		fresh := e.NewBrowser()
		form.Set("_csrf", fresh.CSRF(t, "", "/signup"))
		resp, body := fresh.PostForm(t, "", "/signup", form)
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "field-error") {
			t.Errorf("%s: status %d, want 422 with a message", name, resp.StatusCode)
		}
		if strings.Contains(body, "<script>alert(1)</script>") {
			t.Errorf("%s: input echoed unescaped", name)
		}
		if strings.Contains(body, password) {
			t.Errorf("%s: the password was echoed back", name)
		}
	}
	if after := count(t, "users", "true"); after != before {
		t.Fatalf("users %d -> %d after refused sign-ups", before, after)
	}
}

func TestSignInRotatesTheSessionAndSignOutEndsIt(t *testing.T) {
	e := apptest.New(t, testDB)
	b := e.NewBrowser()
	b.SignUp(t, "rotate@example.com", password, "Rotate")
	first := b.Jar.Cookies(&url.URL{Scheme: "http", Host: apptest.Root})[0].Value

	token := b.CSRF(t, "", "/login")
	resp, _ := b.PostForm(t, "", "/login", url.Values{"_csrf": {token}, "email": {"rotate@example.com"}, "password": {password}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign-in: %d", resp.StatusCode)
	}
	second := sessionCookie(t, resp).Value
	if second == first {
		t.Fatal("sign-in kept the old session token")
	}
	if count(t, "sessions", "token_hash = ?", accounts.HashToken(first)) != 0 {
		t.Fatal("the session replaced at sign-in is still live")
	}

	token = b.CSRF(t, "", "/")
	resp, _ = b.PostForm(t, "", "/logout", url.Values{"_csrf": {token}})
	if resp.StatusCode != http.StatusSeeOther || count(t, "sessions", "token_hash = ?", accounts.HashToken(second)) != 0 {
		t.Fatalf("sign-out: %d, session still stored", resp.StatusCode)
	}
}

func TestSignInErrorDoesNotRevealWhetherTheEmailExists(t *testing.T) {
	e := apptest.New(t, testDB)
	e.NewBrowser().SignUp(t, "exists@example.com", password, "Exists")
	answer := func(email string) (int, string) {
		b := e.NewBrowser()
		token := b.CSRF(t, "", "/login")
		resp, body := b.PostForm(t, "", "/login", url.Values{"_csrf": {token}, "email": {email}, "password": {"wrong password!"}})
		i := strings.Index(body, `class="form-error"`)
		return resp.StatusCode, body[i : i+strings.Index(body[i:], "</p>")]
	}
	s1, m1 := answer("exists@example.com")
	s2, m2 := answer("nobody-here@example.com")
	if s1 != http.StatusUnauthorized || s1 != s2 || m1 != m2 {
		t.Fatalf("known email: %d %q; unknown: %d %q", s1, m1, s2, m2)
	}
}

func TestTenFailuresFromTenAddressesThrottleTheAccount(t *testing.T) {
	e := apptest.New(t, testDB, func(c *config.Config) { c.TrustedProxies = []string{"0.0.0.0"} })
	e.NewBrowser().SignUp(t, "victim@example.com", password, "Victim")
	try := func(ip, pw string) *http.Response {
		b := e.NewBrowser()
		b.Header.Set("X-Forwarded-For", ip)
		token := b.CSRF(t, "", "/login")
		resp, _ := b.PostForm(t, "", "/login", url.Values{"_csrf": {token}, "email": {"victim@example.com"}, "password": {pw}})
		return resp
	}
	for i := range 10 {
		if resp := try(fmt.Sprintf("203.0.113.%d", i+1), "guess number "+fmt.Sprint(i)); resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("guess %d: %d", i, resp.StatusCode)
		}
	}
	resp := try("198.51.100.77", password)
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("11th attempt with the right password: %d, Retry-After %q; want 429", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	if sc := resp.Cookies(); len(sc) > 0 {
		for _, c := range sc {
			if c.Name == accounts.CookieName && c.Value != "" {
				t.Fatal("a throttled sign-in set a session")
			}
		}
	}
}

func TestNextParameterNeverLeavesTheSite(t *testing.T) {
	e := apptest.New(t, testDB)
	b := e.NewBrowser()
	b.SignUp(t, "next@example.com", password, "Next")
	for _, next := range []string{"//evil.example/x", "https://evil.example", "/\\evil.example", "/library"} {
		token := b.CSRF(t, "", "/login")
		resp, _ := b.PostForm(t, "", "/login", url.Values{"_csrf": {token}, "email": {"next@example.com"}, "password": {password}, "next": {next}})
		loc := resp.Header.Get("Location")
		if next == "/library" && loc != "/library" || next != "/library" && loc != "/" {
			t.Errorf("next=%q redirected to %q", next, loc)
		}
	}
}
