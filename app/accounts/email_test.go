package accounts_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/claro-market/claro/app/accounts"
	"github.com/claro-market/claro/app/config"
	"github.com/claro-market/claro/testkit/apptest"
)

// csrfValues are the per-browser CSRF tokens in a page, which differ
// between any two browsers and say nothing about the request.
var csrfValues = regexp.MustCompile(`(name="csrf-token" content=|name="_csrf" value=|"X-CSRF-Token": )"[^"]*"`)

// samePage is body with its CSRF tokens and the address it was asked about
// taken out: what two answers must share to say the same thing.
func samePage(body, email string) string {
	return strings.ReplaceAll(csrfValues.ReplaceAllString(body, `$1""`), email, "EMAIL")
}

// signUpAs posts the sign-up form from a fresh browser and returns the answer.
func signUpAs(t *testing.T, e *apptest.Env, email, pw string) (*http.Response, string) {
	t.Helper()
	b := e.NewBrowser()
	token := b.CSRF(t, "", "/signup")
	return b.PostForm(t, "", "/signup", url.Values{"_csrf": {token}, "email": {email}, "password": {pw}, "name": {"Someone"}})
}

// The audit: sign-up said "That email already has an account", so anyone
// could learn which addresses have accounts. Now a new and a taken address
// get the same page, status and cookies; only the mail tells them apart, and
// it goes to the address's owner. The taken account is left as it was.
func TestSignUpAnswersTheSameForANewAndATakenAddress(t *testing.T) {
	e := apptest.New(t, testDB)
	taken, fresh := apptest.Email("owner"), apptest.Email("newcomer")
	e.NewBrowser().SignUp(t, taken, password, "Owner")

	r1, b1 := signUpAs(t, e, taken, "another long password")
	r2, b2 := signUpAs(t, e, fresh, "another long password")
	if r1.StatusCode != http.StatusOK || r1.StatusCode != r2.StatusCode {
		t.Fatalf("taken: %d, new: %d", r1.StatusCode, r2.StatusCode)
	}
	if samePage(b1, taken) != samePage(b2, fresh) {
		t.Fatalf("the answers differ:\ntaken:\n%s\nnew:\n%s", b1, b2)
	}
	for _, r := range []*http.Response{r1, r2} {
		for _, c := range r.Cookies() {
			if c.Name == accounts.CookieName {
				t.Fatal("a sign-up started a session")
			}
		}
	}
	// The owner of the taken address hears that they have an account, with
	// no link that signs in; the new address gets its verification link.
	mail := e.Mail(t, taken)
	if len(mail) < 2 || !strings.Contains(mail[0].Subject, "You already have a Claro account") ||
		!strings.Contains(mail[0].Text, "/forgot") || len(apptest.Links(mail[0].Text, accounts.VerifyPath)) != 0 {
		t.Fatalf("mail to the taken address: %+v", mail[0])
	}
	if len(apptest.Links(e.Mail(t, fresh)[0].Text, accounts.VerifyPath)) != 1 {
		t.Fatal("no verification link to the new address")
	}
	// The second sign-up changed nothing: one account, its own password.
	if count(t, "users", "email = ?", taken) != 1 {
		t.Fatal("a second account with the taken address")
	}
	if resp, _ := signInFrom(t, e, "192.0.2.1", taken, "another long password"); resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("the second sign-up's password signs in to the owner's account: %d", resp.StatusCode)
	}
}

