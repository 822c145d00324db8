package accounts_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/claro-market/claro/app/accounts"
	"github.com/claro-market/claro/app/config"
	"github.com/claro-market/claro/testkit/apptest"
)

const (
	firefoxWindows = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0"
	safariIPhone   = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
)

// proxied is an app that believes X-Forwarded-For from the test client, so
// each browser can sign in from an address of its own.
func proxied(t *testing.T) *apptest.Env {
	return apptest.New(t, testDB, func(c *config.Config) { c.TrustedProxies = []string{"0.0.0.0"} })
}

// browserAt is a fresh browser that sends ip and userAgent with every request.
func browserAt(e *apptest.Env, ip, userAgent string) *apptest.Browser {
	b := e.NewBrowser()
	b.Header.Set("X-Forwarded-For", ip)
	b.Header.Set("User-Agent", userAgent)
	return b
}

// signIn signs b in through the real form.
func signIn(t *testing.T, b *apptest.Browser, email, pw string) {
	t.Helper()
	token := b.CSRF(t, "", "/login")
	if resp, body := b.PostForm(t, "", "/login", url.Values{"_csrf": {token}, "email": {email}, "password": {pw}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign-in: %d\n%s", resp.StatusCode, body)
	}
}

// signedIn reports whether b's session still opens the account page.
func signedIn(t *testing.T, b *apptest.Browser) bool {
	t.Helper()
	resp, _ := b.Get(t, "", "/account")
	switch {
	case resp.StatusCode == http.StatusOK:
		return true
	case resp.StatusCode == http.StatusSeeOther && strings.HasPrefix(resp.Header.Get("Location"), "/login"):
		return false
	}
	t.Fatalf("GET /account: %d", resp.StatusCode)
	return false
}

// post sends form to path with b's CSRF token from the account page.
func post(t *testing.T, b *apptest.Browser, path string, form url.Values) (*http.Response, string) {
	t.Helper()
	if form == nil {
		form = url.Values{}
	}
	form.Set("_csrf", b.CSRF(t, "", "/account"))
	return b.PostForm(t, "", path, form)
}

func userID(t *testing.T, email string) int64 {
	t.Helper()
	var id int64
	if err := testDB.Primary.NewRaw(`SELECT id FROM users WHERE email = ?`, email).Scan(context.Background(), &id); err != nil {
		t.Fatal(err)
	}
	return id
}

// sessionIDs are the user's session ids, oldest first.
func sessionIDs(t *testing.T, uid int64) []int64 {
	t.Helper()
	var ids []int64
	if err := testDB.Primary.NewRaw(`SELECT id FROM sessions WHERE user_id = ? ORDER BY id`, uid).Scan(context.Background(), &ids); err != nil {
		t.Fatal(err)
	}
	return ids
}

// fingerprint is the user's row and sessions, to prove a refused request
// changed nothing.
func fingerprint(t *testing.T, uid int64) string {
	t.Helper()
	var s string
	if err := testDB.Primary.NewRaw(`SELECT md5((SELECT u::text FROM users u WHERE id = ?) ||
		coalesce((SELECT string_agg(s::text, '|' ORDER BY id) FROM sessions s WHERE user_id = ?), ''))`, uid, uid).Scan(context.Background(), &s); err != nil {
		t.Fatal(err)
	}
	return s
}

func TestAccountSettingsAreForSignedInUsersOnly(t *testing.T) {
	e := apptest.New(t, testDB)
	visitor := e.NewBrowser()
	resp, _ := visitor.Get(t, "", "/account")
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/login?next=/account" {
		t.Fatalf("visitor: %d %q, want 303 to sign in", resp.StatusCode, resp.Header.Get("Location"))
	}
	for _, path := range []string{"/account/profile", "/account/password", "/account/sessions/1/sign-out", "/account/sessions/sign-out-others"} {
		token := visitor.CSRF(t, "", "/login")
		resp, _ := visitor.PostForm(t, "", path, url.Values{"_csrf": {token}, "name": {"Nobody"}})
		if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/login") {
			t.Errorf("visitor POST %s: %d, want 303 to sign in", path, resp.StatusCode)
		}
	}
	// The settings live on the marketplace only: a store's host has none.
	owner := e.NewBrowser()
	owner.SignUp(t, apptest.Email("settings-host"), password, "Host Test")
	store := e.Store(t, apptest.Unique("settings-store"))
	if resp, _ := owner.Get(t, apptest.StoreHost(store.Slug), "/account"); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("GET /account on a storefront: %d, want 404", resp.StatusCode)
	}
}

