package accounts_test

import (
	"context"
	"encoding/hex"
	"errors"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/claro-market/claro/app/accounts"
	"github.com/claro-market/claro/app/web"
	"github.com/claro-market/claro/tenants"
	"github.com/claro-market/claro/testkit/apptest"
)

// activeDomainStore opens a store served on its own active custom domain.
func activeDomainStore(t *testing.T, e *apptest.Env, slug, host string) *tenants.Tenant {
	t.Helper()
	tn := e.Store(t, slug)
	ctx := context.Background()
	d, err := tenants.NewDomainStore(testDB.Primary, apptest.Root).Add(ctx, tn.ID, host)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := testDB.Primary.ExecContext(ctx, `UPDATE domains SET status = 'active' WHERE id = ?`, d.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := testDB.Primary.ExecContext(ctx, `UPDATE tenants SET custom_domain = ? WHERE id = ?`, host, tn.ID); err != nil {
		t.Fatal(err)
	}
	return tn
}

// ask starts a hand-off on the custom domain host, as its "Sign in" link
// does: the browser gets its hand-off cookie there and is sent to
// ROOT_DOMAIN. It returns the path (and query) on ROOT_DOMAIN.
func ask(t *testing.T, b *apptest.Browser, host, next string) string {
	t.Helper()
	resp, body := b.Get(t, host, accounts.HandoffStartPath+"?"+url.Values{"next": {next}}.Encode())
	loc := resp.Header.Get("Location")
	prefix := "http://" + apptest.Root + "/handoff?"
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, prefix) {
		t.Fatalf("hand-off ask on %s: %d %q\n%s", host, resp.StatusCode, loc, body)
	}
	if resp.Header.Get("Referrer-Policy") != "no-referrer" || resp.Header.Get("Cache-Control") != "no-store" {
		t.Fatal("hand-off ask may leak its state through Referer or caches")
	}
	var nonce *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == accounts.HandoffCookieName(false) {
			nonce = c
		}
	}
	if nonce == nil || nonce.Domain != "" || !nonce.HttpOnly || nonce.Path != "/" || nonce.Value == "" {
		t.Fatalf("hand-off cookie: %+v, want host-only and HttpOnly", nonce)
	}
	if strings.Contains(loc, nonce.Value) {
		t.Fatal("the nonce itself left the custom domain; only its hash may")
	}
	return strings.TrimPrefix(loc, "http://"+apptest.Root)
}

// mint asks for a hand-off to host from b (its cookie set there) and returns
// the token from ROOT_DOMAIN's redirect.
func mint(t *testing.T, b *apptest.Browser, host, next string) string {
	t.Helper()
	resp, body := b.Get(t, "", ask(t, b, host, next))
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "http://"+host+accounts.HandoffPath+"?token=") {
		t.Fatalf("hand-off start: %d %q\n%s", resp.StatusCode, loc, body)
	}
	if resp.Header.Get("Referrer-Policy") != "no-referrer" || resp.Header.Get("Cache-Control") != "no-store" {
		t.Fatal("hand-off redirect may leak its token through Referer or caches")
	}
	return apptest.Query(t, loc, "token")
}

func redeem(t *testing.T, b *apptest.Browser, host, token string) *http.Response {
	t.Helper()
	resp, _ := b.Get(t, host, accounts.HandoffPath+"?token="+url.QueryEscape(token))
	return resp
}

var csrfMeta = regexp.MustCompile(`<meta name="csrf-token" content="([^"]*)">`)

// signedInAs reports whether the page on host was rendered for the session
// holding token: its CSRF token is bound to exactly that session. An
// anonymous page carries no token at all.
func signedInAs(t *testing.T, body, host, token string) bool {
	t.Helper()
	m := csrfMeta.FindStringSubmatch(body)
	if m == nil {
		return false
	}
	csrf := web.NewCSRF(apptest.Config(t).SessionSecret)
	return m[1] == csrf.Token("session:"+hex.EncodeToString(accounts.HashToken(token)), host)
}

func rootToken(t *testing.T, b *apptest.Browser) string {
	t.Helper()
	for _, c := range b.Jar.Cookies(&url.URL{Scheme: "http", Host: apptest.Root, Path: "/"}) {
		if c.Name == accounts.CookieName {
			return c.Value
		}
	}
	t.Fatal("not signed in on the root domain")
	return ""
}

