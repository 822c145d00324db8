package accounts_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/claro-market/claro/app/accounts"
	"github.com/claro-market/claro/testkit/apptest"
)

// changeEmail posts the change-of-address form as b.
func changeEmail(t *testing.T, b *apptest.Browser, newEmail, pw string) (*http.Response, string) {
	t.Helper()
	return b.PostForm(t, "", accounts.EmailPath, url.Values{"_csrf": {b.CSRF(t, "", accounts.EmailPath)}, "email": {newEmail}, "password": {pw}})
}

// A change of address needs the current password and the new mailbox: the
// account moves only when the link mailed to the new address is opened,
// once; the address is then verified, the old one is told, and links sent
// to the old address stop working.
func TestEmailChangeNeedsThePasswordAndTheNewMailbox(t *testing.T) {
	e := apptest.New(t, testDB)
	old, moved := apptest.Email("old"), apptest.Email("moved")
	b := e.NewBrowser()
	b.SignUp(t, old, password, "Mover")
	emailForm(t, e, "/forgot", url.Values{"email": {old}})
	oldReset := e.MailLink(t, old, accounts.ResetPath)

	if resp, _ := e.NewBrowser().Get(t, "", accounts.EmailPath); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("the form signed out: %d, want a redirect to sign in", resp.StatusCode)
	}
	for what, c := range map[string][2]string{
		"wrong password": {moved, "not the password"}, "bad address": {"moved at example", password}, "same address": {strings.ToUpper(old), password},
	} {
		if resp, body := changeEmail(t, b, c[0], c[1]); resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "field-error") {
			t.Errorf("%s: %d, want 422 with a message", what, resp.StatusCode)
		}
	}
	if len(e.Mail(t, moved)) != 0 {
		t.Fatal("a refused change mailed the new address")
	}
	resp, body := changeEmail(t, b, moved, password)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "Check your inbox") {
		t.Fatalf("the change: %d\n%s", resp.StatusCode, body)
	}
	if count(t, "users", "email = ?", old) != 1 {
		t.Fatal("the address changed before the link was opened")
	}
	link := e.MailLink(t, moved, accounts.EmailConfirmPath)
	doesNotWork(t, e.NewBrowser(), "an email-change token as a verification link", accounts.VerifyPath+"?token="+apptest.Query(t, link, "token"))
	resp, body = e.NewBrowser().Get(t, "", link)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "Email changed") {
		t.Fatalf("the confirmation link: %d\n%s", resp.StatusCode, body)
	}
	if count(t, "users", "email = ? AND email_verified_at IS NOT NULL", moved) != 1 || count(t, "users", "email = ?", old) != 0 {
		t.Fatal("the account did not move to the new address, verified")
	}
	doesNotWork(t, e.NewBrowser(), "the confirmation link again", link)
	if notice := e.Mail(t, old)[0]; !strings.Contains(notice.Subject, "was changed") || !strings.Contains(notice.Text, moved) {
		t.Fatalf("the old address was not told: %+v", notice)
	}
	doesNotWork(t, e.NewBrowser(), "a reset link sent to the old address", oldReset)
	if resp, _ := signInFrom(t, e, "192.0.2.3", moved, password); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("signing in with the new address: %d", resp.StatusCode)
	}
	if resp, _ := signInFrom(t, e, "192.0.2.3", old, password); resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("signing in with the old address: %d", resp.StatusCode)
	}
	// A confirmation link whose 24 hours are up changes nothing.
	again := apptest.Email("again")
	changeEmail(t, b, again, password)
	link = e.MailLink(t, again, accounts.EmailConfirmPath)
	expire(t, link)
	doesNotWork(t, e.NewBrowser(), "an expired confirmation link", link)
	if count(t, "users", "email = ?", moved) != 1 {
		t.Fatal("an expired link moved the account")
	}
}

// Asking to move to an address that has an account answers as any change
// does; that address's owner is told, with no link, and nothing changes.
// An address taken between the request and the link leaves the account as
// it was.
func TestEmailChangeToATakenAddressChangesNothing(t *testing.T) {
	e := apptest.New(t, testDB)
	mine, taken, fresh := apptest.Email("mine"), apptest.Email("taken"), apptest.Email("fresh")
	b := e.NewBrowser()
	b.SignUp(t, mine, password, "Mine")
	e.NewBrowser().SignUp(t, taken, password, "Taken")

	r1, b1 := changeEmail(t, b, taken, password)
	r2, b2 := changeEmail(t, b, fresh, password)
	if r1.StatusCode != http.StatusOK || r1.StatusCode != r2.StatusCode || samePage(b1, taken) != samePage(b2, fresh) {
		t.Fatalf("taken %d, fresh %d; the pages differ:\n%s\n%s", r1.StatusCode, r2.StatusCode, b1, b2)
	}
	notice := e.Mail(t, taken)[0]
	if !strings.Contains(notice.Subject, "Someone tried to move") || len(apptest.Links(notice.Text, accounts.EmailConfirmPath)) != 0 {
		t.Fatalf("mail to the taken address: %+v", notice)
	}

	// The fresh address gets an account of its own before the link is opened.
	link := e.MailLink(t, fresh, accounts.EmailConfirmPath)
	e.NewBrowser().SignUpUnverified(t, fresh, password, "Quick")
	if resp, _ := e.NewBrowser().Get(t, "", link); resp.StatusCode != http.StatusConflict {
		t.Fatalf("confirming a taken address: %d, want 409", resp.StatusCode)
	}
	if count(t, "users", "email = ?", mine) != 1 {
		t.Fatal("the account lost its address")
	}
}
