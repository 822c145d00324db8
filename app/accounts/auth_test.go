package accounts_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
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

func TestSignUpCreatesAnUnverifiedAccountAndItsLinkSignsIn(t *testing.T) {
	e := apptest.New(t, testDB)
	b := e.NewBrowser()
	token := b.CSRF(t, "", "/signup")
	email := apptest.Email("new.buyer")
	typed := "  " + strings.Replace(strings.Replace(email, "new.buyer", "New.Buyer", 1), "example.com", "Example.COM", 1) + " "
	resp, body := b.PostForm(t, "", "/signup", url.Values{"_csrf": {token}, "email": {typed}, "password": {password}, "name": {"New Buyer"}})
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "Check your inbox") {
		t.Fatalf("status %d\n%s", resp.StatusCode, body)
	}
	for _, c := range resp.Cookies() {
		if c.Name == accounts.CookieName {
			t.Fatal("sign-up started a session before the address was proved")
		}
	}
	if count(t, "users", "email = ? AND email_verified_at IS NULL", email) != 1 {
		t.Fatal("user not stored unverified with a normalised email")
	}
	// The verification link signs this browser in and verifies the address.
	resp, _ = b.Get(t, "", e.MailLink(t, email, accounts.VerifyPath))
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/" {
		t.Fatalf("verification link: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	c := sessionCookie(t, resp)
	if !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Domain != apptest.Root || c.Path != "/" {
		t.Fatalf("session cookie attributes: %+v", c)
	}
	if count(t, "users", "email = ? AND email_verified_at IS NOT NULL", email) != 1 {
		t.Fatal("the address is not verified after its link")
	}
	// The raw token is never stored.
	if count(t, "sessions", "token_hash = ?", []byte(c.Value)) != 0 {
		t.Fatal("session token stored in clear")
	}
	// Signed in on the marketplace, with no banner asking to confirm.
	_, page := b.Get(t, "", "/")
	if !strings.Contains(page, "Sign out") || strings.Contains(page, "verify-banner") {
		t.Fatal("not signed in, verified, after the verification link")
	}
}