func TestHandoffSignsInOnTheCustomDomainWithANewHostOnlySession(t *testing.T) {
	e := apptest.New(t, testDB)
	host := apptest.Unique("handoff") + ".example"
	activeDomainStore(t, e, apptest.Unique("handoff-store"), host)
	b := e.NewBrowser()
	email := apptest.Unique("handoff") + "@example.com"
	b.SignUp(t, email, password, "Hand Off")

	// The platform's cookie never reaches the custom domain.
	for _, c := range b.Jar.Cookies(&url.URL{Scheme: "http", Host: host, Path: "/"}) {
		if c.Name == accounts.CookieName {
			t.Fatal("the root session cookie is sent to a custom domain")
		}
	}
	root := rootToken(t, b)
	_, body := e.Get(t, host, "/", "Cookie", accounts.CookieName+"="+root)
	if signedInAs(t, body, host, root) {
		t.Fatal("a custom domain honoured the platform's session cookie")
	}

	resp := redeem(t, b, host, mint(t, b, host, "/cart"))
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/cart" {
		t.Fatalf("redeem: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	var cookie *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == accounts.HostCookieName(false) {
			cookie = c
		}
	}
	if cookie == nil || cookie.Domain != "" || !cookie.HttpOnly || cookie.Path != "/" {
		t.Fatalf("host session cookie: %+v, want host-only and HttpOnly", cookie)
	}
	var rootID, hostID int64
	ctx := context.Background()
	if err := testDB.Primary.NewRaw(`SELECT s.id FROM sessions s WHERE s.token_hash = ? AND s.host IS NULL`, accounts.HashToken(root)).Scan(ctx, &rootID); err != nil {
		t.Fatal(err)
	}
	if err := testDB.Primary.NewRaw(`SELECT s.id FROM sessions s JOIN users u ON u.id = s.user_id
		WHERE s.token_hash = ? AND s.host = ? AND u.email = ?`, accounts.HashToken(cookie.Value), host, email).Scan(ctx, &hostID); err != nil {
		t.Fatalf("no session bound to %s for the user: %v", host, err)
	}
	if hostID == rootID || cookie.Value == root {
		t.Fatal("the session id did not change on hand-off")
	}
	_, body = b.Get(t, host, "/")
	if !signedInAs(t, body, host, cookie.Value) {
		t.Fatal("the custom domain does not know the handed-off visitor")
	}
	// The host-bound session is worth nothing on the platform's hosts.
	_, body = e.Get(t, "", "/", "Cookie", accounts.CookieName+"="+cookie.Value)
	if signedInAs(t, body, apptest.Root, cookie.Value) {
		t.Fatal("a session bound to a custom domain was honoured on ROOT_DOMAIN")
	}
}

func TestHandoffTokensAreSingleUseAndBoundToTheirHost(t *testing.T) {
	e := apptest.New(t, testDB)
	a, b := apptest.Unique("handoff-a")+".example", apptest.Unique("handoff-b")+".example"
	activeDomainStore(t, e, apptest.Unique("store-a"), a)
	activeDomainStore(t, e, apptest.Unique("store-b"), b)
	br := e.NewBrowser()
	br.SignUp(t, apptest.Unique("single")+"@example.com", password, "Single Use")

	token := mint(t, br, a, "/")
	if resp := redeem(t, br, a, token); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("first use: %d", resp.StatusCode)
	}
	if resp := redeem(t, br, a, token); resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("second use: %d, want 401", resp.StatusCode)
	}
	stolen := mint(t, br, a, "/")
	if resp := redeem(t, br, b, stolen); resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("a.example's token on b.example: %d, want 401", resp.StatusCode)
	}
	if resp := redeem(t, br, a, stolen); resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("a token shown on the wrong host must be spent: %d", resp.StatusCode)
	}
	for _, bad := range []string{"", "nonsense", strings.Repeat("A", 43)} {
		if resp := redeem(t, br, a, bad); resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("token %q: %d, want 401", bad, resp.StatusCode)
		}
	}
	// Redeeming happens on custom domains only; minting for them only.
	if resp := redeem(t, br, "", mint(t, br, a, "/")); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("redeem on ROOT_DOMAIN: %d", resp.StatusCode)
	}
	for _, to := range []string{"unknown-handoff.example", apptest.Root, "x." + apptest.Root, "10.0.0.1", "www." + a} {
		if resp, _ := br.Get(t, "", "/handoff?to="+url.QueryEscape(to)); resp.StatusCode != http.StatusNotFound {
			t.Errorf("hand-off to %q: %d, want 404", to, resp.StatusCode)
		}
	}
	visitor := e.NewBrowser()
	resp, _ := visitor.Get(t, "", ask(t, visitor, a, "/cart"))
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/login?next=%2Fhandoff%3F") {
		t.Fatalf("signed-out hand-off: %d %q, want sign-in first", resp.StatusCode, resp.Header.Get("Location"))
	}
	// A hand-off not started on the custom domain (no state) restarts there,
	// where the browser gets its nonce; nothing is minted.
	resp, _ = br.Get(t, "", "/handoff?to="+a+"&next=/cart")
	if want := "http://" + a + accounts.HandoffStartPath + "?next=%2Fcart"; resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != want {
		t.Fatalf("stateless hand-off: %d %q, want %q", resp.StatusCode, resp.Header.Get("Location"), want)
	}
	for _, state := range []string{"short", strings.Repeat("!", 43)} {
		resp, _ = br.Get(t, "", "/handoff?"+url.Values{"to": {a}, "state": {state}}.Encode())
		if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "http://"+a+accounts.HandoffStartPath) {
			t.Fatalf("malformed state %q: %d %q, want a restart on the custom domain", state, resp.StatusCode, loc)
		}
	}
	if resp, _ := br.Get(t, "", accounts.HandoffStartPath); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("hand-off ask on ROOT_DOMAIN: %d, want 404", resp.StatusCode)
	}
}

