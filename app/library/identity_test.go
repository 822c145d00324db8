package library_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/claro-market/claro/app/catalog"
	"github.com/claro-market/claro/app/config"
	"github.com/claro-market/claro/tenants"
	"github.com/claro-market/claro/testkit/apptest"
	"github.com/claro-market/claro/testkit/mailpittest"
	"github.com/claro-market/claro/testkit/moneytest"
)

// guestBuys checks out p as a guest paying with email, from a fresh
// browser, and delivers the signed webhook that pays it; it returns the
// order's id.
func guestBuys(t *testing.T, e *moneytest.Env, s *tenants.Tenant, p *catalog.Product, email string) int64 {
	t.Helper()
	guest := e.NewBrowser()
	host := apptest.StoreHost(s.Slug)
	moneytest.AddToCart(t, guest, host, p.ID)
	if resp, body := moneytest.Send(t, guest, http.MethodPost, host, "/checkout", url.Values{"email": {email}}, false); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("guest checkout %d\n%s", resp.StatusCode, body)
	}
	var ck moneytest.Checkout
	if err := e.DB.Primary.NewRaw(`SELECT id, tenant_id, stripe_checkout_session_id, amount_total_cents FROM checkouts
		WHERE tenant_id = ? ORDER BY id DESC LIMIT 1`, s.ID).Scan(context.Background(), &ck); err != nil {
		t.Fatal(err)
	}
	e.Pay(t, ck, "pi_"+apptest.Unique("guest"))
	var id int64
	if err := e.DB.Primary.NewRaw(`SELECT id FROM orders WHERE checkout_id = ?`, ck.ID).Scan(context.Background(), &id); err != nil {
		t.Fatal(err)
	}
	return id
}

// orderOwner is the account an order belongs to, 0 for a guest order.
func orderOwner(t *testing.T, e *moneytest.Env, orderID int64) int64 {
	t.Helper()
	var owner int64
	if err := e.DB.Primary.NewRaw(`SELECT coalesce(user_id, 0) FROM orders WHERE id = ?`, orderID).Scan(context.Background(), &owner); err != nil {
		t.Fatal(err)
	}
	return owner
}

func accountID(t *testing.T, e *moneytest.Env, email string) int64 {
	t.Helper()
	var id int64
	if err := e.DB.Primary.NewRaw(`SELECT id FROM users WHERE email = ?`, email).Scan(context.Background(), &id); err != nil {
		t.Fatal(err)
	}
	return id
}

// The audit's takeover, first direction: a guest buys with
// victim@example.com; an attacker signs up with that address (and, not
// owning the mailbox, never verifies it). Before the fix, the first library
// view attached the victim's order and downloads to the attacker. Now the
// attacker's library never shows it, its page is the 404 page, and the order
// stays the guest's.
func TestSigningUpWithAGuestsAddressGetsNoneOfTheirPurchases(t *testing.T) {
	e := moneytest.New(t, testDB)
	s := e.Store(t, apptest.Unique("takeover"))
	p := e.Product(t, s, "secret", catalog.Public, withContent)
	fileID := addFile(t, e, p)
	victim := apptest.Email("victim")
	order := guestBuys(t, e, s, p, victim)

	attacker := e.NewBrowser()
	attacker.SignUpUnverified(t, victim, "the attacker's password", "Attacker")
	attacker.SignIn(t, victim, "the attacker's password")
	if _, list := attacker.Get(t, "", "/library"); strings.Contains(list, p.Title) {
		t.Fatal("the victim's purchase is in the attacker's library")
	}
	notFound(t, e, attacker, fmt.Sprintf("/library/%d", p.ID))
	notFound(t, e, attacker, fmt.Sprintf("/library/%d/files/%d", p.ID, fileID))
	if owner := orderOwner(t, e, order); owner != 0 {
		t.Fatalf("the guest's order went to account %d", owner)
	}
	if n := e.Count(t, "entitlements WHERE order_id = ? AND user_id IS NOT NULL", order); n != 0 {
		t.Fatalf("%d of the guest's entitlements went to an account", n)
	}
}