// expire makes the link at uri (a path with ?token=) past its expiry, as if
// its time had run out.
func expire(t *testing.T, uri string) {
	t.Helper()
	token := apptest.Query(t, uri, "token")
	if _, err := testDB.Primary.NewRaw(`UPDATE email_tokens SET expires_at = now() - interval '1 second' WHERE token_hash = ?`,
		accounts.HashToken(token)).Exec(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// doesNotWork fails unless opening uri answers the invalid-link page.
func doesNotWork(t *testing.T, b *apptest.Browser, what, uri string) {
	t.Helper()
	resp, body := b.Get(t, "", uri)
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "This link does not work") {
		t.Fatalf("%s: %d, want 400 and the invalid-link page", what, resp.StatusCode)
	}
	for _, c := range resp.Cookies() {
		if c.Name == accounts.CookieName && c.Value != "" {
			t.Fatalf("%s: a refused link started a session", what)
		}
	}
}

// emailForm posts form to path from a fresh browser.
func emailForm(t *testing.T, e *apptest.Env, path string, form url.Values) (*http.Response, string) {
	t.Helper()
	b := e.NewBrowser()
	form.Set("_csrf", b.CSRF(t, "", "/login"))
	return b.PostForm(t, "", path, form)
}

// Every emailed link works once, for its own purpose, until it expires:
// verification, sign-in and reset links alike.
func TestEmailLinksWorkOnceForTheirPurposeUntilTheyExpire(t *testing.T) {
	e := apptest.New(t, testDB)
	email := apptest.Email("links")
	e.NewBrowser().SignUpUnverified(t, email, password, "Links")
	verify := e.MailLink(t, email, accounts.VerifyPath)

	// A verification link is no sign-in or reset link.
	other := e.NewBrowser()
	doesNotWork(t, other, "a verify token as a sign-in link", accounts.SignInLinkPath+"?token="+apptest.Query(t, verify, "token"))
	doesNotWork(t, other, "a verify token as a reset link", accounts.ResetPath+"?token="+apptest.Query(t, verify, "token"))
	// Once, and only once.
	if resp, _ := e.NewBrowser().Get(t, "", verify); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("the verification link: %d", resp.StatusCode)
	}
	doesNotWork(t, other, "the verification link again", verify)

	emailForm(t, e, accounts.SignInLinkPath, url.Values{"email": {email}})
	signin := e.MailLink(t, email, accounts.SignInLinkPath)
	doesNotWork(t, other, "a sign-in token as a verification link", accounts.VerifyPath+"?token="+apptest.Query(t, signin, "token"))
	if resp, _ := e.NewBrowser().Get(t, "", signin); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("the sign-in link: %d", resp.StatusCode)
	}
	doesNotWork(t, other, "the sign-in link again", signin)

	emailForm(t, e, "/forgot", url.Values{"email": {email}})
	reset := e.MailLink(t, email, accounts.ResetPath)
	doesNotWork(t, other, "a reset token as a sign-in link", accounts.SignInLinkPath+"?token="+apptest.Query(t, reset, "token"))
	if resp, _ := other.Get(t, "", reset); resp.StatusCode != http.StatusOK {
		t.Fatalf("the reset form: %d", resp.StatusCode)
	}
	setPassword := func(b *apptest.Browser, uri, pw string) (*http.Response, string) {
		t.Helper()
		return b.PostForm(t, "", accounts.ResetPath, url.Values{"_csrf": {b.CSRF(t, "", "/forgot")}, "token": {apptest.Query(t, uri, "token")}, "password": {pw}})
	}
	if resp, _ := setPassword(other, reset, "the first new password"); resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/reset/done" {
		t.Fatalf("the reset: %d", resp.StatusCode)
	}
	if resp, _ := setPassword(e.NewBrowser(), reset, "a second new password"); resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("the reset link twice: %d, want 400", resp.StatusCode)
	}
	doesNotWork(t, other, "the spent reset link's form", reset)

	// Each kind of link stops working when its time is up.
	for _, c := range []struct{ path, ask string }{
		{accounts.SignInLinkPath, accounts.SignInLinkPath}, {accounts.ResetPath, "/forgot"},
	} {
		emailForm(t, e, c.ask, url.Values{"email": {email}})
		link := e.MailLink(t, email, c.path)
		expire(t, link)
		doesNotWork(t, other, "an expired "+c.path+" link", link)
	}
	late := apptest.Email("late")
	e.NewBrowser().SignUpUnverified(t, late, password, "Late")
	link := e.MailLink(t, late, accounts.VerifyPath)
	expire(t, link)
	doesNotWork(t, other, "an expired verification link", link)
	if count(t, "users", "email = ? AND email_verified_at IS NULL", late) != 1 {
		t.Fatal("an expired link verified the address")
	}
	for _, bad := range []string{"", "x", strings.Repeat("A", 43)} {
		doesNotWork(t, other, fmt.Sprintf("token %q", bad), accounts.VerifyPath+"?token="+bad)
	}
}