// The login-CSRF attack on custom domains, closed: an attacker mints a
// hand-off for their own account and sends the link; whoever opens it must
// not be signed in as the attacker (their checkout would be recorded for the
// attacker). The token is bound to the browser that asked for it.
func TestHandoffLinkOpenedInAnotherBrowserSignsNobodyIn(t *testing.T) {
	ctx := context.Background()
	e := apptest.New(t, testDB)
	host := apptest.Unique("csrf-handoff") + ".example"
	activeDomainStore(t, e, apptest.Unique("csrf-store"), host)
	attacker := e.NewBrowser()
	attackerEmail := apptest.Email("attacker")
	attacker.SignUp(t, attackerEmail, password, "Attacker")
	var attackerID int64
	if err := testDB.Primary.NewRaw(`SELECT id FROM users WHERE email = ?`, attackerEmail).Scan(ctx, &attackerID); err != nil {
		t.Fatal(err)
	}
	hostSessions := func() int {
		n, err := testDB.Primary.NewSelect().Table("sessions").Where("user_id = ? AND host = ?", attackerID, host).Count(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	hostCookie := func(b *apptest.Browser) string {
		for _, c := range b.Jar.Cookies(&url.URL{Scheme: "http", Host: host, Path: "/"}) {
			if c.Name == accounts.HostCookieName(false) {
				return c.Value
			}
		}
		return ""
	}

	// A victim with no hand-off of their own, and one in the middle of
	// their own sign-in (a nonce of their own on the host).
	fresh, midway := e.NewBrowser(), e.NewBrowser()
	ask(t, midway, host, "/")
	for name, victim := range map[string]*apptest.Browser{"fresh browser": fresh, "browser with its own nonce": midway} {
		link := mint(t, attacker, host, "/cart")
		resp, body := victim.Get(t, host, accounts.HandoffPath+"?token="+url.QueryEscape(link))
		if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(body, "different browser") {
			t.Fatalf("%s opening the attacker's link: %d, want 401 saying why\n%s", name, resp.StatusCode, body)
		}
		for _, c := range resp.Cookies() {
			if c.Name == accounts.HostCookieName(false) && c.Value != "" {
				t.Fatalf("%s was given a session cookie", name)
			}
		}
		if hostCookie(victim) != "" || hostSessions() != 0 {
			t.Fatalf("%s: somebody was signed in on %s", name, host)
		}
		// The link is spent: the attacker cannot use it either.
		if resp := redeem(t, attacker, host, link); resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("the link shown to the %s was redeemed afterwards: %d", name, resp.StatusCode)
		}
	}

	// The browser that asked is still signed in, once.
	token := mint(t, attacker, host, "/cart")
	if resp := redeem(t, attacker, host, token); resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/cart" {
		t.Fatalf("legitimate hand-off: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if hostCookie(attacker) == "" || hostSessions() != 1 {
		t.Fatal("the browser that asked was not signed in")
	}
	for _, c := range attacker.Jar.Cookies(&url.URL{Scheme: "http", Host: host, Path: "/"}) {
		if c.Name == accounts.HandoffCookieName(false) {
			t.Fatal("the hand-off nonce outlived its hand-off")
		}
	}
	if resp := redeem(t, attacker, host, token); resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("replayed token: %d, want 401", resp.StatusCode)
	}
	if hostSessions() != 1 {
		t.Fatal("a replayed token made another session")
	}
}

func TestHandoffTokenExpiresAfterSixtySeconds(t *testing.T) {
	ctx := context.Background()
	e := apptest.New(t, testDB)
	b := e.NewBrowser()
	email := apptest.Unique("clock") + "@example.com"
	b.SignUp(t, email, password, "Clock")
	var uid int64
	if err := testDB.Primary.NewRaw(`SELECT id FROM users WHERE email = ?`, email).Scan(ctx, &uid); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	h := accounts.NewHandoffs(testDB.Primary).WithClock(func() time.Time { return now })
	nonce, state, err := accounts.NewBrowserNonce()
	if err != nil {
		t.Fatal(err)
	}
	browser, ok := accounts.ParseState(state)
	if !ok {
		t.Fatalf("state %q does not parse", state)
	}

	late, err := h.Mint(ctx, uid, "clock.example", "/", browser)
	if err != nil {
		t.Fatal(err)
	}
	onTime, err := h.Mint(ctx, uid, "clock.example", "/", browser)
	if err != nil {
		t.Fatal(err)
	}
	now = now.Add(accounts.HandoffTTL - time.Second)
	if got, _, err := h.Redeem(ctx, onTime, "clock.example", nonce); err != nil || got != uid {
		t.Fatalf("59 s old: %d, %v", got, err)
	}
	now = now.Add(2 * time.Second)
	if _, _, err := h.Redeem(ctx, late, "clock.example", nonce); !errors.Is(err, accounts.ErrHandoffInvalid) {
		t.Fatalf("61 s old: %v, want ErrHandoffInvalid", err)
	}
	if n, err := h.DeleteExpired(ctx); err != nil || n < 2 {
		t.Fatalf("DeleteExpired: %d, %v", n, err)
	}
}