func TestTheMarketplaceHeaderLinksToTheAccountWhenSignedIn(t *testing.T) {
	e := apptest.New(t, testDB)
	b := e.NewBrowser()
	if _, page := b.Get(t, "", "/"); strings.Contains(page, `/account"`) {
		t.Fatal("a visitor's header links to an account")
	}
	b.SignUp(t, apptest.Email("header"), password, "Header Test")
	if _, page := b.Get(t, "", "/"); !strings.Contains(page, `<a href="http://`+apptest.Root+`/account">Account</a>`) {
		t.Fatal("the signed-in header has no Account link")
	}
}

func TestProfileNameIsCheckedLikeSignUpAndSaved(t *testing.T) {
	e := apptest.New(t, testDB)
	b := e.NewBrowser()
	email := apptest.Email("profile")
	b.SignUp(t, email, password, "First Name")
	uid := userID(t, email)
	before := fingerprint(t, uid)
	for name, bad := range map[string]string{"empty": "   ", "too long": strings.Repeat("n", 81), "html": "<b>Bold</b>"} {
		resp, body := post(t, b, "/account/profile", url.Values{"name": {bad}})
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "Enter your name (up to 80 characters, no &lt; or &gt;).") {
			t.Errorf("%s: %d, want 422 with sign-up's message", name, resp.StatusCode)
		}
		if strings.Contains(body, "<b>Bold</b>") {
			t.Errorf("%s: the input was echoed unescaped", name)
		}
	}
	if fingerprint(t, uid) != before {
		t.Fatal("a refused name changed the account")
	}
	resp, _ := post(t, b, "/account/profile", url.Values{"name": {"  Ada Lovelace "}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/account?done=profile" {
		t.Fatalf("good name: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	_, page := b.Get(t, "", "/account?done=profile")
	if !strings.Contains(page, "Your name is saved.") || !strings.Contains(page, `value="Ada Lovelace"`) {
		t.Fatal("no confirmation, or the saved name is not shown")
	}
	var name string
	if err := testDB.Primary.NewRaw(`SELECT name FROM users WHERE id = ?`, uid).Scan(context.Background(), &name); err != nil || name != "Ada Lovelace" {
		t.Fatalf("stored name %q, %v", name, err)
	}
}

func TestChangingThePasswordEndsEveryOtherSessionAndKeepsThisOne(t *testing.T) {
	e := apptest.New(t, testDB)
	email := apptest.Email("changer")
	here, laptop, phone := e.NewBrowser(), e.NewBrowser(), e.NewBrowser()
	here.SignUp(t, email, password, "Changer")
	signIn(t, laptop, email, password)
	signIn(t, phone, email, password)
	// Someone else's session must survive: only this account's sessions end.
	bystander := e.NewBrowser()
	bystander.SignUp(t, apptest.Email("bystander"), password, "Bystander")
	uid := userID(t, email)
	// Links made before the change: a reset or sign-in link would let
	// whoever took the old password back in; a verify link proves only the
	// address and stays good.
	tokens := accounts.NewTokens(testDB.Primary)
	issued := map[accounts.Purpose]string{}
	for _, p := range []accounts.Purpose{accounts.PurposeReset, accounts.PurposeSignIn, accounts.PurposeVerify} {
		tok, err := tokens.Issue(context.Background(), accounts.Token{Purpose: p, UserID: uid, Email: email}, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		issued[p] = tok
	}
	nonce, state, err := accounts.NewBrowserNonce()
	if err != nil {
		t.Fatal(err)
	}
	browser, _ := accounts.ParseState(state)
	handoff, err := accounts.NewHandoffs(testDB.Primary).Mint(context.Background(), uid, "shop.example.com", "/", browser)
	if err != nil {
		t.Fatal(err)
	}
	before := fingerprint(t, uid)

	const next = "a brand new password"
	for name, c := range map[string]struct {
		form url.Values
		msg  string
	}{
		"no current":     {url.Values{"new_password": {next}, "repeat_password": {next}}, "Enter your current password."},
		"wrong current":  {url.Values{"current_password": {"not my password"}, "new_password": {next}, "repeat_password": {next}}, "That is not your current password."},
		"short new":      {url.Values{"current_password": {password}, "new_password": {"short"}, "repeat_password": {"short"}}, "Use a password of 10 to 256 characters."},
		"too long new":   {url.Values{"current_password": {password}, "new_password": {strings.Repeat("p", 257)}, "repeat_password": {strings.Repeat("p", 257)}}, "Use a password of 10 to 256 characters."},
		"repeat differs": {url.Values{"current_password": {password}, "new_password": {next}, "repeat_password": {next + "!"}}, "The two new passwords are not the same."},
	} {
		resp, body := post(t, here, "/account/password", c.form)
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, c.msg) {
			t.Errorf("%s: %d, want 422 with %q", name, resp.StatusCode, c.msg)
		}
		if strings.Contains(body, password) || strings.Contains(body, next) {
			t.Errorf("%s: a password was written back into the page", name)
		}
	}
	if fingerprint(t, uid) != before || !signedIn(t, laptop) || !signedIn(t, phone) {
		t.Fatal("a refused password change changed the account or its sessions")
	}

	resp, _ := post(t, here, "/account/password", url.Values{"current_password": {password}, "new_password": {next}, "repeat_password": {next}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/account?done=password" {
		t.Fatalf("change: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if _, page := here.Get(t, "", "/account?done=password"); !strings.Contains(page, "Password changed.") {
		t.Fatal("no confirmation after the change")
	}
	if !signedIn(t, here) {
		t.Fatal("the browser that changed the password was signed out")
	}
	if signedIn(t, laptop) || signedIn(t, phone) {
		t.Fatal("another session of the account survived the password change")
	}
	if len(sessionIDs(t, uid)) != 1 {
		t.Fatalf("sessions left: %v, want only this browser's", sessionIDs(t, uid))
	}
	if !signedIn(t, bystander) {
		t.Fatal("another account's session ended")
	}
	for p, tok := range issued {
		_, err := tokens.Redeem(context.Background(), p, tok)
		if dead := errors.Is(err, accounts.ErrTokenInvalid); dead != (p != accounts.PurposeVerify) {
			t.Errorf("a %s link after the change: %v", p, err)
		}
	}
	if _, _, err := accounts.NewHandoffs(testDB.Primary).Redeem(context.Background(), handoff, "shop.example.com", nonce); !errors.Is(err, accounts.ErrHandoffInvalid) {
		t.Errorf("a hand-off minted before the change still works: %v", err)
	}
	// The old password is dead, the new one works.
	token := laptop.CSRF(t, "", "/login")
	if resp, _ := laptop.PostForm(t, "", "/login", url.Values{"_csrf": {token}, "email": {email}, "password": {password}}); resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("old password: %d, want 401", resp.StatusCode)
	}
	signIn(t, laptop, email, next)
}

// A stolen session must not become a way to guess the account's password:
// wrong current passwords are limited per account, and the right one is
// refused too while the limit holds.
func TestWrongCurrentPasswordsAreThrottled(t *testing.T) {
	e := apptest.New(t, testDB)
	b := e.NewBrowser()
	email := apptest.Email("guesser")
	b.SignUp(t, email, password, "Guesser")
	uid := userID(t, email)
	before := fingerprint(t, uid)
	const next = "another new password"
	for i := range 5 {
		resp, _ := post(t, b, "/account/password", url.Values{"current_password": {fmt.Sprint("guess ", i)}, "new_password": {next}, "repeat_password": {next}})
		if resp.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("guess %d: %d, want 422", i, resp.StatusCode)
		}
	}
	resp, body := post(t, b, "/account/password", url.Values{"current_password": {password}, "new_password": {next}, "repeat_password": {next}})
	if resp.StatusCode != http.StatusTooManyRequests || !strings.Contains(body, "Too many attempts. Try again in") {
		t.Fatalf("after five wrong guesses: %d, want 429 with a message", resp.StatusCode)
	}
	if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err != nil || s <= 0 || s > 15*60+1 {
		t.Fatalf("Retry-After %q", resp.Header.Get("Retry-After"))
	}
	if fingerprint(t, uid) != before {
		t.Fatal("a throttled change changed the account")
	}
}

func TestTheSessionListShowsDeviceAddressTimesAndThisBrowser(t *testing.T) {
	e := proxied(t)
	email := apptest.Email("lister")
	here := browserAt(e, "198.51.100.10", firefoxWindows)
	here.SignUp(t, email, password, "Lister")
	phone := browserAt(e, "203.0.113.20", safariIPhone)
	signIn(t, phone, email, password)

	_, page := here.Get(t, "", "/account")
	ids := sessionIDs(t, userID(t, email))
	if len(ids) != 2 {
		t.Fatalf("sessions %v", ids)
	}
	item := func(id int64) string {
		m := regexp.MustCompile(`(?s)<li class="session-item" data-session-id="` + fmt.Sprint(id) + `">(.*?)</li>`).FindStringSubmatch(page)
		if m == nil {
			t.Fatalf("session %d is not listed", id)
		}
		return m[1]
	}
	mine, theirs := item(ids[0]), item(ids[1])
	for _, want := range []string{"Firefox on Windows", "198.51.100.10", "This browser", "Signed in ", "last used "} {
		if !strings.Contains(mine, want) {
			t.Errorf("this browser's row lacks %q:\n%s", want, mine)
		}
	}
	if strings.Contains(mine, "/sign-out") {
		t.Error("this browser's row offers to sign out by id; the header does that")
	}
	for _, want := range []string{"Safari on iOS", "203.0.113.20", fmt.Sprintf(`action="/account/sessions/%d/sign-out"`, ids[1])} {
		if !strings.Contains(theirs, want) {
			t.Errorf("the phone's row lacks %q:\n%s", want, theirs)
		}
	}
	if strings.Contains(theirs, "This browser") {
		t.Error("the phone is marked as this browser")
	}
	if !strings.Contains(page, `action="/account/sessions/sign-out-others"`) {
		t.Error("no “sign out of every other session”")
	}
}

func TestSignOutOneSessionOrEveryOtherOne(t *testing.T) {
	e := apptest.New(t, testDB)
	email := apptest.Email("ender")
	here, laptop, phone, tablet := e.NewBrowser(), e.NewBrowser(), e.NewBrowser(), e.NewBrowser()
	here.SignUp(t, email, password, "Ender")
	for _, b := range []*apptest.Browser{laptop, phone, tablet} {
		signIn(t, b, email, password)
	}
	ids := sessionIDs(t, userID(t, email)) // here, laptop, phone, tablet
	resp, _ := post(t, here, fmt.Sprintf("/account/sessions/%d/sign-out", ids[1]), nil)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/account?done=session" {
		t.Fatalf("sign out the laptop: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if _, page := here.Get(t, "", "/account?done=session"); !strings.Contains(page, "That session is signed out.") {
		t.Fatal("no confirmation")
	}
	if signedIn(t, laptop) || !signedIn(t, phone) || !signedIn(t, tablet) || !signedIn(t, here) {
		t.Fatal("signing out one session ended the wrong ones")
	}
	// A session already ended is gone: the 404 page.
	if resp, _ := post(t, here, fmt.Sprintf("/account/sessions/%d/sign-out", ids[1]), nil); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("an ended session: %d, want 404", resp.StatusCode)
	}
	resp, _ = post(t, here, "/account/sessions/sign-out-others", nil)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/account?done=others" {
		t.Fatalf("sign out the others: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if signedIn(t, phone) || signedIn(t, tablet) || !signedIn(t, here) {
		t.Fatal("“every other session” did not end exactly the others")
	}
	if _, page := here.Get(t, "", "/account"); !strings.Contains(page, "This browser is the only place you are signed in.") {
		t.Fatal("the page does not say this browser is the only session left")
	}
	// Signing out this browser by its own id signs it out.
	resp, _ = post(t, here, fmt.Sprintf("/account/sessions/%d/sign-out", ids[0]), nil)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/" || signedIn(t, here) {
		t.Fatalf("own session: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
}

// The IDOR this closes: session ids are small sequential numbers, so user B
// could otherwise sign user A out (or probe which ids exist) by posting
// A's id. Another account's id is the same 404 page as one that does not
// exist, and ends nothing.
func TestAnotherAccountsSessionIDIsA404ThatEndsNothing(t *testing.T) {
	e := apptest.New(t, testDB)
	victim, attacker := e.NewBrowser(), e.NewBrowser()
	va, vb := apptest.Email("victim"), apptest.Email("attacker")
	victim.SignUp(t, va, password, "Victim")
	attacker.SignUp(t, vb, password, "Attacker")
	aid := userID(t, va)
	victimSession := sessionIDs(t, aid)[0]
	notFound := string(e.App.Errors.NotFoundBody())
	before, beforeB := fingerprint(t, aid), fingerprint(t, userID(t, vb))
	for _, id := range []string{fmt.Sprint(victimSession), "999999999999", "0", "-1", "abc", "1e3"} {
		resp, body := post(t, attacker, "/account/sessions/"+id+"/sign-out", nil)
		if resp.StatusCode != http.StatusNotFound || body != notFound {
			t.Errorf("id %s: %d, want the 404 page", id, resp.StatusCode)
		}
	}
	if fingerprint(t, aid) != before || !signedIn(t, victim) {
		t.Fatal("user B ended user A's session")
	}
	if fingerprint(t, userID(t, vb)) != beforeB || !signedIn(t, attacker) {
		t.Fatal("the refused request changed the attacker's own sessions")
	}
	if _, page := attacker.Get(t, "", "/account"); strings.Contains(page, fmt.Sprintf(`data-session-id="%d"`, victimSession)) {
		t.Fatal("user B's page lists user A's session")
	}
}

func TestSettingsFormsNeedTheCSRFToken(t *testing.T) {
	e := apptest.New(t, testDB)
	b := e.NewBrowser()
	email := apptest.Email("csrf-settings")
	b.SignUp(t, email, password, "Csrf")
	other := e.NewBrowser()
	signIn(t, other, email, password)
	uid := userID(t, email)
	before := fingerprint(t, uid)
	others := sessionIDs(t, uid)[1]
	forms := map[string]url.Values{
		"/account/profile":  {"name": {"Hijacked"}},
		"/account/password": {"current_password": {password}, "new_password": {"hijacked password"}, "repeat_password": {"hijacked password"}},
		fmt.Sprintf("/account/sessions/%d/sign-out", others): {},
		"/account/sessions/sign-out-others":                  {},
	}
	for path, form := range forms {
		for _, tok := range []string{"", "forged"} {
			form.Set("_csrf", tok)
			if resp, _ := b.PostForm(t, "", path, form); resp.StatusCode != http.StatusForbidden {
				t.Errorf("%s with token %q: %d, want 403", path, tok, resp.StatusCode)
			}
		}
	}
	if fingerprint(t, uid) != before {
		t.Fatal("a request without a valid CSRF token changed the account")
	}
}

func TestTheEmailSectionSaysWhetherTheAddressIsVerified(t *testing.T) {
	e := apptest.New(t, testDB)
	b := e.NewBrowser()
	email := apptest.Email("verify-state")
	b.SignUpUnverified(t, email, password, "Verify State")
	b.SignIn(t, email, password)
	_, page := b.Get(t, "", "/account")
	if !strings.Contains(page, email) || !strings.Contains(page, "Not verified") || !strings.Contains(page, `action="`+accounts.ResendPath+`"`) {
		t.Fatal("an unverified address is not shown as such, with a way to send its verification link again")
	}
	if _, err := testDB.Primary.NewRaw(`UPDATE users SET email_verified_at = now() WHERE email = ?`, email).Exec(context.Background()); err != nil {
		t.Fatal(err)
	}
	_, page = b.Get(t, "", "/account")
	if !strings.Contains(page, "Verified") || strings.Contains(page, "Not verified") || !strings.Contains(page, `href="`+accounts.EmailPath+`">Change your email address`) {
		t.Fatal("a verified address is not shown as verified, with a link to change it")
	}
}

func TestDeviceNameSummarisesTheUserAgent(t *testing.T) {
	for ua, want := range map[string]string{
		firefoxWindows: "Firefox on Windows",
		safariIPhone:   "Safari on iOS",
		"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36":                 "Chrome on macOS",
		"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36 Edg/126.0.0.0":         "Edge on Windows",
		"Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Mobile Safari/537.36":                 "Chrome on Android",
		"Mozilla/5.0 (iPad; CPU OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/126.0.6478.54 Mobile/15E148 Safari/604.1": "Chrome on iPadOS",
		"Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0":                                                                "Firefox on Linux",
		"Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36":                        "Chrome on ChromeOS",
		"curl/8.5.0":                   "curl/8.5.0",
		"":                             "Unknown device",
		"   ":                          "Unknown device",
		strings.Repeat("x", 60) + " y": strings.Repeat("x", 40) + "…",
	} {
		if got := accounts.DeviceName(ua); got != want {
			t.Errorf("DeviceName(%q) = %q, want %q", ua, got, want)
		}
	}
}