// A reset proves the mailbox, so it ends every session of the account (an
// attacker who registered the address first, or stole a session, is out)
// and voids the other reset links; the resetting browser is signed in
// afresh, and only the new password works.
func TestPasswordResetEndsEverySessionAndOtherResetLinks(t *testing.T) {
	e := apptest.New(t, testDB)
	email := apptest.Email("reset")
	first, second := e.NewBrowser(), e.NewBrowser()
	first.SignUp(t, email, password, "Reset")
	second.SignIn(t, email, password)
	emailForm(t, e, "/forgot", url.Values{"email": {email}})
	older := e.MailLink(t, email, accounts.ResetPath)
	emailForm(t, e, "/forgot", url.Values{"email": {email}})
	newer := e.MailLink(t, email, accounts.ResetPath)
	if older == newer {
		t.Fatal("two reset requests mailed the same link")
	}

	resetter := e.NewBrowser()
	resetter.SignIn(t, email, password) // even this browser's old session ends
	token := resetter.CSRF(t, "", newer)
	resp, body := resetter.PostForm(t, "", accounts.ResetPath, url.Values{"_csrf": {token}, "token": {apptest.Query(t, newer, "token")}, "password": {"a brand new password"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("reset: %d\n%s", resp.StatusCode, body)
	}
	if _, done := resetter.Get(t, "", resp.Header.Get("Location")); !strings.Contains(done, "Password changed") || !strings.Contains(done, "Sign out") {
		t.Fatalf("after the reset:\n%s", done)
	}
	if signedIn(t, first) || signedIn(t, second) {
		t.Fatal("a session from before the reset still signs in")
	}
	if !signedIn(t, resetter) {
		t.Fatal("the resetting browser is not signed in")
	}
	if n := count(t, "sessions", "user_id = (SELECT id FROM users WHERE email = ?)", email); n != 1 {
		t.Fatalf("%d sessions after the reset, want the new one only", n)
	}
	doesNotWork(t, e.NewBrowser(), "an older reset link after the reset", older)
	if resp, _ := signInFrom(t, e, "192.0.2.2", email, password); resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("the old password: %d, want 401", resp.StatusCode)
	}
	if resp, _ := signInFrom(t, e, "192.0.2.2", email, "a brand new password"); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("the new password: %d", resp.StatusCode)
	}
}

// "Forgot your password" and "email me a sign-in link" answer the same
// whether or not an account has the address, and send mail only to one.
func TestLinkRequestsAnswerTheSameForAnyAddress(t *testing.T) {
	e := apptest.New(t, testDB)
	known, unknown := apptest.Email("known"), apptest.Email("unknown")
	e.NewBrowser().SignUp(t, known, password, "Known")
	for _, path := range []string{"/forgot", accounts.SignInLinkPath} {
		r1, b1 := emailForm(t, e, path, url.Values{"email": {known}})
		r2, b2 := emailForm(t, e, path, url.Values{"email": {unknown}})
		if r1.StatusCode != http.StatusOK || r2.StatusCode != http.StatusOK || samePage(b1, known) != samePage(b2, unknown) {
			t.Fatalf("%s: known %d, unknown %d; the pages differ:\n%s\n%s", path, r1.StatusCode, r2.StatusCode, b1, b2)
		}
		if !strings.Contains(b1, "If an account has this address") {
			t.Fatalf("%s: not the uniform answer:\n%s", path, b1)
		}
	}
	if len(e.Mail(t, unknown)) != 0 {
		t.Fatal("mail went to an address with no account")
	}
	if len(e.Mail(t, known)) != 3 { // verification, reset, sign-in
		t.Fatalf("%d messages to the account's address, want 3", len(e.Mail(t, known)))
	}
	// A malformed address is refused, and says so.
	if resp, body := emailForm(t, e, "/forgot", url.Values{"email": {"not an address"}}); resp.StatusCode != http.StatusUnprocessableEntity ||
		!strings.Contains(body, "form-error") {
		t.Fatalf("a malformed address: %d", resp.StatusCode)
	}
}

