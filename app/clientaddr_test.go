package app_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/claro-market/claro/app/localproc"

	"github.com/claro-market/claro/app/config"
	"github.com/claro-market/claro/testkit/apptest"
)

// TestForgedForwardedForDoesNotChooseTheClientAddress: behind a trusted
// proxy that appends to X-Forwarded-For, a client that writes its own
// left-most entries still has the address the proxy saw, as the sign-up
// limit's key, in the access log and on its session.
func TestForgedForwardedForDoesNotChooseTheClientAddress(t *testing.T) {
	var log localproc.Buffer // the app logs from several goroutines
	// The in-memory test connection's peer, 0.0.0.0, is the trusted proxy.
	e := apptest.NewLogged(t, testDB, &log, func(c *config.Config) { c.TrustedProxies = []string{"0.0.0.0"} })
	client := fmt.Sprintf("100.%d.%d.%d", 64+rand.IntN(64), rand.IntN(256), 1+rand.IntN(254)) // fresh per run: limits may live in Redis
	browser := func(i int) *apptest.Browser {
		b := e.NewBrowser()
		forged := fmt.Sprintf("203.0.113.%d", i+1)
		b.Header.Set("X-Forwarded-For", forged+", "+client) // the client wrote the left, the proxy appended the right
		return b
	}
	signUp := func(i int) (*http.Response, string) {
		b := browser(i)
		email := apptest.Email("xff")
		token := b.CSRF(t, "", "/signup")
		resp, _ := b.PostForm(t, "", "/signup", url.Values{"_csrf": {token}, "email": {email}, "password": {"correct horse battery"}, "name": {"Xff"}})
		return resp, email
	}
	var first string
	for i := range 10 {
		resp, email := signUp(i)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("sign-up %d: status %d", i+1, resp.StatusCode)
		}
		if i == 0 {
			first = email
		}
	}
	// Ten sign-ups from one client, each with a different forged entry: the
	// eleventh is over the per-address limit all the same.
	if resp, _ := signUp(10); resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("11th sign-up from %s with a new forged X-Forwarded-For entry: %d, want 429", client, resp.StatusCode)
	}

	// The session starts when the verification link is opened, from the
	// same client behind another forged entry.
	if resp, _ := browser(20).Get(t, "", e.MailLink(t, first, "/verify")); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("verification link: %d", resp.StatusCode)
	}
	var ip string
	if err := testDB.Primary.NewRaw(`SELECT s.ip FROM sessions s JOIN users u ON u.id = s.user_id WHERE u.email = ?`, first).
		Scan(context.Background(), &ip); err != nil {
		t.Fatal(err)
	}
	if ip != client {
		t.Errorf("the session records %q, want the address the proxy saw, %s", ip, client)
	}
	logged := log.String()
	if !strings.Contains(logged, client) {
		t.Errorf("the access log never names the client %s", client)
	}
	if strings.Contains(logged, "203.0.113.") {
		t.Errorf("a forged X-Forwarded-For entry reached the log:\n%s", logged)
	}
}