func TestSignUpRefusesBadInputAndChangesNothing(t *testing.T) {
	e := apptest.New(t, testDB)
	b := e.NewBrowser()
	taken, short, html, bad := apptest.Email("taken"), apptest.Email("short"), apptest.Email("html"), apptest.Unique("not-an-email")
	b.SignUp(t, taken, password, "Taken")
	// Only this test's addresses are counted: other tests sign up at the same time.
	ours := func() int {
		return count(t, "users", "lower(email) IN (?, ?, ?, ?)", taken, short, html, bad)
	}
	before := ours()
	cases := map[string]url.Values{
		"bad email":      {"email": {bad}, "password": {password}, "name": {"X"}},
		"short password": {"email": {short}, "password": {"short"}, "name": {"X"}},
		"html name":      {"email": {html}, "password": {password}, "name": {"<script>alert(1)</script>"}},
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
	if after := ours(); after != before || before != 1 {
		t.Fatalf("users %d -> %d after refused sign-ups", before, after)
	}
}

func TestSignInRotatesTheSessionAndSignOutEndsIt(t *testing.T) {
	e := apptest.New(t, testDB)
	b := e.NewBrowser()
	email := apptest.Email("rotate")
	b.SignUp(t, email, password, "Rotate")
	first := b.Jar.Cookies(&url.URL{Scheme: "http", Host: apptest.Root})[0].Value

	token := b.CSRF(t, "", "/login")
	resp, _ := b.PostForm(t, "", "/login", url.Values{"_csrf": {token}, "email": {email}, "password": {password}})
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
	exists := apptest.Email("exists")
	e.NewBrowser().SignUp(t, exists, password, "Exists")
	answer := func(email string) (int, string) {
		b := e.NewBrowser()
		token := b.CSRF(t, "", "/login")
		resp, body := b.PostForm(t, "", "/login", url.Values{"_csrf": {token}, "email": {email}, "password": {"wrong password!"}})
		i := strings.Index(body, `class="form-error"`)
		return resp.StatusCode, body[i : i+strings.Index(body[i:], "</p>")]
	}
	s1, m1 := answer(exists)
	s2, m2 := answer(apptest.Email("nobody-here"))
	if s1 != http.StatusUnauthorized || s1 != s2 || m1 != m2 {
		t.Fatalf("known email: %d %q; unknown: %d %q", s1, m1, s2, m2)
	}
}

// signInFrom posts one sign-in from ip, in a fresh browser.
func signInFrom(t *testing.T, e *apptest.Env, ip, email, pw string) (*http.Response, string) {
	t.Helper()
	b := e.NewBrowser()
	b.Header.Set("X-Forwarded-For", ip)
	token := b.CSRF(t, "", "/login")
	return b.PostForm(t, "", "/login", url.Values{"_csrf": {token}, "email": {email}, "password": {pw}})
}

// throttled fails unless resp is a 429 with a Retry-After of a positive
// number of seconds, at most the sign-in window, a readable message and no
// session.
func throttled(t *testing.T, what string, resp *http.Response, body string) {
	t.Helper()
	secs, err := strconv.Atoi(resp.Header.Get("Retry-After"))
	if resp.StatusCode != http.StatusTooManyRequests || err != nil || secs < 1 || secs > 15*60+1 {
		t.Fatalf("%s: %d, Retry-After %q; want 429 with seconds to wait", what, resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	if !strings.Contains(body, "Too many attempts. Try again in") {
		t.Fatalf("%s: no message saying when to try again", what)
	}
	for _, c := range resp.Cookies() {
		if c.Name == accounts.CookieName && c.Value != "" {
			t.Fatalf("%s: a throttled sign-in set a session", what)
		}
	}
}

func TestTenFailuresFromTenAddressesLeaveTheOwnersPasswordWorking(t *testing.T) {
	e := apptest.New(t, testDB, func(c *config.Config) { c.TrustedProxies = []string{"0.0.0.0"} })
	victim := apptest.Email("victim")
	e.NewBrowser().SignUp(t, victim, password, "Victim")
	for i := range 10 {
		if resp, _ := signInFrom(t, e, fmt.Sprintf("203.0.113.%d", i+1), victim, "guess number "+fmt.Sprint(i)); resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("guess %d: %d", i, resp.StatusCode)
		}
	}
	resp, _ := signInFrom(t, e, "198.51.100.77", victim, password)
	if resp.StatusCode != http.StatusSeeOther || sessionCookie(t, resp).Value == "" {
		t.Fatalf("the owner's correct password from an eleventh address: %d, want a sign-in", resp.StatusCode)
	}
}

func TestOneAddressHammeringOneAccountIsThrottledNotTheOwner(t *testing.T) {
	e := apptest.New(t, testDB, func(c *config.Config) { c.TrustedProxies = []string{"0.0.0.0"} })
	victim := apptest.Email("hammered")
	e.NewBrowser().SignUp(t, victim, password, "Hammered")
	const attacker = "203.0.113.200"
	for i := range 5 {
		if resp, _ := signInFrom(t, e, attacker, victim, "guess number "+fmt.Sprint(i)); resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("guess %d: %d", i, resp.StatusCode)
		}
	}
	resp, body := signInFrom(t, e, attacker, victim, "guess number 5")
	throttled(t, "sixth guess from one address", resp, body)
	// Even the right password waits at that address: it cannot test guesses.
	resp, body = signInFrom(t, e, attacker, victim, password)
	throttled(t, "the right password from the throttled address", resp, body)
	// The owner, anywhere else, is not.
	if resp, _ := signInFrom(t, e, "198.51.100.78", victim, password); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("the owner from another address: %d, want a sign-in", resp.StatusCode)
	}
}

func TestOneAddressSprayingManyAccountsIsThrottledByAddress(t *testing.T) {
	e := apptest.New(t, testDB, func(c *config.Config) { c.TrustedProxies = []string{"0.0.0.0"} })
	const sprayer = "203.0.113.201"
	for i := range 30 {
		if resp, _ := signInFrom(t, e, sprayer, apptest.Email(fmt.Sprint("spray", i)), "one common password"); resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("attempt %d: %d", i, resp.StatusCode)
		}
	}
	resp, body := signInFrom(t, e, sprayer, apptest.Email("spray-last"), "one common password")
	throttled(t, "31st account from one address", resp, body)
	// An IPv6 client holds its whole /64: walking through it is one address.
	for i := range 30 {
		if resp, _ := signInFrom(t, e, fmt.Sprintf("2001:db8:1:2::%x", i+1), apptest.Email(fmt.Sprint("spray6-", i)), "one common password"); resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("IPv6 attempt %d: %d", i, resp.StatusCode)
		}
	}
	resp, body = signInFrom(t, e, "2001:db8:1:2:ffff::1", apptest.Email("spray6-last"), "one common password")
	throttled(t, "31st account from one IPv6 /64", resp, body)
	// Another address is not counted with it.
	if resp, _ := signInFrom(t, e, "198.51.100.79", apptest.Email("spray-other"), "one common password"); resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("another address: %d, want 401", resp.StatusCode)
	}
}

