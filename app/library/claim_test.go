package library_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/claro-market/claro/app/accounts"
	"github.com/claro-market/claro/app/catalog"
	"github.com/claro-market/claro/testkit/apptest"
	"github.com/claro-market/claro/testkit/moneytest"
)

// claimLink sends the receipts owed and returns the claim link in the
// receipt mailed to email, as a path and query on the marketplace.
func claimLink(t *testing.T, e *moneytest.Env, email string) string {
	t.Helper()
	if _, err := e.Receipts.Drain(context.Background()); err != nil {
		t.Fatal(err)
	}
	for _, m := range e.Mail(t, email) {
		if strings.Contains(m.Subject, "Your receipt") {
			if links := apptest.Links(m.Text, accounts.ClaimPath); len(links) == 1 {
				return links[0].RequestURI()
			}
			t.Fatalf("a guest's receipt without one claim link:\n%s", m.Text)
		}
	}
	t.Fatalf("no receipt to %s", email)
	return ""
}

// A guest's receipt carries a single-use claim link bound to its order.
// Signed out it only shows the order and the way to an account (the link is
// not spent); signed in, to any account, it attaches that order and its
// entitlements, once. Another order paid with the same address stays out.
func TestAGuestReceiptsClaimLinkAttachesItsOrderOnce(t *testing.T) {
	e := moneytest.New(t, testDB)
	s := e.Store(t, apptest.Unique("claim"))
	p := e.Product(t, s, "thing", catalog.Public, withContent)
	other := e.Product(t, s, "other", catalog.Public, withContent)
	guest := apptest.Email("guest")
	order := guestBuys(t, e, s, p, guest)
	link := claimLink(t, e, guest)
	guestBuys(t, e, s, other, guest)

	visitor := e.NewBrowser()
	resp, page := visitor.Get(t, "", link)
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, p.Title) || !strings.Contains(page, "/signup?email=") ||
		resp.Header.Get("Referrer-Policy") != "same-origin" {
		t.Fatalf("signed out: %d\n%s", resp.StatusCode, page)
	}

	owner := e.NewBrowser()
	ownerEmail := apptest.Email("collector")
	owner.SignUp(t, ownerEmail, pw, "Collector")
	resp, _ = owner.Get(t, "", link)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/library?claimed=1" {
		t.Fatalf("signed in: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if got := orderOwner(t, e, order); got != accountID(t, e, ownerEmail) {
		t.Fatalf("the order belongs to %d", got)
	}
	if _, list := owner.Get(t, "", "/library?claimed=1"); !strings.Contains(list, p.Title) || !strings.Contains(list, "now in your library") ||
		strings.Contains(list, other.Title) {
		t.Fatalf("the library after the claim:\n%s", list)
	}
	// Spent: neither a visitor nor another account can use it again.
	if resp, _ := visitor.Get(t, "", link); resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("the link again, signed out: %d", resp.StatusCode)
	}
	thief := e.NewBrowser()
	thief.SignUp(t, apptest.Email("thief"), pw, "Thief")
	if resp, _ := thief.Get(t, "", link); resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("the link again, another account: %d", resp.StatusCode)
	}
	notFound(t, e, thief, fmt.Sprintf("/library/%d", p.ID))
	// A claim token is no other kind of link, and stops working when its
	// 30 days are up.
	if resp, _ := visitor.Get(t, "", accounts.VerifyPath+"?token="+apptest.Query(t, claimLink(t, e, guest), "token")); resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("a claim token as a verification link: %d", resp.StatusCode)
	}
	late := apptest.Email("late")
	lateOrder := guestBuys(t, e, s, p, late)
	expired := claimLink(t, e, late)
	if _, err := e.DB.Primary.NewRaw(`UPDATE email_tokens SET expires_at = now() - interval '1 second' WHERE token_hash = ?`,
		accounts.HashToken(apptest.Query(t, expired, "token"))).Exec(context.Background()); err != nil {
		t.Fatal(err)
	}
	if resp, _ := owner.Get(t, "", expired); resp.StatusCode != http.StatusBadRequest || orderOwner(t, e, lateOrder) != 0 {
		t.Fatalf("an expired claim link: %d, order owner %d", resp.StatusCode, orderOwner(t, e, lateOrder))
	}
}

// Signed out, the claim link leads through sign-up to the claim: the
// verification link carries the way back, and the order joins the new
// account. A claim link opened by an unverified account with the order's
// very address proves that mailbox, and verifies it.
func TestAClaimLinkFinishesThroughSignUpAndProvesTheAddress(t *testing.T) {
	e := moneytest.New(t, testDB)
	s := e.Store(t, apptest.Unique("claimup"))
	p := e.Product(t, s, "thing", catalog.Public, withContent)
	guest := apptest.Email("guest")
	guestBuys(t, e, s, p, guest)
	link := claimLink(t, e, guest)

	b := e.NewBrowser()
	_, page := b.Get(t, "", link)
	i := strings.Index(page, `href="/signup?`)
	signup := strings.ReplaceAll(page[i+6:i+strings.Index(page[i+6:], `"`)+6], "&amp;", "&")
	if apptest.Query(t, signup, "email") != guest {
		t.Fatalf("the sign-up link %q does not name the address", signup)
	}
	token := b.CSRF(t, "", signup)
	resp, _ := b.PostForm(t, "", "/signup", url.Values{"_csrf": {token}, "email": {guest}, "password": {pw}, "name": {"Guest"},
		"next": {apptest.Query(t, signup, "next")}})
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("sign-up: %d", resp.StatusCode)
	}
	resp, _ = b.Get(t, "", e.MailLink(t, guest, accounts.VerifyPath))
	if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusSeeOther || loc != link {
		t.Fatalf("the verification link: %d to %q, want back to %q", resp.StatusCode, loc, link)
	}
	if resp, _ := b.Get(t, "", link); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("the claim after sign-up: %d", resp.StatusCode)
	}
	if resp, _ := b.Get(t, "", fmt.Sprintf("/library/%d", p.ID)); resp.StatusCode != http.StatusOK {
		t.Fatalf("the purchase after sign-up: %d", resp.StatusCode)
	}

	// An unverified account with the order's address: the claim verifies it.
	second := apptest.Email("second")
	guestBuys(t, e, s, p, second)
	link = claimLink(t, e, second)
	u := e.NewBrowser()
	u.SignUpUnverified(t, second, pw, "Second")
	u.SignIn(t, second, pw)
	if resp, _ := u.Get(t, "", link); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("the claim: %d", resp.StatusCode)
	}
	if n := e.Count(t, "users WHERE email = ? AND email_verified_at IS NOT NULL", second); n != 1 {
		t.Fatal("a claim link to the account's own address did not verify it")
	}
}