// A sign-in link proves the mailbox: it signs in, verifies the address and
// goes on to the next the request carried, on this site only.
func TestSignInLinkSignsInAndVerifies(t *testing.T) {
	e := apptest.New(t, testDB)
	email := apptest.Email("magic")
	e.NewBrowser().SignUpUnverified(t, email, password, "Magic")
	resp, _ := emailForm(t, e, accounts.SignInLinkPath, url.Values{"email": {email}, "next": {"/library"}})
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("asking for a link: %d", resp.StatusCode)
	}
	b := e.NewBrowser()
	resp, _ = b.Get(t, "", e.MailLink(t, email, accounts.SignInLinkPath))
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/library" {
		t.Fatalf("the link: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if !signedIn(t, b) || count(t, "users", "email = ? AND email_verified_at IS NOT NULL", email) != 1 {
		t.Fatal("the sign-in link did not sign in and verify")
	}
	emailForm(t, e, accounts.SignInLinkPath, url.Values{"email": {email}, "next": {"//evil.example"}})
	if next := apptest.Query(t, e.MailLink(t, email, accounts.SignInLinkPath), "next"); next != "" {
		t.Fatalf("a sign-in link carries next=%q from an off-site next", next)
	}
}

// A signed-in user whose address is not verified sees a banner on every
// marketplace page, and its button mails a new link; verified users see none.
func TestUnverifiedUserSeesTheBannerAndResends(t *testing.T) {
	e := apptest.New(t, testDB)
	email := apptest.Email("banner")
	b := e.NewBrowser()
	b.SignUpUnverified(t, email, password, "Banner")
	b.SignIn(t, email, password)
	_, home := b.Get(t, "", "/")
	if !strings.Contains(home, `class="verify-banner"`) || !strings.Contains(home, `action="http://`+apptest.Root+accounts.ResendPath+`"`) {
		t.Fatalf("no banner with a resend button:\n%s", home)
	}
	before := len(e.Mail(t, email))
	resp, body := b.PostForm(t, "", accounts.ResendPath, url.Values{"_csrf": {b.CSRF(t, "", "/")}})
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "We sent a new link") || len(e.Mail(t, email)) != before+1 {
		t.Fatalf("resend: %d, %d messages (had %d)\n%s", resp.StatusCode, len(e.Mail(t, email)), before, body)
	}
	if resp, _ := b.Get(t, "", e.MailLink(t, email, accounts.VerifyPath)); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("the resent link: %d", resp.StatusCode)
	}
	if _, home := b.Get(t, "", "/"); strings.Contains(home, "verify-banner") {
		t.Fatal("the banner stays after verification")
	}
	// A verified user asking again is sent home, with nothing mailed.
	before = len(e.Mail(t, email))
	if resp, _ := b.PostForm(t, "", accounts.ResendPath, url.Values{"_csrf": {b.CSRF(t, "", "/")}}); resp.StatusCode != http.StatusSeeOther || len(e.Mail(t, email)) != before {
		t.Fatalf("resend when verified: %d", resp.StatusCode)
	}
}

// Mail is limited per address (silently: the answer must not tell whether
// an account exists) and per client address (a 429 that says when to try
// again), so nobody can flood an inbox or mail the world from one address.
func TestAccountMailIsThrottledPerAddressAndPerClient(t *testing.T) {
	e := apptest.New(t, testDB, func(c *config.Config) { c.TrustedProxies = []string{"0.0.0.0"} })
	email := apptest.Email("flooded")
	e.NewBrowser().SignUp(t, email, password, "Flooded")
	ask := func(ip, address string) (*http.Response, string) {
		b := e.NewBrowser()
		b.Header.Set("X-Forwarded-For", ip)
		return b.PostForm(t, "", "/forgot", url.Values{"_csrf": {b.CSRF(t, "", "/forgot")}, "email": {address}})
	}
	for i := range 8 {
		if resp, body := ask(fmt.Sprintf("198.51.100.%d", i+1), email); resp.StatusCode != http.StatusOK || !strings.Contains(body, "If an account has this address") {
			t.Fatalf("request %d: %d", i+1, resp.StatusCode)
		}
	}
	if n := len(e.Mail(t, email)); n != 5 { // the verification link and 4 of the 8 resets
		t.Fatalf("%d messages to one address in an hour, want 5 (its allowance)", n)
	}
	const client = "203.0.113.99"
	for i := range 20 {
		if resp, _ := ask(client, apptest.Email(fmt.Sprint("spray", i))); resp.StatusCode != http.StatusOK {
			t.Fatalf("request %d from one client: %d", i+1, resp.StatusCode)
		}
	}
	resp, body := ask(client, apptest.Email("spray-last"))
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" || !strings.Contains(body, "Try again in") {
		t.Fatalf("21st request from one client: %d, want 429 with Retry-After", resp.StatusCode)
	}
}