// redirectAttacks are the audit's open-redirect payloads and their relatives.
var redirectAttacks = []string{
	"/%09/x", "//x", "/\\x", "https://x", "/%5Cx", "/%2F/x", // the audit's
	"/\t/evil.example", "/%0d%0a/evil.example", "/%252F%252Fevil.example", "/.//evil.example",
	"javascript:alert(1)", "http:evil.example", "/%00/evil.example", "\\\\evil.example",
}

// landsOnSite fails unless loc, read the way a browser reads a Location
// (tab, CR and LF dropped, "\\" as "/"), is a path on host.
func landsOnSite(t *testing.T, what, next, host, loc, want string) {
	t.Helper()
	read := strings.ReplaceAll(strings.NewReplacer("\t", "", "\r", "", "\n", "").Replace(loc), `\`, "/")
	ref, err := url.Parse(read)
	if err != nil {
		t.Errorf("%s with next=%q: Location %q does not parse: %v", what, next, loc, err)
		return
	}
	u := (&url.URL{Scheme: "http", Host: host, Path: "/"}).ResolveReference(ref)
	if u.Host != host || !strings.HasPrefix(loc, "/") || strings.HasPrefix(loc, "//") || loc != want {
		t.Errorf("%s with next=%q: Location %q (goes to %v), want %q", what, next, loc, u, want)
	}
}

func TestNextParameterNeverLeavesTheSite(t *testing.T) {
	// Each sign-up comes from its own address, so the sign-up limit stays out of it.
	e := apptest.New(t, testDB, func(c *config.Config) { c.TrustedProxies = []string{"0.0.0.0"} })
	b := e.NewBrowser()
	email := apptest.Email("next")
	b.SignUp(t, email, password, "Next")
	host := apptest.Unique("next") + ".example"
	activeDomainStore(t, e, apptest.Unique("next-store"), host)
	cases := map[string]string{"/library": "/library", "/search?q=a%20b": "/search?q=a%20b"}
	for _, next := range redirectAttacks {
		cases[next] = "/"
	}
	i := 0
	for next, want := range cases {
		i++
		token := b.CSRF(t, "", "/login")
		resp, _ := b.PostForm(t, "", "/login", url.Values{"_csrf": {token}, "email": {email}, "password": {password}, "next": {next}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("sign-in with next=%q: %d", next, resp.StatusCode)
		}
		landsOnSite(t, "sign-in", next, apptest.Root, resp.Header.Get("Location"), want)

		// The sign-up's next rides in its verification link; a link whose
		// next was edited lands on the site all the same.
		fresh := e.NewBrowser()
		fresh.Header.Set("X-Forwarded-For", fmt.Sprintf("203.0.113.%d", i))
		signup := apptest.Email("next-signup")
		token = fresh.CSRF(t, "", "/signup?next="+url.QueryEscape(next))
		resp, _ = fresh.PostForm(t, "", "/signup", url.Values{"_csrf": {token}, "email": {signup},
			"password": {password}, "name": {"Next"}, "next": {next}})
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("sign-up with next=%q: %d", next, resp.StatusCode)
		}
		link := e.MailLink(t, signup, accounts.VerifyPath)
		if got := apptest.Query(t, link, "next"); got != want && !(got == "" && want == "/") {
			t.Errorf("sign-up with next=%q: the link carries next=%q, want %q", next, got, want)
		}
		resp, _ = fresh.Get(t, "", accounts.VerifyPath+"?"+url.Values{"token": {apptest.Query(t, link, "token")}, "next": {next}}.Encode())
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("verification with next=%q: %d", next, resp.StatusCode)
		}
		landsOnSite(t, "verification", next, apptest.Root, resp.Header.Get("Location"), want)

		resp = redeem(t, b, host, mint(t, b, host, next))
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("hand-off with next=%q: %d", next, resp.StatusCode)
		}
		landsOnSite(t, "hand-off", next, host, resp.Header.Get("Location"), want)
	}
}