// The audit's takeover, second direction: the attacker registers
// victim@example.com first. Before the fix the webhook wrote the victim's
// later guest purchases straight to the attacker's account, and the victim
// could never sign up. Now the purchase stays a guest order whose receipt
// carries a claim link; the victim's
// sign-up is told (by mail) that the address has an account; a password reset
// proves the mailbox, ends the attacker's session and brings the purchase
// in; and purchases after that join the now verified account. The mail goes
// through real SMTP (Mailpit).
func TestAnAccountRegisteredFirstWithTheVictimsAddressNeverReceivesTheirPurchase(t *testing.T) {
	mp := mailpittest.Start(t)
	e := moneytest.New(t, testDB, func(c *config.Config) { c.SMTPURL = mp.SMTPURL })
	s := e.Store(t, apptest.Unique("squat"))
	p := e.Product(t, s, "secret", catalog.Public, withContent)
	later := e.Product(t, s, "sequel", catalog.Public, withContent)
	victim := apptest.Email("victim")

	attacker := e.NewBrowser()
	attacker.SignUpUnverified(t, victim, "the attacker's password", "Attacker")
	attacker.SignIn(t, victim, "the attacker's password")
	account := accountID(t, e, victim)

	order := guestBuys(t, e, s, p, victim)
	if owner := orderOwner(t, e, order); owner != 0 {
		t.Fatalf("the webhook gave the guest's order to account %d, which never verified the address", owner)
	}
	notFound(t, e, attacker, fmt.Sprintf("/library/%d", p.ID))
	// The receipt goes to the victim's mailbox, with the order's claim link.
	if _, err := e.Receipts.Drain(context.Background()); err != nil {
		t.Fatal(err)
	}
	if receipt := mp.WaitForSubject(t, victim, "Your receipt", 1)[0]; len(apptest.Links(receipt.Text, "/claim")) != 1 {
		t.Fatalf("the guest's receipt has no claim link:\n%s", receipt.Text)
	}

	// The victim tries to sign up: the same "check your inbox" as anyone,
	// and a mail saying the address has an account.
	v := e.NewBrowser()
	token := v.CSRF(t, "", "/signup")
	if resp, body := v.PostForm(t, "", "/signup", url.Values{"_csrf": {token}, "email": {victim}, "password": {pw}, "name": {"Victim"}}); resp.StatusCode != http.StatusOK ||
		!strings.Contains(body, "Check your inbox") {
		t.Fatalf("the victim's sign-up: %d", resp.StatusCode)
	}
	mp.WaitForSubject(t, victim, "You already have a Claro account", 1)

	// The victim resets the password through the link in the mail.
	token = v.CSRF(t, "", "/forgot")
	if resp, _ := v.PostForm(t, "", "/forgot", url.Values{"_csrf": {token}, "email": {victim}}); resp.StatusCode != http.StatusOK {
		t.Fatalf("forgot: %d", resp.StatusCode)
	}
	links := apptest.Links(mp.WaitForSubject(t, victim, "Reset your Claro password", 1)[0].Text, "/reset")
	if len(links) != 1 {
		t.Fatal("no reset link in the mail")
	}
	reset := links[0].RequestURI()
	token = v.CSRF(t, "", reset)
	if resp, body := v.PostForm(t, "", "/reset", url.Values{"_csrf": {token}, "token": {apptest.Query(t, reset, "token")}, "password": {pw}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("reset: %d\n%s", resp.StatusCode, body)
	}
	if _, home := attacker.Get(t, "", "/"); strings.Contains(home, "Sign out") {
		t.Fatal("the attacker is still signed in after the victim's reset")
	}
	if resp, _ := v.Get(t, "", fmt.Sprintf("/library/%d", p.ID)); resp.StatusCode != http.StatusOK {
		t.Fatalf("the victim's own purchase after the reset: %d", resp.StatusCode)
	}
	if owner := orderOwner(t, e, order); owner != account {
		t.Fatalf("the order belongs to %d after the reset, want %d", owner, account)
	}

	// Now verified, the address's next guest purchase joins the account.
	next := guestBuys(t, e, s, later, victim)
	if owner := orderOwner(t, e, next); owner != account {
		t.Fatalf("a purchase after verification belongs to %d, want %d", owner, account)
	}
	if resp, _ := v.Get(t, "", fmt.Sprintf("/library/%d", later.ID)); resp.StatusCode != http.StatusOK {
		t.Fatalf("the later purchase: %d", resp.StatusCode)
	}
}

// A signed-in buyer's own checkout is theirs, verified or not: the order
// follows checkouts.user_id, never the address alone.
func TestAnUnverifiedBuyersOwnCheckoutIsTheirs(t *testing.T) {
	e := moneytest.New(t, testDB)
	s := e.Store(t, apptest.Unique("own"))
	p := e.Product(t, s, "thing", catalog.Public, withContent)
	email := apptest.Email("unverified")
	b := e.NewBrowser()
	b.SignUpUnverified(t, email, pw, "Unverified")
	b.SignIn(t, email, pw)
	e.Pay(t, e.OpenCheckout(t, b, s, p), "pi_"+apptest.Unique("own"))
	if resp, _ := b.Get(t, "", fmt.Sprintf("/library/%d", p.ID)); resp.StatusCode != http.StatusOK {
		t.Fatalf("the buyer's own purchase: %d", resp.StatusCode)
	}
}
